"""Kinematics against analytic answers: circle, accelerate-cruise-decelerate, centre stays."""

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from openfield import synthetic
from openfield.calibration import Calibration, calibrate_from_bodyparts
from openfield.errors import OpenfieldError
from openfield.io import from_numpy
from openfield.kinematics import (
    SUMMARY_COLUMNS,
    KinematicsConfig,
    _head_cm,
    analyze_pose,
    frames_table,
    moving_mask,
    reference_track,
    speed_acceleration,
    summarize,
)
from openfield.kinematics import bout_table as kinematics_bout_table

FPS = 30.0


def circle(radius=12.0, speed=15.0, duration=20.0, center=(20.0, 20.0), fps=FPS):
    t = np.arange(int(duration * fps)) / fps
    ang = speed / radius * t
    return pd.DataFrame({
        "time_s": t,
        "x_cm": center[0] + radius * np.cos(ang),
        "y_cm": center[1] + radius * np.sin(ang),
        "heading_rad": ang + np.pi / 2,
    })


def centre_or_border(xy, arena, fraction=0.5):
    """The zone of each true position, from the centre square written out (not openfield.arena.zones): the square
    of ``fraction`` of each side around the arena's middle, its edges included."""
    w, h = arena
    inside = (np.abs(xy[:, 0] - w / 2) <= fraction * w / 2) & (np.abs(xy[:, 1] - h / 2) <= fraction * h / 2)
    return np.where(inside, "center", "border")


def pose_and_calibration(traj, arena, tilt=0.15, noise_cm=0.0, drop=0.0, outliers=0, seed=0):
    """Pose dataset seen through a tilted camera, with optional noise, dropped points and outliers."""
    rng = np.random.default_rng(seed)
    traj = traj.copy()
    if noise_cm:
        traj[["x_cm", "y_cm"]] += rng.normal(0, noise_cm, (len(traj), 2))
    h = synthetic.camera_homography(arena, (640, 480), tilt=tilt)
    ds = synthetic.pose_from_trajectory(traj, h, arena, FPS)
    conf = ds["confidence"].values.copy()
    body = list(ds.keypoints.values).index("body")
    n = len(traj)
    if drop:
        starts = rng.choice(n - 3, int(drop * n / 2), replace=False)
        for s in starts:
            conf[s : s + rng.integers(1, 4), body, 0] = 0.05  # runs of 1-3 low-likelihood frames
    pos = ds["position"].values.copy()
    out_idx = rng.choice(np.arange(10, n - 10), outliers, replace=False) if outliers else []
    for i in out_idx:
        pos[i, :, body, 0] += rng.uniform(60, 120, 2) * rng.choice([-1, 1], 2)  # tracking jumps, px
    ds = ds.copy(data={"position": pos, "confidence": conf})
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), arena)
    return ds, cal


def test_circle_distance_speed_zones_exact():
    traj = circle()
    ds, cal = pose_and_calibration(traj, (40, 40))
    res = analyze_pose(ds, cal, KinematicsConfig())
    s = summarize(res)
    n = len(traj)
    assert s["distance_cm"] == pytest.approx(15.0 * (n - 1) / FPS, rel=0.01)
    assert s["mean_speed_cm_s"] == pytest.approx(15.0, rel=0.01)
    assert s["max_speed_cm_s"] == pytest.approx(15.0, rel=0.01)
    assert s["duration_s"] == pytest.approx(n / FPS)
    assert s["time_moving_s"] == pytest.approx(n / FPS, abs=2 / FPS)
    true_zone = centre_or_border(traj[["x_cm", "y_cm"]].to_numpy(), (40, 40))
    assert s["time_center_s"] == pytest.approx((true_zone == "center").sum() / FPS, abs=2 / FPS)
    assert s["time_border_s"] == pytest.approx((true_zone == "border").sum() / FPS, abs=2 / FPS)
    in_c = true_zone == "center"
    assert s["center_entries"] == (in_c[1:] & ~in_c[:-1]).sum()  # border -> centre steps of the true path
    assert s["center_entries"] >= 4
    step = np.linalg.norm(np.diff(traj[["x_cm", "y_cm"]].to_numpy(), axis=0), axis=1)
    in_center = true_zone[1:] == "center"
    assert s["distance_center_cm"] == pytest.approx(step[in_center].sum(), rel=0.02)
    assert s["distance_center_cm"] + s["distance_border_cm"] == pytest.approx(s["distance_cm"])
    assert s["fraction_missing"] == 0 and s["fraction_interpolated"] == 0
    assert list(summarize(res)) == SUMMARY_COLUMNS
    np.testing.assert_allclose(frames_table(res)[["x_cm", "y_cm"]], traj[["x_cm", "y_cm"]], atol=0.02)


def test_circle_with_noise_drops_and_outliers():
    traj = circle(duration=30.0)
    ds, cal = pose_and_calibration(traj, (40, 40), noise_cm=0.05, drop=0.05, outliers=12, seed=1)
    res = analyze_pose(ds, cal, KinematicsConfig())
    s = summarize(res)
    n = len(traj)
    report = res.attrs["cleaning"]
    assert report["jump_frames_removed"] == 12  # the 12 injected jumps, no false alarm
    injected_low = (ds.confidence.sel(keypoints="body").values[:, 0] < 0.6).sum()  # 38 frames
    assert report["low_likelihood_frames"] == injected_low
    assert s["fraction_interpolated"] == pytest.approx((report["low_likelihood_frames"] + 12) / n)
    assert s["distance_cm"] == pytest.approx(15.0 * (n - 1) / FPS, rel=0.01)
    assert s["mean_speed_cm_s"] == pytest.approx(15.0, rel=0.01)
    true_zone = centre_or_border(traj[["x_cm", "y_cm"]].to_numpy(), (40, 40))
    # noise flips frames at each of the ~24 zone crossings: within 2 frames or 1% of the time
    t_center = (true_zone == "center").sum() / FPS
    assert s["time_center_s"] == pytest.approx(t_center, abs=max(2 / FPS, 0.01 * t_center))


ACC = 2.5
CORRIDOR = (200.0, 40.0)


def straight_run(accel=ACC, vmax=20.0):
    """0 -> 20 cm/s at 2.5 cm/s² (8 s), cruise 20 cm, 20 -> 0 (8 s), in a 200 x 40 cm corridor.

    Long phases: smoothing and finite differences spread each change of
    acceleration over a few frames, which biases a phase's mean low by
    about (those frames) / (phase length): ~2% here, ~6% for 5 s phases.
    """
    leg = synthetic.Leg((10.0, 20.0), (190.0, 20.0), max_speed=vmax, accel=accel, pause_s=1.0)
    return synthetic.legs_trajectory([leg], FPS, start_pause_s=1.0)


def test_acceleration_and_deceleration_known_constant():
    traj = straight_run()
    ds, cal = pose_and_calibration(traj, CORRIDOR, tilt=0.1)
    res = analyze_pose(ds, cal, KinematicsConfig())
    s = summarize(res)
    assert s["mean_acceleration_cm_s2"] == pytest.approx(ACC, rel=0.05)
    assert s["mean_deceleration_cm_s2"] == pytest.approx(ACC, rel=0.05)
    assert s["max_speed_cm_s"] == pytest.approx(20.0, rel=0.01)
    assert s["distance_cm"] == pytest.approx(180.0, rel=0.01)
    acc = frames_table(res)["acceleration_cm_s2"].to_numpy()
    for phase, expected in (("accelerate", ACC), ("decelerate", -ACC), ("cruise", 0.0)):
        sel = (traj["phase"] == phase).to_numpy()
        assert acc[sel].mean() == pytest.approx(expected, abs=0.05 * ACC)
    # the stop at the start is not moving, the run is
    moving = frames_table(res)["moving"].to_numpy()
    assert not moving[: int(0.5 * FPS)].any()
    assert moving[(traj["phase"] == "cruise").to_numpy()].all()
    # speed follows the analytic profile
    np.testing.assert_allclose(frames_table(res)["speed_cm_s"], traj["speed_cm_s"], atol=0.5)


def test_acceleration_with_noise_per_phase():
    traj = straight_run()
    ds, cal = pose_and_calibration(traj, CORRIDOR, tilt=0.1, noise_cm=0.02, drop=0.02, seed=4)
    res = analyze_pose(ds, cal, KinematicsConfig())
    acc = frames_table(res)["acceleration_cm_s2"].to_numpy()
    for phase, expected in (("accelerate", ACC), ("decelerate", -ACC)):
        sel = (traj["phase"] == phase).to_numpy()
        assert np.nanmean(acc[sel]) == pytest.approx(expected, rel=0.05)
    assert summarize(res)["distance_cm"] == pytest.approx(180.0, rel=0.01)


def test_stay_in_centre_of_known_length():
    legs = [
        synthetic.Leg((5.0, 5.0), (20.0, 20.0), max_speed=20, accel=40, pause_s=3.0),
        synthetic.Leg((20.0, 20.0), (35.0, 5.0), max_speed=20, accel=40, pause_s=2.0),
    ]
    traj = synthetic.legs_trajectory(legs, FPS, start_pause_s=2.0)
    ds, cal = pose_and_calibration(traj, (40, 40))
    s = summarize(analyze_pose(ds, cal, KinematicsConfig()))
    true_zone = centre_or_border(traj[["x_cm", "y_cm"]].to_numpy(), (40, 40))
    in_c = np.flatnonzero(true_zone == "center")
    assert s["center_entries"] == 1
    assert s["time_center_s"] == pytest.approx(len(in_c) / FPS, abs=2 / FPS)
    assert s["time_center_s"] > 3.0
    assert s["latency_center_s"] == pytest.approx(in_c[0] / FPS, abs=2 / FPS)


def test_speed_matches_movement_package():
    """An independent implementation (movement.kinematics.compute_speed) on the same cleaned track."""
    from movement.kinematics import compute_speed

    traj = circle(duration=10.0)
    traj["x_cm"] += 3 * np.sin(traj["time_s"])  # not constant speed
    ds, cal = pose_and_calibration(traj, (40, 40), noise_cm=0.03, seed=2)
    res = analyze_pose(ds, cal, KinematicsConfig())
    xy = frames_table(res)[["x_cm", "y_cm"]].to_numpy()
    pos = xr.DataArray(xy[:, :, None, None], dims=("time", "space", "keypoints", "individuals"),
                       coords={"time": frames_table(res)["time_s"].to_numpy(), "space": ["x", "y"],
                               "keypoints": ["body"], "individuals": ["m"]})
    theirs = compute_speed(pos).squeeze().values
    np.testing.assert_allclose(frames_table(res)["speed_cm_s"].to_numpy()[1:-1], theirs[1:-1], rtol=1e-9)


def test_speed_acceleration_of_known_polynomial():
    t = np.arange(60) / FPS
    xy = np.c_[2 * t**2 + 3 * t, np.zeros_like(t)]  # v = 4t + 3, a = 4
    speed, acc = speed_acceleration(xy, FPS)
    np.testing.assert_allclose(speed[1:-1], 4 * t[1:-1] + 3, rtol=1e-9)
    np.testing.assert_allclose(acc[2:-2], 4.0, rtol=1e-6)


def test_moving_needs_minimum_duration():
    speed = np.r_[np.zeros(10), np.full(5, 10.0), np.zeros(10), np.full(20, 10.0)]
    m = moving_mask(speed, 30.0, 2.0, 0.5)  # 0.5 s = 15 frames
    assert not m[10:15].any() and m[25:45].all()


def test_reference_point_choice():
    pos = np.random.default_rng(0).uniform(0, 100, (4, 4, 2))
    ds = from_numpy(pos, None, ["nose", "tailbase", "tl", "centre"], fps=10)
    xy, _, name = reference_track(ds)
    assert name == "centroid"
    np.testing.assert_allclose(xy, pos[:, :2].mean(axis=1))  # arena points are not the animal
    assert reference_track(ds, "nose")[2] == "nose"
    with pytest.raises(OpenfieldError, match="'body' is not in the pose file"):
        reference_track(ds, "body")


@pytest.mark.parametrize("body", ["back", "midbody", "BodyCentre", "body", "centroid"])
def test_reference_point_is_the_body_role_of_the_one_vocabulary(body):
    """Any spelling openfield.bodyparts gives the body role is the reference point (not the centroid); a name
    that spells no role (``spine2``) is not."""
    pos = np.random.default_rng(1).uniform(0, 100, (5, 4, 2))
    ds = from_numpy(pos, None, ["nose", "spine2", body, "tailbase"], fps=10)
    xy, _, name = reference_track(ds)
    assert name == body
    np.testing.assert_array_equal(xy, pos[:, 2])
    only = from_numpy(pos[:, [0, 1, 3]], None, ["nose", "spine2", "tailbase"], fps=10)
    assert reference_track(only)[2] == "centroid"


def test_head_point_is_the_head_role_else_the_nose():
    """time_head_<zone>_s follows the head role (head, headcentre...), else the nose role (nose, snout)."""
    n = 20
    head = np.tile([[30.0, 30.0]], (n, 1))  # 30 cm: in the centre of a 40-cm arena (1 px = 1 cm below)
    snout = np.tile([[2.0, 2.0]], (n, 1))  # in the border
    cal = Calibration("points", 1.0, homography=np.eye(3), arena_corners_px=[[0, 0], [40, 0], [40, 40], [0, 40]],
                      arena_size_cm=(40.0, 40.0))
    both = from_numpy(np.stack([snout, head, head], axis=1), None, ["Snout", "headcentre", "body"], fps=10)
    assert _head_cm(both, cal, 0.5)[0] == "headcentre"
    nose_only = from_numpy(np.stack([snout, head], axis=1), None, ["Snout", "body"], fps=10)
    name, xy = _head_cm(nose_only, cal, 0.5)
    assert name == "Snout"
    np.testing.assert_allclose(xy, snout)
    assert _head_cm(from_numpy(head[:, None], None, ["body"], fps=10), cal, 0.5) == (None, None)


def test_bad_inputs_clear_errors():
    traj = circle(duration=2.0)
    ds, cal = pose_and_calibration(traj, (40, 40))
    no_fps = ds.copy()
    no_fps.attrs["fps"] = None
    with pytest.raises(OpenfieldError, match="fps unknown"):
        analyze_pose(no_fps, cal)
    with pytest.raises(OpenfieldError, match="positive"):
        analyze_pose(ds, cal, fps=0)
    low = ds.copy(data={"position": ds.position.values, "confidence": np.full(ds.confidence.shape, 0.1)})
    with pytest.raises(OpenfieldError, match="likelihood cut-off"):
        analyze_pose(low, cal)


def test_without_arena_zones_are_empty(caplog):
    traj = circle(duration=3.0)
    ds, _ = pose_and_calibration(traj, (40, 40), tilt=0.0)
    h = synthetic.camera_homography((40, 40), (640, 480))
    cal = Calibration(method="points", px_per_cm=h[0, 0])
    res = analyze_pose(ds, cal)
    assert np.isnan(summarize(res)["time_center_s"]) and np.isnan(summarize(res)["center_entries"])
    assert summarize(res)["mean_speed_cm_s"] == pytest.approx(15.0, rel=0.01)
    assert "no arena" in caplog.text


# --------------------------------------------------------------------------- in-memory data model


def _line_pose(n=90, speed_cm_s=10.0, px_per_cm=10.0, missing=()):
    """A body point moving along x at a known speed, seen by a camera with a known scale (no files)."""
    t = np.arange(n) / FPS
    xy = np.c_[50 + speed_cm_s * px_per_cm * t, np.full(n, 200.0)]
    pos = xy[:, None, :].copy()
    conf = np.ones((n, 1))
    for a, b in missing:
        conf[a:b] = 0.0
    ds = from_numpy(pos, conf, ["body"], fps=FPS)
    h = np.diag([1 / px_per_cm, 1 / px_per_cm, 1.0])
    cal = Calibration(method="arena", px_per_cm=px_per_cm, homography=h,
                      arena_corners_px=[[0, 0], [400, 0], [400, 400], [0, 400]], arena_size_cm=(40.0, 40.0))
    return ds, cal


def test_analyze_pose_adds_kinematics_to_the_dataset():
    """A point moving at 10 cm/s gives a speed variable of 10 cm/s on the pose's own time axis."""
    ds, cal = _line_pose()
    res = analyze_pose(ds, cal, KinematicsConfig(center_fraction=0.5))
    assert res.sizes["time"] == ds.sizes["time"]
    np.testing.assert_allclose(res["time"].values, np.arange(90) / FPS)
    np.testing.assert_allclose(res["speed"].values, 10.0, rtol=1e-9)
    np.testing.assert_allclose(res["acceleration"].values, 0.0, atol=1e-9)
    np.testing.assert_allclose(res["reference_position"].sel(space="x").values, 5 + 10 * np.arange(90) / FPS)
    assert res["speed"].attrs["units"] == "cm/s" and res["reference_position"].attrs["units"] == "cm"
    assert res["moving"].values.all() and not res["interpolated"].values.any()
    # x from 5 to ~34.7 cm at y = 20 cm: centre zone is 10..30 cm
    x = res["reference_position"].sel(space="x").values
    np.testing.assert_array_equal(res["zone"].values == "center", (x >= 10) & (x <= 30))
    assert res.attrs["fps"] == FPS and res.attrs["calibration"]["px_per_cm"] == 10.0
    assert res.attrs["arena_size_cm"] == (40.0, 40.0) and res.attrs["reference_point"] == "body"
    assert [e["step"] for e in res.attrs["log"]] == ["cleaning", "smoothing", "zones", "kinematics"]  # no window
    entry = res.attrs["log"][-1]
    assert entry["step"] == "kinematics" and entry["parameters"]["center_fraction"] == 0.5
    assert {"openfield_version", "datetime"} <= set(entry)
    assert "speed" not in ds  # the input is not modified
    s = summarize(res)
    assert list(s) == SUMMARY_COLUMNS
    assert s["mean_speed_cm_s"] == pytest.approx(10.0) and s["distance_cm"] == pytest.approx(10.0 * 89 / FPS)
    assert s["time_center_s"] == pytest.approx((res["zone"].values == "center").sum() / FPS)
    table = frames_table(res)
    assert table["speed_cm_s"].tolist() == pytest.approx([10.0] * 90)


def test_missing_start_and_end_are_not_called_gaps(caplog):
    """Untracked frames at the very start/end are reported as such, not as gaps between tracked frames."""
    ds, cal = _line_pose(n=120, missing=[(0, 7), (113, 120)])  # 0.23 s at each end, shorter than max_gap
    res = analyze_pose(ds, cal, KinematicsConfig(max_gap_s=0.5))
    report = res.attrs["cleaning"]
    assert report["gaps_left_open"] == 0 and report["longest_gap_s"] == 0
    assert report["missing_start_s"] == pytest.approx(7 / FPS) and report["missing_end_s"] == pytest.approx(7 / FPS)
    assert "gap(s)" not in caplog.text
    assert "no position in the first 0.23 s" in caplog.text and "no position in the last 0.23 s" in caplog.text
    caplog.clear()
    ds, cal = _line_pose(n=120, missing=[(40, 70)])  # 1 s inside: a real gap, left open
    report = analyze_pose(ds, cal, KinematicsConfig(max_gap_s=0.5)).attrs["cleaning"]
    assert report["gaps_left_open"] == 1 and report["longest_gap_s"] == pytest.approx(1.0)
    assert report["missing_start_s"] == 0 and report["missing_end_s"] == 0
    assert "1 gap(s) between tracked frames longer than 0.50 s left missing (longest 1.00 s)" in caplog.text
    assert "first" not in caplog.text


@pytest.mark.parametrize(("field", "value", "option", "allowed"), [
    ("likelihood_cutoff", 1.5, "--likelihood-cutoff", "between 0 and 1"),
    ("likelihood_cutoff", -0.1, "--likelihood-cutoff", "between 0 and 1"),
    ("max_speed_cm_s", 0.0, "--max-speed", "greater than 0"),
    ("max_speed_cm_s", -5.0, "--max-speed", "greater than 0"),
    ("max_gap_s", -0.5, "--max-gap", "at least 0"),
    ("smooth_window_s", 0.0, "--smooth-window", "greater than 0"),
    ("moving_threshold_cm_s", -1.0, "--moving-threshold", "at least 0"),
    ("moving_min_s", -0.25, "--moving-min", "at least 0"),
    ("center_fraction", 1.5, "--center-fraction", "between 0 and 1 (exclusive)"),
    ("center_fraction", 0.0, "--center-fraction", "between 0 and 1 (exclusive)"),
    ("center_fraction", float("nan"), "--center-fraction", "between 0 and 1 (exclusive)"),
])
def test_config_refuses_values_out_of_range(field, value, option, allowed):
    expected = f"{option} ({field}) must be {allowed}"
    with pytest.raises(OpenfieldError, match=re.escape(expected)):
        KinematicsConfig(**{field: value})


# --------------------------------------------------------------------------- variable frame rate


def uneven_times(duration_s, seed=0, slow_ms=40, fast_ms=20):
    """Frame times (s) of a variable-rate camera: ~25 frames/s for the first half, ~50 for the second, each
    interval +-5 ms at random, in whole ms."""
    rng = np.random.default_rng(seed)
    ms = []
    while sum(ms) < duration_s * 1000:
        ms.append((slow_ms if sum(ms) < duration_s * 500 else fast_ms) + int(rng.choice([-5, 0, 5])))
    return np.r_[0, np.cumsum(ms)[:-1]] / 1000.0


def circle_at(t, radius=12.0, speed=15.0, center=(20.0, 20.0)):
    ang = speed / radius * t
    return pd.DataFrame({"time_s": t, "x_cm": center[0] + radius * np.cos(ang),
                         "y_cm": center[1] + radius * np.sin(ang), "heading_rad": ang + np.pi / 2})


def halves(values, t):
    """Median of a per-frame value in the slow-rate and the fast-rate half (0.5 s from each end)."""
    v, mid = np.asarray(values, float), t[-1] / 2
    return (np.nanmedian(v[(t > 0.5) & (t < mid - 0.5)]), np.nanmedian(v[(t > mid + 0.5) & (t < t[-1] - 0.5)]))


def test_variable_frame_rate_is_measured_on_the_frame_times():
    """A circle at 15 cm/s filmed at ~25 then ~50 frames/s: speed, durations, zone times and latency from
    the frame times are right; from frame index / fps (the mean rate) they are clearly wrong."""
    t = uneven_times(20.0)
    traj = circle_at(t)
    ds, cal = pose_and_calibration(traj, (40, 40), noise_cm=0.03, seed=5)
    res = analyze_pose(ds, cal, KinematicsConfig(), times_s=t + 7.0)  # timestamps need not start at 0
    s, frames = summarize(res), frames_table(res)
    np.testing.assert_allclose(frames["time_s"], t, atol=1e-12)
    assert res.attrs["time_source"] == "timestamps" and res.attrs["cleaning"]["time_source"] == "timestamps"
    median = float(np.median(np.diff(t)))
    assert s["fps"] == pytest.approx(1 / median)
    assert s["duration_s"] == pytest.approx(t[-1] - t[0] + median)  # last - first + one (median) interval
    assert s["mean_speed_cm_s"] == pytest.approx(15.0, rel=0.01)
    assert s["max_speed_cm_s"] == pytest.approx(15.0, rel=0.05)
    slow, fast = halves(frames["speed_cm_s"], t)
    assert slow == pytest.approx(15.0, rel=0.01) and fast == pytest.approx(15.0, rel=0.01)
    change = (t > t[-1] / 2 - 0.5) & (t < t[-1] / 2 + 0.5)  # where the frame rate doubles
    assert np.abs(frames["acceleration_cm_s2"][change]).max() < 10.0  # constant speed: jitter only
    assert s["distance_cm"] == pytest.approx(15.0 * t[-1], rel=0.01)
    assert s["time_moving_s"] == pytest.approx(s["duration_s"], abs=0.1)
    durations = np.r_[np.diff(t), median]
    true_zone = centre_or_border(traj[["x_cm", "y_cm"]].to_numpy(), (40, 40))
    assert s["time_center_s"] == pytest.approx(durations[true_zone == "center"].sum(), abs=0.1)
    assert s["time_center_s"] + s["time_border_s"] == pytest.approx(s["duration_s"])
    first = int(np.argmax(true_zone == "center"))
    assert s["latency_center_s"] == pytest.approx(t[first], abs=0.05)
    # the same frames on frame index / the mean rate: wrong speeds in both halves, wrong latency
    mean_fps = len(t) / s["duration_s"]
    by_index = analyze_pose(ds, cal, KinematicsConfig(), fps=mean_fps)
    slow_i, fast_i = halves(by_index["speed"].values, np.arange(len(t)) / mean_fps)
    assert slow_i > 1.2 * 15.0 and fast_i < 0.8 * 15.0, (slow_i, fast_i)
    assert summarize(by_index)["max_speed_cm_s"] > 1.2 * 15.0
    assert np.abs(by_index["acceleration"].values[change]).max() > 50.0  # a jolt where the rate changes
    assert abs(summarize(by_index)["latency_center_s"] - t[first]) > 0.1
    # the path is the same either way
    assert summarize(by_index)["distance_cm"] == pytest.approx(s["distance_cm"], rel=0.005)


def test_variable_frame_rate_bouts_at_the_real_times():
    """Minimum-jerk bouts filmed at ~25 then ~50 frames/s: bout times and accelerations as the analytic plan."""
    plan, start = synthetic.make_bout_plan(40.0, seed=11)
    truth = synthetic.bouts_truth(plan, start, 1.0)
    fine = synthetic.bouts_trajectory(plan, 1000.0, start, start_pause_s=1.0)  # every ms
    t = uneven_times(fine.time_s.iloc[-1], seed=2)
    traj = fine.iloc[np.round(t * 1000).astype(int)]
    xy = synthetic.observe_track(traj, 10.0, 0.03, 0.0, seed=3)
    ds = from_numpy(xy[:, None, :], np.ones((len(t), 1)), ["body"], fps=30.0)
    res = analyze_pose(ds, Calibration(method="points", px_per_cm=10.0), KinematicsConfig(), times_s=t)
    table = kinematics_bout_table(res)
    assert len(table) == len(truth)
    # the tolerances of the constant-rate check (tests/test_unit/test_bouts.py)
    np.testing.assert_allclose(table.start_s, truth.start_s, atol=0.25)
    np.testing.assert_allclose(table.end_s, truth.end_s, atol=0.25)
    np.testing.assert_allclose(table.distance_cm, truth.distance_cm, rtol=0.05)
    # the means over bouts, of the measured table and of the analytic one (plain means, not bouts.summarize_bouts)
    for column, tol in [("mean_acceleration_cm_s2", 0.10), ("mean_deceleration_cm_s2", 0.10),
                        ("peak_acceleration_cm_s2", 0.15), ("peak_deceleration_cm_s2", 0.15)]:
        assert table[column].mean() == pytest.approx(truth[column].mean(), rel=tol), column
    # on frame index / the mean rate, bouts filmed at the slow rate (fewer frames) seem shorter than they were,
    # at the fast rate longer
    mean_fps = len(t) / (t[-1] + np.median(np.diff(t)))
    by_index = kinematics_bout_table(analyze_pose(ds, Calibration(method="points", px_per_cm=10.0),
                                                  KinematicsConfig(), fps=mean_fps))
    ratio = (by_index.end_s - by_index.start_s) / (truth.end_s - truth.start_s)
    assert len(by_index) == len(truth)
    first_half = truth.end_s < t[-1] / 2
    assert ratio[first_half].median() < 0.8 and ratio[~first_half].median() > 1.1


def test_evenly_spaced_times_agree_with_frame_index():
    """The two time bases agree when the times are i / fps: the same measures within 0.1 % (or 0.001 for
    values near 0, such as the mean deceleration at rest)."""
    traj = circle(duration=20.0)
    ds, cal = pose_and_calibration(traj, (40, 40), noise_cm=0.05, drop=0.03, outliers=5, seed=1)
    by_fps = summarize(analyze_pose(ds, cal, KinematicsConfig()))
    res = analyze_pose(ds, cal, KinematicsConfig(), times_s=np.arange(len(traj)) / FPS)
    by_times = summarize(res)
    for key, value in by_fps.items():
        if isinstance(value, float):
            assert by_times[key] == pytest.approx(value, rel=1e-3, abs=1e-3, nan_ok=True), key
        else:
            assert by_times[key] == value, key
    np.testing.assert_allclose(frames_table(res)["time_s"], np.arange(len(traj)) / FPS)


def test_frame_times_that_do_not_fit_are_refused():
    traj = circle(duration=2.0)
    ds, cal = pose_and_calibration(traj, (40, 40))
    t = np.arange(len(traj)) / FPS
    with pytest.raises(OpenfieldError, match="frame times do not fit the pose: 59 frame times for 60 frames"):
        analyze_pose(ds, cal, times_s=t[:-1])
    with pytest.raises(OpenfieldError, match="do not increase"):
        analyze_pose(ds, cal, times_s=np.r_[t[:30], t[29:-1]])
