#!/usr/bin/env bash
# Configures and builds ditstream in build/ (Release); generates the embedded tiny model.
# --torch DIR: build against that libtorch (a PyTorch install's cmake prefix, e.g. $(python3 -c
# 'import torch; print(torch.utils.cmake_prefix_path)'), or an unpacked libtorch archive) instead
# of Debian's; CMAKE_PREFIX_PATH in the environment works too. Other arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
while (($#)); do
  case "$1" in
    --torch) args+=("-DCMAKE_PREFIX_PATH=${2:?--torch needs a folder}"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${args[@]}"
# Each libtorch translation unit needs ~1.5 GB of RAM to compile; two jobs suit two cores.
cmake --build build -j "${DITSTREAM_BUILD_JOBS:-$(nproc)}"
