"""Read a study's inputs from disk and write its outputs (the I/O layer of :mod:`openfield.study`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write, write_csv, write_json
from openfield.io.lock import claim_output_folder
from openfield.io.study import read_result_table
from openfield.pipeline.results import find_empty_arenas, find_results
from openfield.study.analysis import StudyTables, run_study
from openfield.study.design import match_design, read_design
from openfield.study.report import study_html
from openfield.study.workbook import workbook_bytes

log = logging.getLogger(__name__)

#: The files ``write_study`` writes in the study folder.
OUTPUT_FILES = ["design.csv", "videos.csv", "bins.csv", "groups.csv", "groups_bins.csv", "stats.csv",
                "study.xlsx", "study.html", "study.json"]


def load_study(
    results_dirs: Sequence[str | os.PathLike[str]],
    design_path: str | os.PathLike[str],
    bin_min: float | None = None,
    control: str | None = None,
    measures: Sequence[str] | None = None,
    allow_missing: bool = False,
    this_run: Mapping[str, str] | None = None,
) -> StudyTables:
    """Read the design and the results, match them and run the study (nothing is written).

    Only results a study may read are read (:func:`openfield.pipeline.results.result_status`):
    with ``this_run`` (``openfield run --design``: the stems this run
    produced -> their error, ``""`` when finished) only those; otherwise
    none whose input failed in its last run or changed since. A design row
    naming another is left out with the reason (an error unless
    ``allow_missing``). ``videos.csv`` gains ``status`` (``this run``,
    ``ok`` or ``unverified``).

    Raises
    ------
    OpenfieldError
        Any problem with the design, the results or the options.
    """
    design = read_design(design_path)
    results = find_results(list(results_dirs), this_run)
    empty = find_empty_arenas(list(results_dirs))
    match = match_design(design, results, allow_missing, design_path, empty=empty)
    if match.design.empty and len(match.missing):
        why = "; ".join(f"{r['video']}: {r['reason']}" for _, r in match.missing.iterrows())
        raise OpenfieldError(f"no design row has results a study may read ({why})", design_path)
    summaries, frames, behaviors = {}, {}, {}
    for stem in match.design["recording"]:
        rec = results[stem]
        s = read_result_table(rec.summary)
        if len(s) != 1:
            raise OpenfieldError(f"expected one summary row, found {len(s)}", rec.summary)
        row = {"status": rec.status, **s.iloc[0].to_dict()}
        if rec.behavior_summary is not None:
            b = read_result_table(rec.behavior_summary)
            row.update({k: v for k, v in b.iloc[0].to_dict().items() if k not in row and k != "file"})
        summaries[stem] = row
        fr = read_result_table(rec.kinematics)
        need = {"x_cm", "y_cm", "speed_cm_s", "acceleration_cm_s2", "zone", "moving"}
        if need - set(fr.columns):
            raise OpenfieldError(f"not a per-frame kinematics table: no {', '.join(sorted(need - set(fr.columns)))}",
                                 rec.kinematics)
        frames[stem] = fr
        behaviors[stem] = None
        if rec.behavior is not None:
            beh = read_result_table(rec.behavior)
            if len(beh) == len(fr) and "label" in beh.columns:
                behaviors[stem] = beh
            else:
                log.warning("%s: %d behaviour frames for %d kinematics frames: behaviour left out of the bins",
                            rec.behavior, len(beh), len(fr))
    tables = run_study(match.design, summaries, frames, behaviors, bin_min, control, measures,
                       match.missing, match.unmatched)
    tables.settings.update(design=str(design_path), results=[str(d) for d in results_dirs],
                           allow_missing=allow_missing)
    return tables


def save_study(tables: StudyTables, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the study's tables, workbook, report and settings in ``out_dir``.

    Everything is built in memory first, then each file is written atomically;
    ``study.json`` (the settings and warnings) is written last.
    """
    out_dir = Path(out_dir)
    csvs = {"design": tables.design, "videos": tables.videos, "bins": tables.bins, "groups": tables.groups,
            "groups_bins": tables.groups_bins, "stats": tables.stats}
    xlsx = workbook_bytes({k: csvs[k] for k in ("design", "videos", "bins", "groups", "stats")})
    page = study_html(tables)
    written = [write_csv(df, out_dir / f"{name}.csv") for name, df in csvs.items()]
    with atomic_write(out_dir / "study.xlsx") as tmp:
        tmp.write_bytes(xlsx)
    written.append(out_dir / "study.xlsx")
    with atomic_write(out_dir / "study.html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    written.append(out_dir / "study.html")
    written.append(write_json({"settings": tables.settings, "warnings": tables.warnings}, out_dir / "study.json"))
    return written


def write_study(
    results_dirs: Sequence[str | os.PathLike[str]],
    design_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    bin_min: float | None = None,
    control: str | None = None,
    measures: Sequence[str] | None = None,
    allow_missing: bool = False,
    this_run: Mapping[str, str] | None = None,
) -> StudyTables:
    """Run a study on results folders and write it (the function ``openfield run --design`` calls).

    Parameters
    ----------
    results_dirs
        Output folders of ``openfield run`` / ``openfield kinematics``.
    design_path
        The design sheet (.csv or .xlsx).
    out_dir
        The study folder: ``OUTPUT_FILES``.
    bin_min, control, measures, allow_missing
        See :func:`openfield.study.analysis.run_study` and
        :func:`openfield.study.design.match_design`.
    this_run
        See :func:`load_study`.

    Returns
    -------
    StudyTables
        Nothing is written when an error is raised.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OpenfieldError("-o/--output names an existing file, not a folder", out_dir)
    tables = load_study(results_dirs, design_path, bin_min, control, measures, allow_missing, this_run)
    for w in tables.warnings:
        log.warning("study: %s", w)
    with claim_output_folder(out_dir):  # one writer at a time; what a killed one left is removed
        save_study(tables, out_dir)
    log.info("study: %d animals in %d groups -> %s", len(tables.videos), tables.videos["group"].nunique(), out_dir)
    return tables
