"""Benchmark: ``openfield kinematics`` on a 1-hour, 30-fps pose file with 20 body parts, against reading it.

Run: ``.venv/bin/python bench/bench_kinematics.py [--repeat N]``. Writes the file once (DeepLabCut CSV,
108,000 frames), then in one run times (median of ``--repeat``):

- the bare pandas read of the same file, ``pd.read_csv(path, header=[0, 1, 2], index_col=0)``, in this process;
- the same read as a fresh ``python -c`` process (interpreter and pandas import included);
- the whole command, ``python -m openfield kinematics FILE --arena-from-bodyparts ... -o OUT --overwrite``,
  as a fresh process (imports, reading, cleaning, smoothing, bouts, the per-frame table, the summary and the
  four plots);
- ``analyze_pose`` alone, and the bout analysis alone (``bouts.find_bouts`` + ``bouts.bout_table`` on its
  speed), in this process.

It prints the ratios of issue 14 (command / bare read, limit 3, goal 2) and issue 12 (bout analysis /
``analyze_pose``, limit 20%), with the machine and the date, for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from openfield import bouts, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.io import from_numpy, write_dlc_csv
from openfield.kinematics import KinematicsConfig, analyze_pose

FPS = 30.0
ARENA = (40.0, 40.0)
REPO = Path(__file__).resolve().parents[1]


def make_pose(hours: float = 1.0, n_parts: int = 20, seed: int = 0):
    """A pose dataset: minimum-jerk bouts through a tilted camera, plus jittering extra body parts."""
    traj = synthetic.make_trajectory(FPS, hours * 3600, ARENA, seed=seed, motion="minimum_jerk")
    rng = np.random.default_rng(seed)
    traj[["x_cm", "y_cm"]] += rng.normal(0.0, 0.03, (len(traj), 2))
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    base = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    pos = base.position.values[..., 0].transpose(0, 2, 1)  # (T, K, 2)
    extra = n_parts - pos.shape[1]
    jitter = pos[:, 1:2, :] + rng.normal(0, 5, (len(pos), extra, 2))
    position = np.concatenate([pos, jitter], axis=1)
    conf = rng.uniform(0.3, 1.0, position.shape[:2])
    conf[:, :7] = np.maximum(conf[:, :7], 0.7)
    names = [str(k) for k in base.keypoints.values] + [f"part{i}" for i in range(extra)]
    return from_numpy(position, conf, names, fps=FPS, scorer="bench")


def timeit(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls (s)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--hours", type=float, default=1.0)
    args = parser.parse_args()
    ds = make_pose(args.hours)
    n = ds.sizes["time"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "MPLBACKEND": "Agg"}
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; machine: "
          f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"python {platform.python_version()}")
    print(f"frames: {n} ({n / FPS / 3600:.2f} h at {FPS:g} fps), body parts: {ds.sizes['keypoints']}")
    with tempfile.TemporaryDirectory() as tmp:
        csv = write_dlc_csv(ds, Path(tmp) / "bench.csv")
        print(f"file: {csv.stat().st_size / 1e6:.0f} MB")
        bare = timeit(lambda: pd.read_csv(csv, header=[0, 1, 2], index_col=0), args.repeat)
        read_code = f"import pandas as pd; pd.read_csv({str(csv)!r}, header=[0, 1, 2], index_col=0)"
        bare_proc = timeit(lambda: subprocess.run([sys.executable, "-c", read_code], check=True, env=env),
                           args.repeat)
        cmd = [sys.executable, "-m", "openfield", "kinematics", str(csv), "--arena-from-bodyparts", "tl", "tr",
               "br", "bl", "--arena-size-cm", *map(str, ARENA), "--fps", str(FPS), "-o", str(Path(tmp) / "out"),
               "--overwrite"]
        cli = timeit(lambda: subprocess.run(cmd, check=True, env=env, stderr=subprocess.DEVNULL), args.repeat)
        cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
        res = analyze_pose(ds, cal, KinematicsConfig())
        analyze = timeit(lambda: analyze_pose(ds, cal, KinematicsConfig()), args.repeat)
        speed, acc = res["speed"].values, res["acceleration"].values
        xy = res["reference_position"].transpose("time", "space").values

        def bout_analysis() -> None:
            b = bouts.find_bouts(speed, FPS, res["moving"].values)
            bouts.bout_table(speed, FPS, acc, xy, res["zone"].values, bounds=b)

        bout_t = timeit(bout_analysis, args.repeat)
    print(f"bare pandas read (in process): {bare:.2f} s; as a fresh process: {bare_proc:.2f} s")
    print(f"openfield kinematics (fresh process, 4 plots, CSV table): {cli:.2f} s")
    print(f"ratio command / bare read: {cli / bare:.2f} (in-process read), {cli / bare_proc:.2f} (process read); "
          "issue 14: <= 3, goal 2")
    print(f"analyze_pose: {analyze:.2f} s, of which the bout analysis ~{bout_t:.3f} s "
          f"({100 * bout_t / analyze:.1f}% of analyze_pose; issue 12: <= 20%)")


if __name__ == "__main__":
    main()
