#!/usr/bin/env bash
# Diffs `gst-inspect-1.0 ditstreamsrc` against the committed snapshot; the build folder is
# written as @BUILD_DIR@. Usage: check_inspect.sh BUILD_DIR SNAPSHOT [--update]
set -euo pipefail
build_dir=$1 snapshot=$2
actual=$(gst-inspect-1.0 ditstreamsrc | sed "s|${build_dir}|@BUILD_DIR@|g")
if [[ ${3:-} == --update ]]; then
  printf '%s\n' "$actual" > "$snapshot"
  exit 0
fi
diff -u "$snapshot" <(printf '%s\n' "$actual")
