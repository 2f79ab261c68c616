"""Behaviour outputs: the tables and figures of a recording, a training or an evaluation, handed to io/.

The tables and figures are built by pure functions
(:class:`openfield.behavior.timeline.BehaviorTimeline`,
:mod:`openfield.behavior.metrics`, :mod:`openfield.behavior.plots`); this
module puts them together and hands them to :mod:`openfield.io.behavior`,
which names the files, writes them atomically and reads them back with clear
errors (its readers are imported here under their old names).

Files of one recording ``<stem>`` in an output folder:
``<stem>_behavior.csv`` (``frame``, ``time_s``, ``label``, ``p_<class>``),
``<stem>_bouts.csv`` (``behavior``, ``start_s``, ``end_s``, ``duration_s``),
``<stem>_behavior_summary.csv`` (one row of totals), ``<stem>_ethogram.png``.
"""

from __future__ import annotations

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
from openfield.behavior.vit import TrainSettings, train
from openfield.errors import OpenfieldError
from openfield.io.behavior import MODEL_INFO as MODEL_INFO
from openfield.io.behavior import (
    check_model_folder,
    write_metrics_files,
    write_model_folder,
    write_table_and_figure,
    write_timeline_files,
    write_training_log,
    write_val_predictions,
)
from openfield.io.behavior import prediction_record_path as prediction_record_path
from openfield.io.behavior import prediction_settings as prediction_settings
from openfield.io.behavior import read_behavior_csv as read_behavior_csv
from openfield.io.behavior import write_prediction_record as write_prediction_record
from openfield.io.behavior import write_summary_table as write_summary_table

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
    summary = timeline.summary(stem, summary_extra)
    bouts = timeline.bouts()[["behavior", "start_s", "end_s", "duration_s"]]
    fig = plot_ethogram(timeline.labels, timeline.fps, timeline.classes, timeline.probabilities, title=stem,
                        times_s=timeline.times_s)
    paths = write_timeline_files(out_dir, stem, timeline.per_frame(), bouts, summary, fig)
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
    return write_table_and_figure(table, plot_evaluation(table, title=title), prefix)


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
    return write_metrics_files(metrics_summary(metrics), metrics["per_class"], metrics["confusion"],
                               plot_confusion(metrics["confusion"], title), out_dir, prefix)


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
    model_dir = Path(model_dir)
    paths = {k: str(v) for k, v in write_training_log(result.history, plot_training(result.history),
                                                       training_dir).items()}
    if result.val_metrics is not None:
        written = write_metrics(result.val_metrics, training_dir, "val", "validation")
        paths.update({k: str(v) for k, v in written.items()})
        paths["predictions"] = str(write_val_predictions(result.val_predictions, training_dir))
    info = {**result.info, "paths": paths}
    write_model_folder(result.model, result.processor, info, model_dir)
    val = info.get("val") or {}
    log.info("model saved to %s (best epoch %d, validation macro-F1 %s)", model_dir, info["best_epoch"],
             f"{val.get('macro_f1', float('nan')):.3f}")
    return info


def train_model(
    dataset_dir: str | os.PathLike[str],
    model_dir: str | os.PathLike[str] = "fine_tuning_ViT/model",
    training_dir: str | os.PathLike[str] = "fine_tuning_ViT/training",
    settings: Any = None,
) -> dict:
    """Train a ViT (:func:`openfield.behavior.vit.train`) and write it (:func:`write_training`).

    Always trains: :func:`openfield.pipeline.vit.training_step` (``openfield
    behavior train``) skips a training its ledger records with the same
    settings on the same dataset.

    Parameters
    ----------
    dataset_dir
        Folder written by :func:`openfield.behavior.dataset.build_dataset`.
    model_dir, training_dir
        See :func:`write_training`.
    settings
        A :class:`openfield.behavior.vit.TrainSettings` (None: the defaults).

    Returns
    -------
    dict
        ``openfield_vit.json``'s content: ``classes``, ``best_epoch``,
        ``val`` metrics summary, ``paths``.
    """
    return write_training(train(dataset_dir, settings or TrainSettings()), model_dir, training_dir)


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
        See :func:`openfield.behavior.model_files.load_model_file`; also when scikit-learn or skops (the
        'behavior' extra) is not installed, naming the model.
    """
    try:
        return load_model_file(path)
    except ImportError as exc:
        raise OpenfieldError(
            f"a pose behaviour model needs scikit-learn and skops ({exc}); install the 'behavior' extra", path
        ) from exc
