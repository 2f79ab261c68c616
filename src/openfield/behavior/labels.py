"""Behaviour labels from human raters: interval tables, name mapping, majority of raters.

The files are read in :mod:`openfield.io.labels`; this module turns their tables into labels.

Raters score behaviour as intervals ``[start_s, end_s)`` with a behaviour name;
names are mapped to our classes (:func:`map_label_name`), the intervals are
placed on frames by :func:`openfield.behavior.timeline.intervals_to_frames`,
and several raters of one recording become one label per frame by
:func:`majority_vote`. Classes are whatever strings the caller uses (e.g.
``rearing / grooming / other``); the background names are
:data:`BACKGROUND_NAMES`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.labels import read_frame_table, read_label_csv, read_label_rows
from openfield.kinematics import SUMMARY_COLUMNS

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


def parse_label_map(items: Sequence[str]) -> dict[str, str | None]:
    """Parse ``NAME=CLASS`` items (``--label-map``) into a name -> class mapping.

    Parameters
    ----------
    items
        E.g. ``["Sniff=other", "Start=ignore"]``; class ``ignore`` (any case)
        drops the rows with that name.

    Returns
    -------
    dict
        E.g. ``{"Sniff": "other", "Start": None}``, for :func:`map_label_name`.

    Raises
    ------
    OpenfieldError
        For an item that is not ``NAME=CLASS``.
    """
    out: dict[str, str | None] = {}
    for item in items:
        name, sep, cls = item.partition("=")
        if not sep or not name.strip() or not cls.strip():
            raise OpenfieldError(f"--label-map expects NAME=CLASS, got {item!r}")
        cls = cls.strip()
        out[name.strip()] = None if cls.lower() == "ignore" else cls
    return out


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
    df = read_label_csv(path)
    return labels_from_frame(df, source=path, mapping=mapping, unknown=unknown, default_rater=path.stem)


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



def default_behaviors(classes: Sequence[str]) -> list[str]:
    """The classes that are behaviours of interest (all but :data:`BACKGROUND_NAMES`)."""
    return [c for c in classes if c not in BACKGROUND_NAMES]


#: Behaviours a model learns by default (``behavior pose-train`` without classes of the lab's own).
DEFAULT_BEHAVIORS = ("rearing", "grooming")

_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def model_classes(names: Iterable[str], source: str | os.PathLike[str] | None = None) -> list[str]:
    """The classes a classifier learns from the class names found in the labels.

    Labels using only the default behaviours (rearing, grooming) give
    today's ``rearing, grooming, other``; any other class names (a lab's own,
    e.g. ``supported_rearing`` from ``--label-map Supported=supported_rearing``)
    give those names, in order of appearance, then ``other``.

    Parameters
    ----------
    names
        Class names of the labels (after the label map), background names included.
    source
        Named in errors.

    Returns
    -------
    list of str
        The behaviours, then ``other`` (the background).

    Raises
    ------
    OpenfieldError
        A class name that cannot be a column name (letters, digits and ``_``,
        starting with a letter), or one whose columns would be a kinematics
        measure's (``center``, ``border``, ``moving``).
    """
    behaviors = list(dict.fromkeys(str(n) for n in names if str(n) not in BACKGROUND_NAMES))
    for b in behaviors:
        if not _CLASS_NAME.match(b):
            raise OpenfieldError(
                f"class name {b!r} cannot name the summary columns (time_<class>_s ...): use letters, digits and _, "
                "starting with a letter (e.g. --label-map 'Supported rear=supported_rearing')", source)
        if f"time_{b}_s" in SUMMARY_COLUMNS or f"latency_{b}_s" in SUMMARY_COLUMNS:
            raise OpenfieldError(f"class name {b!r} would clash with the kinematics column time_{b}_s: choose "
                                 "another name with --label-map", source)
    if set(behaviors) <= set(DEFAULT_BEHAVIORS):
        return [*DEFAULT_BEHAVIORS, "other"]
    return [*behaviors, "other"]


def background_class(classes: Sequence[str], default: str = "other") -> str:
    """The background class among ``classes`` (the first of :data:`BACKGROUND_NAMES`), else ``default``."""
    return next((c for c in classes if c in BACKGROUND_NAMES), default)


# --------------------------------------------------------------------------- other tools' label files

#: Label file formats :func:`read_labels` reads (``auto``: detected from the file).
LABEL_FORMATS = ("auto", "intervals", "boris", "frames")


def _boris_header(rows: list[list[str]]) -> tuple[int, str] | None:
    """Index and kind (``aggregated``/``tabular``) of a BORIS export's table header row, or None."""
    for i, row in enumerate(rows[:60]):
        cells = set(row)
        if "Behavior" not in cells:
            continue
        if {"Start (s)", "Stop (s)"} <= cells:
            return i, "aggregated"
        if "Time" in cells and ("Status" in cells or "Behavior type" in cells):
            return i, "tabular"
    return None


def detect_label_format(path: str | os.PathLike[str]) -> str:
    """``intervals``, ``boris`` or ``frames``: what a label file is, from its header.

    A BORIS export has a ``Behavior`` column with ``Start (s)``/``Stop (s)``
    (aggregated events) or ``Time`` and ``Status``/``Behavior type``
    (tabular events), possibly below BORIS's header block; an interval table
    has ``start_s``, ``end_s`` and ``behavior``; anything else is read as a
    per-frame 0/1 table.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("label file not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a label file", path)
    rows = read_label_rows(path)
    if _boris_header(rows) is not None:
        return "boris"
    header = {c.lower() for c in rows[0]}
    if set(REQUIRED_LABEL_COLUMNS) <= header:
        return "intervals"
    return "frames"


def boris_intervals(path: str | os.PathLike[str]) -> pd.DataFrame:
    """State events of a BORIS export as intervals ``start_s, end_s, behavior, rater``.

    Reads the two tabular exports BORIS writes (``boris/export_observation.py``
    of github.com/olivierfriard/BORIS, v9.12.3: ``export_aggregated_events``
    and ``export_tabular_events``; its test files
    ``tests/files/test_export_aggregated_events_test_full_1.tsv`` and
    ``test_export_events_tabular.tsv``), as TSV or CSV:

    * *aggregated events*: one row per event with ``Observation id``,
      ``Behavior``, ``Behavior type`` (``STATE`` or ``POINT``), ``Start (s)``
      and ``Stop (s)``;
    * *tabular events*: one row per START/STOP (column ``Status`` in older
      versions, ``Behavior type`` in newer ones) with its ``Time``, possibly
      after BORIS's header block (``Observation id``, media files, date,
      independent variables...). A state's START is paired with the next
      STOP of the same behaviour (and subject).

    POINT events (no duration) are left out. Each observation id is one
    rater (an export of several observations of the same video is several
    raters); without the column, the file's stem.

    Raises
    ------
    OpenfieldError
        Naming the file: no BORIS table header, missing columns, a START
        without its STOP (or a STOP without a START), a non-numeric time.
    """
    path = Path(path)
    rows = read_label_rows(path)
    found = _boris_header(rows)
    if found is None:
        raise OpenfieldError("not a BORIS export (no table header with Behavior and Start (s)/Time)", path)
    at, kind = found
    header = rows[at]
    body = [r + [""] * (len(header) - len(r)) for r in rows[at + 1:] if any(r)]
    df = pd.DataFrame([r[: len(header)] for r in body], columns=header)
    block_id = next((r[1] for r in rows[:at] if len(r) > 1 and r[0] == "Observation id"), None)
    if "Observation id" in df.columns:
        rater = df["Observation id"].astype(str)
    else:
        rater = pd.Series(block_id or path.stem, index=df.index)

    def times(col: str) -> np.ndarray:
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any():
            line = int(np.flatnonzero(values.isna().to_numpy())[0]) + at + 2
            raise OpenfieldError(f"BORIS column {col!r} has a missing or non-numeric time on line {line}", path)
        return values.to_numpy(float)

    if kind == "aggregated":
        state = (df["Behavior type"].str.upper() == "STATE") if "Behavior type" in df.columns else True
        keep = df[state].index
        out = pd.DataFrame({"start_s": times("Start (s)")[keep], "end_s": times("Stop (s)")[keep],
                            "behavior": df.loc[keep, "Behavior"].to_numpy(), "rater": rater[keep].to_numpy()})
        return out
    status_col = "Status" if "Status" in df.columns else "Behavior type"
    t = times("Time")
    subject = df["Subject"] if "Subject" in df.columns else pd.Series("", index=df.index)
    records: list[tuple[float, float, str, str]] = []
    open_at: dict[tuple[str, str, str], tuple[float, int]] = {}
    for i, (status, behavior) in enumerate(zip(df[status_col].str.upper(), df["Behavior"], strict=True)):
        key = (rater.iloc[i], subject.iloc[i], behavior)
        line = i + at + 2
        if status == "START":
            if key in open_at:
                raise OpenfieldError(
                    f"BORIS START of {behavior!r} at {open_at[key][0]:g} s (line {open_at[key][1]}) has no STOP "
                    f"before the next START at {t[i]:g} s", path)
            open_at[key] = (t[i], line)
        elif status == "STOP":
            if key not in open_at:
                raise OpenfieldError(f"BORIS STOP of {behavior!r} at {t[i]:g} s (line {line}) has no START", path)
            start, _ = open_at.pop(key)
            records.append((start, t[i], behavior, key[0]))
    if open_at:
        (_, _, behavior), (start, line) = next(iter(open_at.items()))
        raise OpenfieldError(f"BORIS START of {behavior!r} at {start:g} s (line {line}) has no STOP", path)
    return pd.DataFrame(records, columns=["start_s", "end_s", "behavior", "rater"])


def frame_table_intervals(df: pd.DataFrame, fps: float, source: str | os.PathLike[str] | None = None
                          ) -> pd.DataFrame:
    """A per-frame 0/1 table (one column per behaviour, one row per frame, as SimBA writes) as intervals.

    Columns holding only 0 and 1 are behaviours (a frame-number column and
    feature columns are passed over); each run of 1s becomes an interval
    ``[first / fps, (last + 1) / fps)``, and each run of frames with no
    behaviour an ``other`` interval, so that
    :func:`~openfield.behavior.timeline.intervals_to_frames` gives back the
    table's frames. ``attrs["n_frames"]`` is the number of rows.

    Raises
    ------
    OpenfieldError
        No 0/1 column, or a bad frame rate.
    """
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise OpenfieldError(f"a per-frame label table needs the frame rate (got fps={fps})", source)
    values = df.apply(pd.to_numeric, errors="coerce")
    binary = [c for c in df.columns if values[c].notna().all() and values[c].isin([0, 1]).all()
              and not str(c).lower().startswith(("frame", "unnamed"))]
    if not binary:
        raise OpenfieldError(
            "not a label table: no start_s/end_s/behavior columns, no BORIS header, and no 0/1 column "
            "(one per behaviour, one row per frame)", source)
    on = values[binary].to_numpy(dtype=bool)
    rows = []

    def runs(mask: np.ndarray) -> list[tuple[int, int]]:
        edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
        return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))

    for j, name in enumerate(binary):
        rows += [(a / fps, b / fps, str(name)) for a, b in runs(on[:, j])]
    rows += [(a / fps, b / fps, "other") for a, b in runs(~on.any(axis=1))]
    out = pd.DataFrame(rows, columns=["start_s", "end_s", "behavior"])
    out.attrs["n_frames"] = len(df)
    return out


def read_labels(
    path: str | os.PathLike[str],
    fps: float | None = None,
    n_frames: int | None = None,
    mapping: Mapping[str, str | None] | None = None,
    unknown: str = "error",
    fmt: str = "auto",
) -> pd.DataFrame:
    """Read one recording's labels in any supported format, as :func:`read_interval_labels` does.

    Parameters
    ----------
    path
        An interval CSV (``start_s, end_s, behavior[, rater]``), a BORIS
        export (:func:`boris_intervals`) or a per-frame 0/1 table
        (:func:`frame_table_intervals`).
    fps
        Frame rate (needed for a per-frame table).
    n_frames
        Frames of the pose the labels go with: a per-frame table with more
        rows is refused.
    mapping, unknown
        See :func:`labels_from_frame` (behaviour names, column names of a
        per-frame table, BORIS behaviours alike).
    fmt
        One of :data:`LABEL_FORMATS`.

    Returns
    -------
    pandas.DataFrame
        As :func:`labels_from_frame`.

    Raises
    ------
    OpenfieldError
        Naming the file, one line: see the readers; an unmapped name.
    """
    if fmt not in LABEL_FORMATS:
        raise OpenfieldError(f"--labels-format must be one of {', '.join(LABEL_FORMATS)}, not {fmt!r}")
    path = Path(path)
    kind = detect_label_format(path) if fmt == "auto" else fmt
    if kind == "intervals":
        return read_interval_labels(path, mapping, unknown)
    if kind == "boris":
        table = boris_intervals(path)
        if table.empty:
            raise OpenfieldError("no state events (START/STOP) in the BORIS export", path)
        return labels_from_frame(table, source=path, mapping=mapping, unknown=unknown, default_rater=path.stem)
    df = read_frame_table(path)
    if n_frames is not None and len(df) > n_frames:
        raise OpenfieldError(
            f"the per-frame label table has {len(df)} rows but the pose has {n_frames} frames "
            "(labels of another recording, or of a longer video?)", path)
    table = frame_table_intervals(df, fps, path)  # type: ignore[arg-type]
    out = labels_from_frame(table, source=path, mapping=mapping, unknown=unknown, default_rater=path.stem)
    out.attrs["n_frames"] = table.attrs["n_frames"]
    return out
