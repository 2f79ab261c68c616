"""Pose files <-> the openfield pose dataset: DeepLabCut tables, and every format ``movement`` reads.

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

:func:`read_pose` reads a pose file of any tool: DeepLabCut ``.csv``/``.h5``
with openfield's own reader (:func:`read_dlc`: no unpickling, the fast CSV
path below), and SLEAP (``.slp``, analysis ``.h5``), LightningPose (``.csv``),
Anipose (3-D ``.csv``) and NWB (``.nwb``) through :mod:`movement.io`
(:func:`movement.io.load_dataset`), each then put in the layout below. The
tool is given (``source_software``, ``openfield kinematics --source-software``)
or told from the file (:func:`source_software_of`).

A DeepLabCut CSV is read by pyarrow when it has the plain layout (three
header rows, one name per column): its header rows by the ``csv`` module,
its numbers by :func:`pyarrow.csv.read_csv`, several times faster than
:func:`pandas.read_csv`. Any other file, or one pyarrow cannot parse, is read
by :func:`pandas.read_csv` (``header=[0, 1, 2], index_col=0``), which gives
the same table, or the error messages. Both read each number as the value
closest to its decimal (pandas with ``float_precision="round_trip"``; its
default parser can be off in the last digits of a long decimal, ~1e-12).
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.io.pose_h5 import read_h5_table
from openfield.lazy import xarray_without_dask

log = logging.getLogger(__name__)

xarray_without_dask()  # dask: a heavy optional dependency, loaded lazily (only once something uses dask.array)

#: Body-part names that belong to the arena, never to the animal.
ARENA_KEYPOINTS = frozenset(
    {"tl", "tr", "br", "bl", "centre", "center", "arena_tl", "arena_tr", "arena_br", "arena_bl"}
)

_HEADER_NAMES = ["scorer", "bodyparts", "coords"]

#: pandas' default missing-value strings (:func:`pandas.read_csv`'s ``na_values``): NaN for the fast reader too.
_NA_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
              "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


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


def _check_csv_header(path: Path) -> list[list[str]]:
    """Look at the first rows of a CSV and explain what is wrong with them; return them (up to 4)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [row for _, row in zip(range(4), csv.reader(fh), strict=False)]
    except UnicodeDecodeError as exc:
        raise OpenfieldError(f"not a text (UTF-8) file, so not a DeepLabCut CSV ({exc})", path) from exc
    except csv.Error as exc:
        raise OpenfieldError(f"cannot parse as a DeepLabCut CSV ({exc})", path) from exc
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
    return rows


def _plain_header(rows: list[list[str]]) -> bool:
    """Whether a CSV's first rows are a header pandas reads as it is: 3 rows, one name per column.

    Not plain (left to pandas): a row of another length, an empty name
    (pandas names it ``Unnamed: ...``) or one over several lines, a column
    named twice, or a fourth row with nothing after its first cell (pandas
    takes it for the index's name).
    """
    header, first_frame = rows[:3], rows[3]
    width = len(header[0])
    if width < 2 or any(len(r) != width for r in header):
        return False
    columns = list(zip(*(r[1:] for r in header), strict=True))
    if any(name == "" or "\n" in name or "\r" in name for col in columns for name in col):
        return False
    if len(set(columns)) != len(columns):
        return False
    return any(cell != "" for cell in first_frame[1:])


def _read_csv_pyarrow(path: Path, rows: list[list[str]]) -> pd.DataFrame | None:
    """The table :func:`pandas.read_csv` gives (``header=[0, 1, 2], index_col=0``), read by pyarrow.

    ``rows``: the file's first rows (:func:`_check_csv_header`). The first
    column (frame numbers) is not read: the dataset numbers the frames
    itself. Returns None where pyarrow cannot be used or the answer could
    differ from pandas': no pyarrow, a header that is not plain
    (:func:`_plain_header`), a value pyarrow cannot parse as a number (a
    word, a row of another length...), an infinite one (pandas reads
    ``1e400`` as text) or a NaN not written as one of pandas' words for a
    missing value (``NAN``).
    """
    if not _plain_header(rows):
        return None
    try:
        import pyarrow as pa  # optional fast path
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    names = [f"c{i}" for i in range(len(rows[0]))]
    try:
        table = pacsv.read_csv(
            path,
            # one thread: in a fresh process (each command, each worker) pyarrow's pool costs more CPU than it
            # saves wall time on the 2-core machine measured (hour of pose: 0.26 s CPU / 0.19 s wall against
            # 0.39-0.46 / 0.24-0.29 s threaded), and `--jobs N` workers already fill the cores
            read_options=pacsv.ReadOptions(skip_rows=3, column_names=names, use_threads=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names[1:], pa.float64()), include_columns=names[1:],
                null_values=list(_NA_VALUES),
            ),
        )
    except pa.ArrowException:  # (pandas then reads it, or says what is wrong)
        return None
    values = np.empty((table.num_columns, table.num_rows))
    for i, column in enumerate(table.columns):
        start = 0
        for chunk in column.chunks:  # (no concatenated copy of the column)
            values[i, start : start + len(chunk)] = chunk.to_numpy(zero_copy_only=False)  # nulls -> NaN
            start += len(chunk)
    nulls = sum(column.null_count for column in table.columns)
    if np.count_nonzero(np.isfinite(values)) + nulls != values.size:
        return None  # an infinity, or a NaN written otherwise than pandas' words ("NAN")
    columns = pd.MultiIndex.from_tuples(list(zip(*(r[1:] for r in rows[:3]), strict=True)),
                                        names=[r[0] for r in rows[:3]])
    return pd.DataFrame(values.T, columns=columns)


def _table_to_dataset(df: pd.DataFrame, path: Path, fps: float | None) -> xr.Dataset:
    """A DeepLabCut table (3 column levels) -> the pose dataset, checking its columns and values.

    A table of numbers is taken at once (a view of its columns in
    DeepLabCut's own layout, else one gather); any other is converted body
    part by body part with :func:`pandas.to_numeric`, whose message names the
    first value that is not a number.
    """
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
    if len(scorers) > 1:
        # a table re-saved by pandas from a one-level read numbers repeated names: "scorer", "scorer.1", ...
        base = {re.sub(r"\.\d+$", "", str(s)) for s in scorers}
        if len(base) == 1:
            log.info("%s: scorer names %s... taken as one scorer, %s (numbered by pandas on a re-save)",
                     path, ", ".join(map(str, scorers[:2])), next(iter(base)))
            df = df.copy()
            df.columns = pd.MultiIndex.from_tuples([(next(iter(base)), *c[1:]) for c in df.columns],
                                                   names=df.columns.names)
            scorers = df.columns.get_level_values(0).unique()
    if len(scorers) != 1:
        raise OpenfieldError(f"expected one scorer, found {list(scorers)}", path)
    bodyparts = df.columns.get_level_values(1)
    coords = [str(c).lower() for c in df.columns.get_level_values(-1)]
    keypoints = list(dict.fromkeys(bodyparts))
    numeric = all(isinstance(t, np.dtype) and t.kind in "biuf" for t in df.dtypes)
    order = np.empty((len(keypoints), 3), dtype=np.intp)  # the columns of each keypoint's x, y, likelihood
    data = []
    for i, kp in enumerate(keypoints):
        where = np.flatnonzero(bodyparts == kp)
        kp_coords = [coords[j] for j in where]
        if sorted(kp_coords) != ["likelihood", "x", "y"]:
            raise OpenfieldError(
                f"body part {kp!r} has columns {kp_coords}; expected x, y, likelihood", path
            )
        order[i] = [where[kp_coords.index(c)] for c in ("x", "y", "likelihood")]
        if not numeric:  # (a table of numbers needs no conversion: taken at once below)
            try:
                values = df.iloc[:, order[i]].apply(pd.to_numeric, errors="raise")
            except (ValueError, TypeError) as exc:
                raise OpenfieldError(f"body part {kp!r} has a value that is not a number ({exc})", path) from exc
            data.append(values.to_numpy(dtype=float))
    if numeric:
        by_column = df.to_numpy(dtype=float).T  # (columns, frames): a view of pandas' block
        if by_column.flags.c_contiguous and np.array_equal(order.ravel(), np.arange(order.size)):
            # DeepLabCut's own layout (x, y, likelihood of each body part in turn): a view, no copy
            arr = by_column.reshape(len(keypoints), 3, len(df)).transpose(2, 0, 1)
        else:
            arr = by_column[order.T].transpose(2, 1, 0)  # (frames, keypoints, 3), each series contiguous
    else:
        arr = np.stack(data, axis=1)
    return from_numpy(
        arr[..., :2],
        arr[..., 2],
        keypoints,
        fps=fps,
        source_file=str(path),
        scorer=str(scorers[0]),
    )


def _read_csv_pandas(path: Path) -> pd.DataFrame:
    """A DeepLabCut CSV read by :func:`pandas.read_csv` (each number the value closest to its decimal)."""
    try:
        return pd.read_csv(path, header=[0, 1, 2], index_col=0, float_precision="round_trip")
    except (ValueError, pd.errors.ParserError) as exc:
        raise OpenfieldError(f"cannot parse as a DeepLabCut CSV ({exc})", path) from exc


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
        table, multi-animal, non-numeric values; an ``.h5`` holding pickled
        (object) columns is refused without unpickling anything
        (:mod:`openfield.io.pose_h5`).
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
        df = _read_csv_pyarrow(path, _check_csv_header(path))
        if df is None:
            df = _read_csv_pandas(path)
    elif suffix in {".h5", ".hdf5"}:
        df = read_h5_table(path)  # h5py at the array level: nothing in the file is unpickled
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


#: The tools whose pose files :func:`read_pose` reads (``movement``'s names for them).
SOURCE_SOFTWARE = ("DeepLabCut", "SLEAP", "LightningPose", "Anipose", "NWB")

#: Columns of an Anipose table that are not body parts (the first is ``fnum``, the frame number).
_ANIPOSE_SUFFIXES = ("_x", "_y", "_z", "_score", "_error", "_ncams")


def source_software_of(path: str | os.PathLike[str]) -> str:
    """The tool that wrote a pose file, told from its name and first bytes.

    ``.slp`` and ``.nwb`` by their suffix; an ``.h5`` holding SLEAP's ``tracks``
    is SLEAP's analysis file, any other DeepLabCut's; a ``.csv`` whose header
    has Anipose's ``fnum`` and ``<part>_x``/``_z``/``_score`` columns is
    Anipose's, any other DeepLabCut's (a LightningPose CSV has DeepLabCut's
    layout and reads the same; name it to have it recorded as LightningPose).

    Raises
    ------
    OpenfieldError
        Naming the file: missing, or a suffix no reader takes.
    """
    path = Path(path)
    if not path.is_file():
        raise OpenfieldError("pose file not found", path)
    suffix = path.suffix.lower()
    if suffix == ".slp":
        return "SLEAP"
    if suffix == ".nwb":
        return "NWB"
    if suffix in {".h5", ".hdf5"}:
        try:
            with h5py.File(path, "r") as f:
                return "SLEAP" if "tracks" in f else "DeepLabCut"
        except OSError:
            return "DeepLabCut"  # not HDF5: DeepLabCut's reader says what is wrong with it
    if suffix == ".csv":
        with open(path, encoding="utf-8", errors="replace") as f:
            header = f.readline().strip().split(",")
        anipose = "fnum" in header and any(c.endswith("_z") for c in header)
        return "Anipose" if anipose else "DeepLabCut"
    raise OpenfieldError(
        f"unknown pose file type {path.suffix!r}: expected DeepLabCut or LightningPose .csv/.h5, SLEAP .slp/.h5, "
        "Anipose .csv or NWB .nwb", path)


def read_pose(path: str | os.PathLike[str], fps: float | None = None,
              source_software: str | None = None) -> xr.Dataset:
    """Read a single-animal pose file of any tool ``movement`` reads, as the openfield pose dataset.

    Parameters
    ----------
    path
        The pose file.
    fps
        Frames per second of the video, if known (an NWB file's own rate is
        used when this is None).
    source_software
        One of :data:`SOURCE_SOFTWARE`; None tells it from the file
        (:func:`source_software_of`).

    Returns
    -------
    xarray.Dataset
        The pose dataset (see the module docstring), ``attrs["source_software"]``
        the tool. An Anipose file's points are 3-D: their ``x`` and ``y`` are
        kept (``z`` left out, with a warning) in the file's own unit.

    Raises
    ------
    OpenfieldError
        Naming the file: an unknown tool, a file its tool's reader refuses,
        several animals.
    """
    path = Path(path)
    if source_software is not None and source_software not in SOURCE_SOFTWARE:
        raise OpenfieldError(f"unknown source software {source_software!r}; use one of {', '.join(SOURCE_SOFTWARE)}",
                             path)
    software = source_software or source_software_of(path)
    if software == "DeepLabCut":
        return read_dlc(path, fps)
    if not path.is_file():
        raise OpenfieldError("pose file not found", path)
    from movement.io import load_dataset  # lazy: movement takes ~1.8 s to import

    try:
        ds = load_dataset(path, software, fps=fps)
    except (ValueError, OSError, KeyError, TypeError, AttributeError) as exc:
        raise OpenfieldError(f"cannot read as a {software} pose file ({type(exc).__name__}: {exc})", path) from exc
    return _from_movement(ds, path, fps, software)


def _from_movement(ds: xr.Dataset, path: Path, fps: float | None, software: str) -> xr.Dataset:
    """A ``movement`` poses dataset in openfield's layout (one animal, x and y in the file's unit)."""
    n = ds.sizes.get("individuals", 1)
    if n != 1:
        raise OpenfieldError(f"the file has {n} animals (individuals); openfield reads single-animal poses", path)
    space = [str(s) for s in ds["space"].values]
    if "z" in space:
        log.warning("%s: 3-D points: x and y kept, z left out (units those of the file)", path)
    position = ds["position"].sel(space=["x", "y"]).isel(individuals=0).transpose("time", "keypoints", "space")
    confidence = ds["confidence"].isel(individuals=0).transpose("time", "keypoints").values
    rate = fps if fps is not None else ds.attrs.get("fps")
    rate = float(rate) if rate is not None and np.isfinite(rate) and rate > 0 else None
    return from_numpy(position.values, confidence,
                      [str(k) for k in ds["keypoints"].values], fps=rate, source_file=str(path),
                      source_software=software)
