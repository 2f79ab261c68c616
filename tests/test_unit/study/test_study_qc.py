"""Summaries with the QC record (issue 16) in a study: carried into the per-video table, not compared."""

import numpy as np
import pandas as pd
import pytest

from openfield import kinematics
from openfield.calibration import Calibration
from openfield.io import from_numpy
from openfield.study import run_study

FPS = 10.0


def _animal(speed):
    t = np.arange(int(60 * FPS)) / FPS
    pos = np.c_[50 + 10 * speed * t / 6, 200 + 0 * t][:, None, :]  # a straight line at speed / 6 cm/s (10 px/cm)
    ds = from_numpy(pos, np.ones((len(t), 1)), ["body"], fps=FPS)
    cal = Calibration(method="arena", px_per_cm=10, homography=np.diag([0.1, 0.1, 1.0]),
                      arena_corners_px=[[0, 0], [400, 0], [400, 400], [0, 400]], arena_size_cm=(40.0, 40.0))
    res = kinematics.analyze_pose(ds, cal, kinematics.KinematicsConfig())
    return kinematics.summarize(res), kinematics.frames_table(res)


@pytest.mark.slow  # the study's statistics on every default measure: ~8 s
def test_qc_columns_are_carried_but_not_compared():
    design, summaries, frames = [], {}, {}
    for i in range(6):
        s, fr = _animal(3.0 + 2.0 * (i // 3) + 0.2 * i)
        s.update(frames_expected=600, frames_read=600 - i, jumps_removed=i, tracking_noise_cm=0.01 * i,
                 qc_flags="truncated;short_recording" if i == 4 else float("nan"))  # empty flags read back: NaN
        design.append({"video": f"m{i}.mp4", "group": ["vehicle", "drug"][i // 3], "subject": f"S{i}",
                       "stem": f"m{i}", "recording": f"m{i}"})
        summaries[f"m{i}"], frames[f"m{i}"] = s, fr
    design = pd.DataFrame(design)
    t = run_study(design, summaries, frames, control="vehicle")
    qc = ["frames_expected", "frames_read", "jumps_removed", "tracking_noise_cm", "qc_flags"]
    assert not set(qc) & set(t.measures) and "distance_cm" in t.measures
    assert set(qc) <= set(t.videos.columns)
    assert t.videos.set_index("recording").loc["m4", "qc_flags"] == "truncated;short_recording"
    asked = run_study(design, summaries, frames, control="vehicle", measures=["jumps_removed"])
    assert set(asked.stats["measure"]) == {"jumps_removed"}
