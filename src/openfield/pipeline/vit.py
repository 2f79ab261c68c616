"""The Vision Transformer's steps resumed through the ledger: dataset, training, whole-video prediction.

The work is done by the behaviour stage (:func:`openfield.behavior.dataset.build_dataset`,
:func:`openfield.behavior.outputs.train_model`),
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

The whole-video prediction (``openfield behavior predict`` and ``openfield run --behavior-model FOLDER``, one
step ``behavior`` of the video's ledger) is :func:`openfield.pipeline.steps.vit_predict.vit_prediction_step`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from openfield.behavior.dataset import DatasetSettings, build_dataset, resplit_dataset
from openfield.behavior.outputs import train_model
from openfield.behavior.vit import TrainSettings
from openfield.io.behavior import MODEL_INFO, read_model_info
from openfield.io.behavior_dataset import MANIFEST_COLUMNS, class_folder_images, read_manifest
from openfield.pipeline.ledger import Ledger, content_hash, fingerprint

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
