"""The Vision Transformer's steps resumed through the ledger: dataset, training, whole-video prediction.

The work is done by the behaviour stage (:func:`openfield.behavior.dataset.build_dataset`,
:func:`openfield.behavior.outputs.train_model`, :func:`openfield.behavior.video.predict_video`),
which always does what it is asked; this module decides whether it must be
done, like every step of ``openfield run`` (:mod:`openfield.pipeline.ledger`):
a step is skipped only when its record holds the same settings fingerprint
and its outputs are still there. A changed setting or input, a deleted
output, an interrupted step (no record) or ``overwrite`` redoes it.

- :func:`dataset_step` (``openfield behavior dataset``): ``OUT/.openfield/dataset.json``,
  steps ``dataset`` (the images: frame and crop settings, ``split_by``, every
  input file's size and modification time) and ``split`` (``val_fraction``,
  ``seed``: a new split redraws it without extracting the images again).
- :func:`training_step` (``openfield behavior train``): ``MODEL/.openfield/training.json``,
  step ``training`` (every training setting, the training folder and the
  dataset's manifest, split and settings by content).
- :func:`vit_prediction_step` (``openfield behavior predict``, and the
  fingerprint of ``openfield run --behavior-model FOLDER``): a video's
  behaviour, step ``behavior`` of the video's ledger.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from openfield.behavior.dataset import DatasetSettings, build_dataset, resplit_dataset
from openfield.behavior.labels import default_behaviors
from openfield.behavior.outputs import train_model
from openfield.behavior.video import predict_video
from openfield.behavior.vit import TrainSettings
from openfield.errors import OpenfieldError
from openfield.io.behavior import MODEL_INFO, read_model_info
from openfield.io.behavior_dataset import MANIFEST_COLUMNS, class_folder_images, read_manifest
from openfield.io.timestamps import read_frame_times
from openfield.pipeline.config import behavior_columns
from openfield.pipeline.ledger import Ledger, content_hash, fingerprint
from openfield.quality import frame_times_from_timestamps

log = logging.getLogger(__name__)

#: The dataset folder's ledger (``OUT/.openfield/dataset.json``).
DATASET_LEDGER = "dataset"

#: The model folder's ledger (``MODEL/.openfield/training.json``).
TRAINING_LEDGER = "training"

#: The dataset settings of the ``dataset`` step (the images); the others (``val_fraction``, ``seed``) are the
#: ``split`` step's.
IMAGE_SETTINGS = ("every", "panels", "crop", "split_by")

#: The dataset's files that a training reads (by content: a dataset re-run rewrites none of them, a new split
#: rewrites them all).
DATASET_FILES = ("manifest.csv", "split.json", "dataset.json")

#: Prediction options that enter the ``behavior`` fingerprint only when they differ from these (the fingerprint
#: of a default prediction is the one ``openfield run --behavior-model`` has always recorded).
PREDICTION_DEFAULTS: dict[str, Any] = {"min_bout_s": 0.5, "window_s": 0.5, "every": 1, "max_frames": None}


def dataset_step(
    out_dir: str | os.PathLike[str],
    folders: str | os.PathLike[str] | None = None,
    videos: Sequence[str | os.PathLike[str]] = (),
    labels: Sequence[str | os.PathLike[str]] = (),
    clips: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    poses: Sequence[str | os.PathLike[str]] = (),
    settings: DatasetSettings | None = None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """:func:`openfield.behavior.dataset.build_dataset`, resumed: the images once, the split when it changes.

    Parameters
    ----------
    out_dir, folders, videos, labels, clips, poses, settings
        See :func:`~openfield.behavior.dataset.build_dataset`.
    overwrite
        Build the dataset again even when its record matches.

    Returns
    -------
    pandas.DataFrame
        The manifest (one row per image, with its ``split``).
    """
    settings = settings or DatasetSettings()
    out = Path(out_dir)
    full = settings.to_dict()
    ledger = Ledger(out, DATASET_LEDGER, overwrite)
    fp = fingerprint("dataset", {k: full[k] for k in IMAGE_SETTINGS},
                     sources=_dataset_sources(folders, videos, labels, clips, poses))
    split_fp = fingerprint("split", {"val_fraction": settings.val_fraction, "seed": settings.seed}, inputs=[fp])
    outputs = {name: out / name for name in DATASET_FILES}
    if not ledger.current("dataset", fp):
        manifest = build_dataset(out, folders=folders, videos=videos, labels=labels, clips=clips, poses=poses,
                                 settings=settings)
        ledger.record("dataset", fp, outputs)
        ledger.record("split", split_fp, outputs, timed=False)  # drawn by the build
        return manifest
    if not ledger.current("split", split_fp):
        manifest = resplit_dataset(out, settings.val_fraction, settings.seed)
        ledger.record("split", split_fp, outputs)
        return manifest
    log.info("%s: already built with these settings and inputs, skipped", out)
    return read_manifest(out)[0][MANIFEST_COLUMNS]


def _dataset_sources(
    folders: str | os.PathLike[str] | None,
    videos: Sequence[str | os.PathLike[str]],
    labels: Sequence[str | os.PathLike[str]],
    clips: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
    poses: Sequence[str | os.PathLike[str]],
) -> list[Path]:
    """Every input file of a dataset (a folder of clips: its files; class folders: their images)."""
    files = [Path(p) for p in (*videos, *labels, *poses)]
    if clips is not None and not isinstance(clips, (list, tuple)):
        folder = Path(clips)
        files += sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else [folder]
    else:
        files += [Path(c) for c in clips or []]
    if folders is not None and Path(folders).is_dir():
        files += [p for _, images in class_folder_images(folders) for p in images]
    elif folders is not None:
        files.append(Path(folders))  # missing: build_dataset names it
    return files


def training_step(
    dataset_dir: str | os.PathLike[str],
    model_dir: str | os.PathLike[str] = "fine_tuning_ViT/model",
    training_dir: str | os.PathLike[str] = "fine_tuning_ViT/training",
    settings: TrainSettings | None = None,
    overwrite: bool = False,
) -> dict:
    """:func:`openfield.behavior.outputs.train_model`, unless the model folder holds this training.

    Parameters
    ----------
    dataset_dir, model_dir, training_dir, settings
        See :func:`~openfield.behavior.outputs.train_model`.
    overwrite
        Train again even when the record matches.

    Returns
    -------
    dict
        ``openfield_vit.json``'s content.
    """
    settings = settings or TrainSettings()
    dataset, model, training = Path(dataset_dir), Path(model_dir), Path(training_dir)
    read_manifest(dataset)  # an unfinished dataset is named before anything
    fp = fingerprint("training", {"settings": asdict(settings), "training_dir": str(training.resolve()),
                                  "dataset": {name: content_hash(dataset / name) for name in DATASET_FILES}})
    ledger = Ledger(model, TRAINING_LEDGER, overwrite)
    if ledger.current("training", fp):
        log.info("%s: already trained with these settings on this dataset, skipped", model)
        return read_model_info(model)
    info = train_model(dataset, model, training, settings)
    outputs = {"info": model / MODEL_INFO, **{k: Path(v) for k, v in info.get("paths", {}).items()}}
    ledger.record("training", fp, outputs)
    return info


def vit_prediction_step(
    ledger: Ledger,
    video: str | os.PathLike[str],
    model: str | os.PathLike[str],
    *,
    min_bout_s: float = 0.5,
    window_s: float = 0.5,
    batch_size: int = 0,
    device: str = "auto",
    every: int = 1,
    max_frames: int | None = None,
    pose: str | os.PathLike[str] | None = None,
    pose_fp: str | None = None,
    frame_times: str | os.PathLike[str] | None = None,
    window: tuple[int, int] | None = None,
    progress: bool = True,
) -> tuple[str, dict[str, Any]]:
    """A video's behaviour from a ViT folder (:func:`openfield.behavior.video.predict_video`), resumed.

    Recorded as the step ``behavior`` of the video's ledger. The
    fingerprint covers the video, the model folder's files, the options
    (those that differ from :data:`PREDICTION_DEFAULTS`), the pose that
    places the crops (``pose_fp``, its step's fingerprint; a pose file given
    without one: the file's size and modification time), a variable frame
    rate's timestamps and the trial window.

    Parameters
    ----------
    ledger
        The video's ledger in the output folder.
    video, model, min_bout_s, window_s, batch_size, device, every, max_frames, pose, window, progress
        See :func:`~openfield.behavior.video.predict_video` (``batch_size``,
        ``device`` and ``progress`` change how fast, not what).
    pose_fp
        The fingerprint of the step that made ``pose`` (a run's pose step).
    frame_times
        A variable-frame-rate video's timestamps file: the behaviour's time axis.

    Returns
    -------
    fingerprint : str
    values : dict
        ``time_<b>_s``, ``bouts_<b>``, ``latency_<b>_s`` of the model's
        behaviours (:func:`~openfield.pipeline.config.behavior_columns`).
    """
    video, model = Path(video), Path(model)
    if not model.is_dir():
        raise OpenfieldError("model folder not found", model)
    model_files = sorted(p for p in model.iterdir() if p.is_file())
    options = {"min_bout_s": min_bout_s, "window_s": window_s, "every": every, "max_frames": max_frames}
    settings: dict[str, Any] = {"kind": "vit", "model": str(model.resolve()),
                                **{k: v for k, v in options.items() if v != PREDICTION_DEFAULTS[k]}}
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    if window is not None:  # only then: a run without a trial window keeps its fingerprint
        settings["trial_frames"] = list(window)
    if pose is not None and pose_fp is None:
        pose_fp = fingerprint("pose", {"method": "file"}, sources=[pose])
    fp = fingerprint("behavior", settings, inputs=[pose_fp or ""], sources=[video, *model_files])
    rec = ledger.current("behavior", fp)
    if rec:
        log.info("%s: already analysed with these settings, skipped", video.name)
        return fp, rec["values"]
    times = None if frame_times is None else frame_times_from_timestamps(read_frame_times(frame_times))
    totals = predict_video(video, model, ledger.out_dir, min_bout_s=min_bout_s, window_s=window_s,
                           batch_size=batch_size, device=device, every=every, max_frames=max_frames,
                           progress=progress, pose=pose, times_s=times, window=window)
    values = {k: totals.get(k, math.nan) for k in behavior_columns(default_behaviors(totals.get("classes", [])))}
    ledger.record("behavior", fp, {k: Path(v) for k, v in totals.get("paths", {}).items()}, values)
    return fp, values
