#!/usr/bin/env bash
# check-onnx.sh FUSION-WORKBENCH — for every model of configs.txt: train a
# tiny model, predict --save-inputs, export --onnx, then
#   1. onnx.checker.check_model (full_check, Debian's python3-onnx) passes,
#      and the graph's inputs, outputs, opset and metadata are as DESIGN.md says;
#   2. ONNX Runtime (npm onnxruntime-node) on the saved inputs gives
#      probabilities within 1e-4 of predict's CSV (onnx-compare.js).
# Exit 77 (skipped) only when python3-onnx or node/npm truly cannot be had.
set -euo pipefail
fw=$1
here=$(cd "$(dirname "$0")" && pwd)
npm_dir=${FW_NPM_DIR:-"$here/../../.cache/npm"}
/usr/bin/python3 -c 'import onnx' 2>/dev/null || { echo "SKIP: python3-onnx is not installed"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
"$here/install-onnxruntime.sh" "$npm_dir" || { echo "SKIP: cannot install onnxruntime-node"; exit 77; }
export NODE_PATH="$npm_dir/node_modules"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0 i=0
checks=() compares=()
while read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  i=$((i + 1))
  data=builtin:shapes
  read -r -a opts <<< "$line"
  args=()
  for ((k = 0; k < ${#opts[@]}; k++)); do
    if [ "${opts[k]}" = --data ]; then data=${opts[k+1]}; k=$((k + 1)); else args+=("${opts[k]}"); fi
  done
  m=$tmp/m$i
  "$fw" train --data "$data" --hidden 16 --head-hidden 8 --epochs 2 --lr 0.01 "${args[@]}" \
    --save "$m.safetensors" > /dev/null 2> "$m.log" || { cat "$m.log"; echo "FAIL train: $line"; status=1; continue; }
  "$fw" predict --model "$m.safetensors" --data "$data" --split all --out "$m.csv" \
    --save-inputs "$m.inputs.safetensors"
  "$fw" export --model "$m.safetensors" --onnx "$m.onnx"
  checks+=("$m.onnx" "$m.csv")
  compares+=("$m.onnx" "$m.inputs.safetensors" "$m.csv")
  echo "exported $i: $line"
done < "$here/configs.txt"
[ "$i" -gt 0 ] || { echo "FAIL: no configurations"; exit 1; }
# one process each for all the models: python and node start slowly
/usr/bin/python3 "$here/onnx-check.py" "${checks[@]}" || status=1
node "$here/onnx-compare.js" "${compares[@]}" || status=1
exit $status
