#!/usr/bin/env bash
# bench-frames.sh [EPOCHS] [SPEC] — frame intervals of the GUI while a model
# trains on every core, and launch → first frame (median of 3 launches).
# Without a display it starts one Xvfb first, so its start-up is not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/tests/bench/bench-frames ] || meson compile -C build -j1 bench-frames >&2
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=build/resources GTK_A11Y=none NO_AT_BRIDGE=1
xvfb_pid=
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  n=$((90 + RANDOM % 100))
  Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid"' EXIT
launches=()
for i in 1 2 3; do
  out=$(FW_LAUNCH_NS=$(date +%s%N) build/tests/bench/bench-frames "$@" 2>/dev/null)
  launches+=("$(echo "$out" | sed -n 's/^launch to first frame: \([0-9.]*\) s.*/\1/p')")
  [ "$i" = 3 ] && echo "$out"
done
printf 'launch to first frame, 3 launches: %s s; median %s s\n' "${launches[*]}" \
  "$(printf '%s\n' "${launches[@]}" | sort -n | sed -n 2p)"
