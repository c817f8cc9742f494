#!/usr/bin/env bash
# The main job: installs what is missing, builds, and renders demo.mp4 through the GStreamer
# element (ditstreamsrc, embedded shapes-demo model) from pipelines/demo_prompts.txt: three prompts,
# two DiTCtrl prompt changes. Extra arguments are ditstreamsrc properties (e.g. steps=8).
set -euo pipefail
cd "$(dirname "$0")/.."

meson-free-scripts/setup.sh
meson-free-scripts/build.sh
# 144 frames = 18 s at 8/1: the prompts at 0, 6 and 12 s each get their windows.
NUM_BUFFERS="${NUM_BUFFERS:-144}" STEPS="${STEPS:-20}" SRC_EXTRA="$*" \
  pipelines/render_mp4.sh demo.mp4
gst-discoverer-1.0 demo.mp4 | grep -E "Duration|Width|Height|Frame rate"
