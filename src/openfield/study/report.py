"""``study.html``: one self-contained page (figures embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

import numpy as np
import pandas as pd

from openfield import __version__
from openfield.io.files import figure_png
from openfield.study.analysis import StudyTables
from openfield.study.workbook import header

_CSS = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}th,td{border:1px solid #ccc;padding:2px 6px;
text-align:right}th{background:#eee}td.t{text-align:left}.warn{color:#a40}img{max-width:100%}"""


def _png(fig: Any) -> str:
    return base64.b64encode(figure_png(fig, dpi=80)).decode("ascii")


def _grid(n: int, ncols: int = 4) -> tuple[Any, np.ndarray]:
    from matplotlib.figure import Figure  # lazy: matplotlib only where a figure is drawn

    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(3.2 * ncols, 2.8 * nrows))
    axes = np.array([fig.add_subplot(nrows, ncols, i + 1) for i in range(nrows * ncols)])
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def box_plots(videos: pd.DataFrame, measures: list[str], groups: list[str]) -> Any:
    """One panel per measure: a box per group and every animal as a dot (group names as plain text)."""
    from openfield.plots import plain_text  # lazy: openfield.plots imports matplotlib

    fig, axes = _grid(len(measures))
    rng = np.random.default_rng(0)  # jitter only
    for ax, m in zip(axes, measures, strict=False):
        data = [pd.to_numeric(videos.loc[videos["group"].astype(str) == g, m], errors="coerce").dropna()
                for g in groups]
        ax.boxplot([d.to_numpy() for d in data], showfliers=False)
        ax.set_xticks(range(1, len(groups) + 1), [plain_text(g) for g in groups])
        for i, d in enumerate(data, start=1):
            ax.plot(i + rng.uniform(-0.12, 0.12, len(d)), d, "o", ms=4, alpha=0.7, color="C0")
        ax.set_title(header(m), fontsize=9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def bin_curves(groups_bins: pd.DataFrame, measures: list[str], groups: list[str]) -> Any:
    """One panel per measure: mean ± SEM per bin, one line per group (group names as plain text)."""
    from openfield.plots import plain_text  # lazy: openfield.plots imports matplotlib

    fig, axes = _grid(len(measures))
    for ax, m in zip(axes, measures, strict=False):
        sub = groups_bins[groups_bins["measure"] == m]
        for g in groups:
            d = sub[sub["group"].astype(str) == g].sort_values("bin_start_min")
            ax.errorbar(d["bin_start_min"], d["mean"], yerr=d["sem"].fillna(0), marker="o", ms=3, capsize=2,
                        label=plain_text(g))
        ax.set_title(header(m), fontsize=9)
        ax.set_xlabel("bin start (min)", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _table(df: pd.DataFrame) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "" if math.isnan(v) else f"{v:.4g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(header(str(c)))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f'<td class="{"" if isinstance(v, float | int) else "t"}">{fmt(v)}</td>'
                                    for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def study_html(t: StudyTables, title: str = "Open-field study") -> str:
    """The study report as one HTML string."""
    groups = sorted(t.videos["group"].astype(str).unique())
    n = t.videos.groupby(t.videos["group"].astype(str)).size().reindex(groups).reset_index()
    n.columns = ["group", "n"]
    left = t.design[~t.design["included"]]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
             "<h2>Design</h2>", _table(n)]
    if len(left):
        parts += ["<h3>Animals left out</h3>", _table(left[["video", "group", "reason"]])]
    if t.warnings:
        parts += ["<h3>Warnings</h3><ul>"] + [f"<li class='warn'>{html.escape(w)}</li>" for w in t.warnings] + ["</ul>"]
    parts += ["<h2>Measures per animal</h2><p>Box: median and quartiles; dots: one animal each.</p>",
              f"<img alt='box plots' src='data:image/png;base64,{_png(box_plots(t.videos, t.measures, groups))}'>"]
    if t.settings.get("bin_min") is not None:
        part = t.bins[t.bins["partial"].astype(bool)]
        short = (f" The last bin is partial ({', '.join(sorted({f'{x:g} s' for x in part['bin_length_s']}))}): "
                 "sums over it are smaller." if len(part) else "")
        parts += [f"<h2>Time bins ({t.settings['bin_min']:g} min)</h2><p>Mean ± SEM per group.{short}</p>",
                  f"<img alt='bins' src='data:image/png;base64,"
                  f"{_png(bin_curves(t.groups_bins, t.bin_measures, groups))}'>"]
    shown = [c for c in t.stats.columns if c != "df_num" or t.stats["df_num"].notna().any()]
    parts += ["<h2>Statistics</h2>", _table(t.stats[shown]),
              "<h2>Groups</h2>", _table(t.groups),
              "<h2>Software and settings</h2>",
              _table(pd.DataFrame([{"setting": "openfield version", "value": __version__},
                                   *({"setting": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else v}
                                     for k, v in t.settings.items())])),
              "</body></html>"]
    return "\n".join(parts)
