#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with ctest.
# Tests that need ../shared (reference fixtures) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

meson-free-scripts/setup.sh
meson-free-scripts/build.sh
source meson-free-scripts/cpu_env.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
