"""Per-frame times: durations, and telling a variable frame rate's times from a constant rate's."""

import numpy as np
import pytest

from openfield import timebase
from openfield.errors import OpenfieldError


def alternating_times(n: int = 301) -> np.ndarray:
    """Frames 20 ms and 40 ms apart by turns (frame i lasts 20 ms when i is even, 40 ms when odd)."""
    return np.r_[0.0, np.cumsum(np.where(np.arange(n - 1) % 2 == 0, 0.02, 0.04))]


def test_frame_durations_until_the_next_frame_the_last_the_median():
    t = alternating_times(301)  # 300 intervals: 150 of 20 ms, 150 of 40 ms: median 30 ms
    d = timebase.frame_durations(t)
    assert d[:4] == pytest.approx([0.02, 0.04, 0.02, 0.04]) and d[-1] == pytest.approx(0.03)
    assert d.sum() == pytest.approx(150 * 0.02 + 150 * 0.04 + 0.03)


@pytest.mark.parametrize("fps", [25.0, 29.97, 30.0, 120.0])
def test_a_constant_rate_written_to_4_decimals_is_even(fps):
    t = np.arange(20_000) / fps
    assert timebase.uneven_times(t) is None
    assert timebase.uneven_times(np.round(t, 4)) is None  # as the per-frame table writes it


def test_a_variable_rate_is_uneven_and_starts_at_0():
    t = alternating_times()
    np.testing.assert_array_equal(timebase.uneven_times(t), t)
    np.testing.assert_allclose(timebase.uneven_times(np.round(t + 5.0, 4)), t, atol=1e-9)
    # one interval 1 ms off is already uneven (a real rate's 4-decimal rounding is 0.1 ms at most)
    one_off = np.arange(100) / 25.0
    one_off[50:] += 0.001
    assert timebase.uneven_times(one_off) is not None
    assert timebase.uneven_times([0.0, 0.5]) is None  # too few frames to tell


def test_uneven_times_that_do_not_increase_are_an_error():
    t = alternating_times(10)
    t[5] = t[4]
    with pytest.raises(OpenfieldError, match="do not increase"):
        timebase.uneven_times(t)
    t = alternating_times(10)
    t[3] = np.nan
    with pytest.raises(OpenfieldError, match="missing"):
        timebase.uneven_times(t)


def test_seconds_of_selected_frames():
    t = alternating_times()
    odd = np.arange(len(t)) % 2 == 1
    assert timebase.seconds(odd, 25.0, timebase.frame_durations(t)) == pytest.approx(150 * 0.04)
    assert timebase.seconds(odd, 25.0, None) == 150 / 25.0  # a constant rate: count / fps, exactly
