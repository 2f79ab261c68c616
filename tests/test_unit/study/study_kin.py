"""Per-frame kinematics tables from tracks already in cm, through the real kinematics stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from openfield.calibration import Calibration
from openfield.io import from_numpy
from openfield.kinematics import KinematicsConfig, analyze_pose, frames_table, summarize


def kinematics_of(xy_cm: np.ndarray, fps: float, arena: tuple[float, float] | None = None,
                  config: KinematicsConfig | None = None,
                  times_s: np.ndarray | None = None) -> tuple[pd.DataFrame, dict]:
    """Frames table and summary of a body track given in cm (1 px = 1 cm; NaN rows untracked).

    The Savitzky-Golay window is given explicitly, so a straight line stays exactly straight.
    ``times_s``: the frames' times of a variable-frame-rate video (``analyze_pose``'s).
    """
    xy_cm = np.asarray(xy_cm, float)
    pos = xy_cm[:, None, :]  # (frames, keypoints, 2)
    conf = np.where(np.isnan(xy_cm).any(axis=1), 0.0, 1.0)[:, None]
    ds = from_numpy(pos, conf, ["body"], fps=fps)
    if arena is None:
        cal = Calibration(method="points", px_per_cm=1.0)
    else:
        w, h = arena
        corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
        cal = Calibration(method="arena", px_per_cm=1.0, homography=np.eye(3), arena_corners_px=corners,
                          arena_size_cm=arena)
    config = config or KinematicsConfig(smooth_window_s=0.25)
    out = analyze_pose(ds, cal, config, fps, times_s)
    return frames_table(out), summarize(out)
