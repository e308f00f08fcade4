#!/usr/bin/env bash
# screenshots.sh [OUTDIR] — renders the main views (empty, training,
# finished, contributions, sample inspector, compare table; in English, in
# Korean, and in the dark style; every step of a lesson at 1280×720) to
# PNG files from the build tree.  Runs under Xvfb when there is no display.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/screenshots}
mkdir -p "$out"
[ -x build/tests/ui/fw-screenshot ] || meson compile -C build -j1 fw-screenshot >&2
[ -x build/tests/ui/fw-lesson-screenshots ] || meson compile -C build -j1 fw-lesson-screenshots >&2
wrap=()
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  wrap=(xvfb-run -a -s "-screen 0 1700x1100x24")
fi
# runs are autosaved: each rendering gets its own empty data folder, not the user's
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=build/resources GTK_A11Y=none NO_AT_BRIDGE=1 GSK_RENDERER=cairo
LANG=C.UTF-8 LANGUAGE=en XDG_DATA_HOME="$(mktemp -d -p "$data")" "${wrap[@]}" build/tests/ui/fw-screenshot "$out" ""
LANG=C.UTF-8 LANGUAGE=ko XDG_DATA_HOME="$(mktemp -d -p "$data")" "${wrap[@]}" build/tests/ui/fw-screenshot "$out" "ko-"
LANG=C.UTF-8 LANGUAGE=en XDG_DATA_HOME="$(mktemp -d -p "$data")" "${wrap[@]}" build/tests/ui/fw-screenshot "$out" "dark-" --dark
# every step of one lesson at 1280×720 (presenter mode once the window has it), in both languages
LANG=C.UTF-8 LANGUAGE=en XDG_DATA_HOME="$(mktemp -d -p "$data")" "${wrap[@]}" build/tests/ui/fw-lesson-screenshots "$out" ""
LANG=C.UTF-8 LANGUAGE=ko XDG_DATA_HOME="$(mktemp -d -p "$data")" "${wrap[@]}" build/tests/ui/fw-lesson-screenshots "$out" "ko-"
ls -1 "$out"/*.png
