"""A whole study from loaded tables: :func:`run_study` (pure: tables in, tables out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.quality import QC_COLUMNS
from openfield.study import bins as binning
from openfield.study import stats

#: Summary columns that describe the recording, not the animal: kept in videos.csv, not tested by default.
NOT_MEASURES = {"fps", "px_per_cm", "fraction_interpolated", "fraction_missing", "duration_s", "arena",
                "trial_start_s", *QC_COLUMNS}

#: Design columns added by the reader, not the user.
_INTERNAL = ["stem", "recording", "included", "reason"]


@dataclass
class StudyTables:
    """Everything a study produces, as tables.

    Attributes
    ----------
    design
        Every design row, with ``included`` and, when left out, ``reason``.
    videos
        Design columns + every summary measure, one row per animal included.
    bins
        Design columns + ``bin``, ``bin_start_min``, ``bin_end_min``,
        ``bin_length_s``, ``partial`` + per-bin measures (one bin per
        recording without ``bin_min``).
    groups, groups_bins
        Descriptives per group and measure (and per bin).
    stats
        The comparisons (``openfield.study.stats.STATS_COLUMNS``).
    measures, bin_measures
        The measures tested.
    warnings
        Things a reader must know (left-out animals, results without a design row, small groups).
    settings
        The options used.
    """

    design: pd.DataFrame
    videos: pd.DataFrame
    bins: pd.DataFrame
    groups: pd.DataFrame
    groups_bins: pd.DataFrame
    stats: pd.DataFrame
    measures: list[str]
    bin_measures: list[str]
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def _numeric(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]


def _pick(requested: Sequence[str] | None, available: list[str], default: list[str], what: str) -> list[str]:
    if requested is None:
        return default
    unknown = [m for m in requested if m not in available]
    if unknown:
        raise OpenfieldError(f"--measures: unknown {what} {', '.join(unknown)} (available: {', '.join(available)})")
    return list(requested)


def run_study(
    design: pd.DataFrame,
    summaries: Mapping[str, Mapping[str, Any]],
    frames: Mapping[str, pd.DataFrame],
    behaviors: Mapping[str, pd.DataFrame | None] | None = None,
    bin_min: float | None = None,
    control: str | None = None,
    measures: Sequence[str] | None = None,
    missing: pd.DataFrame | None = None,
    unmatched: Sequence[str] = (),
) -> StudyTables:
    """Group a study's recordings by their design and compare the groups.

    Parameters
    ----------
    design
        Matched design rows (:func:`openfield.study.design.match_design`):
        the sheet's columns plus ``stem`` and ``recording`` (the results' stem).
    summaries
        Per recording: its summary row (numeric columns are measures).
    frames
        Per recording: its per-frame kinematics table.
    behaviors
        Per recording: its per-frame behaviour table, or None.
    bin_min
        Bin length in minutes; None: no bins (one bin per recording).
    control
        Reference group (Dunnett); None: all pairs.
    measures
        Summary measures to test (default: every numeric summary column but
        ``NOT_MEASURES``).
    missing
        Design rows left out (with ``reason``), listed in ``design``.
    unmatched
        Results without a design row (listed in ``warnings``).

    Returns
    -------
    StudyTables
    """
    behaviors = behaviors or {}
    warn: list[str] = []
    if design.empty:
        raise OpenfieldError("no design row has results: nothing to compare")
    groups = sorted(design["group"].astype(str).unique())
    if control is not None and control not in groups:
        raise OpenfieldError(f"--control {control!r} is not a group of the design (groups: {', '.join(groups)})")
    if bin_min is not None and not (np.isfinite(bin_min) and bin_min > 0):
        raise OpenfieldError(f"--bin-min must be a positive number of minutes, got {bin_min}")
    user_cols = [c for c in design.columns if c not in _INTERNAL]
    # ---- per-video table
    rows = []
    for _, d in design.iterrows():
        s = dict(summaries[d["recording"]])
        s.pop("video", None)
        s.pop("file", None)
        rows.append({**{c: d[c] for c in user_cols}, "recording": d["recording"],
                     **{k: v for k, v in s.items() if k not in user_cols}})
    videos = pd.DataFrame(rows)
    available = [c for c in _numeric(videos) if c not in user_cols]
    chosen = _pick(measures, available, [c for c in available if c not in NOT_MEASURES], "measure(s)")
    # ---- bins
    bin_s = None if bin_min is None else 60.0 * bin_min
    durations = {}
    per_bin = []
    for _, d in design.iterrows():
        rec = d["recording"]
        fr = frames[rec]
        fps = float(summaries[rec].get("fps", np.nan))
        if not np.isfinite(fps) or fps <= 0:
            t = fr["time_s"].to_numpy(float)
            fps = 1.0 / float(np.median(np.diff(t)))
        try:  # a variable frame rate's uneven time_s are its times (study.bins)
            durations[rec] = binning.recording_length_s(fr, fps)
            b = binning.bin_measures(fr, fps, bin_s, behaviors.get(rec))
        except OpenfieldError as exc:
            raise OpenfieldError(f"{rec}: per-frame table: {exc.message}") from exc
        for c in user_cols:
            b.insert(user_cols.index(c), c, d[c])
        b.insert(len(user_cols), "recording", rec)
        per_bin.append(b)
    if bin_s is not None:
        short = {r: t for r, t in durations.items() if t < bin_s}
        if short:
            names = ", ".join(f"{r} ({t / 60:.2f} min)" for r, t in sorted(short.items()))
            raise OpenfieldError(f"--bin-min {bin_min:g} is longer than the recording(s) {names}")
    bins = pd.concat(per_bin, ignore_index=True)
    bin_available = [c for c in _numeric(bins) if c not in user_cols
                     and c not in ("bin", "bin_start_min", "bin_end_min", "bin_length_s")]
    bin_chosen = [m for m in bin_available if measures is None or m in measures] or bin_available
    # ---- descriptives and tests
    for g in groups:
        n = int((videos["group"].astype(str) == g).sum())
        if n < 2:
            warn.append(f"group {g!r} has n={n}: it is left out of the tests (see stats.csv, note)")
    groups_tab = stats.describe(videos, chosen)
    groups_bins = stats.describe(bins, bin_chosen, by=["bin_start_min"])
    table = stats.compare_groups(videos.assign(group=videos["group"].astype(str)), chosen, control=control)
    if bin_s is not None:
        long = bins.assign(group=bins["group"].astype(str), subject=bins["subject"].astype(str))
        table = pd.concat([table, stats.compare_bins(long, bin_chosen)], ignore_index=True)
    # ---- the design, with who was left out
    full = design.assign(included=True, reason="")
    if missing is not None and len(missing):
        full = pd.concat([full, missing.assign(included=False)], ignore_index=True)
        for _, r in missing.iterrows():
            warn.append(f"left out: {r['video']} (group {r['group']}): {r['reason']}")
    for u in unmatched:
        warn.append(f"results without a design row, not used: {u}")
    full = full[[*user_cols, "recording", "included", "reason"]]
    settings = {"bin_min": bin_min, "control": control, "measures": chosen, "bin_measures": bin_chosen,
                "adjustment": "holm across measures", "n_recordings": len(design)}
    return StudyTables(full, videos, bins, groups_tab, groups_bins, table, chosen, bin_chosen, warn, settings)
