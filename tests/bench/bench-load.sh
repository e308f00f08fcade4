#!/bin/sh
# bench-load.sh — times loading 70 000 Fashion-MNIST PNGs with captions,
# then 20 000 64x64 RGB JPEG photos (photo-like, see bench-load.c):
# fw_dataset_load (bench-load) against the same work in Python with PIL
# (bench-load.py).  A benchmark, not a test: run by hand.
#   tests/bench/bench-load.sh [BUILD_DIR] [THREADS] [PIL_PROCESSES]
# THREADS 0 (the default) is ours on every core; PIL_PROCESSES N adds a
# line for PIL decoding in a multiprocessing pool of N (for comparison: the
# issue's baseline is PIL in one process, as a user writes it).
# CPU is reported twice: the load alone (each program times its own
# fw_dataset_load or load loop: no interpreter start-up, no checksum) and
# the whole process (/usr/bin/time).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
threads=${2:-0}
pil_processes=${3:-0}
idx=/usr/share/datasets/fashion-mnist
data=${FW_BENCH_DIR:-${TMPDIR:-/tmp}/fw-bench-fashion-mnist}
bench="$build/tests/bench/bench-load"

[ -x "$bench" ] || { echo "bench-load.sh: build first (meson compile -C $build)" >&2; exit 2; }
[ -f "$idx/train-images-idx3-ubyte.gz" ] || { echo "bench-load.sh: needs Debian's dataset-fashion-mnist" >&2; exit 2; }
/usr/bin/python3 -c 'import PIL, numpy' 2>/dev/null || { echo "bench-load.sh: needs python3-pil and python3-numpy" >&2; exit 2; }

photos=$data-photos
if [ ! -f "$data/metadata.csv" ]; then
  echo "generating $data (once) ..."
  "$bench" generate "$idx" "$data"
fi
if [ ! -f "$photos/metadata.csv" ]; then
  echo "generating $photos (once) ..."
  "$bench" photos 20000 "$photos"
fi

# Cold runs would measure the disk; read every file once so both sides
# start from the page cache.
find "$data/images" "$photos/images" -type f -exec cat {} + > /dev/null

run () {  # label, command...: prints "seconds peak_kb process_cpu_seconds load_cpu_seconds"
  label=$1; shift
  out=$(/usr/bin/time -v "$@" 2>"$data/time.txt")
  secs=$(echo "$out" | sed -n 's/.*seconds \([0-9.]*\).*/\1/p')
  load_cpu=$(echo "$out" | sed -n 's/.* cpu \([0-9.]*\).*/\1/p')
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$data/time.txt")
  echo "$label: $out" >&2
  echo "$secs $kb $cpu $load_cpu"
}

compare () {  # title, manifest, size, gray|rgb
  set -- "$1" "$2" "$3" "$4" $(run "fusion-workbench" "$bench" load "$2" "$threads" "$3" "$4")
  c_s=$5; c_kb=$6; c_cpu=$7; c_load=$8
  set -- "$1" "$2" "$3" "$4" $(run "python+PIL" /usr/bin/python3 "$here/bench-load.py" "$2" "$3" "$4")
  p_s=$5; p_kb=$6; p_cpu=$7; p_load=$8
  m_s=0; m_cpu=0
  if [ "$pil_processes" -gt 0 ]; then
    set -- "$1" "$2" "$3" "$4" $(run "python+PIL pool" /usr/bin/python3 "$here/bench-load.py" "$2" "$3" "$4" \
                                 --processes "$pil_processes")
    m_s=$5; m_cpu=$7
  fi
  echo "$1"
  # Wall time is what users feel; CPU time shows the per-image cost when the
  # machine is shared and the wall clock is noisy.
  awk -v cs="$c_s" -v ck="$c_kb" -v cc="$c_cpu" -v cl="$c_load" -v ps="$p_s" -v pk="$p_kb" -v pc="$p_cpu" \
      -v pl="$p_load" -v th="$threads" -v ms="$m_s" -v mc="$m_cpu" -v mp="$pil_processes" 'BEGIN {
    printf "                         wall       cpu, load   cpu, process   peak\n"
    printf "  fusion-workbench load  %7.2f s  %7.2f s   %7.2f s     %5.0f MB  (threads %s)\n", cs, cl, cc, ck / 1024, (th == 0 ? "all" : th)
    printf "  python3 + PIL load     %7.2f s  %7.2f s   %7.2f s     %5.0f MB\n", ps, pl, pc, pk / 1024
    lr = cl > 0 ? pl / cl : 0
    printf "  ratio (PIL / ours)     %7.2fx  %7.2fx    %7.2fx\n", ps / cs, lr, pc / cc
    if (mp > 0)
      printf "  PIL, %d processes       %7.2f s              %7.2f s     (ratio %.2fx wall)\n", mp, ms, mc, ms / cs
  }'
}
compare "70,000 Fashion-MNIST 28x28 gray PNGs:" "$data/metadata.csv" 28 gray
compare "20,000 photo-like 64x64 RGB JPEGs:" "$photos/metadata.csv" 64 rgb
# Shared machines make wall times noisy: say how busy this one was.
echo "load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
