"""The classical tracker's silhouette beside the pose: its table, and the features it gives.

The tracker measures, per frame, the animal's blob seen from above
(:func:`openfield.tracking.track_frames`, ``ds["silhouette"]``): its area
(px², tail included), its length (nose to tail base along its axis, px) and
its width (across the axis, px). A mouse rearing seen from above is shorter
and rounder. The pose CSV (DeepLabCut layout) has no place for these, so the
pose step writes them beside it as ``<stem>_silhouette.csv`` (columns
``frame, area_px, length_px, width_px, outline_change``; empty where no animal
was found), and the pose classifier reads them back (:func:`openfield.io.silhouette.read_silhouette`,
then :func:`add_silhouette`). ``outline_change`` (the share of the blob's pixels
changed since the previous frame, :func:`openfield.mobility.outline_change`)
gives the kinematics' mobility states; the classifier's features do not use it,
and a table written before it existed reads without it (no mobility states).
This module takes and returns data; the table's file is read and written in
:mod:`openfield.io.silhouette`, named in :func:`openfield.pipeline.paths.silhouette_path`.

Features (:func:`silhouette_features`) are either in cm (pixels divided by the
calibration's ``px_per_cm``; areas by its square) or free of scale (ratios),
so a model trained at one resolution applies at another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.tracking import SILHOUETTE_MEASURES

#: Window of the animal's own running median (s), as for the pose's body length.
RUNNING_MEDIAN_S = 10.0
#: The measures every table has (the classifier's); then those written when the dataset has them
#: (``outline_change``: not in tables written before it existed, nor in silhouettes made without the tracker).
MEASURES = ("area_px", "length_px", "width_px")
OPTIONAL = tuple(m for m in SILHOUETTE_MEASURES if m not in MEASURES)


def silhouette_table(ds: xr.Dataset) -> pd.DataFrame:
    """``ds["silhouette"]`` as a table: ``frame``, :data:`MEASURES`, then those of :data:`OPTIONAL` it has
    (NaN where no animal was found).

    Raises
    ------
    ValueError
        The dataset has no silhouette (only the classical tracker measures one).
    """
    if "silhouette" not in ds:
        raise ValueError("the pose dataset has no silhouette (only the classical tracker measures one)")
    sil = ds["silhouette"].transpose("time", "silhouette_measure")
    table = pd.DataFrame({"frame": np.arange(sil.sizes["time"])})
    have = [str(m) for m in sil["silhouette_measure"].values]
    for m in (*MEASURES, *(o for o in OPTIONAL if o in have)):
        table[m] = sil.sel(silhouette_measure=m).values.astype(float)
    return table


def add_silhouette(ds: xr.Dataset, silhouette: xr.DataArray) -> xr.Dataset:
    """The pose dataset with ``ds["silhouette"]`` (a table read by :func:`openfield.io.silhouette.read_silhouette`).

    Raises
    ------
    OpenfieldError
        The silhouette has not as many frames as the pose.
    """
    if silhouette.sizes["time"] != ds.sizes["time"]:
        raise OpenfieldError(f"the silhouette table has {silhouette.sizes['time']} frames but its pose has "
                             f"{ds.sizes['time']} (not the same video?)", ds.attrs.get("source_file"))
    return ds.assign(silhouette=silhouette.assign_coords(time=ds["time"]))


def silhouette_features(
    silhouette: xr.DataArray,
    fps: float,
    px_per_cm: float | None = None,
    median_window_s: float = RUNNING_MEDIAN_S,
) -> dict[str, np.ndarray]:
    """Per-frame features of the silhouette (part of the pose classifier's extended features).

    Parameters
    ----------
    silhouette
        ``(time, silhouette_measure)`` with :data:`MEASURES`, in pixels.
    fps
        Frames per second (the running median's window is in seconds).
    px_per_cm
        The calibration's scale; None leaves out the features in cm.
    median_window_s
        Window of the running median (s), centred on each frame.

    Returns
    -------
    dict
        Free of scale: ``silhouette_area_ratio``, ``silhouette_length_ratio``,
        ``silhouette_width_ratio`` (each over its median in the recording),
        ``silhouette_aspect`` (width over length: up when the animal rears),
        ``silhouette_length_vs_running_median`` and
        ``silhouette_area_vs_running_median`` (over the animal's own running
        median: down when it rears). With ``px_per_cm``:
        ``silhouette_area_cm2`` (area / px_per_cm²), ``silhouette_length_cm``
        and ``silhouette_width_cm`` (/ px_per_cm). NaN where no animal was
        found.
    """
    values = {str(m): silhouette.sel(silhouette_measure=m).values.astype(float)
              for m in silhouette["silhouette_measure"].values}
    n_med = max(3, int(round(median_window_s * fps)))
    out: dict[str, np.ndarray] = {}
    # measure -> (unit in cm, power of px_per_cm, against its running median)
    measures = {"area": ("cm2", 2, True), "length": ("cm", 1, True), "width": ("cm", 1, False)}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (unit, power, running) in measures.items():
            v = values.get(f"{name}_px")
            if v is None or not np.isfinite(v).any():
                continue
            out[f"silhouette_{name}_ratio"] = v / np.nanmedian(v)
            if running:
                med = pd.Series(v).rolling(n_med, center=True, min_periods=1).median().to_numpy()
                out[f"silhouette_{name}_vs_running_median"] = v / med
            if px_per_cm is not None:
                out[f"silhouette_{name}_{unit}"] = v / px_per_cm**power
        if "length_px" in values and "width_px" in values:
            out["silhouette_aspect"] = values["width_px"] / values["length_px"]
    return {k: np.where(np.isfinite(v), v, np.nan) for k, v in out.items()}


__all__ = [
    "MEASURES",
    "OPTIONAL",
    "add_silhouette",
    "silhouette_features",
    "silhouette_table",
]
