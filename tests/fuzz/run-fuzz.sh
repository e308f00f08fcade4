#!/bin/sh
# run-fuzz.sh — builds fuzz-manifest with clang's libFuzzer (plus ASan and
# UBSan) and runs it for a bounded time.  Registered in meson's 'slow'
# suite; exits 77 (skipped) when clang or its fuzzer runtime is missing.
#   run-fuzz.sh SOURCE_ROOT BUILD_DIR [SECONDS]
set -eu
src=$1
out=$(cd "$2" && pwd)/fuzz
secs=${3:-60}
mkdir -p "$out/corpus"
command -v clang >/dev/null 2>&1 || { echo "clang not found: skipping"; exit 77; }

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DG_LOG_DOMAIN=\"fuzz\""
if ! clang $flags $(for d in core core/nn core/data core/explain core/io; do printf -- "-I%s/%s " "$src" "$d"; done) $(pkg-config --cflags glib-2.0 gio-2.0 json-glib-1.0) \
     "$src/tests/fuzz/fuzz-manifest.c" "$src/core/data/fw-csv.c" "$src/core/data/fw-manifest.c" "$src/core/data/fw-text.c" "$src/core/io/fw-json.c" \
     $(pkg-config --libs glib-2.0 gio-2.0 json-glib-1.0) -o "$out/fuzz-manifest" 2>"$out/build.log"; then
  if grep -q "libclang_rt.fuzzer\|fsanitize=fuzzer" "$out/build.log"; then
    echo "clang has no libFuzzer runtime: skipping"; cat "$out/build.log"; exit 77
  fi
  cat "$out/build.log"; exit 1
fi

# A few seeds so the fuzzer starts from real manifests.
printf 'image,text,label,split\na.png,"a ""red"", circle",red,train\r\nb.png,,blue,val\n' > "$out/corpus/seed1.csv"
printf '\357\273\277file_name,text,label\n"x\ny.png",빨간 원,1\n' > "$out/corpus/seed2.csv"
printf '{"image": "a.png", "text": "a cat", "label": "cat", "split": "test"}\n{"file_name": null, "text": "x", "label": 3}\n' > "$out/corpus/seed3.jsonl"
# Nested seeds: 100 KB of "[[[[" on a row overflowed json-glib's recursion;
# -max_len must let the fuzzer keep (and grow) inputs that large.
{ printf '{"text": "a", "label": "x"}\n'; head -c 102400 /dev/zero | tr '\0' '['; printf '\n'; } > "$out/corpus/seed4-deep.jsonl"
{ printf '{"text": '; head -c 100000 /dev/zero | tr '\0' '{' | sed 's/{/{"a":/g'; printf '\n'; } > "$out/corpus/seed5-deep-objects.jsonl"

# crash files are kept (libFuzzer writes them to the artifact prefix)
mkdir -p "$out/crashes"
echo "fuzz-manifest: crash inputs, if any, go to $out/crashes/"
exec "$out/fuzz-manifest" -max_total_time="$secs" -max_len=262144 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" "$out/corpus"
