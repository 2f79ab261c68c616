"""DeepLabCut pose tables <-> the openfield pose dataset.

The pose dataset is the one data model every stage passes around. It follows
the layout of the ``movement`` package (so its functions apply to it too):

- ``position``: float, dims ``(time, space, keypoints, individuals)``, pixels;
  ``space`` is ``["x", "y"]``; missing points are NaN.
- ``confidence``: float, dims ``(time, keypoints, individuals)``, the
  DeepLabCut likelihood in [0, 1].
- coordinate ``time``: seconds when the frame rate is known, else frame index.
- ``attrs``: ``fps`` (float or None), ``source_file``, ``source_software``,
  ``scorer``, ``time_unit`` ("seconds" or "frames").

Only single-animal files are read; ``individuals`` has one entry.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write

#: Body-part names that belong to the arena, never to the animal.
ARENA_KEYPOINTS = frozenset(
    {"tl", "tr", "br", "bl", "centre", "center", "arena_tl", "arena_tr", "arena_br", "arena_bl"}
)

_HEADER_NAMES = ["scorer", "bodyparts", "coords"]


def from_numpy(
    position: np.ndarray,
    confidence: np.ndarray | None,
    keypoints: Sequence[str],
    fps: float | None = None,
    source_file: str | None = None,
    source_software: str = "DeepLabCut",
    scorer: str = "",
    individual: str = "individual_0",
) -> xr.Dataset:
    """Build a pose dataset from arrays.

    Parameters
    ----------
    position
        Array of shape ``(n_frames, n_keypoints, 2)`` with x, y in pixels.
    confidence
        Array of shape ``(n_frames, n_keypoints)``; ``None`` means all 1.
    keypoints
        Names of the keypoints, in the order of the second axis.
    fps
        Frames per second, if known.
    source_file, source_software, scorer
        Provenance, kept in ``attrs``.
    individual
        Name of the single individual.

    Returns
    -------
    xarray.Dataset
        The pose dataset described in the module docstring.
    """
    position = np.asarray(position, dtype=float)
    if position.ndim != 3 or position.shape[2] != 2:
        raise ValueError(f"position must have shape (frames, keypoints, 2), got {position.shape}")
    n_frames, n_kp, _ = position.shape
    if len(keypoints) != n_kp:
        raise ValueError(f"{len(keypoints)} keypoint names for {n_kp} keypoints")
    if confidence is None:
        confidence = np.where(np.isnan(position).any(axis=2), np.nan, 1.0)
    confidence = np.asarray(confidence, dtype=float)
    if fps is not None and not fps > 0:
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    time = np.arange(n_frames) / fps if fps else np.arange(n_frames)
    ds = xr.Dataset(
        {
            "position": (
                ("time", "space", "keypoints", "individuals"),
                position.transpose(0, 2, 1)[..., np.newaxis],
            ),
            "confidence": (("time", "keypoints", "individuals"), confidence[..., np.newaxis]),
        },
        coords={
            "time": time,
            "space": ["x", "y"],
            "keypoints": list(keypoints),
            "individuals": [individual],
        },
        attrs={
            "fps": float(fps) if fps else None,
            "time_unit": "seconds" if fps else "frames",
            "source_file": source_file,
            "source_software": source_software,
            "scorer": scorer,
            "ds_type": "poses",
        },
    )
    return ds


def _check_csv_header(path: Path) -> None:
    """Look at the first rows of a CSV and explain what is wrong with them."""
    with path.open(newline="") as fh:
        rows = [row for _, row in zip(range(4), csv.reader(fh), strict=False)]
    if not rows:
        raise OpenfieldError("file is empty", path)
    first = [r[0].strip().lower() if r else "" for r in rows]
    if len(first) > 1 and first[1] == "individuals":
        raise OpenfieldError(
            "this is a multi-animal DeepLabCut file (it has an 'individuals' header row); "
            "openfield reads single-animal files only",
            path,
        )
    if first[:3] != _HEADER_NAMES:
        raise OpenfieldError(
            "not a DeepLabCut pose table: expected 3 header rows named "
            f"scorer, bodyparts, coords; the first column reads {first[:3]}",
            path,
        )
    if len(rows) < 4:
        raise OpenfieldError("the file has a header but no frames", path)


def _table_to_dataset(df: pd.DataFrame, path: Path, fps: float | None) -> xr.Dataset:
    names = [n if n is None else str(n).lower() for n in df.columns.names]
    if "individuals" in names:
        raise OpenfieldError(
            "this is a multi-animal DeepLabCut file (it has an 'individuals' column level); "
            "openfield reads single-animal files only",
            path,
        )
    if df.columns.nlevels != 3:
        raise OpenfieldError(
            f"not a DeepLabCut pose table: expected 3 column levels (scorer, bodyparts, coords), "
            f"found {df.columns.nlevels}",
            path,
        )
    if len(df) == 0:
        raise OpenfieldError("the file has a header but no frames", path)
    scorers = df.columns.get_level_values(0).unique()
    if len(scorers) != 1:
        raise OpenfieldError(f"expected one scorer, found {list(scorers)}", path)
    keypoints = list(dict.fromkeys(df.columns.get_level_values(1)))
    data = []
    for kp in keypoints:
        sub = df.xs(kp, axis=1, level=1)
        coords = [str(c).lower() for c in sub.columns.get_level_values(-1)]
        if sorted(coords) != ["likelihood", "x", "y"]:
            raise OpenfieldError(
                f"body part {kp!r} has columns {coords}; expected x, y, likelihood", path
            )
        sub.columns = coords
        try:
            values = sub[["x", "y", "likelihood"]].apply(pd.to_numeric, errors="raise")
        except (ValueError, TypeError) as exc:
            raise OpenfieldError(f"body part {kp!r} has a value that is not a number ({exc})", path) from exc
        data.append(values.to_numpy(dtype=float))
    arr = np.stack(data, axis=1)  # (frames, keypoints, 3)
    return from_numpy(
        arr[..., :2],
        arr[..., 2],
        keypoints,
        fps=fps,
        source_file=str(path),
        scorer=str(scorers[0]),
    )


def read_dlc(path: str | os.PathLike[str], fps: float | None = None) -> xr.Dataset:
    """Read a single-animal DeepLabCut pose file (.csv or .h5).

    Parameters
    ----------
    path
        A DeepLabCut output table: CSV with the three header rows
        (scorer, bodyparts, coords) or the HDF5 file written beside it.
        Any scorer name and any body parts.
    fps
        Frames per second of the video, if known; stored in ``attrs``.

    Returns
    -------
    xarray.Dataset
        The pose dataset (see module docstring).

    Raises
    ------
    OpenfieldError
        Naming the file and the problem: missing, empty, not a DeepLabCut
        table, multi-animal, non-numeric values.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("file not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a DeepLabCut .csv or .h5 file", path)
    if path.stat().st_size == 0:
        raise OpenfieldError("file is empty", path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _check_csv_header(path)
        try:
            df = pd.read_csv(path, header=[0, 1, 2], index_col=0)
        except (ValueError, pd.errors.ParserError) as exc:
            raise OpenfieldError(f"cannot parse as a DeepLabCut CSV ({exc})", path) from exc
    elif suffix in {".h5", ".hdf5"}:
        try:
            df = pd.read_hdf(path)
        except (ValueError, KeyError, OSError, ImportError) as exc:
            raise OpenfieldError(f"cannot read as a DeepLabCut HDF5 table ({exc})", path) from exc
        if not isinstance(df, pd.DataFrame):
            raise OpenfieldError("the HDF5 file does not hold a table", path)
    else:
        raise OpenfieldError(
            f"unknown file type {path.suffix!r}: expected a DeepLabCut .csv or .h5 file", path
        )
    return _table_to_dataset(df, path, fps)


def to_dlc_dataframe(ds: xr.Dataset, scorer: str | None = None) -> pd.DataFrame:
    """Convert a pose dataset to a DeepLabCut-layout table (3 column levels)."""
    scorer = scorer or ds.attrs.get("scorer") or "openfield"
    pos = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    conf = ds["confidence"].isel(individuals=0).transpose("time", "keypoints").values
    keypoints = [str(k) for k in ds["keypoints"].values]
    columns = pd.MultiIndex.from_product(
        [[scorer], keypoints, ["x", "y", "likelihood"]], names=_HEADER_NAMES
    )
    values = np.concatenate([pos, conf[..., np.newaxis]], axis=2).reshape(len(pos), -1)
    return pd.DataFrame(values, columns=columns)


def write_dlc_csv(ds: xr.Dataset, path: str | os.PathLike[str], scorer: str | None = None) -> Path:
    """Write a pose dataset as a DeepLabCut CSV (atomically).

    Parameters
    ----------
    ds
        The pose dataset.
    path
        Output CSV path.
    scorer
        Scorer name in the first header row; defaults to ``ds.attrs['scorer']``.

    Returns
    -------
    Path
        The written file.
    """
    df = to_dlc_dataframe(ds, scorer)
    with atomic_write(path) as tmp:
        df.to_csv(tmp)
    return Path(path)
