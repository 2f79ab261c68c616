"""Per-bin measures: known answers, and bins that add up exactly to the whole recording."""

import numpy as np
import pandas as pd
import pytest
from study_kin import kinematics_of

from openfield import synthetic, zones
from openfield.study.bins import ADDITIVE, BIN_MEASURES, bin_measures, center_entry_frames


def test_straight_line_at_10_cm_s():
    fps = 10.0
    t = np.arange(250) / fps  # 25 s, 1 cm per frame along x
    xy = np.c_[5 + 10 * t, np.full_like(t, 20.0)]  # x = 5 + 10 t: 10 cm/s
    frames, _ = kinematics_of(xy, fps)
    b = bin_measures(frames, fps, 10.0)
    # frame 0 has no step; bin 0 holds frames 0-99 (99 steps of 1 cm), bin 1 frames 100-199, bin 2 frames 200-249
    assert b["distance_cm"].to_numpy() == pytest.approx([99.0, 100.0, 50.0])
    assert b["bin_length_s"].tolist() == [10.0, 10.0, 5.0] and b["partial"].tolist() == [False, False, True]
    assert b["bin_start_min"].to_numpy() == pytest.approx([0, 1 / 6, 2 / 6])
    assert b["bin_end_min"].to_numpy() == pytest.approx([1 / 6, 2 / 6, 25 / 60])
    assert b["mean_speed_cm_s"].to_numpy() == pytest.approx([10, 10, 10])
    assert b["time_moving_s"].tolist() == pytest.approx([10.0, 10.0, 5.0])
    assert b[["time_center_s", "center_entries"]].isna().all().all()  # no arena: no zones


def test_bins_add_up_to_summarize():
    fps, arena = 25.0, (40.0, 40.0)
    traj = synthetic.make_trajectory(fps=fps, duration_s=95, arena_size_cm=arena, seed=4)
    xy = traj[["x_cm", "y_cm"]].to_numpy()
    xy[300:340] = np.nan  # a gap: steps and zones undefined there
    frames, whole = kinematics_of(xy, fps, arena)
    b = bin_measures(frames, fps, 20.0)
    assert len(b) == int(np.ceil(len(frames) / (20 * fps)))
    assert b["bin_length_s"].sum() == pytest.approx(whole["duration_s"], abs=1e-12)
    for m in ADDITIVE:
        assert b[m].sum() == pytest.approx(whole[m], abs=1e-9), m
    assert whole["center_entries"] > 2
    one = bin_measures(frames, fps, None).iloc[0]
    for m in BIN_MEASURES:
        assert one[m] == pytest.approx(whole[m], abs=1e-9), m


def test_center_entries_per_frame_match_zones():
    z = np.array(["border", "", "center", "center", "", "border", "center", "", "center", "border"], dtype=object)
    flags = center_entry_frames(z)
    assert np.flatnonzero(flags).tolist() == [2, 6]
    assert flags.sum() == zones.center_entries(z, 1.0)[0]


def test_behaviour_times_per_bin():
    fps = 10.0
    frames, _ = kinematics_of(np.c_[np.arange(40.0), np.zeros(40)], fps)
    labels = ["rearing"] * 15 + ["normal"] * 20 + ["grooming"] * 5
    b = bin_measures(frames, fps, 2.0, pd.DataFrame({"label": labels}))
    assert b["time_rearing_s"].tolist() == [1.5, 0.0]
    assert b["time_normal_s"].tolist() == [0.5, 1.5] and b["time_grooming_s"].tolist() == [0.0, 0.5]
    with pytest.raises(ValueError, match="39 frames"):
        bin_measures(frames, fps, 2.0, pd.DataFrame({"label": labels[:-1]}))
