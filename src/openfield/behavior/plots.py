"""Behaviour figures: ethogram, evaluation bars, confusion matrix, training curves.

Each function returns a matplotlib figure and writes nothing
(:mod:`openfield.behavior.outputs` saves them). matplotlib is imported inside
the functions, on the Agg backend unless one is already chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from openfield import timebase
from openfield.behavior.labels import default_behaviors
from openfield.behavior.timeline import find_bouts


def _pyplot() -> Any:
    import matplotlib  # lazy: matplotlib only where a figure is drawn

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # lazy: matplotlib only where a figure is drawn

    return plt


def plot_ethogram(
    labels: np.ndarray,
    fps: float,
    classes: Sequence[str],
    probabilities: np.ndarray | None = None,
    title: str = "",
    references: Mapping[str, np.ndarray] | None = None,
    times_s: np.ndarray | None = None,
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
    times_s
        The frames' real times of a variable-frame-rate recording (the time
        axis, :func:`~openfield.behavior.timeline.find_bouts`); None: frame / ``fps``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
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
        bouts = find_bouts(seq, fps, times_s)
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
    t = np.arange(len(labels)) / fps if times_s is None else np.asarray(times_s, float)
    if not len(labels):
        ax.set_xlim(0, 1)
    else:  # to the end of the last frame
        ax.set_xlim(0, len(labels) / fps if times_s is None else t[-1] + timebase.median_interval(t))
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[b]) for b in behaviors]
    ax.legend(handles, behaviors, loc="upper right", fontsize=8, ncol=len(behaviors))
    if title:
        ax.set_title(title, parse_math=False)  # a video's name, drawn as typed (no mathtext for a '$')
    if probabilities is not None:
        pax = axes[1, 0]
        for i, c in enumerate(classes):
            if c in colors:
                pax.plot(t, probabilities[:, i], color=colors[c], lw=0.8, label=f"p({c})")
        pax.set_ylim(0, 1)
        pax.set_ylabel("probability")
        pax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def plot_evaluation(table: pd.DataFrame, title: str = "") -> Any:
    """Bar chart of F1 per class: each comparison of :func:`~openfield.behavior.metrics.evaluate_frames` one bar.

    Parameters
    ----------
    table
        From :func:`~openfield.behavior.metrics.evaluate_frames` (several predictions may be concatenated).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
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
        fig.suptitle(title, parse_math=False)
    fig.tight_layout()
    return fig


def plot_confusion(confusion: pd.DataFrame, title: str = "") -> Any:
    """Confusion matrix figure: counts written in the cells, colours normalised by row (true class).

    Parameters
    ----------
    confusion
        Rows true class, columns predicted (``classification_metrics()["confusion"]``).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    cm = confusion.to_numpy()
    frac = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1.2 * len(cm) + 2, 1.1 * len(cm) + 1.5))
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(cm)):
        for j in range(len(cm)):
            colour = "white" if frac[i, j] > 0.5 else "black"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color=colour)
    ax.set_xticks(range(len(cm)), confusion.columns, rotation=30)
    ax.set_yticks(range(len(cm)), confusion.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_training(history: pd.DataFrame) -> Any:
    """Loss and validation macro-F1 per epoch (the ViT's ``training_log.csv``)."""
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.2))
    a1.plot(history["epoch"], history["train_loss"], "o-", label="train")
    if history["val_loss"].notna().any():
        a1.plot(history["epoch"], history["val_loss"], "o-", label="validation")
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss (cross-entropy)")
    a1.legend()
    a2.plot(history["epoch"], history["val_macro_f1"], "o-", label="macro-F1")
    a2.plot(history["epoch"], history["val_balanced_accuracy"], "s--", label="balanced accuracy")
    a2.set_ylim(0, 1)
    a2.set_xlabel("epoch")
    a2.set_ylabel("validation")
    a2.legend()
    fig.tight_layout()
    return fig
