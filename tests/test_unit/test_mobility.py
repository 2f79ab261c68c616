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
