#!/usr/bin/env bash
# Memory flatness over a long stream: N windows (default 1200, about 30 minutes with the tiny
# model on two cores) with a prompt change every third window; writes bench/out/long.jsonl and
# plots per-window time and resident memory to bench/out/long.png.
# Usage: bench/long_run.sh [WINDOWS] [ditstream-bench options]   (the plot needs python3-matplotlib)
set -euo pipefail
cd "$(dirname "$0")/.."
windows="${1:-1200}"
shift || true
mkdir -p bench/out
: > bench/out/long.jsonl
build/bench/ditstream-bench --scenario transitions --windows "$windows" --warmup 20 \
  --label "long run, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --json bench/out/long.jsonl "$@" | tee bench/out/long.md
if /usr/bin/python3 -c 'import matplotlib' 2> /dev/null; then
  bench/plot_run.py bench/out/long.jsonl bench/out/long.png
else
  echo "no plot: apt-get install python3-matplotlib, then bench/plot_run.py bench/out/long.jsonl OUT.png"
fi
