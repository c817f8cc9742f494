#!/usr/bin/env bash
# Renders the prompt schedule to an H.264 Matroska file (non-live). Matroska stays readable up
# to the last complete cluster even when the process is killed.
# Usage: pipelines/render_mkv.sh [OUT.mkv]   (env: NUM_BUFFERS, STEPS, SCHEDULE, SRC_EXTRA, BUILD_DIR)
# NUM_BUFFERS: frames to render, default 120 (15 s); -1 renders until Ctrl-C.
set -euo pipefail
NUM_BUFFERS="${NUM_BUFFERS:-120}"
source "$(dirname "$0")/env.sh"
out="${1:-out.mkv}"

gst-launch-1.0 -e ditstreamsrc "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videoconvert ! x264enc ! h264parse ! matroskamux ! filesink location="$out"
