#!/usr/bin/env bash
# A Wan2.1 folder (tiny-wan) end to end: `ditstream render` writes a 48x32 window at Wan's 16 fps,
# and the element and `render --mode stream` give the same frames, byte for byte, across a prompt
# change (a transition window with KV-sharing on Wan's self-attention).
source "$(dirname "$0")/e2e_lib.sh" "$@"
WAN_MODEL="$BUILD_DIR/models/tiny-wan"
CLI="$BUILD_DIR/core/ditstream"

"$CLI" render --model "$WAN_MODEL" --prompt "a red circle moving right" --steps "$STEPS" \
  --frames 3 --width 48 --height 32 --output "$TMP/window.y4m" > "$TMP/window.log" 2>&1 ||
  fail "$(tail "$TMP/window.log")"
expect_eq "y4m header" "$(head -c 24 "$TMP/window.y4m")" "YUV4MPEG2 W48 H32 F16:1 "
header_bytes=$(head -1 "$TMP/window.y4m" | wc -c)
expect_eq "y4m bytes (9 frames)" "$(stat -c %s "$TMP/window.y4m")" $((header_bytes + 9 * (6 + 48 * 32 * 3)))

printf '0: a red circle moving right\n0.75: a white square moving up\n' > "$TMP/prompts.txt"
frames=24  # 1.5 s at 16/1
size="width=48 height=32 window-frames=3 overlap=1"
# shellcheck disable=SC2086
gst-launch-1.0 -q ditstreamsrc model="$WAN_MODEL" $size prompt-schedule="@$TMP/prompts.txt" \
  steps="$STEPS" seed=9 num-buffers=$frames ! video/x-raw,format=RGB \
  ! filesink location="$TMP/element.rgb" > "$TMP/element.log" 2>&1 || fail "$(tail "$TMP/element.log")"

mkdir "$TMP/png"
"$CLI" render --model "$WAN_MODEL" --mode stream --prompts "$TMP/prompts.txt" --width 48 \
  --height 32 --frames 3 --overlap 1 --steps "$STEPS" --seed 9 --seconds 1.5 --png-dir "$TMP/png" \
  > "$TMP/cli.log" 2>&1 || fail "$(tail "$TMP/cli.log")"
gst-launch-1.0 -q multifilesrc location="$TMP/png/frame_%04d.png" index=0 \
  caps="image/png,framerate=16/1" ! pngdec ! videoconvert ! video/x-raw,format=RGB \
  ! filesink location="$TMP/cli.rgb" > "$TMP/decode.log" 2>&1 || fail "$(tail "$TMP/decode.log")"

expect_eq "element bytes" "$(stat -c %s "$TMP/element.rgb")" $((frames * 48 * 32 * 3))
cmp "$TMP/element.rgb" "$TMP/cli.rgb" || fail "the element's and the CLI's frames differ"
echo "ok: $frames frames identical"
