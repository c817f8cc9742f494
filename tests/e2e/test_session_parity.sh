#!/usr/bin/env bash
# The element and `ditstream render --mode stream` run the same StreamSession: with the same
# settings and prompt file they give the same frames, byte for byte (RGB). 56 frames at 8/1 cross
# the prompt change at 3 s, so a transition window with KV-sharing is among them. Twice: with the
# defaults and with anchor memory on (properties and flags of the same names), which changes
# the frames.
source "$(dirname "$0")/e2e_lib.sh" "$@"
printf '0: a red fox running in the snow\n3: a white wolf in the snow\n' > "$TMP/prompts.txt"
frames=56

# parity NAME "ELEMENT PROPERTIES" "CLI FLAGS": writes $TMP/NAME.rgb, the element's frames.
parity() {
  local name=$1 properties=$2 flags=$3
  # shellcheck disable=SC2086
  gst-launch-1.0 -q ditstreamsrc model="$TINY_MODEL" prompt-schedule="@$TMP/prompts.txt" \
    steps="$STEPS" seed=9 num-buffers=$frames $properties ! video/x-raw,format=RGB \
    ! filesink location="$TMP/$name.rgb" > "$TMP/element.log" 2>&1 || fail "$(tail "$TMP/element.log")"
  rm -rf "$TMP/png" && mkdir "$TMP/png"
  # shellcheck disable=SC2086
  "$BUILD_DIR/core/ditstream" render --model "$TINY_MODEL" --mode stream \
    --prompts "$TMP/prompts.txt" --steps "$STEPS" --seed 9 --seconds 7 --png-dir "$TMP/png" \
    $flags > "$TMP/cli.log" 2>&1 || fail "$(tail "$TMP/cli.log")"
  gst-launch-1.0 -q multifilesrc location="$TMP/png/frame_%04d.png" index=0 \
    caps="image/png,framerate=8/1" ! pngdec ! videoconvert ! video/x-raw,format=RGB \
    ! filesink location="$TMP/cli.rgb" > "$TMP/decode.log" 2>&1 || fail "$(tail "$TMP/decode.log")"
  expect_eq "$name element bytes" "$(stat -c %s "$TMP/$name.rgb")" $((frames * 96 * 64 * 3))
  expect_eq "$name CLI bytes" "$(stat -c %s "$TMP/cli.rgb")" $((frames * 96 * 64 * 3))
  cmp "$TMP/$name.rgb" "$TMP/cli.rgb" || fail "$name: the element's and the CLI's frames differ"
  echo "ok: $name: $frames frames identical"
}

parity defaults "" ""
parity anchor "anchor=first-frame anchor-strength=-0.5" "--anchor first-frame --anchor-strength -0.5"
if cmp -s "$TMP/defaults.rgb" "$TMP/anchor.rgb"; then fail "anchor memory changed no frame"; fi
# within_one ONE PARALLEL WHAT: every byte of PARALLEL within one level of ONE.
within_one() {
  python3 - "$TMP/$1.rgb" "$TMP/$2.rgb" "$3" << 'PY' || fail "$3 is not within 1 of one process"
import sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
worst = max(abs(x - y) for x, y in zip(a, b))
print(f"ok: {sys.argv[3]} vs one process: {sum(x != y for x, y in zip(a, b))} of "
      f"{len(a)} bytes differ, by at most {worst}")
sys.exit(0 if len(a) == len(b) and worst <= 1 else 1)
PY
}

# CFG-parallel and Ulysses (a local worker over Gloo): the element and the CLI agree byte for
# byte, and both stay within one level of one process (exact to fp32 rounding); mask-guided
# KV-sharing split by branch too (the conditional rank relays its masks).
for mode in cfg ulysses; do
  parity "$mode" "parallel=$mode" "--parallel $mode"
  within_one defaults "$mode" "parallel=$mode"
done
parity masked "kv-sharing=mask-guided" "--mask-guided"
parity masked-cfg "kv-sharing=mask-guided parallel=cfg" "--mask-guided --parallel cfg"
if cmp -s "$TMP/defaults.rgb" "$TMP/masked.rgb"; then fail "mask-guided sharing changed no frame"; fi
within_one masked masked-cfg "mask-guided parallel=cfg"
