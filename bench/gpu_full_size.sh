#!/usr/bin/env bash
# CogVideoX-2B's transformer at full size (30 layers, 30 heads x 64, 13 latent frames of 60x90 =
# 480x720 video) with random weights on a CUDA GPU: seconds per step and per 50-step window, and
# TFLOP/s against the measured bf16 matmul peak. Builds against the machine's PyTorch libtorch
# in build-gpu/ (torch >= 2 also compiles the fused attention path).
# Usage: bench/gpu_full_size.sh [extra ditstream-bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
  > build-gpu.log
cmake --build build-gpu --target ditstream-bench >> build-gpu.log
echo "$(date -u +%F) $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
build-gpu/bench/ditstream-bench --scenario transformer --device cuda --dtype bf16 --steps 50 \
  --reps 5 "$@"
