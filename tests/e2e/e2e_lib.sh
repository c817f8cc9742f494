# shellcheck shell=bash disable=SC2034
# Sourced by the e2e tests: build dir, a temp dir, helpers, and cleanup of what a test starts.
# Usage in a test: source "$(dirname "$0")/e2e_lib.sh" "$@"   (argument: the build dir)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$(cd "${1:-$ROOT/build}" && pwd)"
export BUILD_DIR
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$BUILD_DIR/gst-plugins}"
export GST_REGISTRY="${GST_REGISTRY:-$BUILD_DIR/gst-registry.bin}"
export STEPS="${STEPS:-2}"
# The tests' frame counts are the tiny random model's (64x96 px, 25 + 24n frames per window).
TINY_MODEL="$BUILD_DIR/models/tiny"
export SRC_EXTRA="model=$TINY_MODEL ${SRC_EXTRA:-}"
readonly SKIP=77
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ditstream-e2e.XXXXXX")"
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
  [[ "$2" == "$3" ]] || fail "$1: got '$2', expected '$3'"
  echo "ok: $1 = $2"
}

expect_between() {  # expect_between WHAT ACTUAL MIN MAX (integers)
  (("$2" >= "$3" && "$2" <= "$4")) || fail "$1: got $2, expected $3..$4"
  echo "ok: $1 = $2 (in $3..$4)"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $3 seconds for file $1 to contain the regex $2.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -qE "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "no '$2' in $1 after $3 s: $(tail -5 "$1" 2>/dev/null)"
    sleep 0.2
  done
}

# Frames of the first video stream, counted by decoding to GRAY8 (one byte per pixel).
decoded_frames() {  # decoded_frames FILE WIDTH HEIGHT
  local raw="$TMP/decoded.gray"
  gst-launch-1.0 -q filesrc location="$1" ! decodebin ! videoconvert \
    ! "video/x-raw,format=GRAY8,width=$2,height=$3" ! filesink location="$raw" >&2
  echo $(($(stat -c %s "$raw") / ($2 * $3)))
}

# One field of gst-discoverer-1.0's report ("Duration", "Width", "Height", "Frame rate").
discovered() {  # discovered FILE FIELD
  gst-discoverer-1.0 "$1" | sed -n "s/^ *$2: //p" | head -1
}

# Duration in milliseconds from gst-discoverer-1.0 (H:MM:SS.nnnnnnnnn).
duration_ms() {
  discovered "$1" Duration | awk -F'[:.]' '{ print ($1 * 3600 + $2 * 60 + $3) * 1000 + int(substr($4, 1, 3)) }'
}

# Asserts size, frame rate, frame count and (when given) duration of a rendered file.
check_video() {  # check_video FILE FRAMES [DURATION_MS]
  [[ -s "$1" ]] || fail "$1 is missing or empty"
  expect_eq "$(basename "$1") width" "$(discovered "$1" Width)" 96
  expect_eq "$(basename "$1") height" "$(discovered "$1" Height)" 64
  expect_eq "$(basename "$1") frames" "$(decoded_frames "$1" 96 64)" "$2"
  if [[ $# -ge 3 ]]; then expect_eq "$(basename "$1") duration ms" "$(duration_ms "$1")" "$3"; fi
}
