"""The recordings in results folders of ``openfield run`` / ``openfield kinematics``, for a study.

The pipeline's file names (``<stem>_summary.csv``, ``<stem>_kinematics.csv`` or ``.parquet``,
``<stem>_behavior.csv``...) and its run records (:mod:`openfield.pipeline.ledger`) say which recordings a
folder holds and whether a study may read them (:class:`openfield.study.design.Recording`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.names import (
    BATCH_SUMMARY,
    BEHAVIOR_SUMMARY_SUFFIX,
    SUMMARY_SUFFIX,
    behavior_paths,
    kinematics_tables,
    split_arena_stem,
)
from openfield.pipeline.ledger import read_outcome, source_identity
from openfield.study.design import Recording


def _parent_stem(stem: str) -> str | None:
    """The video of an arena's recording ``<stem>_a<K>``, else None."""
    arena = split_arena_stem(stem)
    return arena[0] if arena else None


def _changed_sources(outcome: dict) -> list[str]:
    """The recorded input files that are still there but no longer the same (size or modification time)."""
    changed = []
    for was in outcome.get("sources", []) or []:
        if not isinstance(was, dict) or was.get("missing") or "path" not in was:
            continue
        now = source_identity(was["path"])
        if not now.get("missing") and (now.get("size"), now.get("mtime_ns")) != (was.get("size"), was.get("mtime_ns")):
            changed.append(str(was["path"]))
    return changed


def result_status(folder: Path, stem: str, this_run: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Whether a study may read a recording's results: ``(status, problem)`` (see :class:`Recording`).

    Parameters
    ----------
    folder
        Its results folder.
    stem
        The recording.
    this_run
        For ``openfield run --design``: the stems this run produced (an arena
        ``<stem>_a<K>`` or a video's ``<stem>``) -> their error (``""`` when
        they finished). Anything else in the folder is not this run's.
    """
    parent = _parent_stem(stem)
    if this_run is not None:
        for name in (stem, parent):
            if name is not None and name in this_run:
                error = this_run[name]
                if error:
                    return "failed", f"its video failed in this run ({error}); older results not used"
                if name == stem:
                    return "this run", ""
        return "not this run", "not produced by this run (older results in the folder, not used)"
    outcome = read_outcome(folder, stem)
    if outcome is None and parent is not None:
        outcome = read_outcome(folder, parent)
    if outcome is None:
        return "unverified", ""
    if outcome.get("status") == "failed":
        return "failed", (f"its input failed in the last run ({outcome.get('error') or 'no cause recorded'}); "
                          "these results are older, not used")
    changed = _changed_sources(outcome)
    if changed:
        return "stale", (f"its input changed since these results were made ({', '.join(changed)}): run "
                         "openfield again; not used")
    return "ok", ""


def find_results(results_dirs: list[str | os.PathLike[str]],
                 this_run: Mapping[str, str] | None = None) -> dict[str, Recording]:
    """Every recording with a summary and a per-frame table in the results folders, by stem.

    A ``<name>_summary.csv`` without ``<name>_kinematics.csv`` (or ``.parquet``) beside it
    (e.g. ``<stem>_behavior_summary.csv``) is not a recording. Each gets its
    :func:`result_status` (from the folder's run records, or ``this_run``).

    Raises
    ------
    OpenfieldError
        A folder is missing or has no results, or two folders hold the same stem.
    """
    found: dict[str, Recording] = {}
    for d in map(Path, results_dirs):
        if not d.is_dir():
            raise OpenfieldError("results folder not found", d)
        here = 0
        for s in sorted(d.glob(f"*{SUMMARY_SUFFIX}")):
            stem = s.name[: -len(SUMMARY_SUFFIX)]
            if stem.endswith(BEHAVIOR_SUMMARY_SUFFIX) or stem == Path(BATCH_SUMMARY).stem:
                continue
            frames, parquet = kinematics_tables(stem, d)
            if not frames.exists():  # `--table-format parquet`
                frames = parquet
            if not frames.exists():  # another stage's summary (behaviour, bouts...), or an unfinished recording:
                continue  # a design row that names it is then listed as having no results
            if stem in found:
                raise OpenfieldError(f"recording {stem!r} is in two results folders: "
                                     f"{found[stem].summary.parent} and {d}")
            behavior = behavior_paths(stem, d)
            beh, beh_sum = behavior["behavior"], behavior["summary"]
            status, problem = result_status(d, stem, this_run)
            found[stem] = Recording(stem, s, frames, beh if beh.exists() else None,
                                    beh_sum if beh_sum.exists() else None, status, problem)
            here += 1
        if not here:
            raise OpenfieldError("no results in this folder (no <name>_summary.csv with <name>_kinematics.csv; "
                                 "run 'openfield run' or 'openfield kinematics' first)", d)
    return found


def find_empty_arenas(results_dirs: list[str | os.PathLike[str]]) -> set[str]:
    """The recordings of empty arenas in the results folders: a ``<stem>_a<K>_summary.csv`` flagged ``empty_arena``.

    Such an arena has a summary row (NaN measures) but no per-frame table,
    so :func:`find_results` does not list it; :func:`openfield.study.design.match_design` names it
    as the reason a design row has no results.
    """
    empty = set()
    for d in map(Path, results_dirs):
        for s in sorted(d.glob(f"*_a*{SUMMARY_SUFFIX}")) if d.is_dir() else []:
            stem = s.name[: -len(SUMMARY_SUFFIX)]
            tables = kinematics_tables(stem, d)
            if split_arena_stem(stem) is None or any(t.exists() for t in tables):
                continue
            try:
                flags = pd.read_csv(s, usecols=["qc_flags"])["qc_flags"].astype(str)
            except (ValueError, OSError, pd.errors.ParserError):
                continue  # not a summary of ours: find_results' business
            if flags.str.contains("empty_arena").any():
                empty.add(stem)
    return empty
