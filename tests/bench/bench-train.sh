#!/bin/sh
# bench-train.sh — trains the same models on the same data with the same
# thread count in our core and in PyTorch 1.13 (Debian's), and prints
# samples/second, the ratio, test accuracies and the share of the machine's
# sgemm peak that our training step reaches.  Not a meson test: timings
# depend on the machine and on whatever else runs on it.
#
# Usage: tests/bench/bench-train.sh [-t THREADS] [-e EPOCHS] [-r ROWS] [-n REPEAT]
#                                   [-b BUILDDIR] [-w WORKDIR] [-c CONFIGS] [-k]
#   THREADS  OpenBLAS threads = torch.set_num_threads = --threads [2]
#   EPOCHS   training epochs on both sides [3]
#   ROWS     Fashion-MNIST rows to use, 6/7 of them train+val [14000:
#            10000 train, 2000 val, 2000 test; 70000 is the whole set]
#   REPEAT   runs per side and configuration; the fastest counts [2]
#   BUILDDIR meson build folder [build]; WORKDIR data and logs [/tmp/fw-bench]
#   CONFIGS  fusion:encoder list [early:mlp intermediate:mlp late:mlp image:mlp
#            text:mlp intermediate:cnn]
#   -k       keep WORKDIR/results.jsonl and add to it (the table takes the
#            fastest run of each side, so a rerun on a quieter machine counts)
#
# PyTorch runs three ways: with torch.set_num_threads(THREADS) and default
# environment (the like-for-like column), with OMP_WAIT_POLICY=passive, and
# with one thread; "best" is the fastest of the three, so the ratio against
# it is the honest one on a shared machine.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
threads=2 epochs=3 rows=14000 repeat=2 build=build work=/tmp/fw-bench keep=no
configs="early:mlp intermediate:mlp late:mlp image:mlp text:mlp intermediate:cnn"
while getopts t:e:r:n:b:w:c:k opt; do
  case $opt in
    t) threads=$OPTARG ;; e) epochs=$OPTARG ;; r) rows=$OPTARG ;;
    n) repeat=$OPTARG ;; b) build=$OPTARG ;; w) work=$OPTARG ;;
    c) configs=$OPTARG ;; k) keep=yes ;;
    *) sed -n '2,30p' "$0"; exit 2 ;;
  esac
done
case $build in /*) ;; *) build=$src/$build ;; esac
PY=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into

# ---- set-up: Debian packages, our build, the data, the peak -------------
need=""
$PY -c 'import torch, PIL, numpy' 2>/dev/null || need="$need python3-torch python3-pil python3-numpy"
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need="$need dataset-fashion-mnist"
command -v cc >/dev/null && pkg-config --exists openblas || need="$need gcc pkg-config libopenblas-dev"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y $need
  else
    echo "bench-train.sh needs: sudo apt-get install -y$need" >&2
    exit 1
  fi
fi
if [ ! -x "$build/app/fusion-workbench" ]; then
  [ -d "$build" ] || meson setup "$build" "$src"
  ninja -C "$build" -j1
fi
fw=$build/app/fusion-workbench

mkdir -p "$work"
data=$work/data-$rows
if [ ! -f "$data/manifest.csv" ]; then
  echo "writing $rows Fashion-MNIST rows as PNGs + CSV to $data ..." >&2
  $PY "$here/make_data.py" "$data" "$rows"
fi
cc -O2 "$here/sgemm-peak.c" $(pkg-config --cflags --libs openblas) -o "$work/sgemm-peak"
# the best of several tries, now and after the runs: other processes only
# ever make a measurement lower
peakfile=$work/peak-$threads
measure_peak () {
  for _ in 1 2 3; do
    OPENBLAS_NUM_THREADS=$threads "$work/sgemm-peak" "$threads" 2048 5 >> "$peakfile"
  done
}
[ "$keep" = yes ] || : > "$peakfile"
measure_peak
echo "sgemm peak at $threads threads so far: $(sort -g "$peakfile" | tail -1) GFLOP/s (2048^3)" >&2

# ---- runs -----------------------------------------------------------------
results=$work/results.jsonl
[ "$keep" = yes ] || : > "$results"
for c in $configs; do
  fusion=${c%:*} enc=${c#*:}
  echo "== $fusion / $enc" >&2
  i=0
  while [ $i -lt "$repeat" ]; do
    OPENBLAS_NUM_THREADS=$threads "$fw" train --data "$data/manifest.csv" --fusion "$fusion" \
      --image-encoder "$enc" --epochs "$epochs" --threads "$threads" --seed 1 --quiet --json \
      | sed "s/^{/{\"side\": \"ours\", \"image_encoder\": \"$enc\", /" >> "$results"
    i=$((i + 1))
  done
  for variant in same passive one; do
    case $variant in
      same) env="OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads" n=$threads ;;
      passive) env="OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads OMP_WAIT_POLICY=passive" n=$threads ;;
      one) env="OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1" n=1 ;;
    esac
    [ "$variant" = one ] && [ "$threads" = 1 ] && continue
    env $env $PY "$here/torch_train.py" "$data/manifest.csv" --fusion "$fusion" \
      --image-encoder "$enc" --epochs "$epochs" --threads "$n" --repeat "$repeat" \
      | sed "s/^{/{\"side\": \"torch-$variant\", /" >> "$results"
  done
done

# ---- table ------------------------------------------------------------------
measure_peak
$PY "$here/bench-table.py" "$results" "$(sort -g "$peakfile" | tail -1)" "$threads" "$epochs"
