#!/usr/bin/env bash
# Diffs `gst-inspect-1.0 ditstreamsrc` against the committed snapshot; the build folder is
# written as @BUILD_DIR@, the source folder as @SOURCE_DIR@.
# Usage: check_inspect.sh BUILD_DIR SNAPSHOT [--update]
set -euo pipefail
build_dir=$1 snapshot=$2
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
actual=$(gst-inspect-1.0 ditstreamsrc | sed -e "s|${build_dir}|@BUILD_DIR@|g" -e "s|${source_dir}|@SOURCE_DIR@|g")
if [[ ${3:-} == --update ]]; then
  printf '%s\n' "$actual" > "$snapshot"
  exit 0
fi
diff -u "$snapshot" <(printf '%s\n' "$actual")
