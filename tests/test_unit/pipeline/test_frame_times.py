"""A variable-frame-rate video's timestamps through the pipeline's steps: kept beside the pose only when the rate
varies, read back by the kinematics step, decoded again for a pose made elsewhere (DeepLabCut)."""

import json
import logging

import numpy as np
import pandas as pd
import pytest

from openfield import quality, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.io import write_dlc_csv
from openfield.io.timestamps import read_frame_times
from openfield.kinematics import KinematicsConfig
from openfield.pipeline import Ledger
from openfield.pipeline.ledger import plain
from openfield.pipeline.steps import frame_times_file, frame_times_step, kinematics_step, write_frame_times

ARENA = (40.0, 40.0)


def uneven_ms(n=600, start_ms=1000.0):
    """Timestamps (ms) of frames alternately 25 and 40 ms apart, the first at ``start_ms``."""
    return start_ms + np.r_[0, np.cumsum(np.where(np.arange(n - 1) % 2, 25.0, 40.0))]


def test_frame_times_are_kept_only_for_a_variable_rate(tmp_path, caplog):
    ledger = Ledger(tmp_path, "m")
    path = tmp_path / "m_frame_times.csv"
    assert write_frame_times(ledger, np.arange(300) * 40.0) == {} and not path.exists()  # constant rate
    assert write_frame_times(ledger, None) == {}
    ms = uneven_ms()
    assert write_frame_times(ledger, ms) == {"frame_times": path}
    np.testing.assert_array_equal(read_frame_times(path), ms)
    assert write_frame_times(ledger, np.arange(300) * 40.0) == {} and not path.exists()  # a stale file goes
    with caplog.at_level(logging.WARNING):
        assert write_frame_times(ledger, np.r_[ms[:100], ms[50:]]) == {}  # going back: cannot place the frames
    assert "do not increase" in caplog.text and "times from frame index / fps" in caplog.text


def circle_pose(tmp_path, times_s):
    """A circle at 15 cm/s at the given frame times: the pose file and its calibration."""
    ang = 15.0 / 12.0 * times_s
    traj = pd.DataFrame({"x_cm": 20 + 12 * np.cos(ang), "y_cm": 20 + 12 * np.sin(ang), "heading_rad": ang})
    ds = synthetic.pose_from_trajectory(traj, synthetic.camera_homography(ARENA, (640, 480)), ARENA, 30.0)
    return write_dlc_csv(ds, tmp_path / "m_pose.csv", scorer="test"), calibrate_from_bodyparts(
        ds, ("tl", "tr", "br", "bl"), ARENA)


def test_kinematics_step_measures_on_the_kept_frame_times(tmp_path, caplog):
    ms = uneven_ms()
    t = (ms - ms[0]) / 1000
    pose, cal = circle_pose(tmp_path, t)
    out = tmp_path / "out"
    ledger = Ledger(out, "m")
    times = write_frame_times(ledger, ms)["frame_times"]
    fp, summary = kinematics_step(ledger, pose, 30.0, cal, KinematicsConfig(), ["p", "c"], plot=False,
                                  frame_times=times)
    assert summary["mean_speed_cm_s"] == pytest.approx(15.0, rel=0.005)
    assert summary["duration_s"] == pytest.approx(t[-1] + 0.040)  # + the median interval (300 of 40 ms, 299 of 25)
    assert summary["cleaning"]["time_source"] == "timestamps"
    np.testing.assert_allclose(pd.read_csv(out / "m_kinematics.csv")["time_s"], t, atol=1e-4)
    # recorded: read back as it is; the fingerprint says the times came from the timestamps
    again = Ledger(out, "m")
    fp_again, read_back = kinematics_step(again, pose, 30.0, cal, KinematicsConfig(), ["p", "c"], plot=False,
                                          frame_times=times)
    assert fp_again == fp and again.ran == []
    assert json.dumps(read_back, sort_keys=True) == json.dumps(plain(summary), sort_keys=True)  # NaN == NaN
    by_index = Ledger(tmp_path / "other", "m")
    fp_index, by_fps = kinematics_step(by_index, pose, 30.0, cal, KinematicsConfig(), ["p", "c"], plot=False)
    assert fp_index != fp and by_fps["cleaning"]["time_source"] == "fps"
    assert abs(by_fps["duration_s"] - summary["duration_s"]) > 0.4  # 600 / 30 = 20 s, against 19.52 s
    # times that do not fit the pose (another video's): not used, said so
    short = write_frame_times(Ledger(tmp_path / "short", "m"), ms[:-10])["frame_times"]
    with caplog.at_level(logging.WARNING):
        _, summary_short = kinematics_step(Ledger(tmp_path / "short", "m"), pose, 30.0, cal, KinematicsConfig(),
                                           ["p", "c"], plot=False, frame_times=short)
    assert summary_short["cleaning"]["time_source"] == "fps"
    assert "590 frame times for 600 pose frames: times from frame index / fps" in caplog.text


def test_frame_times_step_decodes_a_video_once(tmp_path):
    made = synthetic.render_video(tmp_path, "cfr", fps=20, duration_s=2, image_size=(160, 120))
    ledger = Ledger(tmp_path / "out", "cfr")
    fp, values = frame_times_step(ledger, made.video)
    n = int(pd.read_csv(made.truth).shape[0])
    assert values["frames_read"] == values["frames_expected"] == n
    assert values["timestamps"] == quality.timestamp_summary(np.arange(n) / 20.0) | {
        "timestamps_fps": pytest.approx(20.0), "frame_interval_cv": pytest.approx(0.0, abs=1e-9)}
    assert frame_times_file(ledger) is None  # a constant rate: no file
    again = Ledger(tmp_path / "out", "cfr")
    assert frame_times_step(again, made.video) == (fp, values) and again.ran == []
