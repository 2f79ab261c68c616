"""The trial window: which frames of a recording are the trial (``--start S|auto``, ``--duration S``).

Real videos start with the experimenter placing the mouse (an empty arena,
a hand); labs analyse a fixed time from the moment the animal is in. The
window starts at ``start`` seconds of the video, or with ``"auto"`` at the
first frame of the first stretch in which the animal has been inside the
arena for :data:`HOLD_S` without interruption (its reference point found,
likelihood at or above the cut-off, and inside the floor; a hand reaching in
is not tracked as the animal inside the floor for a second). It lasts
``duration`` seconds, or to the end of the video. A video that ends before
``start + duration`` keeps what it has and is flagged ``short`` (the QC
flag ``short_recording``), never silently shortened.

Pure functions on frame masks and times; :func:`openfield.kinematics.analyze_pose`
slices the pose with the result.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from openfield import timebase
from openfield.cleaning import runs
from openfield.errors import OpenfieldError

AUTO = "auto"

#: Seconds the animal must stay inside the arena for ``--start auto``.
HOLD_S = 1.0


def check_start(start: Any) -> float | str | None:
    """``--start``: None, ``"auto"`` or a number of seconds >= 0 (a numeric string is converted)."""
    if start is None or start == AUTO:
        return start
    if isinstance(start, str):
        try:
            start = float(start)
        except ValueError:
            raise OpenfieldError(f"--start must be a time in seconds (>= 0) or auto, got {start!r}") from None
    if isinstance(start, bool) or not isinstance(start, (int, float)) or not math.isfinite(start) or start < 0:
        raise OpenfieldError(f"--start must be a time in seconds (>= 0) or auto, got {start!r}")
    return float(start)


def check_duration(duration_s: Any) -> float | None:
    """``--duration``: None or a number of seconds > 0."""
    if duration_s is None:
        return None
    if (isinstance(duration_s, bool) or not isinstance(duration_s, (int, float)) or not math.isfinite(duration_s)
            or duration_s <= 0):
        raise OpenfieldError(f"--duration must be a time in seconds greater than 0, got {duration_s!r}")
    return float(duration_s)


@dataclass(frozen=True)
class Window:
    """The frames of a trial.

    Attributes
    ----------
    first, stop
        The trial's frames are ``first`` to ``stop - 1`` (video frame numbers).
    start_s
        Video time of the first frame (s).
    duration_s
        The duration asked for (None: to the end of the video).
    short
        The video ends before ``start_s + duration_s``.
    video_duration_s
        Length of the whole video (s).
    """

    first: int
    stop: int
    start_s: float
    duration_s: float | None
    short: bool
    video_duration_s: float

    def as_dict(self) -> dict[str, Any]:
        """The window as plain values (for a result's attrs and the ledger)."""
        return asdict(self)


def _video_times(n: int, fps: float, times_s: np.ndarray | None) -> tuple[np.ndarray, float]:
    """Each frame's time and the video's length."""
    if times_s is None:
        return np.arange(n) / fps, n / fps
    t = np.asarray(times_s, float)
    return t, float(t[-1] + timebase.frame_durations(t)[-1]) if n >= 2 else float(t[-1] + 1 / fps)


def auto_start_frame(inside: np.ndarray, fps: float, times_s: np.ndarray | None = None,
                     hold_s: float = HOLD_S) -> int | None:
    """First frame of the first run of ``inside`` frames lasting at least ``hold_s``; None if there is none.

    A run lasts its frames' count / ``fps``, or the sum of their durations
    (``times_s``, a variable frame rate).
    """
    inside = np.asarray(inside, bool)
    starts, lengths = runs(inside)
    if times_s is None:
        ok = lengths / fps >= hold_s - 1e-9
    else:
        cum = np.r_[0.0, np.cumsum(timebase.frame_durations(np.asarray(times_s, float)))]
        ok = cum[starts + lengths] - cum[starts] >= hold_s - 1e-9
    return int(starts[ok][0]) if ok.any() else None


def trial_window(n_frames: int, fps: float, start: float | str | None = None, duration_s: float | None = None,
                 inside: np.ndarray | None = None, times_s: np.ndarray | None = None,
                 hold_s: float = HOLD_S) -> Window:
    """The trial's frames.

    Parameters
    ----------
    n_frames
        Frames in the video (or pose).
    fps
        Frame rate (frame ``i`` at ``i / fps``), unless ``times_s``.
    start
        Seconds from the video's start (the first frame at or after it),
        ``"auto"`` (see the module), or None (0).
    duration_s
        The trial's length; None: to the end. The window ends before the
        first frame at or after ``start + duration``.
    inside
        Per frame: the animal found inside the arena (needed for ``"auto"``).
    times_s
        Per-frame times of a variable-frame-rate video, from 0.
    hold_s
        How long the animal must stay inside for ``"auto"``.

    Raises
    ------
    OpenfieldError
        ``"auto"`` without ``inside`` or with no such stretch, or a start at
        or after the end of the video.
    """
    start, duration_s = check_start(start), check_duration(duration_s)
    t, length = _video_times(n_frames, fps, times_s)
    if start == AUTO:
        if inside is None:
            raise OpenfieldError("--start auto needs the arena (a calibration with one) to tell when the animal "
                                 "is inside")
        first = auto_start_frame(inside, fps, times_s, hold_s)
        if first is None:
            raise OpenfieldError(f"--start auto: the animal is never inside the arena for {hold_s:g} s without "
                                 "interruption (give --start S instead)")
    else:
        s = 0.0 if start is None else float(start)
        first = int(np.searchsorted(t, s - 1e-9))
        if first >= n_frames:
            raise OpenfieldError(f"--start {s:g} s is at or after the end of the recording ({length:.2f} s)")
    start_s = float(t[first])
    if duration_s is None:
        stop, short = n_frames, False
    else:
        stop = int(np.searchsorted(t, start_s + duration_s - 1e-9))
        short = length < start_s + duration_s - 0.5 / fps
    return Window(first, stop, start_s, duration_s, bool(short), float(length))
