#!/usr/bin/env bash
# Diffs the plugin's hotdoc cache (gst-plugin/plugins_cache.py) against the committed one, as
# GStreamer's modules check theirs. Usage: check_plugins_cache.sh BUILD_DIR CACHE [--update]
set -euo pipefail
build_dir=$1 cache=$2
/usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' 2> /dev/null \
  || { echo "skip: python3-gst-1.0 is not installed"; exit 77; }
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
/usr/bin/python3 "$(dirname "$0")/../../gst-plugin/plugins_cache.py" "$build_dir" "$actual"
if [[ ${3:-} == --update ]]; then
  cp "$actual" "$cache"
  exit 0
fi
diff -u "$cache" "$actual"
