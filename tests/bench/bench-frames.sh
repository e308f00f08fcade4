#!/usr/bin/env bash
# bench-frames.sh [EPOCHS] [SPEC] [IMAGE_ENCODER] [PAIRS] — frame intervals
# of the GUI while a model trains on every core beside those of the same
# window idle (2 s before training: the frame timer's own jitter), launch → first frame
# (median of 3 launches), and the window's training samples/s beside the
# `train` command's on the same data and configuration, with 0 and 4
# earlier runs on the plots: PAIRS pairs each (default 5), the two runs of
# a pair back to back in alternating order, so both see the same minutes'
# load; each pair's ratio, then the medians.  The window runs of the pairs
# go without bench-frames' 60 Hz frame timer (a real window draws only its
# updates) and count the CPU the window costs per second of training: its
# GUI thread and the X server.  Without a display it starts one Xvfb
# first, so its start-up is not counted.  BUILD=dir runs another build
# (e.g. one of main, to compare).
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-3} spec=${2:-builtin:shapes} encoder=${3:-mlp} pairs=${4:-5}
build=${BUILD:-build}
[ -x "$build/tests/bench/bench-frames" ] || meson compile -C "$build" -j1 bench-frames >&2
[ -x "$build/app/fusion-workbench" ] || meson compile -C "$build" -j1 >&2
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$build/resources GTK_A11Y=none NO_AT_BRIDGE=1
# runs are autosaved and reopened: each launch gets an empty data folder,
# so only the runs it trains itself are on its plots
data_root=$(mktemp -d)
frames () {
  XDG_DATA_HOME=$(mktemp -d -p "$data_root") "$build/tests/bench/bench-frames" "$@" 2>/dev/null
}
xvfb_pid=
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  n=$((90 + RANDOM % 100))
  Xvfb ":$n" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n" BENCH_XSERVER_PID=$xvfb_pid
  for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid"; rm -rf "$data_root"' EXIT
launches=()
for i in 1 2 3; do
  # the first two stop at their first frame; the third trains, timing its frames
  out=$(FW_LAUNCH_NS=$(date +%s%N) frames "$([ "$i" = 3 ] && echo "$epochs" || echo 0)" "$spec" 0 "$encoder")
  launches+=("$(echo "$out" | sed -n 's/^launch to first frame: \([0-9.]*\) s.*/\1/p')")
  [ "$i" = 3 ] && echo "$out"
done
printf 'launch to first frame, 3 launches: %s s; median %s s\n' "${launches[*]}" \
  "$(printf '%s\n' "${launches[@]}" | sort -n | sed -n 2p)"

median () { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
command_speed () {
  "$build/app/fusion-workbench" train --data "$spec" --epochs "$epochs" --image-encoder "$encoder" \
    --quiet --json | sed -n 's/.*"samples_per_second": \([0-9.]*\).*/\1/p'
}
for earlier in 0 4; do
  ratios=() costs=() guis=() xs=()
  for p in $(seq "$pairs"); do
    # alternate which side goes first, so neither always meets the other's wake
    if [ $((p % 2)) = 1 ]; then cmd=$(command_speed); fi
    out=$(BENCH_FRAMES_NO_TICK=1 frames "$epochs" "$spec" "$earlier" "$encoder")
    if [ $((p % 2)) = 0 ]; then cmd=$(command_speed); fi
    win=$(echo "$out" | sed -n 's/^window training samples\/s: \([0-9.]*\).*/\1/p')
    cost=$(echo "$out" | sed -n 's/^window cost: \([0-9.]*\) ms.*/\1/p')
    gui=$(echo "$out" | sed -n 's/^window cost: .*(GUI thread \([0-9.]*\),.*/\1/p')
    x=$(echo "$out" | sed -n 's/^window cost: .*X server \([0-9.]*\)).*/\1/p')
    ratio=$(awk -v c="$cmd" -v w="$win" 'BEGIN { printf "%.1f", 100 * w / c }')
    ratios+=("$ratio") costs+=("$cost") guis+=("${gui:-0}") xs+=("${x:-0}")
    printf '%d earlier runs, pair %d: window %.0f samples/s, train command %.0f: %s%%; window cost %s CPU ms per s of training (GUI %s, X server %s); load %s\n' \
      "$earlier" "$p" "$win" "$cmd" "$ratio" "$cost" "$gui" "${x:-?}" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  printf '%d earlier runs: median window/command %s%% of %d pairs (%s); window cost median %s CPU ms per s of training (GUI thread %s, X server %s)\n' \
    "$earlier" "$(printf '%s\n' "${ratios[@]}" | median)" "$pairs" "${ratios[*]}" \
    "$(printf '%s\n' "${costs[@]}" | median)" "$(printf '%s\n' "${guis[@]}" | median)" "$(printf '%s\n' "${xs[@]}" | median)"
done
