"""Benchmark: the zones of an hour of pose at 30 fps (issue 21: under 1 s).

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_zones.py [--repeat N] [--whole]``. On a 108,000-frame
random walk in a 40-cm arena, with the six default zones of a rectangle plus a circle and a polygon from a
zones file, times (median of ``--repeat``):

- building the zones (:func:`openfield.arena.zones.arena_zones`);
- every zone's per-frame membership (:meth:`openfield.arena.zones.Zone.contains`) for the reference point and
  the head (16 calls), and every zone's entries and latency.

With ``--whole``, also ``analyze_pose`` + ``summarize`` on a pose of the same hour with and without the
custom zones (median of 3 after a warm-up; their difference is what the custom zones add). Prints the
machine and the date, for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time

import numpy as np

from openfield.arena import zones

FPS = 30.0
ARENA = (40.0, 40.0)
ZONES = {"units": "cm", "zones": [
    {"name": "object", "shape": "circle", "center": [30, 10], "radius": 4},
    {"name": "nest", "shape": "polygon", "points": [[4, 4], [22, 6], [18, 18], [8, 22], [3, 12]]},
]}


def walk(n: int, seed: int = 0) -> np.ndarray:
    """A reflected random walk in the arena (cm), ~10 cm/s."""
    rng = np.random.default_rng(seed)
    xy = 20 + np.cumsum(rng.normal(0, 10 / FPS, (n, 2)), axis=0)
    xy = np.abs(xy) % 80
    return np.where(xy > 40, 80 - xy, xy)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def zone_work(xy: np.ndarray, head: np.ndarray) -> None:
    zl = zones.arena_zones("rectangle", ARENA, 0.5, custom=zones.to_cm(zones.parse(ZONES)))
    known = np.isfinite(xy).all(axis=1)
    for z in zl:
        inside = z.contains(xy)
        z.contains(head)
        zones.entries_latency(inside, known, FPS)


def whole(hours: float) -> tuple[float, float]:
    import pandas as pd

    from openfield import synthetic
    from openfield.calibration import calibrate_from_bodyparts
    from openfield.kinematics import KinematicsConfig, analyze_pose, summarize

    n = int(hours * 3600 * FPS)
    xy = walk(n)
    heading = np.arctan2(*np.gradient(xy, axis=0)[:, ::-1].T)
    traj = pd.DataFrame({"x_cm": xy[:, 0], "y_cm": xy[:, 1], "heading_rad": heading})
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    summarize(analyze_pose(ds, cal, KinematicsConfig()))  # warm-up (imports, caches)
    plain = median_time(lambda: summarize(analyze_pose(ds, cal, KinematicsConfig())), 3)
    custom = median_time(lambda: summarize(analyze_pose(ds, cal, KinematicsConfig(zones=zones.parse(ZONES)))), 3)
    return plain, custom


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--whole", action="store_true", help="also time analyze_pose with and without the zones")
    args = ap.parse_args()
    n = int(3600 * FPS)
    xy, head = walk(n), walk(n, seed=1)
    t = median_time(lambda: zone_work(xy, head), args.repeat)
    print(f"{datetime.date.today()} {platform.node()} {platform.processor() or platform.machine()}")
    print(f"zones (6 defaults + circle + polygon) on {n} frames, body and head: {t:.3f} s (median of {args.repeat})")
    if args.whole:
        plain, custom = whole(1.0)
        print(f"analyze_pose + summarize, 1 h: {plain:.2f} s with the defaults, {custom:.2f} s with 2 custom zones")


if __name__ == "__main__":
    main()
