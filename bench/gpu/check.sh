#!/usr/bin/env bash
# The GPU check for a bare CUDA machine (../shared/GPU.md), at most 5½ minutes on one H100/H200
# with the build: builds core-only against the machine's PyTorch, runs the gpu tests, and measures
# one of two sets (CHECK=causal, the default, or CHECK=windowed), with the peak GPU memory:
# - causal: a random Wan2.1-1.3B folder; the Wan step; the causal generator at 832x480, bf16,
#   4 steps (Self-Forcing's settings): chunk costs and fps over as many chunks as fit, memory,
#   and a prompt switch by each method;
# - windowed: a random CogVideoX-2B folder; the step (TFLOP/s against the bf16 matmul peak of the
#   same run), a window, and the stream at 8 steps with KV-sharing off / on / mask-guided and
#   with the decode overlapped; on 2+ GPUs, windows at 20 steps with parallel=cfg over NCCL
#   against one GPU.
# Both sets start with the gpu tests and c10d's NCCL backend at world size 1 (test_cuda_parallel).
# Each stage writes its results into OUT as soon as it has them and has its own time limit (at
# most 320 s in all for causal, 305 s for windowed and 120 s more on 2+ GPUs), so a cut run keeps
# what it measured. summary.md at the end.
#
# Before, on the Debian machine: bench/gpu/fetch_deps.sh (makes build-deps/). Then here:
#   bench/gpu/check.sh [OUT (default $OUT or gpu-check)]
# Environment: CHECK (causal | windowed), PYTHON (default python3, the interpreter with torch),
# JOBS (default nproc).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "${1:-${OUT:-gpu-check}}")
deps=$PWD/build-deps
python=${PYTHON:-python3}
mkdir -p "$out"
export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:$deps/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export DITSTREAM_GOLDEN_DIR=$deps/golden
began=$(date +%s)

# stage NAME SECONDS COMMAND...: runs COMMAND with a time limit, output in OUT/NAME.log, and
# records NAME's exit status and seconds in OUT/stages.tsv.
stage() {
  local name=$1 limit=$2 start=$(date +%s) status
  shift 2
  echo "== $name (limit ${limit}s)"
  # timeout runs programs, not this script's functions: a bash that has them (export -f) runs it.
  timeout --kill-after=5 "$limit" bash -c '"$@"' "$name" "$@" > "$out/$name.log" 2>&1
  status=$?
  printf '%s\t%s\t%s\n' "$name" "$status" "$(($(date +%s) - start))" >> "$out/stages.tsv"
  tail -3 "$out/$name.log"
  return $status
}

machine() {
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
  echo "cpus $(nproc)"
}

configure() {
  local torch_dir prefix abi
  torch_dir=$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))') || return 1
  prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  abi=$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  local common=(-S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DDITSTREAM_BUILD_ELEMENT=OFF
    -DDITSTREAM_NCCL=ON -DDITSTREAM_TINY_TOKENIZER="$deps/tiny-spiece.model"
    -DDITSTREAM_SHARED_DIR="$deps")
  cmake "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix;$deps/usr" && return 0
  echo "find_package(Torch) failed: libtorch by hand from $torch_dir"
  rm -rf build-gpu
  cmake "${common[@]}" -DCMAKE_PREFIX_PATH="$deps/usr" -DDITSTREAM_TORCH_DIR="$torch_dir" \
    -DDITSTREAM_TORCH_CXX11_ABI="$abi"
}

# -k 0: a backend that fails to compile leaves the rest built for the retry without it.
build() {
  cmake --build build-gpu -j "${JOBS:-$(nproc)}" -- -k 0 ditstream ditstream-bench \
    test_cuda_window test_cuda_goldens test_cuda_stream test_cuda_training test_cuda_causal \
    test_cuda_parallel
}

bench() { build-gpu/bench/ditstream-bench "$@"; }
export -f configure build bench
export deps python

machine > "$out/machine.txt" 2>&1
cat "$out/machine.txt"
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$out/gpu_memory_mib.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT

windowed() {
  local model=$out/cogvideox-2b
  stage make_random 25 build-gpu/core/ditstream make-random "$model" --preset cogvideox-2b \
    --text-layers 2 --dtype bf16
  stage info 10 build-gpu/core/ditstream info "$model"
  stage step 15 bench --scenario transformer --device cuda --dtype bf16 --steps 50 --reps 3
  stage window 15 build-gpu/core/ditstream render --model "$model" --device cuda --dtype bf16 \
    --prompt "a red fox running in the snow" --steps 8 --output "$out/window.y4m"
  rm -f "$out/window.y4m"
  stage stream 30 bench --model "$model" --scenario ablation \
    --variants deferred-no-kv,deferred,mask-guided,overlap-decode --windows 2 --warmup 1 --steps 8 \
    --device cuda --dtype bf16 --json "$out/stream.jsonl"
  [ "$(nvidia-smi -L | wc -l)" -ge 2 ] || return 0
  local steady=(--model "$model" --scenario steady --windows 3 --warmup 1 --steps 20 --device cuda
    --dtype bf16)
  stage cfg_one 60 bench "${steady[@]}" --json "$out/cfg_one.jsonl"
  stage cfg_two 60 bench "${steady[@]}" --parallel cfg --json "$out/cfg_two.jsonl"
}

# 90 chunks = 1077 video frames, past frame 1024; the stage limit cuts a slow machine's run.
causal() {
  local model=$out/wan2.1-1.3b
  stage make_random_wan 25 build-gpu/core/ditstream make-random "$model" --preset wan2.1-1.3b \
    --text-layers 2 --dtype bf16
  stage info_wan 10 build-gpu/core/ditstream info "$model"
  stage wan_step 15 bench --scenario transformer --family wan --device cuda --dtype bf16 \
    --steps 50 --reps 3
  stage causal 60 bench --model "$model" --scenario causal --device cuda --dtype bf16 \
    --width 832 --height 480 --chunks 90 --warmup 3 --windowed-windows 0 --switch-at 4
}

stage configure 20 configure || exit 1
if ! stage build 140 build; then  # the NCCL backend has only been compiled against libtorch 1.13
  cmake build-gpu -DDITSTREAM_NCCL=OFF > "$out/configure_without_nccl.log" 2>&1 || exit 1
  stage build_without_nccl 60 build || exit 1
fi
stage gpu_tests 40 ctest --test-dir build-gpu -L gpu -E "CudaNccl|CudaParallel" \
  -j "${JOBS:-$(nproc)}" --output-on-failure
stage nccl 20 build-gpu/tests/test_cuda_parallel  # its output: the parity figures
case "${CHECK:-causal}" in
  causal) causal ;;
  windowed) windowed ;;
  *) echo "CHECK must be causal or windowed" >&2; exit 2 ;;
esac
kill $sampler 2>/dev/null
echo "total $(($(date +%s) - began)) s" | tee "$out/total.txt"
"$python" bench/gpu/summarise.py "$out" | tee "$out/summary.md"
