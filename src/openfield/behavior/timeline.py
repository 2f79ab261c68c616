"""Per-frame behaviour timelines: intervals <-> frames, smoothing, bouts, totals.

This module is pure (arrays and tables in, arrays and tables out), is shared
by every behaviour classifier (pose-based, image-based) and knows no class
list of its own: classes are whatever strings the caller uses (e.g.
``rearing / grooming / other`` or ``rearing / grooming / normal``). Reading
label files is :mod:`openfield.behavior.labels`; scores are
:mod:`openfield.behavior.metrics`; figures :mod:`openfield.behavior.plots`;
files :mod:`openfield.behavior.outputs`.

Time conventions
----------------
Frame ``i`` of a recording at ``fps`` frames per second covers the half-open
time span ``[i / fps, (i + 1) / fps)``; its time stamp ``time_s`` is the start
``i / fps``.

An interval label ``[start_s, end_s)`` is given to frame ``i`` when the
frame's *centre* ``(i + 0.5) / fps`` lies inside it, i.e. when the interval
covers more than half of the frame (exactly half: the frame goes to the
interval that starts in it). So an interval of duration ``d`` labels
``round(d * fps)`` frames (up to one frame either way at exact halves), at any
fps and at any non-integer start and end times, and two touching intervals
never share a frame. Within one rater, when intervals of different
behaviours cover the same frame centre, the interval that starts later wins
(the rater switched to it).

Bouts are maximal runs of one label; a bout of frames ``a .. b-1`` has
``start_s = a / fps``, ``end_s = b / fps`` and ``duration_s = (b - a) / fps``.

A variable-frame-rate recording (the pipeline passes its frames' real times
``t_i``, ``times_s``; :mod:`openfield.timebase`) keeps the same rules on
those times: frame ``i`` starts at ``t_i`` and lasts until ``t_{i+1}`` (the
last one the median interval), so a bout of frames ``a .. b-1`` starts at
``t_a`` and ends at ``t_b``, and the shortest bout kept (``min_bout_s``)
is measured in seconds, not frames. The probability window counts frames
at the median rate (as the kinematics' frame-counting windows do). Interval
labels are still placed by frame index / ``fps`` (:func:`intervals_to_frames`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from openfield import timebase
from openfield.behavior.labels import BACKGROUND_NAMES, default_behaviors
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

# rounding of times x fps before taking frame indices: absorbs binary floating-point
# error (e.g. 1.02 * 25 = 25.500000000000004) without moving any real boundary
_DECIMALS = 6

# --------------------------------------------------------------------------- frames


def _frame_range(start_s: np.ndarray, end_s: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """First frame and one-past-last frame whose centres lie in ``[start_s, end_s)``."""
    first = np.ceil(np.round(np.asarray(start_s) * fps - 0.5, _DECIMALS)).astype(np.int64)
    stop = np.ceil(np.round(np.asarray(end_s) * fps - 0.5, _DECIMALS)).astype(np.int64)
    return np.maximum(first, 0), np.maximum(stop, 0)


def frames_between(start_s: float, end_s: float | None, fps: float, n_frames: int) -> slice:
    """The frames whose centres lie in ``[start_s, end_s)`` (``end_s`` None: to the end), as a slice."""
    stop_s = n_frames / fps if end_s is None else end_s
    first, stop = _frame_range(np.array([start_s]), np.array([stop_s]), fps)
    return slice(int(min(first[0], n_frames)), int(min(max(stop[0], first[0]), n_frames)))


def intervals_to_frames(
    labels_df: pd.DataFrame,
    n_frames: int,
    fps: float,
    background: str = "other",
    beyond_end: str = "error",
) -> dict[str, np.ndarray]:
    """Per-frame labels of each rater from interval labels.

    See the module docstring for the rule (a frame takes the label of the
    interval that contains its centre).

    Parameters
    ----------
    labels_df
        From :func:`~openfield.behavior.labels.read_interval_labels` (columns ``start_s``, ``end_s``,
        ``behavior``, ``rater``).
    n_frames
        Number of frames of the recording.
    fps
        Frames per second.
    background
        Label of frames no interval covers; intervals whose behaviour is
        ``background`` or one of :data:`BACKGROUND_NAMES` label their frames
        ``background`` too.
    beyond_end
        ``"error"`` (default): an interval that ends more than one frame
        after the recording's end is an error (wrong file or wrong fps?);
        ``"crop"``: such intervals are cut at the end (for labels scored on
        a longer video than the pose excerpt), with a log message.

    Returns
    -------
    dict
        Rater name -> array of ``n_frames`` strings (object dtype).

    Raises
    ------
    OpenfieldError
        fps missing or not positive; intervals past the end (``"error"``).
    """
    source = labels_df.attrs.get("source_file")
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise OpenfieldError(f"the frame rate is needed to place labels given in seconds (got fps={fps})")
    if beyond_end not in ("error", "crop"):
        raise ValueError(f"beyond_end must be 'error' or 'crop', not {beyond_end!r}")
    n_frames = int(n_frames)
    duration = n_frames / fps
    past = labels_df["end_s"].to_numpy(dtype=float) > duration + 1.0 / fps
    if past.any():
        if beyond_end == "error":
            last = float(labels_df["end_s"].max())
            raise OpenfieldError(
                f"{int(past.sum())} labelled interval(s) run past the end of the recording "
                f"({n_frames} frames at {fps:g} fps = {duration:.2f} s; the labels go to {last:.2f} s): "
                "check the frame rate and that the labels belong to this recording, or crop the labels "
                "to the recording (--crop-labels) if they were scored on a longer video",
                source,
            )
        log.info(
            "%s: %d interval(s) past the end of the %.2f s recording cropped",
            source or "labels",
            int(past.sum()),
            duration,
        )
    out: dict[str, np.ndarray] = {}
    for rater, rows in labels_df.groupby("rater", sort=False):
        frames = np.full(n_frames, background, dtype=object)
        rows = rows.sort_values("start_s", kind="stable")
        first, stop = _frame_range(rows["start_s"].to_numpy(float), rows["end_s"].to_numpy(float), fps)
        stop = np.minimum(stop, n_frames)
        for a, b, beh in zip(first, stop, rows["behavior"], strict=True):
            if b > a:
                frames[a:b] = background if beh in BACKGROUND_NAMES else beh
        out[str(rater)] = frames
    return out


# --------------------------------------------------------------------------- bouts


def _runs(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encoding: values, start indices, lengths."""
    labels = np.asarray(labels, dtype=object)
    if len(labels) == 0:
        return labels[:0], np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.r_[True, labels[1:] != labels[:-1]]
    starts = np.flatnonzero(change)
    lengths = np.diff(np.r_[starts, len(labels)])
    return labels[starts], starts, lengths


def smooth_labels(
    labels: np.ndarray, fps: float, min_bout_s: float, times_s: np.ndarray | None = None
) -> np.ndarray:
    """Remove bouts shorter than ``min_bout_s``.

    The shortest bout is removed first, repeatedly, until every bout lasts at
    least ``min_bout_s`` (or one bout is left). A removed bout takes the label
    of its neighbours when they agree, else of the longer neighbour (the
    earlier one on a tie); at either end of the recording, of its only
    neighbour. Ties between equally short bouts go to the earliest.

    Parameters
    ----------
    labels
        Per-frame labels.
    fps
        Frames per second.
    min_bout_s
        Shortest bout kept, in seconds; 0 returns the labels unchanged.
    times_s
        Per-frame times of a variable-frame-rate recording: a bout lasts the
        sum of its frames' durations (:func:`openfield.timebase.frame_durations`),
        and "longer" compares those; None: frame counts / ``fps``.

    Returns
    -------
    numpy.ndarray
        Smoothed per-frame labels (object dtype).
    """
    labels = np.asarray(labels, dtype=object)
    if min_bout_s < 0:
        raise OpenfieldError(f"the minimum bout duration must be >= 0 s, got {min_bout_s}")
    values, starts, lengths = _runs(labels)
    values, lengths = list(values), list(lengths.astype(np.int64))
    # how long each bout lasts, in frames (a constant rate) or seconds (a variable one)
    if times_s is None:
        size, min_size = list(lengths), min_bout_s * fps - 1e-9
    else:
        cum = np.r_[0.0, np.cumsum(timebase.frame_durations(times_s))]
        size, min_size = list(cum[starts + np.asarray(lengths, np.int64)] - cum[starts]), min_bout_s - 1e-9
    while len(values) > 1:
        arr = np.asarray(size)
        i = int(np.argmin(arr))
        if arr[i] >= min_size:
            break
        if i == 0:
            target = 1
        elif i == len(values) - 1 or values[i - 1] == values[i + 1] or size[i - 1] >= size[i + 1]:
            target = i - 1
        else:
            target = i + 1
        lengths[target] += lengths[i]
        size[target] += size[i]
        del values[i], lengths[i], size[i]
        # merge the neighbours if they now touch with the same label
        j = min(i, target)
        if 0 < j < len(values) and values[j - 1] == values[j]:
            lengths[j - 1] += lengths[j]
            size[j - 1] += size[j]
            del values[j], lengths[j], size[j]
        elif j + 1 < len(values) and values[j] == values[j + 1]:
            lengths[j] += lengths[j + 1]
            size[j] += size[j + 1]
            del values[j + 1], lengths[j + 1], size[j + 1]
    return np.repeat(np.asarray(values, dtype=object), lengths)


def find_bouts(labels: np.ndarray, fps: float, times_s: np.ndarray | None = None) -> pd.DataFrame:
    """Bouts (maximal runs of one label) of a per-frame label sequence.

    Parameters
    ----------
    labels
        Per-frame labels.
    fps
        Frames per second.
    times_s
        Per-frame times of a variable-frame-rate recording: a bout of frames
        ``a .. b-1`` from ``t_a`` to ``t_b`` (the end of the last frame:
        its time plus the median interval); None: frame / ``fps``.

    Returns
    -------
    pandas.DataFrame
        One row per bout, in time order, every label included (so the bouts
        tile the recording): ``behavior``, ``start_s``, ``end_s``,
        ``duration_s``, ``start_frame``, ``n_frames``.
    """
    values, starts, lengths = _runs(labels)
    if times_s is None:
        start_s, end_s, duration_s = starts / fps, (starts + lengths) / fps, lengths / fps
    else:
        t = np.asarray(times_s, float)
        edges = np.r_[t, t[-1] + timebase.median_interval(t)] if len(t) else np.zeros(1)
        start_s, end_s = edges[starts], edges[starts + lengths]
        duration_s = end_s - start_s
    return pd.DataFrame(
        {
            "behavior": pd.Series(values, dtype=object),
            "start_s": start_s,
            "end_s": end_s,
            "duration_s": duration_s,
            "start_frame": starts,
            "n_frames": lengths,
        }
    )


def behavior_totals(bouts: pd.DataFrame, duration_s: float, behaviors: Sequence[str]) -> dict[str, float]:
    """Time, number of bouts and latency of each behaviour.

    Parameters
    ----------
    bouts
        From :func:`find_bouts`.
    duration_s
        Length of the recording in seconds (stored as ``duration_s``).
    behaviors
        Behaviours to report (usually every class but the background).

    Returns
    -------
    dict
        ``duration_s`` and, per behaviour ``b``: ``time_<b>_s`` (total
        seconds), ``fraction_<b>`` (of the recording), ``bouts_<b>``
        (count), ``latency_<b>_s`` (start of the first bout; NaN when the
        behaviour never occurs: the latency is then censored at
        ``duration_s``, not zero).
    """
    out: dict[str, float] = {"duration_s": float(duration_s)}
    for b in behaviors:
        sel = bouts[bouts["behavior"] == b]
        total = float(sel["duration_s"].sum())
        out[f"time_{b}_s"] = total
        out[f"fraction_{b}"] = total / duration_s if duration_s > 0 else float("nan")
        out[f"bouts_{b}"] = int(len(sel))
        out[f"latency_{b}_s"] = float(sel["start_s"].min()) if len(sel) else float("nan")
    return out


# --------------------------------------------------------------------------- probabilities


def labels_from_probabilities(
    probabilities: np.ndarray, classes: Sequence[str], fps: float, min_bout_s: float,
    times_s: np.ndarray | None = None,
) -> np.ndarray:
    """Most probable class per frame, then bouts shorter than ``min_bout_s`` removed (:func:`smooth_labels`)."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(classes):
        raise ValueError(f"probabilities must have shape (n_frames, {len(classes)}), got {probabilities.shape}")
    raw = np.asarray(classes, dtype=object)[np.argmax(probabilities, axis=1)]
    return smooth_labels(raw, fps, min_bout_s, times_s)


def smooth_probabilities(probabilities: np.ndarray, fps: float, window_s: float) -> np.ndarray:
    """Centred moving average of per-frame class probabilities.

    Parameters
    ----------
    probabilities
        ``(n_frames, n_classes)``.
    fps
        Frames per second.
    window_s
        Window length in seconds; it covers ``round(window_s * fps)``
        frames, made odd so it is centred (1 or less: no smoothing). At the
        ends, the average is over the frames inside the recording.

    Returns
    -------
    numpy.ndarray
        Same shape; rows still sum to 1.
    """
    p = np.asarray(probabilities, dtype=float)
    if window_s < 0:
        raise OpenfieldError(f"the smoothing window must be >= 0 s, got {window_s}")
    k = int(round(window_s * fps))
    if k <= 1 or len(p) == 0:
        return p.copy()
    k += 1 - k % 2
    half = k // 2
    c = np.cumsum(np.vstack([np.zeros((1, p.shape[1])), p]), axis=0)
    idx = np.arange(len(p))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(p))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def hold_probabilities(probabilities: np.ndarray, every: int, n_frames: int) -> np.ndarray:
    """Per-frame probabilities when only every ``every``-th frame was classified.

    Row ``j`` (frame ``j * every``) is held for frames ``j*every .. j*every
    + every - 1``; the result has ``n_frames`` rows.
    """
    p = np.repeat(np.asarray(probabilities, dtype=float), every, axis=0)
    if len(p) < n_frames:
        raise ValueError(f"{len(probabilities)} rows x {every} do not cover {n_frames} frames")
    return p[:n_frames]


# --------------------------------------------------------------------------- one recording


@dataclass
class BehaviorTimeline:
    """The behaviour of one recording, frame by frame, and the tables made from it.

    Made by :func:`behavior_timeline` from a classifier's probabilities; the
    per-frame table, bouts and totals written by
    :mod:`openfield.behavior.outputs` come from here. A recording's Dataset
    carries it as variables on its ``time`` axis (:func:`add_behavior`,
    :func:`timeline_from_dataset`).

    Attributes
    ----------
    classes
        Class names, in the column order of ``probabilities``.
    fps
        Frames per second.
    probabilities
        ``(n_frames, n_classes)`` class probabilities (after smoothing).
    labels
        Per-frame labels (most probable class, short bouts removed).
    min_bout_s, window_s
        The settings that made the labels.
    behaviors
        The behaviours summarised (by default every class but the background).
    times_s
        The frames' real times (s, from 0) of a variable-frame-rate
        recording, the time axis of every table (see the module); None:
        frame / ``fps``.
    """

    classes: list[str]
    fps: float
    probabilities: np.ndarray
    labels: np.ndarray
    min_bout_s: float
    window_s: float = 0.0
    behaviors: list[str] = field(default_factory=list)
    times_s: np.ndarray | None = None
    first_frame: int = 0

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return len(self.labels)

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds (with ``times_s``: the sum of the frames' durations)."""
        if self.times_s is None:
            return self.n_frames / self.fps
        return float(timebase.frame_durations(self.times_s).sum())

    @property
    def time_s(self) -> np.ndarray:
        """Each frame's time (s): ``times_s``, or frame / ``fps``."""
        return np.arange(self.n_frames) / self.fps if self.times_s is None else np.asarray(self.times_s, float)

    def per_frame(self) -> pd.DataFrame:
        """``frame``, ``time_s`` (s), ``label`` and ``p_<class>`` for each class, one row per frame."""
        n = self.n_frames
        table = pd.DataFrame({"frame": self.first_frame + np.arange(n), "time_s": self.time_s, "label": self.labels})
        for i, c in enumerate(self.classes):
            table[f"p_{c}"] = self.probabilities[:, i]
        return table

    def window(self, first: int, stop: int) -> BehaviorTimeline:
        """The trial window's frames ``first:stop`` (video frame numbers), its time from the window's start.

        The labels are those of the whole video (a bout cut by the window's
        edge counts for its part inside); ``frame`` in :meth:`per_frame` keeps
        the video's frame numbers, as the kinematics table does.
        """
        first, stop = max(0, int(first)), min(self.n_frames, int(stop))
        if stop <= first:
            raise OpenfieldError(f"the trial window (frames {first} to {stop}) holds no frame of the behaviour")
        times = None if self.times_s is None else np.asarray(self.times_s, float)[first:stop]
        if times is not None:
            times = times - times[0]
        return replace(self, probabilities=self.probabilities[first:stop], labels=self.labels[first:stop],
                       times_s=times, first_frame=self.first_frame + first)

    def bouts(self) -> pd.DataFrame:
        """Every bout, background included (:func:`find_bouts`)."""
        return find_bouts(self.labels, self.fps, self.times_s)

    def totals(self) -> dict[str, float]:
        """Time, fraction, bouts and latency of each behaviour (:func:`behavior_totals`)."""
        return behavior_totals(self.bouts(), self.duration_s, self.behaviors)

    def summary(self, video: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One summary row: ``extra`` first, then ``video``, ``fps``, ``min_bout_s`` and :meth:`totals`."""
        row = {**dict(extra or {}), "video": video, "fps": float(self.fps), "min_bout_s": float(self.min_bout_s)}
        row.update(self.totals())
        return row


#: The variables :func:`add_behavior` puts on a recording's Dataset (``behavior_time_s``: variable frame rate only).
BEHAVIOR_VARIABLES = ("behavior", "behavior_probability", "behavior_time_s")


def add_behavior(ds: xr.Dataset, timeline: BehaviorTimeline, model: str | None = None) -> xr.Dataset:
    """The recording's Dataset with its behaviour as variables on the ``time`` axis (a new Dataset).

    The Dataset that carries the pose and the kinematics carries the
    behaviour too; :func:`timeline_from_dataset` gives the
    :class:`BehaviorTimeline` back (bouts, totals, the per-frame table).

    Parameters
    ----------
    ds
        The recording's Dataset (pose, kinematics), one entry of ``time``
        per frame of the timeline. Behaviour variables it already has are replaced.
    timeline
        The behaviour (:func:`behavior_timeline`).
    model
        The model that made it (its file or folder name), kept in the attributes.

    Returns
    -------
    xarray.Dataset
        ``ds`` plus ``behavior`` (time: the label of each frame; its
        ``attrs``: ``classes``, ``behaviors``, ``fps``, ``min_bout_s``,
        ``window_s``, ``first_frame`` and ``model``), ``behavior_probability``
        (time, behavior_class: the smoothed class probabilities) and, for a
        variable frame rate, ``behavior_time_s`` (time: the frames' real
        times from the recording's start, s).

    Raises
    ------
    OpenfieldError
        The timeline and the Dataset have different numbers of frames.
    """
    n = ds.sizes.get("time")
    if n != timeline.n_frames:
        raise OpenfieldError(f"the behaviour has {timeline.n_frames} frames, the recording {n}",
                             ds.attrs.get("source_file"))
    attrs = {"classes": list(timeline.classes), "behaviors": list(timeline.behaviors), "fps": float(timeline.fps),
             "min_bout_s": float(timeline.min_bout_s), "window_s": float(timeline.window_s),
             "first_frame": int(timeline.first_frame), "model": model or ""}
    variables: dict[str, Any] = {
        "behavior": ("time", np.asarray(timeline.labels, dtype=object), attrs),
        "behavior_probability": (("time", "behavior_class"), np.asarray(timeline.probabilities, dtype=float)),
    }
    if timeline.times_s is not None:
        variables["behavior_time_s"] = ("time", np.asarray(timeline.times_s, dtype=float), {"units": "s"})
    out = ds.drop_vars([*BEHAVIOR_VARIABLES, "behavior_class"], errors="ignore")
    return out.assign_coords(behavior_class=list(timeline.classes)).assign(variables)


def timeline_from_dataset(ds: xr.Dataset) -> BehaviorTimeline:
    """The :class:`BehaviorTimeline` that :func:`add_behavior` put on a Dataset.

    Raises
    ------
    OpenfieldError
        The Dataset has no behaviour.
    """
    if "behavior" not in ds or "behavior_probability" not in ds:
        raise OpenfieldError("the recording's Dataset has no behaviour (openfield.behavior.timeline.add_behavior)",
                             ds.attrs.get("source_file"))
    attrs = ds["behavior"].attrs
    classes = [str(c) for c in attrs["classes"]]
    proba = ds["behavior_probability"].sel(behavior_class=classes).transpose("time", "behavior_class").values
    return BehaviorTimeline(
        classes=classes,
        fps=float(attrs["fps"]),
        probabilities=proba,
        labels=ds["behavior"].values,
        min_bout_s=float(attrs["min_bout_s"]),
        window_s=float(attrs["window_s"]),
        behaviors=[str(b) for b in attrs["behaviors"]],
        times_s=ds["behavior_time_s"].values if "behavior_time_s" in ds else None,
        first_frame=int(attrs.get("first_frame", 0)),
    )


def behavior_timeline(
    probabilities: np.ndarray,
    classes: Sequence[str],
    fps: float,
    min_bout_s: float,
    window_s: float = 0.0,
    behaviors: Sequence[str] | None = None,
    times_s: np.ndarray | None = None,
) -> BehaviorTimeline:
    """Per-frame labels of one recording from its class probabilities.

    The probabilities are averaged over a centred ``window_s`` window
    (:func:`smooth_probabilities`; 0: as given); each frame's label is its
    most probable class, then bouts shorter than ``min_bout_s`` are merged
    into their neighbours (:func:`labels_from_probabilities`).

    Parameters
    ----------
    probabilities
        ``(n_frames, n_classes)`` raw class probabilities.
    classes
        Class names, in the column order of ``probabilities``.
    fps
        Frames per second.
    min_bout_s
        Shortest bout kept (s).
    window_s
        Moving-average window of the probabilities (s).
    behaviors
        Behaviours summarised; default every class but the background
        (:data:`~openfield.behavior.labels.BACKGROUND_NAMES`).
    times_s
        The real time of each frame of a variable-frame-rate recording (see
        the module): bouts, durations and latencies on those times, made to
        start at 0, and ``fps`` replaced by their median rate
        (:func:`openfield.timebase.median_fps`). None: frame / ``fps``.

    Returns
    -------
    BehaviorTimeline

    Raises
    ------
    OpenfieldError
        fps not positive, negative window or minimum bout; frame times
        that do not fit the probabilities or do not increase.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if times_s is not None:
        times_s = timebase.check_times(times_s, len(probabilities))
        if len(times_s) < 2:
            raise OpenfieldError("frame times need at least 2 frames")
        times_s = times_s - times_s[0]
        fps = timebase.median_fps(times_s)
    if fps is None or not np.isfinite(fps) or not fps > 0:
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    classes = [str(c) for c in classes]
    probs = smooth_probabilities(probabilities, fps, window_s)
    labels = labels_from_probabilities(probs, classes, fps, min_bout_s, times_s)
    return BehaviorTimeline(
        classes=classes,
        fps=float(fps),
        probabilities=probs,
        labels=labels,
        min_bout_s=float(min_bout_s),
        window_s=float(window_s),
        behaviors=list(behaviors) if behaviors is not None else default_behaviors(classes),
        times_s=times_s,
    )
