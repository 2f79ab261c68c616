"""The quality step flags a trial window the video cannot fill (``short_recording``), through the kinematics' record."""

from test_quality_step import FPS, noisy_circle

from openfield import kinematics
from openfield.io import read_dlc
from openfield.kinematics import KinematicsConfig
from openfield.pipeline import Ledger
from openfield.pipeline.steps import quality_step


def _qc(tmp_path, name, pose, cal, n, **window):
    result = kinematics.analyze_pose(read_dlc(pose, fps=FPS), cal, KinematicsConfig(**window), FPS)
    values = {**kinematics.summarize(result), "cleaning": result.attrs["cleaning"]}
    return quality_step(Ledger(tmp_path / name, "mouse"), values, FPS, cal, {"frames_read": n}, (640, 480),
                        ["p", name])[1]


def test_short_recording_means_the_trial_does_not_fit(tmp_path):
    pose, cal, n = noisy_circle(tmp_path, noise_cm=0.05, outliers=0)  # a 40-s video
    short = _qc(tmp_path, "a", pose, cal, n, start=10.0, duration_s=35.0)  # would end at 45 s
    assert short["qc_flags"] == "short_recording"
    assert "ends at 40.0 s, before the trial's end (10.0 s + 35 s)" in short["qc_message"]
    fits = _qc(tmp_path, "b", pose, cal, n, start=10.0, duration_s=30.0)  # ends at 40 s: fits
    assert fits["qc_flags"] == ""
    whole = _qc(tmp_path, "c", pose, cal, n)  # no window: the 60-s rule for a whole recording, as before
    assert whole["qc_flags"] == "short_recording" and "40.0 s long (< 60 s)" in whole["qc_message"]
