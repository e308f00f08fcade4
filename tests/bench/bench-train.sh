#!/bin/sh
# bench-train.sh — trains the same models on the same data in our core and
# in PyTorch 1.13 (Debian's) and prints samples/second against PyTorch at
# its best, the accuracies and the share of the sgemm peak.  Not a meson
# test: timings depend on the machine and on whatever else runs on it.
#
# Usage: tests/bench/bench-train.sh [-e EPOCHS] [-r ROWS] [-n REPEAT] [-b BUILDDIR]
#                                   [-w WORKDIR] [-c CONFIGS] [-s SEEDS] [-x] [-P [-m SECS]] [-k]
#   EPOCHS   training epochs on both sides [2]
#   ROWS     Fashion-MNIST rows, 6/7 of them train+val [14000: 10000 train,
#            2000 val, 2000 test; 70000 is the whole set]
#   REPEAT   runs per side and setting [2]: the fastest counts against
#            PyTorch, the medians for ours at 2 threads ÷ 1
#   CONFIGS  fusion:image-encoder:text-encoder list [every fusion type with
#            MLP encoders, the CNN (intermediate and image), GRU, embed and
#            Transformer text encoders, attention fusion (attention:mlp:embed)]
#   SEEDS    seeds of the extra accuracy runs of CNN configurations [1 2 3]
#   -x       a competing CPU-bound process runs beside every timed run of
#            ours (PyTorch is not rerun: this is about our thread scaling)
#   -P       ours only, no PyTorch runs: the quick way to many repeats of
#            the 2-threads-against-1 comparison
#   -m SECS  with -P: each run of ours trains at least SECS seconds (more
#            epochs than EPOCHS when one epoch is short): a small model's
#            epoch is ~50-100 ms, so one-epoch pairs time the noise.  The
#            epochs per configuration come from one timed epoch at the
#            default threads first; both runs of every pair train as many
#            (the table gives them)
#   -T SECS  give up on a PyTorch run after SECS [900]: on a busy machine
#            its spinning default setting can crawl; the run then counts
#            as at most EPOCHS·train rows / SECS samples/s
#   -H       run in a session of its own whose scheduling group has nice
#            -20 (root only): other sessions' load then mostly stays out of
#            the timings, as on a quieter machine (the competitor of -x
#            shares the group, so it still competes)
#   -k       keep WORKDIR/results.jsonl and add to it (the table takes the
#            fastest run of each side, so a rerun on a quieter moment counts)
#
# Ours runs at its default --threads (every core) and at --threads 1, the
# two in turn and in alternating order (default first, then 1 first), so
# neither is always the one that runs after PyTorch or starts the minute.
# PyTorch runs three ways: torch.set_num_threads(cores) as it comes, the same
# with OMP_WAIT_POLICY=passive, and one thread; the ratio that counts is
# against the fastest of the three.  Each configuration's runs alternate
# between the sides, so both see the same span of load.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
epochs=2 rows=14000 repeat=2 build=build work=/tmp/fw-bench keep=no compete=no seeds="1 2 3"
limit=900 min_seconds=0
configs="early:mlp:bow intermediate:mlp:bow late:mlp:bow image:mlp:bow text:mlp:bow
intermediate:cnn:bow image:cnn:bow intermediate:mlp:gru intermediate:mlp:embed
intermediate:mlp:transformer attention:mlp:embed"
with_torch=yes
high=no
while getopts e:r:n:b:w:c:s:T:m:xkPH opt; do
  case $opt in
    e) epochs=$OPTARG ;; r) rows=$OPTARG ;; n) repeat=$OPTARG ;; b) build=$OPTARG ;;
    w) work=$OPTARG ;; c) configs=$OPTARG ;; s) seeds=$OPTARG ;; T) limit=$OPTARG ;; x) compete=yes ;; k) keep=yes ;;
    P) with_torch=no ;; H) high=yes ;; m) min_seconds=$OPTARG ;;
    *) sed -n '2,44p' "$0"; exit 2 ;;
  esac
done
if [ "$min_seconds" != 0 ] && [ "$with_torch" = yes ]; then
  echo "bench-train.sh: -m is for -P's thread pairs; the PyTorch comparison trains EPOCHS" >&2
  exit 2
fi
# -H: once, re-run this script in a new session (a new autogroup: nice
# values only weigh within one) and raise that group's weight
if [ "$high" = yes ] && [ -z "${FW_BENCH_HIGH:-}" ]; then
  export FW_BENCH_HIGH=1
  exec setsid -w sh -c 'echo -20 > /proc/self/autogroup && exec "$0" "$@"' "$0" "$@"
fi
case $build in /*) ;; *) build=$src/$build ;; esac
PY=/usr/bin/python3   # Debian's interpreter, the one python3-torch installs into
cores=$(nproc)

# ---- set-up: Debian packages, our build, the data -------------------------
need=""
$PY -c 'import torch, PIL, numpy' 2>/dev/null || need="$need python3-torch python3-pil python3-numpy"
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need="$need dataset-fashion-mnist"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y $need
  else
    echo "bench-train.sh needs: sudo apt-get install -y$need" >&2
    exit 1
  fi
fi
if [ ! -x "$build/app/fusion-workbench" ] || [ ! -x "$build/tests/bench/bench-layers" ]; then
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

competitor=
start_competitor () {
  [ "$compete" = yes ] || return 0
  sh -c 'while :; do :; done' &
  competitor=$!
}
stop_competitor () {   # never fails: set -e must not end the run here
  if [ -n "$competitor" ]; then
    kill "$competitor" 2>/dev/null || true
    wait "$competitor" 2>/dev/null || true
  fi
  competitor=
}
trap stop_competitor EXIT

load () { cut -d' ' -f1 /proc/loadavg; }
# a repetition's two runs of ours carry the same pair id, so the table can
# take each pair's ratio (the two ran seconds apart, under the same load)
session=$(date +%s)-$$ pair=none
tag () {  # JSON fields in front of a result line
  sed "s/^{/{\"side\": \"$1\", \"image_encoder\": \"$2\", \"text_encoder\": \"$3\", \"competitor\": \"$compete\", \"pair\": \"$pair\", \"load\": $(load), /"
}

ours () {  # fusion image text threads seed ("attention": intermediate fusion, --fusion-op attention)
  run_epochs=${6:-$epochs} t=""
  [ "$4" = default ] || t="--threads $4"
  f="--fusion $1" rename=
  [ "$1" = attention ] && f="--fusion intermediate --fusion-op attention" \
    rename='s/"fusion": "intermediate"/"fusion": "attention"/'
  "$fw" train --data "$data/manifest.csv" $f --image-encoder "$2" --text-encoder "$3" \
    --epochs "$run_epochs" $t --seed "$5" --quiet --json | sed "$rename" | tag "ours-$4" "$2" "$3"
}

torch () {  # fusion image text variant seed repeat
  case $4 in
    same) env="OMP_NUM_THREADS=$cores" n=$cores ;;
    passive) env="OMP_NUM_THREADS=$cores OMP_WAIT_POLICY=passive" n=$cores ;;
    one) env="OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1" n=1 ;;
  esac
  out=$(timeout "$limit" env $env $PY "$here/torch_train.py" "$data/manifest.csv" --fusion "$1" \
    --image-encoder "$2" --text-encoder "$3" --epochs "$epochs" --threads "$n" --seed "$5" \
    --repeat "$6") || true
  if [ -z "$out" ]; then   # gave up: an upper bound, marked as such
    train_n=$(tr -d '\r' < "$data/manifest.csv" | grep -c ',train$' || true)
    out=$(printf '{"fusion": "%s", "train_n": %s, "samples_per_second": %s, "timed_out": true, "test_accuracy": null, "flops_per_sample": 0}' \
      "$1" "$train_n" "$(awk -v n="$train_n" -v e="$epochs" -v l="$limit" 'BEGIN { print n * e / l }')")
  fi
  echo "$out" | tag "torch-$4" "$2" "$3"
}

# ---- runs -----------------------------------------------------------------
results=$work/results.jsonl
[ "$keep" = yes ] || : > "$results"
for c in $configs; do
  fusion=${c%%:*} rest=${c#*:}
  image=${rest%%:*} text=${rest#*:}
  echo "== $fusion / $image / $text (load $(load))" >&2
  run_epochs=$epochs
  if [ "$min_seconds" != 0 ]; then
    # one epoch's training seconds at the default threads (the faster side)
    epoch_s=$(pair=none; ours "$fusion" "$image" "$text" default 1 1 \
      | sed -n 's/.*"train_seconds": \([0-9.e-]*\).*/\1/p')
    run_epochs=$(awk -v m="$min_seconds" -v s="$epoch_s" -v e="$epochs" \
      'BEGIN { n = s > 0 ? int (m / s) + (m / s > int (m / s)) : e; print (n > e ? n : e) }')
    echo "   $run_epochs epochs a run (one epoch: $epoch_s s)" >&2
  fi
  i=0
  while [ $i -lt "$repeat" ]; do
    pair=$session-$c-$i
    start_competitor
    if [ $((i % 2)) = 0 ]; then
      ours "$fusion" "$image" "$text" default 1 "$run_epochs" >> "$results"
      ours "$fusion" "$image" "$text" 1 1 "$run_epochs" >> "$results"
    else
      ours "$fusion" "$image" "$text" 1 1 "$run_epochs" >> "$results"
      ours "$fusion" "$image" "$text" default 1 "$run_epochs" >> "$results"
    fi
    [ "$compete" = yes ] || [ "$with_torch" = no ] || for variant in same passive one; do
      torch "$fusion" "$image" "$text" $variant 1 1 >> "$results"
    done
    stop_competitor
    i=$((i + 1))
  done
  # the CNN's accuracy over more seeds (seed 1 is above); timings not used
  if [ "$image" = cnn ] && [ "$compete" = no ] && [ "$with_torch" = yes ]; then
    for s in $seeds; do
      [ "$s" = 1 ] && continue
      ours "$fusion" "$image" "$text" default "$s" | sed 's/"side": "ours-default"/"side": "ours-seed"/' >> "$results"
      torch "$fusion" "$image" "$text" one "$s" 1 | sed 's/"side": "torch-one"/"side": "torch-seed"/' >> "$results"
    done
  fi
done

# ---- the CNN's layers against the sgemm peak, and the table ----------------
layers=$work/layers.txt
# every layer split over the threads: the share of peak is then the
# kernels' own (with the pool choosing per site, a site of bench-layers
# that runs alone leaves a core idle, which wall time × threads charges)
FW_PARALLEL=always "$build/tests/bench/bench-layers" "$cores" 28 1 > "$layers"
cat "$layers"
$PY "$here/bench-table.py" "$results" "$layers" "$epochs"
