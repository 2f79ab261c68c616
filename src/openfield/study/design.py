"""The design sheet of a study, the results found on disk, and the match between them.

A design sheet (CSV or XLSX) has one row per recorded animal: ``video``
(the file name, with or without extension, or its stem) and ``group``
(required); optionally ``subject`` (default: the video's stem, or
``<stem>_a<K>`` for an arena), ``dose``, ``sex``, ``session``, ``arena``
and any other columns, carried into every output. A results folder is the
output of ``openfield run`` or ``openfield kinematics``: per recording
``<stem>_summary.csv`` and ``<stem>_kinematics.csv`` (and
``<stem>_behavior.csv`` / ``<stem>_behavior_summary.csv`` with behaviour).

A video analysed with ``openfield run --arenas`` gives one recording per
arena, ``<stem>_a<K>`` (K = 1, 2... row-major from the top-left). The
``arena`` column says which arena of the video a row's animal was in; a row
with an empty ``arena`` cell (or a sheet without the column) names a whole
video, so a video with several arenas then needs the column (or the
recording's own name in ``video``, e.g. ``cage1_a2``). Arena 1 of a video
analysed without ``--arenas`` is that video itself.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.names import arena_stem, split_arena_stem
from openfield.io.study import read_design_sheet

#: Extensions stripped from the ``video`` column to get the stem.
KNOWN_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".mpg", ".mpeg", ".wmv", ".m4v", ".csv", ".h5"}

REQUIRED = ("video", "group")


def video_stem(name: str) -> str:
    """A design's ``video`` value without folder and known extension."""
    p = Path(str(name).strip())
    return p.stem if p.suffix.lower() in KNOWN_SUFFIXES else p.name


def read_design(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a design sheet.

    Returns
    -------
    pandas.DataFrame
        The sheet's columns (names stripped, ``video``/``group``/``subject``
        and the other known names lower-cased) plus ``stem``; ``subject``
        filled with the stem where missing.

    Raises
    ------
    OpenfieldError
        File missing or unreadable, no ``video`` or ``group`` column, empty
        cells in them, duplicate rows (the same video, and arena, twice), a
        ``dose`` that is not a number, or a ``subject`` on several rows
        without a ``session``/``day`` telling them apart (both rows named).
    """
    path = Path(path)
    df = read_design_sheet(path)
    known = {"video", "group", "subject", "dose", "sex", "session", "day", "arena"}
    df.columns = [c.strip().lower() if c.strip().lower() in known else c.strip() for c in map(str, df.columns)]
    df = df.dropna(how="all")
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise OpenfieldError(f"the design sheet has no {' or '.join(repr(c) for c in missing)} column "
                             f"(it has: {', '.join(df.columns)})", path)
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].str.strip()
    for c in REQUIRED:
        empty = df[c].isna() | (df[c] == "")
        if empty.any():
            rows = ", ".join(str(i + 2) for i in df.index[empty])
            raise OpenfieldError(f"empty {c!r} in row(s) {rows}", path)
    df = df.reset_index(drop=True)
    df["stem"] = df["video"].map(video_stem)
    if "arena" in df.columns:
        df["arena"] = _arena_numbers(df["arena"], path)
    key = ["stem", "arena"] if "arena" in df.columns else ["stem"]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        names = sorted({_row_name(r) for _, r in df.loc[dup].iterrows()})
        raise OpenfieldError(f"duplicate rows for: {', '.join(names)} (one row per video"
                             f"{' and arena' if 'arena' in df.columns else ''})", path)
    default_subject = df["stem"]
    if "arena" in df.columns:
        default_subject = pd.Series([s if a == "" else arena_stem(s, a) for s, a in zip(df["stem"], df["arena"],
                                                                                   strict=True)], index=df.index)
    given_subject = "subject" in df.columns
    if not given_subject:
        df["subject"] = default_subject
    df["subject"] = df["subject"].fillna(default_subject).replace("", pd.NA).fillna(default_subject)
    if "dose" in df.columns:
        _check_doses(df["dose"], path)
    if given_subject:
        _check_repeated_subjects(df, path)
    return df


#: Columns that tell the recordings of one subject apart (a subject on several videos needs one).
SESSION_COLUMNS = ("session", "day")


def _check_doses(column: pd.Series, path: Path) -> None:
    """Every ``dose`` cell a number, or empty (a control); else an error naming the rows.

    A dose such as ``"10 mg/kg"`` or ``"high"`` would otherwise drop out of
    the dose trend test without a word.
    """
    def bad(value: object) -> bool:
        if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
            return False
        try:
            return not np.isfinite(float(str(value).strip()))
        except ValueError:
            return True

    wrong = column.map(bad)
    if wrong.any():
        rows = ", ".join(f"{i + 2} ({column[i]!r})" for i in column.index[wrong])
        raise OpenfieldError(f"'dose' must be a number (in one unit for the whole sheet, e.g. mg/kg, written in the "
                             f"column name) or empty for a control; row(s) {rows}", path)


def _check_repeated_subjects(df: pd.DataFrame, path: Path) -> None:
    """A subject on several rows needs a ``session`` or ``day`` column telling those rows apart.

    Raises
    ------
    OpenfieldError
        Naming the subject and its rows (sheet row numbers, header = 1).
    """
    sessions = [c for c in SESSION_COLUMNS if c in df.columns]
    key = df[sessions].fillna("").astype(str).agg("|".join, axis=1) if sessions else pd.Series("", index=df.index)
    for subject, rows in df.groupby(df["subject"].astype(str)).groups.items():
        if len(rows) < 2:
            continue
        names = ", ".join(f"row {i + 2} ({df.loc[i, 'video']})" for i in rows)
        if not sessions:
            raise OpenfieldError(f"subject {subject!r} is on several videos: {names}; add a 'session' (or 'day') "
                                 "column saying which recording is which, or correct the subject", path)
        seen = key[list(rows)]
        if seen.duplicated().any() or (seen == "|".join([""] * len(sessions))).any():
            raise OpenfieldError(f"subject {subject!r} is on several videos ({names}) without a different "
                                 f"{' / '.join(sessions)} for each", path)


def _arena_numbers(column: pd.Series, path: Path) -> pd.Series:
    """The ``arena`` column as text of whole numbers >= 1 (``"2"``), ``""`` where empty.

    Raises
    ------
    OpenfieldError
        A cell that is not a whole number >= 1, naming its row(s).
    """
    def number(value: object) -> str | None:
        if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
            return ""
        try:
            f = float(str(value).strip())
        except ValueError:
            return None
        return str(int(f)) if f.is_integer() and f >= 1 else None

    out = column.map(number)
    bad = out.isna()
    if bad.any():
        rows = ", ".join(f"{i + 2} ({column[i]!r})" for i in column.index[bad])
        raise OpenfieldError(f"'arena' must be a whole number >= 1 (1 = top-left, then row-major) or empty; "
                             f"row(s) {rows}", path)
    return out


@dataclass
class Recording:
    """One recording's result files, and whether a study may read them.

    ``status`` is what ``videos.csv`` says of it: ``ok`` (its run's record
    says its input finished and has not changed since), ``this run`` (made
    by the run that builds the study) or ``unverified`` (no run record, e.g.
    results copied without their ``.openfield`` folder). ``problem``, when
    not empty, is why it must not be read (its input failed last time, or
    changed since); a design row naming it is then left out with that reason.
    """

    stem: str
    summary: Path
    kinematics: Path
    behavior: Path | None = None
    behavior_summary: Path | None = None
    status: str = "unverified"
    problem: str = ""


@dataclass
class Match:
    """A design matched to results."""

    design: pd.DataFrame  # rows with results, plus column ``recording``: the recording's stem
    missing: pd.DataFrame  # design rows without results
    unmatched: list[str] = field(default_factory=list)  # results without a design row


def _find(stem: str, stems: list[str], arena: str = "") -> list[str]:
    """The recordings a design row names: the video's stem (or its DeepLabCut pose file's), or its arena's."""
    if arena:
        if arena_stem(stem, arena) in stems:
            return [arena_stem(stem, arena)]
        # arena 1 of a video analysed without --arenas is the video itself
        single = arena == "1" and not _arenas_of(stem, stems)
        return [stem] if single and stem in stems else []
    if stem in stems:
        return [stem]
    # a pose file's stem is the video's stem + DeepLabCut's scorer ("mouse1DLC_resnet50_...")
    return [s for s in stems if s.startswith(stem + "DLC")]


def _arenas_of(stem: str, stems: list[str]) -> list[str]:
    """The recordings of a multi-arena video's arenas, ``<stem>_a<K>``, in arena order."""
    found = [(a[1], s) for s in stems if (a := split_arena_stem(s)) and a[0] == stem]
    return [s for _, s in sorted(found)]


def _row_name(row: pd.Series) -> str:
    arena = row.get("arena", "")
    return f"{row['video']} arena {arena}" if isinstance(arena, str) and arena else str(row["video"])


def match_design(design: pd.DataFrame, results: dict[str, Recording], allow_missing: bool = False,
                 design_path: str | os.PathLike[str] | None = None, empty: Collection[str] = ()) -> Match:
    """Pair each design row with its recording.

    A row with an ``arena`` K names the recording ``<stem>_a<K>`` (or, for
    K = 1, the video's own when it was analysed without ``--arenas``); a row
    without one names ``<stem>``.

    Parameters
    ----------
    empty
        Recordings of empty arenas (a summary flagged ``empty_arena``, no
        per-frame table): a row naming one is missing for that reason.

    Raises
    ------
    OpenfieldError
        Design rows without results (all listed) unless ``allow_missing``;
        a row that matches several recordings; a row without an arena for a
        video analysed with several.
    """
    stems = sorted(results)
    empty = set(empty)
    found, missing_rows, reasons = [], [], []
    for i, row in design.iterrows():
        arena = row.get("arena", "") if "arena" in design.columns else ""
        hits = _find(row["stem"], stems, arena)
        if not hits and not arena and _arenas_of(row["stem"], sorted({*stems, *empty})):
            arenas = _arenas_of(row["stem"], sorted({*stems, *empty}))
            raise OpenfieldError(
                f"video {row['video']!r} was analysed as {len(arenas)} arenas ({', '.join(arenas)}): say which "
                "arena each animal was in with an 'arena' column (1 = top-left, then row-major), one row per "
                "arena", design_path)
        if len(hits) > 1:
            raise OpenfieldError(f"video {row['video']!r} matches several results: {', '.join(hits)}", design_path)
        if hits and results[hits[0]].problem:  # its input failed last time, or changed since: not read
            missing_rows.append(i)
            reasons.append(results[hits[0]].problem)
        elif hits:
            found.append((i, hits[0]))
        else:
            missing_rows.append(i)
            target = arena_stem(row["stem"], arena) if arena else row["stem"]
            reasons.append("empty arena: no animal found in any frame" if target in empty else "no results found")
    if missing_rows and not allow_missing:
        names = ", ".join(f"{_row_name(design.loc[i])}" + (f" ({why})" if why != "no results found" else "")
                          for i, why in zip(missing_rows, reasons, strict=True))
        raise OpenfieldError(f"no results for {len(missing_rows)} design row(s): {names} "
                             "(--allow-missing to go on without them)", design_path)
    used = [s for _, s in found]
    dup = sorted({s for s in used if used.count(s) > 1})
    if dup:
        raise OpenfieldError(f"several design rows point to the same results: {', '.join(dup)}", design_path)
    matched = design.loc[[i for i, _ in found]].copy()
    matched["recording"] = used
    missing = design.loc[missing_rows].copy()
    missing["recording"] = ""
    missing["reason"] = reasons
    unmatched = [s for s in stems if s not in set(used) and not results[s].problem]
    return Match(matched.reset_index(drop=True), missing.reset_index(drop=True), unmatched)
