"""Per-frame times of a variable-frame-rate video: frame durations, the median rate, times between frames.

A constant-rate video's frame ``i`` is at ``i / fps``, and every stage works
with ``fps`` alone. A variable-rate one (its decoder timestamps irregular,
:func:`openfield.quality.timestamps_irregular`) is measured on the real
times of its frames (``times_s``, seconds from the first frame): the stages
that measure time (speed, acceleration, durations, latencies, bouts) take an
optional ``times_s`` and use these helpers. The rules' windows that count
frames (the jump filter's 0.2 s, the gap limit, the minimum bout pieces) use
:func:`median_fps`.

Definitions (``t_i`` the time of frame ``i``, ``n`` frames):

- a frame lasts until the next one: ``w_i = t_{i+1} - t_i``; the last
  frame lasts the median interval (its successor's time is unknown);
- so a recording lasts ``t_{n-1} - t_0 + median(t_{i+1} - t_i)``, and with
  ``t_i = i / fps`` every frame lasts ``1 / fps``, the recording ``n / fps``.

The stages that read a per-frame table back (the study's time bins, the
heat map) tell the two kinds of recording apart by its ``time_s`` column
(:func:`uneven_times`): evenly spaced times are a constant rate's, and
those stages keep frame counts / ``fps`` for them, exactly as before.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from openfield.errors import OpenfieldError

#: The units frame times may be given in, and the decimals a message quotes them with (1 µs in both).
TIME_UNITS = {"s": 6, "ms": 3}


def times_problem(times: Any, unit: str = "s") -> str | None:
    """What is wrong with per-frame times, in words, or None when they can place the frames.

    The one rule for every source of frame times (a video's decoder
    timestamps, a frame-times file, times given to a stage): one value per
    frame, every value a number (finite), each later than the one before
    (strictly increasing). Nothing else is asked of them: they may start
    anywhere (a decoder's first timestamp can be negative; every stage
    measures from the first frame) and their intervals may vary without
    bound (a long gap is a variable frame rate's, which
    :func:`openfield.quality.timestamps_irregular` flags ``fps_suspect``).

    Parameters
    ----------
    times
        Per-frame times.
    unit
        Their unit, ``"s"`` or ``"ms"`` (:data:`TIME_UNITS`): the message
        quotes the values as the caller has them, so that a user finds the
        frame in their array or file (a frame-times file is in ms).

    Returns
    -------
    str or None
        The first problem, naming the first frame that has it.
    """
    if unit not in TIME_UNITS:
        raise ValueError(f"unit must be one of {', '.join(TIME_UNITS)}, not {unit!r}")
    t = np.asarray(times, dtype=float)
    if t.ndim != 1:
        return f"frame times must be one value per frame, got shape {t.shape}"
    missing = np.flatnonzero(~np.isfinite(t))
    if missing.size:
        return f"{missing.size} frame time(s) missing or not a number, the first at frame {missing[0]}"
    back = np.flatnonzero(np.diff(t) <= 0)
    if back.size:
        i, d = int(back[0]) + 1, TIME_UNITS[unit]
        return f"frame times do not increase (frame {i}: {t[i]:.{d}f} {unit} after {t[i - 1]:.{d}f} {unit})"
    return None


def check_times(times_s: Any, n_frames: int | None = None, *, unit: str = "s",
                source: str | os.PathLike[str] | None = None) -> np.ndarray:
    """Per-frame times as a float array, checked (:func:`times_problem`) and ``n_frames`` long.

    Parameters
    ----------
    times_s
        Per-frame times, in ``unit``.
    n_frames
        The number of frames they must time, if known.
    unit
        ``"s"`` (the default) or ``"ms"``: what the message quotes them in.
    source
        The file they come from, if any: named in the message.

    Returns
    -------
    numpy.ndarray
        The times, unchanged (float).

    Raises
    ------
    OpenfieldError
        Naming ``source`` and the first problem.
    """
    t = np.asarray(times_s, dtype=float)
    if t.ndim == 1 and n_frames is not None and len(t) != n_frames:
        raise OpenfieldError(f"{len(t)} frame times for {n_frames} frames", source)
    problem = times_problem(t, unit)
    if problem:
        raise OpenfieldError(problem, source)
    return t


def median_interval(times_s: np.ndarray) -> float:
    """The median interval between frames (s); NaN with fewer than 2 frames."""
    t = np.asarray(times_s, dtype=float)
    return float(np.median(np.diff(t))) if len(t) >= 2 else float("nan")


def median_fps(times_s: np.ndarray) -> float:
    """The median frame rate, ``1 / median interval`` (frames/s): the rate the frame-counting windows use."""
    return 1.0 / median_interval(times_s)


def frame_durations(times_s: np.ndarray) -> np.ndarray:
    """How long each frame lasts: until the next frame; the last one the median interval (see module)."""
    t = np.asarray(times_s, dtype=float)
    if len(t) < 2:
        return np.full(len(t), np.nan)
    dt = np.diff(t)
    return np.r_[dt, np.median(dt)]


#: Times whose intervals all lie within this (s) of their median are evenly spaced: a constant rate's
#: ``i / fps`` written to 4 decimals (the per-frame table) differ by up to 1e-4 s. A variable rate's differ by
#: far more (timestamps are irregular when the intervals' coefficient of variation exceeds
#: :data:`openfield.quality.TIMESTAMP_CV_MAX`, 0.1: some interval is then > 10 % of the mean from the median).
EVEN_TOLERANCE_S = 1.5e-4


def uneven_times(times_s: Any) -> np.ndarray | None:
    """A per-frame table's times when they are uneven (a variable-frame-rate video's), else None.

    Parameters
    ----------
    times_s
        The table's ``time_s`` column.

    Returns
    -------
    numpy.ndarray or None
        The times from the first frame (s, the first 0), checked
        (:func:`check_times`), when some interval differs from the median
        interval by more than :data:`EVEN_TOLERANCE_S`; None when they are
        evenly spaced (then frame index / fps is the time) or fewer than 3.

    Raises
    ------
    OpenfieldError
        Uneven times that are missing or do not increase.
    """
    t = np.asarray(times_s, dtype=float)
    if t.ndim != 1 or len(t) < 3:
        return None
    dt = np.diff(t)
    if np.all(np.abs(dt - np.median(dt)) <= EVEN_TOLERANCE_S):
        return None
    t = check_times(t)
    return t - t[0]


def seconds(frames: np.ndarray, fps: float, durations: np.ndarray | None) -> float:
    """How long the frames selected by the boolean mask ``frames`` last.

    Their count / ``fps`` (a constant rate), or with ``durations``
    (:func:`frame_durations` of a variable-rate video's times) the sum of
    their durations.
    """
    frames = np.asarray(frames, bool)
    return float(frames.sum() / fps) if durations is None else float(durations[frames].sum())


def time_at(frames: Any, times_s: np.ndarray) -> np.ndarray:
    """Times (s) at frame positions, fractional ones linearly between their two frames."""
    t = np.asarray(times_s, dtype=float)
    return np.interp(np.asarray(frames, dtype=float), np.arange(len(t)), t)
