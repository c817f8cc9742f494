#!/usr/bin/env bash
# Runs every bench scenario once on this machine and writes the markdown tables to
# bench/out/tables.md and one JSON line per window to bench/out/run.jsonl. Ratios between rows of
# one run are what to compare; absolute times move with the machine's load.
# Usage: bench/run.sh [ditstream-bench options, e.g. --steps 20 --windows 12 --threads 2]
# (after meson-free-scripts/build.sh; the mid-size model is generated on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
bench=build/bench/ditstream-bench
mid=build/models/mid
label="commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
json="$out/run.jsonl"
: > "$json"
[ -f "$mid/model_index.json" ] ||
  build/core/ditstream make-tiny "$mid" --layers 8 --heads 8 --head-dim 64 > /dev/null
{
  for scenario in steady transitions ablation; do
    "$bench" --scenario "$scenario" --label "$label" --json "$json" "$@"
    echo
  done
  # 8 layers of width 512: compute-bound, ~5 s per step on 2 cores, so fewer windows and steps.
  "$bench" --model "$mid" --scenario steady --windows 4 --warmup 1 --steps 10 \
    --label "$label, mid-size" --json "$json"
  echo
  bench/element_overhead.sh "$@"
} | tee "$out/tables.md"
