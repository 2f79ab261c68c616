"""Wall-hugging: the reference point's distance to the arena wall, and thigmotaxis.

The floor is a shapely geometry in arena cm (origin at the top-left of the
floor's bounding box, x right, y down; see :func:`openfield.arena.zones.floor_geometry`), so any
arena shape works: a rectangle, a round arena, a polygon. A point's **wall
distance** is its distance to the floor's outline; a point tracked on or
beyond the wall (outside the floor) is at distance 0. **Thigmotaxis** is the
share of the tracked time spent within ``thigmotaxis_cm`` of the wall.

Summary: ``mean_wall_distance_cm`` (mean over the tracked frames) and
``thigmotaxis_fraction`` (0-1, tracked time within the distance over the
tracked time); NaN without an arena.
"""

from __future__ import annotations

import numpy as np
import shapely

from openfield import timebase

#: Summary keys of :func:`wall_summary`.
SUMMARY_COLUMNS = ["mean_wall_distance_cm", "thigmotaxis_fraction"]

#: Default distance (cm) from the wall that counts as wall-hugging: the German Mouse Clinic's open-field
#: protocol (peripheral zone 8 cm from the walls; Mouse Phenome Database, project GMC01).
THIGMOTAXIS_CM = 8.0


def wall_distance(xy_cm: np.ndarray, floor: shapely.Geometry) -> np.ndarray:
    """Distance (cm) of each point to the floor's outline; 0 outside the floor, NaN where missing.

    Parameters
    ----------
    xy_cm
        ``(n, 2)`` positions in arena cm.
    floor
        The floor (a shapely polygon in the same cm frame).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` cm.
    """
    xy = np.asarray(xy_cm, float)
    out = np.full(len(xy), np.nan)
    ok = np.isfinite(xy).all(axis=1)
    if ok.any():
        pts = shapely.points(xy[ok])
        d = shapely.distance(floor.boundary, pts)
        out[ok] = np.where(shapely.contains(floor, pts), d, 0.0)
    return out


def wall_summary(distance_cm: np.ndarray, near_wall: np.ndarray, fps: float,
                 times_s: np.ndarray | None = None) -> dict[str, float]:
    """``mean_wall_distance_cm`` and ``thigmotaxis_fraction`` (tracked frames only; NaN when none).

    Parameters
    ----------
    distance_cm
        Wall distance per frame (NaN untracked), :func:`wall_distance`.
    near_wall
        Frames within the thigmotaxis distance.
    fps, times_s
        Frame rate, or per-frame times of a variable-frame-rate video (the
        fraction is of time, each frame weighted by its duration).
    """
    d = np.asarray(distance_cm, float)
    ok = np.isfinite(d)
    nan = float("nan")
    if not ok.any():
        return {"mean_wall_distance_cm": nan, "thigmotaxis_fraction": nan}
    durations = None if times_s is None else timebase.frame_durations(times_s)
    near = np.asarray(near_wall, bool) & ok
    return {"mean_wall_distance_cm": float(d[ok].mean()),
            "thigmotaxis_fraction": timebase.seconds(near, fps, durations) / timebase.seconds(ok, fps, durations)}
