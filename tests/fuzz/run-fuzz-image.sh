#!/bin/sh
# run-fuzz-image.sh — builds fuzz-image with clang's libFuzzer (plus ASan
# and UBSan) and runs it for a bounded time from real PNG and JPEG seeds
# (gray, RGB, RGBA; 28 and 16 px, so both the direct and the resizing
# paths run).  Registered in meson's 'slow' suite; exits 77 (skipped) when
# clang or its fuzzer runtime is missing.
#   run-fuzz-image.sh SOURCE_ROOT BUILD_DIR [SECONDS]
set -eu
src=$1
out=$(cd "$2" && pwd)/fuzz-image
secs=${3:-60}
mkdir -p "$out/corpus" "$out/crashes"
command -v clang >/dev/null 2>&1 || { echo "clang not found: skipping"; exit 77; }

pkgs="glib-2.0 gio-2.0 gdk-pixbuf-2.0 json-glib-1.0 libdeflate libjpeg"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DG_LOG_DOMAIN=\"fuzz\""
if ! clang $flags $(for d in core core/nn core/data core/io; do printf -- "-I%s/%s " "$src" "$d"; done) \
     $(pkg-config --cflags $pkgs) \
     "$src/tests/fuzz/fuzz-image.c" "$src/core/data/fw-image-direct.c" "$src/core/data/fw-image.c" \
     $(pkg-config --libs $pkgs) -lm -o "$out/fuzz-image" 2>"$out/build.log"; then
  if grep -q "libclang_rt.fuzzer\|fsanitize=fuzzer" "$out/build.log"; then
    echo "clang has no libFuzzer runtime: skipping"; cat "$out/build.log"; exit 77
  fi
  cat "$out/build.log"; exit 1
fi

# seeds written by gdk-pixbuf itself (python3-gi), the formats datasets hold
/usr/bin/python3 - "$out/corpus" <<'PY'
import sys
import gi
gi.require_version("GdkPixbuf", "2.0")
from gi.repository import GdkPixbuf
for alpha in (False, True):
    for size in (16, 28):
        pb = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, alpha, 8, size, size)
        pb.fill(0x3c78b4ff)
        name = f"{sys.argv[1]}/seed-{size}{'-alpha' if alpha else ''}"
        pb.savev(name + ".png", "png", [], [])
        if not alpha:
            pb.savev(name + ".jpg", "jpeg", ["quality"], ["90"])
PY

echo "fuzz-image: crash inputs, if any, go to $out/crashes/"
exec "$out/fuzz-image" -max_total_time="$secs" -max_len=65536 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" "$out/corpus"
