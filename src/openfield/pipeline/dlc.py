"""DeepLabCut's steps resumed through the ledger: training, video analysis, labelled videos.

The work is done by :mod:`openfield.pose.dlc` (a thin wrapper around
DeepLabCut, which always does what it is asked); this module decides whether
it must be done, like every step of ``openfield run``
(:mod:`openfield.pipeline.ledger`): a step is skipped only when its record
holds the same settings fingerprint and its outputs are still there. A
changed setting or source file (size or modification time), a deleted
output, an interrupted step (no record) or ``overwrite`` redoes it.

- :func:`dlc_analysis_step` (``openfield pose analyze --config``, ``openfield
  run --pose dlc``): a video's pose, recorded as the step ``pose`` in
  ``OUT/.openfield/<video stem>.json``; the fingerprint covers the video, the
  project's ``config.yaml``, the network's last snapshot and the filter.
- :func:`dlc_labeled_video_step`: DeepLabCut's labelled video of that pose
  (``dlc_labeled_video``), redone when the pose is.
- :func:`superanimal_step` (``openfield pose analyze --superanimal``): the
  pose from SuperAnimal-TopViewMouse (``pose``).
- :func:`train_network` (``openfield pose train``): a shuffle's training
  dataset (``training_dataset``: the network, the project's settings, i.e.
  its config without the paths a moved project changes, and the labelled
  frames) and its training (``training``: the training options), recorded in
  ``<model folder>/train/.openfield/training.json``.
- :func:`analyze_dlc_videos`, :func:`analyze_superanimal_videos`: the
  per-video steps over a list of videos, for the command and notebooks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openfield.errors import OpenfieldError
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pose import dlc
from openfield.pose.dlc.checks import check_config, check_videos, labelled_folders, read_yaml

log = logging.getLogger(__name__)

#: The analysis settings that enter the pose step's fingerprint only when they differ from these (so the
#: fingerprint of a default analysis is the one ``openfield run --pose dlc`` has always recorded).
ANALYSIS_DEFAULTS: dict[str, Any] = {"shuffle": 1, "trainingsetindex": 0, "filter": "median"}

#: Keys of a project's ``config.yaml`` that a moved project changes (:func:`openfield.pose.dlc.repair_project`):
#: left out of the training's fingerprint.
MOVABLE_CONFIG_KEYS = ("project_path", "video_sets")


def dlc_analysis_step(
    ledger: Ledger,
    video: str | os.PathLike[str],
    config: str | os.PathLike[str],
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int = 8,
    device: str = "auto",
    filter: str = "median",
) -> tuple[str, Path]:
    """A video's pose from the project's trained network (:func:`openfield.pose.dlc.analyze_videos`), resumed.

    Parameters
    ----------
    ledger
        The video's ledger in the output folder (``Ledger(out_dir, video.stem)``).
    video
        The video file.
    config
        The project's ``config.yaml``.
    shuffle, trainingsetindex, batch_size, device, filter
        See :func:`openfield.pose.dlc.analyze_videos` (the batch size and
        device change how fast, not what: they are not in the fingerprint).

    Returns
    -------
    fingerprint : str
    path : Path
        The pose file (the filtered or cleaned ``.h5``, or the raw one with ``filter="none"``).
    """
    video, config = Path(video), Path(config)
    dlc.repair_project(config)  # first: a moved project's repaired config is not a new setting
    # the network's last snapshot: a retrained network redoes the analysis (a clear error when there is none)
    snapshot = dlc.trained_snapshots(config, shuffle, trainingsetindex)[-1]
    options = {"shuffle": shuffle, "trainingsetindex": trainingsetindex, "filter": filter}
    settings = {"method": "dlc", **{k: v for k, v in options.items() if v != ANALYSIS_DEFAULTS[k]}}
    fp = fingerprint("pose", settings, sources=[video, config, snapshot])
    if ledger.current("pose", fp):
        log.info("%s: already analysed with these settings, skipped", video.name)
        return fp, ledger.output("pose", "pose")
    (path,) = dlc.analyze_videos([video], config, ledger.out_dir, shuffle=shuffle, trainingsetindex=trainingsetindex,
                                 batch_size=batch_size, device=device, filter=filter)
    path = Path(path)
    ledger.record("pose", fp, {"pose": path})
    return fp, path


def dlc_labeled_video_step(
    ledger: Ledger,
    video: str | os.PathLike[str],
    config: str | os.PathLike[str],
    pose_fp: str,
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    filter: str = "median",
) -> Path:
    """DeepLabCut's labelled video of the pose :func:`dlc_analysis_step` made (:func:`openfield.pose.dlc.label_videos`).

    Recorded as ``dlc_labeled_video``; its fingerprint is the pose step's
    (``pose_fp``) and the filter, so a new pose draws a new video.
    """
    fp = fingerprint("dlc_labeled_video", {"filter": filter}, inputs=[pose_fp])
    if ledger.current("dlc_labeled_video", fp):
        return ledger.output("dlc_labeled_video", "labeled_video")
    (path,) = dlc.label_videos([video], config, ledger.out_dir, shuffle=shuffle, trainingsetindex=trainingsetindex,
                               filter=filter)
    ledger.record("dlc_labeled_video", fp, {"labeled_video": path})
    return Path(path)


def superanimal_step(
    ledger: Ledger,
    video: str | os.PathLike[str],
    *,
    model_name: str = dlc.SUPERANIMAL_MODEL,
    detector_name: str = dlc.SUPERANIMAL_DETECTOR,
    batch_size: int = 8,
    device: str = "auto",
    labeled_video: bool = False,
) -> tuple[str, Path]:
    """A video's pose from SuperAnimal-TopViewMouse (:func:`openfield.pose.dlc.analyze_superanimal`), resumed.

    Recorded as ``pose``; the fingerprint covers the video, the pose model
    and detector and whether a labelled video was made.

    Returns
    -------
    fingerprint : str
    path : Path
        ``<video>_superanimal_topviewmouse.h5``.
    """
    video = Path(video)
    settings = {"method": "superanimal", "model": model_name, "detector": detector_name,
                "labeled_video": labeled_video}
    fp = fingerprint("pose", settings, sources=[video])
    if ledger.current("pose", fp):
        log.info("%s: already analysed with these settings, skipped", video.name)
        return fp, ledger.output("pose", "pose")
    (path,) = dlc.analyze_superanimal([video], ledger.out_dir, model_name=model_name, detector_name=detector_name,
                                      batch_size=batch_size, device=device, labeled_video=labeled_video)
    path = Path(path)
    ledger.record("pose", fp, {"pose": path, "pose_csv": path.with_suffix(".csv")})
    return fp, path


def analyze_dlc_videos(
    videos: Sequence[str | os.PathLike[str]],
    config: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int = 8,
    device: str = "auto",
    filter: str = "median",
    labeled_video: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """:func:`dlc_analysis_step` (and :func:`dlc_labeled_video_step`) for each video: ``openfield pose analyze``.

    Every video is checked before any work. ``overwrite`` redoes every step.

    Returns
    -------
    list of Path
        One pose file per video, in order.
    """
    check_config(config)
    checked = check_videos(videos)
    if filter not in dlc.FILTERS:
        raise OpenfieldError(f"unknown filter {filter!r}: use one of {', '.join(dlc.FILTERS)}")
    out = Path(out_dir)
    results = []
    for video, _fps in checked:
        ledger = Ledger(out, video.stem, overwrite)
        fp, path = dlc_analysis_step(ledger, video, config, shuffle=shuffle, trainingsetindex=trainingsetindex,
                                     batch_size=batch_size, device=device, filter=filter)
        if labeled_video:
            dlc_labeled_video_step(ledger, video, config, fp, shuffle=shuffle, trainingsetindex=trainingsetindex,
                                   filter=filter)
        results.append(path)
    return results


def analyze_superanimal_videos(
    videos: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model_name: str = dlc.SUPERANIMAL_MODEL,
    detector_name: str = dlc.SUPERANIMAL_DETECTOR,
    batch_size: int = 8,
    device: str = "auto",
    labeled_video: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """:func:`superanimal_step` for each video: ``openfield pose analyze --superanimal``.

    Every video is checked before any work. ``overwrite`` redoes every video.
    """
    checked = check_videos(videos)
    out = Path(out_dir)
    return [superanimal_step(Ledger(out, video.stem, overwrite), video, model_name=model_name,
                             detector_name=detector_name, batch_size=batch_size, device=device,
                             labeled_video=labeled_video)[1]
            for video, _fps in checked]


def train_network(
    config: str | os.PathLike[str],
    *,
    epochs: int | None = None,
    net: str | None = None,
    device: str = "auto",
    weights: str | os.PathLike[str] | None = None,
    from_scratch: bool = False,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int | None = None,
    save_epochs: int | None = None,
    seed: int = 42,
    crop_size: int | None = None,
    overrides: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Train a shuffle's network (:func:`openfield.pose.dlc.train`) unless it is trained with these settings.

    The ledger is ``<model folder>/train/.openfield/training.json``
    (:func:`openfield.pose.dlc.model_folder`), two steps:
    ``training_dataset`` (:func:`openfield.pose.dlc.create_training_dataset`,
    made again when the network, the project's ``config.yaml`` without the
    paths a moved project changes (:data:`MOVABLE_CONFIG_KEYS`) or the
    labelled frames' files changed) and ``training`` (every other option but
    the device, the ``weights`` file, and the training dataset's
    fingerprint). Before a training is redone, the shuffle's earlier
    snapshots are moved into ``train/replaced-<UTC time>/`` (DeepLabCut
    would otherwise take the highest epoch, perhaps an old one, as the
    network).

    Parameters
    ----------
    config
        The project's ``config.yaml`` (a moved project is repaired first).
    epochs, net, device, weights, from_scratch, shuffle, trainingsetindex, batch_size, save_epochs, seed, crop_size, \
overrides
        See :func:`openfield.pose.dlc.train`.
    overwrite
        Train again even when the record matches.

    Returns
    -------
    Path
        The last snapshot.
    """
    path = check_config(config)
    dlc.repair_project(path)  # first: a moved project's paths are not settings
    project = {k: v for k, v in read_yaml(path).items() if k not in MOVABLE_CONFIG_KEYS}
    labels = sorted(f for folder in labelled_folders(path.parent) for f in folder.glob("CollectedData_*"))
    ledger = Ledger(dlc.model_folder(path, shuffle, trainingsetindex) / "train", "training", overwrite)
    split = {"net": net, "shuffle": shuffle, "trainingsetindex": trainingsetindex, "project": project}
    dataset_fp = fingerprint("training_dataset", split, sources=labels)
    if not ledger.current("training_dataset", dataset_fp):  # new labels, settings or network: a new split
        _set_aside(dlc.snapshots(path, shuffle, trainingsetindex))
        pcfg = dlc.create_training_dataset(path, net=net, shuffle=shuffle, trainingsetindex=trainingsetindex)
        ledger.record("training_dataset", dataset_fp, {"pytorch_config": pcfg})
    settings = {"epochs": epochs, "weights": None if weights is None else str(Path(weights).resolve()),
                "from_scratch": from_scratch, "batch_size": batch_size, "save_epochs": save_epochs, "seed": seed,
                "crop_size": crop_size, "overrides": overrides or {}}
    fp = fingerprint("training", settings, inputs=[dataset_fp], sources=[weights] if weights is not None else [])
    if ledger.current("training", fp):
        log.info("shuffle %d already trained with these settings (%s), not trained again", shuffle,
                 ledger.records["training"]["outputs"]["snapshot"])
        return ledger.output("training", "snapshot")
    _set_aside(dlc.snapshots(path, shuffle, trainingsetindex))
    snapshot = Path(dlc.train(path, epochs=epochs, net=net, device=device, weights=weights, from_scratch=from_scratch,
                              shuffle=shuffle, trainingsetindex=trainingsetindex, batch_size=batch_size,
                              save_epochs=save_epochs, seed=seed, crop_size=crop_size, overrides=overrides))
    if snapshot.parent != ledger.out_dir:
        raise OpenfieldError("the training wrote its snapshot outside the shuffle's train folder", snapshot)
    ledger.record("training", fp, {"snapshot": snapshot})
    return snapshot


def _set_aside(snapshots: Sequence[Path]) -> None:
    """Move a shuffle's earlier snapshots into ``train/replaced-<UTC time>/`` before it is trained again."""
    if not snapshots:
        return
    folder = snapshots[0].parent / f"replaced-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    folder.mkdir(exist_ok=True)
    for p in snapshots[0].parent.glob("snapshot-*.pt"):
        os.replace(p, folder / p.name)
    log.info("the earlier snapshots of %s were moved into %s", snapshots[0].parent, folder.name)
