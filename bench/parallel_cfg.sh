#!/usr/bin/env bash
# CFG-parallel against one process, on the mid-size model (8 layers, width 512), in one run:
# 1 process x 1 thread, parallel=cfg with 2 ranks x 1 thread, 1 process x 2 threads. Prints
# each run's table and the ratios of seconds per window (warm-up excluded).
# Usage: bench/parallel_cfg.sh [--windows N (3)] [--steps N (10)]   (the machine to itself)
set -euo pipefail
cd "$(dirname "$0")/.."
bench=build/bench/ditstream-bench
mid=build/models/mid
out=bench/out/parallel_cfg
mkdir -p "$out"
[ -f "$mid/model_index.json" ] ||
  build/core/ditstream make-tiny "$mid" --layers 8 --heads 8 --head-dim 64 > /dev/null
common=(--model "$mid" --scenario steady --windows 3 --warmup 1 --steps 10 "$@")
run() {  # run NAME OPTIONS...: the table, and its mean seconds per window
  local name=$1
  shift
  "$bench" "${common[@]}" --label "$name" --json "$out/$name.jsonl" "$@" | tee "$out/$name.md" >&2
  python3 - "$out/$name.jsonl" << 'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
warm = [r for r in rows if r["window"] >= 1]
print(sum(r["seconds"] for r in warm) / len(warm))
PY
}
rm -f "$out"/*.jsonl
one=$(run one-1thread --threads 1)
cfg=$(run cfg-2x1thread --threads 1 --parallel cfg)
two=$(run one-2threads --threads 2)
python3 - "$one" "$cfg" "$two" << 'PY'
import sys
one, cfg, two = map(float, sys.argv[1:4])
print(f"| run | s/window | speed-up of cfg |\n|---|---|---|")
print(f"| 1 process x 1 thread | {one:.2f} | {one / cfg:.2f}x |")
print(f"| 1 process x 2 threads | {two:.2f} | {two / cfg:.2f}x |")
print(f"| parallel=cfg, 2 ranks x 1 thread | {cfg:.2f} | |")
PY
