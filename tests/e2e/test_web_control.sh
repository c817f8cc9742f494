#!/usr/bin/env bash
# ditstream-control --http: headless Chromium (tests/e2e/data/web_control_check.py) opens the
# page of a live shapes-demo stream (after curl read its MJPEG fallback) opened after the first
# prompt was applied (the timeline still
# shows it), sees the preview switch from MJPEG to WebRTC (webrtcbin, VP8) and the first prompt's
# blue background in it, has a non-prompt request refused, types a prompt with a green
# background, sees it in the applied-prompt timeline and the preview turn green. The app logs the page's prompt like a
# stdin line; a non-loopback address is refused without --http-allow-remote.
source "$(dirname "$0")/e2e_lib.sh" "$@"
/usr/bin/python3 -c 'import selenium' 2> /dev/null || { echo "skip: python3-selenium missing"; exit "$SKIP"; }
[[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] || { echo "skip: chromium-driver missing"; exit "$SKIP"; }
demo="$BUILD_DIR/models/shapes-demo"
[[ -d "$demo/tokenizer" ]] || { echo "skip: no shapes-demo model"; exit "$SKIP"; }
control="$BUILD_DIR/pipelines/ditstream-control"
first="a red circle moving right slowly on a blue background"
second="a red circle moving right slowly on a green background"

"$control" --http 10.0.0.1:0 ditstreamsrc ! fakesink > "$TMP/remote.log" 2>&1 && fail "served on 10.0.0.1"
grep -q "not a loopback address; pass --http-allow-remote" "$TMP/remote.log" \
  || fail "no refusal: $(cat "$TMP/remote.log")"
echo "ok: non-loopback address refused"

# stdin at its end from the start: with --http the page steers the stream, which runs on.
"$control" --no-status --http 127.0.0.1:0 ditstreamsrc model="$demo" is-live=true steps=4 \
  prompt="$first" ! fakesink < /dev/null > "$TMP/app.log" 2>&1 &
STARTED_PIDS+=("$!")
wait_for_line "$TMP/app.log" "web page: http://127.0.0.1:[0-9]+/" 60
url="$(sed -n 's/.*web page: //p' "$TMP/app.log")"
wait_for_line "$TMP/app.log" "prompt-applied id=1 " 60  # before the page opens
# The MJPEG fallback: a multipart stream of JPEG frames (8 fps; 2 s of curl, start-up included).
timeout 2 curl -s "${url}preview.mjpeg" > "$TMP/preview.mjpeg" || true
jpegs=$(grep -ac "^Content-Type: image/jpeg" "$TMP/preview.mjpeg" || true)
expect_between "MJPEG frames in 2 s" "$jpegs" 4 40
/usr/bin/python3 "$ROOT/tests/e2e/data/web_control_check.py" "$url" "$TMP/web_control.png" "$first" "$second" \
  || fail "browser check: $(tail "$TMP/app.log")"
grep -q "web: \"$second\"" "$TMP/app.log" || fail "the app did not log the page's prompt"
grep -q "prompt-applied .*\"$second\"" "$TMP/app.log" || fail "not applied on the bus"
[[ -s "$TMP/web_control.png" ]] || fail "no screenshot"
[[ -z "${SCREENSHOT:-}" ]] || cp "$TMP/web_control.png" "$SCREENSHOT"
echo "ok: page steered the stream"
