#!/usr/bin/env bash
# run-fuzz-model.sh FUSION-WORKBENCH SOURCE-ROOT SECONDS — builds the loader's
# libFuzzer harness with clang (-fsanitize=fuzzer,address,undefined) from
# the core sources, seeds it with small real model files (written by the
# binary), and fuzzes for SECONDS.  Exit 77 (skipped) when clang or its
# libFuzzer runtime is missing; any crash, leak or sanitizer report fails.
set -euo pipefail
fw=$1 src=$2 seconds=${3:-60}
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
DICT
cd "$tmp"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./fuzz -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
  -dict="$tmp/dict" -print_final_stats=1 "$tmp/corpus"
