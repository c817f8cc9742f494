#!/usr/bin/env bash
# RTSP: pipelines/rtsp_server.sh (gst-rtsp-server via ditstream-rtsp-server) on 127.0.0.1, read
# back over TCP with rtspsrc until 32 frames have arrived; the file holds 31-32 decodable
# frames (the first may be cut at the start of the RTP stream) at 96x64, spanning ~3.9 s (8/1).
# The server's --help prints its usage and exits.
source "$(dirname "$0")/e2e_lib.sh" "$@"
[[ -x "$BUILD_DIR/pipelines/ditstream-rtsp-server" ]] || { echo "skip: no ditstream-rtsp-server"; exit "$SKIP"; }
help="$(timeout 5 "$BUILD_DIR/pipelines/ditstream-rtsp-server" --help)" || fail "--help did not exit 0 at once"
[[ "$help" == "usage: ditstream-rtsp-server "* ]] || fail "--help printed: $help"
port=$(free_port)

"$ROOT/pipelines/rtsp_server.sh" 127.0.0.1 "$port" > "$TMP/server.log" 2>&1 &
STARTED_PIDS+=("$!")
wait_for_line "$TMP/server.log" "serving rtsp://127.0.0.1:$port/ditstream" 20

# identity eos-after=33 lets 32 buffers through. The server plays a live media from DESCRIBE on
# and sends what its sinks queued before PLAY in one burst; timestamps from arrival (rtspsrc's
# default buffer-mode) would give that burst one PTS, which mp4mux refuses, so they come from the
# RTP timestamps (buffer-mode=none).
timeout -s INT 90 gst-launch-1.0 -e rtspsrc location="rtsp://127.0.0.1:$port/ditstream" \
  protocols=tcp buffer-mode=none ! rtph264depay ! h264parse ! identity eos-after=33 ! mp4mux \
  ! filesink location="$TMP/readback.mp4" > "$TMP/reader.log" 2>&1 \
  || fail "reader: $(tail "$TMP/reader.log")"
expect_between "read-back frames" "$(decoded_frames "$TMP/readback.mp4" 96 64)" 31 32
expect_eq "read-back width" "$(discovered "$TMP/readback.mp4" Width)" 96
# RTP timestamps carry the element's 8/1 timing: 31 frame intervals of 125 ms, plus the slots
# the live source skips when generation falls behind on a loaded machine (seen once under -j2).
expect_between "read-back duration ms" "$(duration_ms "$TMP/readback.mp4")" 3700 6000
