"""The trial window on known masks and times."""

import numpy as np
import pytest

from openfield import trial
from openfield.errors import OpenfieldError


def test_auto_start_needs_one_second_without_interruption():
    fps = 10.0
    inside = np.zeros(100, bool)
    inside[5:12] = True  # 0.7 s: a hand, or a glimpse
    inside[20:29] = True  # 0.9 s
    inside[40:] = True  # in for good from 4.0 s
    assert trial.auto_start_frame(inside, fps) == 40
    w = trial.trial_window(100, fps, "auto", 3.0, inside=inside)
    assert (w.first, w.stop, w.start_s, w.short) == (40, 70, 4.0, False)
    assert trial.auto_start_frame(inside[:45], fps) is None
    with pytest.raises(OpenfieldError, match="never inside the arena for 1 s"):
        trial.trial_window(45, fps, "auto", inside=inside[:45])


def test_auto_start_on_uneven_times():
    times = np.cumsum(np.r_[0.0, np.full(59, 0.05)])  # 20 frames/s...
    times[30:] += 0.5  # ... and a 0.55-s interval before frame 30
    inside = np.zeros(60, bool)
    inside[25:] = True
    # frames 25..29 last 0.25 + 0.5 s, then 30.. on: the run from frame 25 reaches 1 s
    assert trial.auto_start_frame(inside, 20.0, times) == 25


def test_fixed_start_duration_and_short_recording():
    w = trial.trial_window(300, 30.0, 2.0, 5.0)
    assert (w.first, w.stop, w.start_s, w.short, w.video_duration_s) == (60, 210, 2.0, False, 10.0)
    w = trial.trial_window(300, 30.0, 2.0, 9.0)  # ends at 11 s, the video at 10 s
    assert (w.first, w.stop, w.short) == (60, 300, True)
    w = trial.trial_window(300, 30.0, None, None)
    assert (w.first, w.stop, w.short) == (0, 300, False)
    with pytest.raises(OpenfieldError, match="after the end of the recording"):
        trial.trial_window(300, 30.0, 12.0, 1.0)


@pytest.mark.parametrize(("start", "duration", "expect"), [
    ("soon", None, "--start must be"), (-1.0, None, "--start must be"), (None, 0.0, "--duration must be"),
])
def test_bad_window_options(start, duration, expect):
    with pytest.raises(OpenfieldError, match=expect):
        trial.trial_window(100, 10.0, start, duration)
    assert trial.check_start("2.5") == 2.5 and trial.check_start("auto") == "auto"
