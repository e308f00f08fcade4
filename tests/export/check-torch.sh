#!/usr/bin/env bash
# check-torch.sh FUSION-WORKBENCH — for every model of configs.txt (at the
# 28-pixel size of the generated images): train on a manifest written by
# make-dataset.py, predict --out, export --torch, then DIR/predict.py with
# Debian's python3-torch must print the same rows, labels and predicted
# classes with probabilities within 1e-4 (compare-csv.py).  Both kinds of
# split assignment are covered (stratified from the seed; a split column
# without val rows), and --split all once.
# predict.py runs with PIL hidden (python3-torch alone).  Exit 77 (skipped)
# only when python3-torch, or python3-pil for drawing the images, is missing.
set -euo pipefail
fw=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || { echo "SKIP: python3-torch is not installed"; exit 77; }
$py -c 'import PIL' 2>/dev/null || { echo "SKIP: python3-pil (to draw the test images) is not installed"; exit 77; }
$py -c 'import gi; gi.require_version("GdkPixbuf", "2.0"); from gi.repository import GdkPixbuf' 2>/dev/null ||
  { echo "SKIP: python3-gi and gir1.2-gdkpixbuf-2.0 (predict.py's image decoder) are not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py "$here/make-dataset.py" "$tmp/data"
# predict.py must run with python3-torch alone: hide PIL from it
mkdir -p "$tmp/no-pil/PIL"
echo 'raise ImportError("PIL is hidden from predict.py by check-torch.sh")' > "$tmp/no-pil/PIL/__init__.py"
status=0 i=0
while read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  i=$((i + 1))
  read -r -a opts <<< "$line"
  args=()
  for ((k = 0; k < ${#opts[@]}; k++)); do
    case "${opts[k]}" in
      --data|--image-size) k=$((k + 1)) ;;      # our own data, at its own size
      *) args+=("${opts[k]}") ;;
    esac
  done
  data=$tmp/data/metadata.csv split=test
  case $((i % 3)) in
    1) data=$tmp/data/split.jsonl ;;
    2) split=all ;;
  esac
  m=$tmp/m$i
  "$fw" train --data "$data" --hidden 16 --head-hidden 8 --epochs 3 --batch 16 --lr 0.003 "${args[@]}" \
    --save "$m.safetensors" > /dev/null 2> "$m.log" || { cat "$m.log"; echo "FAIL train: $line"; status=1; continue; }
  "$fw" predict --model "$m.safetensors" --data "$data" --split "$split" --out "$m.csv"
  "$fw" export --model "$m.safetensors" --torch "$m.torch"
  if PYTHONPATH="$tmp/no-pil" $py "$m.torch/predict.py" "$data" --split "$split" > "$m.torch.csv" &&
     $py "$here/compare-csv.py" "$m.csv" "$m.torch.csv"; then
    echo "ok $i: $line (${data##*/}, --split $split)"
  else
    echo "FAIL predict.py: $line (${data##*/}, --split $split)"; status=1
  fi
done < "$here/configs.txt"
[ "$i" -gt 0 ] || { echo "FAIL: no configurations"; exit 1; }

# Every other format the workbench reads (SVG, XPM, GIF, BMP, TIFF with
# alpha, CMYK and EXIF-rotated JPEG, 16-bit PNG), most of them resized:
# predict.py reads the same pixels (within 1/255) and gives the same
# probabilities; a text-only model reads no image, so it runs without gi.
$py "$here/make-formats.py" "$tmp/formats"
mkdir -p "$tmp/no-gi/gi"
echo 'raise ImportError("gi is hidden from predict.py by check-torch.sh")' > "$tmp/no-gi/gi/__init__.py"
while IFS='|' read -r data split hide opts; do
  [ -n "$data" ] || continue
  i=$((i + 1))
  m=$tmp/f$i
  read -r -a args <<< "$opts"
  "$fw" train --data "$tmp/formats/$data" --hidden 16 --head-hidden 8 --epochs 3 --batch 16 --lr 0.003 "${args[@]}" \
    --save "$m.safetensors" > /dev/null 2> "$m.log" || { cat "$m.log"; echo "FAIL train: $opts"; status=1; continue; }
  "$fw" predict --model "$m.safetensors" --data "$tmp/formats/$data" --split "$split" --out "$m.csv" \
    --save-inputs "$m.inputs.safetensors" 2> /dev/null
  "$fw" export --model "$m.safetensors" --torch "$m.torch"
  if PYTHONPATH="$tmp/no-pil${hide:+:$tmp/$hide}" $py "$m.torch/predict.py" "$tmp/formats/$data" --split "$split" > "$m.torch.csv" &&
     $py "$here/compare-csv.py" "$m.csv" "$m.torch.csv" &&
     { [ -n "$hide" ] || PYTHONPATH="$tmp/no-pil" $py "$here/compare-pixels.py" "$m.torch" "$tmp/formats/$data" "$m.inputs.safetensors"; }; then
    echo "ok $i: $opts (formats/$data, --split $split${hide:+, without gi})"
  else
    echo "FAIL predict.py: $opts (formats/$data, --split $split)"; status=1
  fi
done <<'CONFIGS'
metadata.csv|all||--fusion intermediate --color rgb --image-size 20
metadata.csv|all||--fusion early --image-size 28
partial.csv|test||--fusion image --image-encoder cnn --color rgb --image-size 16
partial.csv|all|no-gi|--fusion text --text-encoder embed
CONFIGS

# an image it cannot read is named with its row, not a traceback
printf '<svg xmlns="http://www.w3.org/2000/svg" width="4"' > "$tmp/formats/img/cut.svg"
printf 'image,text,label\nimg/000-svg.svg,a,circle\nimg/cut.svg,b,square\n' > "$tmp/formats/broken.csv"
if $py "$tmp/f$((i - 1)).torch/predict.py" "$tmp/formats/broken.csv" --split all > /dev/null 2> "$tmp/broken.err"; then
  echo "FAIL predict.py read a damaged SVG"; status=1
elif grep -q "row 2: .*cut.svg: a damaged SVG" "$tmp/broken.err" && ! grep -q Traceback "$tmp/broken.err"; then
  echo "ok: predict.py names the row of a damaged SVG"
else
  cat "$tmp/broken.err"; echo "FAIL predict.py's message for a damaged SVG"; status=1
fi
exit $status
