"""Locomotor bouts: where the animal runs, and how hard it speeds up and slows down.

A bout starts as a run of *moving* frames (speed above a threshold, held for
a minimum time). Long runs are split at *arrests*, and each bout is extended
back to where the animal started to move and forward to where it was still
again:

* **Arrest** (after Drai, Benjamini & Golani 2000, who cut exploratory paths
  into progression segments separated by arrests/lingering): a local speed
  minimum inside a run is an arrest when it is below ``arrest_fraction``
  (0.5) of *both* the highest speed before it and after it (within the
  segment being split) *and* below ``arrest_speed_cm_s`` (5 cm/s). The
  relative test keeps the ordinary ripple of a gallop in one bout (a dip to
  70% of the peak is not a stop); the absolute ceiling keeps a fast animal
  that slows from 40 to 15 cm/s in one bout, since at 15 cm/s it is still
  progressing. Below 5 cm/s a mouse's body barely progresses: that is the
  lingering range of the speed distributions of Drai et al. (their
  "lingering" mode sits at a few cm/s, progression segments peak at tens of
  cm/s). Arrests are looked for inside the run of moving frames only (a
  twitch too short to count as moving is no bout), deepest first, and never
  leave a piece shorter than the moving minimum.
* **Start**: the speed minimum just before the threshold crossing, at most
  ``search_s`` (1 s) back, never before the previous bout's end, and not
  past an earlier movement (the search stops where the speed, going back,
  rises again by more than half the moving threshold). To be
  robust against resting jitter the start is the *last* frame whose speed
  is within ``rest_tolerance_cm_s`` of that minimum (the jitter of a resting
  animal does not pull the start back into the rest). The end is found the
  same way forward from the last moving frame.
* **Peaks**: the bout's top speed, and the local speed maxima reaching
  ``peak_fraction`` (0.8) of it with a prominence of at least
  ``peak_prominence`` (0.1) of it (so speed jitter near the top makes no
  peak).
* **Phases** (:func:`bout_phases`): speeding up, cruising, slowing down.
  The *cruise band* of a peak is the speeds within ``cruise_band`` (3.5)
  times the speed jitter of the track below it: the s.d. of the speed's
  noise that the tracking noise leaves after smoothing
  (:func:`speed_jitter_cm_s`), or without a noise estimate the resting
  animal's speed jitter (:func:`rest_tolerance` / 1.18, the median of a
  Rayleigh distribution). The speeding-up phase runs
  from the start to where the speed first enters the band of the first
  peak *and then stops rising* (the next frame is not faster by more than
  ``rise_step`` (0.025) of the jitter); the slowing-down phase from where
  the speed, coming back from the end, does the same towards the band of
  the last peak. On a plateau the frame of maximal speed can fall anywhere
  along the cruise: ending the rise there counted cruise time as speeding
  up (issue 25). A bout without a cruise rises all the way to its peak, so
  its phases are those of the peaks.

Per bout: mean acceleration ``(speed where the speeding up ends - speed at
the start) / rise time``, mean deceleration ``(speed where the slowing down
starts - speed at the end) / fall time`` (a positive magnitude), the time
between (``cruise_s``), peak acceleration and peak deceleration (largest
and most negative ``d speed / dt`` in the speeding-up and slowing-down
phases; deceleration as a positive magnitude), distance, top speed, zone at
the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from openfield import smoothing, timebase
from openfield.errors import OpenfieldError

#: Columns of the per-bout table (``<stem>_locomotor_bouts.csv``).
BOUT_COLUMNS = [
    "bout", "start_s", "end_s", "duration_s", "distance_cm", "peak_speed_cm_s", "rise_s", "cruise_s", "fall_s",
    "mean_acceleration_cm_s2", "mean_deceleration_cm_s2", "peak_acceleration_cm_s2",
    "peak_deceleration_cm_s2", "zone",
]

#: Zones with their own bout summary (names as in :mod:`openfield.arena.zones`).
ZONES = ("center", "border")

_MEANS = {
    "mean_bout_acceleration": "mean_acceleration_cm_s2",
    "mean_bout_deceleration": "mean_deceleration_cm_s2",
    "mean_bout_peak_acceleration": "peak_acceleration_cm_s2",
    "mean_bout_peak_deceleration": "peak_deceleration_cm_s2",
}

#: Keys of :func:`summarize_bouts`, whole recording then per zone.
SUMMARY_COLUMNS = ["locomotor_bouts"] + [f"{k}_cm_s2" for k in _MEANS] + [
    c for z in ZONES for c in [f"locomotor_bouts_{z}"] + [f"{k}_{z}_cm_s2" for k in _MEANS]
]


@dataclass(frozen=True)
class BoutConfig:
    """Options of the bout analysis (defaults in brackets).

    Attributes
    ----------
    moving_threshold_cm_s
        Speed above which the animal moves [2].
    moving_min_s
        Shortest run of moving frames that makes a bout [0.25].
    search_s
        How far before the threshold crossing (after the last moving frame)
        the start (end) is looked for [1].
    arrest_fraction
        A speed minimum below this fraction of both neighbouring peaks ... [0.5]
    arrest_speed_cm_s
        ... and below this speed is an arrest that splits a run [5].
    peak_fraction
        Local maxima reaching this fraction of the bout's top speed are its peaks [0.8] ...
    peak_prominence
        ... if they stand out by this fraction of the top speed (a real dip
        follows them, not speed jitter) [0.1]; the top itself always is one.
    rest_tolerance_cm_s
        Speed jitter of a resting animal [None: from the data, see :func:`rest_tolerance`].
    cruise_band
        Width of the cruise band below a peak, in units of the speed jitter
        (s.d. of the speed's noise) [3.5] (:func:`bout_phases`).
    rise_step
        The speed "stops rising" at a frame when the next is not faster by more
        than this fraction of the speed jitter [0.025].
    """

    moving_threshold_cm_s: float = 2.0
    moving_min_s: float = 0.25
    search_s: float = 1.0
    arrest_fraction: float = 0.5
    arrest_speed_cm_s: float = 5.0
    peak_fraction: float = 0.8
    peak_prominence: float = 0.1
    rest_tolerance_cm_s: float | None = None
    cruise_band: float = 3.5
    rise_step: float = 0.025


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of the runs of True."""
    m = np.r_[False, np.asarray(mask, bool), False].astype(np.int8)
    d = np.diff(m)
    starts = np.flatnonzero(d == 1)
    return starts, np.flatnonzero(d == -1) - starts


def moving_mask(
    speed: np.ndarray, fps: float, threshold: float, min_s: float, times_s: np.ndarray | None = None
) -> np.ndarray:
    """Frames in runs of ``speed > threshold`` lasting at least ``min_s`` (NaN: not moving).

    A run lasts its frame count / ``fps``, or with ``times_s`` (per-frame
    times of a variable-frame-rate video) the sum of its frames' durations
    (:func:`openfield.timebase.frame_durations`).
    """
    fast = np.nan_to_num(np.asarray(speed, float), nan=0.0) > threshold
    starts, lengths = _runs(fast)
    if times_s is None:
        long_enough = lengths >= max(1, int(np.ceil(min_s * fps - 1e-9)))
    else:
        cum = np.r_[0.0, np.cumsum(timebase.frame_durations(times_s))]
        long_enough = cum[starts + lengths] - cum[starts] >= min_s - 1e-9
    out = np.zeros(len(fast), bool)
    for s, n in zip(starts[long_enough], lengths[long_enough], strict=True):
        out[s : s + n] = True
    return out


def rest_tolerance(speed: np.ndarray, moving: np.ndarray, threshold: float) -> float:
    """Speed jitter of the resting animal: the median speed of the frames not moving.

    Bounded to ``[0.02, 0.25] * threshold``; ``0.1 * threshold`` when no
    frame rests.
    """
    rest = np.asarray(speed, float)[~np.asarray(moving, bool)]
    rest = rest[np.isfinite(rest)]
    tol = float(np.median(rest)) if len(rest) else 0.1 * threshold
    return float(np.clip(tol, 0.02 * threshold, 0.25 * threshold))


#: Median speed of a resting animal in units of the s.d. of its velocity noise per axis (the median of a
#: Rayleigh distribution, ``sqrt(2 ln 2)``): turns :func:`rest_tolerance` into a speed jitter.
RAYLEIGH_MEDIAN = float(np.sqrt(2.0 * np.log(2.0)))


def speed_jitter_cm_s(noise_cm: float, fps: float) -> float:
    """S.d. of the speed's noise (cm/s) left by tracking noise on a track smoothed to it.

    :func:`openfield.smoothing.smooth_track` (the RTS smoother, at its
    steady state) is linear, so white position noise of s.d. ``noise_cm``
    per axis leaves on the central-difference velocity
    (:func:`openfield.kinematics.speed_acceleration`) a noise of s.d.
    ``noise_cm * norm(g)`` per axis, ``g`` the impulse response of
    smoothing then differentiating; along a run the speed's noise is that of
    the velocity along it (0.15 cm/s for 0.03 cm at 30 fps: the s.d.
    measured on a smoothed noisy plateau, tested). The noise is floored at
    :data:`openfield.smoothing.MIN_NOISE_CM`, as the smoother does.
    """
    if not (np.isfinite(noise_cm) and noise_cm >= 0):
        raise OpenfieldError(f"the tracking noise must be a number >= 0 cm, got {noise_cm}")
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    noise = max(float(noise_cm), smoothing.MIN_NOISE_CM)
    n = 2 * int(np.ceil(4 * fps)) + 1  # the response has died out well within 4 s each side
    impulse = np.zeros((n, 2))
    impulse[n // 2, 0] = 1.0
    g = np.gradient(smoothing.smooth_track(impulse, fps, noise)[:, 0], 1.0 / fps)
    return float(noise * np.sqrt(np.sum(g**2)))


def _local_minima(s: np.ndarray) -> np.ndarray:
    """Indices ``i`` (not the ends) with ``s[i-1] > s[i] <= s[i+1]``."""
    if len(s) < 3:
        return np.zeros(0, int)
    i = np.arange(1, len(s) - 1)
    return i[(s[i - 1] > s[i]) & (s[i] <= s[i + 1])]


def _split_at_arrests(
    s: np.ndarray, lo: int, hi: int, cfg: BoutConfig, min_frames: int, within: tuple[int, int]
) -> list[int]:
    """Arrest frames inside ``[lo, hi]`` (indices into ``s``) and ``within`` (the moving run), deepest
    first, recursively."""
    if hi - lo < 2 * min_frames:
        return []
    seg = s[lo : hi + 1]
    cand = _local_minima(seg)
    cand = cand[(cand >= max(min_frames, within[0] - lo)) & (cand <= min(len(seg) - 1 - min_frames,
                                                                          within[1] - lo))]
    if not len(cand):
        return []
    left = np.maximum.accumulate(seg)[cand]  # highest speed before each minimum
    right = np.maximum.accumulate(seg[::-1])[::-1][cand]  # and after it
    low = np.minimum(left, right)
    v = seg[cand]
    ok = (low > cfg.moving_threshold_cm_s) & (v <= cfg.arrest_fraction * low) & (v <= cfg.arrest_speed_cm_s)
    if not ok.any():
        return []
    m = lo + int(cand[ok][np.argmin(v[ok])])  # the deepest arrest first
    return (_split_at_arrests(s, lo, m, cfg, min_frames, within) + [m]
            + _split_at_arrests(s, m, hi, cfg, min_frames, within))


def find_bouts(
    speed: np.ndarray,
    fps: float,
    moving: np.ndarray | None = None,
    config: BoutConfig | None = None,
) -> np.ndarray:
    """Frame indices of each bout: start, first peak, last peak, end.

    Parameters
    ----------
    speed
        Speed per frame (cm/s), NaN where unknown.
    fps
        Frame rate.
    moving
        Moving frames; default :func:`moving_mask` with the config's
        threshold and minimum duration.
    config
        Options.

    Returns
    -------
    numpy.ndarray
        ``(bouts, 4)`` frame positions, in time order; consecutive bouts
        share at most one frame (an arrest). Peaks and arrests are frames; a
        start (end) at rest is put half-way between the last resting frame
        and the next (previous) one, where the animal left (reached) rest
        on average, so the frame interval does not bias the rise and fall
        times.
    """
    from scipy.signal import find_peaks  # a heavy dependency (~0.4 s to import), loaded when bouts are found

    cfg = config or BoutConfig()
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    s = np.asarray(speed, float)
    n = len(s)
    if s.ndim != 1:
        raise OpenfieldError(f"the speed must be one value per frame, got shape {s.shape}")
    if moving is None:
        moving = moving_mask(s, fps, cfg.moving_threshold_cm_s, cfg.moving_min_s)
    moving = np.asarray(moving, bool)
    if moving.shape != s.shape:
        raise OpenfieldError(f"the moving mask has {moving.shape} frames, the speed {s.shape}")
    tol = cfg.rest_tolerance_cm_s
    if tol is None:
        tol = rest_tolerance(s, moving, cfg.moving_threshold_cm_s)
    search = max(1, int(round(cfg.search_s * fps)))
    min_frames = max(1, int(np.ceil(cfg.moving_min_s * fps - 1e-9)))
    starts, lengths = _runs(moving)
    if not len(starts):
        return np.zeros((0, 4))
    s0 = np.nan_to_num(s, nan=0.0)
    first, last = starts, starts + lengths - 1
    # start: back from the crossing, never past the previous run; end: forward, never past the next
    rise = 0.5 * cfg.moving_threshold_cm_s
    start = _rest_edges(s, first, np.maximum(np.r_[0, last[:-1]], first - search), -1, tol, rise)
    end = _rest_edges(s, last, np.minimum(np.r_[first[1:], n - 1], last + search), 1, tol, rise)
    start = np.maximum(start, np.r_[0, end[:-1]])  # never before the previous bout's end
    # arrests: only runs with a frame slow enough, inside the moving run and away from the bout's
    # ends, can hold one (before the crossing, the piece left of a minimum never moves)
    inner_lo, inner_hi = np.maximum(first, start + min_frames), np.minimum(last, end - min_frames)
    slow_min = np.zeros(n + 1, int)  # running count of local minima slow enough to be arrests
    slow_min[2:n] = np.cumsum((s0[:-2] > s0[1:-1]) & (s0[1:-1] <= s0[2:]) & (s0[1:-1] <= cfg.arrest_speed_cm_s))
    slow_min[n] = slow_min[n - 1]
    maybe = np.flatnonzero((inner_hi >= inner_lo)
                           & (slow_min[np.minimum(inner_hi + 1, n)] > slow_min[np.clip(inner_lo, 0, n)]))
    cuts = [np.asarray(_split_at_arrests(s0, int(start[j]), int(end[j]), cfg, min_frames,
                                                (int(first[j]), int(last[j]))), int) for j in maybe]
    cuts_all = np.concatenate([np.zeros(0, int), *cuts])  # strictly inside runs: never a rest edge
    lo = np.sort(np.r_[start, cuts_all])
    hi = np.sort(np.r_[end, cuts_all])
    lo_is_rest, hi_is_rest = np.isin(lo, start), np.isin(hi, end)
    # peaks: the top, and (rarely needed) other prominent local maxima near it
    top = _reduce_pairs(np.fmax, s0, lo, hi)
    seg_len = hi - lo + 1
    seg_id = np.repeat(np.arange(len(lo)), seg_len)
    offsets = np.r_[0, np.cumsum(seg_len)[:-1]]
    idx = lo[seg_id] + np.arange(len(seg_id)) - offsets[seg_id]
    vals = s0[idx]
    big = np.iinfo(np.int64).max
    top_i = np.minimum.reduceat(np.where(vals == top[seg_id], idx, big), offsets)
    local_max = np.zeros(n, bool)
    local_max[1:-1] = (s0[1:-1] >= s0[:-2]) & (s0[1:-1] >= s0[2:])
    high = local_max[idx] & (vals >= cfg.peak_fraction * top[seg_id]) & (idx > lo[seg_id]) & (idx < hi[seg_id])
    p1, p2 = top_i.copy(), top_i.copy()
    for k in np.flatnonzero(np.add.reduceat(high.astype(int), offsets) > 1):
        seg = s0[lo[k] : hi[k] + 1]
        peaks = find_peaks(seg, height=cfg.peak_fraction * top[k], prominence=cfg.peak_prominence * top[k])[0]
        peaks = np.union1d(peaks + lo[k], [top_i[k]])
        p1[k], p2[k] = peaks[0], peaks[-1]
    # a rest edge lies somewhere between the last resting frame and the next: half-way on average
    t0 = np.where(lo_is_rest & (lo < p1), lo + 0.5, lo)
    t1 = np.where(hi_is_rest & (hi > p2), hi - 0.5, hi)
    return np.c_[t0, p1, p2, t1].astype(float)


def _reduce_pairs(ufunc: Any, arr: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``ufunc`` over ``arr[lo:hi + 1]`` for each pair (``hi >= lo``), NaN-padded at the end."""
    if not len(lo):
        return np.zeros(0)
    padded = np.r_[np.asarray(arr, float), np.nan]
    return ufunc.reduceat(padded, np.c_[lo, np.asarray(hi) + 1].ravel())[::2]


def _rest_edges(
    s: np.ndarray, origin: np.ndarray, limit: np.ndarray, step: int, tol: float, rise: float
) -> np.ndarray:
    """For each run: from ``origin`` towards ``limit`` (by ``step``), the first frame within ``tol`` of
    the lowest speed met before the limit, a missing frame, or the speed rising again by more than
    ``rise`` (an earlier movement)."""
    width = int(np.max(step * (limit - origin))) + 1 if len(origin) else 1
    idx = origin[:, None] + step * np.arange(max(width, 1))[None, :]
    inside = step * (limit[:, None] - idx) >= 0
    vals = s[np.clip(idx, 0, len(s) - 1)]
    ok = np.cumprod(inside & np.isfinite(vals), axis=1).astype(bool)
    running_min = np.minimum.accumulate(np.where(ok, vals, np.inf), axis=1)
    ok &= np.cumprod(vals <= running_min + rise, axis=1).astype(bool)
    lowest = np.where(ok, vals, np.inf).min(axis=1)
    return origin + step * np.argmax(ok & (vals <= lowest[:, None] + tol), axis=1)


def in_bout_mask(bounds: np.ndarray, n: int, cruise: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per frame: inside a bout (the frames around its start and end included).

    With ``cruise`` (:func:`bout_phases`' ``accel_end, decel_start``), the
    frames strictly between the two (the cruise, where the speed's changes
    are its jitter) are left out: the frames whose acceleration the
    whole-recording means count.
    """
    out = np.zeros(n, bool)
    for start, _, _, end in np.asarray(bounds, float).reshape(-1, 4):
        out[int(np.floor(start)) : int(np.ceil(end)) + 1] = True
    if cruise is not None:
        for a, d in zip(*cruise, strict=True):
            out[int(a) + 1 : int(d)] = False
    return out


def _segments(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames of the ranges ``[lo, hi]`` (``hi >= lo``) one after another: frame, range of each, range offsets."""
    length = hi - lo + 1
    seg = np.repeat(np.arange(len(lo)), length)
    offsets = np.r_[0, np.cumsum(length)[:-1]]
    return lo[seg] + np.arange(len(seg)) - offsets[seg], seg, offsets


def bout_phases(
    speed: np.ndarray, bounds: np.ndarray, jitter_cm_s: float, config: BoutConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Frames where each bout's speeding-up phase ends and its slowing-down phase starts.

    The *cruise band* of a peak is the speeds within ``config.cruise_band *
    jitter_cm_s`` below it. The speeding-up phase ends where the speed,
    from the bout's start, first enters the band of the bout's first peak
    and then stops rising: the first frame from there whose next frame is
    not faster by more than ``config.rise_step * jitter_cm_s`` (never past
    the first peak). The slowing-down phase starts at the mirror frame:
    from the bout's end backwards, where the speed enters the band of the
    last peak and stops rising (never before the last peak). Between the
    two the animal cruises (or, in a bout with several peaks, ripples
    between them).

    Why: on a plateau the frame of maximal speed can fall anywhere along
    the cruise, so a phase ending at the peak counts cruise time as
    speeding up. The band (wide enough for the speed's jitter on a plateau)
    keeps the search away from the jitter of the ramp below it; "stops
    rising" then finds where the ramp meets the plateau, not where the band
    begins (a minimum-jerk ramp creeps up to its plateau, so any band's edge
    falls well before its end). A bout without a cruise rises all the way
    to its peak: its phases end at its peaks, as before.

    Parameters
    ----------
    speed
        Speed per frame (cm/s).
    bounds
        :func:`find_bouts`'s ``(bouts, 4)`` frames: start, first peak, last peak, end.
    jitter_cm_s
        Speed jitter of the track (s.d., cm/s): :func:`speed_jitter_cm_s`
        of the tracking noise (see :func:`bout_table`).
    config
        Options (``cruise_band``, ``rise_step``).

    Returns
    -------
    accel_end, decel_start : numpy.ndarray
        Frame indices per bout, ``start <= accel_end <= first peak`` and
        ``last peak <= decel_start <= end``.
    """
    cfg = config or BoutConfig()
    if not (np.isfinite(jitter_cm_s) and jitter_cm_s >= 0):
        raise OpenfieldError(f"the speed jitter must be a number >= 0, got {jitter_cm_s}")
    s = np.nan_to_num(np.asarray(speed, float), nan=0.0)
    bd = np.asarray(bounds, float).reshape(-1, 4)
    if not len(bd):
        return np.zeros(0, int), np.zeros(0, int)
    p1, p2 = bd[:, 1].astype(int), bd[:, 2].astype(int)
    first = np.minimum(np.ceil(bd[:, 0]).astype(int), p1)  # first and last frames inside the bout
    last = np.maximum(np.floor(bd[:, 3]).astype(int), p2)
    band, step = cfg.cruise_band * jitter_cm_s, cfg.rise_step * jitter_cm_s
    # where the speed enters the band: first frame of [first, p1] (last of [p2, last]) inside it
    idx, seg, offsets = _segments(first, p1)
    entry = np.minimum.reduceat(np.where(s[idx] >= s[p1][seg] - band, idx, p1[seg]), offsets)
    idx, seg, offsets = _segments(p2, last)
    leave = np.maximum.reduceat(np.where(s[idx] >= s[p2][seg] - band, idx, p2[seg]), offsets)
    # then on to where the speed stops rising (forward from the entry, backward from the exit)
    stop_fwd = np.flatnonzero(~np.r_[s[1:] > s[:-1] + step, False])  # next frame not faster
    stop_bwd = np.flatnonzero(~np.r_[False, s[:-1] > s[1:] + step])  # previous frame not faster
    accel_end = np.minimum(stop_fwd[np.searchsorted(stop_fwd, entry)], p1)
    decel_start = np.maximum(stop_bwd[np.searchsorted(stop_bwd, leave, side="right") - 1], p2)
    return accel_end, decel_start


def bout_table(
    speed: np.ndarray,
    fps: float,
    acceleration: np.ndarray | None = None,
    xy_cm: np.ndarray | None = None,
    zone: np.ndarray | None = None,
    moving: np.ndarray | None = None,
    config: BoutConfig | None = None,
    bounds: np.ndarray | None = None,
    times_s: np.ndarray | None = None,
    speed_jitter_cm_s: float | None = None,
) -> pd.DataFrame:
    """One row per locomotor bout (columns :data:`BOUT_COLUMNS`).

    Parameters
    ----------
    speed
        Speed per frame (cm/s).
    fps
        Frame rate.
    acceleration
        Signed ``d speed / dt`` per frame (cm/s²); default ``numpy.gradient``
        of ``speed``.
    xy_cm
        ``(frames, 2)`` positions for the distance (path length); default
        the integral of the speed.
    zone
        Zone name per frame; the bout's zone is the one at its start
        (empty without).
    moving, config
        As :func:`find_bouts`.
    speed_jitter_cm_s
        S.d. of the speed's noise, for the cruise band (:func:`bout_phases`):
        :func:`speed_jitter_cm_s` of the tracking noise; None: the rest
        tolerance (``config.rest_tolerance_cm_s`` or :func:`rest_tolerance`
        of the ``moving`` frames) / :data:`RAYLEIGH_MEDIAN`.
    bounds
        The result of :func:`find_bouts`, if already computed.
    times_s
        Per-frame times of a variable-frame-rate video: times and phase
        durations at the real times of the bout's (fractional) frames
        (:func:`openfield.timebase.time_at`); None: frame / fps.

    Returns
    -------
    pandas.DataFrame
    """
    s = np.asarray(speed, float)
    cfg = config or BoutConfig()
    if bounds is None:
        bounds = find_bouts(s, fps, moving, cfg)
    jitter = speed_jitter_cm_s
    if jitter is None:
        tol = cfg.rest_tolerance_cm_s
        if tol is None:
            if moving is None:
                moving = moving_mask(s, fps, cfg.moving_threshold_cm_s, cfg.moving_min_s, times_s)
            tol = rest_tolerance(s, moving, cfg.moving_threshold_cm_s)
        jitter = tol / RAYLEIGH_MEDIAN
    spacing = 1.0 / fps if times_s is None else np.asarray(times_s, float)
    acc = np.gradient(s, spacing) if acceleration is None else np.asarray(acceleration, float)
    if xy_cm is not None:
        xy = np.asarray(xy_cm, float)
        step = np.r_[0.0, np.linalg.norm(np.diff(xy, axis=0), axis=1)]
    else:
        step = np.r_[0.0, 0.5 * (s[1:] + s[:-1]) * (1.0 / fps if times_s is None else np.diff(spacing))]
    bd = np.asarray(bounds, float).reshape(-1, 4)
    start, end = bd[:, 0], bd[:, 3]
    p1, p2 = bout_phases(s, bd, jitter, cfg)  # where the speeding up ends and the slowing down starts
    i0, i1 = np.floor(start).astype(int), np.ceil(end).astype(int)
    n = len(s)

    def at(x: np.ndarray) -> np.ndarray:  # speed at fractional frames
        i = np.floor(x).astype(int)
        j = np.minimum(i + 1, n - 1)
        return s[i] + (x - i) * (s[j] - s[i])

    with np.errstate(invalid="ignore", divide="ignore"):
        if times_s is None:
            t_start, t_p1, t_p2, t_end = start / fps, p1 / fps, p2 / fps, end / fps
        else:
            t_start, t_p1, t_p2, t_end = (timebase.time_at(x, times_s) for x in (start, p1, p2, end))
        rise, cruise, fall, duration = t_p1 - t_start, t_p2 - t_p1, t_end - t_p2, t_end - t_start
        cum = np.r_[0.0, np.nancumsum(step[1:])]
        # a phase whose speed changes by less than the cruise band (a bout cut by the recording's start or
        # end while cruising) is no speeding up or slowing down: no acceleration of its own
        band = cfg.cruise_band * jitter
        speeds_up = (rise > 0) & (s[p1] - at(start) > band)
        slows_down = (fall > 0) & (s[p2] - at(end) > band)
        nan = np.full(len(bd), np.nan)
        table = pd.DataFrame({
            "bout": np.arange(1, len(bd) + 1),
            "start_s": t_start,
            "end_s": t_end,
            "duration_s": duration,
            "distance_cm": cum[i1] - cum[i0],
            "peak_speed_cm_s": _reduce_pairs(np.fmax, s, i0, i1),
            "rise_s": rise,
            "cruise_s": cruise,
            "fall_s": fall,
            "mean_acceleration_cm_s2": np.where(speeds_up, (s[p1] - at(start)) / rise, nan),
            "mean_deceleration_cm_s2": np.where(slows_down, (s[p2] - at(end)) / fall, nan),
            "peak_acceleration_cm_s2": np.where(speeds_up, _reduce_pairs(np.fmax, acc, i0, p1), nan),
            "peak_deceleration_cm_s2": np.where(slows_down, -_reduce_pairs(np.fmin, acc, p2, i1), nan),
            "zone": (np.asarray(zone)[np.round(start).astype(int)].astype(str) if zone is not None
                     else np.full(len(bd), "", dtype=object)),
        })
    return table[BOUT_COLUMNS]


def summarize_bouts(table: pd.DataFrame, has_zones: bool = True) -> dict[str, Any]:
    """Bout count and mean bout measures, whole recording and per zone of start.

    Keys :data:`SUMMARY_COLUMNS`; means over bouts (NaN without bouts),
    decelerations as positive magnitudes; per-zone values NaN when
    ``has_zones`` is False.
    """
    def block(t: pd.DataFrame, suffix: str) -> dict[str, Any]:
        d: dict[str, Any] = {f"locomotor_bouts{suffix}": len(t)}
        for key, col in _MEANS.items():
            v = t[col].to_numpy(float)
            v = v[np.isfinite(v)]
            d[f"{key}{suffix}_cm_s2"] = float(v.mean()) if len(v) else float("nan")
        return d

    out = block(table, "")
    for z in ZONES:
        if has_zones:
            out.update(block(table[table["zone"] == z], f"_{z}"))
        else:
            out.update({k: float("nan") for k in block(table.iloc[:0], f"_{z}")})
    return {k: out[k] for k in SUMMARY_COLUMNS}


# --------------------------------------------------------------------------- figures


def plot_bouts(table: pd.DataFrame, title: str | None = None) -> Any:
    """Peak speed against mean acceleration, a point per bout (coloured by zone of start).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt  # lazy: matplotlib only where a figure is drawn

    fig, ax = plt.subplots(figsize=(5, 4))
    colours = {"center": "tab:orange", "border": "tab:blue"}
    for zone, grp in table.groupby("zone", sort=True):
        ax.scatter(grp["peak_speed_cm_s"], grp["mean_acceleration_cm_s2"], s=14, alpha=0.7,
                   color=colours.get(str(zone), "tab:grey"), label=str(zone) or "bouts")
    ax.set_xlabel("peak speed (cm/s)")
    ax.set_ylabel("mean acceleration of the bout (cm/s²)")
    ax.set_title(title or f"{len(table)} locomotor bouts")
    if len(table):
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def mark_bouts(ax: Any, table: pd.DataFrame, color: str = "tab:green", alpha: float = 0.15) -> Any:
    """Shade each bout (start to end, in seconds) on a time axis, alternating two shades so that
    bouts split at an arrest stay apart; returns ``ax``."""
    for k, (start, end) in enumerate(zip(table["start_s"], table["end_s"], strict=True)):
        ax.axvspan(start, end, color=color, alpha=alpha * (2 if k % 2 else 1), lw=0)
    return ax
