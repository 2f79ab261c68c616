"""Bouts that cruise (issue 25): the figure of docs/bouts.md, the accuracy table, old vs new on real data.

Run: ``PYTHONPATH=src .venv/bin/python bench/bouts_cruise.py [FIG_DIR]``.

1. Accuracy: 120 s of minimum-jerk bouts cruising 0-3 s at their peak speed (peaks 14-24 cm/s, rise and
   fall 0.45-0.9 s; ``make_bout_plan(120, (120, 120), seed, ...)``, seeds 1-3) at 25, 30 and 60 fps, with
   and without 0.03 cm jitter (and 3% dropped frames), through noise estimate -> gap filling -> RTS ->
   speed -> bouts, the cruise band from the tracking noise; per condition the mean acceleration and
   deceleration against the analytic phases, new and old definitions, and the cruise-time errors.
2. Real data: OFT_38 (DeepLabCut pose, 25 fps, 42 x 42 cm from its corner points) and, when
   ``/tmp/bouts_m3v1`` holds ``openfield run ../shared/data/dlc_openfield/videos/m3v1mp4.mp4 -o
   /tmp/bouts_m3v1 --pose classic --arena-size-cm 48 32``, the DeepLabCut example video: the bout
   measures with the phases ending at the peaks (old) and at the cruise band (new).
3. With FIG_DIR: ``bouts_cruise.png``, one bout of (1) with its phases, the cruise band, and the old rise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from openfield import bouts, cleaning, smoothing, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.io import read_dlc
from openfield.io.calibration import read_calibration
from openfield.kinematics import reference_track, speed_acceleration

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
M3V1 = Path("/tmp/bouts_m3v1")
ARENA = (120.0, 120.0)
OLD = bouts.BoutConfig(cruise_band=0.0)  # the phases end at the first / start at the last peak


def plan(seed: int) -> tuple[list, tuple]:
    return synthetic.make_bout_plan(120.0, ARENA, seed=seed, peak_speed=(14.0, 24.0), phase_s=(0.45, 0.9),
                                    cruise_s=(0.0, 3.0))


def measure(xy_cm: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Noise -> gap filling -> RTS -> speed: (smoothed track, speed, acceleration, noise)."""
    noise = smoothing.estimate_noise_cm(xy_cm, fps)
    filled, _ = cleaning.interpolate_gaps(xy_cm, int(round(0.5 * fps)))
    sm = smoothing.smooth_track(filled, fps, noise)
    speed, acc = speed_acceleration(sm, fps)
    return sm, speed, acc, noise


def accuracy() -> None:
    rows = []
    for seed in (1, 2, 3):
        bout_plan, start = plan(seed)
        truth = synthetic.bouts_truth(bout_plan, start, 1.0)
        for fps in (25.0, 30.0, 60.0):
            for jitter, drop in ((0.0, 0.0), (0.03, 0.03)):
                traj = synthetic.bouts_trajectory(bout_plan, fps, start)
                xy = synthetic.observe_track(traj, 10.0, jitter, drop, seed=9) / 10.0
                sm, speed, acc, noise = measure(xy, fps)
                jit = bouts.speed_jitter_cm_s(noise, fps)
                new = bouts.bout_table(speed, fps, acc, sm, speed_jitter_cm_s=jit)
                old = bouts.bout_table(speed, fps, acc, sm, config=OLD, speed_jitter_cm_s=jit)
                err = new.cruise_s.to_numpy() - truth.cruise_s.to_numpy() if len(new) == len(truth) else np.nan
                rel = {k: t[c].mean() / truth[c].mean() - 1 for k, t in (("new", new), ("old", old))
                       for c in ("mean_acceleration_cm_s2",)}
                rows.append({
                    "seed": seed, "fps": fps, "jitter_cm": jitter, "bouts": f"{len(new)}/{len(truth)}",
                    "acc_new_%": 100 * rel["new"],
                    "dec_new_%": 100 * (new.mean_deceleration_cm_s2.mean() / truth.mean_deceleration_cm_s2.mean() - 1),
                    "acc_old_%": 100 * rel["old"],
                    "dec_old_%": 100 * (old.mean_deceleration_cm_s2.mean() / truth.mean_deceleration_cm_s2.mean() - 1),
                    "peak_acc_%": 100 * (new.peak_acceleration_cm_s2.mean() / truth.peak_acceleration_cm_s2.mean() - 1),
                    "cruise_err_mean_s": np.mean(err), "cruise_err_median_abs_s": np.median(np.abs(err)),
                    "bouts_cruise_err_over_0.2s": int(np.sum(np.abs(err) > 0.2)),
                    "cruise_err_max_s": np.max(np.abs(err)),
                })
    print(pd.DataFrame(rows).round(3).to_string(index=False))


def real(label: str, ds, cal, fps: float) -> dict:
    xy_px, lik, _ = reference_track(ds, None)
    xy_cm = cal.px_to_cm(cleaning.mask_low_likelihood(xy_px, lik, 0.6))
    xy_cm, _ = cleaning.remove_jumps(xy_cm, fps, 150.0)
    sm, speed, acc, noise = measure(xy_cm, fps)
    jit = bouts.speed_jitter_cm_s(noise, fps)
    moving = bouts.moving_mask(speed, fps, 2.0, 0.25)
    bounds = bouts.find_bouts(speed, fps, moving)
    out = {}
    for name, cfg in (("old", OLD), ("new", bouts.BoutConfig())):
        t = bouts.bout_table(speed, fps, acc, sm, moving=moving, bounds=bounds, config=cfg, speed_jitter_cm_s=jit)
        out[name] = t
    old, new = out["old"], out["new"]
    print(f"== {label}: {len(new)} bouts, noise {noise:.3f} cm, speed jitter {jit:.3f} cm/s, cruise band "
          f"{bouts.BoutConfig().cruise_band * jit:.2f} cm/s")
    rows = []
    for col in ("rise_s", "cruise_s", "fall_s", "mean_acceleration_cm_s2", "mean_deceleration_cm_s2",
                "peak_acceleration_cm_s2", "peak_deceleration_cm_s2"):
        o, n = old[col].to_numpy(float), new[col].to_numpy(float)
        rows.append({"measure": col, "old_mean": np.nanmean(o), "new_mean": np.nanmean(n),
                     "change_%": 100 * (np.nanmean(n) / np.nanmean(o) - 1) if np.nanmean(o) else np.nan,
                     "old_median": np.nanmedian(o), "new_median": np.nanmedian(n),
                     "bouts_changed": int(np.sum(~np.isclose(o, n, equal_nan=True)))})
    print(pd.DataFrame(rows).round(3).to_string(index=False))
    print(f"bouts with a cruise > 0.2 s: {int((new.cruise_s > 0.2).sum())} of {len(new)}; "
          f"NaN accelerations new: {int(new.mean_acceleration_cm_s2.isna().sum())}, "
          f"decelerations: {int(new.mean_deceleration_cm_s2.isna().sum())}")
    return out


def figure(fig_dir: Path) -> None:
    import matplotlib.pyplot as plt

    fps = 30.0
    bout_plan = [synthetic.Bout(0.0, 20.0, 0.6, 0.7, 1.0, cruise_s=1.6)]
    traj = synthetic.bouts_trajectory(bout_plan, fps, (10.0, 20.0))
    for seed in range(100):  # the first jitter draw whose top frame falls in the second half of the cruise
        xy = synthetic.observe_track(traj, 10.0, 0.03, 0.0, seed=seed) / 10.0
        sm, speed, acc, noise = measure(xy, fps)
        jit = bouts.speed_jitter_cm_s(noise, fps)
        bounds = bouts.find_bouts(speed, fps)
        new = bouts.bout_table(speed, fps, acc, sm, bounds=bounds, speed_jitter_cm_s=jit).iloc[0]
        old = bouts.bout_table(speed, fps, acc, sm, bounds=bounds, config=OLD, speed_jitter_cm_s=jit).iloc[0]
        if old.rise_s > 0.6 + 0.8:
            break
    t = np.arange(len(speed)) / fps
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(traj.time_s, traj.speed_cm_s, color="tab:purple", lw=1, ls=":",
            label="true speed (minimum-jerk ramps 0.6 / 0.7 s, cruise 1.6 s)")
    ax.plot(t, speed, color="k", lw=1.2, label=f"measured (0.03 cm jitter, RTS-smoothed; draw {seed})")
    t0, t1 = new.start_s, new.end_s
    a_end, d_start = t0 + new.rise_s, t1 - new.fall_s
    ax.axvspan(t0, a_end, color="tab:green", alpha=0.25, lw=0, label=f"speeding up {new.rise_s:.2f} s")
    ax.axvspan(a_end, d_start, color="tab:blue", alpha=0.15, lw=0, label=f"cruising {new.cruise_s:.2f} s")
    ax.axvspan(d_start, t1, color="tab:red", alpha=0.2, lw=0, label=f"slowing down {new.fall_s:.2f} s")
    top = new.peak_speed_cm_s
    band = bouts.BoutConfig().cruise_band * jit
    ax.hlines([top - band, top], t0, t1, color="tab:blue", lw=0.8,
              label=f"cruise band: {bouts.BoutConfig().cruise_band:g} x speed jitter ({band:.2f} cm/s) below the top")
    ax.axvline(t0 + old.rise_s, color="tab:orange", ls="--", lw=1.2,
               label=f"old: rise to the top frame, {old.rise_s:.2f} s")
    ax.set_xlim(0.6, 5.2)
    ax.set_ylim(-0.5, 31)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("speed (cm/s)")
    ax.set_title(f"mean acceleration: true {20 / 0.6:.1f}, new {new.mean_acceleration_cm_s2:.1f}, "
                 f"old {old.mean_acceleration_cm_s2:.1f} cm/s²", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="upper left", ncol=2)
    fig.tight_layout()
    fig.savefig(fig_dir / "bouts_cruise.png", dpi=90)
    print(f"figure: {fig_dir / 'bouts_cruise.png'}; true phases 0.60 / 1.60 / 0.70 s, measured "
          f"{new.rise_s:.2f} / {new.cruise_s:.2f} / {new.fall_s:.2f} s")


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if fig_dir is not None:
        figure(fig_dir)
    accuracy()
    ds = read_dlc(DATA / "oft_pose_rearing" / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=25.0)
    real("OFT38", ds, calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), (42.0, 42.0)), 25.0)
    if (M3V1 / "m3v1mp4_pose.csv").exists():
        real("m3v1", read_dlc(M3V1 / "m3v1mp4_pose.csv", fps=30.0), read_calibration(M3V1 / "m3v1mp4_calibration.json"),
             30.0)


if __name__ == "__main__":
    main()
