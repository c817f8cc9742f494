#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with ctest.
# Tests that need ../shared (reference fixtures) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

meson-free-scripts/setup.sh
meson-free-scripts/build.sh
# The core-only configuration of a bare CUDA machine (README, "CUDA build") must stay valid. It is
# configured, not built: building core again would cost CI about 25 minutes on two cores.
cmake -S . -B build/core-only -G Ninja -DCMAKE_BUILD_TYPE=Release -DDITSTREAM_BUILD_ELEMENT=OFF \
  > build/core-only.log || { cat build/core-only.log; exit 1; }
source meson-free-scripts/cpu_env.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
