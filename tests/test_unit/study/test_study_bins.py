"""Per-bin measures: known answers, and bins that add up exactly to the whole recording."""

import numpy as np
import pandas as pd
import pytest
from study_kin import kinematics_of

from openfield import synthetic
from openfield.arena import zones
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
        assert one[m] == pytest.approx(whole[m], abs=1e-9, nan_ok=True), m  # mobility states: NaN (no outline)


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


def alternating_table(n: int = 301) -> pd.DataFrame:
    """A per-frame table of a variable-frame-rate video: frames 20 and 40 ms apart by turns (frame i lasts
    20 ms when even, 40 ms when odd, the last one the median 30 ms); the animal is in the centre, moving and
    rearing in the 40-ms frames only, 1 cm from one frame to the next."""
    t = np.r_[0.0, np.cumsum(np.where(np.arange(n - 1) % 2 == 0, 0.02, 0.04))]
    odd = np.arange(n) % 2 == 1
    frames = pd.DataFrame({"frame": np.arange(n), "time_s": t, "x_cm": np.arange(n, dtype=float),
                           "y_cm": np.zeros(n), "speed_cm_s": 10.0, "acceleration_cm_s2": 0.0,
                           "zone": np.where(odd, "center", "border"), "moving": odd,
                           # still in the 20-ms frames (each its own episode), near the wall in the 40-ms ones
                           "heading_deg": np.nan, "rotation": 0, "immobile": ~odd,
                           "wall_distance_cm": np.where(odd, 2.0, 12.0), "near_wall": odd})
    return frames, pd.DataFrame({"label": np.where(odd, "rearing", "other")})


def test_variable_frame_rate_times_are_sums_of_frame_durations():
    frames, behavior = alternating_table()
    fps = 1 / 0.03  # the median rate, as the summary reports it
    whole = bin_measures(frames, fps, None, behavior).iloc[0]
    # half the frames, but 40 of every 60 ms: 150 x 40 ms in the centre out of 150 x 20 + 150 x 40 + 30 ms
    duration = 150 * 0.02 + 150 * 0.04 + 0.03
    assert whole["bin_length_s"] == pytest.approx(duration, abs=1e-12)
    for m in ("time_center_s", "time_moving_s", "time_rearing_s"):
        assert whole[m] == pytest.approx(6.0, abs=1e-12), m
    assert whole["time_border_s"] == pytest.approx(3.03, abs=1e-12)
    assert whole["time_other_s"] == pytest.approx(3.03, abs=1e-12)
    assert whole["time_immobile_s"] == pytest.approx(3.03, abs=1e-12) and whole["immobility_bouts"] == 151
    assert whole["time_immobile_border_s"] == pytest.approx(3.03, abs=1e-12) and whole["time_immobile_center_s"] == 0
    assert whole["thigmotaxis_fraction"] == pytest.approx(6.0 / duration, abs=1e-12)
    assert whole["mean_wall_distance_cm"] == pytest.approx((150 * 2.0 + 151 * 12.0) / 301)  # a mean over frames
    assert abs(150 / fps - 6.0) > 1.4  # what frame counts / fps would say (4.5 s): wrong
    # 1-s bins on the real times: bin 0 holds the frames before 1 s (0-33), lasting until frame 34 (1.02 s)
    b = bin_measures(frames, fps, 1.0, behavior)
    assert len(b) == 10 and b["bin_start_min"].to_numpy() == pytest.approx(np.arange(10) / 60)
    assert b["bin_length_s"].iloc[0] == pytest.approx(1.02, abs=1e-12)
    assert b["time_center_s"].iloc[0] == pytest.approx(17 * 0.04, abs=1e-12)
    assert b["distance_cm"].iloc[0] == pytest.approx(33.0)
    assert b["bin_length_s"].iloc[1] == pytest.approx(0.98, abs=1e-12)  # frames 34-66: 1.02 s to 2.00 s
    # a bin ends at its edge, the last at the recording's end: frame 300 alone, at 9 s, 30 ms long
    assert b["bin_end_min"].to_numpy() == pytest.approx(np.r_[np.arange(1, 10), 9.03] / 60)
    assert b["partial"].tolist() == [False] * 9 + [True]
    assert b["bin_length_s"].iloc[-1] == pytest.approx(0.03)
    for m in [*ADDITIVE, "bin_length_s", "time_rearing_s", "time_other_s"]:
        assert b[m].sum() == pytest.approx(whole[m], abs=1e-9), m


def test_bins_add_up_to_summarize_at_a_variable_frame_rate():
    """Through the kinematics stage on the frames' times: the bins add up to its summary, to rounding."""
    arena = (40.0, 40.0)
    rng = np.random.default_rng(5)
    t = np.r_[0.0, np.cumsum(rng.choice([0.02, 0.04, 0.05], 2999))]  # ~110 s
    traj = synthetic.make_trajectory(fps=100.0, duration_s=t[-1] + 1, arena_size_cm=arena, seed=4)
    src = np.arange(len(traj)) / 100.0
    xy = np.c_[np.interp(t, src, traj["x_cm"]), np.interp(t, src, traj["y_cm"])]
    xy[300:340] = np.nan
    frames, whole = kinematics_of(xy, 1 / 0.04, arena, times_s=t)
    fps = whole["fps"]
    b = bin_measures(frames, fps, 20.0)
    assert len(b) == int(t[-1] // 20) + 1
    assert b["bin_length_s"].sum() == pytest.approx(whole["duration_s"], abs=1e-9)
    assert whole["center_entries"] > 2 and whole["time_center_s"] > 5
    for m in ADDITIVE:
        assert b[m].sum() == pytest.approx(whole[m], abs=1e-9), m
    one = bin_measures(frames, fps, None).iloc[0]
    for m in BIN_MEASURES:
        assert one[m] == pytest.approx(whole[m], abs=1e-9, nan_ok=True), m  # mobility states: NaN (no outline)
    # the frame counts would not: a frame lasts 20 to 50 ms
    assert abs((frames["zone"] == "center").sum() / fps - whole["time_center_s"]) > 0.5
    # the table as written (times to 4 decimals): the same to within the rounding
    written = frames.round(4)
    b4 = bin_measures(written, fps, 20.0)
    for m in ("bin_length_s", "time_center_s", "time_border_s", "time_moving_s"):
        assert b4[m].sum() == pytest.approx(whole[m if m != "bin_length_s" else "duration_s"], abs=1e-3), m
