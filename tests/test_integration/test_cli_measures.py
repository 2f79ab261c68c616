"""`openfield kinematics` reports rotations, immobility and wall-hugging with their known values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.cli import main
from openfield.io import write_dlc_csv
from openfield.kinematics import FRAME_COLUMNS, SUMMARY_COLUMNS

ARENA = (40.0, 40.0)
FPS = 30.0
R, V = 13.0, 13.0  # circle radius (cm) and walking speed (cm/s)


def scenario() -> pd.DataFrame:
    """4 s still; 2.5 laps clockwise; 3 s still, turning round on the spot in its second second; 1.75 laps
    counter-clockwise. Body axis along the path (tail base -> nose), y down as in the image."""
    w = V / R
    still1 = int(4 * FPS)
    lap_cw = np.arange(int(round(2.5 * 2 * np.pi / w * FPS))) / FPS
    still2 = int(3 * FPS)
    lap_ccw = np.arange(1, int(round(1.75 * 2 * np.pi / w * FPS)) + 1) / FPS
    a_end = w * lap_cw[-1]
    ang = np.r_[np.zeros(still1), w * lap_cw, np.full(still2, a_end), a_end - w * lap_ccw]
    turn = np.clip((np.arange(still2) - FPS) / FPS, 0, 1)  # 180 degrees counter-clockwise on the spot
    heading = np.r_[np.full(still1, np.pi / 2), w * lap_cw + np.pi / 2, a_end + np.pi / 2 - np.pi * turn,
                    a_end - w * lap_ccw - np.pi / 2]
    xy = np.c_[20 + R * np.cos(ang), 20 + R * np.sin(ang)]
    xy += np.random.default_rng(3).normal(0, 0.05, xy.shape)  # tracking jitter
    return pd.DataFrame({"x_cm": xy[:, 0], "y_cm": xy[:, 1], "heading_rad": heading})


@pytest.fixture
def pose_file(tmp_path):
    traj = scenario()
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    path = tmp_path / "mouseDLC_resnet50.csv"
    write_dlc_csv(ds, path, scorer="DLC_resnet50_test")
    return path, traj


def run(pose, out, *extra):
    assert main(["kinematics", str(pose), "--arena-from-bodyparts", "tl", "tr", "br", "bl", "--arena-size-cm",
                 "40", "40", "--fps", "30", "-o", str(out), "--no-plots", *extra]) == 0
    return pd.read_csv(out / f"{pose.stem}_summary.csv").iloc[0], pd.read_csv(out / f"{pose.stem}_kinematics.csv")


def test_kinematics_command_reports_the_new_measures(pose_file, tmp_path):
    pose, traj = pose_file
    s, frames = run(pose, tmp_path / "out")
    assert list(s.index) == ["file", *SUMMARY_COLUMNS] and list(frames.columns) == FRAME_COLUMNS
    # 2.5 laps clockwise = 900 degrees; 180 on the spot + 1.75 laps = 810 degrees counter-clockwise
    assert (s["rotations_cw"], s["rotations_ccw"]) == (2, 2)
    # a circle of radius R at speed V: V / R rad/s, 1 / R rad/cm
    assert s["mean_angular_velocity_deg_s"] == pytest.approx(np.degrees(V / R), rel=0.03)
    assert s["meander_deg_cm"] == pytest.approx(np.degrees(1 / R), rel=0.03)
    assert s["mean_turn_angle_deg"] == pytest.approx(np.degrees(V / R / FPS), rel=0.03)
    # two still periods of 4 and 3 s, the first from the start
    assert s["immobility_bouts"] == 2
    assert s["time_immobile_s"] == pytest.approx(7.0, abs=0.5)
    assert s["latency_immobile_s"] == 0.0  # not delayed by the jitter of the first frames (the bridge)
    assert not (frames["immobile"] & frames["moving"]).any()  # 1.75 cm/s under the 2-cm/s moving threshold
    # the wall: the nearest of the square's four sides, from the true path
    x, y = traj["x_cm"].to_numpy(), traj["y_cm"].to_numpy()
    d = np.minimum.reduce([x, 40 - x, y, 40 - y])
    assert s["mean_wall_distance_cm"] == pytest.approx(d.mean(), abs=0.2)
    assert s["thigmotaxis_fraction"] == pytest.approx((d <= 8).mean(), abs=0.02)
    assert 0.2 < s["thigmotaxis_fraction"] < 0.8
    # the options reach the measures: a 3.5-s minimum leaves the 4-s episode only; a 10-cm wall zone more time
    s2, _ = run(pose, tmp_path / "out2", "--immobile-min", "3.5", "--thigmotaxis-cm", "10",
                "--rotation-threshold", "90", "--immobile-threshold", "1.75")
    assert s2["immobility_bouts"] == 1 and s2["time_immobile_s"] == pytest.approx(4.0, abs=0.3)
    assert s2["thigmotaxis_fraction"] == pytest.approx((d <= 10).mean(), abs=0.02)
    assert s2["thigmotaxis_fraction"] > s["thigmotaxis_fraction"] + 0.1
    assert main(["kinematics", str(pose), "--arena-from-bodyparts", "tl", "tr", "br", "bl", "--arena-size-cm",
                 "40", "40", "--fps", "30", "-o", str(tmp_path / "bad"), "--rotation-threshold", "400"]) != 0
