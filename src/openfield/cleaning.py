"""Cleaning a tracked point: likelihood cut-off, impossible jumps, gaps, smoothing.

All functions take and return numpy arrays of shape ``(n_frames, 2)``
(x, y; NaN = missing) and are vectorised over frames. The order used by
:mod:`openfield.kinematics` is: likelihood cut-off (pixels), conversion to
cm, jump removal, gap interpolation, Savitzky-Golay smoothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def mask_low_likelihood(xy: np.ndarray, likelihood: np.ndarray, cutoff: float) -> np.ndarray:
    """Set points whose likelihood is below ``cutoff`` (or NaN) to NaN."""
    # the rule of movement.filtering.filter_by_confidence (data.where(confidence >= threshold)), on the
    # (n, 2) reference track that kinematics builds (a body part or the centroid), not on a whole Dataset
    out = np.array(xy, dtype=float, copy=True)
    bad = ~(np.asarray(likelihood, dtype=float) >= cutoff)
    out[bad] = np.nan
    return out


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start indices and lengths of the runs of True in a boolean array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return starts, ends - starts


def remove_jumps(
    xy: np.ndarray, fps: float, max_speed: float, times_s: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Remove points that imply a physically impossible speed.

    Two vectorised rules, both in the track's own units per second:

    1. *Excursions*: a point farther than ``2 * max_speed / fps`` from the
       running median of its neighbourhood (centred, about 0.2 s wide) is an
       outlier. Smooth motion, even fast, stays close to its running median;
       a tracking error that jumps away for a few frames does not.
    2. *Spikes*: a point reached from the previous valid point, and left to
       the next valid point, both faster than ``max_speed``.

    Parameters
    ----------
    xy
        Track ``(n, 2)``; NaN = missing.
    fps
        Frame rate.
    max_speed
        Physical speed limit (e.g. 150 cm/s for a mouse).
    times_s
        Per-frame times of a variable-frame-rate video: the spikes' speeds
        over the real intervals (the excursion window and distance then use
        ``fps`` = the median rate); None: frame / fps.

    Returns
    -------
    cleaned : numpy.ndarray
        Copy with outliers set to NaN.
    removed : numpy.ndarray
        Boolean mask of the removed points.
    """
    xy = np.array(xy, dtype=float, copy=True)
    valid = ~np.isnan(xy).any(axis=1)
    half = max(1, int(round(0.1 * fps)))
    med = pd.DataFrame(xy).rolling(2 * half + 1, center=True, min_periods=1).median().to_numpy()
    excursion = np.linalg.norm(xy - med, axis=1) > 2 * max_speed / fps
    removed = valid & excursion
    xy[removed] = np.nan

    idx = np.flatnonzero(~np.isnan(xy).any(axis=1))
    if len(idx) >= 3:
        pts = xy[idx]
        dt = np.diff(idx) / fps if times_s is None else np.diff(np.asarray(times_s, float)[idx])
        step = np.linalg.norm(np.diff(pts, axis=0), axis=1) / dt
        spike = np.zeros(len(idx), bool)
        spike[1:-1] = (step[:-1] > max_speed) & (step[1:] > max_speed)
        removed[idx[spike]] = True
        xy[idx[spike]] = np.nan
    return xy, removed


def interpolate_gaps(
    xy: np.ndarray, max_gap: int, times_s: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Linearly fill interior gaps of at most ``max_gap`` frames.

    Longer gaps, and gaps at the start or end of the track, stay NaN. With
    ``times_s`` (per-frame times of a variable-frame-rate video) the filling
    is linear in time, else in frame index.

    Returns
    -------
    filled : numpy.ndarray
        The track with short gaps filled.
    interpolated : numpy.ndarray
        Boolean mask of the filled frames.
    """
    # movement.filtering.interpolate_over_time(max_gap=n) fills the same gaps, but returns no mask of the
    # filled frames, which the per-frame table and fraction_interpolated need
    xy = np.asarray(xy, dtype=float)
    missing = np.isnan(xy).any(axis=1)
    index = None if times_s is None else pd.Index(np.asarray(times_s, float))
    filled = pd.DataFrame(np.where(missing[:, None], np.nan, xy), index=index).interpolate(
        method="linear" if times_s is None else "index", limit_area="inside"
    ).to_numpy()
    starts, lengths = runs(missing)
    keep_missing = np.zeros(len(xy), bool)
    for s, n in zip(starts[lengths > max_gap], lengths[lengths > max_gap], strict=True):
        keep_missing[s : s + n] = True
    filled[keep_missing] = np.nan
    interpolated = missing & ~np.isnan(filled).any(axis=1)
    return filled, interpolated


def window_frames(window_s: float, fps: float, polyorder: int) -> int:
    """Odd window length in frames for a window in seconds (at least polyorder + 2)."""
    n = int(round(window_s * fps))
    n = max(n, polyorder + 2)
    return n if n % 2 == 1 else n + 1


def smooth(xy: np.ndarray, window: int, polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing of each contiguous stretch of valid frames.

    Stretches shorter than the window are left as they are; NaN stays NaN.
    """
    from scipy.signal import savgol_filter  # here, not at the top: scipy.signal takes ~1 s to import

    # not movement.filtering.savgol_filter: it filters across gaps, so one NaN spreads over a window;
    # ours filters each tracked stretch on its own
    out = np.array(xy, dtype=float, copy=True)
    if window <= polyorder:
        return out
    valid = ~np.isnan(out).any(axis=1)
    starts, lengths = runs(valid)
    for s, n in zip(starts, lengths, strict=True):
        if n >= window:
            out[s : s + n] = savgol_filter(out[s : s + n], window, polyorder, axis=0, mode="interp")
    return out
