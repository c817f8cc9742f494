#!/usr/bin/env bash
# The element and `ditstream render --mode stream` run the same StreamSession: with the same
# settings and prompt file they give the same frames, byte for byte (RGB). 56 frames at 8/1 cross
# the prompt change at 3 s, so a transition window with KV-sharing is among them.
source "$(dirname "$0")/e2e_lib.sh" "$@"
printf '0: a red fox running in the snow\n3: a white wolf in the snow\n' > "$TMP/prompts.txt"
frames=56

gst-launch-1.0 -q ditstreamsrc model="$TINY_MODEL" prompt-schedule="@$TMP/prompts.txt" \
  steps="$STEPS" seed=9 num-buffers=$frames ! video/x-raw,format=RGB \
  ! filesink location="$TMP/element.rgb" > "$TMP/element.log" 2>&1 || fail "$(tail "$TMP/element.log")"

mkdir "$TMP/png"
"$BUILD_DIR/core/ditstream" render --model "$TINY_MODEL" --mode stream --prompts "$TMP/prompts.txt" \
  --steps "$STEPS" --seed 9 --seconds 7 --png-dir "$TMP/png" > "$TMP/cli.log" 2>&1 ||
  fail "$(tail "$TMP/cli.log")"
gst-launch-1.0 -q multifilesrc location="$TMP/png/frame_%04d.png" index=0 \
  caps="image/png,framerate=8/1" ! pngdec ! videoconvert ! video/x-raw,format=RGB \
  ! filesink location="$TMP/cli.rgb" > "$TMP/decode.log" 2>&1 || fail "$(tail "$TMP/decode.log")"

expect_eq "element bytes" "$(stat -c %s "$TMP/element.rgb")" $((frames * 96 * 64 * 3))
expect_eq "CLI bytes" "$(stat -c %s "$TMP/cli.rgb")" $((frames * 96 * 64 * 3))
cmp "$TMP/element.rgb" "$TMP/cli.rgb" || fail "the element's and the CLI's frames differ"
echo "ok: $frames frames identical"
