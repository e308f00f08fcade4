#!/usr/bin/env bash
# check-torch-train.sh FUSION-WORKBENCH — the exported DIR/train.py on the
# small dataset of make-dataset.py:
# - under torchrun with 2 CPU processes (gloo, loopback), 2 epochs from
#   scratch, for an MLP and a CNN+GRU model: the train loss falls, and
#   `fusion-workbench eval` of OUT.safetensors gives the test accuracy and
#   loss train.py printed;
# - one process (plain python3), early fusion: eval agrees;
# - DDP is wired right: after one SGD step, 2 processes on half batches give
#   the weights of 1 process on the full batch (1e-5);
# - a malformed manifest and a missing image give a message naming the
#   file and row, not a traceback.
# Exit 77 (skipped) when python3-torch, python3-pil (to draw the images)
# or python3-gi's gdk-pixbuf is missing.
set -euo pipefail
fw=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
$py -c 'import torch, torch.distributed.run' 2>/dev/null || { echo "SKIP: python3-torch is not installed"; exit 77; }
$py -c 'import PIL' 2>/dev/null || { echo "SKIP: python3-pil (to draw the test images) is not installed"; exit 77; }
$py -c 'import gi; gi.require_version("GdkPixbuf", "2.0"); from gi.repository import GdkPixbuf' 2>/dev/null ||
  { echo "SKIP: python3-gi and gir1.2-gdkpixbuf-2.0 (train.py's image decoder) are not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py "$here/make-dataset.py" "$tmp/data"
data=$tmp/data/metadata.csv
# Debian 12's torch 1.13 on Python 3.11 cannot parse its own default
# --redirects/--tee 0 (Std.NONE); a mapping for a local rank that does not
# exist means "none" for every real one.
torchrun=($py -m torch.distributed.run --standalone --redirects 9:0 --tee 9:0)
status=0

# export M OPTIONS... — a model trained 1 epoch by the workbench, exported
export_model() {
  local m=$tmp/$1; shift
  "$fw" train --data "$data" --hidden 16 --head-hidden 8 --epochs 1 --batch 16 "$@" \
    --save "$m.safetensors" > /dev/null 2> "$m.log" || { cat "$m.log"; echo "FAIL train: $*"; exit 1; }
  "$fw" export --model "$m.safetensors" --torch "$m.torch"
}

# agree NAME OUT.json — eval of NAME.out.safetensors gives train.py's test figures
agree() {
  local m=$tmp/$1
  "$fw" eval --model "$m.out.safetensors" --data "$data" --json > "$m.eval.json" 2> "$m.eval.log" ||
    { cat "$m.eval.log"; return 1; }
  $py - "$m.out.json" "$m.eval.json" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
ours, theirs = json.loads(lines[-1]), json.load(open(sys.argv[2]))
print(f"  train.py test accuracy {ours['test_accuracy']:.6f} loss {ours['test_loss']:.6f}; "
      f"eval accuracy {theirs['accuracy']} loss {theirs['loss']} on {theirs['n']} rows")
# eval prints 6 significant digits
assert abs(ours["test_accuracy"] - theirs["accuracy"]) <= 1e-6, "test accuracy differs"
assert abs(ours["test_loss"] - theirs["loss"]) <= 1e-5 * max(1.0, abs(theirs["loss"])), "test loss differs"
PY
}

# falls NAME — the train loss of the last epoch line is below the first's
falls() {
  $py - "$tmp/$1.out.json" <<'PY'
import re, sys
losses = [float(m.group(1)) for m in re.finditer(r"^epoch \d+/\d+: train loss ([0-9.]+)", open(sys.argv[1]).read(), re.M)]
print(f"  train losses {losses}")
assert len(losses) == 2 and losses[1] < losses[0], "the train loss did not fall"
PY
}

# two processes under torchrun, 2 epochs from scratch
for spec in "mlp|--fusion intermediate --fusion-op concat --optimizer sgd --lr 0.05" \
            "cnngru|--fusion late --late-combine weighted --image-encoder cnn --text-encoder gru --modality-dropout 0.2"; do
  name=${spec%%|*}
  read -r -a opts <<< "${spec#*|}"
  export_model "$name" "${opts[@]}"
  if "${torchrun[@]}" --nproc_per_node 2 "$tmp/$name.torch/train.py" "$data" --epochs 2 --batch 16 \
       --lr 0.01 --from-scratch --out "$tmp/$name.out.safetensors" > "$tmp/$name.out.json" 2> "$tmp/$name.err" &&
     falls "$name" && agree "$name"; then
    echo "ok: torchrun --nproc_per_node 2, $name"
  else
    cat "$tmp/$name.out.json" "$tmp/$name.err"; echo "FAIL: torchrun --nproc_per_node 2, $name"; status=1
  fi
done

# one process, the other fusion types, from the workbench's weights
for spec in "early|--fusion early --text-encoder embed --lr-schedule cosine --warmup-epochs 1"; do
  name=${spec%%|*}
  read -r -a opts <<< "${spec#*|}"
  export_model "$name" "${opts[@]}"
  if $py "$tmp/$name.torch/train.py" "$data" --epochs 1 --batch 16 --workers 0 \
       --out "$tmp/$name.out.safetensors" > "$tmp/$name.out.json" 2> "$tmp/$name.err" && agree "$name"; then
    echo "ok: one process, $name"
  else
    cat "$tmp/$name.out.json" "$tmp/$name.err"; echo "FAIL: one process, $name"; status=1
  fi
done

# one SGD step: 2 processes × 16 rows == 1 process × 32 rows
m=$tmp/mlp
$py "$m.torch/train.py" "$data" --batch 32 --max-steps 1 --workers 0 --out "$m.one.safetensors" > /dev/null
"${torchrun[@]}" --nproc_per_node 2 "$m.torch/train.py" "$data" --batch 32 --max-steps 1 --workers 0 \
  --out "$m.two.safetensors" > /dev/null 2> "$m.two.err" || { cat "$m.two.err"; status=1; }
if (cd "$m.torch" && $py - "$m.safetensors" "$m.one.safetensors" "$m.two.safetensors") <<'PY'
import sys
from model import load_safetensors
start, one, two = (load_safetensors(p)[0] for p in sys.argv[1:])
moved = max(float((one[k] - start[k]).abs().max()) for k in start)
worst = max(float((one[k] - two[k]).abs().max()) for k in one)
print(f"  one step moved the weights by up to {moved:.3g}; 1 vs 2 processes differ by {worst:.3g}")
assert moved > 1e-4, "the step did not move the weights"
assert worst <= 1e-5, "DDP on half batches is not the full batch"
PY
then echo "ok: 2 processes on half batches == 1 process on the full batch"
else echo "FAIL: 2 processes on half batches != 1 process on the full batch"; status=1; fi

# bad input: a message naming the file and row, no traceback
cp -r "$tmp/data/img" "$tmp/img"
{ head -3 "$data"; echo 'img/nope.png,a red circle,circle'; } > "$tmp/missing.csv"
printf 'image,text\nimg/000.png,a\n' > "$tmp/nolabel.csv"
{ head -2 "$data"; echo 'img/001.png,a,hexagon'; } > "$tmp/unknown.csv"
printf '{"image": "img/000.png", "label": "circle"}\n{"image": "img/001.png", "label": \n' > "$tmp/cut.jsonl"
printf '<svg xmlns="http://www.w3.org/2000/svg" width="4"' > "$tmp/img/cut.svg"
{ head -2 "$data"; for k in $(seq 1 40); do echo "img/cut.svg,a,circle"; done; } > "$tmp/damaged.csv"
while IFS='|' read -r file want; do
  if $py "$m.torch/train.py" "$tmp/$file" --epochs 1 --out "$tmp/bad.safetensors" > /dev/null 2> "$tmp/bad.err"; then
    echo "FAIL: train.py accepted $file"; status=1
  elif grep -q "^train.py: .*$want" "$tmp/bad.err" && ! grep -q Traceback "$tmp/bad.err"; then
    echo "ok: $file: $(cat "$tmp/bad.err")"
  else
    cat "$tmp/bad.err"; echo "FAIL: train.py's message for $file"; status=1
  fi
done <<'CASES'
missing.csv|missing.csv: row 3: .*nope.png: not found
nolabel.csv|nolabel.csv: no 'label' column
unknown.csv|unknown.csv: row 2: label 'hexagon' is not one of the model's classes
cut.jsonl|cut.jsonl: line 2: not a JSON object
damaged.csv|damaged.csv: row [0-9]*: .*cut.svg: a damaged SVG
CASES
exit $status
