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
"""

from __future__ import annotations

import numpy as np

from openfield import cleaning, timebase

#: Summary keys of :func:`immobility_summary`.
SUMMARY_COLUMNS = ["time_immobile_s", "immobility_bouts", "latency_immobile_s"]

#: Default speed (cm/s) below which the point is still: a stop velocity as EthoVision XT's Movement variable
#: pairs with a 2-cm/s start velocity (our moving threshold), so no immobile frame is a moving one.
IMMOBILE_THRESHOLD_CM_S = 1.75
#: Default shortest episode (s), a minimum immobility period as ANY-maze's immobility detection asks for.
IMMOBILE_MIN_S = 2.0


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
