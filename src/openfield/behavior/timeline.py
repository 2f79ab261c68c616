"""Per-frame behaviour timelines: interval labels, bouts, totals, ethogram, evaluation.

This module is shared by every behaviour classifier (pose-based, image-based)
and knows no class list of its own: classes are whatever strings the caller
uses (e.g. ``rearing / grooming / other`` or ``rearing / grooming / normal``).

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
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.files import save_figure, write_csv

log = logging.getLogger(__name__)

#: Label names (lower case) that are bookkeeping rows of scoring software, not behaviour.
IGNORED_LABELS = frozenset({"start/end", "startend", "start", "end", "_default"})

#: Label names (lower case) that mean "no behaviour of interest" (the background class).
BACKGROUND_NAMES = frozenset({"other", "normal", "none"})

#: Exact (lower-case) names understood by default, and what they become.
#: ``None`` means the row is bookkeeping and is ignored.
DEFAULT_LABEL_MAPPING: dict[str, str | None] = {
    "supported": "rearing",
    "unsupported": "rearing",
    **{name: None for name in IGNORED_LABELS},
    **{name: "other" for name in BACKGROUND_NAMES},
}

#: Name prefixes understood by default (checked after the exact names).
DEFAULT_LABEL_PREFIXES: dict[str, str] = {"rear": "rearing", "groom": "grooming"}

REQUIRED_LABEL_COLUMNS = ("start_s", "end_s", "behavior")

#: Columns naming the recording: a label table must hold one recording only.
RECORDING_COLUMNS = ("id", "video", "recording", "file")

# rounding of times x fps before taking frame indices: absorbs binary floating-point
# error (e.g. 1.02 * 25 = 25.500000000000004) without moving any real boundary
_DECIMALS = 6


# --------------------------------------------------------------------------- labels in


def map_label_name(name: str, mapping: Mapping[str, str | None] | None = None) -> tuple[bool, str | None]:
    """Translate one label name to a class.

    Parameters
    ----------
    name
        A behaviour name as written by a rater (any case, surrounding spaces ignored).
    mapping
        Extra or overriding names (case-insensitive) -> class, or ``None`` to
        ignore rows with that name. Checked before the defaults.

    Returns
    -------
    tuple
        ``(known, class_or_None)``: ``known`` is False when neither the mapping
        nor the defaults understand the name.
    """
    key = str(name).strip().lower()
    if mapping:
        user = {str(k).strip().lower(): v for k, v in mapping.items()}
        if key in user:
            return True, user[key]
    if key in DEFAULT_LABEL_MAPPING:
        return True, DEFAULT_LABEL_MAPPING[key]
    for prefix, cls in DEFAULT_LABEL_PREFIXES.items():
        if key.startswith(prefix):
            return True, cls
    return False, None


def labels_from_frame(
    df: pd.DataFrame,
    source: str | os.PathLike[str] | None = None,
    mapping: Mapping[str, str | None] | None = None,
    unknown: str = "error",
    default_rater: str = "rater",
) -> pd.DataFrame:
    """Validate an interval table and map its names to classes.

    Parameters
    ----------
    df
        Table with columns ``start_s``, ``end_s``, ``behavior`` and
        optionally ``rater`` (other columns are ignored).
    source
        The file it came from, named in error messages and kept in
        ``attrs["source_file"]``.
    mapping
        See :func:`map_label_name`.
    unknown
        ``"error"`` (default): names that are not understood raise an error
        listing them all; ``"other"``: they become the background class
        ``"other"`` (listed in a warning).
    default_rater
        Rater name when the table has no ``rater`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``start_s``, ``end_s`` (float, seconds), ``behavior`` (our
        class), ``rater`` (str), ``label`` (the original name); bookkeeping
        rows removed; sorted by rater then start.

    Raises
    ------
    OpenfieldError
        Missing columns, empty table, non-numeric or negative times,
        ``end_s < start_s``, unknown names (with ``unknown="error"``),
        several recordings in one table (column ``ID``, ``video``,
        ``recording`` or ``file``).
    """
    if unknown not in ("error", "other"):
        raise ValueError(f"unknown must be 'error' or 'other', not {unknown!r}")
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in REQUIRED_LABEL_COLUMNS if c not in cols]
    if missing:
        raise OpenfieldError(
            f"label table is missing column(s) {', '.join(missing)}; expected start_s, end_s, "
            f"behavior and optionally rater, found {[str(c) for c in df.columns]}",
            source,
        )
    for key in RECORDING_COLUMNS:
        if key in cols:
            ids = pd.unique(df[cols[key]].dropna().astype(str))
            if len(ids) > 1:
                shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
                raise OpenfieldError(
                    f"the label table holds {len(ids)} recordings (column {cols[key]}: {shown}); "
                    "give one label file per recording",
                    source,
                )
    out = pd.DataFrame(
        {
            "start_s": df[cols["start_s"]],
            "end_s": df[cols["end_s"]],
            "label": df[cols["behavior"]],
            "rater": df[cols["rater"]] if "rater" in cols else default_rater,
        }
    )
    if out["label"].isna().any():
        rows = (np.flatnonzero(out["label"].isna().to_numpy()) + 2).tolist()[:10]
        raise OpenfieldError(f"empty behavior name on line(s) {rows}", source)
    out["label"] = out["label"].astype(str).str.strip()
    out["rater"] = out["rater"].astype(str).str.strip()
    for col in ("start_s", "end_s"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()[:10]
            raise OpenfieldError(f"column {col} has a missing or non-numeric time on line(s) {rows}", source)
        out[col] = values.astype(float)
    mapped = [map_label_name(name, mapping) for name in out["label"]]
    unknown_names = sorted({n for n, (known, _) in zip(out["label"], mapped, strict=True) if not known})
    if unknown_names:
        if unknown == "error":
            raise OpenfieldError(
                f"unknown behavior name(s) {unknown_names}: map them to a class "
                "(e.g. --label-map NAME=other) or treat all unknown names as other",
                source,
            )
        log.warning("%s: unknown behavior name(s) %s counted as other", source or "labels", unknown_names)
    out["behavior"] = [cls if known else "other" for known, cls in mapped]
    out = out[[not (known and cls is None) for known, cls in mapped]]
    bad_order = out["end_s"] < out["start_s"]
    if bad_order.any():
        first = out[bad_order].iloc[0]
        raise OpenfieldError(
            f"{int(bad_order.sum())} interval(s) end before they start, e.g. {first['label']} "
            f"from {first['start_s']} s to {first['end_s']} s (rater {first['rater']})",
            source,
        )
    if (out["start_s"] < 0).any():
        raise OpenfieldError("an interval starts at a negative time", source)
    if out.empty:
        raise OpenfieldError("no behaviour intervals in the label table (only bookkeeping rows?)", source)
    out = out.sort_values(["rater", "start_s"], kind="stable").reset_index(drop=True)
    out = out[["start_s", "end_s", "behavior", "rater", "label"]]
    out.attrs["source_file"] = None if source is None else str(source)
    return out


def read_interval_labels(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str | None] | None = None,
    unknown: str = "error",
) -> pd.DataFrame:
    """Read behaviour intervals (CSV: ``start_s, end_s, behavior[, rater]``).

    Names are mapped to classes by :func:`map_label_name`: by default
    ``Supported``, ``Unsupported`` and ``rear*`` are ``rearing``, ``groom*``
    is ``grooming``, ``other``/``normal``/``none`` are ``other``, and the
    bookkeeping rows ``Start/End``, ``StartEnd``, ``_DEFAULT`` are dropped.
    Without a ``rater`` column, the file's stem is the rater.

    Parameters
    ----------
    path
        The CSV file.
    mapping
        Extra or overriding name -> class (``None``: ignore the name).
    unknown
        ``"error"`` or ``"other"``, see :func:`labels_from_frame`.

    Returns
    -------
    pandas.DataFrame
        See :func:`labels_from_frame`; ``attrs["source_file"]`` is the path.

    Raises
    ------
    OpenfieldError
        Naming the file: not found, not a table, missing columns,
        ``end_s < start_s``, unknown names (all listed).
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("label file not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a CSV of behaviour intervals", path)
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise OpenfieldError("label file is empty", path) from exc
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read as a CSV table ({exc})", path) from exc
    return labels_from_frame(df, source=path, mapping=mapping, unknown=unknown, default_rater=path.stem)


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
        From :func:`read_interval_labels` (columns ``start_s``, ``end_s``,
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


def majority_vote(per_rater: Mapping[str, np.ndarray], tie: str | None = None) -> np.ndarray:
    """Per-frame label chosen by most raters.

    Parameters
    ----------
    per_rater
        Rater -> per-frame labels, all the same length.
    tie
        Label for frames where two or more labels have the same highest
        count; ``None`` (default): among the tied labels, the one of the
        first rater (in the mapping's order) that chose one of them.

    Returns
    -------
    numpy.ndarray
        Per-frame labels (object dtype).
    """
    if not per_rater:
        raise ValueError("majority_vote needs at least one rater")
    stack = np.stack([np.asarray(v, dtype=object) for v in per_rater.values()])  # (raters, frames)
    n_raters, n_frames = stack.shape
    names, codes = np.unique(stack.astype(str), return_inverse=True)
    codes = codes.reshape(stack.shape)
    counts = np.zeros((len(names), n_frames), dtype=np.int64)
    for r in range(n_raters):
        np.add.at(counts, (codes[r], np.arange(n_frames)), 1)
    best = counts.max(axis=0)
    is_tied = (counts == best).sum(axis=0) > 1
    winner = counts.argmax(axis=0)
    if is_tied.any():
        if tie is not None:
            result = names[winner].astype(object)
            result[is_tied] = tie
            return result
        for r in range(n_raters - 1, -1, -1):  # first rater last, so it wins
            chosen = is_tied & (counts[codes[r], np.arange(n_frames)] == best)
            winner = np.where(chosen, codes[r], winner)
    return names[winner].astype(object)


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


def smooth_labels(labels: np.ndarray, fps: float, min_bout_s: float) -> np.ndarray:
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

    Returns
    -------
    numpy.ndarray
        Smoothed per-frame labels (object dtype).
    """
    labels = np.asarray(labels, dtype=object)
    if min_bout_s < 0:
        raise OpenfieldError(f"the minimum bout duration must be >= 0 s, got {min_bout_s}")
    min_frames = min_bout_s * fps - 1e-9
    values, _starts, lengths = _runs(labels)
    values, lengths = list(values), list(lengths.astype(np.int64))
    while len(values) > 1:
        arr = np.asarray(lengths)
        i = int(np.argmin(arr))
        if arr[i] >= min_frames:
            break
        if i == 0:
            target = 1
        elif i == len(values) - 1 or values[i - 1] == values[i + 1] or lengths[i - 1] >= lengths[i + 1]:
            target = i - 1
        else:
            target = i + 1
        lengths[target] += lengths[i]
        del values[i], lengths[i]
        # merge the neighbours if they now touch with the same label
        j = min(i, target)
        if 0 < j < len(values) and values[j - 1] == values[j]:
            lengths[j - 1] += lengths[j]
            del values[j], lengths[j]
        elif j + 1 < len(values) and values[j] == values[j + 1]:
            lengths[j] += lengths[j + 1]
            del values[j + 1], lengths[j + 1]
    return np.repeat(np.asarray(values, dtype=object), lengths)


def find_bouts(labels: np.ndarray, fps: float) -> pd.DataFrame:
    """Bouts (maximal runs of one label) of a per-frame label sequence.

    Parameters
    ----------
    labels
        Per-frame labels.
    fps
        Frames per second.

    Returns
    -------
    pandas.DataFrame
        One row per bout, in time order, every label included (so the bouts
        tile the recording): ``behavior``, ``start_s``, ``end_s``,
        ``duration_s``, ``start_frame``, ``n_frames``.
    """
    values, starts, lengths = _runs(labels)
    return pd.DataFrame(
        {
            "behavior": pd.Series(values, dtype=object),
            "start_s": starts / fps,
            "end_s": (starts + lengths) / fps,
            "duration_s": lengths / fps,
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


def default_behaviors(classes: Sequence[str]) -> list[str]:
    """The classes that are behaviours of interest (all but :data:`BACKGROUND_NAMES`)."""
    return [c for c in classes if c not in BACKGROUND_NAMES]


# --------------------------------------------------------------------------- outputs


def labels_from_probabilities(
    probabilities: np.ndarray, classes: Sequence[str], fps: float, min_bout_s: float
) -> np.ndarray:
    """Most probable class per frame, then bouts shorter than ``min_bout_s`` removed."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[1] != len(classes):
        raise ValueError(f"probabilities must have shape (n_frames, {len(classes)}), got {probabilities.shape}")
    raw = np.asarray(classes, dtype=object)[np.argmax(probabilities, axis=1)]
    return smooth_labels(raw, fps, min_bout_s)


def plot_ethogram(
    labels: np.ndarray,
    fps: float,
    classes: Sequence[str],
    probabilities: np.ndarray | None = None,
    title: str = "",
    references: Mapping[str, np.ndarray] | None = None,
) -> Any:
    """Ethogram: one row of bars per behaviour, optional probability traces and reference rows.

    Parameters
    ----------
    labels
        Per-frame labels to draw.
    fps
        Frames per second.
    classes
        Class order (background classes are not drawn as bars).
    probabilities
        ``(n_frames, n_classes)``, drawn below when given.
    title
        Figure title.
    references
        Name -> per-frame labels (e.g. human raters) drawn as extra rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    behaviors = default_behaviors(classes) or list(classes)
    colors = {b: plt.cm.tab10(i % 10) for i, b in enumerate(behaviors)}
    rows = [("prediction", np.asarray(labels, dtype=object))]
    rows += [(str(k), np.asarray(v, dtype=object)) for k, v in (references or {}).items()]
    n_plots = 2 if probabilities is not None else 1
    fig, axes = plt.subplots(
        n_plots,
        1,
        figsize=(10, 1.2 + 0.45 * len(rows) + (1.8 if n_plots == 2 else 0)),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [max(1, len(rows)), 2][:n_plots]},
    )
    ax = axes[0, 0]
    for r, (_name, seq) in enumerate(rows):
        bouts = find_bouts(seq, fps)
        for b in behaviors:
            sel = bouts[bouts["behavior"] == b]
            if len(sel):
                ax.broken_barh(
                    list(zip(sel["start_s"], sel["duration_s"], strict=True)),
                    (r - 0.4, 0.8),
                    facecolors=colors[b],
                    label=b if r == 0 else None,
                )
    ax.set_yticks(range(len(rows)), [name for name, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, len(labels) / fps if len(labels) else 1)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[b]) for b in behaviors]
    ax.legend(handles, behaviors, loc="upper right", fontsize=8, ncol=len(behaviors))
    if title:
        ax.set_title(title)
    if probabilities is not None:
        pax = axes[1, 0]
        t = np.arange(len(probabilities)) / fps
        for i, c in enumerate(classes):
            if c in colors:
                pax.plot(t, probabilities[:, i], color=colors[c], lw=0.8, label=f"p({c})")
        pax.set_ylim(0, 1)
        pax.set_ylabel("probability")
        pax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def write_behavior_outputs(
    out_dir: str | os.PathLike[str],
    stem: str,
    probabilities: np.ndarray,
    classes: Sequence[str],
    fps: float,
    min_bout_s: float,
    behaviors: Sequence[str] | None = None,
    summary_extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the per-frame, bout, summary and ethogram outputs of one recording.

    The label of a frame is its most probable class, after bouts shorter
    than ``min_bout_s`` are removed (:func:`smooth_labels`).

    Parameters
    ----------
    out_dir
        Output folder (created if missing).
    stem
        Recording name; files are ``<stem>_behavior.csv`` (``frame``,
        ``time_s``, ``label``, ``p_<class>`` per class),
        ``<stem>_bouts.csv`` (``behavior``, ``start_s``, ``end_s``,
        ``duration_s``; every bout, background included),
        ``<stem>_behavior_summary.csv`` (one row: ``video``, ``fps``,
        ``min_bout_s`` and :func:`behavior_totals`) and
        ``<stem>_ethogram.png``.
    probabilities
        ``(n_frames, n_classes)`` class probabilities.
    classes
        Class names, in the column order of ``probabilities``.
    fps
        Frames per second.
    min_bout_s
        Shortest bout kept, in seconds.
    behaviors
        Behaviours summarised; default all classes but the background
        (:data:`BACKGROUND_NAMES`).
    summary_extra
        Columns put first in the summary row (e.g. ``{"file": "m1.csv"}``, the
        key of the kinematics summary, so the two tables join).

    Returns
    -------
    dict
        ``behavior``, ``bouts``, ``summary``, ``ethogram`` -> written path.
    """
    out_dir = Path(out_dir)
    probabilities = np.asarray(probabilities, dtype=float)
    classes = [str(c) for c in classes]
    if fps is None or not fps > 0:
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    labels = labels_from_probabilities(probabilities, classes, fps, min_bout_s)
    n = len(labels)
    per_frame = pd.DataFrame({"frame": np.arange(n), "time_s": np.arange(n) / fps, "label": labels})
    for i, c in enumerate(classes):
        per_frame[f"p_{c}"] = probabilities[:, i]
    bouts = find_bouts(labels, fps)
    behaviors = list(behaviors) if behaviors is not None else default_behaviors(classes)
    summary = {**dict(summary_extra or {}), "video": stem, "fps": float(fps), "min_bout_s": float(min_bout_s)}
    summary.update(behavior_totals(bouts, n / fps, behaviors))
    paths = {
        "behavior": write_csv(per_frame, out_dir / f"{stem}_behavior.csv"),
        "bouts": write_csv(bouts[["behavior", "start_s", "end_s", "duration_s"]], out_dir / f"{stem}_bouts.csv"),
        "summary": write_csv(pd.DataFrame([summary]), out_dir / f"{stem}_behavior_summary.csv"),
    }
    fig = plot_ethogram(labels, fps, classes, probabilities, title=stem)
    paths["ethogram"] = save_figure(fig, out_dir / f"{stem}_ethogram.png")
    log.info("%s: %s", stem, ", ".join(f"{k}={v:.3g}" for k, v in summary.items() if isinstance(v, int | float)))
    return paths


def read_behavior_csv(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, float]:
    """Read a ``<stem>_behavior.csv`` written by :func:`write_behavior_outputs`.

    Parameters
    ----------
    path
        The per-frame behaviour CSV.

    Returns
    -------
    tuple
        The table and its frame rate (from ``time_s``).

    Raises
    ------
    OpenfieldError
        Missing file or columns, fewer than two frames, uneven time steps.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("prediction file not found", path)
    try:
        df = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read as a CSV table ({exc})", path) from exc
    missing = [c for c in ("frame", "time_s", "label") if c not in df.columns]
    if missing:
        raise OpenfieldError(
            f"not a per-frame behaviour table: missing column(s) {', '.join(missing)} "
            "(expected frame, time_s, label, p_<class>...)",
            path,
        )
    if len(df) < 2:
        raise OpenfieldError("needs at least two frames", path)
    steps = np.diff(pd.to_numeric(df["time_s"], errors="coerce").to_numpy(float))
    uneven = (steps.max() - steps.min()) > 1e-6 * steps.mean() + 1e-9
    if not np.all(np.isfinite(steps)) or steps.min() <= 0 or uneven:
        raise OpenfieldError("time_s is not evenly spaced and increasing", path)
    df["label"] = df["label"].astype(str)
    return df, float(1.0 / steps.mean())


# --------------------------------------------------------------------------- evaluation


def _prf(reference: np.ndarray, compared: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(
        np.asarray(reference, dtype=str),
        np.asarray(compared, dtype=str),
        labels=list(classes),
        zero_division=np.nan,
    )
    n_pred = [(np.asarray(compared, dtype=str) == c).sum() for c in classes]
    return pd.DataFrame(
        {
            "class": list(classes),
            "precision": p,
            "recall": r,
            "f1": f,
            "n_reference": s.astype(int),
            "n_compared": np.asarray(n_pred, dtype=int),
        }
    )


def evaluate_frames(
    pred: np.ndarray | None,
    per_rater: Mapping[str, np.ndarray],
    classes: Sequence[str],
    pred_name: str = "prediction",
) -> pd.DataFrame:
    """Frame-level precision, recall and F1 per class: prediction vs raters, raters vs raters.

    Parameters
    ----------
    pred
        Predicted per-frame labels, or ``None`` for the raters only.
    per_rater
        Rater -> per-frame labels, same length as ``pred``.
    classes
        Classes to score (one-vs-rest each).
    pred_name
        Name of the prediction in the ``compared`` column.

    Returns
    -------
    pandas.DataFrame
        One row per (comparison, class): ``kind`` (``"prediction"`` or
        ``"rater-vs-rater"``, the human ceiling), ``reference`` (the rater
        taken as truth), ``compared``, ``class``, ``precision``, ``recall``,
        ``f1``, ``n_reference`` and ``n_compared`` (frames of the class),
        ``n_frames``. Rater pairs appear once (F1 is symmetric; precision
        and recall swap). A score with a zero denominator is NaN (e.g.
        grooming when nobody scored any).
    """
    raters = list(per_rater)
    lengths = {len(v) for v in per_rater.values()} | ({len(pred)} if pred is not None else set())
    if len(lengths) > 1:
        raise OpenfieldError(f"the label sequences have different lengths: {sorted(lengths)} frames")
    tables = []
    if pred is not None:
        for r in raters:
            t = _prf(per_rater[r], pred, classes)
            t.insert(0, "compared", pred_name)
            t.insert(0, "reference", r)
            t.insert(0, "kind", "prediction")
            tables.append(t)
    for i, a in enumerate(raters):
        for b in raters[i + 1 :]:
            t = _prf(per_rater[a], per_rater[b], classes)
            t.insert(0, "compared", b)
            t.insert(0, "reference", a)
            t.insert(0, "kind", "rater-vs-rater")
            tables.append(t)
    if not tables:
        raise OpenfieldError("nothing to compare: give a prediction or at least two raters")
    out = pd.concat(tables, ignore_index=True)
    out["n_frames"] = int(next(iter(lengths)))
    return out


def plot_evaluation(table: pd.DataFrame, title: str = "") -> Any:
    """Bar chart of F1 per class: each comparison of :func:`evaluate_frames` one bar.

    Parameters
    ----------
    table
        From :func:`evaluate_frames` (several predictions may be concatenated).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    classes = list(dict.fromkeys(table["class"]))
    comps = list(dict.fromkeys(table["compared"] + " vs " + table["reference"]))
    fig, axes = plt.subplots(
        1, len(classes), figsize=(3.2 * len(classes) + 1, 0.35 * len(comps) + 1.5), sharey=True, squeeze=False
    )
    for ax, c in zip(axes[0], classes, strict=True):
        sub = table[table["class"] == c]
        names = (sub["compared"] + " vs " + sub["reference"]).tolist()
        colors = ["tab:blue" if k == "prediction" else "tab:gray" for k in sub["kind"]]
        y = [comps.index(n) for n in names]
        ax.barh(y, sub["f1"].fillna(0), color=colors)
        for yi, f in zip(y, sub["f1"], strict=True):
            ax.text(
                0.01,
                yi,
                "n/a" if np.isnan(f) else f"{f:.2f}",
                va="center",
                fontsize=8,
                color="white" if not np.isnan(f) and f > 0.15 else "black",
            )
        ax.set_xlim(0, 1)
        ax.set_title(c)
        ax.set_xlabel("F1 (frames)")
    axes[0, 0].set_yticks(range(len(comps)), comps)
    axes[0, 0].invert_yaxis()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
