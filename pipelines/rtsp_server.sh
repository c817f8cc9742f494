#!/usr/bin/env bash
# Serves the live stream over RTSP (gst-rtsp-server, through build/pipelines/ditstream-rtsp-server)
# at rtsp://ADDRESS:PORT/ditstream; every client shares one stream. Play it with
#   gst-play-1.0 rtsp://127.0.0.1:8554/ditstream   (or ffplay, VLC)
# Usage: pipelines/rtsp_server.sh [ADDRESS [PORT]]   (env: FPS, STEPS, SCHEDULE, SRC_EXTRA, BUILD_DIR)
set -euo pipefail
source "$(dirname "$0")/env.sh"
address="${1:-127.0.0.1}"
port="${2:-8554}"
fps="${FPS:-8/1}"
keyint=$(( ${fps%/*} / ${fps#*/} ))

exec "$BUILD_DIR/pipelines/ditstream-rtsp-server" --address "$address" --port "$port" \
  ditstreamsrc is-live=true "${SRC_PROPS[@]}" prompt-schedule="$SCHEDULE" \
  ! videorate ! "video/x-raw,framerate=$fps" ! videoconvert \
  ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max="$keyint" \
  ! rtph264pay name=pay0 pt=96 config-interval=1
