#!/usr/bin/env bash
# Configures and builds ditstream in build/ (Release); generates the embedded tiny model.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
# Each libtorch translation unit needs ~1.5 GB of RAM to compile; two jobs suit two cores.
cmake --build build -j "${DITSTREAM_BUILD_JOBS:-$(nproc)}"
