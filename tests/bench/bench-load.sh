#!/bin/sh
# bench-load.sh — times loading 70 000 Fashion-MNIST PNGs with captions:
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

if [ ! -f "$data/metadata.csv" ]; then
  echo "generating $data (once) ..."
  "$bench" generate "$idx" "$data"
fi

# Cold runs would measure the disk; read every file once so both sides
# start from the page cache.
find "$data/images" -type f -exec cat {} + > /dev/null

run () {  # label, command...: prints "seconds peak_kb cpu_seconds"
  label=$1; shift
  out=$(/usr/bin/time -v "$@" 2>"$data/time.txt")
  secs=$(echo "$out" | sed -n 's/.*seconds \([0-9.]*\).*/\1/p')
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$data/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$data/time.txt")
  echo "$label: $out" >&2
  echo "$secs $kb $cpu"
}

set -- $(run "fusion-workbench" "$bench" load "$data/metadata.csv" "$threads")
c_s=$1; c_kb=$2; c_cpu=$3
set -- $(run "python+PIL" /usr/bin/python3 "$here/bench-load.py" "$data/metadata.csv")
p_s=$1; p_kb=$2; p_cpu=$3

# Wall time is what users feel; CPU time shows the per-image cost when the
# machine is shared and the wall clock is noisy.
awk -v cs="$c_s" -v ck="$c_kb" -v cc="$c_cpu" -v ps="$p_s" -v pk="$p_kb" -v pc="$p_cpu" -v th="$threads" 'BEGIN {
  printf "fusion-workbench load  %7.2f s wall  %7.2f s cpu  peak %5.0f MB  (threads %s)\n", cs, cc, ck / 1024, th == 0 ? "all" : th
  printf "python3 + PIL load     %7.2f s wall  %7.2f s cpu  peak %5.0f MB\n", ps, pc, pk / 1024
  printf "ratio (PIL / ours)     %7.2fx wall   %6.2fx cpu\n", ps / cs, pc / cc
}'
# Shared machines make wall times noisy: say how busy this one was.
echo "load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
