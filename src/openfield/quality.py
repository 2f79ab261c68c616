"""Quality control of one video's analysis: the QC columns and flags of every summary.

:func:`assess_quality` turns what the reader, the tracker and the cleaning
step measured into the summary's QC columns (:data:`QC_COLUMNS`) and a
``;``-separated list of flags from a fixed vocabulary (:data:`QC_FLAGS`),
each with a one-line reason for the report and the console. Every threshold
is a named constant below; ``docs/quality.md`` explains each flag.

Pure functions only; reading the per-frame timestamps of a video is in
:mod:`openfield.io.timestamps`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from openfield import timebase
from openfield.bodyparts import resolve_body_parts
from openfield.errors import OpenfieldError

#: The summary's QC columns, in order.
QC_COLUMNS = ["frames_expected", "frames_read", "fraction_missing", "fraction_interpolated", "jumps_removed",
              "tracking_noise_cm", "qc_flags"]

#: The flag vocabulary, in the order flags are listed.
QC_FLAGS = ("several_animals", "truncated", "fps_suspect", "high_missing", "low_contrast", "arena_partial",
            "animal_not_found_at_start", "short_recording", "empty_arena", "animal_size_implausible")

#: Frames a video may lack against its container's count before it is
#: ``truncated`` (with :data:`TRUNCATED_TOLERANCE_FRACTION`, the larger wins):
#: some containers estimate the count from duration x fps, off by a frame or two.
TRUNCATED_TOLERANCE_FRAMES = 2

#: Fraction of the container's frame count a video may lack before it is
#: ``truncated``: 0.5 %, i.e. 9 s of a 30-min recording.
TRUNCATED_TOLERANCE_FRACTION = 0.005

#: Lowest plausible frame rate (frames/s); below it the container's value is
#: ``fps_suspect`` (often a missing or default header field).
FPS_MIN = 1.0

#: Highest plausible frame rate (frames/s) for an open-field camera.
FPS_MAX = 500.0

#: Coefficient of variation (std / mean) of the intervals between frame
#: timestamps above which the frame rate is variable (``fps_suspect``, and
#: times must come from the timestamps): a constant-rate video stays near 0
#: (below 0.06 even with 1-ms rounding at 120 frames/s).
TIMESTAMP_CV_MAX = 0.1

#: Relative difference between the container's frame rate and the one the
#: timestamps give (1 / median interval) above which the rate is ``fps_suspect``.
FPS_MISMATCH_MAX = 0.05

#: Fraction of frames without a position (before interpolation) above which
#: the video is ``high_missing``.
HIGH_MISSING_FRACTION = 0.1

#: Difference between the animal's and the floor's median grey level (0-255)
#: below which the animal is hard to separate from the floor (``low_contrast``).
LOW_CONTRAST_GREY_LEVELS = 20.0

#: Seconds from the start in which the animal must be found at least once,
#: else ``animal_not_found_at_start`` (started before the animal was placed,
#: or the tracker locked on late).
START_WINDOW_S = 1.0

#: Recordings shorter than this (seconds, frames read / fps) are
#: ``short_recording``: an open-field test lasts 5-60 min; under a minute the
#: measures are not comparable.
SHORT_RECORDING_S = 60.0

#: Share of the checked frames in which the floor holds two or more animal-sized blobs from which the video is
#: ``several_animals`` (listed first: every measure assumes one animal). Two mice in one arena are both in view
#: in nearly every frame; a tail, a reflection or a dropping is smaller than the animal.
SEVERAL_ANIMALS_FRACTION = 0.25


#: Range (cm) of a mouse's body length, nose (or head) to tail base, that the
#: calibration may imply: outside it the arena size or the calibration is
#: likely wrong (``animal_size_implausible``; e.g. the size typed in mm, which
#: makes the animal, and every distance, 10x too large).
BODY_LENGTH_RANGE_CM = (4.0, 15.0)

#: Frames with both points needed before the body length is judged.
BODY_LENGTH_MIN_FRAMES = 10


#: One line per flag for the report's QC table and the console (the numbers are
#: in :meth:`QualityRecord.message`, logged when the video is analysed).
FLAG_DESCRIPTIONS = {
    "truncated": "fewer frames than the file announces: cut short or damaged",
    "fps_suspect": "frame rate implausible or variable (times from the timestamps)",
    "high_missing": f"animal not found in more than {HIGH_MISSING_FRACTION:.0%} of frames",
    "low_contrast": "animal hard to separate from the floor",
    "arena_partial": "arena found only partly",
    "animal_not_found_at_start": f"no animal in the first {START_WINDOW_S:g} s",
    "short_recording": f"shorter than {SHORT_RECORDING_S:g} s, or ends before the trial window's end "
                       "(--start + --duration)",
    "empty_arena": "no animal found in any frame of this arena (several arenas per video): measures left empty",
    "several_animals": "two or more animal-sized blobs in the arena in many frames: not one mouse (analysed as one)",
    "animal_size_implausible": (f"the calibration makes the animal shorter than {BODY_LENGTH_RANGE_CM[0]:g} or "
                                f"longer than {BODY_LENGTH_RANGE_CM[1]:g} cm (nose to tail base): arena size or "
                                "calibration likely wrong (mm typed as cm?)"),
}


@dataclass(frozen=True)
class QCThresholds:
    """The thresholds of the flags (defaults: the module's constants)."""

    truncated_tolerance_frames: int = TRUNCATED_TOLERANCE_FRAMES
    truncated_tolerance_fraction: float = TRUNCATED_TOLERANCE_FRACTION
    fps_min: float = FPS_MIN
    fps_max: float = FPS_MAX
    timestamp_cv_max: float = TIMESTAMP_CV_MAX
    fps_mismatch_max: float = FPS_MISMATCH_MAX
    high_missing_fraction: float = HIGH_MISSING_FRACTION
    low_contrast_grey_levels: float = LOW_CONTRAST_GREY_LEVELS
    start_window_s: float = START_WINDOW_S
    short_recording_s: float = SHORT_RECORDING_S
    several_animals_fraction: float = SEVERAL_ANIMALS_FRACTION
    body_length_range_cm: tuple[float, float] = BODY_LENGTH_RANGE_CM


@dataclass(frozen=True)
class QualityRecord:
    """One video's QC: the columns of :data:`QC_COLUMNS` plus a reason per flag.

    Attributes
    ----------
    frames_expected
        Frame count from the container (None when it does not say).
    frames_read
        Frames decoded.
    fraction_missing, fraction_interpolated
        Fractions of frames without a detected position, and filled in.
    jumps_removed
        Positions removed as implausible jumps.
    tracking_noise_cm
        Estimated position noise (None when unknown).
    flags
        The flags raised, in :data:`QC_FLAGS` order.
    reasons
        One line per flag saying why.
    """

    frames_expected: int | None
    frames_read: int
    fraction_missing: float
    fraction_interpolated: float
    jumps_removed: int
    tracking_noise_cm: float | None
    flags: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def qc_flags(self) -> str:
        """The flags joined with ``;`` (empty when the video looks fine)."""
        return ";".join(self.flags)

    def as_row(self) -> dict[str, Any]:
        """The summary columns (:data:`QC_COLUMNS`); unknown numbers are NaN."""
        return {
            "frames_expected": math.nan if self.frames_expected is None else self.frames_expected,
            "frames_read": self.frames_read,
            "fraction_missing": self.fraction_missing,
            "fraction_interpolated": self.fraction_interpolated,
            "jumps_removed": self.jumps_removed,
            "tracking_noise_cm": math.nan if self.tracking_noise_cm is None else self.tracking_noise_cm,
            "qc_flags": self.qc_flags,
        }

    def message(self) -> str:
        """All reasons on one line (for a warning naming the video), empty when none."""
        return "; ".join(f"{f}: {self.reasons[f]}" for f in self.flags)


def frame_interval_cv(timestamps_s: Any) -> float:
    """Coefficient of variation (std / mean) of the intervals between frame times.

    Parameters
    ----------
    timestamps_s
        Per-frame times in seconds, increasing.

    Returns
    -------
    float
        0 for a constant rate; NaN with fewer than 3 frames.
    """
    t = np.asarray(timestamps_s, dtype=float)
    if t.size < 3:
        return math.nan
    dt = np.diff(t)
    mean = float(dt.mean())
    return float(dt.std() / mean) if mean > 0 else math.inf


def timestamps_irregular(timestamps_s: Any, cv_max: float = TIMESTAMP_CV_MAX) -> bool:
    """True when frame times are not evenly spaced (variable frame rate), or cannot place the frames.

    Then times should come from the timestamps (:func:`frame_times_from_timestamps`),
    not from frame index / fps. Times that cannot place the frames count as
    irregular: missing or not increasing, by the rule that
    :func:`frame_times_from_timestamps` refuses them by
    (:func:`openfield.timebase.times_problem`).
    """
    t = np.asarray(timestamps_s, dtype=float)
    if t.size < 3:
        return False
    if timebase.times_problem(t) is not None:
        return True
    return frame_interval_cv(t) > cv_max


def timestamp_summary(timestamps_s: Any) -> dict[str, Any]:
    """What the QC needs of a video's frame times, small enough to keep in a step record.

    Parameters
    ----------
    timestamps_s
        Per-frame times (seconds, or any unit: only ratios are used, but
        ``timestamps_fps`` assumes seconds).

    Returns
    -------
    dict
        ``frames`` (count), ``increasing`` (the times can place the frames:
        finite and strictly increasing, :func:`openfield.timebase.times_problem`),
        ``frame_interval_cv`` (:func:`frame_interval_cv`, NaN when not
        increasing) and ``timestamps_fps`` (1 / median interval, NaN with
        fewer than 2 frames).
    """
    t = np.asarray(timestamps_s, dtype=float).ravel()
    increasing = timebase.times_problem(t) is None
    dt = np.diff(t)
    med = float(np.median(dt)) if dt.size and increasing else math.nan
    return {
        "frames": int(t.size),
        "increasing": increasing,
        "frame_interval_cv": frame_interval_cv(t) if increasing else math.nan,
        "timestamps_fps": 1.0 / med if med > 0 else math.nan,
    }


def frame_times_from_timestamps(timestamps_ms: Any) -> np.ndarray:
    """Per-frame times in seconds from the first frame, from the decoder's timestamps.

    For variable-frame-rate videos, where frame index / fps is wrong.

    Parameters
    ----------
    timestamps_ms
        Per-frame presentation times in milliseconds (as
        :func:`openfield.io.timestamps.read_frame_timestamps` returns).

    Returns
    -------
    numpy.ndarray
        Times in seconds, the first 0.

    Raises
    ------
    OpenfieldError
        When there are none, or they cannot place the frames
        (:func:`openfield.timebase.check_times`, quoting them in ms).
    """
    t = np.asarray(timestamps_ms, dtype=float)
    if t.size == 0:
        raise OpenfieldError("no frame timestamps (a non-empty 1-D sequence is needed)")
    t = timebase.check_times(t, unit="ms")
    return (t - t[0]) / 1000.0


def variable_frame_times(timestamps_ms: Any, cv_max: float = TIMESTAMP_CV_MAX) -> np.ndarray | None:
    """The per-frame times the kinematics must use: from the timestamps when they are irregular, else None.

    A constant-rate video (timestamps regular: :func:`timestamps_irregular`
    false) keeps frame index / fps, exactly; a variable-rate one is measured
    on its timestamps (:func:`frame_times_from_timestamps`).

    Parameters
    ----------
    timestamps_ms
        The decoder's time of each frame, in milliseconds.
    cv_max
        Coefficient of variation of the intervals above which they are irregular.

    Returns
    -------
    numpy.ndarray or None
        Seconds from the first frame, or None when regular (or fewer than 3 frames).

    Raises
    ------
    OpenfieldError
        When irregular because a timestamp is missing or the times do not
        increase: such times cannot place the frames (the video stays
        ``fps_suspect``; the caller falls back to frame index / fps).
    """
    t = np.asarray(timestamps_ms, dtype=float)
    if not timestamps_irregular(t / 1000.0, cv_max):
        return None
    return frame_times_from_timestamps(t)


def found_at_start(found: Any, fps: float, window_s: float = START_WINDOW_S) -> bool:
    """True when the animal is found in at least one frame of the first ``window_s`` seconds.

    Parameters
    ----------
    found
        Per-frame booleans: a position was detected.
    fps
        Frames per second.
    window_s
        Length of the start window.
    """
    f = np.asarray(found, dtype=bool)
    n = max(1, int(math.ceil(window_s * fps)))
    return bool(f[:n].any())


def found_in_start_window(first_found_s: float | None, window_s: float = START_WINDOW_S) -> bool:
    """:func:`found_at_start` from the time of the first frame with the animal (None: never found).

    The same rule: frame ``i`` at ``i / fps`` is in the first ``window_s``
    seconds when ``i < ceil(window_s * fps)``, i.e. ``i / fps < window_s``;
    with a variable frame rate the frame's real time counts. Frame 0 always
    counts.
    """
    return first_found_s is not None and (first_found_s == 0.0 or first_found_s < window_s)


def assess_quality(
    *,
    frames_read: int,
    fps: float,
    fraction_missing: float,
    fraction_interpolated: float = 0.0,
    jumps_removed: int = 0,
    frames_expected: int | None = None,
    timestamps_s: Any = None,
    timestamp_stats: dict[str, Any] | None = None,
    tracking_noise_cm: float | None = None,
    contrast: float | None = None,
    several_animals_fraction: float | None = None,
    arena_partial: bool | None = None,
    animal_found_at_start: bool | None = None,
    duration_s: float | None = None,
    trial: dict[str, Any] | None = None,
    body_length_cm: float | None = None,
    thresholds: QCThresholds | None = None,
) -> QualityRecord:
    """The QC columns and flags of one video.

    Parameters
    ----------
    frames_read
        Frames decoded.
    fps
        The container's frame rate (frames/s).
    fraction_missing
        Fraction of frames without a detected position (before interpolation).
    fraction_interpolated
        Fraction of frames whose position was filled in.
    jumps_removed
        Positions removed as implausible jumps.
    frames_expected
        The container's frame count; None or <= 0 when it does not say
        (then ``truncated`` cannot be judged).
    timestamps_s
        Per-frame times in seconds, if read (for ``fps_suspect``).
    timestamp_stats
        Instead of ``timestamps_s``: their :func:`timestamp_summary` (what a
        pipeline keeps of them between runs).
    tracking_noise_cm
        Position noise estimate (cm; :func:`openfield.smoothing.estimate_noise_cm`), if known.
    contrast
        Difference between the animal's and the floor's median grey level
        (0-255), if known.
    several_animals_fraction
        Share of the tracker's checked frames in which the floor held two or
        more animal-sized blobs (see :meth:`openfield.tracking.FrameTracker.count_animals`), if known.
    arena_partial
        True when the arena was found only partly (a side cut off or hidden).
    animal_found_at_start
        Whether the animal was found in the first seconds (:func:`found_at_start`).
    duration_s
        Length of the recording; by default from the timestamps, else
        ``frames_read / fps``.
    trial
        The trial window (:meth:`openfield.trial.Window.as_dict`), if one
        was asked for: with a ``duration_s``, ``short_recording`` means
        that the video ends before the window's end (``short``), instead
        of the :data:`SHORT_RECORDING_S` rule.
    body_length_cm
        The animal's median length, nose (or head) to tail base, as the
        calibration maps it (:func:`implied_body_length_cm`); None when
        unknown. Outside ``thresholds.body_length_range_cm``:
        ``animal_size_implausible``.
    thresholds
        Flag thresholds (default: the module's constants).

    Returns
    -------
    QualityRecord
    """
    th = thresholds or QCThresholds()
    if frames_read < 0:
        raise OpenfieldError(f"frames_read must be >= 0, got {frames_read}")
    expected = int(frames_expected) if frames_expected is not None and frames_expected > 0 else None
    reasons: dict[str, str] = {}

    if expected is not None:
        tolerance = max(th.truncated_tolerance_frames, th.truncated_tolerance_fraction * expected)
        lost = expected - frames_read
        if lost > tolerance:
            reasons["truncated"] = (f"read {frames_read} of the {expected} frames the file announces "
                                    f"({lost / expected:.0%} missing: cut short or damaged)")

    fps_ok = math.isfinite(fps) and th.fps_min <= fps <= th.fps_max
    if not fps_ok:
        reasons["fps_suspect"] = f"the file's frame rate {fps:g} is outside {th.fps_min:g}-{th.fps_max:g} frames/s"
    t = None if timestamps_s is None else np.asarray(timestamps_s, dtype=float)
    stats = timestamp_summary(t) if t is not None else timestamp_stats
    if stats and stats.get("frames", 0) >= 3:
        cv = stats.get("frame_interval_cv", math.nan)
        if not stats.get("increasing", True) or (cv is not None and math.isfinite(cv) and cv > th.timestamp_cv_max):
            why = (f"frame intervals vary (coefficient of variation {cv:.2f} > {th.timestamp_cv_max:g}): "
                   "variable frame rate" if stats.get("increasing", True)
                   else "frame timestamps missing or do not increase")
            reasons.setdefault("fps_suspect", why)
        elif fps_ok and stats.get("timestamps_fps") and math.isfinite(stats["timestamps_fps"]):
            ts_fps = float(stats["timestamps_fps"])
            if abs(ts_fps - fps) / fps > th.fps_mismatch_max:
                reasons["fps_suspect"] = (f"the file says {fps:g} frames/s but its timestamps give "
                                          f"{ts_fps:.3g} frames/s")

    if fraction_missing > th.high_missing_fraction:
        reasons["high_missing"] = (f"no position in {fraction_missing:.0%} of frames "
                                   f"(> {th.high_missing_fraction:.0%})")
    if contrast is not None and contrast < th.low_contrast_grey_levels:
        reasons["low_contrast"] = (f"animal and floor differ by {contrast:.0f} grey levels "
                                   f"(< {th.low_contrast_grey_levels:g})")
    if several_animals_fraction is not None and several_animals_fraction >= th.several_animals_fraction:
        reasons["several_animals"] = (f"two or more animal-sized blobs in {several_animals_fraction:.0%} of the "
                                      f"frames checked (>= {th.several_animals_fraction:.0%}): the video was "
                                      "analysed as one animal; check it")
    if arena_partial:
        reasons["arena_partial"] = "the arena was found only partly (a side cut off or hidden)"
    if animal_found_at_start is False:
        reasons["animal_not_found_at_start"] = f"no animal found in the first {th.start_window_s:g} s"

    if duration_s is None:
        if t is not None and t.size >= 2 and np.all(np.isfinite(t)):
            duration_s = float(t[-1] - t[0]) + float(np.median(np.diff(t)))
        elif fps_ok:
            duration_s = frames_read / fps
    if trial is not None and trial.get("duration_s") is not None:
        if trial.get("short"):
            reasons["short_recording"] = (
                f"the video ends at {trial['video_duration_s']:.1f} s, before the trial's end "
                f"({trial['start_s']:.1f} s + {trial['duration_s']:g} s): the trial is shorter than asked")
    elif duration_s is not None and duration_s < th.short_recording_s:
        reasons["short_recording"] = f"{duration_s:.1f} s long (< {th.short_recording_s:g} s)"

    low, high = th.body_length_range_cm
    if body_length_cm is not None and math.isfinite(body_length_cm) and not low <= body_length_cm <= high:
        reasons["animal_size_implausible"] = (
            f"the calibration makes the animal {body_length_cm:.3g} cm long, nose to tail base (a mouse: "
            f"{low:g}-{high:g} cm): check the arena size (typed in mm?) or the calibration")

    flags = tuple(f for f in QC_FLAGS if f in reasons)
    return QualityRecord(
        frames_expected=expected,
        frames_read=int(frames_read),
        fraction_missing=float(fraction_missing),
        fraction_interpolated=float(fraction_interpolated),
        jumps_removed=int(jumps_removed),
        tracking_noise_cm=None if tracking_noise_cm is None or not math.isfinite(tracking_noise_cm)
        else float(tracking_noise_cm),
        flags=flags,
        reasons={f: reasons[f] for f in flags},
    )


def parse_qc_flags(text: Any) -> list[str]:
    """The flags of a ``qc_flags`` cell (read back from a CSV: may be empty or NaN).

    Raises
    ------
    OpenfieldError
        On a flag outside :data:`QC_FLAGS`.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    flags = [f.strip() for f in str(text).split(";") if f.strip()]
    unknown = [f for f in flags if f not in QC_FLAGS]
    if unknown:
        raise OpenfieldError(f"unknown QC flag(s) {', '.join(unknown)}; known: {', '.join(QC_FLAGS)}")
    return flags


def qc_overview(summary: pd.DataFrame) -> pd.DataFrame:
    """The report's QC table: flagged videos first, each with its flags and what they mean.

    Parameters
    ----------
    summary
        One row per video with ``video`` and ``qc_flags`` (as in ``summary_all.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``video``, ``qc_flags``, ``reason``; flagged videos first
        (most flags first), then the others, each group in its original order.
    """
    for col in ("video", "qc_flags"):
        if col not in summary.columns:
            raise OpenfieldError(f"the summary has no {col!r} column")
    flags = [parse_qc_flags(v) for v in summary["qc_flags"]]
    table = pd.DataFrame({
        "video": summary["video"].to_numpy(),
        "qc_flags": [";".join(f) for f in flags],
        "reason": ["; ".join(FLAG_DESCRIPTIONS[x] for x in f) for f in flags],
        "_n": [len(f) for f in flags],
    })
    table = table.sort_values("_n", ascending=False, kind="stable").drop(columns="_n")
    return table.reset_index(drop=True)


def implied_body_length_cm(ds: Any, cal: Any, min_likelihood: float = 0.5) -> float | None:
    """The animal's median length in cm, nose (else head) to tail base, as the calibration maps it.

    Parameters
    ----------
    ds
        The pose dataset (pixels; :mod:`openfield.io.pose`).
    cal
        The :class:`~openfield.calibration.Calibration` (its ``px_to_cm``).
    min_likelihood
        Frames where either point is less sure than this are left out (not
        for the classical tracker's pose, whose head/tail confidence is about
        which end is which, not where the ends are).

    Returns
    -------
    float or None
        The median over frames with both points (None when the pose has no
        such pair of points, or fewer than :data:`BODY_LENGTH_MIN_FRAMES`
        frames with both).
    """
    roles = resolve_body_parts([str(k) for k in ds["keypoints"].values])
    front, back = roles.get("nose") or roles.get("head"), roles.get("tailbase")
    if cal is None or front is None or back is None or front == back:
        return None
    pos = ds["position"].isel(individuals=0).sel(keypoints=[front, back]).transpose("time", "keypoints", "space")
    conf = ds["confidence"].isel(individuals=0).sel(keypoints=[front, back]).transpose("time", "keypoints").values
    xy = np.asarray(pos.values, dtype=float)
    if ds.attrs.get("source_software") != "openfield-classic":
        xy[~(np.nan_to_num(conf, nan=0.0) >= min_likelihood)] = np.nan
    cm = np.asarray(cal.px_to_cm(xy), dtype=float)
    length = np.linalg.norm(cm[:, 0] - cm[:, 1], axis=1)
    length = length[np.isfinite(length)]
    return float(np.median(length)) if length.size >= BODY_LENGTH_MIN_FRAMES else None
