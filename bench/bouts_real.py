"""Locomotor bouts on the real sample recordings (figures of docs/bouts.md).

Run: ``PYTHONPATH=src .venv/bin/python bench/bouts_real.py [FIG_DIR]``. OFT_38 (DeepLabCut pose, 25 fps,
42 x 42 cm from the corner points) always; the DeepLabCut example video's classical-tracker pose when
``/tmp/bouts_m3v1`` holds the output of ``openfield run
../shared/data/dlc_openfield/videos/m3v1mp4.mp4 -o /tmp/bouts_m3v1 --pose classic --arena-size-cm 48 32``.
With FIG_DIR, the per-bout figure of each recording is saved there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from openfield import bouts, cleaning, smoothing
from openfield.arena import zones
from openfield.calibration import Calibration, calibrate_from_bodyparts
from openfield.io import read_dlc
from openfield.io.calibration import read_calibration
from openfield.kinematics import reference_track, speed_acceleration

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
M3V1 = Path("/tmp/bouts_m3v1")


def analyse(ds, cal: Calibration, fps: float, arena: tuple[float, float], label: str, fig_dir: Path | None) -> None:
    xy_px, lik, name = reference_track(ds, None)
    xy_cm = cal.px_to_cm(cleaning.mask_low_likelihood(xy_px, lik, 0.6))
    xy_cm, _ = cleaning.remove_jumps(xy_cm, fps, 150.0)
    noise = smoothing.estimate_noise_cm(xy_cm, fps)
    filled, _ = cleaning.interpolate_gaps(xy_cm, int(round(0.5 * fps)))
    sm = smoothing.smooth_track(filled, fps, noise)
    speed, acc = speed_acceleration(sm, fps)
    moving = bouts.moving_mask(speed, fps, 2.0, 0.25)
    bounds = bouts.find_bouts(speed, fps, moving)
    table = bouts.bout_table(speed, fps, acc, sm, zone=zones.assign_zones(sm, arena, 0.5), bounds=bounds)
    runs = bouts.bout_table(speed, fps, moving=moving, config=bouts.BoutConfig(arrest_speed_cm_s=0.0))
    print(f"== {label}: reference {name}, {len(speed)} frames ({len(speed) / fps:.1f} s), noise {noise:.3f} cm, "
          f"speed > 2 cm/s in {100 * np.nanmean(speed > 2):.0f}% of frames, moving {100 * moving.mean():.0f}%, "
          f"in bouts {100 * bouts.in_bout_mask(bounds, len(speed)).mean():.0f}%")
    print(f"threshold runs {len(runs)} -> bouts {len(table)}")
    for k, v in bouts.summarize_bouts(table).items():
        print(f"  {k}: {v:.2f}" if isinstance(v, float) else f"  {k}: {v}")
    cols = ["duration_s", "distance_cm", "peak_speed_cm_s", "rise_s", "fall_s", "mean_acceleration_cm_s2",
            "mean_deceleration_cm_s2", "peak_acceleration_cm_s2", "peak_deceleration_cm_s2"]
    print(table[cols].describe(percentiles=[0.1, 0.5, 0.9]).loc[["mean", "10%", "50%", "90%"]].round(2).to_string())
    if fig_dir is not None:
        fig = bouts.plot_bouts(table, f"{label}: {len(table)} locomotor bouts")
        fig.savefig(fig_dir / f"bouts_{label.lower()}.png", dpi=80)


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    ds = read_dlc(DATA / "oft_pose_rearing" / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=25.0)
    analyse(ds, calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), (42.0, 42.0)), 25.0, (42.0, 42.0),
            "OFT38", fig_dir)
    if (M3V1 / "m3v1mp4_pose.csv").exists():
        cal = read_calibration(M3V1 / "m3v1mp4_calibration.json")
        analyse(read_dlc(M3V1 / "m3v1mp4_pose.csv", fps=30.0), cal, 30.0, tuple(cal.arena_size_cm), "m3v1",
                fig_dir)


if __name__ == "__main__":
    main()
