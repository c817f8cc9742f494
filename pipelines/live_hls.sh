#!/usr/bin/env bash
# Writes the live stream as HLS (MPEG-TS segments + playlist.m3u8) into a folder; serve the
# folder with any web server (e.g. `python3 -m http.server -d DIR`) and open playlist.m3u8.
# Usage: pipelines/live_hls.sh [DIR]   (env: FPS, FRAMES, SEGMENT_SECONDS, NUM_BUFFERS, STEPS,
#                                       SCHEDULE, SRC_EXTRA, BUILD_DIR)
set -euo pipefail
source "$(dirname "$0")/env.sh"
dir="${1:-hls}"
fps="${FPS:-8/1}"
keyint=$(( ${fps%/*} / ${fps#*/} ))
# FRAMES: identity eos-after; behind videorate it lets FRAMES-1 or FRAMES frames through.
mkdir -p "$dir"

gst-launch-1.0 -e ditstreamsrc is-live=true "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videorate ! "video/x-raw,framerate=$fps" ! identity eos-after="${FRAMES:--1}" \
  ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max="$keyint" \
  ! h264parse ! hlssink2 location="$dir/segment%05d.ts" playlist-location="$dir/playlist.m3u8" \
  target-duration="${SEGMENT_SECONDS:-2}" max-files=0 playlist-length=0
