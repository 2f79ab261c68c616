"""The classical tracker's silhouette table beside a pose file: ``frame`` then area, length and width in px.

See :mod:`openfield.behavior.silhouette` for what the columns mean and the features made of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.io.files import write_csv


def write_silhouette(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a silhouette table (:func:`openfield.behavior.silhouette.silhouette_table`) as CSV, atomically,
    3 decimals."""
    return write_csv(table.round(3), path)


def read_silhouette(path: str | os.PathLike[str], measures: Sequence[str], n_frames: int | None = None,
                    optional: Sequence[str] = ()) -> xr.DataArray:
    """Read a silhouette table written by :func:`write_silhouette`.

    Parameters
    ----------
    path
        The CSV.
    measures
        Its columns besides ``frame`` (:data:`openfield.behavior.silhouette.MEASURES`).
    n_frames
        The frames of its pose; the table must have exactly these.
    optional
        Columns read when the table has them (:data:`openfield.behavior.silhouette.OPTIONAL`:
        ``outline_change``, absent from tables written before it existed).

    Returns
    -------
    xarray.DataArray
        Dims ``(time, silhouette_measure)``, the ``measures`` then the ``optional`` ones present.

    Raises
    ------
    OpenfieldError
        Naming the file: missing, unreadable, a column missing or not
        numeric, a negative value, an outline change above 1, frames not
        numbered 0, 1, 2..., or not as many rows as the pose has frames.
    """
    path = Path(path)
    if not path.is_file():
        raise OpenfieldError("silhouette table not found", path)
    try:
        table = pd.read_csv(path)
    except (ValueError, OSError) as exc:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise OpenfieldError(f"cannot read the silhouette table ({exc})", path) from exc
    missing = [c for c in ("frame", *measures) if c not in table.columns]
    if missing:
        raise OpenfieldError(
            f"not a silhouette table: columns {missing} missing (expected frame, {', '.join(measures)})", path
        )
    measures = [*measures, *(o for o in optional if o in table.columns)]
    for c in ("frame", *measures):
        if not pd.api.types.is_numeric_dtype(table[c]):
            raise OpenfieldError(f"column {c!r} of the silhouette table is not numeric", path)
    values = table[list(measures)].to_numpy(float)
    if (values < 0).any():
        raise OpenfieldError("the silhouette table has negative areas or lengths", path)
    if "outline_change" in table.columns and (table["outline_change"].to_numpy(float) > 1).any():
        raise OpenfieldError("the silhouette table's outline_change exceeds 1 (it is a fraction of the pixels)", path)
    if not np.array_equal(table["frame"].to_numpy(), np.arange(len(table))):
        raise OpenfieldError("the silhouette table's frames are not numbered 0, 1, 2, ... in order", path)
    if n_frames is not None and len(table) != n_frames:
        raise OpenfieldError(
            f"the silhouette table has {len(table)} frames but its pose has {n_frames} (not the same video?)", path
        )
    return xr.DataArray(values, dims=("time", "silhouette_measure"),
                        coords={"silhouette_measure": list(measures)})
