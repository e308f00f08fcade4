#!/usr/bin/env bash
# screenshots.sh [OUTDIR] — renders the main views (empty, training,
# finished, contributions, sample inspector, compare table; in English, in
# Korean, and in the dark style) to PNG files from the build tree, every
# step of a lesson at 1280×720, then the classroom screens: the narrow
# layout at 1024×768 and presenter mode at 1280×720, in English and Korean,
# each on its own Xvfb of that size.  The main views run under Xvfb when
# there is no display.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/screenshots}
mkdir -p "$out"
[ -x build/tests/ui/fw-screenshot ] || meson compile -C build -j1 fw-screenshot >&2
[ -x build/tests/ui/fw-lesson-screenshots ] || meson compile -C build -j1 fw-lesson-screenshots >&2
wrap=()
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  wrap=(xvfb-run -a -s "-screen 0 1920x1200x24")
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
for lang in en ko; do
  p=""; [ "$lang" = ko ] && p="ko-"
  LANG=C.UTF-8 LANGUAGE=$lang XDG_DATA_HOME="$(mktemp -d -p "$data")" xvfb-run -a -s "-screen 0 1024x768x24" \
    build/tests/ui/fw-screenshot "$out" "${p}narrow-1024x768-" --classroom
  LANG=C.UTF-8 LANGUAGE=$lang XDG_DATA_HOME="$(mktemp -d -p "$data")" xvfb-run -a -s "-screen 0 1280x720x24" \
    build/tests/ui/fw-screenshot "$out" "${p}presenter-1280x720-" --classroom --presenter
done
ls -1 "$out"/*.png
