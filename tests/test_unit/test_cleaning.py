"""Cleaning steps on tracks with known defects."""

import numpy as np
import pytest

from openfield import cleaning


def _line(n=200, fps=30.0, v=10.0):
    t = np.arange(n) / fps
    return np.c_[v * t, np.full(n, 5.0)]


def test_likelihood_cutoff():
    xy = _line(5)
    out = cleaning.mask_low_likelihood(xy, np.array([0.9, 0.5, np.nan, 0.6, 1.0]), 0.6)
    assert np.isnan(out[[1, 2]]).all()
    assert not np.isnan(out[[0, 3, 4]]).any()


def test_runs():
    starts, lengths = cleaning.runs(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], bool))
    assert starts.tolist() == [0, 3, 6] and lengths.tolist() == [2, 1, 3]


def test_remove_jumps_finds_spikes_and_excursions_only():
    xy = _line()
    xy[50] += [30, 0]  # one-frame spike
    xy[100:103] += [0, 25]  # three-frame excursion
    out, removed = cleaning.remove_jumps(xy, 30.0, 150.0)
    assert set(np.flatnonzero(removed)) == {50, 100, 101, 102}
    assert np.isnan(out[[50, 100, 101, 102]]).all()


def test_fast_smooth_motion_is_kept():
    t = np.arange(300) / 30.0
    xy = np.c_[20 + 15 * np.cos(6 * t), 20 + 15 * np.sin(6 * t)]  # 90 cm/s on a circle
    _, removed = cleaning.remove_jumps(xy, 30.0, 150.0)
    assert not removed.any()


def test_interpolate_short_gaps_only():
    xy = _line(100)
    truth = xy.copy()
    xy[10:13] = np.nan  # 3 frames: filled
    xy[40:60] = np.nan  # 20 frames: stays missing
    xy[:2] = np.nan  # at the start: stays missing
    out, interp = cleaning.interpolate_gaps(xy, max_gap=5)
    np.testing.assert_allclose(out[10:13], truth[10:13])
    assert np.isnan(out[40:60]).all() and np.isnan(out[:2]).all()
    assert np.flatnonzero(interp).tolist() == [10, 11, 12]


def test_smoothing_keeps_quadratic_motion_and_nan():
    t = np.arange(120) / 30.0
    xy = np.c_[3 * t**2, 2 * t + 1]
    xy[60] = np.nan
    out = cleaning.smooth(xy, 7, 2)
    ok = ~np.isnan(xy).any(axis=1)
    np.testing.assert_allclose(out[ok], xy[ok], atol=1e-9)
    assert np.isnan(out[60]).all()


def test_smoothing_reduces_noise():
    rng = np.random.default_rng(0)
    xy = _line(300) + rng.normal(0, 0.5, (300, 2))
    out = cleaning.smooth(xy, 9, 2)
    assert np.std(out - _line(300)) < 0.7 * np.std(xy - _line(300))


@pytest.mark.parametrize(("window_s", "fps", "expected"), [(0.25, 30, 9), (0.2, 25, 5), (0.01, 30, 5)])
def test_window_frames(window_s, fps, expected):
    assert cleaning.window_frames(window_s, fps, 2) == expected
