"""The files of an image dataset folder: the one place that writes and reads them.

:mod:`openfield.behavior.dataset` builds the dataset while it streams
through images and videos; every file it produces goes through here:
``<class>/<source>_f<frame>.png`` (the crops), ``manifest.csv``,
``split.json`` and ``dataset.json``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write, write_csv, write_json
from openfield.io.formats import IMAGE_SUFFIXES

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = ["path", "label", "source", "group", "frame", "time_s", "split"]
SOURCE_COLUMNS = MANIFEST_COLUMNS[:-1]


def write_png(image: np.ndarray, path: str | os.PathLike[str]) -> None:
    """Write a BGR image as PNG, atomically."""
    path = Path(path)
    with atomic_write(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise OpenfieldError("cannot write the image", path)


class DatasetFolder:
    """A dataset folder being written: its images and the rows of its finished sources.

    It writes every image (whether a dataset must be built is decided by
    :func:`openfield.pipeline.vit.dataset_step` through the folder's ledger).

    Parameters
    ----------
    out_dir
        The dataset folder.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.tables: list[pd.DataFrame] = []

    def finish(self, source: str, rows: list[dict]) -> None:
        """Keep the rows of a finished source (one per image)."""
        self.tables.append(pd.DataFrame(rows, columns=SOURCE_COLUMNS))

    def add_image(self, image: np.ndarray, label: str, source: str, frame: int) -> str:
        """Write one image; its path relative to the folder."""
        rel = f"{label}/{source}_f{frame:06d}.png"
        write_png(image, self.out_dir / rel)
        return rel


def write_split(out_dir: str | os.PathLike[str], manifest: pd.DataFrame, splits: Mapping[str, str],
                seed: int, val_fraction: float, split_by: str) -> None:
    """Write ``manifest.csv`` and ``split.json`` (which groups are in train and validation)."""
    out = Path(out_dir)
    write_csv(manifest, out / "manifest.csv")
    write_json(
        {
            "seed": seed,
            "val_fraction": val_fraction,
            "split_by": split_by,
            "train": sorted(g for g, s in splits.items() if s == "train"),
            "val": sorted(g for g, s in splits.items() if s == "val"),
        },
        out / "split.json",
    )


def write_dataset_info(info: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> Path:
    """Write ``dataset.json`` (settings, completeness, classes, counts)."""
    return write_json(dict(info), Path(out_dir) / "dataset.json")


def read_manifest(dataset_dir: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict]:
    """Read a dataset's manifest and settings, checking they are complete.

    Returns
    -------
    tuple
        The manifest (with absolute ``file`` paths added) and ``dataset.json``.

    Raises
    ------
    OpenfieldError
        Missing folder, manifest or images.
    """
    d = Path(dataset_dir)
    if not d.is_dir():
        raise OpenfieldError("dataset folder not found", d)
    mpath, ipath = d / "manifest.csv", d / "dataset.json"
    if not mpath.exists() or not ipath.exists():
        raise OpenfieldError("not a finished dataset (no manifest.csv / dataset.json): run "
                             "`openfield behavior dataset` first", d)
    info = json.loads(ipath.read_text())
    manifest = pd.read_csv(mpath)
    missing = [c for c in MANIFEST_COLUMNS if c not in manifest.columns]
    if missing:
        raise OpenfieldError(f"manifest is missing column(s) {missing}", mpath)
    manifest["file"] = [str(d / p) for p in manifest["path"]]
    return manifest, info


def class_folder_images(root: str | os.PathLike[str]) -> list[tuple[str, list[Path]]]:
    """The images of each class folder ``root/<class>/*.png`` (folders and images sorted; hidden folders left out).

    Raises
    ------
    OpenfieldError
        Naming the folder: no root, no class folder in it, a class folder without images.
    """
    root = Path(root)
    if not root.is_dir():
        raise OpenfieldError("class folder root not found (expected DIR/<class>/*.png)", root)
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise OpenfieldError("no class folders inside (expected DIR/<class>/*.png)", root)
    out = []
    for d in class_dirs:
        images = sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise OpenfieldError("class folder has no images (.png, .jpg, ...)", d)
        out.append((d.name, images))
    return out


def folder_files(folder: str | os.PathLike[str], suffixes: Iterable[str], missing: str, empty: str) -> list[Path]:
    """The files of ``folder`` with one of ``suffixes`` (lower case), sorted.

    Raises
    ------
    OpenfieldError
        Naming the folder: ``missing`` when it is not there, ``empty`` when it holds no such file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OpenfieldError(missing, folder)
    suffixes = set(suffixes)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes)
    if not files:
        raise OpenfieldError(empty, folder)
    return files
