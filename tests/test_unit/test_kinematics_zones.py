"""Custom zones and the trial window against an oracle that does not use openfield.arena.zones.

The truth comes from the analytic path sampled every 0.1 ms, with plain numpy
geometry: a circle zone by ``|p - c| <= r``, a polygon by ray casting. The
last tests run the same scene through ``openfield kinematics`` (``--zones``,
``--corner-cm``, ``--start``, ``--duration``) and its one-line errors.
"""

import json

import numpy as np
import pandas as pd
import pytest

from openfield import quality, synthetic
from openfield.arena import zones
from openfield.calibration import calibrate_from_bodyparts
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io import write_dlc_csv
from openfield.kinematics import (
    SUMMARY_COLUMNS,
    KinematicsConfig,
    analyze_pose,
    frames_table,
    summarize,
    summary_row,
)
from openfield.pipeline import RunConfig

FPS = 30.0
ARENA = (40.0, 40.0)
APPEARS_S = 2.5  # the animal is placed at 2.5 s; before that the arena is empty but for a 0.5-s glimpse
GLIMPSE_S = (0.8, 1.3)
VIDEO_S = 32.0
MOUSE_CM = 8.0
OBJECT = ((31.0, 24.0), 5.0)
POLYGON = [(4.0, 4.0), (22.0, 6.0), (18.0, 18.0), (8.0, 22.0), (3.0, 12.0)]
ZONES = {"units": "cm", "zones": [
    {"name": "object", "shape": "circle", "center": list(OBJECT[0]), "radius": OBJECT[1]},
    {"name": "nest", "shape": "polygon", "points": [list(p) for p in POLYGON]},
]}


def path(t):
    """Body centre (cm) and heading (rad) of the analytic path at times ``t``."""
    x = 20 + 13 * np.cos(0.7 * t)
    y = 20 + 11 * np.sin(1.1 * t)
    vx, vy = -13 * 0.7 * np.sin(0.7 * t), 11 * 1.1 * np.cos(1.1 * t)
    return np.c_[x, y], np.arctan2(vy, vx)


def in_circle(p, center, r):
    return np.hypot(p[:, 0] - center[0], p[:, 1] - center[1]) <= r


def in_polygon(p, poly):
    """Even-odd ray casting."""
    x, y = p[:, 0], p[:, 1]
    inside = np.zeros(len(p), bool)
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xc)
    return inside


def truth(t0, duration, dt=1e-4):
    """Time, entries and latency (from ``t0``) per zone, for the body and (time only) the head."""
    t = np.arange(t0, t0 + duration, dt)
    body, heading = path(t)
    head = synthetic.mouse_keypoints_cm(body, heading, MOUSE_CM)["head"]
    out = {}
    for name, test in (("object", lambda p: in_circle(p, *OBJECT)), ("nest", lambda p: in_polygon(p, POLYGON))):
        inside = test(body)
        first = np.flatnonzero(inside)
        out[name] = {"time": inside.sum() * dt, "entries": int((inside[1:] & ~inside[:-1]).sum()),
                     "latency": (first[0] * dt) if len(first) else np.nan, "head": test(head).sum() * dt}
    return out


def empty_start_pose():
    """A pose (tilted camera, corners tracked) of the path, with the animal missing before it is placed."""
    t = np.arange(int(VIDEO_S * FPS)) / FPS
    body, heading = path(t)
    traj = pd.DataFrame({"x_cm": body[:, 0], "y_cm": body[:, 1], "heading_rad": heading})
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS, mouse_length_cm=MOUSE_CM)
    conf = ds["confidence"].values.copy()
    animal = [list(ds.keypoints.values).index(k) for k in ("head", "body", "tail")]
    absent = (t < APPEARS_S) & ~((t >= GLIMPSE_S[0]) & (t < GLIMPSE_S[1]))
    conf[np.ix_(absent, animal, [0])] = 0.0
    ds = ds.copy(data={"position": ds["position"].values, "confidence": conf})
    return ds, calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)


@pytest.fixture(scope="module")
def scene():
    return empty_start_pose()


def test_oracle_has_something_to_find():
    tr = truth(APPEARS_S, 25.0)
    assert tr["object"]["entries"] >= 2 and tr["nest"]["entries"] >= 2
    assert tr["object"]["time"] > 2 and tr["nest"]["time"] > 2


def test_custom_zones_and_auto_window_against_the_oracle(scene):
    ds, cal = scene
    config = KinematicsConfig(zones=zones.parse(ZONES, "zones.json"), start="auto", duration_s=25.0)
    res = analyze_pose(ds, cal, config)
    s = summarize(res)
    assert s["trial_start_s"] == pytest.approx(APPEARS_S, abs=0.3)  # not the glimpse at 0.8 s
    assert s["duration_s"] == pytest.approx(25.0, abs=1.01 / FPS)
    tr = truth(APPEARS_S, 25.0)
    for name in ("object", "nest"):
        assert s[f"time_{name}_s"] == pytest.approx(tr[name]["time"], abs=0.3), name
        assert s[f"{name}_entries"] == tr[name]["entries"], name
        assert s[f"latency_{name}_s"] == pytest.approx(tr[name]["latency"], abs=0.3), name
        assert s[f"time_head_{name}_s"] == pytest.approx(tr[name]["head"], abs=0.3), name
        assert s[f"mean_speed_{name}_cm_s"] > 0 and s[f"distance_{name}_cm"] > 0
    # the custom columns follow SUMMARY_COLUMNS, in the zones' order
    assert list(s)[: len(SUMMARY_COLUMNS)] == SUMMARY_COLUMNS
    assert list(summary_row(s))[len(SUMMARY_COLUMNS):] == [
        c for n in ("object", "nest") for c in (f"time_{n}_s", f"{n}_entries", f"latency_{n}_s",
                                                 f"distance_{n}_cm", f"mean_speed_{n}_cm_s", f"time_head_{n}_s")]
    # the per-frame table keeps the video's frame numbers, times from the trial start
    f = frames_table(res)
    first = int(round(s["trial_start_s"] * FPS))
    assert f["frame"].iloc[0] == first and f["time_s"].iloc[0] == 0.0
    assert len(f) == pytest.approx(25 * FPS, abs=1)
    assert f["in_object"].sum() / FPS == pytest.approx(s["time_object_s"])
    assert not res.attrs["cleaning"]["trial"]["short"]


def test_distance_and_center_on_the_window(scene):
    ds, cal = scene
    res = analyze_pose(ds, cal, KinematicsConfig(start=5.0, duration_s=20.0))
    s = summarize(res)
    t = np.arange(5.0, 25.0, 1e-4)
    p, _ = path(t)
    assert s["distance_cm"] == pytest.approx(np.linalg.norm(np.diff(p, axis=0), axis=1).sum(), rel=0.01)
    c = (p >= 10).all(axis=1) & (p <= 30).all(axis=1)
    assert s["time_center_s"] == pytest.approx(c.sum() * 1e-4, abs=0.3)
    assert s["latency_center_s"] == pytest.approx(np.flatnonzero(c)[0] * 1e-4, abs=0.3)
    assert s["trial_start_s"] == 5.0


def test_short_recording_is_flagged_not_hidden(scene):
    ds, cal = scene
    res = analyze_pose(ds, cal, KinematicsConfig(start="auto", duration_s=40.0))
    w = res.attrs["cleaning"]["trial"]
    assert w["short"] and w["video_duration_s"] == pytest.approx(VIDEO_S)
    assert summarize(res)["duration_s"] == pytest.approx(VIDEO_S - w["start_s"], abs=1.01 / FPS)
    rec = quality.assess_quality(frames_read=int(VIDEO_S * FPS), fps=FPS, fraction_missing=0.0, trial=w,
                                 duration_s=VIDEO_S)
    assert "short_recording" in rec.flags and "before the trial's end" in rec.reasons["short_recording"]
    w20 = analyze_pose(ds, cal, KinematicsConfig(duration_s=20.0)).attrs["cleaning"]["trial"]
    rec = quality.assess_quality(frames_read=int(VIDEO_S * FPS), fps=FPS, fraction_missing=0.0, trial=w20)
    assert rec.flags == ()  # a 20-s trial in a 32-s video: not short (the 60-s rule is for whole recordings)


def test_default_rectangle_unchanged_by_the_zone_model(scene):
    ds, cal = scene
    plain = summarize(analyze_pose(ds, cal, KinematicsConfig()))
    with_zones = summarize(analyze_pose(ds, cal, KinematicsConfig(zones=zones.parse(ZONES))))
    for k in SUMMARY_COLUMNS:
        assert plain[k] == with_zones[k] or (np.isnan(plain[k]) and np.isnan(with_zones[k])), k
    # the corners: the border ring's corner squares (10 cm), against the rectangle test
    f = frames_table(analyze_pose(ds, cal, KinematicsConfig()))
    xy = f[["x_cm", "y_cm"]].to_numpy()
    tl = (xy[:, 0] <= 10) & (xy[:, 1] <= 10)
    assert (f["in_corner_tl"].to_numpy() == tl).all()
    assert plain["time_corner_tl_s"] == pytest.approx(tl.sum() / FPS)


def test_zones_need_an_arena_and_must_fit_it(scene):
    ds, cal = scene
    far = zones.parse({"zones": [{"name": "far", "shape": "circle", "center": [70, 20], "radius": 5}]}, "z.json")
    with pytest.raises(OpenfieldError, match="z.json: zone 'far' lies outside the arena"):
        analyze_pose(ds, cal, KinematicsConfig(zones=far))


# --------------------------------------------------------------------------- through the command line


@pytest.fixture
def pose_file(tmp_path):
    ds, _ = empty_start_pose()
    path = tmp_path / "emptystartDLC_resnet50.csv"
    write_dlc_csv(ds, path, scorer="DLC_resnet50_test")
    (tmp_path / "zones.json").write_text(json.dumps(ZONES))
    return path


def test_kinematics_with_zones_and_auto_window(pose_file, tmp_path):
    out = tmp_path / "out"
    common = ["--arena-from-bodyparts", "tl", "tr", "br", "bl", "--arena-size-cm", "40", "40", "--fps", "30",
              "-o", str(out), "--no-plots"]
    assert main(["kinematics", str(pose_file), *common, "--zones", str(tmp_path / "zones.json"),
                 "--start", "auto", "--duration", "25", "--corner-cm", "8"]) == 0
    s = pd.read_csv(out / "emptystartDLC_resnet50_summary.csv").iloc[0]
    assert s["trial_start_s"] == pytest.approx(APPEARS_S, abs=0.3)
    tr = truth(APPEARS_S, 25.0)
    assert s["object_entries"] == tr["object"]["entries"]
    assert s["time_nest_s"] == pytest.approx(tr["nest"]["time"], abs=0.3)
    assert list(s.index)[1 : 1 + len(SUMMARY_COLUMNS)] == SUMMARY_COLUMNS
    frames = pd.read_csv(out / "emptystartDLC_resnet50_kinematics.csv")
    assert {"in_object", "in_nest", "in_corner_tl"} <= set(frames.columns)
    xy = frames[["x_cm", "y_cm"]].to_numpy()
    assert (frames["in_corner_br"] == ((xy >= 32).all(axis=1))).all()  # --corner-cm 8 in a 40-cm arena
    # a changed window is a changed fingerprint: the step reruns
    assert main(["kinematics", str(pose_file), *common, "--start", "4"]) == 0
    s = pd.read_csv(out / "emptystartDLC_resnet50_summary.csv").iloc[0]
    assert s["trial_start_s"] == 4.0 and "time_object_s" not in s.index


@pytest.mark.parametrize(("zones_obj", "expect"), [
    ({"zones": [{"name": "o", "shape": "hexagon"}]}, "unknown shape 'hexagon'"),
    ({"zones": [{"name": "far", "shape": "circle", "center": [90, 90], "radius": 3}]}, "'far' lies outside the arena"),
    ({"zones": [{"name": "a", "shape": "circle", "center": [9, 9], "radius": 3}] * 2}, "'a' is defined twice"),
    ({"zones": [{"name": "time-1", "shape": "circle", "center": [9, 9], "radius": 3}]}, "not a column word"),
])
def test_bad_zone_file_one_error_before_any_pose_is_read(tmp_path, capsys, zones_obj, expect):
    bad = tmp_path / "bad_zones.json"
    bad.write_text(json.dumps(zones_obj))
    missing_pose = tmp_path / "never_read.csv"  # not there: the zones file is refused first
    code = main(["kinematics", str(missing_pose), "--arena-from-bodyparts", "tl", "tr", "br", "bl",
                 "--arena-size-cm", "40", "40", "--fps", "30", "-o", str(tmp_path / "out"), "--zones", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert str(bad) in err and expect in err, err
    assert not (tmp_path / "out").exists()


def test_run_config_checks_zones_against_the_arena():
    far = zones.parse({"zones": [{"name": "far", "shape": "circle", "center": [70, 20], "radius": 5}]}, "z.json")
    with pytest.raises(OpenfieldError, match="z.json: zone 'far' lies outside"):
        RunConfig(arena_size_cm=(40, 40), kinematics=KinematicsConfig(zones=far))
    with pytest.raises(OpenfieldError, match="--corner-cm must be"):
        RunConfig(arena_size_cm=(40, 40), kinematics=KinematicsConfig(corner_cm=30))
    with pytest.raises(OpenfieldError, match="--start must be"):
        KinematicsConfig(start="later")


# --------------------------------------------------------------------------- round arenas, zones in pixels


def test_round_arena_centre_disk_against_the_oracle():
    """A round floor's calibration (1 px = 1 cm): the centre zone is the disk."""
    from openfield.arena import ArenaGeometry
    from openfield.calibration import Calibration

    t = np.arange(int(20 * FPS)) / FPS
    body, heading = path(t)
    cal = Calibration(method="arena", px_per_cm=1.0, homography=np.eye(3), arena_size_cm=ARENA,
                      arena=ArenaGeometry("circle", center_px=(ARENA[0] / 2, ARENA[1] / 2),
                                          axes_px=(ARENA[0] / 2, ARENA[1] / 2)))
    assert cal.shape == "circle"
    from openfield.io import from_numpy

    ds = from_numpy(body[:, None, :], None, ["body"], fps=FPS)
    res = analyze_pose(ds, cal, KinematicsConfig(smooth_window_s=0.25))
    s = summarize(res)
    fine = np.arange(0, 20, 1e-4)
    p, _ = path(fine)
    disk = np.hypot(p[:, 0] - 20, p[:, 1] - 20) <= 10  # diameter 0.5 x 40
    assert res.attrs["arena_shape"] == "circle"
    assert s["time_center_s"] == pytest.approx(disk.sum() * 1e-4, abs=0.3)
    assert s["center_entries"] == int((disk[1:] & ~disk[:-1]).sum())
    assert np.isnan(s["time_corner_tl_s"]) and not frames_table(res)["in_corner_tl"].any()
    with pytest.raises(OpenfieldError, match="--corner-cm applies to rectangular arenas"):
        analyze_pose(ds, cal, KinematicsConfig(corner_cm=5))


def test_pixel_zones_equal_the_same_zones_in_cm(scene):
    ds, cal = scene
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    poly_px = synthetic.to_px(h, np.asarray(POLYGON))  # a homography maps a polygon onto a polygon
    px = zones.parse({"units": "px", "zones": [{"name": "nest", "shape": "polygon", "points": poly_px.tolist()}]})
    cm = zones.parse({"zones": [ZONES["zones"][1]]})
    s_px = summarize(analyze_pose(ds, cal, KinematicsConfig(zones=px)))
    s_cm = summarize(analyze_pose(ds, cal, KinematicsConfig(zones=cm)))
    assert s_px["time_nest_s"] == pytest.approx(s_cm["time_nest_s"], abs=2 / FPS)
    assert s_px["nest_entries"] == s_cm["nest_entries"]


def test_auto_start_without_the_animal_is_one_clear_error(scene):
    ds, cal = scene
    conf = ds["confidence"].values.copy()
    conf[:, :3] = 0.0
    conf[:20, :3] = 1.0  # head, body and tail found in the first 20 frames only (0.67 s: never 1 s inside)
    glimpse = ds.copy(data={"position": ds["position"].values, "confidence": conf})
    with pytest.raises(OpenfieldError, match="--start auto: the animal is never inside the arena for 1 s"):
        analyze_pose(glimpse, cal, KinematicsConfig(start="auto"))
