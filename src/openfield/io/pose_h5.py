"""DeepLabCut ``.h5`` pose tables read without unpickling anything (h5py, at the array level).

:func:`pandas.read_hdf` unpickles whatever the file holds: an ``object``
column of a "fixed" frame (a PyTables ``VLArray`` of pickles), and through
PyTables every attribute that looks like a pickle. A crafted file can so run
code on the reader's machine. DeepLabCut's own files are pandas frames of
float columns; this module reads exactly those, with :mod:`h5py`, which never
unpickles:

- "fixed" format (``df.to_hdf(path, key)``, DeepLabCut's ``CollectedData``
  and most outputs): ``block<i>_values`` (frames x columns, numbers) and the
  column index from ``block<i>_items_level<j>`` (byte strings) and
  ``block<i>_items_label<j>`` (codes);
- "table" format (``format="table"``, DeepLabCut's ``analyze_videos``):
  the ``table`` dataset's ``values_block_<i>`` fields (numbers), the column
  names from the attribute ``values_block_<i>_kind``: a pickle of a list of
  tuples of strings, read by :class:`_PlainUnpickler`, which builds lists,
  tuples, dicts, strings and numbers only and refuses every class or
  function (so no code can run).

Any block that is not numbers (objects, strings) is refused, naming the
file: openfield never unpickles a pose file.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError

#: What a refused file is told.
PICKLED_MESSAGE = ("holds columns stored as pickled Python objects ({what}); openfield reads only pose tables of "
                   "numbers and never unpickles a file (unpickling can run code). Export the pose as a "
                   "DeepLabCut CSV, or re-save it with numeric columns only")


class _PlainUnpickler(pickle.Unpickler):
    """An unpickler that builds plain data only: any class or function in the pickle is refused."""

    def find_class(self, module: str, name: str) -> Any:  # noqa: D102
        raise pickle.UnpicklingError(f"refused: the pickle names {module}.{name}")


def plain_unpickle(data: bytes) -> Any:
    """Lists, tuples, dicts, strings and numbers from a pickle; nothing else (no code can run).

    Raises
    ------
    pickle.UnpicklingError
        The pickle names a class or function, or is not a pickle.
    """
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError:
        raise
    except Exception as exc:  # a malformed pickle: EOFError, ValueError, IndexError, KeyError...
        raise pickle.UnpicklingError(f"not a plain pickle ({exc})") from exc


def _text(value: Any) -> str:
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _attr(obj: Any, name: str) -> Any:
    """An attribute as PyTables would give it (strings decoded; pickled values unpickled plainly)."""
    if name not in obj.attrs:
        return None
    value = obj.attrs[name]
    if isinstance(value, bytes | np.bytes_):
        raw = bytes(value)
        if raw.endswith(b".") and raw[:1] in (b"(", b"N", b"I", b"V", b"S", b"\x80", b"]", b"}", b"F", b"L"):
            try:
                return plain_unpickle(raw)
            except pickle.UnpicklingError:
                pass
        return raw.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _numbers(dataset: Any, path: Path, what: str) -> np.ndarray:
    """A dataset's values, which must be numbers (else the file is refused)."""
    dtype = dataset.dtype
    if dtype.kind == "O" or _attr(dataset, "CLASS") == "VLARRAY" or _attr(dataset, "PSEUDOATOM") == "object":
        raise OpenfieldError(PICKLED_MESSAGE.format(what=what), path)
    if dtype.kind not in "biuf":
        raise OpenfieldError(f"{what} is not numbers (HDF5 type {dtype}); a DeepLabCut pose table holds "
                             "numbers only", path)
    return np.asarray(dataset[()], dtype=float)


def _labels(group: Any, key: str, path: Path) -> pd.Index:
    """A pandas index stored by the fixed format under ``key`` (``regular`` or ``multi``)."""
    variety = _attr(group, f"{key}_variety")
    if variety == "multi":
        n = int(_attr(group, f"{key}_nlevels") or 0)
        levels, codes, names = [], [], []
        for j in range(n):
            level = group.get(f"{key}_level{j}")
            label = group.get(f"{key}_label{j}")
            if level is None or label is None:
                raise OpenfieldError(f"not a pandas table: {key} level {j} missing", path)
            if level.dtype.kind in "SU":
                levels.append([_text(v) for v in level[()]])
            elif level.dtype.kind in "biuf":
                levels.append(list(level[()]))
            else:
                raise OpenfieldError(PICKLED_MESSAGE.format(what=f"column names of {key}"), path)
            codes.append(np.asarray(label[()], dtype=np.intp))
            name = _attr(level, "name")
            names.append(None if name is None else str(name))
        return pd.MultiIndex(levels=levels, codes=codes, names=names)
    node = group.get(key)
    if node is None:
        raise OpenfieldError(f"not a pandas table: no {key}", path)
    if node.dtype.kind in "SU":
        return pd.Index([_text(v) for v in node[()]])
    if node.dtype.kind in "biuf":
        return pd.Index(node[()])
    raise OpenfieldError(PICKLED_MESSAGE.format(what=f"column names ({key})"), path)


def _fixed_frame(group: Any, path: Path) -> pd.DataFrame:
    """A pandas "fixed" frame: its blocks of numbers with their column names."""
    parts = []
    for i in range(int(_attr(group, "nblocks") or 0)):
        values = group.get(f"block{i}_values")
        if values is None:
            raise OpenfieldError(f"not a pandas table: block {i} missing", path)
        items = _labels(group, f"block{i}_items", path)
        arr = _numbers(values, path, f"block {i}: {', '.join(map(str, list(items)[:6]))}")
        if arr.ndim != 2 or arr.shape[1] != len(items):
            raise OpenfieldError(f"block {i} has shape {arr.shape} for {len(items)} columns", path)
        parts.append(pd.DataFrame(arr, columns=items))
    if not parts:
        raise OpenfieldError("the HDF5 table has no columns", path)
    if len(parts) == 1:
        return parts[0]
    return _in_order(pd.concat(parts, axis=1), _labels(group, "axis0", path))


def _in_order(frame: pd.DataFrame, columns: Any) -> pd.DataFrame:
    """The blocks' columns in the frame's own order (pandas groups them by type)."""
    order = pd.Index(columns) if not isinstance(columns, pd.Index) else columns
    if order.has_duplicates or frame.columns.has_duplicates or len(order) != frame.shape[1]:
        return frame
    try:
        return frame.loc[:, order]
    except KeyError:
        return frame


def _table_frame(group: Any, path: Path) -> pd.DataFrame:
    """A pandas "table" frame: the ``values_block_<i>`` fields of its ``table`` dataset."""
    table = group.get("table")
    if table is None or table.dtype.names is None:
        raise OpenfieldError("not a pandas table: no 'table' dataset", path)
    info = _attr(group, "info")
    names = None
    if isinstance(info, dict) and isinstance(info.get(1), dict):
        names = info[1].get("names")
    parts = []
    for field in table.dtype.names:
        if field == "index":
            continue
        kind = _attr(table, f"{field}_kind")
        if not isinstance(kind, list):
            raise OpenfieldError(PICKLED_MESSAGE.format(what=f"the names of {field}"), path)
        sub = table.dtype.fields[field][0]
        base = sub.base if sub.subdtype is not None else sub
        if base.kind == "O":
            raise OpenfieldError(PICKLED_MESSAGE.format(what=field), path)
        if base.kind not in "biuf":
            raise OpenfieldError(f"columns {kind[:6]} are not numbers (HDF5 type {base}); a DeepLabCut pose "
                                 "table holds numbers only", path)
        arr = np.asarray(table[field], dtype=float).reshape(len(table), -1)
        if arr.shape[1] != len(kind):
            raise OpenfieldError(f"{field} has {arr.shape[1]} columns for {len(kind)} names", path)
        if all(isinstance(k, tuple) for k in kind):
            columns = pd.MultiIndex.from_tuples(kind, names=names if names and len(names) == len(kind[0]) else None)
        else:
            columns = pd.Index(kind)
        parts.append(pd.DataFrame(arr, columns=columns))
    if not parts:
        raise OpenfieldError("the HDF5 table has no columns", path)
    if len(parts) == 1:
        return parts[0]
    axes = _attr(group, "non_index_axes")
    order = axes[0][1] if isinstance(axes, list) and axes and isinstance(axes[0], tuple) else None
    frame = pd.concat(parts, axis=1)
    return frame if order is None else _in_order(frame, order)


def read_h5_table(path: str | Path) -> pd.DataFrame:
    """The pandas frame in a DeepLabCut ``.h5`` file, read without unpickling (see the module docstring).

    The file must hold one pandas frame (DeepLabCut's key is
    ``df_with_missing``; with several, that one is read).

    Returns
    -------
    pandas.DataFrame
        Float columns, the file's column index (3 levels for DeepLabCut).

    Raises
    ------
    OpenfieldError
        Not an HDF5 file, no pandas frame in it, or a block that is not
        numbers (pickled objects are refused, never loaded).
    """
    path = Path(path)
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise OpenfieldError(f"not an HDF5 file, so not a DeepLabCut .h5 pose table ({exc})", path) from exc
    with fh:
        frames = {k: fh[k] for k in fh if isinstance(fh[k], h5py.Group) and _attr(fh[k], "pandas_type")}
        if not frames:
            raise OpenfieldError("the HDF5 file holds no pandas table (DeepLabCut's key is df_with_missing)", path)
        if len(frames) > 1 and "df_with_missing" not in frames:
            raise OpenfieldError(f"the HDF5 file holds several tables ({', '.join(sorted(frames))}); "
                                 "expected one", path)
        group = frames.get("df_with_missing") or next(iter(frames.values()))
        kind = _attr(group, "pandas_type")
        if kind == "frame":
            return _fixed_frame(group, path)
        if kind == "frame_table":
            return _table_frame(group, path)
        raise OpenfieldError(f"the HDF5 file holds a pandas {kind!r}, not a frame", path)
