"""Benchmark: kinematics of a 1-hour, 30 fps pose file with 20 body parts.

Run: ``.venv/bin/python bench/bench_kinematics.py``. Prints the time of each
step (median of repeats); results go to bench/RESULTS.md by hand, with the
machine and date.
"""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from openfield import synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.io import from_numpy, read_dlc, write_dlc_csv
from openfield.io.pose import to_dlc_dataframe
from openfield.kinematics import KinematicsConfig, analyze_pose

FPS = 30.0
ARENA = (40.0, 40.0)


def make_pose(hours: float = 1.0, n_parts: int = 20, seed: int = 0):
    traj = synthetic.make_trajectory(FPS, hours * 3600, ARENA, seed=seed)
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    base = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    rng = np.random.default_rng(seed)
    pos = base.position.values[..., 0].transpose(0, 2, 1)  # (T, K, 2)
    extra = n_parts - pos.shape[1]
    jitter = pos[:, 1:2, :] + rng.normal(0, 5, (len(pos), extra, 2))
    position = np.concatenate([pos, jitter], axis=1)
    conf = rng.uniform(0.3, 1.0, position.shape[:2])
    conf[:, :7] = np.maximum(conf[:, :7], 0.7)
    names = [str(k) for k in base.keypoints.values] + [f"part{i}" for i in range(extra)]
    return from_numpy(position, conf, names, fps=FPS, scorer="bench")


def timeit(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    ds = make_pose()
    n = ds.sizes["time"]
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    cfg = KinematicsConfig()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"frames: {n} ({n / FPS / 3600:.2f} h at {FPS:g} fps), body parts: {ds.sizes['keypoints']}")
    t = timeit(lambda: analyze_pose(ds, cal, cfg))
    print(f"analyze_pose (clean + kinematics + zones + summary): {t * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        csv = write_dlc_csv(ds, Path(tmp) / "p.csv")
        h5 = Path(tmp) / "p.h5"
        to_dlc_dataframe(ds).to_hdf(h5, key="df_with_missing")
        print(f"read_dlc .h5: {timeit(lambda: read_dlc(h5, FPS), 3) * 1000:.0f} ms")
        print(f"read_dlc .csv: {timeit(lambda: read_dlc(csv, FPS), 3) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
