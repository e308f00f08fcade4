#!/usr/bin/env bash
# check-torch-train.sh FUSION-WORKBENCH [--all] — the exported DIR/train.py
# on the small dataset of make-dataset.py:
# - the two trainers are one: a CNN+GRU late-fusion model (modality
#   dropout, SGD without momentum, batch 64) trains 1 epoch in the workbench
#   with --checkpoint; `train --resume` takes it to 3 epochs, and train.py
#   --init CHECKPOINT --epochs 2 under torchrun (2 CPU processes, gloo on the
#   loopback) and alone (python3) end with the workbench's weights (1e-4),
#   2 processes with 1 process's (1e-5: DDP sums the half batches right,
#   including a last step of one row, which leaves one process none);
#   the loss falls, `fusion-workbench eval` of OUT.safetensors gives the
#   test accuracy (1e-6) and loss train.py printed, and OUT carries the
#   workbench's fingerprint of the training rows (eval counts them);
# - one process from scratch, early fusion: eval agrees;
# - with --all (suite slow), every fusion type, each op and each late
#   combine: torchrun 2 processes, 2 epochs from scratch, loss falls, eval
#   agrees; and one process (SGD without momentum, batch 64) ends within
#   1e-4 of the workbench's `train --resume`;
# - a malformed manifest and a missing image give a message naming the
#   file and row, not a traceback.
# Exit 77 (skipped) when python3-torch, python3-pil (to draw the images)
# or python3-gi's gdk-pixbuf is missing.
set -euo pipefail
fw=$1
all=${2:-}
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
# torchrun ARGS... — one machine, every run bounded (a hang fails the check
# instead of using up the suite's time).  Not --standalone: it listens on
# the fixed port 29400, and two runs at once on the machine (another test,
# another user's) would join each other's rendezvous; each run here has a
# free port of its own.  Debian 12's torch 1.13 on Python 3.11 cannot parse
# its own default --redirects/--tee 0 (Std.NONE); a mapping for a local rank
# that does not exist means "none" for every real one.
torchrun() {
  local port
  port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  timeout -k 10 300 $py -m torch.distributed.run --nnodes 1 --rdzv_backend c10d \
    --rdzv_endpoint "127.0.0.1:$port" --rdzv_id "check-$$-$port" --redirects 9:0 --tee 9:0 "$@"
}
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

check_cnngru() {
  local m=$tmp/cnngru
  "$fw" train --data "$data" --hidden 16 --head-hidden 8 --epochs 1 --batch 64 --fusion late \
    --late-combine weighted --image-encoder cnn --text-encoder gru --modality-dropout 0.2 \
    --optimizer sgd --momentum 0 --lr 0.3 --checkpoint "$m.cp.safetensors" > /dev/null 2> "$m.log" &&
  "$fw" train --data "$data" --resume "$m.cp.safetensors" --epochs 3 --save "$m.wb.safetensors" \
    > /dev/null 2>> "$m.log" &&
  "$fw" export --model "$m.cp.safetensors" --torch "$m.torch" || { cat "$m.log"; return 1; }
  torchrun --nproc_per_node 2 "$m.torch/train.py" "$data" --init "$m.cp.safetensors" \
    --epochs 2 --workers 1 --out "$m.out.safetensors" > "$m.out.json" 2> "$m.err" ||
    { cat "$m.out.json" "$m.err"; echo "torchrun failed"; return 1; }
  timeout -k 10 300 $py "$m.torch/train.py" "$data" --init "$m.cp.safetensors" --epochs 2 --workers 0 \
    --out "$m.one.safetensors" > "$m.one.json" 2> "$m.one.err" ||
    { cat "$m.one.json" "$m.one.err"; echo "one process failed"; return 1; }
  falls cnngru && agree cnngru || return 1
  "$fw" eval --model "$m.out.safetensors" --data "$data" --split train --json > "$m.train.json" 2> /dev/null
  (cd "$m.torch" && $py - "$m.wb.safetensors" "$m.out.safetensors" "$m.one.safetensors" \
     "$m.cp.safetensors" "$m.train.json") <<'PY'
import json, sys
from model import load_safetensors
(wb, wb_meta), (two, two_meta), (one, _), (start, _) = (load_safetensors(p) for p in sys.argv[1:5])
moved = max(float((wb[k] - start[k]).abs().max()) for k in wb)
vs_wb = max(float((one[k] - wb[k]).abs().max()) for k in wb)
two_vs_wb = max(float((two[k] - wb[k]).abs().max()) for k in wb)
two_vs_one = max(float((two[k] - one[k]).abs().max()) for k in wb)
print(f"  2 epochs moved the weights by up to {moved:.3g}; train.py vs the workbench {vs_wb:.3g}, "
      f"2 processes vs the workbench {two_vs_wb:.3g}, 2 processes vs 1 {two_vs_one:.3g}")
assert moved > 1e-2, "training did not move the weights"
assert vs_wb <= 1e-4, "train.py in one process is not the workbench's trainer"
assert two_vs_wb <= 1e-4, "train.py in 2 processes is not the workbench's trainer"
assert two_vs_one <= 1e-5, "2 processes on half batches are not 1 process on the full batch"
assert two_meta["training_rows"] == wb_meta["training_rows"], "the training rows' fingerprint differs"
ev = json.load(open(sys.argv[5]))
print(f"  eval --split train: {ev['overlap_with_training']} of {ev['n']} rows trained on")
assert ev["overlap_with_training"] == ev["n"] == json.loads(wb_meta["training_rows"])["rows"]
PY
}
if check_cnngru; then
  echo "ok: CNN+GRU, torchrun 2 processes and 1 process == the workbench's train --resume"
else
  echo "FAIL: CNN+GRU, torchrun 2 processes and 1 process == the workbench's train --resume"; status=1
fi

# one process from scratch, early fusion
for spec in "early|--fusion early --text-encoder embed --lr-schedule cosine --warmup-epochs 1"; do
  name=${spec%%|*}
  read -r -a opts <<< "${spec#*|}"
  export_model "$name" "${opts[@]}"
  if timeout -k 10 300 $py "$tmp/$name.torch/train.py" "$data" --epochs 1 --batch 16 --workers 0 \
       --from-scratch --out "$tmp/$name.out.safetensors" > "$tmp/$name.out.json" 2> "$tmp/$name.err" &&
     agree "$name"; then
    echo "ok: one process, $name"
  else
    cat "$tmp/$name.out.json" "$tmp/$name.err"; echo "FAIL: one process, $name"; status=1
  fi
done

# same_as_workbench NAME OPTIONS... — SGD without momentum, batch 64: one
# epoch of train.py after the workbench's first (its checkpoint) ends within
# 1e-4 of `train --resume`'s second, and eval agrees with what it printed
same_as_workbench() {
  local name=$1 m=$tmp/$1.same; shift
  "$fw" train --data "$data" --hidden 16 --head-hidden 8 --epochs 1 --batch 64 "$@" --optimizer sgd \
    --momentum 0 --lr 0.1 --checkpoint "$m.cp.safetensors" > /dev/null 2> "$m.log" &&
  "$fw" train --data "$data" --resume "$m.cp.safetensors" --epochs 2 --save "$m.wb.safetensors" \
    > /dev/null 2>> "$m.log" &&
  "$fw" export --model "$m.cp.safetensors" --torch "$m.torch" || { cat "$m.log"; return 1; }
  timeout -k 10 300 $py "$m.torch/train.py" "$data" --init "$m.cp.safetensors" --epochs 1 --workers 0 \
    --out "$tmp/$name.same.out.safetensors" > "$tmp/$name.same.out.json" 2> "$m.err" ||
    { cat "$m.err"; return 1; }
  agree "$name.same" || return 1
  (cd "$m.torch" && $py - "$m.wb.safetensors" "$tmp/$name.same.out.safetensors") <<'PY'
import sys
from model import load_safetensors
wb, py = (load_safetensors(p)[0] for p in sys.argv[1:3])
worst = max(float((wb[k] - py[k]).abs().max()) for k in wb)
print(f"  train.py vs the workbench's epoch: {worst:.3g}")
assert worst <= 1e-4, "train.py is not the workbench's trainer"
PY
}

# --all: every fusion type, two processes under torchrun, 2 epochs from
# scratch; and one process against the workbench's trainer
if [ "$all" = --all ]; then
  while IFS='|' read -r name spec; do
    read -r -a opts <<< "$spec"
    export_model "$name" "${opts[@]}"
    if torchrun --nproc_per_node 2 "$tmp/$name.torch/train.py" "$data" --epochs 2 --batch 16 \
         --from-scratch --out "$tmp/$name.out.safetensors" > "$tmp/$name.out.json" 2> "$tmp/$name.err" &&
       falls "$name" && agree "$name"; then
      echo "ok: torchrun --nproc_per_node 2, $name"
    else
      cat "$tmp/$name.out.json" "$tmp/$name.err"; echo "FAIL: torchrun --nproc_per_node 2, $name"; status=1
    fi
    if same_as_workbench "$name" "${opts[@]}"; then
      echo "ok: one process == the workbench, $name"
    else
      echo "FAIL: one process == the workbench, $name"; status=1
    fi
  done <<'SPECS'
early|--fusion early --text-encoder embed --lr-schedule cosine --warmup-epochs 1 --lr 0.003
concat|--fusion intermediate --fusion-op concat --optimizer sgd --lr 0.05
sum|--fusion intermediate --fusion-op sum --image-encoder cnn --text-encoder embed --lr 0.01
product|--fusion intermediate --fusion-op product --lr 0.01
gated|--fusion intermediate --fusion-op gated --text-encoder gru --lr 0.01
tensor|--fusion intermediate --fusion-op tensor --lr-schedule step --lr 0.01
lowrank|--fusion intermediate --fusion-op lowrank --weight-decay 0.001 --lr 0.01
mean|--fusion late --late-combine mean --lr 0.01
weighted|--fusion late --late-combine weighted --modality-dropout 0.2 --lr 0.01
stacking|--fusion late --late-combine stacking --lr 0.01
image|--fusion image --image-encoder cnn --lr 0.01
text|--fusion text --text-encoder gru --lr 0.01
transformer|--fusion intermediate --fusion-op sum --text-encoder transformer --layers 1 --lr 0.01
attention|--fusion intermediate --fusion-op attention --text-encoder embed --lr 0.01
SPECS
fi

# bad input: a message naming the file and row, no traceback
cp -r "$tmp/data/img" "$tmp/img"
{ head -3 "$data"; echo 'img/nope.png,a red circle,circle'; } > "$tmp/missing.csv"
printf 'image,text\nimg/000.png,a\n' > "$tmp/nolabel.csv"
{ head -2 "$data"; echo 'img/001.png,a,hexagon'; } > "$tmp/unknown.csv"
printf '{"image": "img/000.png", "label": "circle"}\n{"image": "img/001.png", "label": \n' > "$tmp/cut.jsonl"
printf '<svg xmlns="http://www.w3.org/2000/svg" width="4"' > "$tmp/img/cut.svg"
{ head -2 "$data"; for k in $(seq 1 40); do echo "img/cut.svg,a,circle"; done; } > "$tmp/damaged.csv"
while IFS='|' read -r file want; do
  if $py "$tmp/early.torch/train.py" "$tmp/$file" --epochs 1 --out "$tmp/bad.safetensors" > /dev/null 2> "$tmp/bad.err"; then
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
# a checkpoint whose state is damaged: named, no traceback
$py - "$tmp/cnngru.cp.safetensors" "$tmp/badcp.safetensors" <<'PY'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
state = json.loads(header["__metadata__"]["checkpoint"])
del state["shuffle_rng"]
header["__metadata__"]["checkpoint"] = json.dumps(state)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
if $py "$tmp/early.torch/train.py" "$data" --init "$tmp/badcp.safetensors" --out "$tmp/bad.safetensors" \
     > /dev/null 2> "$tmp/bad.err"; then
  echo "FAIL: train.py accepted a damaged checkpoint"; status=1
elif grep -q "^train.py: .*badcp.safetensors: not a readable model file" "$tmp/bad.err" &&
     ! grep -q Traceback "$tmp/bad.err"; then
  echo "ok: damaged checkpoint: $(cat "$tmp/bad.err")"
else
  cat "$tmp/bad.err"; echo "FAIL: train.py's message for a damaged checkpoint"; status=1
fi
exit $status
