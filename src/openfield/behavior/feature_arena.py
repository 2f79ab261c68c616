"""The arena as the pose features see it: pixel -> floor-cm map, floor shape, scale, wall distances.

:class:`FeatureArena` comes from an arena calibration
(:class:`openfield.arena.Calibration`) or from arena corners tracked as
body parts (``tl``, ``tr``, ``br``, ``bl``) with the floor's size; the wall is
the edge of the floor (:func:`openfield.arena.zones.floor_geometry`), whatever its
shape. Pure functions on arrays and xarray Datasets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import xarray as xr

from openfield.arena import Calibration, apply_homography, homography_from_corners, side_scales, zones
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

#: Arena corner body-part names, in the order top-left, top-right, bottom-right, bottom-left.
CORNER_NAMES = (("tl", "arena_tl"), ("tr", "arena_tr"), ("br", "arena_br"), ("bl", "arena_bl"))


def floor_wall_distance(points_cm: np.ndarray, floor: Any) -> np.ndarray:
    """Distance (cm) of arena-cm points ``(..., 2)`` to the floor's edge (the wall), any floor shape.

    Positive inside the floor, negative outside; NaN stays NaN.

    Parameters
    ----------
    points_cm
        Points in arena cm.
    floor
        The floor, a shapely polygon (:func:`openfield.arena.zones.floor_geometry`).
    """
    p = np.asarray(points_cm, dtype=float)
    flat = p.reshape(-1, 2)
    ok = np.isfinite(flat).all(axis=1)
    out = np.full(len(flat), np.nan)
    if ok.any():
        x, y = flat[ok, 0], flat[ok, 1]
        d = shapely.distance(shapely.points(x, y), floor.boundary)
        out[ok] = np.where(shapely.contains_xy(floor, x, y), d, -d)
    return out.reshape(p.shape[:-1])


@dataclass
class FeatureArena:
    """Where the arena floor is: pixel -> arena-cm homography, floor size (cm), shape and scale (px/cm).

    ``px_per_cm`` (the calibration's, or the mean of the tracked floor's
    sides) turns the tracker's silhouette into cm; None leaves those features out.
    ``shape`` is the arena's (the arena contract: ``rectangle``, ``circle``,
    ``polygon`` with ``polygon_cm``); the wall is the edge of :attr:`floor`.
    """

    homography: np.ndarray
    size_cm: tuple[float, float]
    source: str = ""
    px_per_cm: float | None = None
    shape: str = "rectangle"
    polygon_cm: list[list[float]] | None = None

    @property
    def floor(self) -> Any:
        """The floor in arena cm, a shapely geometry (:func:`openfield.arena.zones.floor_geometry`)."""
        return zones.floor_geometry(self.shape, self.size_cm, self.polygon_cm)

    def wall_distance_cm(self, points_px: np.ndarray) -> np.ndarray:
        """Distance (cm) of pixel points ``(..., 2)`` to the nearest wall; negative outside the floor."""
        return floor_wall_distance(apply_homography(self.homography, points_px), self.floor)


def arena_from_pose(ds: xr.Dataset, size_cm: tuple[float, float], min_likelihood: float = 0.9) -> FeatureArena | None:
    """Arena from tracked corner points (``tl``, ``tr``, ``br``, ``bl``), or None if not tracked.

    Each corner is the median of its confident positions over the recording.

    Raises
    ------
    OpenfieldError
        When the corners are tracked but one is never confidently seen.
    """
    names = {str(k).lower(): str(k) for k in ds["keypoints"].values}
    chosen = []
    for options in CORNER_NAMES:
        hit = next((names[o] for o in options if o in names), None)
        if hit is None:
            return None
        chosen.append(hit)
    corners = []
    for kp in chosen:
        xy = ds["position"].sel(keypoints=kp).isel(individuals=0).transpose("time", "space").values
        conf = ds["confidence"].sel(keypoints=kp).isel(individuals=0).values
        good = (conf >= min_likelihood) & np.isfinite(xy).all(axis=1)
        if not good.any():
            raise OpenfieldError(
                f"arena corner {kp!r} is never tracked with likelihood >= {min_likelihood}",
                ds.attrs.get("source_file"),
            )
        corners.append(np.median(xy[good], axis=0))
    corners_arr = np.array(corners)
    return FeatureArena(
        homography_from_corners(corners_arr, size_cm),
        (float(size_cm[0]), float(size_cm[1])),
        source="tracked corners",
        px_per_cm=float(side_scales(corners_arr, size_cm).mean()),
    )


def feature_arena(
    ds: xr.Dataset,
    calibration: Calibration | None = None,
    arena_size_cm: tuple[float, float] | None = None,
) -> FeatureArena | None:
    """The arena of a recording: from a calibration with an arena, else tracked corners and a size.

    Parameters
    ----------
    ds
        Pose dataset.
    calibration
        An arena calibration (:class:`~openfield.calibration.Calibration`).
    arena_size_cm
        Floor width and height, needed with tracked corners.

    Returns
    -------
    FeatureArena or None
        None when neither is available.
    """
    if calibration is not None and calibration.has_arena:
        return FeatureArena(np.asarray(calibration.homography), calibration.arena_size_cm, "calibration",
                            float(calibration.px_per_cm), shape=str(getattr(calibration, "shape", "rectangle")),
                            polygon_cm=getattr(calibration, "polygon_cm", None))
    if arena_size_cm is not None:
        geo = arena_from_pose(ds, arena_size_cm)
        if geo is None:
            log.info(
                "%s: no tracked arena corners (tl, tr, br, bl): wall distance not used",
                ds.attrs.get("source_file"),
            )
        return geo
    return None
