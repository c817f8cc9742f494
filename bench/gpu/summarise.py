#!/usr/bin/env python3
"""One markdown table from what bench/gpu/check.sh left in OUT (also from a cut run).

usage: summarise.py OUT
"""
import json
import pathlib
import re
import statistics
import sys


def read(out, name):
    path = out / name
    return path.read_text(errors="replace") if path.exists() else ""


def stage_rows(out):
    rows = []
    for line in read(out, "stages.tsv").splitlines():
        name, status, seconds = line.split("\t")
        verdict = "ok" if status == "0" else "timed out" if status in ("124", "137") else f"exit {status}"
        rows.append((f"stage {name}", f"{seconds} s, {verdict}"))
    return rows


def step_rows(out, log="step.log", name="CogVideoX-2B"):
    match = re.search(r"^\| ([\d.]+) \(([\d.]+)–([\d.]+)\) \| ([\d.]+) \| ([\d.e+]+) \| ([\d.e+]+) \| "
                      r"([\d.e+]+) \| (\d+) % \|", read(out, log), re.M)
    if not match:
        return [(f"{name} transformer step", "not measured")]
    step, low, high, window, _, achieved, peak, share = match.groups()
    return [(f"{name} transformer step, CFG batch 2 (s, median of 3)", f"{step} ({low}–{high})"),
            (f"{name} achieved / bf16 matmul peak (TFLOP/s)", f"{achieved} / {peak} ({share} %)"),
            (f"{name}: 50 steps of the transformer alone (s)", window)]


def wan_step_rows(out):
    return step_rows(out, "wan_step.log", "Wan2.1-1.3B (832x480, 21 latent frames)")


def window_rows(out):
    log = read(out, "window.log")
    load = re.search(r"loaded model in ([\d.]+) s", log)
    render = re.search(r"rendered in ([\d.]+) s", log)
    rows = [("model load (s)", load.group(1) if load else "not measured")]
    rows.append(("one window, 8 steps, 49 frames incl. T5 and decode (s)",
                 render.group(1) if render else "not measured"))
    if load and render:
        rows.append(("process start to first frame, CLI (s)",
                     f"{float(load.group(1)) + float(render.group(1)):.2f}"))
    return rows


def stream_rows(out):
    windows = [json.loads(line) for line in read(out, "stream.jsonl").splitlines() if line]
    rows = []
    for variant in ("deferred-no-kv", "deferred", "mask-guided"):
        mine = [w for w in windows if w["variant"] == variant]
        measured = [w["seconds"] for w in mine if w["window"] >= 1]
        if not mine:
            rows.append((f"stream {variant}", "not measured"))
            continue
        rows.append((f"stream {variant}: first frame after construction (s)",
                     f"{mine[0]['since_start']:.2f}"))
        rows.append((f"stream {variant}: s/window after the first, 8 steps",
                     f"{statistics.median(measured):.2f}" if measured else "not measured"))
        rows.append((f"stream {variant}: VAE decode per window (s)",
                     f"{statistics.median(w['stage_decode'] for w in mine):.2f}"))
    return rows


def causal_rows(out):
    """The causal bench's own table (bench/causal_stream.cpp), row by row."""
    rows = []
    for line in read(out, "causal.log").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("measure", "---"):
            rows.append((f"causal 1.3B 832x480 bf16: {cells[0]}", cells[1]))
    return rows or [("causal 1.3B 832x480 bf16", "not measured")]


def memory_rows(out):
    samples = [int(v) for v in read(out, "gpu_memory_mib.txt").split() if v.isdigit()]
    return [("peak GPU memory (GiB, nvidia-smi every 250 ms)",
             f"{max(samples) / 1024:.1f}" if samples else "not measured")]


def test_rows(out):
    match = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", read(out, "gpu_tests.log"))
    return [("gpu tests", f"{int(match.group(3)) - int(match.group(2))} of {match.group(3)} passed"
             if match else "not run")]


def nccl_rows(out):
    backend = re.search(r"c10d NCCL backend: (.*)", read(out, "configure.log"))
    log = read(out, "nccl.log")
    passed = re.search(r"\[  PASSED  \] (\d+) test", log)
    skipped = re.search(r"\[  SKIPPED \] (\d+) test", log)
    counts = (f"{passed.group(1) if passed else 0} passed, {skipped.group(1) if skipped else 0} "
              "skipped" if log else "not run")
    rows = [("c10d NCCL backend", backend.group(1) if backend else "not found at configure"),
            ("parallel-on-CUDA tests (NCCL at world size 1)", counts)]
    for what, value in re.findall(r"^(.*) over NCCL: relative difference (\S+)", log, re.M):
        rows.append((f"NCCL {what} vs no group (relative)", value))
    return rows


def mean_window_seconds(out, name):
    rows = [json.loads(line) for line in read(out, name).splitlines() if line]
    warm = [r["seconds"] for r in rows if r["window"] >= 1]
    return sum(warm) / len(warm) if warm else None


def cfg_rows(out):
    one, two = (mean_window_seconds(out, f"cfg_{n}.jsonl") for n in ("one", "two"))
    if one is None:
        return []
    rows = [("2B window, 20 steps, 1 GPU (s)", f"{one:.2f}")]
    if two is not None:
        rows += [("2B window, 20 steps, parallel=cfg on 2 GPUs over NCCL (s)", f"{two:.2f}"),
                 ("parallel=cfg speed-up, 2 GPUs vs 1", f"{one / two:.2f}x")]
    return rows


def main(out):
    out = pathlib.Path(out)
    print(" · ".join(read(out, "machine.txt").split("\n")).strip(" ·"))
    print()
    print("| measure | value |")
    print("|---|---|")
    for producer in (stage_rows, test_rows, nccl_rows, step_rows, wan_step_rows, window_rows,
                     stream_rows, cfg_rows, causal_rows, memory_rows):
        for name, value in producer(out):
            print(f"| {name} | {value} |")
    print(f"\n{read(out, 'total.txt').strip()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
