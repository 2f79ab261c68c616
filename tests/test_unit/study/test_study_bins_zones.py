"""Per-bin measures of the corner and custom zones: they add up to the summary's, entries in the right bin."""

import numpy as np
import pandas as pd
import pytest
from study_kin import kinematics_of

from openfield import synthetic
from openfield.arena import zones
from openfield.kinematics import KinematicsConfig
from openfield.study.bins import bin_measures, zone_bin_columns

ZONES = zones.parse({"zones": [{"name": "object", "shape": "circle", "center": [30, 12], "radius": 5},
                               {"name": "nest", "shape": "polygon", "points": [[2, 2], [18, 4], [10, 18]]}]})


def test_zone_bins_add_up_to_the_summary():
    fps, arena = 25.0, (40.0, 40.0)
    traj = synthetic.make_trajectory(fps=fps, duration_s=95, arena_size_cm=arena, seed=4)
    xy = traj[["x_cm", "y_cm"]].to_numpy()
    xy[300:340] = np.nan
    frames, whole = kinematics_of(xy, fps, arena, KinematicsConfig(smooth_window_s=0.25, zones=ZONES))
    names = zone_bin_columns(frames)
    assert {"object", "nest"} <= set(names) and set(names) <= {*zones.CORNERS, "object", "nest"}
    b = bin_measures(frames, fps, 20.0)
    for z in names:
        for m in (f"time_{z}_s", f"{z}_entries", f"distance_{z}_cm"):
            assert b[m].sum() == pytest.approx(whole[m], abs=1e-9), m
    assert whole["object_entries"] >= 1 and whole["nest_entries"] >= 1


def test_zone_entry_counts_in_the_bin_of_its_first_frame():
    fps = 1.0
    inside = np.array([0, 0, 1, 1, 0, 1, 0, 0, 1, 1], bool)  # entries at frames 2, 5, 8
    frames = pd.DataFrame({"time_s": np.arange(10.0), "x_cm": np.arange(10.0), "y_cm": np.zeros(10),
                           "speed_cm_s": np.ones(10), "acceleration_cm_s2": np.zeros(10), "zone": "border",
                           "moving": True, "in_corner_tl": False, "in_box": inside})
    b = bin_measures(frames, fps, 4.0)
    assert "time_corner_tl_s" not in b  # never visited: left out
    assert b["box_entries"].tolist() == [1.0, 1.0, 1.0] and b["time_box_s"].tolist() == [2.0, 1.0, 2.0]
    assert b["distance_box_cm"].tolist() == [2.0, 1.0, 2.0]
