"""Image datasets for the frame classifier: folders per class, split by source.

Three input forms, one output layout:

``folders``
    ``DIR/<class>/*.png`` (the original hand-sorted layout). The source of an
    image (for the split) is its file name without a trailing frame number,
    e.g. ``video3_frame0120.png`` -> ``video3``; the median of a source's
    images is its background for the crops.
``videos + labels``
    A video and a CSV of behaviour intervals (``start_s, end_s, behavior``)
    per video, read and mapped to classes by
    :func:`openfield.behavior.labels.read_interval_labels`; frames no
    interval covers are ``normal``. The source is the video.
``clips``
    Short videos whose file name gives the class (``rear_plus_hstacked.mp4``
    -> rearing, see :data:`CLIP_CLASSES`), possibly several panels side by
    side (the B-SOiD clips have three). Each panel is its own source.

The output folder holds ``<class>/<source>_f<frame>.png`` (mouse-centred
crops or full frames), ``manifest.csv`` (``path, label, source, group,
frame, time_s, split``), ``split.json`` (which groups are in train and
validation) and ``dataset.json`` (the settings it was built with). The files are written
and read by :mod:`openfield.io.behavior_dataset`.

Train and validation are split by *group* (a video, a clip panel, or a
whole clip), never by frame: neighbouring frames are near copies of each
other and would leak the answer into the validation set.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.behavior.crops import Cropper, CropSettings
from openfield.behavior.labels import BACKGROUND_NAMES, majority_vote, map_label_name, read_interval_labels
from openfield.behavior.timeline import intervals_to_frames
from openfield.errors import OpenfieldError
from openfield.io.behavior_dataset import (
    MANIFEST_COLUMNS,
    DatasetFolder,
    class_folder_images,
    folder_files,
    read_manifest,
    write_dataset_info,
    write_split,
)
from openfield.io.formats import VIDEO_SUFFIXES
from openfield.io.images import read_image
from openfield.io.pose import ARENA_KEYPOINTS, read_dlc
from openfield.io.video import VideoReader, video_background, video_info
from openfield.segmentation import median_background

log = logging.getLogger(__name__)

#: The background class: frames with no behaviour of interest.
BACKGROUND_CLASS = "normal"

#: Class of the B-SOiD example clips by file name (``None``: left out).
CLIP_CLASSES: dict[str, str | None] = {
    "rear_plus": "rearing",
    "rear_minus": "rearing",
    "face_groom": "grooming",
    "head_groom": "grooming",
    "body_groom": "grooming",
    "inactive": "normal",
    "investigate": "normal",
    "locomote": "normal",
    "orient_l": "normal",
    "orient_r": "normal",
    "itch": None,
}

SPLIT_BY = ("source", "clip")

_CLIP_SUFFIX = re.compile(r"[_\-](hstacked|stacked|clip)$", re.IGNORECASE)
_FRAME_NUMBER = re.compile(r"[_\-\s.]*(frame|img|image|f)?[_\-]?\d+$", re.IGNORECASE)


@dataclass
class DatasetSettings:
    """How a dataset is built (saved as ``dataset.json``).

    Attributes
    ----------
    every
        Keep every n-th frame of a video (1: all frames).
    panels
        Number of side-by-side panels in each clip (3: the B-SOiD layout;
        1 for ordinary clips). Videos with interval labels are never split.
    crop
        Crop settings (mouse-centred square or full frame).
    val_fraction
        Fraction of the groups of each class put in the validation set.
    split_by
        ``"source"`` (a video, a clip panel, a folder image's source) or
        ``"clip"`` (all panels of one clip together).
    seed
        Seed of the split.
    """

    every: int = 1
    panels: int = 3
    crop: CropSettings = field(default_factory=CropSettings)
    val_fraction: float = 0.3
    split_by: str = "source"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.every < 1:
            raise OpenfieldError(f"--every must be >= 1, got {self.every}")
        if self.panels < 1:
            raise OpenfieldError(f"--panels must be >= 1, got {self.panels}")
        if not 0 <= self.val_fraction < 1:
            raise OpenfieldError(f"the validation fraction must be in [0, 1), got {self.val_fraction}")
        if self.split_by not in SPLIT_BY:
            raise OpenfieldError(f"split by must be one of {SPLIT_BY}, not {self.split_by!r}")

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return {
            "every": self.every,
            "panels": self.panels,
            "crop": self.crop.to_dict(),
            "val_fraction": self.val_fraction,
            "split_by": self.split_by,
            "seed": self.seed,
        }


# --------------------------------------------------------------------------- names


def clip_class(path: str | os.PathLike[str]) -> str | None:
    """Class of a clip from its file name.

    ``rear_plus_hstacked.mp4`` -> ``rearing``: the name (without a
    ``_hstacked`` suffix) is looked up in :data:`CLIP_CLASSES`, then
    understood as a behaviour name by
    :func:`openfield.behavior.labels.map_label_name` (``rear*``,
    ``groom*``, ``normal``/``other``).

    Returns
    -------
    str or None
        The class, or None for clips that are left out (``itch``).

    Raises
    ------
    OpenfieldError
        When the name gives no class.
    """
    path = Path(path)
    name = _CLIP_SUFFIX.sub("", path.stem).lower()
    if name in CLIP_CLASSES:
        return CLIP_CLASSES[name]
    known, cls = map_label_name(name)
    if not known:
        raise OpenfieldError(
            "cannot tell the class from the file name (expected e.g. rear_plus, body_groom, "
            f"locomote, or a name starting with rear / groom / normal; known: {sorted(CLIP_CLASSES)})",
            path,
        )
    if cls in BACKGROUND_NAMES:
        return BACKGROUND_CLASS
    return cls


def image_source(path: str | os.PathLike[str]) -> str:
    """Source of a hand-sorted image: its name without a trailing frame number."""
    stem = Path(path).stem
    return _FRAME_NUMBER.sub("", stem) or stem


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


# --------------------------------------------------------------------------- streams


def split_panels(frame: np.ndarray, panels: int) -> list[np.ndarray]:
    """Cut a frame into ``panels`` equal side-by-side parts (left to right)."""
    if panels == 1:
        return [frame]
    w = frame.shape[1]
    edges = np.linspace(0, w, panels + 1).round().astype(int)
    return [frame[:, edges[i] : edges[i + 1]] for i in range(panels)]


def _video_background(path: Path, crop: CropSettings) -> np.ndarray | None:
    if crop.mode != "animal":
        return None
    return video_background(path)


# --------------------------------------------------------------------------- builder


class _Builder(DatasetFolder):
    """A :class:`~openfield.io.behavior_dataset.DatasetFolder` that keeps the build settings."""

    def __init__(self, out_dir: Path, settings: DatasetSettings) -> None:
        super().__init__(out_dir)
        self.settings = settings


def _add_folders(builder: _Builder, folders: Path) -> None:
    by_source: dict[str, list[tuple[str, Path]]] = {}
    for label, images in class_folder_images(folders):
        for p in images:
            source = _safe(image_source(p))  # frames of one video stay together across classes
            by_source.setdefault(source, []).append((label, p))
    for source, items in tqdm(sorted(by_source.items()), desc="folders", unit="source"):
        background = None
        if builder.settings.crop.mode == "animal" and len(items) >= 5:
            # the median of up to 25 images spread over the source (never all of them in memory)
            pick = np.unique(np.linspace(0, len(items) - 1, num=min(25, len(items))).astype(int))
            background = median_background([read_image(items[i][1]) for i in pick])
        cropper = Cropper(builder.settings.crop, background)
        rows = []
        for i, (label, p) in enumerate(items):
            image = read_image(p)
            if background is not None and image.shape != background.shape:
                raise OpenfieldError(f"image size {image.shape[:2]} differs from the other images of "
                                     f"source {source} {background.shape[:2]}", p)
            rel = builder.add_image(cropper(image), label, source, i)
            rows.append(
                {"path": rel, "label": label, "source": source, "group": source, "frame": i, "time_s": np.nan}
            )
        builder.finish(source, rows)


def _add_video(
    builder: _Builder, video: Path, frame_labels: np.ndarray | None, fixed_label: str | None,
    panels: int, pose_centres: np.ndarray | None = None,
) -> None:
    info = video_info(video)
    fps, n_frames = info.fps, info.n_frames
    stem = _safe(video.stem)
    sources = [stem] if panels == 1 else [f"{stem}_p{k}" for k in range(panels)]
    s = builder.settings
    background = _video_background(video, s.crop)
    bgs = split_panels(background, panels) if background is not None else [None] * panels
    croppers = [Cropper(s.crop, bg) for bg in bgs]
    rows: list[list[dict]] = [[] for _ in range(panels)]
    group = stem if s.split_by == "clip" else None
    for idx, frame in tqdm(VideoReader(video, every=s.every), desc=video.name, unit="frame",
                           total=(n_frames + s.every - 1) // s.every or None, leave=False):
        if frame_labels is not None:
            if idx >= len(frame_labels):
                break
            label = str(frame_labels[idx])
        else:
            label = str(fixed_label)
        for k, panel in enumerate(split_panels(frame, panels)):
            centre = None
            if pose_centres is not None and idx < len(pose_centres):
                centre = tuple(pose_centres[idx])
            rel = builder.add_image(croppers[k](panel, centre), label, sources[k], idx)
            rows[k].append({"path": rel, "label": label, "source": sources[k],
                            "group": group or sources[k], "frame": idx, "time_s": idx / fps})
    if not any(rows):
        raise OpenfieldError("the video has no readable frames", video)
    missed = sum(c.n_missed for c in croppers)
    if missed:
        log.info("%s: animal not found in %d crop(s); the last position was used", video.name, missed)
    for source, r in zip(sources, rows, strict=True):
        builder.finish(source, r)


def animal_centres(ds: Any, min_confidence: float = 0.5) -> np.ndarray:
    """Per-frame animal centre ``(n_frames, 2)`` of a pose Dataset (``openfield.io.pose`` layout).

    The centre is the median of the animal's keypoints (arena points left
    out) whose confidence is at least ``min_confidence``; NaN when none is.
    Used to place the ViT's crops from the pose a run already has.
    """
    keep = [k for k in ds["keypoints"].values if str(k).lower() not in ARENA_KEYPOINTS]
    one = ds.sel(keypoints=keep).isel(individuals=0)
    pos = one["position"].transpose("time", "keypoints", "space").values
    conf = one["confidence"].transpose("time", "keypoints").values
    pos = np.where((conf >= min_confidence)[..., None], pos, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames give NaN
        return np.nanmedian(pos, axis=1)


def pose_centres(path: str | os.PathLike[str], min_confidence: float = 0.5) -> np.ndarray:
    """:func:`animal_centres` of a DeepLabCut pose file."""
    return animal_centres(read_dlc(path), min_confidence)


def video_frame_labels(video: str | os.PathLike[str], labels: str | os.PathLike[str]) -> np.ndarray:
    """Per-frame classes of a video from its interval label CSV.

    Uses :func:`openfield.behavior.labels.read_interval_labels` (unknown
    behaviour names and ``end_s < start_s`` are errors) and
    :func:`~openfield.behavior.timeline.intervals_to_frames`; uncovered
    frames are :data:`BACKGROUND_CLASS`. With several raters, the majority
    label of each frame is used.
    """
    info = video_info(video)
    fps, n_frames = info.fps, info.n_frames
    table = read_interval_labels(labels)
    per_rater = intervals_to_frames(table, n_frames, fps, background=BACKGROUND_CLASS)
    if len(per_rater) == 1:
        return next(iter(per_rater.values()))
    return majority_vote(per_rater, tie=BACKGROUND_CLASS)


# --------------------------------------------------------------------------- split


def assign_splits(manifest: pd.DataFrame, val_fraction: float, seed: int = 0) -> dict[str, str]:
    """Put whole groups in train or validation, class by class.

    Each group is filed under its rarest class (the class of the fewest
    frames in the whole dataset among those it contains), so that a group
    holding a rare behaviour counts towards that behaviour. Within each
    class, a seeded shuffle puts ``round(val_fraction * n)`` groups (at
    least one and at most ``n - 1`` when there are two or more) in
    validation.

    Parameters
    ----------
    manifest
        Table with ``group`` and ``label`` columns (one row per image).
    val_fraction
        Target fraction of groups per class in validation (0: none).
    seed
        Seed of the shuffle.

    Returns
    -------
    dict
        Group -> ``"train"`` or ``"val"``.
    """
    rng = np.random.default_rng(seed)
    class_count = manifest["label"].value_counts()
    stratum = {}
    for group, labels in manifest.groupby("group", sort=True)["label"]:
        present = sorted(set(labels), key=lambda c: (class_count[c], c))
        stratum[group] = present[0]
    out = {}
    for cls in sorted(set(stratum.values())):
        groups = sorted(g for g, c in stratum.items() if c == cls)
        order = rng.permutation(len(groups))
        n = len(groups)
        n_val = 0 if val_fraction <= 0 or n < 2 else int(min(max(round(val_fraction * n), 1), n - 1))
        if val_fraction > 0 and n < 2:
            log.warning("class %s has a single source (%s): it is only in the training set", cls, groups[0])
        for rank, i in enumerate(order):
            out[groups[i]] = "val" if rank < n_val else "train"
    return out


# --------------------------------------------------------------------------- entry point


def build_dataset(
    out_dir: str | os.PathLike[str],
    folders: str | os.PathLike[str] | None = None,
    videos: Sequence[str | os.PathLike[str]] = (),
    labels: Sequence[str | os.PathLike[str]] = (),
    clips: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    poses: Sequence[str | os.PathLike[str]] = (),
    settings: DatasetSettings | None = None,
) -> pd.DataFrame:
    """Build an image dataset from class folders, labelled videos and/or named clips.

    Every image is extracted and written: :func:`openfield.pipeline.vit.dataset_step`
    (``openfield behavior dataset``) skips a build its ledger records with
    the same settings and inputs, and redraws only the split when that is
    all that changed.

    Parameters
    ----------
    out_dir
        Dataset folder to write (``<class>/*.png``, ``manifest.csv``,
        ``split.json``, ``dataset.json``).
    folders
        Root of ``<class>/*.png`` folders.
    videos, labels
        Videos and their interval label CSVs, in the same order.
    clips
        A folder of clips (every video file in it) or a list of clip files;
        the class comes from each file name (:func:`clip_class`).
    poses
        Optional DeepLabCut pose files for ``videos`` (same order) whose
        animal centre places the crops.
    settings
        Frame selection, crops and split; defaults when None.

    Returns
    -------
    pandas.DataFrame
        The manifest (one row per image, with its ``split``).

    Raises
    ------
    OpenfieldError
        No input, mismatched videos and labels, empty class folders,
        unreadable images or videos, unknown behaviours, bad intervals.
    """
    settings = settings or DatasetSettings()
    out = Path(out_dir)
    videos, labels, poses = [Path(v) for v in videos], [Path(v) for v in labels], [Path(p) for p in poses]
    if clips is not None and not isinstance(clips, (list, tuple)):
        clip_files = folder_files(clips, VIDEO_SUFFIXES, "clip folder not found", "no video clips in the folder")
    else:
        clip_files = [Path(c) for c in (clips or [])]
    if folders is None and not videos and not clip_files:
        raise OpenfieldError("nothing to build from: give class folders, videos with labels, or clips")
    if len(videos) != len(labels):
        raise OpenfieldError(
            f"{len(videos)} video(s) but {len(labels)} label file(s): give one label CSV per video"
        )
    if poses and len(poses) != len(videos):
        raise OpenfieldError(
            f"{len(videos)} video(s) but {len(poses)} pose file(s): give one per video or none"
        )
    # check every input before the long work starts
    frame_labels = [video_frame_labels(v, lab) for v, lab in zip(videos, labels, strict=True)]
    clip_labels = [clip_class(c) for c in clip_files]
    for c in clip_files:
        video_info(c)

    builder = _Builder(out, settings)
    write_dataset_info({"settings": settings.to_dict(), "complete": False}, out)
    if folders is not None:
        _add_folders(builder, Path(folders))
    for i, (v, fl) in enumerate(zip(videos, frame_labels, strict=True)):
        centres = pose_centres(poses[i]) if poses else None
        _add_video(builder, v, fl, None, 1, centres)
    for c, label in zip(clip_files, clip_labels, strict=True):
        if label is None:
            log.info("%s: left out (not one of the classes)", c.name)
            continue
        _add_video(builder, c, None, label, settings.panels)

    manifest = pd.concat(builder.tables, ignore_index=True)
    if manifest.empty:
        raise OpenfieldError("no images in the dataset", out)
    splits = assign_splits(manifest, settings.val_fraction, settings.seed)
    manifest["split"] = manifest["group"].map(splits)
    manifest = manifest[MANIFEST_COLUMNS]
    write_split(out, manifest, splits, settings.seed, settings.val_fraction, settings.split_by)
    classes = sorted(manifest["label"].unique())
    counts = manifest.groupby(["split", "label"]).size().unstack(fill_value=0)
    write_dataset_info(
        {
            "settings": settings.to_dict(),
            "complete": True,
            "classes": classes,
            "n_images": int(len(manifest)),
            "counts": {s: {c: int(v) for c, v in row.items()} for s, row in counts.iterrows()},
        },
        out,
    )
    log.info("dataset %s: %d images\n%s", out, len(manifest), counts.to_string())
    return manifest


def resplit_dataset(
    dataset_dir: str | os.PathLike[str], val_fraction: float | None = None, seed: int = 0
) -> pd.DataFrame:
    """Draw a new train / validation split of a finished dataset (no re-extraction).

    Rewrites ``manifest.csv``, ``split.json`` and the split settings in
    ``dataset.json``; the images stay. Useful to see how much a score
    depends on which sources happen to be in validation.

    Parameters
    ----------
    dataset_dir
        A folder written by :func:`build_dataset`.
    val_fraction
        New validation fraction (None: keep the dataset's).
    seed
        Seed of the new split.

    Returns
    -------
    pandas.DataFrame
        The new manifest.
    """
    d = Path(dataset_dir)
    manifest, info = read_manifest(d)
    settings = dict(info["settings"])
    settings["val_fraction"] = settings["val_fraction"] if val_fraction is None else float(val_fraction)
    settings["seed"] = int(seed)
    splits = assign_splits(manifest, settings["val_fraction"], seed)
    manifest["split"] = manifest["group"].map(splits)
    manifest = manifest[MANIFEST_COLUMNS]
    write_split(d, manifest, splits, seed, settings["val_fraction"], settings["split_by"])
    counts = manifest.groupby(["split", "label"]).size().unstack(fill_value=0)
    info.update(
        settings=settings,
        counts={k: {c: int(v) for c, v in row.items()} for k, row in counts.iterrows()},
    )
    write_dataset_info(info, d)
    return manifest
