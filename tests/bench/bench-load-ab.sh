#!/bin/sh
# bench-load-ab.sh — two (or more) builds' image loading, interleaved run
# by run so that a shared machine's load falls on each alike; prints every
# run and the mean and best load CPU (bench-load's own getrusage around
# fw_dataset_load: all threads, no start-up, no checksum) and wall time.
# A build of a commit before this script lacks the cpu figure: copy this
# tests/bench/bench-load.c into it first.  A benchmark, not a test.
#   tests/bench/bench-load-ab.sh ROUNDS MANIFEST SIZE gray|rgb THREADS BUILD_DIR...
# e.g. (bench-load.sh makes the data):
#   tests/bench/bench-load-ab.sh 5 /tmp/fw-bench-fashion-mnist-photos/metadata.csv 64 rgb 0 build-base build
set -eu
[ $# -ge 6 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
rounds=$1 manifest=$2 size=$3 color=$4 threads=$5
shift 5
for b in "$@"; do
  [ -x "$b/tests/bench/bench-load" ] || { echo "bench-load-ab.sh: build $b first" >&2; exit 2; }
done
for r in $(seq "$rounds"); do
  for b in "$@"; do
    echo "$b $("$b/tests/bench/bench-load" load "$manifest" "$threads" "$size" "$color") load $(cut -d' ' -f1 /proc/loadavg)"
  done
done | awk '{
    for (i = 2; i < NF; i++) {
      if ($i == "seconds") w = $(i + 1)
      if ($i == "cpu") c = $(i + 1)
      if ($i == "load") l = $(i + 1)
    }
    if (!($1 in n)) order[++k] = $1
    W[$1] += w; C[$1] += c; n[$1]++
    if (!($1 in best) || c < best[$1]) best[$1] = c
    printf "%-24s wall %7.3f s  cpu %7.3f s  load %s\n", $1, w, c, l
  }
  END {
    for (j = 1; j <= k; j++) {
      b = order[j]
      printf "mean %-19s wall %7.3f s  cpu %7.3f s  (best cpu %.3f, %d runs)\n", b, W[b] / n[b], C[b] / n[b], best[b], n[b]
    }
  }'
echo "load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
