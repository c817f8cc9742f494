#!/usr/bin/env bash
# Streams live to an RTMP server (nginx-rtmp, YouTube, Twitch...): the element paces itself on
# the clock and skips the frame slots it misses; videorate repeats frames for a constant FPS.
# Usage: pipelines/live_rtmp.sh rtmp://HOST/APP/KEY
#   env: FPS (output rate, default 8/1), FRAMES (stop after N output frames), NUM_BUFFERS,
#        STEPS, SCHEDULE, SRC_EXTRA, BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/env.sh"
url="${1:?usage: live_rtmp.sh rtmp://HOST/APP/KEY}"
fps="${FPS:-8/1}"
keyint=$(( ${fps%/*} / ${fps#*/} ))
# FRAMES: identity eos-after; behind videorate it lets FRAMES-1 or FRAMES frames through.

gst-launch-1.0 -e ditstreamsrc is-live=true "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videorate ! "video/x-raw,framerate=$fps" ! identity eos-after="${FRAMES:--1}" \
  ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max="$keyint" \
  ! h264parse ! flvmux streamable=true ! rtmp2sink location="$url"
