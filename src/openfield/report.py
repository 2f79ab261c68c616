"""One self-contained HTML page for a batch: per video the plots and measures, and a comparison.

The page embeds its images as base64 PNG, so it can be mailed or archived
as a single file. It is built from the files ``openfield run`` leaves in
the output folder (``<stem>_summary.csv`` and the PNG plots), so a resumed
batch gets a complete report.
"""

from __future__ import annotations

import base64
import html
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from openfield import __version__  # noqa: E402
from openfield.io.files import atomic_write, save_figure  # noqa: E402

log = logging.getLogger(__name__)

#: Measures shown in the tables, with their units and a readable name.
MEASURES = {
    "duration_s": ("Duration", "s"),
    "distance_cm": ("Distance travelled", "cm"),
    "mean_speed_cm_s": ("Mean speed", "cm/s"),
    "max_speed_cm_s": ("Maximum speed", "cm/s"),
    "mean_acceleration_cm_s2": ("Mean acceleration", "cm/s²"),
    "mean_deceleration_cm_s2": ("Mean deceleration", "cm/s²"),
    "time_moving_s": ("Time moving", "s"),
    "time_center_s": ("Time in centre", "s"),
    "time_border_s": ("Time in border", "s"),
    "distance_center_cm": ("Distance in centre", "cm"),
    "distance_border_cm": ("Distance in border", "cm"),
    "center_entries": ("Centre entries", ""),
    "latency_center_s": ("Latency to centre", "s"),
    "fraction_interpolated": ("Frames interpolated", "fraction"),
    "fraction_missing": ("Frames missing", "fraction"),
    "time_rearing_s": ("Time rearing", "s"),
    "bouts_rearing": ("Rearing bouts", ""),
    "latency_rearing_s": ("Latency to rearing", "s"),
    "time_grooming_s": ("Time grooming", "s"),
    "bouts_grooming": ("Grooming bouts", ""),
    "latency_grooming_s": ("Latency to grooming", "s"),
}

#: Columns of the all-videos table (every measure is in summary_all.csv and per video below).
OVERVIEW = ["duration_s", "distance_cm", "mean_speed_cm_s", "max_speed_cm_s", "mean_acceleration_cm_s2",
            "mean_deceleration_cm_s2", "time_moving_s", "time_center_s", "center_entries", "latency_center_s",
            "fraction_missing", "time_rearing_s", "bouts_rearing", "time_grooming_s", "bouts_grooming"]

#: Measures compared across videos in the comparison plot.
COMPARED = ["distance_cm", "mean_speed_cm_s", "time_moving_s", "time_center_s", "center_entries",
            "mean_acceleration_cm_s2"]


def _b64_png(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _img(path: Path, alt: str) -> str:
    if not path.exists():
        return f'<p class="missing">{html.escape(alt)}: not available</p>'
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{_b64_png(path)}">'


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return html.escape(str(value))


def summary_table(summary: dict[str, Any]) -> str:
    """HTML table of one video's measures (name, value, unit)."""
    rows = []
    for key, (label, unit) in MEASURES.items():
        if key in summary:
            rows.append(f"<tr><td>{label}</td><td class='num'>{_fmt(summary[key])}</td><td>{unit}</td></tr>")
    return "<table class='measures'><tr><th>Measure</th><th>Value</th><th>Unit</th></tr>" + "".join(rows) + "</table>"


def comparison_figure(table: pd.DataFrame) -> Any:
    """Bar charts of the main measures, one bar per video."""
    names = table["video"].astype(str).tolist()
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    for ax, key in zip(axes.ravel(), COMPARED, strict=True):
        label, unit = MEASURES[key]
        values = pd.to_numeric(table[key], errors="coerce").to_numpy(float)
        ax.bar(range(len(names)), np.nan_to_num(values), color="tab:blue")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{label}" + (f" ({unit})" if unit else ""), fontsize=10)
    fig.suptitle("Comparison across videos")
    fig.tight_layout()
    return fig


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:1150px}
h1{margin-bottom:0.2em} .meta{color:#666;font-size:0.9em}
section.video{border-top:2px solid #ddd;margin-top:2em;padding-top:1em}
.row{display:flex;gap:1em;flex-wrap:wrap;align-items:flex-start}
.row img{max-width:48%;height:auto;border:1px solid #eee}
img.wide{max-width:100%;border:1px solid #eee}
table{border-collapse:collapse;font-size:0.9em;margin:0.5em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left} td.num{text-align:right}
table.all td,table.all th{font-size:0.8em;padding:2px 5px} .scroll{overflow-x:auto}
.failed{color:#a00}
"""


def write_report(out_dir: str | os.PathLike[str], results: Sequence[Any], title: str = "openfield report") -> Path:
    """Write ``out_dir/report.html`` for a batch.

    Parameters
    ----------
    out_dir
        The run's output folder (holds the summaries and plots).
    results
        :class:`openfield.run.VideoResult` objects (``video``, ``status``,
        ``summary``, ``error``).
    title
        Page title.

    Returns
    -------
    Path
        The HTML file.
    """
    out_dir = Path(out_dir)
    ok = [r for r in results if r.summary is not None]
    failed = [r for r in results if r.summary is None]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>{len(ok)} video(s) analysed, {len(failed)} failed; openfield {__version__}; "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; folder {html.escape(str(out_dir))}</p>"]
    if ok:
        table = pd.DataFrame([r.summary for r in ok])
        cols = ["video"] + [k for k in OVERVIEW if k in table.columns]
        head = "".join(f"<th>{html.escape(MEASURES[c][0]) if c in MEASURES else 'Video'}"
                       f"{' (' + MEASURES[c][1] + ')' if c in MEASURES and MEASURES[c][1] else ''}</th>"
                       for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{_fmt(row[c])}</td>" for c in cols) + "</tr>"
                       for _, row in table.iterrows())
        comparison = save_figure(comparison_figure(table), out_dir / "comparison.png")
        parts += ["<h2>All videos</h2>", f"<div class='scroll'><table class='all'><tr>{head}</tr>{body}</table></div>",
                  "<p>Table: <code>summary_all.csv</code>.</p>",
                  f"<img class='wide' alt='comparison' src='data:image/png;base64,{_b64_png(comparison)}'>"]
    if failed:
        items = "".join(f"<li><b>{html.escape(r.video.name)}</b>: {html.escape(r.error or 'failed')}</li>"
                        for r in failed)
        parts += ["<h2 class='failed'>Failed</h2>", f"<ul class='failed'>{items}</ul>"]
    for r in ok:
        stem = Path(r.video).stem
        parts += [f"<section class='video'><h2>{html.escape(Path(r.video).name)}</h2>",
                  "<div class='row'>",
                  _img(out_dir / f"{stem}_trajectory.png", "trajectory and zones"),
                  _img(out_dir / f"{stem}_heatmap.png", "occupancy heat map"),
                  "</div>",
                  _img(out_dir / f"{stem}_speed.png", "speed and acceleration").replace("<img ", "<img class='wide' "),
                  (_img(out_dir / f"{stem}_ethogram.png", "ethogram").replace("<img ", "<img class='wide' ")
                   if (out_dir / f"{stem}_ethogram.png").exists() else ""),
                  summary_table(r.summary),
                  f"<p class='meta'>Per-frame table: <code>{html.escape(stem)}_kinematics.csv</code>; "
                  f"pose: <code>{html.escape(stem)}_pose.csv</code>.</p></section>"]
    parts.append("</body></html>")
    path = out_dir / "report.html"
    with atomic_write(path) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    log.info("report: %s", path)
    return path


def embedded_images(html_text: str) -> list[bytes]:
    """Decode the base64 PNG images embedded in a report (used by the tests)."""
    out = []
    marker = "data:image/png;base64,"
    for chunk in html_text.split(marker)[1:]:
        end = min(i for i in (chunk.find("'"), chunk.find('"')) if i >= 0)
        out.append(base64.b64decode(chunk[:end]))
    return out


