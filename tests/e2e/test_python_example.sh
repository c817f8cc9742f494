#!/usr/bin/env bash
# pipelines/control_example.py (python3-gst-1.0): the prompt sent as an event for frame 24 is
# applied at the next window boundary (frame 25), the prompt then set through the property at a
# later window, and the 120-frame MP4 it writes is 15.000 s with 120 frames.
source "$(dirname "$0")/e2e_lib.sh" "$@"
/usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' 2> /dev/null \
  || { echo "skip: python3-gi / gir1.2-gstreamer-1.0 missing"; exit "$SKIP"; }

/usr/bin/python3 "$ROOT/pipelines/control_example.py" --output "$TMP/example.mp4" \
  --model "$TINY_MODEL" --num-buffers 120 --steps "$STEPS" --event-frame 24 > "$TMP/example.log" 2>&1 \
  || fail "example: $(tail "$TMP/example.log")"
cat "$TMP/example.log"
frame_of() { sed -n "s/^prompt-applied id=[0-9]* frame=\([0-9]*\) prompt=\"$1\"$/\1/p" "$TMP/example.log"; }
expect_eq "first prompt's frame" "$(frame_of "a red circle moving right slowly on a blue background")" 0
expect_eq "event prompt's frame" "$(frame_of "a red circle moving right slowly on a black background")" 25
property_frame=$(frame_of "a yellow square moving left slowly on a black background")
expect_between "property prompt's frame" "${property_frame:-0}" 26 119
grep -qx "eos" "$TMP/example.log" || fail "no EOS"
check_video "$TMP/example.mp4" 120 15000
