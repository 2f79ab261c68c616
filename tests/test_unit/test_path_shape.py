"""Path shape against analytic answers: laps of a circle, a turn back, turn angle and meander of a circle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield import path_shape, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.errors import OpenfieldError
from openfield.kinematics import KinematicsConfig, analyze_pose, frames_table, summarize

FPS = 30.0
ARENA = (40.0, 40.0)


def circle(laps: float, clockwise: bool = True, radius: float = 12.0, speed: float = 15.0,
           still_s: float = 0.0) -> pd.DataFrame:
    """A mouse walking ``laps`` turns of a circle round the arena's centre, nose along the path.

    In the image frame (y down) an increasing angle turns clockwise on the screen; ``still_s`` of
    standing at the start point first.
    """
    duration = laps * 2 * np.pi * radius / speed
    t = np.arange(int(round(duration * FPS)) + 1) / FPS
    sign = 1.0 if clockwise else -1.0
    ang = sign * speed / radius * t
    heading = ang + sign * np.pi / 2
    if still_s:
        k = int(round(still_s * FPS))
        ang, heading = np.r_[np.zeros(k), ang], np.r_[np.full(k, heading[0]), heading]
    return pd.DataFrame({"x_cm": 20 + radius * np.cos(ang), "y_cm": 20 + radius * np.sin(ang),
                         "heading_rad": heading})


def measured(traj: pd.DataFrame, config: KinematicsConfig | None = None, drop_axis: bool = False,
             noise_cm: float = 0.0, seed: int = 0):
    """Kinematics of a trajectory seen through a tilted camera (head, body, tail and arena corners)."""
    traj = traj.copy()
    if noise_cm:
        traj[["x_cm", "y_cm"]] += np.random.default_rng(seed).normal(0, noise_cm, (len(traj), 2))
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    if drop_axis:  # the head is never found: the direction of travel stands in for the body axis
        conf = ds["confidence"].values.copy()
        conf[:, list(ds.keypoints.values).index("head"), 0] = 0.0
        ds = ds.copy(data={"position": ds["position"].values, "confidence": conf})
    res = analyze_pose(ds, cal, config or KinematicsConfig())
    return res, summarize(res)


@pytest.mark.parametrize(("laps", "clockwise", "cw", "ccw"),
                         [(3.5, True, 3, 0), (2.25, False, 0, 2), (0.9, True, 0, 0), (4.1, False, 0, 4)])
def test_laps_of_a_circle_give_exact_rotations(laps, clockwise, cw, ccw):
    res, s = measured(circle(laps, clockwise))
    assert (s["rotations_cw"], s["rotations_ccw"]) == (cw, ccw)
    # the heading follows the body axis: tangent to the circle, as drawn
    frames = frames_table(res)
    assert frames["rotation"].abs().sum() == cw + ccw
    assert frames["heading_deg"].notna().all()


def test_rotations_fall_back_to_the_direction_of_travel_without_the_body_axis():
    # 3.5 laps clockwise after 2 s standing still: no head point, so the heading is the direction of travel,
    # unknown while the animal stands (no rotation invented by the jitter)
    res, s = measured(circle(3.5, True, still_s=2.0), drop_axis=True, noise_cm=0.05)
    assert (s["rotations_cw"], s["rotations_ccw"]) == (3, 0)
    frames = frames_table(res)
    assert frames["heading_deg"].iloc[:30].isna().all()  # the first second: standing, no axis, no travel
    assert frames["heading_deg"].iloc[-30:].notna().all()


def test_clockwise_is_as_seen_in_the_image():
    # east, then south (y down): a right turn on the screen, i.e. clockwise; a full turn that way is +1
    heading = np.r_[np.linspace(0, 360, 37)]
    assert path_shape.rotations(heading) == (1, 0)
    assert path_shape.rotations(-heading) == (0, 1)
    assert path_shape.axis_heading(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))[0] == pytest.approx(90.0)


def turns(*legs_deg: float, step: float = 5.0) -> np.ndarray:
    """A heading that turns by each signed amount in turn (positive clockwise), in steps of ``step`` degrees."""
    out = [0.0]
    for leg in legs_deg:
        n = int(round(abs(leg) / step))
        out.extend(out[-1] + np.sign(leg) * step * np.arange(1, n + 1))
    return path_shape.wrap_deg(np.array(out))


def test_a_turn_back_past_the_threshold_restarts_the_count():
    # 300 cw, 100 back, 170 cw: 370 net clockwise, but the 100-degree turn back (> 90) restarts the count
    assert path_shape.rotations(turns(300, -100, 170)) == (0, 0)
    # the same with an 80-degree turn back (< 90): the count goes on, 300 - 80 + 150 = 370 -> one rotation
    assert path_shape.rotations(turns(300, -80, 150)) == (1, 0)
    # a larger threshold lets the 100-degree turn back through
    assert path_shape.rotations(turns(300, -100, 170), threshold_deg=120) == (1, 0)
    # after the restart the count starts where the turning back ends: 360 more clockwise make one rotation
    assert path_shape.rotations(turns(300, -200, 360)) == (1, 0)
    assert path_shape.rotations(turns(300, -200, 350)) == (0, 0)
    # wiggles of +-30 degrees round a straight heading add nothing either way
    assert path_shape.rotations(turns(*[30, -60, 30] * 20)) == (0, 0)


def test_a_head_tail_swap_is_no_rotation():
    h = turns(30, -30, 30, -30)
    h[5] += 180.0  # one frame with head and tail swapped: -180 then -180 again would be a whole turn
    h[10:13] += 180.0  # three frames swapped
    assert path_shape.rotations(path_shape.wrap_deg(h)) == (0, 0)
    # a real turn of 60 degrees a frame (1800 deg/s at 30 fps) still counts
    assert path_shape.rotations(turns(420, step=60.0)) == (1, 0)


def test_rotations_skip_frames_without_a_heading():
    h = turns(400)
    h[10:20] = np.nan  # 50 degrees unseen: the turn across the gap is the shorter way round
    assert path_shape.rotations(h) == (1, 0)
    assert path_shape.rotations(np.full(10, np.nan)) == (0, 0)


def test_turn_angle_angular_velocity_and_meander_of_a_circle():
    radius, speed = 10.0, 12.0
    _, s = measured(circle(2.0, True, radius=radius, speed=speed), noise_cm=0.02)
    # a circle of radius R at speed v turns v / R rad/s: per frame v / (R fps), per cm 1 / R
    assert s["mean_turn_angle_deg"] == pytest.approx(np.degrees(speed / radius / FPS), rel=0.02)
    assert s["mean_angular_velocity_deg_s"] == pytest.approx(np.degrees(speed / radius), rel=0.02)
    assert s["meander_deg_cm"] == pytest.approx(np.degrees(1 / radius), rel=0.02)
    # a tighter circle meanders more, in proportion
    _, tight = measured(circle(2.0, False, radius=radius / 2, speed=speed))
    assert tight["meander_deg_cm"] == pytest.approx(2 * s["meander_deg_cm"], rel=0.03)


def test_a_straight_run_turns_no_corner_and_a_resting_animal_has_no_turn():
    t = np.arange(int(4 * FPS)) / FPS
    xy = np.c_[5 + 8 * t, np.full_like(t, 20.0)]
    turn, step, dt = path_shape.travel_turns(xy, np.ones(len(t), bool), FPS)
    m = path_shape.turn_measures(turn, step, dt)
    assert m["mean_turn_angle_deg"] == pytest.approx(0.0, abs=1e-9) and m["meander_deg_cm"] == pytest.approx(0.0)
    jitter = 20 + np.random.default_rng(0).normal(0, 0.3, (len(t), 2))  # never moving: no direction of travel
    m = path_shape.turn_measures(*path_shape.travel_turns(jitter, np.zeros(len(t), bool), FPS))
    assert all(np.isnan(v) for v in m.values())


def test_rotation_threshold_option_is_checked():
    with pytest.raises(OpenfieldError, match=r"--rotation-threshold .* between 0 and 360"):
        KinematicsConfig(rotation_threshold_deg=0.0)
