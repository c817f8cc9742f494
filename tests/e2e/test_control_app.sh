#!/usr/bin/env bash
# ditstream-control fed prompt scripts on stdin:
# 1. `@3 ...` and `@6 !cut !motion=1,0 ...` (a shot cut with motion control) on a 72-frame MP4 render (a long --tail: the source's own EOS ends
#    it): each prompt is applied at the first window
#    boundary at or after its time (frames 24 and 48 requested, boundaries within one window),
#    which the app prints (prompt-applied) and the source's per-buffer meta (--frames) shows:
#    prompt ids change exactly there; the file has 72 frames, 9.000 s.
# 2. no num-buffers, input `@1 ...` then an un-timed line: the un-timed prompt comes after the
#    timed one; the app sends EOS itself once the last prompt is fully applied (weight 1.0 in
#    the last frame), and the file is playable with every frame the source produced.
# 3. Ctrl-C (SIGINT) with stdin still open: EOS, exit 0, playable file.
source "$(dirname "$0")/e2e_lib.sh" "$@"
control="$BUILD_DIR/pipelines/ditstream-control"
encode=(! videoconvert ! x264enc ! h264parse ! mp4mux)
window=25  # frames per window of the tiny model: 25, then 24 (+ overlap at the end)

# Field `name=value` of the prompt-applied line for prompt TEXT.
applied_field() {  # applied_field LOG TEXT FIELD
  grep "prompt-applied .*\"$2\"" "$1" | head -1 | sed -n "s/.* $3=\([^ ]*\) .*/\1/p"
}

# First frame index in the --frames log whose prompt id is ID.
first_frame_of() {  # first_frame_of LOG ID
  awk -v id="$2" '$1 !~ /^#/ && $3 == id { print $1; exit }' "$1"
}

# 1. timed prompts
printf '# two changes\n@3 a white wolf in the snow / wolf\n@6 !cut !motion=1,0 a grey owl over the snow\n' \
  | "$control" --no-status --tail 100 --frames "$TMP/frames1.txt" ditstreamsrc model="$TINY_MODEL" num-buffers=72 steps="$STEPS" \
      prompt="a red fox in the snow" "${encode[@]}" ! filesink location="$TMP/timed.mp4" \
      > "$TMP/timed.log" 2>&1 || fail "control app: $(tail "$TMP/timed.log")"
cat "$TMP/timed.log"
for spec in "wolf:a white wolf in the snow:24" "owl:a grey owl over the snow:48"; do
  IFS=: read -r name text requested <<< "$spec"
  grep -q "sent at=$((requested / 8)).000 \"$text\" *\(/ wolf\)\?$" "$TMP/timed.log" || fail "$name not sent"
  frame=$(applied_field "$TMP/timed.log" "$text" frame)
  id=$(applied_field "$TMP/timed.log" "$text" id)
  expect_between "$name applied at frame" "$frame" "$requested" $((requested + window - 1))
  expect_eq "$name first frame in the buffer meta" "$(first_frame_of "$TMP/frames1.txt" "$id")" "$frame"
  expect_eq "$name pts" "$(applied_field "$TMP/timed.log" "$text" pts)" \
    "$(awk -v f="$frame" 'BEGIN { printf "%.3f", f / 8 }')"
done
expect_eq "wolf transition" "$(applied_field "$TMP/timed.log" "a white wolf in the snow" transition)" blend
expect_eq "owl transition (!cut)" "$(applied_field "$TMP/timed.log" "a grey owl over the snow" transition)" cut
expect_eq "prompt ids in frame order" "$(awk '$1 !~ /^#/ { print $3 }' "$TMP/frames1.txt" | uniq | wc -l)" 3
expect_eq "source buffers" "$(grep -vc '^#' "$TMP/frames1.txt")" 72
check_video "$TMP/timed.mp4" 72 9000

# 2. end of input -> EOS; the un-timed second line does not overtake the timed first one
printf '@1 a white wolf in the snow\na grey owl over the snow\n' \
  | "$control" --no-status --tail 0.5 --frames "$TMP/frames2.txt" ditstreamsrc model="$TINY_MODEL" steps="$STEPS" \
      "${encode[@]}" ! filesink location="$TMP/eoi.mp4" > "$TMP/eoi.log" 2>&1 \
  || fail "control app: $(tail "$TMP/eoi.log")"
grep -q "sending eos (end of input)" "$TMP/eoi.log" || fail "no EOS at end of input"
wolf=$(applied_field "$TMP/eoi.log" "a white wolf in the snow" frame)
owl=$(applied_field "$TMP/eoi.log" "a grey owl over the snow" frame)
[[ -n "$wolf" && -n "$owl" ]] || fail "a prompt was not applied before EOS"
((owl > wolf)) || fail "the un-timed line (frame $owl) overtook the timed one (frame $wolf)"
echo "ok: in order: wolf at $wolf, owl at $owl"
last=$(grep -v '^#' "$TMP/frames2.txt" | tail -1)
expect_eq "last frame's prompt id and weight" "$(cut -d' ' -f3,4 <<< "$last")" \
  "$(applied_field "$TMP/eoi.log" "a grey owl over the snow" id) 1.000"
produced=$(grep -vc '^#' "$TMP/frames2.txt")
check_video "$TMP/eoi.mp4" "$produced"

# 3. SIGINT
mkfifo "$TMP/stdin"
"$control" --no-status --frames "$TMP/frames3.txt" ditstreamsrc model="$TINY_MODEL" steps="$STEPS" "${encode[@]}" \
  ! filesink location="$TMP/sigint.mp4" < "$TMP/stdin" > "$TMP/sigint.log" 2>&1 &
app=$!
STARTED_PIDS+=("$app")
exec 3> "$TMP/stdin"  # keeps stdin open
wait_for_line "$TMP/sigint.log" "^\[.*\] window 0 " 60
kill -INT "$app"
wait "$app" || fail "exit status $? after SIGINT: $(tail "$TMP/sigint.log")"
exec 3>&-
grep -q "sending eos (interrupt)" "$TMP/sigint.log" || fail "no EOS on SIGINT"
grep -q "\] eos$" "$TMP/sigint.log" || fail "EOS did not reach the bus"
check_video "$TMP/sigint.mp4" "$(grep -vc '^#' "$TMP/frames3.txt")"
