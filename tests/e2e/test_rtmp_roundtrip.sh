#!/usr/bin/env bash
# Live RTMP round trip on loopback: nginx + libnginx-mod-rtmp on 127.0.0.1 (foreground, own
# prefix, stopped by pid), an rtmp2src reader started first, then pipelines/live_rtmp.sh
# publishing FRAMES=24 (videorate at 8/1; identity eos-after lets 23 or 24 through). The
# read-back file has 23-24 frames at 96x64 lasting 125 ms each (+ at most one slot).
source "$(dirname "$0")/e2e_lib.sh" "$@"
module=/usr/lib/nginx/modules/ngx_rtmp_module.so
command -v nginx > /dev/null && [[ -e $module ]] || { echo "skip: nginx or libnginx-mod-rtmp missing"; exit "$SKIP"; }
port=$(free_port)
url="rtmp://127.0.0.1:$port/live/e2e"

cat > "$TMP/nginx.conf" <<CONF
load_module $module;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log info;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:$port; chunk_size 4096;
  application live { live on; record off; allow publish 127.0.0.1; deny publish all;
                     allow play 127.0.0.1; deny play all; } } }
CONF
nginx -t -q -c "$TMP/nginx.conf" -p "$TMP/"
nginx -c "$TMP/nginx.conf" -p "$TMP/" 2> "$TMP/nginx.log" &
STARTED_PIDS+=("$!")
wait_for_line "$TMP/nginx-error.log" "start worker process" 10

gst-launch-1.0 -e rtmp2src location="$url" ! flvdemux name=d d.video ! queue ! h264parse \
  ! mp4mux ! filesink location="$TMP/readback.mp4" > "$TMP/reader.log" 2>&1 &
reader=$!
STARTED_PIDS+=("$reader")
wait_for_line "$TMP/reader.log" "PREROLLING" 10
sleep 1

FRAMES=24 "$ROOT/pipelines/live_rtmp.sh" "$url" > "$TMP/publisher.log" 2>&1 \
  || fail "publisher: $(tail "$TMP/publisher.log")"
timeout 20 tail --pid="$reader" -f /dev/null || fail "the reader did not get EOS"
wait "$reader" || fail "reader: $(tail "$TMP/reader.log")"
frames=$(decoded_frames "$TMP/readback.mp4" 96 64)
expect_between "read-back frames" "$frames" 23 24
check_video "$TMP/readback.mp4" "$frames"
# Frames 125 ms apart; at EOS videorate may push one more frame one slot later, after identity
# dropped the last one, so the span can be one slot longer than the frames.
expect_between "read-back duration ms" "$(duration_ms "$TMP/readback.mp4")" $((frames * 125)) $((frames * 125 + 125))
