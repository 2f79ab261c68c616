"""One self-contained HTML page for a batch: per video the plots and measures, and a comparison.

The page embeds its images as base64 PNG, so it can be mailed or archived
as a single file. :func:`report_html` makes the page's text from the
summaries and the PNG bytes it is given; the pipeline
(:func:`openfield.pipeline.write_report`) reads the plots a run left in its
output folder, so a resumed batch gets a complete report, and writes the page.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openfield import __version__
from openfield.io.names import arena_stem
from openfield.quality import qc_overview

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
    "frames_expected": ("Frames in the file", ""),
    "frames_read": ("Frames read", ""),
    "jumps_removed": ("Jumps removed", "frames"),
    "tracking_noise_cm": ("Tracking noise", "cm"),
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

#: A behaviour model's columns, whatever its classes: (kind, behaviour) from ``time_<b>_s``, ``bouts_<b>``,
#: ``latency_<b>_s``.
_BEHAVIOR = re.compile(r"^(time|bouts|latency)_(.+?)(_s)?$")


def measures_of(columns: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Label and unit of each known measure among ``columns``: :data:`MEASURES`, then the behaviour model's.

    A behaviour column of any class (``time_<b>_s``, ``bouts_<b>``,
    ``latency_<b>_s``, the behaviour model's classes) is named from its class:
    ``time_supported_rearing_s`` -> ("Time supported rearing", "s").
    """
    out = {c: MEASURES[c] for c in columns if c in MEASURES}
    for c in columns:
        m = _BEHAVIOR.match(str(c))
        if c in out or m is None or (m.group(1) == "bouts") == bool(m.group(3)):
            continue
        name = m.group(2).replace("_", " ")
        out[c] = {"time": (f"Time {name}", "s"), "bouts": (f"{name.capitalize()} bouts", ""),
                  "latency": (f"Latency to {name}", "s")}[m.group(1)]
    return out


#: Measures compared across videos in the comparison plot.
COMPARED = ["distance_cm", "mean_speed_cm_s", "time_moving_s", "time_center_s", "center_entries",
            "mean_acceleration_cm_s2"]


def _b64_png(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _img(png: bytes | None, alt: str, wide: bool = False) -> str:
    if png is None:
        return f'<p class="missing">{html.escape(alt)}: not available</p>'
    cls = "class='wide' " if wide else ""
    return f'<img {cls}alt="{html.escape(alt)}" src="data:image/png;base64,{_b64_png(png)}">'


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
    known = measures_of(list(summary))
    for key, (label, unit) in [*((k, v) for k, v in MEASURES.items() if k in known),
                               *((k, v) for k, v in known.items() if k not in MEASURES)]:
        if key in summary:
            rows.append(f"<tr><td>{html.escape(label)}</td><td class='num'>{_fmt(summary[key])}</td>"
                        f"<td>{html.escape(unit)}</td></tr>")
    return "<table class='measures'><tr><th>Measure</th><th>Value</th><th>Unit</th></tr>" + "".join(rows) + "</table>"


#: The per-zone measures listed in a video's zone table: (column pattern, heading).
ZONE_MEASURES = [("time_{}_s", "Time (s)"), ("{}_entries", "Entries"), ("latency_{}_s", "Latency (s)"),
                 ("distance_{}_cm", "Distance (cm)"), ("mean_speed_{}_cm_s", "Mean speed (cm/s)"),
                 ("time_head_{}_s", "Head in zone (s)")]


def summary_zones(summary: Mapping[str, Any]) -> list[str]:
    """The zones of a summary (those with ``<zone>_entries`` and ``time_<zone>_s``), defaults first.

    A zone the arena lacks (the corners of a round arena: their columns
    empty) is left out.
    """
    out = []
    for key in summary:
        name = key[: -len("_entries")] if key.endswith("_entries") else None
        if name and f"time_{name}_s" in summary:
            value = summary[f"time_{name}_s"]
            if value is not None and not (isinstance(value, float) and not np.isfinite(value)):
                out.append(name)
    return out


def zone_table(summary: Mapping[str, Any]) -> str:
    """HTML table of one video's zones, a row per zone with its measures; empty when it has none."""
    names = summary_zones(summary)
    if not names:
        return ""
    head = "<tr><th>Zone</th>" + "".join(f"<th>{h}</th>" for _, h in ZONE_MEASURES) + "</tr>"
    rows = "".join(f"<tr><td>{html.escape(n)}</td>"
                   + "".join(f"<td class='num'>{_fmt(summary.get(c.format(n)))}</td>" for c, _ in ZONE_MEASURES)
                   + "</tr>" for n in names)
    start = summary.get("trial_start_s")
    trial = (f"<p class='meta'>Trial from {_fmt(start)} s of the video, {_fmt(summary.get('duration_s'))} s "
             "analysed; latencies from the trial start.</p>" if start else "")
    return f"<table class='zones'>{head}{rows}</table>{trial}"


def result_units(results: Sequence[Any]) -> list[Any]:
    """Every result that is one animal, in order: a multi-arena video's ``arenas`` in its place.

    Results are :class:`openfield.pipeline.VideoResult` objects or anything
    with ``video`` and ``summary`` (and optionally ``arena``, ``arenas``); a
    failed video stays one (``summary`` None).
    """
    return [u for r in results for u in (getattr(r, "arenas", None) or [r])]


def result_label(r: Any) -> str:
    """A result's name: the video's file name, with ``arena K`` for an arena of a multi-arena video."""
    arena = getattr(r, "arena", None)
    return Path(r.video).name if arena is None else f"{Path(r.video).name} arena {arena}"


def result_stem(r: Any) -> str:
    """The stem of a result's files: the video's, or ``<stem>_a<K>`` for an arena."""
    arena = getattr(r, "arena", None)
    return Path(r.video).stem if arena is None else arena_stem(Path(r.video).stem, arena)


def is_empty_arena(r: Any) -> bool:
    """An arena where no animal was found in any frame (its summary's QC flag ``empty_arena``)."""
    return "empty_arena" in str((r.summary or {}).get("qc_flags", "")).split(";")


def comparison_figure(table: pd.DataFrame) -> Any:
    """Bar charts of the main measures, one bar per video (per video and arena with an ``arena`` column)."""
    import matplotlib  # here, not at the top: the pipeline imports this module, `openfield track` draws nothing

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: matplotlib only where a figure is drawn

    from openfield.plots import plain_text  # lazy: openfield.plots imports matplotlib

    names = table["video"].astype(str).tolist()
    if "arena" in table.columns:
        names = [f"{n} a{int(a)}" for n, a in zip(names, table["arena"], strict=True)]
    names = [plain_text(n) for n in names]  # a `$` in a name is not TeX
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
table.qc tr.flagged td{background:#fff4e5} table.qc td.flags{color:#a35200;font-weight:600}
table.qc tr.clean td.flags{color:#2a7a2a;font-weight:400}
"""


#: Added to the page's style when it has multi-arena videos (a single-arena page is unchanged).
_ARENA_CSS = "div.arena{border-top:1px dashed #ddd;margin-top:1em} p.empty{color:#a35200}\n"


def qc_table(results: Sequence[Any]) -> str:
    """HTML table of the quality checks: flagged videos first, each with its flags and why.

    Parameters
    ----------
    results
        Results with a ``summary`` holding ``qc_flags`` (and optionally a
        ``qc_message``: the reasons with their numbers; else each flag's
        :data:`openfield.quality.FLAG_DESCRIPTIONS` line).

    Returns
    -------
    str
        The table, or "" when no summary has QC columns.
    """
    ok = [r for r in result_units(results) if r.summary is not None and "qc_flags" in r.summary]
    if not ok:
        return ""
    names = [result_label(r) for r in ok]
    summary = pd.DataFrame({"video": names, "qc_flags": [r.summary["qc_flags"] for r in ok]})
    overview = qc_overview(summary)
    detail = {name: getattr(r, "qc_message", "") for name, r in zip(names, ok, strict=True)}
    counts = {name: (r.summary.get("frames_read"), r.summary.get("frames_expected")) for name, r in
              zip(names, ok, strict=True)}
    rows = []
    for _, row in overview.iterrows():
        flagged = bool(row["qc_flags"])
        read, expected = counts[row["video"]]
        why = (detail.get(row["video"]) or row["reason"]) if flagged else "no flag"
        rows.append(f"<tr class='{'flagged' if flagged else 'clean'}'><td>{html.escape(str(row['video']))}</td>"
                    f"<td class='flags'>{html.escape(row['qc_flags'].replace(';', ', ')) or 'ok'}</td>"
                    f"<td class='num'>{_fmt(read)} / {_fmt(expected)}</td><td>{html.escape(why)}</td></tr>")
    n = sum(bool(f) for f in overview["qc_flags"])
    return (f"<h2>Quality checks</h2><p>{n} of {len(overview)} video(s) flagged; flagged videos first "
            "(flags and thresholds: <code>docs/quality.md</code>).</p>"
            "<table class='qc'><tr><th>Video</th><th>Flags</th><th>Frames read / in the file</th>"
            f"<th>Why</th></tr>{''.join(rows)}</table>")


def report_html(
    results: Sequence[Any],
    images: Mapping[str, Mapping[str, bytes]],
    comparison_png: bytes | None = None,
    folder: str = "",
    title: str = "openfield report",
) -> str:
    """The HTML page of a batch.

    Parameters
    ----------
    results
        :class:`openfield.pipeline.VideoResult` objects (``video``,
        ``status``, ``summary``, ``error``).
    images
        Per video stem, PNG bytes by kind: ``trajectory``, ``heatmap``,
        ``speed`` (shown as "not available" when absent) and ``ethogram``
        (shown when present).
    comparison_png
        The :func:`comparison_figure` as PNG bytes, if any.
    folder
        The output folder, named in the page.
    title
        Page title.

    Returns
    -------
    str
        The self-contained page.
    """
    units = result_units(results)
    ok = [r for r in units if r.summary is not None]
    failed = [r for r in units if r.summary is None]
    n_arenas = sum(1 for r in ok if getattr(r, "arena", None) is not None)
    n_videos = len(results) - len(failed)
    arenas_meta = f" ({n_arenas} arenas, {sum(map(is_empty_arena, ok))} empty)" if n_arenas else ""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}{_ARENA_CSS if n_arenas else ''}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>{n_videos} video(s) analysed{arenas_meta}, {len(failed)} failed; "
             f"openfield {__version__}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; folder {html.escape(str(folder))}</p>"]
    qc = qc_table(results)
    if qc:
        parts.append(qc)
    parts += settings_files_note(ok)
    if ok:
        table = pd.DataFrame([r.summary for r in ok])
        known = measures_of(list(table.columns))
        behaviors = [c for c in known if c not in MEASURES and not c.startswith("latency_")]  # the model's classes
        cols = (["video"] + (["arena"] if "arena" in table.columns else [])
                + [k for k in OVERVIEW if k in table.columns] + behaviors)
        names = {"video": "Video", "arena": "Arena"}
        head = "".join(f"<th>{html.escape(known[c][0]) if c in known else names[c]}"
                       f"{' (' + known[c][1] + ')' if c in known and known[c][1] else ''}</th>"
                       for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{_fmt(row[c])}</td>" for c in cols) + "</tr>"
                       for _, row in table.iterrows())
        parts += ["<h2>All videos</h2>", f"<div class='scroll'><table class='all'><tr>{head}</tr>{body}</table></div>",
                  "<p>Table: <code>summary_all.csv</code>.</p>"]
        if comparison_png is not None:
            parts.append(f"<img class='wide' alt='comparison' src='data:image/png;base64,{_b64_png(comparison_png)}'>")
    if failed:
        items = "".join(f"<li><b>{html.escape(Path(r.video).name)}</b>: {html.escape(r.error or 'failed')}</li>"
                        for r in failed)
        parts += ["<h2 class='failed'>Failed</h2>", f"<ul class='failed'>{items}</ul>"]
    for r in results:
        arenas = getattr(r, "arenas", None)
        if arenas:
            parts += _arenas_section(r, arenas, images)
        elif r.summary is not None:
            parts += _unit_section(r, images, "h2", "section class='video'")
    parts.append("</body></html>")
    return "\n".join(parts)


def settings_files_note(units: Sequence[Any]) -> list[str]:
    """A line naming the videos set up with a settings file (``openfield draw``) and those without."""
    rows = {Path(r.video).name: r.summary.get("settings_file") for r in units if "settings_file" in r.summary}
    if not rows:
        return []
    used = {v: f for v, f in rows.items() if isinstance(f, str) and f}
    without = [v for v in rows if v not in used]
    listed = ", ".join(f"{html.escape(v)} (<code>{html.escape(f)}</code>)" for v, f in used.items()) or "none"
    rest = f"; without one: {html.escape(', '.join(without))}" if without else ""
    return [f"<p class='meta settings'>Settings files beside the videos (column <code>settings_file</code>): "
            f"{len(used)} of {len(rows)}: {listed}{rest}.</p>"]


def _unit_section(r: Any, images: Mapping[str, Mapping[str, bytes]], heading: str, tag: str) -> list[str]:
    """One video's (or one arena's) plots and measures; an empty arena says so instead."""
    stem = result_stem(r)
    end = tag.split()[0]
    if is_empty_arena(r):
        return [f"<{tag}><{heading}>{html.escape(result_label(r))}</{heading}>",
                "<p class='empty'>Empty: no animal found in any frame of this arena (QC flag "
                "<code>empty_arena</code>; its row in <code>summary_all.csv</code> has no measures).</p>",
                f"</{end}>"]
    pngs = images.get(stem, {})
    return [f"<{tag}><{heading}>{html.escape(result_label(r))}</{heading}>",
            "<div class='row'>",
            _img(pngs.get("trajectory"), "trajectory and zones"),
            _img(pngs.get("heatmap"), "occupancy heat map"),
            "</div>",
            _img(pngs.get("speed"), "speed and acceleration", wide=True),
            (_img(pngs["bout_acceleration"], "locomotor bouts: peak speed vs mean acceleration")
             if "bout_acceleration" in pngs else ""),
            _img(pngs["ethogram"], "ethogram", wide=True) if "ethogram" in pngs else "",
            summary_table(r.summary),
            zone_table(r.summary),
            f"<p class='meta'>Per-frame table: <code>{html.escape(stem)}_kinematics.csv</code>; "
            f"pose: <code>{html.escape(stem)}_pose.csv</code>.</p></{end}>"]


def _arenas_section(r: Any, arenas: Sequence[Any], images: Mapping[str, Mapping[str, bytes]]) -> list[str]:
    """A multi-arena video: its frame with the numbered arenas drawn, then each arena's section."""
    stem = Path(r.video).stem
    empty = [str(a.arena) for a in arenas if is_empty_arena(a)]
    note = f"; empty: arena {', '.join(empty)}" if empty else ""
    parts = [f"<section class='video'><h2>{html.escape(Path(r.video).name)}</h2>",
             f"<p class='meta'>{len(arenas)} arenas, numbered row-major from the top-left{note}; files "
             f"<code>{html.escape(stem)}_a&lt;K&gt;_*</code>.</p>",
             _img(images.get(stem, {}).get("arenas"), "the video's arenas, numbered", wide=True)]
    for a in arenas:
        parts += _unit_section(a, images, "h3", "div class='arena'")
    parts.append("</section>")
    return parts


def embedded_images(html_text: str) -> list[bytes]:
    """Decode the base64 PNG images embedded in a report (used by the tests)."""
    out = []
    marker = "data:image/png;base64,"
    for chunk in html_text.split(marker)[1:]:
        end = min(i for i in (chunk.find("'"), chunk.find('"')) if i >= 0)
        out.append(base64.b64decode(chunk[:end]))
    return out


