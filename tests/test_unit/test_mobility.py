"""Immobility episodes against known still periods, under tracking jitter."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import mobility, synthetic
from openfield.calibration import calibrate_from_bodyparts
from openfield.errors import OpenfieldError
from openfield.kinematics import KinematicsConfig, analyze_pose, frames_table, summarize
from openfield.synthetic import Leg

FPS = 30.0
ARENA = (40.0, 40.0)
PAUSES = [3.0, 4.0, 5.0, 6.0]


def four_stops():
    """Runs round the arena at up to 20 cm/s with four stops of 3, 4, 5 and 6 s (0.5 s still at the start)."""
    pts = [(5, 5), (35, 5), (35, 35), (5, 35), (5, 10)]
    legs = [Leg(pts[i], pts[i + 1], 20.0, 40.0, PAUSES[i]) for i in range(4)]
    return synthetic.legs_trajectory(legs, FPS, start_pause_s=0.5)


def measured(traj, noise_cm, config=None, seed=1):
    traj = traj.copy()
    traj[["x_cm", "y_cm"]] += np.random.default_rng(seed).normal(0, noise_cm, (len(traj), 2))
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    res = analyze_pose(ds, cal, config or KinematicsConfig())
    return res, summarize(res)


@pytest.mark.parametrize("noise_cm", [0.1, 0.5])
def test_four_still_periods_under_jitter(noise_cm):
    traj = four_stops()
    res, s = measured(traj, noise_cm)
    assert s["immobility_bouts"] == 4
    # the truth: the stops, plus the few frames at each end of them where the exact speed is below 1.75 cm/s
    truth = mobility.immobility_summary(mobility.immobile_mask(traj["speed_cm_s"].to_numpy(), FPS), FPS)
    assert truth["immobility_bouts"] == 4
    assert truth["time_immobile_s"] == pytest.approx(sum(PAUSES) + 4 * 2 * 1.75 / 40.0, abs=0.1)
    assert s["time_immobile_s"] == pytest.approx(truth["time_immobile_s"], abs=1.0)
    assert s["latency_immobile_s"] == pytest.approx(truth["latency_immobile_s"], abs=0.2)
    # each episode where a stop is, within a few frames at each end
    frames = frames_table(res)
    starts, lengths = mobility.episodes(frames["immobile"].to_numpy())
    t_starts, t_lengths = mobility.episodes(traj["phase"].to_numpy() == "stop")
    t_starts, t_lengths = t_starts[t_lengths > FPS], t_lengths[t_lengths > FPS]  # not the 0.5-s start
    np.testing.assert_allclose(starts, t_starts, atol=6)
    np.testing.assert_allclose(lengths, t_lengths, atol=12)


def test_the_jitter_bridge_is_what_keeps_an_episode_whole():
    traj = four_stops()
    truth = mobility.immobility_summary(mobility.immobile_mask(traj["speed_cm_s"].to_numpy(), FPS), FPS)
    res, s = measured(traj, 0.5)
    speed = res["speed"].values
    # the same speeds with no bridge: jitter spikes above the threshold cut the stops into pieces, some
    # of them shorter than the 2-s minimum, and more than 1 s of the 18 s is lost
    split = mobility.immobility_summary(mobility.immobile_mask(speed, FPS, 1.75, 2.0, bridge_s=0.0), FPS)
    assert split["time_immobile_s"] < truth["time_immobile_s"] - 2.0
    assert s["time_immobile_s"] == pytest.approx(truth["time_immobile_s"], abs=1.0)


def test_immobile_time_per_zone():
    # a 4-s stop in the middle of the 40-cm arena (centre zone), then a 3-s stop in a corner (border)
    legs = [Leg((5, 5), (20, 20), 20.0, 40.0, 4.0), Leg((20, 20), (35, 35), 20.0, 40.0, 3.0)]
    traj = synthetic.legs_trajectory(legs, FPS, start_pause_s=0.0)
    _, s = measured(traj, 0.2)
    assert s["immobility_bouts"] == 2
    assert s["time_immobile_center_s"] == pytest.approx(4.0, abs=0.3)
    assert s["time_immobile_border_s"] == pytest.approx(3.0, abs=0.3)
    assert s["time_immobile_center_s"] + s["time_immobile_border_s"] == pytest.approx(s["time_immobile_s"])


def test_immobile_mask_rules_exactly():
    fps = 10.0
    v = np.full(100, 5.0)
    v[10:35] = 0.5  # 2.5 s still: an episode
    v[40:55] = 0.5  # 1.5 s: too short
    v[60:72] = 0.5  # 1.2 s still, a 0.2-s spike, 1.0 s still: one 2.4-s episode through the bridge ...
    v[72:74] = 3.0
    v[74:84] = 0.5
    m = mobility.immobile_mask(v, fps, 1.0, 2.0, bridge_s=0.25)
    assert np.flatnonzero(np.diff(np.r_[0, m.astype(int), 0])).tolist() == [10, 35, 60, 84]
    # ... but not with a 0.3-s spike, and not across an unknown speed
    v2 = v.copy()
    v2[72:75] = 3.0
    assert mobility.immobile_mask(v2, fps, 1.0, 2.0, bridge_s=0.25)[60:84].sum() == 0
    v3 = v.copy()
    v3[72:74] = np.nan
    assert mobility.immobile_mask(v3, fps, 1.0, 2.0, bridge_s=0.25)[60:84].sum() == 0
    # a spike at the recording's start or end is bridged too (the one-sided difference there is the noisiest)
    v4 = np.r_[2.0, 0.5 * np.ones(30), 2.0]
    assert mobility.immobile_mask(v4, fps, 1.0, 2.0, bridge_s=0.25).all()
    assert not mobility.immobile_mask(np.r_[2.0, 2.0, 2.0, 0.5 * np.ones(30)], fps, 1.0, 2.0, 0.25)[:3].any()
    s = mobility.immobility_summary(m, fps)
    assert s == {"time_immobile_s": pytest.approx(4.9), "immobility_bouts": 2, "latency_immobile_s": 1.0}
    none = mobility.immobility_summary(np.zeros(5, bool), fps)
    assert none["immobility_bouts"] == 0 and none["time_immobile_s"] == 0 and np.isnan(none["latency_immobile_s"])


def test_variable_frame_rate_episode_lengths_are_real_times():
    # 40 frames 0.05 s apart then 40 frames 0.02 s apart, all still: 2.78 s from the first frame to the last,
    # and the last frame lasts the median interval (0.05 s): 2.83 s, an episode of >= 2.5 s
    t = np.r_[np.arange(40) * 0.05, 2.0 + np.arange(40) * 0.02]
    v = np.zeros(80)
    m = mobility.immobile_mask(v, 1 / 0.05, 1.0, 2.5, times_s=t)
    assert m.all()
    assert mobility.immobility_summary(m, 1 / 0.05, t)["time_immobile_s"] == pytest.approx(2.83)
    assert not mobility.immobile_mask(v, 1 / 0.05, 1.0, 3.0, times_s=t).any()


def test_immobility_options_are_checked():
    with pytest.raises(OpenfieldError, match="--immobile-threshold"):
        KinematicsConfig(immobile_threshold_cm_s=0.0)
    with pytest.raises(OpenfieldError, match="--immobile-min"):
        KinematicsConfig(immobile_min_s=-1.0)


# --------------------------------------------------------------------------- mobility states (the outline)


def test_outline_change_of_known_masks_is_exact():
    """|A xor B| / (|A| + |B|) of masks placed by their corners (EthoVision's changed area over both areas)."""
    square = np.ones((10, 10), bool)
    assert mobility.outline_change(square, (0, 0), square, (0, 0)) == 0.0
    assert mobility.outline_change(square, (0, 0), square, (5, 0)) == 0.5  # 50 + 50 changed of 100 + 100
    assert mobility.outline_change(square, (0, 0), square, (10, 0)) == 1.0  # touching, not overlapping
    assert mobility.outline_change(square, (3, 4), square, (-20, 50)) == 1.0
    # a 4 x 6 (w x h) box at x 2..5, y 3..8 and a 6 x 4 box at x 3..8, y 2..5: 3 x 3 = 9 px in common,
    # 24 + 24 - 2 * 9 = 30 changed of 48
    a, b = np.ones((6, 4), np.uint8), np.ones((4, 6), np.uint8)
    assert mobility.outline_change(a, (2, 3), b, (3, 2)) == 30 / 48
    assert mobility.outline_change(b, (3, 2), a, (2, 3)) == 30 / 48  # symmetric
    # a ring (the mask's holes count: only its pixels) against the filled square: the 4 x 4 hole changed
    ring = square.copy()
    ring[3:7, 3:7] = False
    assert mobility.outline_change(ring, (0, 0), square, (0, 0)) == 16 / (84 + 100)
    # a side of the mask that is empty is not part of the animal
    padded = np.zeros((12, 12), bool)
    padded[1:11, 1:11] = True
    assert mobility.outline_change(padded, (-1, -1), square, (0, 0)) == 0.0
    # no previous (or current) outline, or none at all: unknown
    assert np.isnan(mobility.outline_change(None, None, square, (0, 0)))
    assert np.isnan(mobility.outline_change(square, (0, 0), None, None))
    assert np.isnan(mobility.outline_change(np.zeros((2, 2)), (0, 0), np.zeros((3, 3)), (1, 1)))


def test_a_walking_mouse_changes_a_tenth_of_its_outline_at_30_fps():
    """The docs' order of magnitude: an 8 x 3 cm ellipse at 10 px/cm moving 20 cm/s along its axis, 30 frames/s
    (6.7 px a frame): the band swept at each end, 2 x 6.7 x ~26 px over 2 x 942 px, about 10 % (measured 10.9 %):
    highly mobile by the default thresholds (4 %, 10 %), immobile by the 20 % and 60 % sometimes quoted."""
    import cv2

    def ellipse(cx: int) -> np.ndarray:
        m = np.zeros((100, 300), np.uint8)
        cv2.ellipse(m, (cx, 50), (40, 15), 0, 0, 360, 1, -1)
        return m

    change = mobility.outline_change(ellipse(100), (0, 0), ellipse(107), (0, 0))
    assert change == pytest.approx(0.109, abs=0.002)
    assert mobility.mobility_states([change])[0] == mobility.HIGHLY_MOBILE
    assert mobility.mobility_states([change], 20.0, 60.0)[0] == mobility.IMMOBILE


def test_mobility_state_thresholds():
    """Immobile below the first threshold, highly mobile above the second, mobile from one to the other."""
    change = np.array([0.0, 0.1999, 0.2, 0.45, 0.6, 0.6001, 1.0, np.nan])
    states = mobility.mobility_states(change, 20.0, 60.0)
    assert states.tolist() == ["immobile", "immobile", "mobile", "mobile", "mobile", "highly_mobile",
                               "highly_mobile", ""]
    # the defaults, 4 % and 10 %
    assert mobility.mobility_states([0.0399, 0.04, 0.1, 0.1001]).tolist() == [
        "immobile", "mobile", "mobile", "highly_mobile"]
    assert mobility.mobility_states(change, 5.0, 50.0).tolist() == [
        "immobile", "mobile", "mobile", "mobile", "highly_mobile", "highly_mobile", "highly_mobile", ""]
    # equal thresholds: no mobile frame but one exactly at them
    assert mobility.mobility_states(change, 45.0, 45.0).tolist()[:5] == [
        "immobile", "immobile", "immobile", "mobile", "highly_mobile"]
    for lo, hi in [(60.0, 20.0), (-1.0, 20.0), (20.0, 101.0), (np.nan, 60.0)]:
        with pytest.raises(OpenfieldError, match="mobility thresholds"):
            mobility.mobility_states(change, lo, hi)
    with pytest.raises(OpenfieldError, match="averaging interval"):
        mobility.mobility_states(change, averaging_samples=0)


def test_mobility_averaging_interval_as_ethovision():
    """EthoVision's averaging interval of 2: the mean of the known values among a sample and the one before
    it; a sample with no known value in its interval has none."""
    change = np.array([0.1, 0.5, 0.7, np.nan, np.nan, 0.3])
    # smoothed 10, 30, 60, 70, -, 30 %
    assert mobility.mobility_states(change, 20.0, 60.0, averaging_samples=2).tolist() == [
        "immobile", "mobile", "mobile", "highly_mobile", "", "mobile"]


def test_mobility_state_summary_times():
    states = np.array(["immobile"] * 5 + ["mobile"] * 3 + ["highly_mobile"] * 2 + [""] * 4, dtype=object)
    assert mobility.mobility_state_summary(states, 10.0) == {
        "time_mobile_s": pytest.approx(0.3), "time_highly_mobile_s": pytest.approx(0.2),
        "time_immobile_outline_s": pytest.approx(0.5)}
    # a variable frame rate: each frame its own duration (the last the median interval, 0.1 s)
    t = np.r_[np.arange(10) * 0.1, 1.0 + np.arange(4) * 0.3]
    s = mobility.mobility_state_summary(states, 10.0, t)
    assert s["time_highly_mobile_s"] == pytest.approx(0.1 + 0.1)
    assert all(np.isnan(v) for v in mobility.mobility_state_summary(None, 10.0).values())


def test_mobility_threshold_options_are_checked():
    with pytest.raises(OpenfieldError, match="--mobility-immobile"):
        KinematicsConfig(mobility_immobile_pct=-5.0)
    with pytest.raises(OpenfieldError, match="--mobility-highly-mobile"):
        KinematicsConfig(mobility_immobile_pct=30.0, mobility_highly_mobile_pct=20.0)


def test_no_outline_no_mobility_states():
    """A DeepLabCut-like pose has no silhouette: the states' columns are NaN, the frames have no state."""
    res, s = measured(four_stops(), 0.1)
    assert not res.attrs["has_outline"]
    assert all(np.isnan(s[c]) for c in mobility.STATE_COLUMNS)
    assert (frames_table(res)["mobility_state"] == "").all()


def test_mobility_states_from_a_silhouette_add_up_over_bins():
    """With a silhouette's outline_change (here: constructed, 0.02 / 0.07 / 0.5 / unknown in runs), the summary's
    state times are the runs' and the study's time bins add up to them."""
    import xarray as xr

    from openfield import extra_measures

    traj = four_stops()
    n = len(traj)
    change = np.full(n, 0.02)
    change[100:250] = 0.07
    change[250:330] = 0.5
    change[330:340] = np.nan
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.15)
    ds = synthetic.pose_from_trajectory(traj, h, ARENA, FPS)
    sil = np.c_[np.full((n, 3), 100.0), change]
    ds["silhouette"] = xr.DataArray(sil, dims=("time", "silhouette_measure"), coords={
        "time": ds["time"], "silhouette_measure": ["area_px", "length_px", "width_px", "outline_change"]})
    cal = calibrate_from_bodyparts(ds, ("tl", "tr", "br", "bl"), ARENA)
    res = analyze_pose(ds, cal, KinematicsConfig())
    s = summarize(res)
    assert s["time_mobile_s"] == pytest.approx(150 / FPS)
    assert s["time_highly_mobile_s"] == pytest.approx(80 / FPS)
    assert s["time_immobile_outline_s"] == pytest.approx((n - 240) / FPS)
    frames = frames_table(res)
    idx = (np.arange(n) // 120).astype(int)  # 4-s bins
    bins = extra_measures.bin_values(frames, idx, int(idx.max()) + 1, FPS)
    for c in mobility.STATE_COLUMNS:
        assert sum(b[c] for b in bins) == pytest.approx(s[c])
    assert bins[0]["time_highly_mobile_s"] == 0 and bins[2]["time_highly_mobile_s"] == pytest.approx(80 / FPS)
    # a table from before the mobility states (no such column) bins them as NaN, the rest as before
    old = extra_measures.bin_values(frames.drop(columns="mobility_state"), idx, int(idx.max()) + 1, FPS)
    assert np.isnan(old[0]["time_mobile_s"]) and old[0]["time_immobile_s"] == bins[0]["time_immobile_s"]
