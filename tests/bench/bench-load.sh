#!/bin/sh
# bench-load.sh — times loading 70 000 Fashion-MNIST PNGs with captions,
# then 20 000 64x64 RGB JPEG photos (photo-like, see bench-load.c):
# fw_dataset_load (bench-load) against the same work in Python with PIL
# (bench-load.py).  A benchmark, not a test: run by hand.
#   tests/bench/bench-load.sh [BUILD_DIR] [THREADS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
threads=${2:-0}
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

run () {  # label, command...: prints "seconds peak_kb cpu_seconds"
  label=$1; shift
  out=$(/usr/bin/time -v "$@" 2>"$data/time.txt")
  secs=$(echo "$out" | sed -n 's/.*seconds \([0-9.]*\).*/\1/p')
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$data/time.txt")
  echo "$label: $out" >&2
  echo "$secs $kb $cpu"
}

compare () {  # title, manifest, size, gray|rgb
  set -- "$1" "$2" "$3" "$4" $(run "fusion-workbench" "$bench" load "$2" "$threads" "$3" "$4")
  c_s=$5; c_kb=$6; c_cpu=$7
  set -- "$1" "$2" "$3" "$4" $(run "python+PIL" /usr/bin/python3 "$here/bench-load.py" "$2" "$3" "$4")
  p_s=$5; p_kb=$6; p_cpu=$7
  echo "$1"
  # Wall time is what users feel; CPU time shows the per-image cost when the
  # machine is shared and the wall clock is noisy.
  awk -v cs="$c_s" -v ck="$c_kb" -v cc="$c_cpu" -v ps="$p_s" -v pk="$p_kb" -v pc="$p_cpu" -v th="$threads" 'BEGIN {
    printf "  fusion-workbench load  %7.2f s wall  %7.2f s cpu  peak %5.0f MB  (threads %s)\n", cs, cc, ck / 1024, th == 0 ? "all" : th
    printf "  python3 + PIL load     %7.2f s wall  %7.2f s cpu  peak %5.0f MB\n", ps, pc, pk / 1024
    printf "  ratio (PIL / ours)     %7.2fx wall   %6.2fx cpu\n", ps / cs, pc / cc
  }'
}
compare "70,000 Fashion-MNIST 28x28 gray PNGs:" "$data/metadata.csv" 28 gray
compare "20,000 photo-like 64x64 RGB JPEGs:" "$photos/metadata.csv" 64 rgb
# Shared machines make wall times noisy: say how busy this one was.
echo "load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
