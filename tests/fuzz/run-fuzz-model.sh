#!/usr/bin/env bash
# run-fuzz-model.sh FUSION-WORKBENCH SOURCE-ROOT SECONDS [OUT-DIR] — builds the
# loader's libFuzzer harness with clang (-fsanitize=fuzzer,address,undefined)
# from the core sources, seeds it with small real model files (written by
# the binary) and hostile ones (deeply nested headers and metadata), and
# fuzzes for SECONDS.  Exit 77 (skipped) when clang or its libFuzzer runtime
# is missing; any crash, leak or sanitizer report fails, and the input that
# caused it is kept in OUT-DIR/crashes (OUT-DIR defaults to the binary's
# build folder).
set -euo pipefail
fw=$1 src=$2 seconds=${3:-60}
out=${4:-$(dirname "$(dirname "$fw")")/tests/fuzz}
crashes="$out/model-crashes"
mkdir -p "$crashes"
crashes=$(cd "$crashes" && pwd)
cc=$(command -v clang || command -v clang-16 || command -v clang-15 || command -v clang-14 || true)
[ -n "$cc" ] || { echo "SKIP: clang is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){return 0;}\n' > "$tmp/probe.c"
"$cc" -fsanitize=fuzzer "$tmp/probe.c" -o "$tmp/probe" 2>/dev/null ||
  { echo "SKIP: $cc has no libFuzzer runtime"; exit 77; }

sources=()
for f in "$src"/core/*/*.c; do
  case "${f##*/}" in
    fw-onnx.c|fw-torch-export.c) ;;   # export only: not part of loading
    *) sources+=("$f") ;;
  esac
done
# shellcheck disable=SC2046
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DG_LOG_DOMAIN='"fusion-workbench"' -DGETTEXT_PACKAGE='"fusion-workbench"' -DFW_VERSION='"fuzz"' \
  -w -I"$src/core/nn" -I"$src/core/data" -I"$src/core/explain" -I"$src/core/io" "$src/tests/fuzz/fuzz-model-load.c" "${sources[@]}" -o "$tmp/fuzz" \
  $(pkg-config --cflags --libs glib-2.0 gio-2.0 json-glib-1.0 gdk-pixbuf-2.0 cairo openblas) -lm -lpthread

mkdir -p "$tmp/corpus"
"$fw" train --data builtin:shapes --image-size 4 --hidden 2 --head-hidden 2 --epochs 1 \
  --save "$tmp/corpus/mlp-bow.safetensors" > /dev/null 2>&1
"$fw" train --data builtin:shapes --image-size 4 --hidden 2 --head-hidden 0 --epochs 1 \
  --fusion late --late-combine weighted --image-encoder cnn --text-encoder gru \
  --save "$tmp/corpus/cnn-gru.safetensors" > /dev/null 2>&1
"$fw" train --data builtin:shapes --image-size 4 --hidden 2 --head-hidden 2 --epochs 1 \
  --fusion early --text-encoder embed --save "$tmp/corpus/early-embed.safetensors" > /dev/null 2>&1
# hostile seeds: a header of 100 KB of "[[[[", and a valid model whose
# config metadata string is that deep (json-glib recursed on both)
python3 - "$tmp/corpus" <<'PY'
import json, struct, sys
out = sys.argv[1]
deep = "[" * (100 * 1024)
with open(f"{out}/deep-header.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(deep)) + deep.encode())
with open(f"{out}/mlp-bow.safetensors", "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
header["__metadata__"]["config"] = deep
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(f"{out}/deep-config.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
cat > "$tmp/dict" <<'DICT'
"\"dtype\""
"\"F32\""
"\"I64\""
"\"shape\""
"\"data_offsets\""
"\"__metadata__\""
"\"format\""
"\"fusion-workbench\""
"\"version\""
"\"config\""
"\"labels\""
"\"vocab\""
"\"<pad>\""
"\"<unk>\""
"\\\"fusion\\\""
"\\\"hidden\\\""
"\\\"image-size\\\""
"\"\\u0000\""
"[[[[[[[[[[[[[[[["
DICT
cd "$tmp"
echo "fuzz-model-load: crash inputs, if any, go to $crashes/"
# -max_len fits the nested seeds (about 100 KB) with room to grow
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./fuzz -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=20 \
  -dict="$tmp/dict" -print_final_stats=1 -artifact_prefix="$crashes/" "$tmp/corpus"
