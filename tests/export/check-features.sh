#!/usr/bin/env bash
# check-features.sh FUSION-WORKBENCH [all] — bring your own embeddings, end to end
# (issue 12).  A features file is built from a dataset's own pixels (and
# one from its own word counts): make-dataset.py's manifest, `predict
# --split all --save-inputs` of a model on it, each row's pixels flattened
# into its vector at its manifest row, NaN rows where the manifest has no
# image (or caption).  Then, for several fusion types with --image-encoder
# and --text-encoder features:
#   1. `predict` with the .npy gives the same CSV as with the safetensors;
#   2. ONNX Runtime on predict's saved inputs gives its probabilities within
#      1e-4, and onnx.checker accepts the model (inputs [N, D]);
#   3. the exported predict.py --image-features/--text-features gives the
#      same rows, classes and probabilities within 1e-4.
# Three configurations by default; with "all" (the slow suite) every one.
# Then each kind of malformed features file gets its own clear error,
# naming the file (and the row for a bad value).
# Exit 77 (skipped) only when python3-torch, numpy, python3-onnx, PIL or
# node/npm cannot be had.
set -euo pipefail
fw=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
npm_dir=${FW_NPM_DIR:-"$here/../../.cache/npm"}
for mod in torch numpy onnx PIL; do
  $py -c "import $mod" 2>/dev/null || { echo "SKIP: python3 module $mod is not installed"; exit 77; }
done
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
"$here/install-onnxruntime.sh" "$npm_dir" || { echo "SKIP: cannot install onnxruntime-node"; exit 77; }
export NODE_PATH="$npm_dir/node_modules"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail () { echo "FAIL $*"; status=1; }

$py "$here/make-dataset.py" "$tmp/data"
# onnx-compare.js reads predict's CSV without quoting: no comma in a label
data=$tmp/data/features.csv
$py - "$tmp/data/metadata.csv" "$data" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    csv.writer(f).writerows([[c.replace(",", "") for c in r] for r in rows])
PY
rows=$($py -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig"))))' "$data")

# the dataset's own pixels and word counts, one row per manifest row
"$fw" train --data "$data" --hidden 8 --head-hidden 0 --epochs 1 --save "$tmp/base.safetensors" > /dev/null 2>&1
"$fw" predict --model "$tmp/base.safetensors" --data "$data" --split all --out "$tmp/base.csv" \
  --save-inputs "$tmp/base.inputs.safetensors" 2> /dev/null
mk () { $py "$here/make-features.py" "$tmp/base.inputs.safetensors" "$@"; }
mk image "$tmp/image.safetensors" --rows "$rows" --manifest "$data"
mk image "$tmp/image.npy" --rows "$rows" --manifest "$data"
mk text "$tmp/text.npy" --rows "$rows" --manifest "$data"
F=(--image-features "$tmp/image.safetensors" --text-features "$tmp/text.npy")

i=0 checks=() compares=()
while read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  # ./run test is near its time limit: the rest run with the slow suite
  case "$line" in slow:*) [ "${2:-}" = all ] || continue; line=${line#slow:} ;; esac
  i=$((i + 1))
  read -r -a args <<< "$line"
  m=$tmp/m$i split=all
  [ $((i % 2)) -eq 0 ] && split=test
  "$fw" train --data "$data" "${F[@]}" --hidden 16 --head-hidden 8 --epochs 4 --batch 16 --lr 0.003 \
    "${args[@]}" --save "$m.safetensors" > /dev/null 2> "$m.log" || { cat "$m.log"; fail "train: $line"; continue; }
  "$fw" predict --model "$m.safetensors" --data "$data" "${F[@]}" --split "$split" --out "$m.csv" \
    --save-inputs "$m.inputs.safetensors" 2> /dev/null
  # the same vectors from a .npy: the same predictions, byte for byte
  "$fw" predict --model "$m.safetensors" --data "$data" --image-features "$tmp/image.npy" \
    --text-features "$tmp/text.npy" --split "$split" --out "$m.npy.csv" 2> /dev/null
  cmp -s "$m.csv" "$m.npy.csv" || fail "$line: .npy and safetensors give different predictions"
  "$fw" export --model "$m.safetensors" --onnx "$m.onnx"
  "$fw" export --model "$m.safetensors" --torch "$m.torch"
  checks+=("$m.onnx" "$m.csv")
  compares+=("$m.onnx" "$m.inputs.safetensors" "$m.csv")
  if $py "$m.torch/predict.py" "$data" --split "$split" "${F[@]}" > "$m.torch.csv" &&
     $py "$here/compare-csv.py" "$m.csv" "$m.torch.csv"; then
    echo "ok $i predict.py: $line (--split $split)"
  else
    fail "predict.py: $line"
  fi
done <<'CONFIGS'
--fusion intermediate --fusion-op concat --image-encoder features
--fusion early --image-encoder features --text-encoder features
--fusion late --late-combine stacking --image-encoder mlp --text-encoder features
slow:--fusion intermediate --fusion-op gated --image-encoder features --text-encoder features
slow:--fusion early --image-encoder features --text-encoder embed
slow:--fusion late --late-combine weighted --image-encoder features --text-encoder gru
slow:--fusion image --image-encoder features
slow:--fusion text --text-encoder features
CONFIGS
$py "$here/onnx-check.py" "${checks[@]}" || status=1
node "$here/onnx-compare.js" "${compares[@]}" || status=1

# without the file, or with a file of another width: named, exit 1
m=$tmp/m1
expect () {   # expect STATUS PATTERN COMMAND...: the command fails so, saying PATTERN
  local want=$1 pattern=$2; shift 2
  local got=0
  "$@" > /dev/null 2> "$tmp/err" || got=$?
  if [ "$got" -eq "$want" ] && grep -q -- "$pattern" "$tmp/err" && ! grep -q -i "assert\|critical" "$tmp/err"; then
    echo "ok: $pattern"
  else
    cat "$tmp/err"; fail "expected exit $want and '$pattern' (got $got)"
  fi
}
expect 1 "give them with --image-features FILE" "$fw" eval --model "$m.safetensors" --data "$data"
expect 1 "text.npy: its vectors are" "$fw" eval --model "$m.safetensors" --data "$data" --image-features "$tmp/text.npy"
expect 1 "reads one precomputed vector per row" "$fw" train --data "$data" --image-encoder features --epochs 1
expect 1 "give --image-features FILE" $py "$m.torch/predict.py" "$data"

# every kind of malformed file: the file named, what is wrong, exit 1
bad () {   # bad KIND FILE PATTERN [make-features options]
  local kind=$1 file=$2 pattern=$3; shift 3
  mk image "$tmp/$file" --rows "${ROWS:-$rows}" --manifest "$data" --kind "$kind" "$@"
  expect 1 "$file: .*$pattern" "$fw" eval --model "$m.safetensors" --data "$data" --image-features "$tmp/$file"
}
bad truncated cut.safetensors "header\|truncated\|data"
bad truncated cut.npy "truncated"
bad extra-bytes long.npy "more than"
bad nan-cell nan.npy "row 3 holds NaN at column 2"
bad inf inf.safetensors "row 4 holds an infinite value"
bad float64 f64.npy "not little-endian float32"
bad float64 f64.safetensors "dtype\|F64\|float32"
bad fortran fortran.npy "Fortran"
bad pickle pickle.npy "dtype"
bad 3d cube.npy "3 dimensions"
bad no-tensor none.safetensors "no tensor named 'features'"
bad two-tensors two.safetensors "holds 2 tensors"
ROWS=$((rows - 1)) bad good short.npy "rows but the manifest has $rows"
ROWS=$((rows + 1)) bad good long.safetensors "rows but the manifest has $rows"
printf 'not a features file at all' > "$tmp/junk.bin"
expect 1 "junk.bin" "$fw" eval --model "$m.safetensors" --data "$data" --image-features "$tmp/junk.bin"
expect 1 "missing.npy: cannot read" "$fw" eval --model "$m.safetensors" --data "$data" --image-features "$tmp/missing.npy"
exit $status
