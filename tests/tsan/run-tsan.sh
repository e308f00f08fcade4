#!/usr/bin/env bash
# run-tsan.sh SOURCE-ROOT OUT-DIR — builds the project with
# -Db_sanitize=thread in OUT-DIR/tsan-build and runs the trainer's test and
# the UI tests under ThreadSanitizer (the UI under Xvfb when there is no
# display).  GLib is not built with TSan: fw-tsan-glib.c, preloaded, tells
# it about GLib's locks and hand-offs; tsan.supp names library internals;
# tsan-ours.py fails the run on any report whose racing access is made by
# our code and counts those made inside the libraries alone.  A test that
# fails fails the run too.  Exit 77 (skipped) when the compiler has no TSan
# runtime.  Slow (a build of its own, tests 5-10 times slower): suite 'slow'.
# test-window and test-contrib train bigger models than their 120-second
# waits allow under TSan; test-run-store and test-models train in the
# window and are run whole.
set -euo pipefail
src=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)/tsan-build
cc=${CC:-cc}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main (void) { return 0; }\n' > "$tmp/probe.c"
if ! "$cc" -fsanitize=thread "$tmp/probe.c" -o "$tmp/probe" 2>/dev/null || ! "$tmp/probe"; then
  echo "SKIP: $cc cannot build and run a ThreadSanitizer program"
  exit 77
fi

if [ ! -f "$out/build.ninja" ]; then
  meson setup "$out" "$src" -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debugoptimized
fi
meson compile -C "$out"
# shellcheck disable=SC2046
"$cc" -shared -fPIC -O1 -g -fsanitize=thread $(pkg-config --cflags gio-2.0) \
  "$src/tests/tsan/fw-tsan-glib.c" -o "$out/libfw-tsan-glib.so" -ldl $(pkg-config --libs gio-2.0)

wrap=()
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  wrap=(xvfb-run -a -s "-screen 0 1600x1000x24")
fi
export TSAN_OPTIONS="halt_on_error=0 exitcode=0 second_deadlock_stack=1 report_signal_unsafe=0 suppressions=$src/tests/tsan/tsan.supp log_path=$tmp/tsan"
# the UI tests' environment (tests/ui/meson.build), runs in a folder of their own
export GSETTINGS_SCHEMA_DIR="$out/resources" GSETTINGS_BACKEND=memory G_DEBUG=gc-friendly \
  NO_AT_BRIDGE=1 GTK_A11Y=none GSK_RENDERER=cairo XDG_DATA_HOME="$tmp/xdg-data"
status=0
for t in tests/core/test-trainer tests/ui/test-run-store tests/ui/test-models; do
  echo "== $t under ThreadSanitizer"
  rm -f "$tmp"/tsan.*
  # only the test is preloaded, not xvfb-run's shell or the X server
  if ! "${wrap[@]}" env LD_PRELOAD="$out/libfw-tsan-glib.so" "$out/$t"; then
    echo "FAIL: $t did not pass under ThreadSanitizer"
    status=1
  fi
  shopt -s nullglob
  logs=("$tmp"/tsan.*)
  if [ ${#logs[@]} -gt 0 ] && ! python3 "$src/tests/tsan/tsan-ours.py" "${logs[@]}"; then
    echo "FAIL: $t: ThreadSanitizer reports in our code (above)"
    status=1
  fi
done
exit $status
