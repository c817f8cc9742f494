#!/usr/bin/env bash
# pipelines/render_mp4.sh and render_mkv.sh with a two-prompt schedule: 24 frames at 8/1 give
# a 3.000 s, 96x64 file with 24 decodable frames (gst-discoverer-1.0 + decoding).
source "$(dirname "$0")/e2e_lib.sh" "$@"
export NUM_BUFFERS=24 SCHEDULE="0:a red fox running in the snow;1.5:a white wolf in the snow"

"$ROOT/pipelines/render_mp4.sh" "$TMP/out.mp4" > "$TMP/mp4.log" 2>&1 || fail "$(tail "$TMP/mp4.log")"
check_video "$TMP/out.mp4" 24 3000
expect_eq "mp4 frame rate" "$(discovered "$TMP/out.mp4" "Frame rate")" 8/1
expect_eq "mp4 container" "$(discovered "$TMP/out.mp4" "container #0")" Quicktime

"$ROOT/pipelines/render_mkv.sh" "$TMP/out.mkv" > "$TMP/mkv.log" 2>&1 || fail "$(tail "$TMP/mkv.log")"
check_video "$TMP/out.mkv" 24 3000
expect_eq "mkv container" "$(discovered "$TMP/out.mkv" "container #0")" Matroska

# The README's contact sheet script: 4 frames around frame 12, 4 columns of 96+2*4 pixels.
"$ROOT/pipelines/make_contact_sheet.py" "$TMP/out.mp4" "$TMP/sheet.png" --change-frame 12 \
  --before 2 --after 2 --columns 4 --width 96 > "$TMP/sheet.log" 2>&1 || fail "$(cat "$TMP/sheet.log")"
size=$(/usr/bin/python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n"; print("%dx%d" % struct.unpack(">II", d[16:24]))' "$TMP/sheet.png")
expect_eq "contact sheet PNG size" "$size" 416x72
