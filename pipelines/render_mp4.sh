#!/usr/bin/env bash
# Renders the prompt schedule to an H.264 MP4 file (non-live: as fast as the model generates).
# Usage: pipelines/render_mp4.sh [OUT.mp4]   (env: NUM_BUFFERS, STEPS, SCHEDULE, SRC_EXTRA, BUILD_DIR)
# NUM_BUFFERS: frames to render, default 120 (15 s); -1 renders until Ctrl-C.
# SCHEDULE is 'SECONDS:prompt;SECONDS:prompt' or '@FILE'; default pipelines/demo_prompts.txt.
# Ctrl-C finishes the file (-e): it stays playable.
set -euo pipefail
NUM_BUFFERS="${NUM_BUFFERS:-120}"
source "$(dirname "$0")/env.sh"
out="${1:-out.mp4}"

gst-launch-1.0 -e ditstreamsrc "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videoconvert ! x264enc ! h264parse ! mp4mux ! filesink location="$out"
