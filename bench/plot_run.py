#!/usr/bin/python3
"""Plots per-window time and resident memory from ditstream-bench JSON lines to a PNG.

usage: bench/plot_run.py RUN.jsonl OUT.png [--variant NAME]
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl")
    parser.add_argument("png")
    parser.add_argument("--variant", help="plot only this variant")
    args = parser.parse_args()
    runs = {}
    with open(args.jsonl) as f:
        for line in f:
            row = json.loads(line)
            if args.variant and row["variant"] != args.variant:
                continue
            runs.setdefault(row["variant"], []).append(row)
    if not runs:
        raise SystemExit(f"{args.jsonl}: no windows to plot")
    fig, (time_ax, mem_ax) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    for name, rows in runs.items():
        windows = [r["window"] for r in rows]
        time_ax.plot(windows, [r["seconds"] for r in rows], label=name, linewidth=0.8)
        mem_ax.plot(windows, [r["resident_mb"] for r in rows], label=name, linewidth=0.8)
    first = next(iter(runs.values()))[0]
    time_ax.set_title(f"{first['model']} · {first['device']} {first['dtype']} · "
                      f"{first['steps']} steps · {first['label']}", fontsize=9)
    time_ax.set_ylabel("seconds per window")
    mem_ax.set_ylabel("resident MB")
    mem_ax.set_xlabel("window")
    time_ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.png, dpi=110)
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
