"""Minimum-jerk bout motion: the sampled motion agrees with its analytic truth."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import synthetic


def test_sampled_motion_matches_its_analytic_speed_and_acceleration():
    plan, start = synthetic.make_bout_plan(40.0, seed=2)
    fps = 500.0
    traj = synthetic.bouts_trajectory(plan, fps, start)
    xy = traj[["x_cm", "y_cm"]].to_numpy()
    v = np.gradient(xy, 1 / fps, axis=0)
    inner = slice(5, -5)
    np.testing.assert_allclose(np.hypot(*v.T)[inner], traj.speed_cm_s[inner], atol=0.1)
    a = np.gradient(traj.speed_cm_s.to_numpy(), 1 / fps)
    np.testing.assert_allclose(a[inner], traj.acceleration_cm_s2[inner], atol=1.0)
    truth = synthetic.bouts_truth(plan, start, 1.0, (40.0, 40.0))
    assert len(truth) == len(plan)
    # per bout: distance, peak speed and the analytic peak acceleration 1.875 * peak / rise
    for b in truth.itertuples():
        sel = (traj.time_s >= b.start_s) & (traj.time_s <= b.end_s)
        seg = xy[sel.to_numpy()]
        assert np.linalg.norm(np.diff(seg, axis=0), axis=1).sum() == pytest.approx(b.distance_cm, rel=0.01)
        assert traj.speed_cm_s[sel].max() == pytest.approx(b.peak_speed_cm_s, rel=1e-3)
        assert traj.acceleration_cm_s2[sel].max() == pytest.approx(b.peak_acceleration_cm_s2, rel=1e-3)
        assert -traj.acceleration_cm_s2[sel].min() == pytest.approx(b.peak_deceleration_cm_s2, rel=1e-3)
        assert b.mean_acceleration_cm_s2 == pytest.approx(b.peak_speed_cm_s / b.rise_s)
    # the plan keeps to its ranges and to the arena
    assert truth.peak_speed_cm_s.between(10, 35).all()
    assert truth.rise_s.between(0.3, 1.5).all() and truth.fall_s.between(0.3, 1.5).all()
    assert xy.min() >= 4.0 - 1e-9 and xy.max() <= 36.0 + 1e-9
    assert set(truth.zone) == {"center", "border"}


def test_same_motion_at_any_frame_rate():
    plan, start = synthetic.make_bout_plan(20.0, seed=5)
    a = synthetic.bouts_trajectory(plan, 25.0, start)
    b = synthetic.bouts_trajectory(plan, 60.0, start)
    # common instants: every 0.2 s (frame 5k at 25 fps, 12k at 60 fps)
    ka, kb = np.arange(0, len(a), 5), np.arange(0, len(b), 12)
    n = min(len(ka), len(kb))
    np.testing.assert_allclose(a[["x_cm", "y_cm"]].to_numpy()[ka[:n]], b[["x_cm", "y_cm"]].to_numpy()[kb[:n]],
                               atol=1e-9)


def test_near_stop_between_bouts():
    bouts = [synthetic.Bout(0.0, 25.0, 0.6, 0.4, 0.0, end_speed=3.0),
             synthetic.Bout(0.0, 20.0, 0.5, 0.6, 1.0, start_speed=3.0)]
    traj = synthetic.bouts_trajectory(bouts, 100.0, (5.0, 20.0))
    sp = traj.speed_cm_s.to_numpy()
    assert sp[200] == pytest.approx(3.0, abs=0.01)  # the near-stop at 1 + 0.6 + 0.4 s
    assert sp[:200].max() == pytest.approx(25.0, rel=1e-3) and sp[200:].max() == pytest.approx(20.0, rel=1e-3)
    truth = synthetic.bouts_truth(bouts, (5.0, 20.0))
    assert truth.mean_deceleration_cm_s2.iloc[0] == pytest.approx((25 - 3) / 0.4)
    assert truth.mean_acceleration_cm_s2.iloc[1] == pytest.approx((20 - 3) / 0.5)
    assert traj.x_cm.iloc[-1] == pytest.approx(5.0 + truth.distance_cm.sum(), rel=1e-3)


def test_observe_track():
    plan, start = synthetic.make_bout_plan(60.0, seed=1)
    traj = synthetic.bouts_trajectory(plan, 30.0, start)
    xy = synthetic.observe_track(traj, 8.0, 0.05, 0.05, seed=3)
    lost = np.isnan(xy).any(axis=1)
    assert lost.mean() == pytest.approx(0.05, abs=0.01)
    err = xy[~lost] / 8.0 - traj[["x_cm", "y_cm"]].to_numpy()[~lost]
    assert err.std() == pytest.approx(0.05, rel=0.1)
    clean = synthetic.observe_track(traj, 8.0)
    np.testing.assert_allclose(clean, 8.0 * traj[["x_cm", "y_cm"]].to_numpy())


def test_make_trajectory_motion_switch():
    t = synthetic.make_trajectory(fps=30, duration_s=20, seed=1, motion="minimum_jerk")
    plan, start = synthetic.make_bout_plan(20, (40.0, 40.0), seed=1)
    np.testing.assert_allclose(t[["x_cm", "y_cm"]], synthetic.bouts_trajectory(plan, 30, start)[["x_cm", "y_cm"]])
    assert set(t.phase) == {"accelerate", "decelerate", "stop"}
    with pytest.raises(ValueError, match="motion"):
        synthetic.make_trajectory(motion="zigzag")


def test_turns_on_the_spot_mid_rest():
    plan, start = synthetic.make_bout_plan(30.0, seed=4)
    fps = 50.0
    traj = synthetic.bouts_trajectory(plan, fps, start)
    truth = synthetic.bouts_truth(plan, start)
    for b, nxt in zip(truth.itertuples(), truth.iloc[1:].itertuples(), strict=False):
        i0, i1 = int(np.ceil(b.start_s * fps)), int(np.ceil(nxt.start_s * fps))
        bout_heading = plan[b.bout - 1].heading_rad
        # the heading is the bout's through the bout, the next bout's before it starts; the body stays put
        np.testing.assert_allclose(traj.heading_rad[i0 : int(b.end_s * fps)], bout_heading)
        diff = (traj.heading_rad[i1 - 1] - plan[nxt.bout - 1].heading_rad + np.pi) % (2 * np.pi) - np.pi
        assert abs(diff) < 1e-9
        rest = slice(int(np.ceil(b.end_s * fps)) + 1, i1)
        assert np.ptp(traj.x_cm[rest]) < 1e-9 and np.ptp(traj.y_cm[rest]) < 1e-9


def test_bouts_with_a_cruise():
    """A cruise at the peak speed between the two minimum-jerk ramps: sampled speed, path and truth agree."""
    plan = [synthetic.Bout(0.0, 20.0, 0.5, 0.4, 1.0, cruise_s=1.5), synthetic.Bout(np.pi / 2, 15.0, 0.6, 0.6, 1.0)]
    fps = 100.0
    traj = synthetic.bouts_trajectory(plan, fps, (10.0, 10.0))
    truth = synthetic.bouts_truth(plan, (10.0, 10.0))
    b = truth.iloc[0]
    assert (b.rise_s, b.cruise_s, b.fall_s) == (0.5, 1.5, 0.4)
    assert b.duration_s == pytest.approx(2.4) and b.end_s == pytest.approx(1.0 + 2.4)
    assert b.distance_cm == pytest.approx(10 * 0.5 + 20 * 1.5 + 10 * 0.4)  # ramps average half the peak
    assert b.mean_acceleration_cm_s2 == pytest.approx(40.0) and b.mean_deceleration_cm_s2 == pytest.approx(50.0)
    assert truth.cruise_s.iloc[1] == 0.0
    sp = traj.speed_cm_s.to_numpy()
    cruise = (traj.time_s >= 1.5) & (traj.time_s < 3.0)
    assert (traj.phase[cruise] == "cruise").all() and np.allclose(sp[cruise], 20.0)
    assert (traj.phase[(traj.time_s >= 1.0) & (traj.time_s < 1.5)] == "accelerate").all()
    assert (traj.phase[(traj.time_s >= 3.0) & (traj.time_s < 3.4)] == "decelerate").all()
    # the path is the integral of the speed: the bout ends where its distance says, the next starts there
    xy = traj[["x_cm", "y_cm"]].to_numpy()
    assert np.linalg.norm(np.diff(xy[:341], axis=0), axis=1).sum() == pytest.approx(b.distance_cm, rel=1e-3)
    v = np.hypot(*np.gradient(xy, 1 / fps, axis=0).T)
    np.testing.assert_allclose(v[5:-5], sp[5:-5], atol=0.1)
    assert traj.x_cm.iloc[-1] == pytest.approx(10.0 + b.distance_cm)
    assert traj.y_cm.iloc[-1] == pytest.approx(10.0 + truth.distance_cm.iloc[1])


def test_bout_plan_with_cruises():
    plan, _ = synthetic.make_bout_plan(60.0, (120.0, 120.0), seed=1, cruise_s=(0.0, 3.0))
    cruises = np.array([b.cruise_s for b in plan])
    assert cruises.min() >= 0.0 and cruises.max() <= 3.0 and cruises.std() > 0.5
    # without a cruise range the plan is the one drawn before cruises existed (no extra random draw)
    plain, _ = synthetic.make_bout_plan(60.0, (40.0, 40.0), seed=1)
    same, _ = synthetic.make_bout_plan(60.0, (40.0, 40.0), seed=1, cruise_s=(0.0, 0.0))
    assert plain == same and all(b.cruise_s == 0.0 for b in plain)
    assert plain[0].peak_speed == pytest.approx(10 + 25 * np.random.default_rng(1).uniform())
