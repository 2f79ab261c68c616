"""Behaviour files: the one place that writes and reads them.

A thin layer: the tables and figures are built by pure functions
(:class:`openfield.behavior.timeline.BehaviorTimeline`,
:mod:`openfield.behavior.metrics`, :mod:`openfield.behavior.plots`); this
module only names the files, writes them atomically through
:mod:`openfield.io.files` and reads them back with clear errors.

Files of one recording ``<stem>`` in an output folder:
``<stem>_behavior.csv`` (``frame``, ``time_s``, ``label``, ``p_<class>``),
``<stem>_bouts.csv`` (``behavior``, ``start_s``, ``end_s``, ``duration_s``),
``<stem>_behavior_summary.csv`` (one row of totals), ``<stem>_ethogram.png``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openfield.behavior.labels import default_behaviors
from openfield.behavior.metrics import metrics_summary
from openfield.behavior.model_files import load_model_file, save_model_file
from openfield.behavior.plots import plot_confusion, plot_ethogram, plot_evaluation, plot_training
from openfield.behavior.timeline import BehaviorTimeline, behavior_timeline
from openfield.behavior.vit import TrainSettings, train, training_key
from openfield.errors import OpenfieldError
from openfield.io.behavior import MODEL_INFO, check_model_folder, read_model_info
from openfield.io.behavior_dataset import read_manifest
from openfield.io.files import save_figure, write_csv, write_json

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- per-recording timeline


def write_timeline(
    out_dir: str | os.PathLike[str],
    stem: str,
    timeline: BehaviorTimeline,
    summary_extra: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Path], dict[str, Any]]:
    """Write the per-frame, bout, summary and ethogram files of one recording.

    Parameters
    ----------
    out_dir
        Output folder (created if missing).
    stem
        Recording name (the files' prefix and the summary's ``video``).
    timeline
        From :func:`~openfield.behavior.timeline.behavior_timeline`.
    summary_extra
        Columns put first in the summary row (e.g. ``{"file": "m1.csv"}``, the
        key of the kinematics summary, so the two tables join).

    Returns
    -------
    tuple
        ``{"behavior", "bouts", "summary", "ethogram"} -> path`` and the summary row.
    """
    out_dir = Path(out_dir)
    summary = timeline.summary(stem, summary_extra)
    bouts = timeline.bouts()[["behavior", "start_s", "end_s", "duration_s"]]
    paths = {
        "behavior": write_csv(timeline.per_frame(), out_dir / f"{stem}_behavior.csv"),
        "bouts": write_csv(bouts, out_dir / f"{stem}_bouts.csv"),
        "summary": write_csv(pd.DataFrame([summary]), out_dir / f"{stem}_behavior_summary.csv"),
    }
    fig = plot_ethogram(timeline.labels, timeline.fps, timeline.classes, timeline.probabilities, title=stem,
                        times_s=timeline.times_s)
    paths["ethogram"] = save_figure(fig, out_dir / f"{stem}_ethogram.png")
    log.info("%s: %s", stem, ", ".join(f"{k}={v:.3g}" for k, v in summary.items() if isinstance(v, int | float)))
    return paths, summary


def write_behavior_outputs(
    out_dir: str | os.PathLike[str],
    stem: str,
    probabilities: np.ndarray,
    classes: Sequence[str],
    fps: float,
    min_bout_s: float,
    behaviors: Sequence[str] | None = None,
    summary_extra: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Label frames from class probabilities and write the files of one recording.

    The label of a frame is its most probable class, after bouts shorter
    than ``min_bout_s`` are removed
    (:func:`~openfield.behavior.timeline.behavior_timeline`, no probability
    smoothing); the files are those of :func:`write_timeline`.

    Parameters
    ----------
    out_dir, stem, summary_extra
        See :func:`write_timeline`.
    probabilities
        ``(n_frames, n_classes)`` class probabilities.
    classes
        Class names, in the column order of ``probabilities``.
    fps
        Frames per second.
    min_bout_s
        Shortest bout kept, in seconds.
    behaviors
        Behaviours summarised; default all classes but the background.

    Returns
    -------
    dict
        ``behavior``, ``bouts``, ``summary``, ``ethogram`` -> written path.
    """
    timeline = behavior_timeline(probabilities, classes, fps, min_bout_s, behaviors=behaviors)
    return write_timeline(out_dir, stem, timeline, summary_extra)[0]


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


def prediction_record_path(out_dir: str | os.PathLike[str], stem: str) -> Path:
    """``<out_dir>/<stem>_vit_predict.json``: settings, totals and timing of a ViT prediction."""
    return Path(out_dir) / f"{stem}_vit_predict.json"


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


def read_prediction_record(out_dir: str | os.PathLike[str], stem: str) -> dict[str, Any] | None:
    """The record of a finished prediction whose files all exist, else None (unreadable: None)."""
    path = prediction_record_path(out_dir, stem)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(record, dict) or not all(Path(p).exists() for p in record.get("paths", {}).values()):
        return None
    return record


# --------------------------------------------------------------------------- evaluation


def write_evaluation(table: pd.DataFrame, prefix: str | os.PathLike[str], title: str = "") -> dict[str, Path]:
    """Write an evaluation table as ``PREFIX.csv`` and its F1 bars as ``PREFIX.png``.

    Parameters
    ----------
    table
        From :func:`~openfield.behavior.metrics.evaluate_frames`.
    prefix
        Path without extension.
    title
        Figure title.

    Returns
    -------
    dict
        ``csv`` and ``png`` -> written path.
    """
    prefix = Path(prefix)
    return {
        "csv": write_csv(table, prefix.with_name(prefix.name + ".csv")),
        "png": save_figure(plot_evaluation(table, title=title), prefix.with_name(prefix.name + ".png")),
    }


def write_metrics(
    metrics: Mapping[str, Any], out_dir: str | os.PathLike[str], prefix: str, title: str = ""
) -> dict[str, Path]:
    """Write ``<prefix>_metrics.json``, ``_per_class.csv``, ``_confusion.csv`` and ``_confusion.png``.

    Parameters
    ----------
    metrics
        From :func:`~openfield.behavior.metrics.classification_metrics`.
    out_dir
        Output folder.
    prefix
        File name prefix (e.g. ``val``, ``baseline``).
    title
        Title of the confusion figure.

    Returns
    -------
    dict
        ``metrics``, ``per_class``, ``confusion_csv``, ``confusion_png`` -> written path.
    """
    out = Path(out_dir)
    return {
        "metrics": write_json(metrics_summary(metrics), out / f"{prefix}_metrics.json"),
        "per_class": write_csv(metrics["per_class"], out / f"{prefix}_per_class.csv"),
        "confusion_csv": write_csv(metrics["confusion"], out / f"{prefix}_confusion.csv", index=True),
        "confusion_png": save_figure(plot_confusion(metrics["confusion"], title), out / f"{prefix}_confusion.png"),
    }


# --------------------------------------------------------------------------- ViT models


def write_training(result: Any, model_dir: str | os.PathLike[str], training_dir: str | os.PathLike[str]) -> dict:
    """Write a training run: logs and validation results, then the model folder.

    Parameters
    ----------
    result
        A :class:`openfield.behavior.vit.TrainingResult`.
    model_dir
        The model folder: the ``transformers`` files, then
        ``openfield_vit.json`` (its ``info`` plus ``paths``), written last.
    training_dir
        ``training_log.csv``, ``training_curves.png``, the validation
        metrics (:func:`write_metrics`, prefix ``val``) and
        ``val_predictions.csv``.

    Returns
    -------
    dict
        ``openfield_vit.json``'s content.
    """
    model_dir, training_dir = Path(model_dir), Path(training_dir)
    training_dir.mkdir(parents=True, exist_ok=True)
    paths = {"log": str(write_csv(result.history, training_dir / "training_log.csv")),
             "curves": str(save_figure(plot_training(result.history), training_dir / "training_curves.png"))}
    if result.val_metrics is not None:
        written = write_metrics(result.val_metrics, training_dir, "val", "validation")
        paths.update({k: str(v) for k, v in written.items()})
        paths["predictions"] = str(write_csv(result.val_predictions, training_dir / "val_predictions.csv"))
    model_dir.mkdir(parents=True, exist_ok=True)
    result.model.save_pretrained(str(model_dir))
    result.processor.save_pretrained(str(model_dir))
    info = {**result.info, "paths": paths}
    write_json(info, model_dir / MODEL_INFO)
    val = info.get("val") or {}
    log.info("model saved to %s (best epoch %d, validation macro-F1 %s)", model_dir, info["best_epoch"],
             f"{val.get('macro_f1', float('nan')):.3f}")
    return info


def train_model(
    dataset_dir: str | os.PathLike[str],
    model_dir: str | os.PathLike[str] = "fine_tuning_ViT/model",
    training_dir: str | os.PathLike[str] = "fine_tuning_ViT/training",
    settings: Any = None,
    overwrite: bool = False,
) -> dict:
    """Train a ViT (:func:`openfield.behavior.vit.train`) and write it (:func:`write_training`).

    Skipped when ``model_dir`` already holds a finished model trained with
    the same settings on the same dataset (unless ``overwrite``).

    Parameters
    ----------
    dataset_dir
        Folder written by :func:`openfield.behavior.dataset.build_dataset`.
    model_dir, training_dir
        See :func:`write_training`.
    settings
        A :class:`openfield.behavior.vit.TrainSettings` (None: the defaults).
    overwrite
        Train again even when the model folder holds this training.

    Returns
    -------
    dict
        ``openfield_vit.json``'s content: ``classes``, ``best_epoch``,
        ``val`` metrics summary, ``paths``.
    """
    settings = settings or TrainSettings()
    manifest, _ = read_manifest(dataset_dir)
    old = read_model_info(model_dir)
    if old and not overwrite and old.get("key") == training_key(dataset_dir, manifest, settings):
        log.info("%s: already trained with these settings on this dataset, skipped", model_dir)
        return old
    return write_training(train(dataset_dir, settings), model_dir, training_dir)


# --------------------------------------------------------------------------- pose models


def save_pose_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write a :class:`~openfield.behavior.pose.PoseBehaviorModel` as a safe model file (atomically).

    See :mod:`openfield.behavior.model_files` (skops, no pickle).
    """
    return save_model_file(model, path)


def behavior_model_kind(path: str | os.PathLike[str]) -> str:
    """What a ``--behavior-model`` is: ``"pose"`` (a ``.joblib`` file) or ``"vit"`` (a model folder).

    Raises
    ------
    OpenfieldError
        Naming the path: it does not exist, or is a file that is not a ``.joblib``.
    """
    path = Path(path)
    if path.is_dir():
        return "vit"
    if not path.exists():
        raise OpenfieldError(
            "behaviour model not found (give a pose model .joblib from 'openfield behavior pose-train' "
            "or a ViT folder from 'openfield behavior train')",
            path,
        )
    if path.suffix.lower() != ".joblib":
        raise OpenfieldError(
            "not a behaviour model: expected a .joblib pose model ('openfield behavior pose-train') "
            "or a ViT folder ('openfield behavior train')",
            path,
        )
    return "pose"


def model_behaviors(path: str | os.PathLike[str]) -> list[str]:
    """The behaviours a ``--behavior-model`` predicts: its classes but the background.

    A pose model's classes are in its file; a ViT folder's in its
    ``config.json`` (``id2label``, read by :func:`openfield.io.behavior.check_model_folder`
    without loading the weights).
    """
    if behavior_model_kind(path) == "vit":
        return default_behaviors(check_model_folder(path))
    return default_behaviors(load_pose_model(path).classes)


def load_pose_model(path: str | os.PathLike[str]) -> Any:
    """Read a pose model written by :func:`save_pose_model`; a pickle is refused before it is opened.

    Returns
    -------
    openfield.behavior.pose.PoseBehaviorModel

    Raises
    ------
    OpenfieldError
        See :func:`openfield.behavior.model_files.load_model_file`.
    """
    return load_model_file(path)
