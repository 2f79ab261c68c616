"""The pipeline's quality step on a pose with known faults: noise, jumps, dropped frames, a late start.

The step reads nothing: it takes the kinematics step's values (summary and cleaning report), as the pipeline
passes them; here they are made by the kinematics itself on the pose with the faults."""

import math

import numpy as np
import pandas as pd
import pytest

from openfield import cleaning, kinematics, quality, synthetic
from openfield.calibration import Calibration, calibrate_from_bodyparts
from openfield.io import read_dlc, write_dlc_csv
from openfield.kinematics import KinematicsConfig
from openfield.pipeline import Ledger
from openfield.pipeline.steps import arena_outside_image, quality_step

FPS = 30.0
ARENA = (40.0, 40.0)


def noisy_circle(tmp_path, noise_cm=0.2, outliers=10, late_start_s=0.0, seed=3):
    """A 40-s circle at 15 cm/s seen through a tilted camera: pose file, calibration, frame count."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(40 * FPS)) / FPS
    ang = 15.0 / 12.0 * t
    traj = pd.DataFrame({"time_s": t, "x_cm": 20 + 12 * np.cos(ang), "y_cm": 20 + 12 * np.sin(ang),
                         "heading_rad": ang + np.pi / 2})
    traj[["x_cm", "y_cm"]] += rng.normal(0, noise_cm, (len(t), 2))
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    body = list(ds.keypoints.values).index("body")
    pos, conf = ds["position"].values.copy(), ds["confidence"].values.copy()
    for i in rng.choice(np.arange(60, len(t) - 10), outliers, replace=False):
        pos[i, :, body, 0] += rng.uniform(60, 120, 2) * rng.choice([-1, 1], 2)  # tracking jumps, px
    conf[: int(late_start_s * FPS), body, 0] = 0.0  # no animal found at first
    ds = ds.copy(data={"position": pos, "confidence": conf})
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    path = write_dlc_csv(ds, tmp_path / "mouse_pose.csv", scorer="test")
    return path, cal, len(t)


def kinematics_values(pose, cal, **summary):
    """What the kinematics step returns for this pose file (its summary, ``summary`` replacing some values)."""
    result = kinematics.analyze_pose(read_dlc(pose, fps=FPS), cal, KinematicsConfig(), FPS)
    return {**kinematics.summarize(result), "cleaning": result.attrs["cleaning"], **summary}


def test_quality_step_measures_known_faults_and_is_recorded(tmp_path):
    pose, cal, n = noisy_circle(tmp_path, noise_cm=0.2, outliers=10, late_start_s=1.5)
    ledger = Ledger(tmp_path / "out", "mouse")
    reader = {"frames_expected": 2 * n, "frames_read": n,
              "timestamps": quality.timestamp_summary(np.arange(n) / FPS)}
    summary = kinematics_values(pose, cal, fraction_missing=0.0, fraction_interpolated=0.01)
    fp, qc = quality_step(ledger, summary, FPS, cal, reader, (640, 480), ["p", "k"])
    assert qc["frames_expected"] == 2 * n and qc["frames_read"] == n
    assert qc["jumps_removed"] == 10  # the 10 injected jumps
    # the noise the positions were given (0.2 cm per axis), through the camera and back
    assert qc["tracking_noise_cm"] == pytest.approx(0.2, rel=0.15)
    # the kinematics' own fractions are kept; the flag counts frames without the animal (1.5 s of 40 s + jumps)
    assert qc["fraction_missing"] == 0.0 and qc["fraction_interpolated"] == 0.01
    assert qc["qc_flags"] == "truncated;animal_not_found_at_start;short_recording"
    assert "read 1200 of the 2400 frames" in qc["qc_message"] and "first 1 s" in qc["qc_message"]
    assert ledger.ran == ["quality"]
    # recorded: the next run reads the values back without the kinematics' report
    again = Ledger(tmp_path / "out", "mouse")
    assert quality_step(again, {}, FPS, cal, reader, (640, 480), ["p", "k"]) == (fp, qc)
    assert again.ran == []


def test_quality_step_flags_missing_frames_variable_rate_and_a_cut_off_arena(tmp_path):
    pose, cal, n = noisy_circle(tmp_path, noise_cm=0.0, outliers=0, late_start_s=6.0)
    times = np.cumsum(np.random.default_rng(0).uniform(0.01, 0.06, n))  # a variable frame rate
    reader = {"frames_expected": n, "frames_read": n, "timestamps": quality.timestamp_summary(times)}
    shifted = Calibration(method="arena", px_per_cm=cal.px_per_cm, homography=cal.homography,
                          arena_corners_px=cal.arena_corners_px + [0, 300], arena_size_cm=ARENA)
    summary = kinematics_values(pose, cal)
    _, qc = quality_step(Ledger(tmp_path, "m"), summary, FPS, shifted, reader, (640, 480), [])
    assert qc["qc_flags"].split(";") == ["fps_suspect", "high_missing", "arena_partial", "animal_not_found_at_start",
                                         "short_recording"]
    assert "no position in 15% of frames" in qc["qc_message"]  # 6 s of 40 s
    assert math.isnan(qc["tracking_noise_cm"]) or qc["tracking_noise_cm"] < 0.01  # no noise added


def test_arena_outside_image():
    corners = np.array([[10, 10], [630, 10], [630, 470], [10, 470]], float)
    cal = Calibration(method="arena", px_per_cm=10, homography=np.diag([0.1, 0.1, 1]),
                      arena_corners_px=corners, arena_size_cm=(62, 46))
    assert arena_outside_image(cal, (640, 480)) is False
    assert arena_outside_image(cal, (600, 480)) is True  # the right side is cut off
    assert arena_outside_image(cal, None) is None
    assert arena_outside_image(Calibration(method="points", px_per_cm=10), (640, 480)) is None


@pytest.mark.parametrize("late_start_s", [0.0, 29 / FPS, 1.0, 6.0])
def test_the_kinematics_report_gives_what_cleaning_the_pose_again_gave(tmp_path, late_start_s):
    """The step used to read the pose and clean it again; the kinematics' report gives the very same record
    (the former computation written out here), at the start window's edge (frame 29 in, frame 30 out) too."""
    pose, cal, n = noisy_circle(tmp_path, noise_cm=0.1, outliers=7, late_start_s=late_start_s, seed=8)
    config = KinematicsConfig()
    xy_px, lik, _ = kinematics.reference_track(read_dlc(pose, fps=FPS), config.bodypart)
    found = ~np.isnan(cleaning.mask_low_likelihood(xy_px, lik, config.likelihood_cutoff)).any(axis=1)
    jumps = kinematics.clean_track(xy_px, lik, cal, FPS, config)[2]["jump_frames_removed"]
    summary = kinematics_values(pose, cal)
    reader = {"frames_expected": n, "frames_read": n, "timestamps": quality.timestamp_summary(np.arange(n) / FPS)}
    former = quality.assess_quality(
        frames_read=n, fps=FPS, fraction_missing=float(1.0 - found.mean()),
        fraction_interpolated=summary["fraction_interpolated"], jumps_removed=jumps, frames_expected=n,
        timestamp_stats=reader["timestamps"], tracking_noise_cm=summary["tracking_noise_cm"], arena_partial=False,
        animal_found_at_start=quality.found_at_start(found, FPS))
    _, qc = quality_step(Ledger(tmp_path / "out", "m"), summary, FPS, cal, reader, (640, 480), [])
    expected = {**former.as_row(), "fraction_missing": summary["fraction_missing"],
                "fraction_interpolated": summary["fraction_interpolated"], "qc_message": former.message()}
    assert qc == expected
    assert ("animal_not_found_at_start" in qc["qc_flags"]) == (late_start_s >= 1.0)
    assert ("high_missing" in qc["qc_flags"]) == (late_start_s == 6.0)
