"""Benchmark: peak memory of ``openfield run`` on a 1-minute and a 10-minute synthetic video (issue 14).

Run from the repository root::

    PYTHONPATH=src python bench/bench_memory.py [--size 240 180] [--fps 20]

Renders the two videos (small frames, to keep it quick; the same arena and
mouse), runs ``python -m openfield run VIDEO --arena-size-cm 40 40 --jobs 1``
on each in a fresh child process, and reads the child's peak resident memory
from ``resource.getrusage(RUSAGE_CHILDREN)`` in a wrapper process of its own
(so the two peaks are not mixed). Prints both peaks and their ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openfield import synthetic

WRAPPER = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
           "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss_mib(video: Path, out: Path) -> tuple[float, float]:
    """(peak resident memory in MiB, wall seconds) of ``openfield run`` on one video."""
    cmd = [sys.executable, "-m", "openfield", "run", str(video), "-o", str(out), "--arena-size-cm", "40", "40",
           "--jobs", "1"]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    rc, kib = proc.stdout.split()
    if rc != "0":
        raise SystemExit(f"{' '.join(cmd)} failed (exit {rc})")
    return int(kib) / 1024, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, nargs=2, default=(240, 180), metavar=("W", "H"))
    ap.add_argument("--fps", type=float, default=20.0)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average: {os.getloadavg()[0]:.1f}")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (1, 10):
            sv = synthetic.render_video(Path(tmp) / f"v{minutes}", f"mouse_{minutes}min", fps=args.fps,
                                        duration_s=60 * minutes, image_size=tuple(args.size), seed=7)
            rows[minutes] = peak_rss_mib(sv.video, Path(tmp) / f"out{minutes}")
    print(f"{args.size[0]}x{args.size[1]}, {args.fps:g} fps, plots and report included")
    print("| video | peak RSS | wall |\n|---|---|---|")
    for minutes, (mib, seconds) in rows.items():
        print(f"| {minutes} min | {mib:.0f} MiB | {seconds:.0f} s |")
    print(f"| ratio 10 min / 1 min | {rows[10][0] / rows[1][0]:.3f} | |")


if __name__ == "__main__":
    main()
