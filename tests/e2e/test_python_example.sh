#!/usr/bin/env bash
# pipelines/control_example.py (python3-gst-1.0): the prompt sent as an event for frame 24 is
# applied at the next window boundary (frame 25), the prompt then set through the property at a
# later window, and the 120-frame MP4 it writes is 15.000 s with 120 frames; the per-buffer frame
# meta it reads through the Ditstream typelib (GObject introspection) shows the same change.
source "$(dirname "$0")/e2e_lib.sh" "$@"
/usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' 2> /dev/null \
  || { echo "skip: python3-gi / gir1.2-gstreamer-1.0 missing"; exit "$SKIP"; }

export GI_TYPELIB_PATH="$BUILD_DIR/gst-plugin" LD_LIBRARY_PATH="$BUILD_DIR/gst-plugin"
/usr/bin/python3 "$ROOT/pipelines/control_example.py" --output "$TMP/example.mp4" \
  --model "$TINY_MODEL" --num-buffers 120 --steps "$STEPS" --event-frame 24 > "$TMP/example.log" 2>&1 \
  || fail "example: $(tail "$TMP/example.log")"
cat "$TMP/example.log"
frame_of() { sed -n "s/^prompt-applied id=[0-9]* frame=\([0-9]*\) prompt=\"$1\"$/\1/p" "$TMP/example.log"; }
expect_eq "first prompt's frame" "$(frame_of "a red circle moving right slowly on a blue background")" 0
expect_eq "event prompt's frame" "$(frame_of "a red circle moving right slowly on a black background")" 25
property_frame=$(frame_of "a yellow square moving left slowly on a black background")
expect_between "property prompt's frame" "${property_frame:-0}" 26 119
# The frame meta read through the Ditstream typelib: the event's prompt (id 2) from frame 25.
meta_of() { sed -n "s/^meta frame=\([0-9]*\) prompt-id=$1 weight=\(.*\)$/\1 \2/p" "$TMP/example.log" | head -1; }
expect_eq "first meta line" "$(head -1 <(grep '^meta ' "$TMP/example.log"))" "meta frame=0 prompt-id=1 weight=1.000"
read -r frame weight <<< "$(meta_of 2)"
expect_eq "event prompt's first frame in the meta" "$frame" 25
[[ "$weight" != "1.000" ]] || fail "no transition weight below 1 at prompt 2's first frame"
grep -qx "eos" "$TMP/example.log" || fail "no EOS"
check_video "$TMP/example.mp4" 120 15000
