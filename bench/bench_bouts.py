"""Benchmark: the bout analysis against ``analyze_pose`` on a 1-hour, 30 fps pose file.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_bouts.py``. The motion is
minimum-jerk bouts (:func:`openfield.synthetic.make_bout_plan`) with 0.03 cm
of tracking jitter; the pose has 20 body parts like ``bench_kinematics.py``.
Prints the median time of ``analyze_pose`` and of the bout stage (noise
estimate, RTS smoothing, speed, bouts, summary, in-bout mask) and their ratio;
the RTS smoothing replaces the Savitzky-Golay smoothing inside
``analyze_pose``, so the ratio bounds what the bout analysis adds.
"""

from __future__ import annotations

import platform
import time

import numpy as np

from openfield import bouts, cleaning, smoothing, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.io import from_numpy
from openfield.kinematics import KinematicsConfig, analyze_pose, speed_acceleration

FPS = 30.0
ARENA = (40.0, 40.0)


def make_pose(hours: float = 1.0, n_parts: int = 20, seed: int = 0):
    """A pose dataset of minimum-jerk bouts, 0.03 cm jitter, and the track in cm."""
    plan, start = synthetic.make_bout_plan(hours * 3600, ARENA, seed=seed)
    traj = synthetic.bouts_trajectory(plan, FPS, start)
    rng = np.random.default_rng(seed)
    traj[["x_cm", "y_cm"]] += rng.normal(0, 0.03, (len(traj), 2))
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    base = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    pos = base.position.values[..., 0].transpose(0, 2, 1)
    extra = n_parts - pos.shape[1]
    position = np.concatenate([pos, pos[:, 1:2, :] + rng.normal(0, 5, (len(pos), extra, 2))], axis=1)
    conf = np.maximum(rng.uniform(0.3, 1.0, position.shape[:2]), 0.7)
    names = [str(k) for k in base.keypoints.values] + [f"part{i}" for i in range(extra)]
    return from_numpy(position, conf, names, fps=FPS, scorer="bench"), traj[["x_cm", "y_cm"]].to_numpy()


def timeit(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bout_stage(xy_cm: np.ndarray) -> dict:
    noise = smoothing.estimate_noise_cm(xy_cm, FPS)
    smooth = smoothing.smooth_track(xy_cm, FPS, noise)
    speed, acc = speed_acceleration(smooth, FPS)
    bounds = bouts.find_bouts(speed, FPS)
    table = bouts.bout_table(speed, FPS, acc, smooth, bounds=bounds)
    bouts.in_bout_mask(bounds, len(speed))
    return bouts.summarize_bouts(table, has_zones=False)


def accuracy(seed: int = 1) -> None:
    """Bout measures against the analytic truth: 120 s of minimum-jerk bouts, 0.03 cm jitter,
    3% dropped frames, at 25/30/60 fps and 5/15 px/cm (as ``tests/test_unit/test_bouts.py``)."""
    plan, start = synthetic.make_bout_plan(120.0, seed=seed)
    truth = bouts.summarize_bouts(synthetic.bouts_truth(plan, start))
    dist = synthetic.bouts_truth(plan, start).distance_cm.sum()
    keys = list(bouts.SUMMARY_COLUMNS[1:5])
    print(f"truth: {truth['locomotor_bouts']} bouts, " + ", ".join(f"{k} {truth[k]:.1f}" for k in keys))
    for fps in (25.0, 30.0, 60.0):
        for ppc in (5.0, 15.0):
            traj = synthetic.bouts_trajectory(plan, fps, start)
            xy = synthetic.observe_track(traj, ppc, 0.03, 0.03, seed=int(fps + ppc)) / ppc
            noise = smoothing.estimate_noise_cm(xy, fps)
            filled, _ = cleaning.interpolate_gaps(xy, int(round(0.5 * fps)))
            sm = smoothing.smooth_track(filled, fps, noise)
            speed, acc = speed_acceleration(sm, fps)
            table = bouts.bout_table(speed, fps, acc, sm)
            s = bouts.summarize_bouts(table)
            errs = " ".join(f"{100 * (s[k] / truth[k] - 1):+5.1f}%" for k in keys)
            print(f"{fps:4.0f} fps {ppc:4.0f} px/cm: noise {noise:.4f} cm, {s['locomotor_bouts']} bouts, "
                  f"acc/dec/peak acc/peak dec {errs}, distance {100 * (table.distance_cm.sum() / dist - 1):+.1f}%")


def main() -> None:
    ds, xy = make_pose()
    n = ds.sizes["time"]
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"frames: {n} ({n / FPS / 3600:.2f} h at {FPS:g} fps), body parts: {ds.sizes['keypoints']}")
    t_pose = timeit(lambda: analyze_pose(ds, cal, KinematicsConfig()))
    t_rts = timeit(lambda: smoothing.smooth_track(xy, FPS, smoothing.estimate_noise_cm(xy, FPS)))
    t_bouts = timeit(lambda: bout_stage(xy))
    # what the stage replaces inside analyze_pose: its Savitzky-Golay smoothing and speed
    t_old = timeit(lambda: speed_acceleration(cleaning.smooth(xy, cleaning.window_frames(0.25, FPS, 2), 2), FPS))
    s = bout_stage(xy)
    print(f"analyze_pose: {t_pose * 1000:.0f} ms")
    print(f"noise estimate + RTS smoothing: {t_rts * 1000:.0f} ms")
    print(f"bout stage (noise, RTS, speed, bouts, summary, mask): {t_bouts * 1000:.0f} ms "
          f"= {100 * t_bouts / t_pose:.0f}% of analyze_pose; {s['locomotor_bouts']} bouts")
    print(f"Savitzky-Golay smoothing + speed it replaces: {t_old * 1000:.0f} ms; "
          f"added: {(t_bouts - t_old) * 1000:.0f} ms = {100 * (t_bouts - t_old) / t_pose:.0f}% of analyze_pose")


if __name__ == "__main__":
    accuracy()
    main()
