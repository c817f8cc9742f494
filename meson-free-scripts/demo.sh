#!/usr/bin/env bash
# The main job: installs what is missing, builds, and renders demo.y4m with the embedded tiny
# model from pipelines/demo_prompts.txt (DiTCtrl transitions between three prompts).
set -euo pipefail
cd "$(dirname "$0")/.."

meson-free-scripts/setup.sh
meson-free-scripts/build.sh
build/core/ditstream render --prompts pipelines/demo_prompts.txt --steps 20 --output demo.y4m "$@"
