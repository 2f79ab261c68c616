"""Arena zones: the central square and the border around it.

Coordinates are arena cm: origin at the floor's top-left corner, x along
the top edge, y down, floor ``W x H``. The centre zone is the rectangle
centred on the floor whose sides are ``fraction`` of the floor's sides (a
square for a square arena); the border is the rest of the floor, and any
point outside the centre (including points tracked slightly beyond the
walls) counts as border.
"""

from __future__ import annotations

import numpy as np

CENTER, BORDER, UNKNOWN = "center", "border", ""


def center_bounds(arena_size_cm: tuple[float, float], fraction: float = 0.5) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` of the centre zone in cm."""
    if not 0 < fraction < 1:
        raise ValueError(f"centre fraction must be between 0 and 1, got {fraction}")
    w, h = arena_size_cm
    mx, my = (1 - fraction) * w / 2, (1 - fraction) * h / 2
    return mx, w - mx, my, h - my


def assign_zones(xy_cm: np.ndarray, arena_size_cm: tuple[float, float], fraction: float = 0.5) -> np.ndarray:
    """Zone of each frame: ``"center"``, ``"border"``, or ``""`` where the position is missing."""
    # a rectangle test, not movement.roi.PolygonOfInterest.contains_point: the centre's edges count as
    # centre here (as the published measures do), and no shapely geometry per frame is needed
    xy = np.asarray(xy_cm, dtype=float)
    x0, x1, y0, y1 = center_bounds(arena_size_cm, fraction)
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    zone = np.where(inside, CENTER, BORDER).astype(object)
    zone[np.isnan(xy).any(axis=1)] = UNKNOWN
    return zone


def center_entries(zone: np.ndarray, fps: float, times_s: np.ndarray | None = None) -> tuple[int, float]:
    """Number of entries into the centre and latency to the first visit.

    An entry is a change from border to centre, frames of unknown zone
    being skipped (a gap inside the centre is no new entry). Starting in the
    centre is not an entry, and gives a latency of 0.

    Returns
    -------
    entries : int
    latency_s : float
        Time of the first frame in the centre (frame / fps, or its time in
        ``times_s``, the per-frame times of a variable-frame-rate video);
        NaN if never there.
    """
    zone = np.asarray(zone, dtype=object)
    known = zone[zone != UNKNOWN]
    entries = int(np.sum((known[1:] == CENTER) & (known[:-1] == BORDER)))
    first = np.flatnonzero(zone == CENTER)
    if not len(first):
        return entries, float("nan")
    latency = float(first[0] / fps) if times_s is None else float(np.asarray(times_s, float)[first[0]])
    return entries, latency
