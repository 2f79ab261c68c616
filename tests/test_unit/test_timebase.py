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


#: Frame times (ms, 40 ms apart but for the change named) and what the one rule says of them: the problem, in s
#: and in ms, or None when they can place the frames.
TIMES_CASES = {
    "going back": ([0, 40, 80, 60, 120, 160], ("frame times do not increase (frame 3: 0.060000 s after 0.080000 s)",
                                               "frame times do not increase (frame 3: 60.000 ms after 80.000 ms)")),
    "a duplicate": ([0, 40, 80, 80, 120, 160], ("frame times do not increase (frame 3: 0.080000 s after 0.080000 s)",
                                                "frame times do not increase (frame 3: 80.000 ms after 80.000 ms)")),
    "a NaN": ([0, 40, np.nan, 120, np.nan, 200],
              ("2 frame time(s) missing or not a number, the first at frame 2",) * 2),
    "an infinity": ([0, 40, 80, np.inf, 160, 200],
                    ("1 frame time(s) missing or not a number, the first at frame 3",) * 2),
    "a negative start": ([-80, -40, 0, 40, 80, 120], None),  # a decoder's edit list: measured from the first frame
    "a long gap": ([0, 40, 80, 10_080, 10_120, 10_160], None),  # 10 s without a frame: a variable rate, kept
}


@pytest.mark.parametrize("case", TIMES_CASES)
def test_every_source_of_frame_times_refuses_the_same_times_by_the_one_rule(tmp_path, case):
    """Times given to a stage (s), a decoder's timestamps (ms), a frame-times file (ms) and the QC's
    ``fps_suspect`` verdict all follow :func:`timebase.times_problem`: the same inputs refused, the same
    message (each in its own unit), the same frame named; the file's message names the file too."""
    from openfield import quality
    from openfield.io.timestamps import read_frame_times, write_frame_times

    ms, expected = TIMES_CASES[case]
    ms = np.asarray(ms, dtype=float)
    s = ms / 1000.0
    path = write_frame_times(ms, tmp_path / "m_frame_times.csv")
    assert timebase.times_problem(s) == (None if expected is None else expected[0])
    assert timebase.times_problem(ms, unit="ms") == (None if expected is None else expected[1])
    assert quality.timestamp_summary(s)["increasing"] == (expected is None)
    if expected is None:
        np.testing.assert_array_equal(timebase.check_times(s), s)
        np.testing.assert_allclose(quality.frame_times_from_timestamps(ms), s - s[0], atol=1e-12)
        np.testing.assert_array_equal(read_frame_times(path), ms)
        assert quality.timestamps_irregular(s) == (case == "a long gap")  # flagged fps_suspect, measured on them
        return
    assert quality.timestamps_irregular(s)  # fps_suspect, and no frame times from them:
    qc = quality.assess_quality(frames_read=len(s), fps=25.0, fraction_missing=0.0, timestamps_s=s)
    assert qc.reasons["fps_suspect"] == "frame timestamps missing or do not increase"
    with pytest.raises(OpenfieldError) as by_stage:
        timebase.check_times(s)
    with pytest.raises(OpenfieldError) as by_decoder:
        quality.frame_times_from_timestamps(ms)
    with pytest.raises(OpenfieldError) as by_file:
        read_frame_times(path)
    with pytest.raises(OpenfieldError) as by_variable:
        quality.variable_frame_times(ms)
    assert by_stage.value.message == expected[0]
    assert by_decoder.value.message == by_file.value.message == by_variable.value.message == expected[1]
    assert by_file.value.path == str(path) and by_stage.value.path is None


def test_times_in_another_unit_are_a_programming_error():
    with pytest.raises(ValueError, match="unit must be one of s, ms"):
        timebase.times_problem([0.0, 1.0], unit="us")
