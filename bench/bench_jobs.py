"""Benchmark: ``openfield run --jobs 2`` against ``--jobs 1`` on four synthetic videos (issue 14).

Run from the repository root::

    PYTHONPATH=src python bench/bench_jobs.py [--duration 30] [--size 480 360] [--repeat 1]

Renders four videos (30 fps, a dark or light mouse), then times the whole
command (``python -m openfield run FOLDER --arena-size-cm 40 40 --overwrite``,
a fresh interpreter, imports and the worker processes' start included) with
``--jobs 1`` and ``--jobs 2``, alternating, best of ``--repeat``; checks that
both give the same ``summary_all.csv``; prints the speed-up, the CPU time of
all the processes of each run (polled with psutil every 0.2 s, so the last
0.2 s of each process is missed) and the machine's load average.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

from openfield import synthetic


def render(folder: Path, duration_s: float, size: tuple[int, int]) -> None:
    for i in range(4):
        sv = synthetic.render_video(folder / "render", f"mouse{i}", fps=30, duration_s=duration_s, image_size=size,
                                    animal="dark" if i % 2 == 0 else "light", seed=100 + i)
        sv.video.rename(folder / sv.video.name)


def timed_run(folder: Path, out: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process under it, polled with psutil)."""
    cmd = [sys.executable, "-m", "openfield", "run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40",
           "--overwrite", "--jobs", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    top, cpu = psutil.Process(proc.pid), {}
    while proc.poll() is None:
        try:
            for p in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = p.cpu_times()
                    cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read()}")
    return seconds, sum(cpu.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per video")
    ap.add_argument("--size", type=int, nargs=2, default=(480, 360), metavar=("W", "H"))
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "videos"
        folder.mkdir()
        render(folder, args.duration, tuple(args.size))
        times: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for jobs in (1, 2):
                times[jobs].append(timed_run(folder, Path(tmp) / f"out{jobs}", jobs))
        pd.testing.assert_frame_equal(pd.read_csv(Path(tmp) / "out1" / "summary_all.csv"),
                                      pd.read_csv(Path(tmp) / "out2" / "summary_all.csv"))
    one, two = min(times[1]), min(times[2])
    print(f"4 videos of {args.duration:g} s, {args.size[0]}x{args.size[1]}, 30 fps; same summary_all.csv")
    print("| | wall | CPU (all processes) |\n|---|---|---|")
    print(f"| --jobs 1 | {one[0]:.1f} s | {one[1]:.1f} s |\n| --jobs 2 | {two[0]:.1f} s | {two[1]:.1f} s |")
    print(f"| speed-up (wall) | {one[0] / two[0]:.2f}x | |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
