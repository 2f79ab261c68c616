"""Behaviour files: a recording's behaviour tables and ethogram, evaluations, trainings, ViT model folders.

Files of one recording ``<stem>`` in an output folder (:func:`write_timeline_files`):
``<stem>_behavior.csv`` (``frame``, ``time_s``, ``label``, ``p_<class>``),
``<stem>_bouts.csv`` (``behavior``, ``start_s``, ``end_s``, ``duration_s``),
``<stem>_behavior_summary.csv`` (one row of totals), ``<stem>_ethogram.png``; a ViT prediction's record
``<stem>_vit_predict.json``. The tables and figures come built (:mod:`openfield.behavior.outputs`); the
names from :mod:`openfield.io.names`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.files import save_figure, write_csv, write_json
from openfield.io.names import behavior_paths, prediction_record_path

#: The openfield part of a ViT model folder, written last (its presence means training finished).
MODEL_INFO = "openfield_vit.json"


def read_model_info(model_dir: str | os.PathLike[str]) -> dict:
    """``openfield_vit.json`` of a model folder, or ``{}`` for a plain checkpoint."""
    path = Path(model_dir) / MODEL_INFO
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise OpenfieldError(f"not valid JSON ({exc})", path) from exc


#: Weight files that are pickles (``torch.save``): never loaded, their folder refused.
PICKLED_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl", "*.pickle")


def check_model_folder(model_dir: str | os.PathLike[str]) -> list[str]:
    """Check a model folder without loading it: safetensors weights that open, and its classes.

    Run once before a batch (``openfield run --behavior-model``,
    ``behavior predict``), so a bad folder fails the set-up, not each video.
    Needs neither torch nor transformers.

    Parameters
    ----------
    model_dir
        A folder written by :func:`openfield.behavior.outputs.write_training`
        (or any image-classification model folder).

    Returns
    -------
    list of str
        The classes, from ``config.json``'s ``id2label`` in output order.

    Raises
    ------
    OpenfieldError
        Naming the folder or file: missing, no or unreadable ``config.json``
        or ``id2label``, weights in a pickle format (``pytorch_model.bin``
        and the like, which run code when loaded), no ``.safetensors``
        weights, or weights whose header does not read.
    """
    try:
        from safetensors import safe_open  # lazy: optional (the 'behavior' extra)
    except ImportError as exc:
        raise OpenfieldError(f"a ViT model needs the 'behavior' extra ({exc}): pip install openfield[behavior]",
                             model_dir) from exc

    d = Path(model_dir)
    if not d.is_dir():
        raise OpenfieldError("model folder not found", d)
    config = d / "config.json"
    if not config.exists():
        raise OpenfieldError("not a model folder (no config.json): train one with `openfield behavior train`", d)
    try:
        cfg = json.loads(config.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OpenfieldError(f"cannot read the model's config ({exc})", config) from exc
    pickled = sorted({p.name for pattern in PICKLED_WEIGHTS for p in d.glob(pattern)})
    if pickled:
        raise OpenfieldError(
            f"weights in a pickle format ({', '.join(pickled)}), which can run code when loaded: openfield loads "
            "safetensors weights only (model.safetensors; in a session you trust, save the model again with "
            "save_pretrained(folder, safe_serialization=True) and remove the pickle)", d)
    weights = sorted(d.glob("*.safetensors"))
    if not weights:
        raise OpenfieldError("no weights (model.safetensors) in the model folder", d)
    for w in weights:
        try:
            with safe_open(str(w), framework="numpy") as f:
                n_tensors = len(list(f.keys()))
        except Exception as exc:  # safetensors raises its own error types on a damaged header
            raise OpenfieldError(f"cannot read the weights ({type(exc).__name__}: {exc})", w) from exc
        if n_tensors == 0:
            raise OpenfieldError("the weights file holds no tensors", w)
    id2label = cfg.get("id2label") if isinstance(cfg, dict) else None
    try:
        return [str(id2label[str(i)]) for i in range(len(id2label))]  # type: ignore[index,arg-type]
    except (KeyError, TypeError) as exc:
        raise OpenfieldError("config.json has no id2label 0..n-1 (the classes)", config) from exc


# --------------------------------------------------------------------------- a recording's files


def write_timeline_files(out_dir: str | os.PathLike[str], stem: str, per_frame: pd.DataFrame, bouts: pd.DataFrame,
                         summary: Mapping[str, Any], ethogram: Any) -> dict[str, Path]:
    """Write ``<stem>_behavior.csv``, ``_bouts.csv``, ``_behavior_summary.csv`` (one row) and ``_ethogram.png``.

    Returns
    -------
    dict
        ``behavior``, ``bouts``, ``summary``, ``ethogram`` -> written path.
    """
    names = behavior_paths(stem, out_dir)
    paths = {
        "behavior": write_csv(per_frame, names["behavior"]),
        "bouts": write_csv(bouts, names["bouts"]),
        "summary": write_csv(pd.DataFrame([dict(summary)]), names["summary"]),
    }
    paths["ethogram"] = save_figure(ethogram, names["ethogram"])
    return paths


def write_summary_table(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write summary rows of several recordings as one CSV (e.g. ``behavior_summary.csv``)."""
    return write_csv(pd.DataFrame(list(rows)), path)


def read_behavior_csv(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, float]:
    """Read a ``<stem>_behavior.csv`` written by :func:`write_timeline`.

    Parameters
    ----------
    path
        The per-frame behaviour CSV.

    Returns
    -------
    tuple
        The table and its frame rate (from ``time_s``).

    Raises
    ------
    OpenfieldError
        Missing file or columns, fewer than two frames, uneven time steps
        (also those of a variable-frame-rate recording: not supported).
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("prediction file not found", path)
    try:
        df = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read as a CSV table ({exc})", path) from exc
    missing = [c for c in ("frame", "time_s", "label") if c not in df.columns]
    if missing:
        raise OpenfieldError(
            f"not a per-frame behaviour table: missing column(s) {', '.join(missing)} "
            "(expected frame, time_s, label, p_<class>...)",
            path,
        )
    if len(df) < 2:
        raise OpenfieldError("needs at least two frames", path)
    steps = np.diff(pd.to_numeric(df["time_s"], errors="coerce").to_numpy(float))
    uneven = (steps.max() - steps.min()) > 1e-6 * steps.mean() + 1e-9
    if not np.all(np.isfinite(steps)) or steps.min() <= 0:
        raise OpenfieldError("time_s is not evenly spaced and increasing", path)
    if uneven:  # the labels in seconds would have to be placed on these times (timeline.intervals_to_frames)
        raise OpenfieldError(
            "time_s is not evenly spaced: a variable-frame-rate recording's prediction (its frames at the "
            "video's timestamps); scoring it against labels in seconds is not supported yet", path)
    df["label"] = df["label"].astype(str)
    df.attrs["source_file"] = str(path)
    return df, float(1.0 / steps.mean())


# --------------------------------------------------------------------------- whole-video prediction record


def prediction_settings(
    video: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    min_bout_s: float,
    window_s: float,
    every: int,
    max_frames: int | None,
    pose: str | os.PathLike[str] | None,
) -> dict[str, Any]:
    """The settings of a ViT video prediction, as stored under ``key`` in its record.

    Two predictions with equal settings (same files, same model weights by
    modification time, same options) give the same outputs.
    """
    mdir = Path(model_dir)
    weights = sorted(mdir.glob("*.safetensors")) + sorted(mdir.glob("*.bin")) if mdir.is_dir() else []
    return {
        "video": str(Path(video).resolve()),
        "model": str(mdir.resolve()),
        "model_mtime": max((p.stat().st_mtime for p in weights), default=0.0),
        "min_bout_s": min_bout_s,
        "window_s": window_s,
        "every": every,
        "max_frames": max_frames,
        "pose": None if pose is None else str(Path(pose).resolve()),
    }


def write_prediction_record(record: Mapping[str, Any], out_dir: str | os.PathLike[str], stem: str) -> Path:
    """Write the record of a finished video prediction (last, after its other files)."""
    return write_json(dict(record), prediction_record_path(out_dir, stem))


# --------------------------------------------------------------------------- evaluations and trainings


def write_table_and_figure(table: pd.DataFrame, figure: Any, prefix: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``PREFIX.csv`` and ``PREFIX.png``; ``csv`` and ``png`` -> written path."""
    prefix = Path(prefix)
    return {
        "csv": write_csv(table, prefix.with_name(prefix.name + ".csv")),
        "png": save_figure(figure, prefix.with_name(prefix.name + ".png")),
    }


def write_metrics_files(summary: Mapping[str, Any], per_class: pd.DataFrame, confusion: pd.DataFrame,
                        figure: Any, out_dir: str | os.PathLike[str], prefix: str) -> dict[str, Path]:
    """Write ``<prefix>_metrics.json``, ``_per_class.csv``, ``_confusion.csv`` and ``_confusion.png``.

    Returns
    -------
    dict
        ``metrics``, ``per_class``, ``confusion_csv``, ``confusion_png`` -> written path.
    """
    out = Path(out_dir)
    return {
        "metrics": write_json(dict(summary), out / f"{prefix}_metrics.json"),
        "per_class": write_csv(per_class, out / f"{prefix}_per_class.csv"),
        "confusion_csv": write_csv(confusion, out / f"{prefix}_confusion.csv", index=True),
        "confusion_png": save_figure(figure, out / f"{prefix}_confusion.png"),
    }


def write_training_log(history: pd.DataFrame, curves: Any, training_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``training_log.csv`` and ``training_curves.png`` in ``training_dir`` (created); ``log``, ``curves``."""
    training_dir = Path(training_dir)
    training_dir.mkdir(parents=True, exist_ok=True)
    return {"log": write_csv(history, training_dir / "training_log.csv"),
            "curves": save_figure(curves, training_dir / "training_curves.png")}


def write_val_predictions(predictions: pd.DataFrame, training_dir: str | os.PathLike[str]) -> Path:
    """Write ``val_predictions.csv`` in ``training_dir``."""
    return write_csv(predictions, Path(training_dir) / "val_predictions.csv")


def write_model_folder(model: Any, processor: Any, info: Mapping[str, Any], model_dir: str | os.PathLike[str]) -> Path:
    """Write a trained ViT folder: the ``transformers`` model and processor, then :data:`MODEL_INFO` (last)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(model_dir))
    processor.save_pretrained(str(model_dir))
    return write_json(dict(info), model_dir / MODEL_INFO)
