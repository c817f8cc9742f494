#!/usr/bin/env bash
# The causal generator end to end on tiny-wan: the element and `render --mode stream` give the
# same frames, byte for byte, across a prompt switch by KV-recache (the prompt file's "switch"
# field), and a causal folder (transformer/causal_config.json over a torch.save checkpoint in the
# original Wan layout) streams through gst-launch with generator=auto.
source "$(dirname "$0")/e2e_lib.sh" "$@"
WAN_MODEL="$BUILD_DIR/models/tiny-wan"
CLI="$BUILD_DIR/core/ditstream"

cat > "$TMP/prompts.json" <<'JSON'
[{"start": 0, "prompt": "a red circle moving right"},
 {"start": 0.75, "prompt": "a white square moving up", "switch": "recache"}]
JSON
frames=33  # chunks of 9, 12, 12 frames at 16/1
gst-launch-1.0 -q ditstreamsrc model="$WAN_MODEL" generator=causal switch=cut width=48 height=32 \
  prompt-schedule="@$TMP/prompts.json" seed=9 num-buffers=$frames ! video/x-raw,format=RGB \
  ! filesink location="$TMP/element.rgb" > "$TMP/element.log" 2>&1 || fail "$(tail "$TMP/element.log")"

mkdir "$TMP/png"
"$CLI" render --model "$WAN_MODEL" --mode stream --generator causal --switch cut \
  --prompts "$TMP/prompts.json" --width 48 --height 32 --seed 9 --seconds 2.0625 \
  --png-dir "$TMP/png" > "$TMP/cli.log" 2>&1 || fail "$(tail "$TMP/cli.log")"
gst-launch-1.0 -q multifilesrc location="$TMP/png/frame_%04d.png" index=0 \
  caps="image/png,framerate=16/1" ! pngdec ! videoconvert ! video/x-raw,format=RGB \
  ! filesink location="$TMP/cli.rgb" > "$TMP/decode.log" 2>&1 || fail "$(tail "$TMP/decode.log")"

expect_eq "element bytes" "$(stat -c %s "$TMP/element.rgb")" $((frames * 48 * 32 * 3))
cmp "$TMP/element.rgb" "$TMP/cli.rgb" || fail "the element's and the CLI's frames differ"

# A causal folder: tiny-wan's parts, its transformer an original-layout torch.save archive (the
# committed test archive of the same architecture) named by causal_config.json.
causal="$TMP/causal"
mkdir -p "$causal/transformer"
for part in model_index.json scheduler text_encoder tokenizer vae; do
  ln -s "$WAN_MODEL/$part" "$causal/$part"
done
cp "$WAN_MODEL/transformer/config.json" "$ROOT/tests/data/wan-causal/original.pt" "$causal/transformer/"
echo '{"method": "self-forcing", "checkpoint": "original.pt"}' > "$causal/transformer/causal_config.json"
"$CLI" info "$causal" > "$TMP/info.log" 2>&1 || fail "$(tail "$TMP/info.log")"
grep -q "transformer weights: self-forcing" "$TMP/info.log" || fail "$(cat "$TMP/info.log")"
gst-launch-1.0 -q ditstreamsrc model="$causal" width=48 height=32 num-buffers=9 \
  ! video/x-raw,format=RGB ! filesink location="$TMP/folder.rgb" > "$TMP/folder.log" 2>&1 ||
  fail "$(tail "$TMP/folder.log")"
expect_eq "causal folder bytes (chunk 0)" "$(stat -c %s "$TMP/folder.rgb")" $((9 * 48 * 32 * 3))
echo "ok: $frames frames identical; the causal folder streams"
