#!/usr/bin/env bash
# HLS: pipelines/live_hls.sh writes FRAMES=32 live frames (~4 s at 8/1; identity eos-after lets
# 31 or 32 through) as 2 s segments; the playlist is closed (#EXT-X-ENDLIST), lists every
# segment, and the segments decode to as many frames as the playlist's durations say (±1 slot).
source "$(dirname "$0")/e2e_lib.sh" "$@"

FRAMES=32 "$ROOT/pipelines/live_hls.sh" "$TMP/hls" > "$TMP/hls.log" 2>&1 || fail "$(tail "$TMP/hls.log")"
playlist="$TMP/hls/playlist.m3u8"
grep -q '^#EXT-X-ENDLIST' "$playlist" || fail "playlist not closed: $(cat "$playlist")"
segments=$(grep -c '^segment.*\.ts$' "$playlist")
expect_between "segments in the playlist" "$segments" 2 3
expect_eq "segment files" "$(ls "$TMP/hls"/segment*.ts | wc -l)" "$segments"
cat "$TMP/hls"/segment*.ts > "$TMP/all.ts"
frames=$(decoded_frames "$TMP/all.ts" 96 64)
expect_between "frames in the segments" "$frames" 31 32
listed=$(awk -F'[:,]' '/^#EXTINF/ { s += $2 } END { printf "%d", s * 8 + 0.5 }' "$playlist")
# The playlist's durations cover the frames at 8/1 (+ one slot when videorate's EOS frame lands
# one slot late, see test_rtmp_roundtrip.sh).
expect_between "frame slots listed in the playlist" "$listed" "$frames" $((frames + 1))
