"""The batch's files: ``summary_all.csv`` and ``report.html`` (with ``comparison.png``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from openfield import report
from openfield.io.files import atomic_write, save_figure, write_csv
from openfield.io.names import BATCH_SUMMARY, COMPARISON, PLOTS, REPORT, arenas_image_path, behavior_paths, output_paths
from openfield.kinematics import SUMMARY_COLUMNS, zone_summary_columns
from openfield.quality import QC_COLUMNS
from openfield.report import result_units

log = logging.getLogger(__name__)


#: A behaviour model's summary columns (``openfield.pipeline.config.behavior_columns``), whatever its classes.
_BEHAVIOR_COLUMN = re.compile(r"^(time_.+_s|bouts_.+|latency_.+_s)$")


def write_batch_summary(out_dir: Path, results: Sequence[Any], name_column: str = "video") -> Path | None:
    """``summary_all.csv``: one row per finished input, or per (video, arena) (None, and no file, when none finished).

    In a run with several arenas per video, ``arena`` (1-based) follows the
    name column; an empty arena's row has NaN measures and ``qc_flags``
    ``empty_arena``.
    """
    rows = [r.summary for r in result_units(results) if r.summary is not None]
    if not rows:
        return None
    arena = ["arena"] if any("arena" in r for r in rows) else []
    named = {name_column, "arena", *SUMMARY_COLUMNS, *QC_COLUMNS, "settings_file"}
    others = list(dict.fromkeys(c for r in rows for c in r if c not in named))
    # a custom zone's six columns (kinematics.zone_summary_columns) come with its entries and distance
    zone_names = {c[: -len("_entries")] for c in others if c.endswith("_entries")}
    zone_names = {z for z in zone_names if f"distance_{z}_cm" in others}
    zone_cols = [c for c in others if any(c in zone_summary_columns(z) for z in zone_names)]
    behavior = [c for c in others if c not in zone_cols and _BEHAVIOR_COLUMN.match(c)]  # the model's classes
    extra = [*zone_cols, *[c for c in [*QC_COLUMNS, *behavior, "settings_file"]
                           if c not in SUMMARY_COLUMNS and any(c in r for r in rows)]]
    path = write_csv(pd.DataFrame(rows, columns=[name_column, *arena, *SUMMARY_COLUMNS, *extra]),
                     Path(out_dir) / BATCH_SUMMARY)
    log.info("batch summary: %s", path)
    return path


def write_report(out_dir: str | Path, results: Sequence[Any], title: str = "openfield report") -> Path:
    """``report.html`` from the results and the plots in ``out_dir`` (also writes ``comparison.png``).

    Parameters
    ----------
    out_dir
        The run's output folder (holds the plots).
    results
        :class:`~openfield.pipeline.run.VideoResult` objects.
    title
        Page title.

    Returns
    -------
    Path
        The HTML file.
    """
    out_dir = Path(out_dir)
    ok = [r for r in report.result_units(results) if r.summary is not None and not report.is_empty_arena(r)]
    comparison = None
    if ok:
        fig = report.comparison_figure(pd.DataFrame([r.summary for r in ok]))
        comparison = save_figure(fig, out_dir / COMPARISON).read_bytes()
    images = {}
    for r in ok:
        stem = report.result_stem(r)
        names = {**output_paths(stem, out_dir), "ethogram": behavior_paths(stem, out_dir)["ethogram"]}
        found = {kind: names[kind] for kind in (*PLOTS, "ethogram")}
        images[stem] = {kind: p.read_bytes() for kind, p in found.items() if p.exists()}
    for r in results:
        if getattr(r, "arenas", None):
            path = arenas_image_path(Path(r.video).stem, out_dir)
            if path.exists():
                images[Path(r.video).stem] = {"arenas": path.read_bytes()}
    path = out_dir / REPORT
    with atomic_write(path) as tmp:
        tmp.write_text(report.report_html(results, images, comparison, str(out_dir), title), encoding="utf-8")
    log.info("report: %s", path)
    return path
