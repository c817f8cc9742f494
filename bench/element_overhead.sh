#!/usr/bin/env bash
# The element's end-to-end fps through `ditstreamsrc ! fakesink` against the core generator on
# the same windows, in one run. Usage: bench/element_overhead.sh [ditstream-bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
GST_PLUGIN_PATH="$PWD/build/gst-plugins" GST_REGISTRY="$PWD/build/gst-registry.bin" \
  build/bench/ditstream-bench --scenario element "$@"
