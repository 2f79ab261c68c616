"""Arena zones: one model for the default zones of each arena shape and the zones a lab defines.

Coordinates are arena cm: origin at the top-left of the floor's bounding
square (or rectangle), x to the right, y down (the arena contract of issue
21: a 40-cm round arena's centre is (20, 20)). A :class:`Zone` is a name
and a shapely geometry in that frame; zones may overlap.

Default zones (:func:`default_zones`):

- rectangle ``W x H``: ``center``, the rectangle centred on the floor whose
  sides are ``center_fraction`` of the floor's (a square for a square
  arena); ``border``, the rest of the floor; ``corner_tl``, ``corner_tr``,
  ``corner_br``, ``corner_bl``, the rectangles of side ``corner_cm`` in the
  floor's corners (default: the border's width, i.e. the corner squares of
  the border ring);
- circle of diameter ``D``: ``center``, the disk of diameter
  ``center_fraction * D`` centred on the floor; ``border``, the ring
  around it;
- polygon: ``center``, the floor scaled by ``center_fraction`` about its
  centroid; ``border``, the rest.

For the per-frame ``zone`` column (:func:`assign_zones`) any tracked point
outside the centre (including points tracked slightly beyond the walls)
counts as border. Every other zone's membership is geometric
(:func:`contains`): the boundary counts as inside, as for the centre.

Custom zones come from a zones file (:func:`parse`; read by
:func:`openfield.io.zones.read_zones`)::

    {"units": "cm" | "px",
     "zones": [{"name": "object", "shape": "circle", "center": [x, y], "radius": r},
               {"name": "quadrant", "shape": "polygon", "points": [[x, y], ...]},
               {"name": "box", "shape": "rectangle", "x": x0, "y": y0, "width": w, "height": h}]}

Zones in pixels are mapped to cm with the calibration (:func:`to_cm`): their
outline, sampled every pixel or so, goes through the calibration's
``px_to_cm`` (a circle in the image need not be one on the floor).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from openfield.arena.geometry import SHAPES as ARENA_SHAPES  # the calibration's ``shape``
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

CENTER, BORDER, UNKNOWN = "center", "border", ""

#: The four default corner zones of a rectangular arena, clockwise from the top-left.
CORNERS = ("corner_tl", "corner_tr", "corner_br", "corner_bl")

#: Every default zone name.
DEFAULT_NAMES = (CENTER, BORDER, *CORNERS)

#: Shapes a zones file may use.
SHAPES = ("circle", "polygon", "rectangle")

#: A zone name must be a column word: it becomes part of ``time_<zone>_s``.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")

#: Segments per quarter circle of a circle zone (256 around: the polygon is within 0.008 % of r of the circle).
QUAD_SEGS = 64

#: A zone with more than this fraction of its area outside the floor is refused (likely wrong units or place);
#: a smaller part outside is allowed with a warning (a quadrant drawn as a square over a round floor).
OUTSIDE_MAX_FRACTION = 0.5


# --------------------------------------------------------------------------- zones and the floor


@dataclass(frozen=True)
class Zone:
    """A named region of the floor in arena cm.

    Attributes
    ----------
    name
        A column word (``[a-z][a-z0-9_]*``).
    geometry
        A shapely (multi)polygon in arena cm.
    """

    name: str
    geometry: BaseGeometry

    def contains(self, xy_cm: np.ndarray) -> np.ndarray:
        """True for each point inside the zone or on its boundary; False for a missing (NaN) point."""
        return contains(self.geometry, xy_cm)

    def as_roi(self) -> Any:
        """The zone as a ``movement.roi.PolygonOfInterest`` (for movement's distance and angle tools)."""
        from movement.roi import PolygonOfInterest  # lazy: movement takes ~1.8 s to import

        geom = self.geometry
        if not isinstance(geom, Polygon):
            raise OpenfieldError(f"zone {self.name!r} is not a single polygon")
        return PolygonOfInterest(list(geom.exterior.coords)[:-1],
                                 holes=[list(r.coords)[:-1] for r in geom.interiors] or None, name=self.name)


def contains(geometry: BaseGeometry, xy_cm: np.ndarray) -> np.ndarray:
    """Vectorised membership: True inside or on the boundary (``shapely.intersects_xy``), False for NaN.

    Not ``movement.roi.PolygonOfInterest.contains_point``: that one works
    through xarray per call and counts the boundary as outside; this is one
    prepared-geometry call over all frames (an hour at 30 fps in ~20 ms).
    """
    xy = np.asarray(xy_cm, dtype=float).reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    out = np.zeros(len(xy), bool)
    shapely.prepare(geometry)
    out[ok] = shapely.intersects_xy(geometry, xy[ok, 0], xy[ok, 1])
    return out


def _check_shape(shape: str) -> str:
    if shape not in ARENA_SHAPES:
        raise OpenfieldError(f"arena shape must be one of {', '.join(ARENA_SHAPES)}, got {shape!r}")
    return shape


def floor_geometry(shape: str, arena_size_cm: tuple[float, float],
                   polygon_cm: Sequence[Sequence[float]] | None = None) -> BaseGeometry:
    """The arena's floor in cm.

    Parameters
    ----------
    shape
        ``"rectangle"``, ``"circle"`` or ``"polygon"``.
    arena_size_cm
        ``(W, H)`` of a rectangle; ``(D, D)`` of a circle; the cm bounding
        box of a polygon.
    polygon_cm
        The polygon's corners in cm (``shape="polygon"`` only).

    Returns
    -------
    shapely geometry
        rectangle: ``box(0, 0, W, H)``; circle: the disk of diameter ``D``
        centred on ``(D/2, D/2)``; polygon: the given polygon.
    """
    _check_shape(shape)
    w, h = (float(v) for v in arena_size_cm)
    if not (w > 0 and h > 0):
        raise OpenfieldError(f"the arena size must be positive, got {tuple(arena_size_cm)}")
    if shape == "rectangle":
        return box(0.0, 0.0, w, h)
    if shape == "circle":
        return Point(w / 2, h / 2).buffer(min(w, h) / 2, quad_segs=QUAD_SEGS)
    if polygon_cm is None:
        raise OpenfieldError("a polygon arena needs its corners in cm")
    poly = Polygon(np.asarray(polygon_cm, float))
    if not poly.is_valid or poly.area <= 0:
        raise OpenfieldError("the arena polygon is not a simple polygon with an area")
    return poly


def center_bounds(arena_size_cm: tuple[float, float], fraction: float = 0.5) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` of a rectangular arena's centre zone in cm."""
    if not 0 < fraction < 1:
        raise ValueError(f"centre fraction must be between 0 and 1, got {fraction}")
    w, h = arena_size_cm
    mx, my = (1 - fraction) * w / 2, (1 - fraction) * h / 2
    return mx, w - mx, my, h - my


def default_zones(shape: str, arena_size_cm: tuple[float, float], center_fraction: float = 0.5,
                  corner_cm: float | None = None,
                  polygon_cm: Sequence[Sequence[float]] | None = None) -> list[Zone]:
    """The default zones of an arena (see the module's docstring).

    Parameters
    ----------
    shape, arena_size_cm, polygon_cm
        The arena (:func:`floor_geometry`).
    center_fraction
        Side (rectangle), diameter (circle) or scale (polygon) of the
        centre as a fraction of the arena's, in (0, 1).
    corner_cm
        Side of the corner squares of a rectangle (``--corner-cm``), > 0
        and at most half the shorter side; None: the border's width
        (``(1 - center_fraction) * W / 2`` by ``(1 - center_fraction) * H / 2``).

    Returns
    -------
    list of Zone
        ``center``, ``border`` and, for a rectangle, the four corners.
    """
    floor = floor_geometry(shape, arena_size_cm, polygon_cm)
    if not 0 < center_fraction < 1:
        raise OpenfieldError(f"--center-fraction must be between 0 and 1 (exclusive), got {center_fraction!r}")
    w, h = (float(v) for v in arena_size_cm)
    if shape == "rectangle":
        x0, x1, y0, y1 = center_bounds((w, h), center_fraction)
        center = box(x0, y0, x1, y1)
    elif shape == "circle":
        center = Point(w / 2, h / 2).buffer(center_fraction * min(w, h) / 2, quad_segs=QUAD_SEGS)
    else:
        center = affinity.scale(floor, center_fraction, center_fraction, origin="centroid")
    out = [Zone(CENTER, center), Zone(BORDER, floor.difference(center))]
    if corner_cm is not None and shape != "rectangle":
        raise OpenfieldError(f"--corner-cm applies to rectangular arenas, not to a {shape} one")
    if shape == "rectangle":
        if corner_cm is None:
            cw, ch = (1 - center_fraction) * w / 2, (1 - center_fraction) * h / 2
        else:
            if not (math.isfinite(corner_cm) and 0 < corner_cm <= min(w, h) / 2):
                raise OpenfieldError(f"--corner-cm must be greater than 0 and at most half the arena's shorter "
                                     f"side ({min(w, h) / 2:g} cm), got {corner_cm!r}")
            cw = ch = float(corner_cm)
        out += [Zone("corner_tl", box(0, 0, cw, ch)), Zone("corner_tr", box(w - cw, 0, w, ch)),
                Zone("corner_br", box(w - cw, h - ch, w, h)), Zone("corner_bl", box(0, h - ch, cw, h))]
    return out


# --------------------------------------------------------------------------- the zones file


@dataclass(frozen=True)
class ZoneSpec:
    """One zone as a zones file gives it (in its file's units, not yet in cm).

    Attributes
    ----------
    name
        The zone's name.
    shape
        ``"circle"``, ``"polygon"`` or ``"rectangle"``.
    center, radius
        A circle's centre and radius.
    points
        A polygon's corners; a rectangle's four corners (from its ``x``,
        ``y``, ``width``, ``height``).
    replace
        The file asks to redefine a default zone of the same name.
    """

    name: str
    shape: str
    center: tuple[float, float] | None = None
    radius: float | None = None
    points: tuple[tuple[float, float], ...] | None = None
    replace: bool = False


@dataclass(frozen=True)
class ZoneSet:
    """The checked content of a zones file (:func:`parse`).

    Attributes
    ----------
    units
        ``"cm"`` (arena cm) or ``"px"`` (image pixels, mapped with the calibration).
    zones
        The zones, in the file's order.
    source
        The file (for messages).
    """

    units: str
    zones: tuple[ZoneSpec, ...]
    source: str | None = None

    @property
    def names(self) -> list[str]:
        """The zones' names, in order."""
        return [z.name for z in self.zones]

    def to_dict(self) -> dict[str, Any]:
        """The zones object, as :func:`parse` reads it back: ``units`` always given, numbers as floats.

        A circle is written with its ``center`` and ``radius``, any other zone
        as a ``polygon`` of its ``points`` (a rectangle's four corners);
        ``"replace": true`` is kept.
        """
        out = []
        for z in self.zones:
            if z.shape == "circle":
                d: dict[str, Any] = {"name": z.name, "shape": "circle", "center": list(z.center or ()),
                                     "radius": z.radius}
            else:
                d = {"name": z.name, "shape": "polygon", "points": [list(p) for p in z.points or ()]}
            if z.replace:
                d["replace"] = True
            out.append(d)
        return {"units": self.units, "zones": out}


def _number(value: Any, what: str, source: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OpenfieldError(f"{what} must be a finite number, got {value!r}", source)
    return float(value)


def _point(value: Any, what: str, source: str | None) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise OpenfieldError(f"{what} must be a pair [x, y], got {value!r}", source)
    return _number(value[0], what, source), _number(value[1], what, source)


def _zone_spec(z: Any, k: int, source: str | None) -> ZoneSpec:
    if not isinstance(z, Mapping):
        raise OpenfieldError(f"zone {k} must be an object with a name and a shape, got {z!r}", source)
    name = z.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise OpenfieldError(f"zone {k}: the name {name!r} is not a column word (a lower-case letter, then "
                             "lower-case letters, digits or _; it becomes time_<name>_s)", source)
    where = f"zone {name!r}"
    shape = z.get("shape")
    if shape not in SHAPES:
        raise OpenfieldError(f"{where}: unknown shape {shape!r} (use one of {', '.join(SHAPES)})", source)
    replace = z.get("replace", False)
    if not isinstance(replace, bool):
        raise OpenfieldError(f"{where}: replace must be true or false, got {replace!r}", source)
    if shape == "circle":
        for key in ("center", "radius"):
            if key not in z:
                raise OpenfieldError(f"{where}: a circle needs \"center\": [x, y] and \"radius\"", source)
        radius = _number(z["radius"], f"{where}: radius", source)
        if radius <= 0:
            raise OpenfieldError(f"{where}: radius must be > 0, got {radius:g}", source)
        return ZoneSpec(name, shape, center=_point(z["center"], f"{where}: center", source), radius=radius,
                        replace=replace)
    if shape == "rectangle":
        keys = ("x", "y", "width", "height")
        if any(key not in z for key in keys):
            raise OpenfieldError(f"{where}: a rectangle needs \"x\", \"y\" (top-left corner), \"width\" and "
                                 "\"height\"", source)
        x, y, w, h = (_number(z[key], f"{where}: {key}", source) for key in keys)
        if w <= 0 or h <= 0:
            raise OpenfieldError(f"{where}: width and height must be > 0, got {w:g} x {h:g}", source)
        return ZoneSpec(name, shape, points=((x, y), (x + w, y), (x + w, y + h), (x, y + h)), replace=replace)
    pts = z.get("points")
    if not isinstance(pts, (list, tuple)) or len(pts) < 3:
        raise OpenfieldError(f"{where}: a polygon needs \"points\": at least 3 [x, y] corners", source)
    points = tuple(_point(p, f"{where}: point", source) for p in pts)
    poly = Polygon(points)
    if not poly.is_valid or poly.area <= 0:
        raise OpenfieldError(f"{where}: the polygon's edges cross or it has no area "
                             f"({shapely.is_valid_reason(poly)})", source)
    return ZoneSpec(name, shape, points=points, replace=replace)


def parse(obj: Any, source: str | None = None) -> ZoneSet:
    """Check a zones file's content (see the module's docstring).

    Parameters
    ----------
    obj
        The decoded JSON.
    source
        The file, named in every message.

    Returns
    -------
    ZoneSet

    Raises
    ------
    OpenfieldError
        Naming the file and the problem: not an object with a ``zones``
        list, unknown units or shape, a missing or bad number, a name that
        is not a column word, a duplicate name, a default zone's name
        without ``"replace": true``, a redefined ``border`` (the floor
        outside the centre).
    """
    if not isinstance(obj, Mapping) or not isinstance(obj.get("zones"), list):
        raise OpenfieldError('a zones file must be a JSON object with a "zones" list', source)
    units = obj.get("units", "cm")
    if units not in ("cm", "px"):
        raise OpenfieldError(f'"units" must be "cm" or "px", got {units!r}', source)
    if not obj["zones"]:
        raise OpenfieldError("the zones list is empty", source)
    specs = [_zone_spec(z, k, source) for k, z in enumerate(obj["zones"], 1)]
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise OpenfieldError(f"zone {s.name!r} is defined twice (zone names must be unique)", source)
        seen.add(s.name)
        if s.name == BORDER:
            raise OpenfieldError("zone 'border' cannot be redefined: it is the floor outside the centre (name "
                                 "your zone differently)", source)
        if s.name in DEFAULT_NAMES and not s.replace:
            raise OpenfieldError(f"zone {s.name!r} has the name of a default zone: rename it, or add "
                                 '"replace": true to redefine the default', source)
    return ZoneSet(units, tuple(specs), None if source is None else str(source))


def _spec_geometry(s: ZoneSpec) -> BaseGeometry:
    if s.shape == "circle":
        assert s.center is not None and s.radius is not None
        return Point(s.center).buffer(s.radius, quad_segs=QUAD_SEGS)
    return Polygon(s.points)


def to_cm(zone_set: ZoneSet, px_to_cm: Callable[[np.ndarray], np.ndarray] | None = None,
          step_px: float = 1.0) -> list[Zone]:
    """The zones of a file in arena cm.

    Parameters
    ----------
    zone_set
        The parsed file.
    px_to_cm
        The calibration's pixel -> cm mapping (``Calibration.px_to_cm``),
        needed for ``"units": "px"``.
    step_px
        Pixel zones' outlines are sampled at least this densely before mapping.

    Raises
    ------
    OpenfieldError
        Pixel zones without a mapping, or a zone that is not a polygon once in cm.
    """
    out = []
    for s in zone_set.zones:
        geom = _spec_geometry(s)
        if zone_set.units == "px":
            if px_to_cm is None:
                raise OpenfieldError('zones in "px" need a calibration with an arena to map them to cm',
                                     zone_set.source)
            ring = np.asarray(shapely.segmentize(geom, step_px).exterior.coords, float)
            cm = np.asarray(px_to_cm(ring), float)
            geom = Polygon(cm)
            if not np.isfinite(cm).all() or not geom.is_valid or geom.area <= 0:
                raise OpenfieldError(f"zone {s.name!r} is not a simple polygon once mapped to cm (is it in the "
                                     "image of the arena?)", zone_set.source)
        out.append(Zone(s.name, geom))
    return out


def check_inside(zone_list: Sequence[Zone], floor: BaseGeometry, source: str | None = None) -> None:
    """Refuse a zone mostly outside the floor; warn about one partly outside.

    Raises
    ------
    OpenfieldError
        Naming the file and the zone, when more than
        :data:`OUTSIDE_MAX_FRACTION` of its area lies outside the floor.
    """
    for z in zone_list:
        area = z.geometry.area
        outside = z.geometry.difference(floor).area / area if area > 0 else 1.0
        if outside > OUTSIDE_MAX_FRACTION:
            b = floor.bounds
            raise OpenfieldError(f"zone {z.name!r} lies outside the arena ({outside:.0%} of its area is off the "
                                 f"floor, which spans x {b[0]:g}-{b[2]:g}, y {b[1]:g}-{b[3]:g} cm)", source)
        if outside > 0.01:
            log.warning("%s: %.0f%% of zone %r lies outside the arena floor", source or "zones", 100 * outside,
                        z.name)


def arena_zones(shape: str, arena_size_cm: tuple[float, float], center_fraction: float = 0.5,
                corner_cm: float | None = None, polygon_cm: Sequence[Sequence[float]] | None = None,
                custom: Sequence[Zone] = (), source: str | None = None) -> list[Zone]:
    """The defaults of the arena with the custom zones: a custom zone marked ``replace`` takes its default's place.

    The custom zones are checked against the floor (:func:`check_inside`).
    """
    zones = default_zones(shape, arena_size_cm, center_fraction, corner_cm, polygon_cm)
    check_inside(custom, floor_geometry(shape, arena_size_cm, polygon_cm), source)
    by_name = {z.name: z for z in custom}
    return [by_name.pop(z.name, z) for z in zones] + list(by_name.values())


# --------------------------------------------------------------------------- per-frame zones and entries


def assign_zones(xy_cm: np.ndarray, arena_size_cm: tuple[float, float], fraction: float = 0.5,
                 center: BaseGeometry | None = None) -> np.ndarray:
    """Zone of each frame: ``"center"``, ``"border"``, or ``""`` where the position is missing.

    Parameters
    ----------
    xy_cm
        Positions in arena cm.
    arena_size_cm, fraction
        A rectangular arena and its centre fraction (the centre of
        :func:`center_bounds`).
    center
        The centre zone's geometry instead (a round arena's disk, or a
        redefined centre); its boundary counts as centre.
    """
    xy = np.asarray(xy_cm, dtype=float)
    if center is not None:
        inside = contains(center, xy)
    else:
        # a rectangle test: the centre's edges count as centre here (as the published measures do)
        x0, x1, y0, y1 = center_bounds(arena_size_cm, fraction)
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    zone = np.where(inside, CENTER, BORDER).astype(object)
    zone[np.isnan(xy).any(axis=1)] = UNKNOWN
    return zone


def entry_frames(inside: np.ndarray, known: np.ndarray | None = None) -> np.ndarray:
    """True at each frame that enters a zone: inside, and outside at the previous known frame.

    Frames not ``known`` (no position) are skipped, so a gap inside the
    zone is no new entry; starting inside is not an entry.
    """
    inside = np.asarray(inside, bool)
    known_idx = np.flatnonzero(np.ones(len(inside), bool) if known is None else np.asarray(known, bool))
    k = inside[known_idx]
    out = np.zeros(len(inside), bool)
    out[known_idx[1:][k[1:] & ~k[:-1]]] = True
    return out


def entries_latency(inside: np.ndarray, known: np.ndarray, fps: float,
                    times_s: np.ndarray | None = None) -> tuple[int, float]:
    """Entries into a zone and the time of the first frame in it (NaN if never; see :func:`entry_frames`)."""
    entries = int(entry_frames(inside, known).sum())
    first = np.flatnonzero(np.asarray(inside, bool))
    if not len(first):
        return entries, float("nan")
    latency = float(first[0] / fps) if times_s is None else float(np.asarray(times_s, float)[first[0]])
    return entries, latency


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
    return entries_latency(zone == CENTER, zone != UNKNOWN, fps, times_s)


def zone_records(zone_list: Sequence[Zone]) -> list[dict[str, str]]:
    """The zones as ``{"name", "wkt"}`` records (for a result's attrs, the plots and the report)."""
    return [{"name": z.name, "wkt": shapely.to_wkt(z.geometry, rounding_precision=4)} for z in zone_list]


def from_records(records: Sequence[Mapping[str, str]]) -> list[Zone]:
    """The zones of :func:`zone_records`."""
    return [Zone(str(r["name"]), shapely.from_wkt(r["wkt"])) for r in records]
