"""Benchmark: what two processes get from this machine's two cores (the ceiling of ``--jobs 2``; issue 14).

Run from the repository root::

    python bench/bench_cores.py [--repeat 5]

Times the same CPU-bound work alone and in two processes at once (forked,
started together): pure Python (an integer loop, what the tracker's and the
pipeline's interpreter-bound parts are like) and numpy (sorting rows of a
400 x 400 array). With two independent cores each process of the pair takes
as long as one alone and the pair does twice the work; a virtual machine whose
two cores share a physical core, or slow down when both are busy, gives less.
Prints the throughput of two processes over one (best of ``--repeat`` rounds,
alternating), with the machine and date, for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import time

import numpy as np


def python_work(_: int = 0) -> float:
    """Seconds of a pure-Python integer loop."""
    t0 = time.perf_counter()
    total = 0
    for i in range(6_000_000):
        total += i * i
    return time.perf_counter() - t0


def numpy_work(_: int = 0) -> float:
    """Seconds of sorting the rows of a 400 x 400 array 300 times."""
    a = np.random.default_rng(0).random((400, 400))
    t0 = time.perf_counter()
    for _ in range(300):
        a = np.sort(a, axis=1)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| work | one process alone, s | each of two at once, s | throughput of two / one |\n|---|---|---|---|")
    with mp.get_context("fork").Pool(2) as pool:
        for work in (python_work, numpy_work):
            alone, pair = [], []
            for _ in range(args.repeat):
                alone.append(work())
                pair.append(max(pool.map(work, [0, 1], chunksize=1)))
            print(f"| {work.__name__} | {min(alone):.3f} | {min(pair):.3f} | {2 * min(alone) / min(pair):.2f} |")


if __name__ == "__main__":
    main()
