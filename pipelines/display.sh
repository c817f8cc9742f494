#!/usr/bin/env bash
# Shows the stream on screen in real time (live: frame slots the model misses are skipped,
# videorate repeats frames to keep the display at a constant rate).
# Usage: pipelines/display.sh   (env: SINK (default autovideosink), STEPS, SCHEDULE, SRC_EXTRA,
#                                BUILD_DIR; needs a display)
set -euo pipefail
source "$(dirname "$0")/env.sh"

gst-launch-1.0 ditstreamsrc is-live=true "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videorate ! videoconvert ! videoscale ! video/x-raw,width=384,height=256 \
  ! "${SINK:-autovideosink}"
