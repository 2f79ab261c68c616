"""Locomotor bouts: known answers on hand-made speed traces and on minimum-jerk motion."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from openfield import bouts, cleaning, smoothing, synthetic
from openfield.errors import OpenfieldError
from openfield.kinematics import speed_acceleration

FPS = 30.0


def _trace(*pieces: tuple[float, float, float], fps: float = 100.0) -> np.ndarray:
    """Piecewise-linear speed: (duration_s, from, to) pieces."""
    out = [np.linspace(a, b, int(round(d * fps)), endpoint=False) for d, a, b in pieces]
    return np.concatenate(out + [np.array([pieces[-1][2]])])


def test_triangle_bout_known_answer():
    # rest 1 s, 0 -> 20 cm/s in 1 s, 20 -> 0 in 0.5 s, rest 1 s, at 100 fps
    sp = _trace((1, 0, 0), (1, 0, 20), (0.5, 20, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=1e-9))
    assert len(t) == 1
    b = t.iloc[0]
    assert b.start_s == pytest.approx(1.0, abs=0.011)
    assert b.end_s == pytest.approx(2.5, abs=0.011)
    assert b.rise_s == pytest.approx(1.0, abs=0.011)
    assert b.fall_s == pytest.approx(0.5, abs=0.011)
    assert b.peak_speed_cm_s == pytest.approx(20.0)
    assert b.mean_acceleration_cm_s2 == pytest.approx(20.0, rel=0.02)
    assert b.mean_deceleration_cm_s2 == pytest.approx(40.0, rel=0.03)
    assert b.peak_acceleration_cm_s2 == pytest.approx(20.0, rel=0.01)
    assert b.peak_deceleration_cm_s2 == pytest.approx(40.0, rel=0.01)
    assert b.distance_cm == pytest.approx(0.5 * 20 * 1.5, rel=0.01)  # integral of the speed
    assert list(t.columns) == bouts.BOUT_COLUMNS


def test_cruise_known_answer():
    # rest 1 s, 0 -> 20 cm/s in 0.5 s, cruise 1.5 s creeping up to 20.1 (the top frame is the cruise's last),
    # 20.1 -> 0 in 0.4 s, rest 1 s, at 100 fps: phases 0.5 / 1.5 / 0.4 s, not 2.0 / 0 / 0.4 s
    sp = _trace((1, 0, 0), (0.5, 0, 20), (1.5, 20, 20.1), (0.4, 20.1, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=0.05))
    assert len(t) == 1
    b = t.iloc[0]
    assert b.rise_s == pytest.approx(0.5, abs=0.011)
    assert b.cruise_s == pytest.approx(1.5, abs=0.011)
    assert b.fall_s == pytest.approx(0.4, abs=0.011)
    assert b.rise_s + b.cruise_s + b.fall_s == pytest.approx(b.duration_s)
    assert b.mean_acceleration_cm_s2 == pytest.approx(20 / 0.5, rel=0.03)
    assert b.mean_deceleration_cm_s2 == pytest.approx(20.1 / 0.4, rel=0.03)
    assert b.peak_speed_cm_s == pytest.approx(20.1)
    # the old definition (the phases end at the peak frame) counted the cruise as speeding up
    no_band = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=0.05, cruise_band=0.0))
    assert no_band.rise_s.iloc[0] == pytest.approx(2.0, abs=0.011)
    assert no_band.mean_acceleration_cm_s2.iloc[0] == pytest.approx(20.1 / 2.0, rel=0.03)


def test_cruise_band_follows_the_speed_jitter():
    # a cruise at 20 cm/s with +-0.3 cm/s of jitter, the top at its end: the band (3 x jitter) holds the plateau
    rng = np.random.default_rng(0)
    sp = _trace((1, 0, 0), (0.5, 0, 20), (2.0, 20, 20), (0.5, 20, 0), (1, 0, 0))
    plateau = slice(150, 350)
    sp[plateau] += rng.uniform(-0.3, 0.3, 200)
    sp[340] = 20.5
    sharp = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=0.2)).iloc[0]
    assert sharp.rise_s == pytest.approx(0.5, abs=0.03)
    assert sharp.cruise_s == pytest.approx(2.0, abs=0.05)
    assert sharp.mean_acceleration_cm_s2 == pytest.approx(40, rel=0.08)
    # with a band narrower than the jitter, the speeding up ends late in the cruise
    narrow = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=0.02)).iloc[0]
    assert narrow.rise_s > 1.0


def test_a_bout_cut_by_the_recording_while_cruising_has_no_slowing_down():
    sp = _trace((1, 0, 0), (0.5, 0, 20), (1.0, 20, 20))  # the recording ends at 20 cm/s
    b = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=0.05)).iloc[0]
    assert b.rise_s == pytest.approx(0.5, abs=0.011) and b.mean_acceleration_cm_s2 == pytest.approx(40, rel=0.03)
    assert b.rise_s + b.cruise_s + b.fall_s == pytest.approx(b.duration_s)
    assert np.isnan(b.mean_deceleration_cm_s2) and np.isnan(b.peak_deceleration_cm_s2)


@pytest.mark.parametrize("fps", [25.0, 60.0])
def test_speed_jitter_of_the_smoothed_track(fps):
    # the s.d. of the speed along a straight run at 20 cm/s, 0.03 cm of tracking noise, smoothed to it
    rng = np.random.default_rng(1)
    t = np.arange(int(120 * fps)) / fps
    xy = np.c_[20 * t, np.full(len(t), 5.0)] + rng.normal(0, 0.03, (len(t), 2))
    speed, _ = speed_acceleration(smoothing.smooth_track(xy, fps, 0.03), fps)
    measured = speed[int(fps) : -int(fps)].std()
    assert bouts.speed_jitter_cm_s(0.03, fps) == pytest.approx(measured, rel=0.1)
    assert bouts.speed_jitter_cm_s(0.1, fps) > 1.5 * bouts.speed_jitter_cm_s(0.03, fps)
    # a resting animal's median speed is that jitter times the median of a Rayleigh distribution
    rest = np.c_[np.full(len(t), 3.0), np.full(len(t), 5.0)] + rng.normal(0, 0.03, (len(t), 2))
    rest_speed, _ = speed_acceleration(smoothing.smooth_track(rest, fps, 0.03), fps)
    assert np.median(rest_speed) == pytest.approx(bouts.RAYLEIGH_MEDIAN * measured, rel=0.15)
    with pytest.raises(OpenfieldError, match="tracking noise"):
        bouts.speed_jitter_cm_s(-1.0, fps)


def test_bouts_without_cruise_keep_their_peaks():
    # a triangle and two peaks with a ripple between: the phases end at the first and start at the last peak
    sp = _trace((1, 0, 0), (0.6, 0, 25), (0.4, 25, 15), (0.5, 15, 20), (0.6, 20, 0), (1, 0, 0))
    bounds = bouts.find_bouts(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=1e-9))
    accel_end, decel_start = bouts.bout_phases(sp, bounds, 0.05)
    np.testing.assert_array_equal(accel_end, bounds[:, 1].astype(int))
    np.testing.assert_array_equal(decel_start, bounds[:, 2].astype(int))
    t = bouts.bout_table(sp, 100.0, bounds=bounds, config=bouts.BoutConfig(rest_tolerance_cm_s=0.05))
    assert t.cruise_s.iloc[0] == pytest.approx(0.9, abs=0.011)  # between the two peaks
    assert bouts.bout_phases(sp, np.zeros((0, 4)), 0.05)[0].shape == (0,)
    with pytest.raises(OpenfieldError, match="jitter"):
        bouts.bout_phases(sp, bounds, float("nan"))


def test_start_is_robust_against_resting_jitter():
    rng = np.random.default_rng(3)
    sp = _trace((2, 0, 0), (1, 0, 20), (1, 20, 0), (1, 0, 0))
    rest = np.arange(len(sp)) < 200
    sp[rest] = rng.uniform(0.0, 0.2, rest.sum())
    sp[150] = 0.0  # the deepest resting frame is half a second before the start
    b = bouts.bout_table(sp, 100.0).iloc[0]
    # the start is the last resting frame, not the deepest one: within 0.05 s of the true 2.0 s
    assert b.start_s == pytest.approx(2.0, abs=0.05)
    assert b.rise_s == pytest.approx(1.0, abs=0.05)


def test_start_search_is_limited_to_one_second():
    sp = _trace((3, 0.5, 0.0), (0.6, 0.0, 20), (0.6, 20, 0), (1, 0, 0))  # a slow 3 s drift, then a bout
    b = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=1e-9)).iloc[0]
    crossing = 3.0 + 0.6 * 2.0 / 20  # where the speed passes 2 cm/s
    assert b.start_s >= crossing - 1.0 - 1e-9
    assert b.start_s == pytest.approx(3.0, abs=0.011)


@pytest.mark.parametrize(("dip", "expected"), [(3.0, 2), (15.0, 1), (8.0, 1)])
def test_arrest_rule(dip, expected):
    # peaks 25 and 20 cm/s; a dip to 3 cm/s is an arrest (< 0.5 x both peaks and < 5 cm/s);
    # to 15 (60 % of the lower peak) is a ripple; to 8 (< 0.5 x both, but > 5 cm/s) still progression
    sp = _trace((1, 0, 0), (0.6, 0, 25), (0.4, 25, dip), (0.5, dip, 20), (0.6, 20, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0)
    assert len(t) == expected
    if expected == 2:
        assert t.end_s.iloc[0] == pytest.approx(t.start_s.iloc[1])  # they share the arrest frame
        assert t.end_s.iloc[0] == pytest.approx(2.0, abs=0.011)
        assert t.peak_speed_cm_s.tolist() == pytest.approx([25, 20])
        assert t.mean_deceleration_cm_s2.iloc[0] == pytest.approx((25 - dip) / 0.4, rel=0.03)
        assert t.mean_acceleration_cm_s2.iloc[1] == pytest.approx((20 - dip) / 0.5, rel=0.03)


def test_pieces_shorter_than_moving_min_are_not_split_off():
    sp = _trace((1, 0, 0), (0.6, 0, 25), (0.05, 25, 3), (0.05, 3, 20), (0.6, 20, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0, config=bouts.BoutConfig(moving_min_s=1.0))
    assert len(t) == 1


def test_a_twitch_too_short_to_be_moving_is_no_bout():
    # 0.1 s above 2 cm/s (shorter than the 0.25 s moving minimum), a dip, then a bout: one bout
    sp = _trace((1, 0, 0), (0.05, 0, 6), (0.05, 6, 0.5), (0.3, 0.5, 0.5), (0.6, 0.5, 25), (0.6, 25, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0)
    assert len(t) == 1
    assert t.peak_speed_cm_s.iloc[0] == pytest.approx(25)
    # the bout starts where its own rise starts (1.4 s), not back at the rest before the twitch
    assert t.start_s.iloc[0] == pytest.approx(1.4, abs=0.011)
    assert t.rise_s.iloc[0] == pytest.approx(0.6, abs=0.011)


def test_mask_summary_and_zones():
    sp = _trace((1, 0, 0), (1, 0, 20), (0.5, 20, 0), (1, 0, 0), (0.5, 0, 10), (0.5, 10, 0), (1, 0, 0))
    zone = np.where(np.arange(len(sp)) < 300, "center", "border")
    bounds = bouts.find_bouts(sp, 100.0, config=bouts.BoutConfig(rest_tolerance_cm_s=1e-9))
    t = bouts.bout_table(sp, 100.0, zone=zone, bounds=bounds)
    assert t.zone.tolist() == ["center", "border"]
    mask = bouts.in_bout_mask(bounds, len(sp))
    assert mask.sum() == (np.ceil(bounds[:, 3]) - np.floor(bounds[:, 0]) + 1).sum()
    assert not mask[:100].any() and mask[150] and not mask[300]
    # with the phases, a cruise's frames are left out (those between where the speeding up ends and the
    # slowing down starts)
    cruise = (np.array([150, 400]), np.array([160, 400]))
    cut = bouts.in_bout_mask(bounds, len(sp), cruise)
    assert (mask & ~cut).sum() == 9 and not cut[151:160].any() and cut[150] and cut[160]
    s = bouts.summarize_bouts(t)
    assert list(s) == bouts.SUMMARY_COLUMNS
    assert s["locomotor_bouts"] == 2
    assert s["mean_bout_acceleration_cm_s2"] == pytest.approx((20 + 20) / 2, rel=0.03)
    assert s["mean_bout_deceleration_cm_s2"] == pytest.approx((40 + 20) / 2, rel=0.03)
    assert s["locomotor_bouts_center"] == 1 and s["locomotor_bouts_border"] == 1
    assert s["mean_bout_deceleration_center_cm_s2"] == pytest.approx(40, rel=0.03)
    assert s["mean_bout_deceleration_border_cm_s2"] == pytest.approx(20, rel=0.03)
    no_zones = bouts.summarize_bouts(t, has_zones=False)
    assert np.isnan(no_zones["mean_bout_acceleration_center_cm_s2"])
    assert np.isnan(no_zones["locomotor_bouts_border"])
    empty = bouts.summarize_bouts(bouts.bout_table(np.zeros(100), 100.0))
    assert empty["locomotor_bouts"] == 0 and np.isnan(empty["mean_bout_acceleration_cm_s2"])


def test_bad_input():
    with pytest.raises(OpenfieldError, match="fps"):
        bouts.find_bouts(np.zeros(10), 0.0)
    with pytest.raises(OpenfieldError, match="moving mask"):
        bouts.find_bouts(np.zeros(10), 30.0, moving=np.zeros(9, bool))


def test_figures():
    sp = _trace((1, 0, 0), (1, 0, 20), (0.5, 20, 0), (1, 0, 0), (0.5, 0, 10), (0.5, 10, 0), (1, 0, 0))
    t = bouts.bout_table(sp, 100.0, zone=np.full(len(sp), "border"))
    fig = bouts.plot_bouts(t)
    pts = fig.axes[0].collections[0].get_offsets()
    assert len(pts) == 2
    np.testing.assert_allclose(np.asarray(pts)[:, 0], t.peak_speed_cm_s)
    np.testing.assert_allclose(np.asarray(pts)[:, 1], t.mean_acceleration_cm_s2)
    fig2, ax = plt.subplots()
    assert bouts.mark_bouts(ax, t) is ax
    assert len(ax.patches) == 2
    plt.close(fig)
    plt.close(fig2)


# --------------------------------------------------------------------------- minimum-jerk motion (the proof)

PLAN, START = synthetic.make_bout_plan(120.0, seed=1)
TRUTH = synthetic.bouts_truth(PLAN, START, 1.0, (40.0, 40.0))


def _measure(fps: float, px_per_cm: float, jitter_cm: float = 0.03, drop: float = 0.03,
             seed: int = 2) -> tuple[pd.DataFrame, float]:
    """Observed track -> noise -> gap filling -> RTS smoothing -> speed -> bouts."""
    traj = synthetic.bouts_trajectory(PLAN, fps, START)
    xy = synthetic.observe_track(traj, px_per_cm, jitter_cm, drop, seed) / px_per_cm
    noise = smoothing.estimate_noise_cm(xy, fps)
    filled, _ = cleaning.interpolate_gaps(xy, int(round(0.5 * fps)))
    smooth = smoothing.smooth_track(filled, fps, noise)
    speed, acc = speed_acceleration(smooth, fps)
    return bouts.bout_table(speed, fps, acc, smooth), noise


def test_minimum_jerk_bouts_against_truth():
    table, noise = _measure(FPS, 10.0)
    truth = bouts.summarize_bouts(TRUTH)
    got = bouts.summarize_bouts(table)
    assert truth["locomotor_bouts"] == len(PLAN) == 35
    assert got["locomotor_bouts"] == truth["locomotor_bouts"]
    for key, tol in [("mean_bout_acceleration_cm_s2", 0.10), ("mean_bout_deceleration_cm_s2", 0.10),
                     ("mean_bout_peak_acceleration_cm_s2", 0.15), ("mean_bout_peak_deceleration_cm_s2", 0.15)]:
        assert got[key] == pytest.approx(truth[key], rel=tol), key
    assert table.distance_cm.sum() == pytest.approx(TRUTH.distance_cm.sum(), rel=0.02)
    # bout by bout: the same bouts, found where they are
    np.testing.assert_allclose(table.start_s, TRUTH.start_s, atol=0.25)
    np.testing.assert_allclose(table.end_s, TRUTH.end_s, atol=0.25)
    np.testing.assert_allclose(table.peak_speed_cm_s, TRUTH.peak_speed_cm_s, rtol=0.05)
    np.testing.assert_allclose(table.distance_cm, TRUTH.distance_cm, rtol=0.05)
    assert noise == pytest.approx(0.03, rel=0.3)


def test_same_motion_at_other_frame_rates_and_resolutions():
    keys = ["mean_bout_acceleration_cm_s2", "mean_bout_deceleration_cm_s2",
            "mean_bout_peak_acceleration_cm_s2", "mean_bout_peak_deceleration_cm_s2"]
    rows = []
    for fps in (25.0, 30.0, 60.0):
        for ppc in (5.0, 15.0):
            table, _ = _measure(fps, ppc, seed=int(fps + ppc))
            s = bouts.summarize_bouts(table)
            assert s["locomotor_bouts"] == len(PLAN), (fps, ppc)
            rows.append([s[k] for k in keys])
    values = np.array(rows)
    spread = values.max(axis=0) / values.min(axis=0) - 1
    assert (spread <= 0.10).all(), dict(zip(keys, spread, strict=True))


# --------------------------------------------------------------------------- bouts that cruise (issue 25's proof)

CRUISE_ARENA = (120.0, 120.0)  # room for runs of up to 3 s at 24 cm/s
CRUISE_PLAN, CRUISE_START = synthetic.make_bout_plan(120.0, CRUISE_ARENA, seed=2, peak_speed=(14.0, 24.0),
                                                     phase_s=(0.45, 0.9), cruise_s=(0.0, 3.0))
CRUISE_TRUTH = synthetic.bouts_truth(CRUISE_PLAN, CRUISE_START, 1.0)


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
@pytest.mark.parametrize("jitter_cm", [0.0, 0.03])
def test_minimum_jerk_bouts_with_cruise_against_truth(fps, jitter_cm):
    """Minimum-jerk bouts that cruise 0-3 s at their peak speed, against the analytic phases.

    Count exact; mean acceleration and deceleration within 10%; mean peak acceleration and deceleration
    within 15%; cruise time within 0.2 s on average and for most bouts.
    """
    truth = CRUISE_TRUTH
    assert truth.cruise_s.min() < 0.3 and truth.cruise_s.max() > 2.5  # the plan spans the range
    traj = synthetic.bouts_trajectory(CRUISE_PLAN, fps, CRUISE_START)
    xy = synthetic.observe_track(traj, 10.0, jitter_cm, 0.03 if jitter_cm else 0.0, seed=9) / 10.0
    noise = smoothing.estimate_noise_cm(xy, fps)
    filled, _ = cleaning.interpolate_gaps(xy, int(round(0.5 * fps)))
    smooth = smoothing.smooth_track(filled, fps, noise)
    speed, acc = speed_acceleration(smooth, fps)
    # the cruise band from the tracking noise, as openfield.kinematics.bout_table does
    table = bouts.bout_table(speed, fps, acc, smooth, speed_jitter_cm_s=bouts.speed_jitter_cm_s(noise, fps))
    got, want = bouts.summarize_bouts(table), bouts.summarize_bouts(truth)
    assert got["locomotor_bouts"] == want["locomotor_bouts"] == len(CRUISE_PLAN)
    for key, tol in [("mean_bout_acceleration_cm_s2", 0.10), ("mean_bout_deceleration_cm_s2", 0.10),
                     ("mean_bout_peak_acceleration_cm_s2", 0.15), ("mean_bout_peak_deceleration_cm_s2", 0.15)]:
        assert got[key] == pytest.approx(want[key], rel=tol), key
    np.testing.assert_allclose(table.peak_speed_cm_s, truth.peak_speed_cm_s, rtol=0.05)
    err = table.cruise_s.to_numpy() - truth.cruise_s.to_numpy()
    assert abs(err.mean()) <= 0.2
    assert np.median(np.abs(err)) <= 0.1
    # bout by bout: all within 0.2 s without jitter; with it, a slow drift of the speed's jitter along the
    # plateau (~0.2 cm/s over ~0.4 s) can prolong a rise or an early fall (measured here: 5, 2 and 4 of 26
    # bouts by more than 0.2 s at 25, 30 and 60 fps, at most 0.41 s; on two other plans up to 5 of 27, 0.50 s)
    assert (np.abs(err) <= 0.2).mean() >= (1.0 if jitter_cm == 0 else 0.75)
    assert np.abs(err).max() <= (0.2 if jitter_cm == 0 else 0.6)
    np.testing.assert_allclose(table.rise_s + table.cruise_s + table.fall_s, table.duration_s, atol=1e-9)
    assert table.distance_cm.sum() == pytest.approx(truth.distance_cm.sum(), rel=0.02)
