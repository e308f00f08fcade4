#!/usr/bin/env bash
# bench-frames.sh [EPOCHS] [SPEC] [IMAGE_ENCODER] — frame intervals of the
# GUI while a model trains on every core, launch → first frame (median of 3
# launches), and the window's training samples/s beside the `train`
# command's on the same data and configuration, with 0 and 4 earlier runs
# on the plots (each window figure right after its command run, so both
# see the same load).  Without a display it starts one Xvfb first, so its
# start-up is not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-3} spec=${2:-builtin:shapes} encoder=${3:-mlp}
[ -x build/tests/bench/bench-frames ] || meson compile -C build -j1 bench-frames >&2
[ -x build/app/fusion-workbench ] || meson compile -C build -j1 >&2
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=build/resources GTK_A11Y=none NO_AT_BRIDGE=1
# runs are autosaved and reopened: each launch gets an empty data folder,
# so only the runs it trains itself are on its plots
data_root=$(mktemp -d)
frames () {
  XDG_DATA_HOME=$(mktemp -d -p "$data_root") build/tests/bench/bench-frames "$@" 2>/dev/null
}
xvfb_pid=
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  n=$((90 + RANDOM % 100))
  Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n"
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid"; rm -rf "$data_root"' EXIT
launches=()
for i in 1 2 3; do
  out=$(FW_LAUNCH_NS=$(date +%s%N) frames "$epochs" "$spec" 0 "$encoder")
  launches+=("$(echo "$out" | sed -n 's/^launch to first frame: \([0-9.]*\) s.*/\1/p')")
  [ "$i" = 3 ] && echo "$out"
done
printf 'launch to first frame, 3 launches: %s s; median %s s\n' "${launches[*]}" \
  "$(printf '%s\n' "${launches[@]}" | sort -n | sed -n 2p)"

for earlier in 0 4; do
  cmd=$(build/app/fusion-workbench train --data "$spec" --epochs "$epochs" --image-encoder "$encoder" \
          --quiet --json | sed -n 's/.*"samples_per_second": \([0-9.]*\).*/\1/p')
  out=$(frames "$epochs" "$spec" "$earlier" "$encoder")
  win=$(echo "$out" | sed -n 's/^window training samples\/s: \([0-9.]*\).*/\1/p')
  gui=$(echo "$out" | sed -n 's/^GUI thread CPU while training: .*(\([0-9.]*%\) of one core).*/\1/p')
  awk -v c="$cmd" -v w="$win" -v e="$earlier" -v g="$gui" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
    printf "%d earlier runs: window %.0f samples/s, train command %.0f samples/s: %.0f%% (GUI thread %s of a core; load %s)\n",
           e, w, c, 100 * w / c, g, l }'
done
