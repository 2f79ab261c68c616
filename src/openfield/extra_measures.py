"""The measures beyond distance for the kinematics step: path shape, immobility, mobility states, wall-hugging.

One entry point per use, so that :mod:`openfield.kinematics` and the study's
bins call one function each:

- :func:`add_frame_measures` adds the per-frame variables to the kinematics
  result (``heading``, ``rotation``, ``immobile``, ``mobility_state``,
  ``wall_distance``, ``near_wall``);
- :func:`frame_columns` gives them as the per-frame table's columns
  (:data:`FRAME_COLUMNS`);
- :func:`summarize` gives the summary columns (:data:`SUMMARY_COLUMNS`) of the
  whole recording, and :func:`bin_values` those of a time bin from the
  per-frame table (the same code, so a single bin equals the summary).

Definitions: :mod:`openfield.path_shape`, :mod:`openfield.mobility`,
:mod:`openfield.wall`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from openfield import cleaning, mobility, path_shape, timebase, wall
from openfield.arena import zones
from openfield.arena.model import Calibration
from openfield.bodyparts import find_role

#: Summary columns, in order.
ZONE_COLUMNS = [f"time_immobile_{z}_s" for z in (zones.CENTER, zones.BORDER)]
SUMMARY_COLUMNS = ["rotations_cw", "rotations_ccw", *path_shape.TURN_COLUMNS, *mobility.SUMMARY_COLUMNS,
                   *ZONE_COLUMNS, *mobility.STATE_COLUMNS, *wall.SUMMARY_COLUMNS]

#: Per-frame table columns, in order.
FRAME_COLUMNS = ["heading_deg", "rotation", "immobile", "mobility_state", "wall_distance_cm", "near_wall"]
#: Those a table written before the mobility states still has (its other measures are binned as before).
_BASIC_FRAME_COLUMNS = [c for c in FRAME_COLUMNS if c != "mobility_state"]

#: Per-bin measures (:func:`bin_values`), and those of them that add up over bins (the mobility states' times
#: add up too where there is an outline, but are NaN, not 0, without one: tests/test_unit/test_mobility.py).
BIN_MEASURES = ["rotations_cw", "rotations_ccw", *path_shape.TURN_COLUMNS, "time_immobile_s",
                "immobility_bouts", *ZONE_COLUMNS, *mobility.STATE_COLUMNS, *wall.SUMMARY_COLUMNS]
ADDITIVE = ["rotations_cw", "rotations_ccw", "time_immobile_s", "immobility_bouts", *ZONE_COLUMNS]


def _point_cm(ds: xr.Dataset, role: str, calibration: Calibration, cutoff: float) -> np.ndarray | None:
    """A body part's track in arena cm (NaN below the likelihood cut-off), or None when the file has none."""
    name = find_role([str(k) for k in ds["keypoints"].values], role)
    if name is None:
        return None
    xy = ds["position"].isel(individuals=0).sel(keypoints=name).transpose("time", "space").values.astype(float)
    conf = ds["confidence"].isel(individuals=0).sel(keypoints=name).values
    xy = cleaning.mask_low_likelihood(xy, conf, cutoff)
    return calibration.px_to_cm(xy)


def body_axis_heading(ds: xr.Dataset, calibration: Calibration, likelihood_cutoff: float) -> np.ndarray:
    """Direction (°) of the body axis tail base -> head (nose when no head point), NaN where unknown."""
    tail = _point_cm(ds, "tailbase", calibration, likelihood_cutoff)
    head = _point_cm(ds, "head", calibration, likelihood_cutoff)
    if head is None:
        head = _point_cm(ds, "nose", calibration, likelihood_cutoff)
    if head is None or tail is None:
        return np.full(ds.sizes["time"], np.nan)
    return path_shape.axis_heading(tail, head)


def add_frame_measures(out: xr.Dataset, calibration: Calibration, config: Any,
                       times_s: np.ndarray | None = None) -> xr.Dataset:
    """The kinematics result with the per-frame heading, rotations, immobility and wall distance.

    Parameters
    ----------
    out
        :func:`openfield.kinematics.analyze_pose`'s result so far: the pose
        variables (pixels), ``reference_position`` (cm), ``speed``,
        ``moving``, and attrs ``fps``, ``arena_size_cm`` (None without an
        arena) and optionally ``arena_shape`` (``"rectangle"`` if absent).
    calibration
        Pixel-to-cm calibration (for the head and tail points).
    config
        :class:`openfield.kinematics.KinematicsConfig` (``likelihood_cutoff``,
        ``rotation_threshold_deg``, ``immobile_threshold_cm_s``,
        ``immobile_min_s``, ``moving_min_s`` (the jitter bridge),
        ``mobility_immobile_pct``, ``mobility_highly_mobile_pct``,
        ``thigmotaxis_cm``).
    times_s
        Per-frame times of a variable-frame-rate video, or None.

    Returns
    -------
    xarray.Dataset
        ``out`` plus ``heading`` (°, body axis else direction of travel),
        ``rotation`` (+1/-1 where a clockwise/counter-clockwise rotation
        completes), ``immobile`` (bool), ``mobility_state``
        (:func:`openfield.mobility.mobility_states` of the pose's
        ``silhouette`` ``outline_change``; ``""`` throughout without one, and
        ``attrs["has_outline"]`` False), ``wall_distance`` (cm, NaN without
        an arena) and ``near_wall`` (bool).
    """
    fps = float(out.attrs["fps"])
    xy = out["reference_position"].transpose("time", "space").values
    moving = out["moving"].values
    travel = path_shape.travel_heading(xy, moving, fps, times_s)
    heading = path_shape.body_heading(body_axis_heading(out, calibration, config.likelihood_cutoff), travel)
    immobile = mobility.immobile_mask(out["speed"].values, fps, config.immobile_threshold_cm_s,
                                      config.immobile_min_s, config.moving_min_s, times_s)
    change = outline_changes(out)
    states = (np.full(len(xy), mobility.NO_STATE, dtype=object) if change is None else
              mobility.mobility_states(change, config.mobility_immobile_pct, config.mobility_highly_mobile_pct))
    arena = out.attrs.get("arena_size_cm")
    if arena is None:
        dist = np.full(len(xy), np.nan)
    else:
        floor = zones.floor_geometry(out.attrs.get("arena_shape", "rectangle"), arena,
                                     out.attrs.get("arena_polygon_cm"))
        dist = wall.wall_distance(xy, floor)
    out = out.copy()
    out["heading"] = ("time", heading, {"units": "deg"})
    out["rotation"] = ("time", path_shape.rotation_events(heading, config.rotation_threshold_deg), {"units": ""})
    out["immobile"] = ("time", immobile, {"units": ""})
    out["mobility_state"] = ("time", states.astype(str), {"units": ""})
    out.attrs["has_outline"] = change is not None
    out["wall_distance"] = ("time", dist, {"units": "cm"})
    out["near_wall"] = ("time", np.isfinite(dist) & (np.nan_to_num(dist, nan=np.inf) <= config.thigmotaxis_cm),
                        {"units": ""})
    return out


def outline_changes(ds: xr.Dataset) -> np.ndarray | None:
    """The pose's per-frame ``outline_change`` (the classical tracker's silhouette), or None without one.

    None also when the silhouette has no such measure or none of its
    values is known (a table written before it existed).
    """
    if "silhouette" not in ds or "outline_change" not in ds["silhouette"].coords["silhouette_measure"].values:
        return None
    change = ds["silhouette"].sel(silhouette_measure="outline_change").values.astype(float)
    return change if np.isfinite(change).any() else None


def frame_columns(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """The per-frame table's columns :data:`FRAME_COLUMNS` of :func:`add_frame_measures`'s variables."""
    return {"heading_deg": ds["heading"].values, "rotation": ds["rotation"].values,
            "immobile": ds["immobile"].values, "mobility_state": ds["mobility_state"].values,
            "wall_distance_cm": ds["wall_distance"].values,
            "near_wall": ds["near_wall"].values}


def _values(xy: np.ndarray, moving: np.ndarray, rotation: np.ndarray, immobile: np.ndarray,
            dist: np.ndarray, near: np.ndarray, zone: np.ndarray | None, sel: np.ndarray, fps: float,
            times_s: np.ndarray | None, states: np.ndarray | None = None) -> dict[str, float]:
    """The measures of the frames ``sel`` (a step, a turn, an episode counted at the frame it arrives/starts in);
    ``zone`` None: no zones (their columns NaN); ``states`` None: no outline (the mobility states' columns NaN)."""
    turn, step, dt = path_shape.travel_turns(xy, moving, fps, times_s)
    out: dict[str, float] = {"rotations_cw": int((rotation[sel] > 0).sum()),
                             "rotations_ccw": int((rotation[sel] < 0).sum())}
    out.update(path_shape.turn_measures(np.where(sel, turn, np.nan), step, dt))
    durations = None if times_s is None else timebase.frame_durations(times_s)
    starts, _ = mobility.episodes(immobile)
    out["time_immobile_s"] = timebase.seconds(immobile & sel, fps, durations)
    out["immobility_bouts"] = int(sel[starts].sum())
    for z in (zones.CENTER, zones.BORDER):
        out[f"time_immobile_{z}_s"] = (float("nan") if zone is None
                                       else timebase.seconds(immobile & sel & (zone == z), fps, durations))
    out.update(mobility.mobility_state_summary(None if states is None else np.where(sel, states, mobility.NO_STATE),
                                               fps, times_s))
    out.update(wall.wall_summary(np.where(sel, dist, np.nan), near & sel, fps, times_s))
    return out


def summarize(ds: xr.Dataset, times_s: np.ndarray | None = None) -> dict[str, Any]:
    """Summary columns (:data:`SUMMARY_COLUMNS`) of a kinematics result with :func:`add_frame_measures`'s variables.

    ``times_s``: the per-frame times of a variable-frame-rate video
    (:func:`openfield.kinematics.frame_times`), or None.
    """
    fps = float(ds.attrs["fps"])
    n = ds.sizes["time"]
    immobile = ds["immobile"].values.astype(bool)
    zone = ds["zone"].values.astype(object) if ds.attrs.get("arena_size_cm") is not None else None
    out = _values(ds["reference_position"].transpose("time", "space").values, ds["moving"].values.astype(bool),
                  ds["rotation"].values, immobile, ds["wall_distance"].values, ds["near_wall"].values.astype(bool),
                  zone, np.ones(n, bool), fps, times_s,
                  ds["mobility_state"].values.astype(object) if ds.attrs.get("has_outline") else None)
    out["latency_immobile_s"] = mobility.immobility_summary(immobile, fps, times_s)["latency_immobile_s"]
    return {k: out[k] for k in SUMMARY_COLUMNS}


def bin_values(frames: pd.DataFrame, idx: np.ndarray, n_bins: int, fps: float,
               times_s: np.ndarray | None = None) -> list[dict[str, float]]:
    """:data:`BIN_MEASURES` of each time bin of a per-frame kinematics table.

    Parameters
    ----------
    frames
        The per-frame table (:data:`openfield.kinematics.FRAME_COLUMNS`); a
        table written before these measures existed gives NaN (one without
        ``mobility_state``, or without a state in any frame: NaN mobility
        states only).
    idx
        Bin number of each frame.
    n_bins
        Number of bins.
    fps, times_s
        Frame rate, or the table's uneven times (a variable frame rate).

    Returns
    -------
    list of dict
        One dict per bin.
    """
    if not set(_BASIC_FRAME_COLUMNS) <= set(frames.columns):
        return [dict.fromkeys(BIN_MEASURES, float("nan")) for _ in range(n_bins)]
    xy = frames[["x_cm", "y_cm"]].to_numpy(float)
    moving = frames["moving"].astype(bool).to_numpy()
    rotation = frames["rotation"].to_numpy(float)
    immobile = frames["immobile"].astype(bool).to_numpy()
    dist = frames["wall_distance_cm"].to_numpy(float)
    near = frames["near_wall"].astype(bool).to_numpy()
    zone = frames["zone"].fillna(zones.UNKNOWN).astype(str).to_numpy(object)
    if not np.isin(zone, [zones.CENTER, zones.BORDER]).any():
        zone = None
    states = (frames["mobility_state"].fillna(mobility.NO_STATE).astype(str).to_numpy(object)
              if "mobility_state" in frames.columns else None)
    if states is not None and not (states != mobility.NO_STATE).any():
        states = None  # no outline (a DeepLabCut pose)
    return [{k: v for k, v in _values(xy, moving, rotation, immobile, dist, near, zone, idx == b, fps,
                                      times_s, states).items() if k in BIN_MEASURES} for b in range(n_bins)]
