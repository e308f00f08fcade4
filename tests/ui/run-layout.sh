#!/usr/bin/env bash
# run-layout.sh TEST-LAYOUT — runs the layout test on the classroom screens
# it is about: its own Xvfb at 1024×768 and at 1280×720, each without a
# window manager and with openbox (the window maximized, FW_LAYOUT_WM=1).
set -euo pipefail
test_bin=$1; shift
status=0
for screen in 1024x768 1280x720; do
  for wm in 0 1; do
    echo "# screen $screen, window manager: $wm"
    if [ "$wm" = 1 ]; then
      inner="openbox --sm-disable >/dev/null 2>&1 & wm=\$!; sleep 0.5; FW_LAYOUT_WM=1 \"$test_bin\" $*; s=\$?; kill \$wm; exit \$s"
    else
      inner="\"$test_bin\" $*"
    fi
    xvfb-run -a -s "-screen 0 ${screen}x24" bash -c "$inner" || status=1
  done
done
exit $status
