"""Immobility episodes: the reference point still for a minimum time.

A frame is *still* when the reference point's speed (smoothed track, cm/s)
is below ``threshold_cm_s``. An **immobility episode** is a run of still
frames lasting at least ``min_s``. Tracking noise is allowed for, as the
locomotor bouts do (:mod:`openfield.bouts`): a resting animal's tracked
point jitters, and a jitter spike above the threshold that is shorter than
``bridge_s`` (by default the moving minimum, 0.25 s: a shorter excursion
is no movement either) does not split an episode (nor delays one that
begins with the recording, or cuts one that ends with it); the track is smoothed by
a filter fitted to the recording's own tracking noise before its speed is
taken (:mod:`openfield.smoothing`). Frames without a position (NaN speed)
end an episode: the animal is not known to be still there.

Summary: ``time_immobile_s`` (the episodes' total time), ``immobility_bouts``
(their number), ``latency_immobile_s`` (start of the first, NaN if none);
the kinematics summary adds the immobile time in each zone
(:mod:`openfield.extra_measures`).

**Mobility states from the outline** (EthoVision XT's *Mobility* and
*Mobility state*; the classical tracker only, which sees the animal's pixels):
per frame, the *changed area* is the animal's pixels found in this frame but not
in the previous one plus those found in the previous one but not in this one
(the symmetric difference of the two blob masks), and the *mobility* is that
changed area over the sum of the two frames' areas (:func:`outline_change`: 0
for an unchanged outline, 1 for two outlines that do not overlap); NaN where
the animal was not found in this frame or in the previous one. Each frame is
then *immobile* below ``immobile_below_pct`` (per cent), *highly mobile* above
``highly_mobile_above_pct``, *mobile* between (:func:`mobility_states`).
Unlike the immobility episodes, the outline changes when the animal turns or
grooms in place while its centre stays still. Summary: ``time_mobile_s``,
``time_highly_mobile_s`` and ``time_immobile_outline_s``
(:func:`mobility_state_summary`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openfield import cleaning, timebase
from openfield.errors import OpenfieldError

#: Summary keys of :func:`immobility_summary`.
SUMMARY_COLUMNS = ["time_immobile_s", "immobility_bouts", "latency_immobile_s"]

#: Default speed (cm/s) below which the point is still: a stop velocity as EthoVision XT's Movement variable
#: pairs with a 2-cm/s start velocity (our moving threshold), so no immobile frame is a moving one.
IMMOBILE_THRESHOLD_CM_S = 1.75
#: Default shortest episode (s), a minimum immobility period as ANY-maze's immobility detection asks for.
IMMOBILE_MIN_S = 2.0

#: Summary keys of :func:`mobility_state_summary`.
STATE_COLUMNS = ["time_mobile_s", "time_highly_mobile_s", "time_immobile_outline_s"]
#: The mobility states of :func:`mobility_states`, and the label of a frame without one.
IMMOBILE, MOBILE, HIGHLY_MOBILE, NO_STATE = "immobile", "mobile", "highly_mobile", ""
#: Default thresholds (per cent of the outline changed between two frames): immobile below the first, highly
#: mobile above the second. EthoVision XT's manual leaves both to the user; these are the example of Noldus'
#: knowledge base ("Activity, Mobility, and Movement": immobile below 4 %, highly mobile above 10 %). They
#: depend on the frame rate (the outline changes less between closer frames): at 30 frames/s a walking mouse
#: changes about a tenth of its outline per frame, so the 20 % and 60 % sometimes quoted would call it immobile
#: (see docs/kinematics.md).
IMMOBILE_BELOW_PCT = 4.0
HIGHLY_MOBILE_ABOVE_PCT = 10.0


def _run_seconds(starts: np.ndarray, lengths: np.ndarray, fps: float,
                 times_s: np.ndarray | None) -> np.ndarray:
    """How long each run of frames lasts (frame count / fps, or the sum of the frames' durations)."""
    if times_s is None:
        return lengths / fps
    cum = np.r_[0.0, np.cumsum(timebase.frame_durations(times_s))]
    return cum[starts + lengths] - cum[starts]


def immobile_mask(speed: np.ndarray, fps: float, threshold_cm_s: float = IMMOBILE_THRESHOLD_CM_S,
                  min_s: float = IMMOBILE_MIN_S, bridge_s: float = 0.25,
                  times_s: np.ndarray | None = None) -> np.ndarray:
    """Frames inside immobility episodes.

    Parameters
    ----------
    speed
        Speed per frame (cm/s), NaN where unknown.
    fps
        Frame rate (the median rate with ``times_s``).
    threshold_cm_s
        Still below this speed.
    min_s
        Shortest episode.
    bridge_s
        Excursions above the threshold shorter than this, between two still
        runs (or between a still run and the recording's start or end), stay
        inside the episode (tracking jitter).
    times_s
        Per-frame times of a variable-frame-rate video; None: frames ``1 / fps`` apart.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    speed = np.asarray(speed, float)
    known = np.isfinite(speed)
    still = known & (np.nan_to_num(speed, nan=np.inf) < threshold_cm_s)
    # bridge short excursions (known speed, above the threshold) between still runs
    starts, lengths = cleaning.runs(known & ~still)
    secs = _run_seconds(starts, lengths, fps, times_s)
    for s, n, sec in zip(starts, lengths, secs, strict=True):
        before = still[s - 1] if s > 0 else None  # None: the recording's edge
        after = still[s + n] if s + n < len(speed) else None
        if before is not False and after is not False and (before or after) and sec < bridge_s - 1e-9:
            still[s : s + n] = True
    starts, lengths = cleaning.runs(still)
    secs = _run_seconds(starts, lengths, fps, times_s)
    out = np.zeros(len(speed), bool)
    for s, n, sec in zip(starts, lengths, secs, strict=True):
        if sec >= min_s - 1e-9:
            out[s : s + n] = True
    return out


def episodes(immobile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First frame and frame count of each immobility episode (each run of True)."""
    return cleaning.runs(np.asarray(immobile, bool))


def immobility_summary(immobile: np.ndarray, fps: float, times_s: np.ndarray | None = None) -> dict[str, float]:
    """``time_immobile_s``, ``immobility_bouts`` and ``latency_immobile_s`` of :func:`immobile_mask`'s frames."""
    immobile = np.asarray(immobile, bool)
    starts, _ = episodes(immobile)
    durations = None if times_s is None else timebase.frame_durations(times_s)
    if not len(starts):
        latency = float("nan")
    else:
        latency = float(starts[0] / fps) if times_s is None else float(np.asarray(times_s, float)[starts[0]])
    return {"time_immobile_s": timebase.seconds(immobile, fps, durations),
            "immobility_bouts": int(len(starts)), "latency_immobile_s": latency}


# --------------------------------------------------------------------------- mobility states (the outline)


def outline_change(previous: np.ndarray | None, previous_corner: tuple[int, int] | None,
                   current: np.ndarray | None, current_corner: tuple[int, int] | None) -> float:
    """EthoVision XT's *mobility* of one frame: the changed area over the sum of the two frames' areas.

    The changed area is the symmetric difference of the two masks placed in
    the same pixel grid (pixels of the animal in one frame and not in the
    other), so ``|A xor B| / (|A| + |B|)``: 0 when the outline is unchanged,
    1 when the two do not overlap.

    Parameters
    ----------
    previous, current
        The animal's pixels in the previous and the current frame: boolean
        (or 0/nonzero) masks of their bounding boxes; None where the animal
        was not found.
    previous_corner, current_corner
        Each mask's top-left pixel ``(x, y)`` in the frame.

    Returns
    -------
    float
        In [0, 1]; NaN when either mask is None or both are empty.
    """
    if previous is None or current is None or previous_corner is None or current_corner is None:
        return float("nan")
    a, b = np.asarray(previous), np.asarray(current)
    total = np.count_nonzero(a) + np.count_nonzero(b)
    if total == 0:
        return float("nan")
    # |A xor B| = |A| + |B| - 2 |A and B|; the pixels in common lie where the two boxes overlap
    (ax, ay), (bx, by) = (int(v) for v in previous_corner), (int(v) for v in current_corner)
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + a.shape[1], bx + b.shape[1]), min(ay + a.shape[0], by + b.shape[0])
    common = 0
    if x1 > x0 and y1 > y0:
        common = np.count_nonzero(np.logical_and(a[y0 - ay:y1 - ay, x0 - ax:x1 - ax],
                                                 b[y0 - by:y1 - by, x0 - bx:x1 - bx]))
    return float(total - 2 * common) / total


def check_thresholds(immobile_below_pct: float, highly_mobile_above_pct: float) -> None:
    """Refuse thresholds outside 0-100 % or a highly-mobile threshold below the immobile one (OpenfieldError)."""
    lo, hi = float(immobile_below_pct), float(highly_mobile_above_pct)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0.0 <= lo <= hi <= 100.0):
        raise OpenfieldError(f"mobility thresholds must satisfy 0 <= immobile ({lo:g} %) <= highly mobile "
                             f"({hi:g} %) <= 100 %")


def mobility_states(change: np.ndarray, immobile_below_pct: float = IMMOBILE_BELOW_PCT,
                    highly_mobile_above_pct: float = HIGHLY_MOBILE_ABOVE_PCT,
                    averaging_samples: int = 1) -> np.ndarray:
    """Each frame's mobility state from its outline change (EthoVision XT's *Mobility state*).

    Parameters
    ----------
    change
        :func:`outline_change` per frame (a fraction, 0-1), NaN where unknown.
    immobile_below_pct
        Immobile below this many per cent.
    highly_mobile_above_pct
        Highly mobile above this many per cent; mobile from the first
        threshold up to this one (both included).
    averaging_samples
        EthoVision's *averaging interval*: each frame's change is first
        the mean of the known values among it and the ``averaging_samples - 1``
        frames before it (1, its default: no smoothing).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` of :data:`IMMOBILE`, :data:`MOBILE`, :data:`HIGHLY_MOBILE`,
        or :data:`NO_STATE` where the change is unknown.

    Raises
    ------
    OpenfieldError
        Thresholds out of order or outside 0-100 %, or an averaging interval below 1.
    """
    check_thresholds(immobile_below_pct, highly_mobile_above_pct)
    if int(averaging_samples) != averaging_samples or averaging_samples < 1:
        raise OpenfieldError(f"the mobility averaging interval must be a whole number of frames >= 1, "
                             f"got {averaging_samples!r}")
    pct = 100.0 * np.asarray(change, float)
    if averaging_samples > 1:
        pct = pd.Series(pct).rolling(int(averaging_samples), min_periods=1).mean().to_numpy()
    out = np.full(len(pct), NO_STATE, dtype=object)
    known = np.isfinite(pct)
    out[known & (pct < immobile_below_pct)] = IMMOBILE
    out[known & (pct >= immobile_below_pct) & (pct <= highly_mobile_above_pct)] = MOBILE
    out[known & (pct > highly_mobile_above_pct)] = HIGHLY_MOBILE
    return out


def mobility_state_summary(states: np.ndarray | None, fps: float,
                           times_s: np.ndarray | None = None) -> dict[str, float]:
    """``time_mobile_s``, ``time_highly_mobile_s``, ``time_immobile_outline_s`` of :func:`mobility_states`.

    Each frame counts for its duration (``1 / fps``, or its own at a
    variable frame rate); frames without a state count in none. ``states``
    None (no outline: a DeepLabCut pose) gives NaN.
    """
    if states is None:
        return dict.fromkeys(STATE_COLUMNS, float("nan"))
    states = np.asarray(states, dtype=object)
    durations = None if times_s is None else timebase.frame_durations(times_s)
    return {"time_mobile_s": timebase.seconds(states == MOBILE, fps, durations),
            "time_highly_mobile_s": timebase.seconds(states == HIGHLY_MOBILE, fps, durations),
            "time_immobile_outline_s": timebase.seconds(states == IMMOBILE, fps, durations)}
