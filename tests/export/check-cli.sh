#!/usr/bin/env bash
# check-cli.sh FUSION-WORKBENCH — the predict and export commands as a user
# meets them:
#   - train --save then eval: the same test accuracy and loss as train
#     reported (save → load loses nothing);
#   - predict twice: byte-identical CSVs; the CSV has the DESIGN.md header,
#     one row per test row (as many as eval counts), probabilities summing
#     to 1 and predicted = the most probable class;
#   - --save-inputs holds image float32 [N,C,S,S] in [0,1] and text float32
#     [N,V] (bow) or int64 [N,32] (gru);
#   - bad usage exits 2, a bad model file exits 1 with a message naming it,
#     and no output file (or temporary file) is left behind.
set -euo pipefail
fw=$(realpath "$1")
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail () { echo "FAIL: $*"; exit 1; }
cd "$tmp"

for enc in bow gru; do
  "$fw" train --data builtin:shapes-missing --hidden 16 --head-hidden 8 --epochs 2 --lr 0.01 \
    --text-encoder "$enc" --save m.safetensors --json > train.json 2> /dev/null
  "$fw" eval --model m.safetensors --data builtin:shapes-missing --json > eval.json
  $py - <<'PY' || fail "eval after reload differs from train ($enc)"
import json
t, e = json.load(open("train.json")), json.load(open("eval.json"))
assert e["n"] == t["test_n"], (e, t)
assert abs(e["accuracy"] - t["test_accuracy"]) < 1e-12, (e, t)
print(f"train test_accuracy {t['test_accuracy']} = eval accuracy {e['accuracy']}")
PY
  "$fw" predict --model m.safetensors --data builtin:shapes-missing --out a.csv --save-inputs in.safetensors
  "$fw" predict --model m.safetensors --data builtin:shapes-missing --out b.csv
  cmp a.csv b.csv || fail "two predict runs differ ($enc)"
  ENC=$enc $py - <<'PY' || fail "predict output ($enc)"
import csv, json, os, struct
rows = list(csv.reader(open("a.csv", newline="")))
header, body = rows[0], rows[1:]
assert header[:3] == ["index", "label", "predicted"], header
classes = [h[2:] for h in header[3:]]
assert all(h.startswith("p_") for h in header[3:]) and classes == sorted(classes), header
n = json.load(open("eval.json"))["n"]
assert len(body) == n, (len(body), n)
idx = [int(r[0]) for r in body]
assert idx == sorted(set(idx)), "indexes must be distinct dataset rows in order"
for r in body:
    p = [float(x) for x in r[3:]]
    assert abs(sum(p) - 1) < 1e-5, r
    assert r[2] == classes[p.index(max(p))], r
    assert r[1] in classes, r
data = open("in.safetensors", "rb").read()
hl = struct.unpack("<Q", data[:8])[0]
h = json.loads(data[8:8 + hl])
assert h["image"]["dtype"] == "F32" and h["image"]["shape"] == [n, 1, 28, 28], h["image"]
if os.environ["ENC"] == "bow":
    assert h["text"]["dtype"] == "F32" and h["text"]["shape"][0] == n, h["text"]
else:
    assert h["text"]["dtype"] == "I64" and h["text"]["shape"] == [n, 32], h["text"]
a, b = h["image"]["data_offsets"]
import array
img = array.array("f", data[8 + hl + a:8 + hl + b])
assert min(img) >= 0 and max(img) <= 1 and max(img) > 0
print(f"predict: {n} rows, inputs {h['image']['shape']} {h['text']['dtype']}{h['text']['shape']}")
PY
done

# usage errors: 2, nothing written
set +e
"$fw" predict --model m.safetensors --out x.csv 2> err.txt; [ $? -eq 2 ] || fail "missing --data must exit 2"
"$fw" predict --model m.safetensors --data builtin:shapes --split nope --out x.csv 2> err.txt
[ $? -eq 2 ] || fail "a bad --split must exit 2"
"$fw" export --model m.safetensors 2> err.txt; [ $? -eq 2 ] || fail "export without --onnx/--torch must exit 2"
# a bad model file: 1, its name in the message, nothing written
head -c 100 m.safetensors > "broken model.safetensors"
"$fw" predict --model "broken model.safetensors" --data builtin:shapes --out x.csv 2> err.txt
[ $? -eq 1 ] || fail "a broken model must exit 1"
grep -q "broken model.safetensors" err.txt || fail "the message must name the file: $(cat err.txt)"
"$fw" export --model "broken model.safetensors" --onnx x.onnx 2> err.txt
[ $? -eq 1 ] || fail "export of a broken model must exit 1"
# an unwritable output: 1, no partial file
"$fw" predict --model m.safetensors --data builtin:shapes --out no-such-dir/x.csv 2> err.txt
[ $? -eq 1 ] || fail "an unwritable --out must exit 1"
set -e
[ ! -e x.csv ] && [ ! -e x.onnx ] || fail "an output file was left behind"
leftover=$(ls -A | grep -v -E '^(m\.safetensors|broken model\.safetensors|[ab]\.csv|in\.safetensors|(train|eval)\.json|err\.txt)$' || true)
[ -z "$leftover" ] || fail "left behind: $leftover"
echo "ok"
