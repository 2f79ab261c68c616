"""The arena's floor in the image: its shape, its outline, and its maps to centimetres.

Three shapes cover the open fields labs film:

``rectangle``
    Four corners (top-left, top-right, bottom-right, bottom-left); with the
    floor's real width and height a homography maps the image to cm, so a
    tilted camera is corrected (:func:`homography_from_corners`).
``circle``
    A round floor. In the image it is an ellipse (a circle seen at an angle,
    or with non-square pixels): centre, semi-axes ``a, b`` and the angle of
    the ``a`` axis (degrees, clockwise on screen as OpenCV measures it). An
    affine map sends the ellipse to a true circle of the real diameter; for a
    camera tilted by a few degrees this is exact to well under a pixel's
    worth of cm (a projected circle's centre lies off the ellipse's centre by
    a second-order amount, see docs/calibration.md).
``polygon``
    Any N corners given by hand; the floor's bounding box in the image is
    scaled to the given real size along x and y.

The arena's cm frame has its origin at the top-left of the floor's bounding
square (rectangle), x to the right and y down: a 40-cm round arena's centre
is (20, 20) and its wall the circle of radius 20 around it.

Pure geometry on numpy arrays: :class:`ArenaGeometry`, the arena JSON object
(:func:`arena_from_dict`, the one check of what a valid arena is) and the
maps from pixels to cm. The calibration made with them is
:class:`openfield.arena.model.Calibration`; reading and writing the JSON
files is in :mod:`openfield.io.calibration`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from openfield.errors import OpenfieldError

SHAPES = ("rectangle", "circle", "polygon")
#: the shapes a file may name (an ``ellipse`` is a circle seen in the image)
FILE_SHAPES = ("rectangle", "polygon", "circle", "ellipse")
#: points of the outline drawn for a round floor
OUTLINE_POINTS = 360


@dataclass(frozen=True, eq=False)
class ArenaGeometry:
    """The floor as seen in the image (pixels).

    Attributes
    ----------
    shape
        ``"rectangle"``, ``"circle"`` (an ellipse in the image) or ``"polygon"``.
    corners_px
        ``(N, 2)`` corners for a rectangle (4: tl, tr, br, bl) or polygon;
        None for a circle.
    center_px
        The ellipse's centre (circle only).
    axes_px
        The ellipse's semi-axes ``(a, b)`` in px (circle only; ``a == b``
        for a circle seen square on).
    angle_deg
        Angle of the ``a`` axis from the image's x axis, degrees, clockwise
        on screen (circle only).
    """

    shape: str
    corners_px: np.ndarray | None = None
    center_px: tuple[float, float] | None = None
    axes_px: tuple[float, float] | None = None
    angle_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise OpenfieldError(f"unknown arena shape {self.shape!r}; use one of {', '.join(SHAPES)}")
        if self.shape == "circle":
            if self.center_px is None or self.axes_px is None:
                raise OpenfieldError("a circle arena needs its centre and radius (or semi-axes) in px")
            a, b = (float(v) for v in self.axes_px)
            cx, cy = (float(v) for v in self.center_px)
            if not all(math.isfinite(v) for v in (a, b, cx, cy, self.angle_deg)) or a <= 0 or b <= 0:
                raise OpenfieldError(f"a circle arena needs a finite centre and positive radii, got centre "
                                     f"({cx}, {cy}), semi-axes ({a}, {b})")
            object.__setattr__(self, "center_px", (cx, cy))
            object.__setattr__(self, "axes_px", (a, b))
            object.__setattr__(self, "angle_deg", float(self.angle_deg))
        else:
            c = np.asarray(self.corners_px, dtype=float)
            if c.ndim != 2 or c.shape[1] != 2 or len(c) < 3 or not np.isfinite(c).all():
                raise OpenfieldError(f"a {self.shape} arena needs [x, y] corners of finite numbers (at least 3)")
            if self.shape == "rectangle" and len(c) != 4:
                raise OpenfieldError(f"a rectangle arena needs 4 corners, got {len(c)}")
            if polygon_area(c) <= 0:
                raise OpenfieldError(f"the {len(c)} corners of the {self.shape} arena enclose no area")
            object.__setattr__(self, "corners_px", c)

    @property
    def radius_px(self) -> float | None:
        """Mean radius of a round floor (the geometric mean of the semi-axes), else None."""
        if self.shape != "circle":
            return None
        a, b = self.axes_px  # type: ignore[misc]
        return float(math.sqrt(a * b))

    def outline_px(self, n: int = OUTLINE_POINTS) -> np.ndarray:
        """The floor's outline as a closed polygon ``(N, 2)`` in px (corners, or ``n`` points of the ellipse)."""
        if self.shape != "circle":
            return np.asarray(self.corners_px, dtype=float).copy()
        return ellipse_points(self.center_px, self.axes_px, self.angle_deg, n)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """The arena JSON object (as ``--arena FILE.json`` takes it)."""
        if self.shape == "circle":
            a, b = self.axes_px  # type: ignore[misc]
            d: dict[str, Any] = {"shape": "circle", "center_px": [float(v) for v in self.center_px]}  # type: ignore[union-attr]
            if abs(a - b) <= 1e-9 * max(a, b):
                d["radius_px"] = float(a)
            else:
                d.update(shape="ellipse", axes_px=[float(a), float(b)], angle_deg=float(self.angle_deg))
            return d
        return {"shape": self.shape, "corners_px": np.asarray(self.corners_px, float).tolist()}


def ellipse_points(center: tuple[float, float], axes: tuple[float, float], angle_deg: float,
                   n: int = OUTLINE_POINTS) -> np.ndarray:
    """``n`` points on an ellipse (centre, semi-axes, angle of the first axis in degrees, y down)."""
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    th = math.radians(angle_deg)
    u = np.stack([axes[0] * np.cos(t), axes[1] * np.sin(t)], axis=1)
    rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    return u @ rot.T + np.asarray(center, dtype=float)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=float).reshape(4, 2)
    center = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - center[1], pts[:, 0] - center[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y down), starting near -180 deg
    start = int(np.argmin(pts.sum(axis=1)))  # top-left has the smallest x + y
    return np.roll(pts, -start, axis=0)


def polygon_area(points: np.ndarray) -> float:
    """Area enclosed by a polygon (shoelace; absolute value)."""
    p = np.asarray(points, dtype=float)
    x, y = p[:, 0], p[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _pair(value: Any, what: str, path: Any) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, (bool, str)) or not isinstance(v, (int, float)) for v in value)):
        raise OpenfieldError(f"arena {what} must be [x, y] (two numbers), got {value!r}", path)
    return float(value[0]), float(value[1])


def _number(value: Any, what: str, path: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise OpenfieldError(f"arena {what} must be a positive number, got {value!r}", path)
    return float(value)


def arena_from_dict(d: Any, path: Any = None) -> ArenaGeometry:
    """Parse the arena JSON object, naming the file and what is wrong.

    Accepted (also wrapped as ``{"arena": {...}}``, as in a calibration file, whose ``"arena"`` object is used)::

        {"shape": "circle", "center_px": [x, y], "radius_px": r}
        {"shape": "ellipse", "center_px": [x, y], "axes_px": [a, b], "angle_deg": t}
        {"shape": "rectangle" | "polygon", "corners_px": [[x, y], ...]}

    Raises
    ------
    OpenfieldError
        Unknown shape, missing or malformed fields.
    """
    if isinstance(d, dict) and isinstance(d.get("arena"), dict):
        # wrapped, or a calibration file: its "arena" object (its top-level "shape" and "radius_px" are a
        # summary: an ellipse's mean radius, a rectangle without its corners)
        d = d["arena"]
    if not isinstance(d, dict):
        raise OpenfieldError("the arena must be a JSON object with a \"shape\"", path)
    shape = d.get("shape")
    if shape not in FILE_SHAPES:
        raise OpenfieldError(f"unknown arena shape {shape!r}; use one of {', '.join(FILE_SHAPES)}", path)
    try:
        if shape in ("circle", "ellipse"):
            if "center_px" not in d:
                raise OpenfieldError(f"a {shape} arena needs \"center_px\"", path)
            center = _pair(d["center_px"], "center_px", path)
            if shape == "circle":
                if "radius_px" not in d:
                    raise OpenfieldError("a circle arena needs \"radius_px\"", path)
                r = _number(d["radius_px"], "radius_px", path)
                return ArenaGeometry("circle", center_px=center, axes_px=(r, r))
            if "axes_px" not in d:
                raise OpenfieldError("an ellipse arena needs \"axes_px\" (its two semi-axes)", path)
            a, b = (_number(v, "axes_px", path) for v in _pair(d["axes_px"], "axes_px", path))
            angle = d.get("angle_deg", 0.0)
            if isinstance(angle, bool) or not isinstance(angle, (int, float)) or not math.isfinite(angle):
                raise OpenfieldError(f"arena angle_deg must be a number, got {angle!r}", path)
            return ArenaGeometry("circle", center_px=center, axes_px=(a, b), angle_deg=float(angle))
        corners = d.get("corners_px")
        if not isinstance(corners, list) or not corners:
            raise OpenfieldError(f"a {shape} arena needs \"corners_px\": a list of [x, y]", path)
        pts = np.array([_pair(p, "corner", path) for p in corners], dtype=float)
        if shape == "rectangle":
            if len(pts) != 4:
                raise OpenfieldError(f"a rectangle arena needs 4 corners, got {len(pts)}", path)
            pts = order_corners(pts)
        return ArenaGeometry(shape, corners_px=pts)
    except OpenfieldError as exc:
        raise OpenfieldError(exc.message, path) from None


# --------------------------------------------------------------------------- maps to cm


def circle_homography(center_px: tuple[float, float], axes_px: tuple[float, float], angle_deg: float,
                      diameter_cm: float) -> np.ndarray:
    """The affine map (as a 3x3 matrix) sending the image ellipse to the circle of ``diameter_cm`` centred (R, R).

    The ellipse's axes are stretched to the radius ``R = diameter_cm / 2``
    and the image's directions kept (the rotation is undone after the
    stretch), so x in cm runs along the image's x.
    """
    r = diameter_cm / 2.0
    a, b = axes_px
    th = math.radians(angle_deg)
    rot = np.array([[math.cos(th), -math.sin(th), 0.0], [math.sin(th), math.cos(th), 0.0], [0.0, 0.0, 1.0]])
    scale = np.diag([r / a, r / b, 1.0])
    to_origin = np.array([[1.0, 0.0, -center_px[0]], [0.0, 1.0, -center_px[1]], [0.0, 0.0, 1.0]])
    to_cm = np.array([[1.0, 0.0, r], [0.0, 1.0, r], [0.0, 0.0, 1.0]])
    return to_cm @ rot @ scale @ rot.T @ to_origin


def polygon_homography(corners_px: np.ndarray, size_cm: tuple[float, float]) -> np.ndarray:
    """Scale the polygon's bounding box in the image to ``size_cm`` (W along x, H along y), origin at its top-left."""
    c = np.asarray(corners_px, dtype=float)
    x0, y0 = c.min(axis=0)
    w_px, h_px = np.ptp(c, axis=0)
    w, h = size_cm
    return np.array([[w / w_px, 0.0, -x0 * w / w_px], [0.0, h / h_px, -y0 * h / h_px], [0.0, 0.0, 1.0]])


def apply_homography(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to points ``(..., 2)`` (NaN-safe, vectorised)."""
    pts = np.asarray(points, dtype=float)
    flat = pts.reshape(-1, 2)
    homog = np.c_[flat, np.ones(len(flat))] @ np.asarray(h, dtype=float).T
    out = homog[:, :2] / homog[:, 2:3]
    return out.reshape(pts.shape)


def homography_from_corners(corners_px: np.ndarray, size_cm: tuple[float, float]) -> np.ndarray:
    """Homography mapping the floor corners (tl, tr, br, bl) to a W x H cm rectangle."""
    w, h = size_cm
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    return cv2.getPerspectiveTransform(np.asarray(corners_px, dtype=np.float32), dst.astype(np.float32)).astype(float)


def side_scales(corners_px: np.ndarray, size_cm: tuple[float, float]) -> np.ndarray:
    """Pixels per cm along each side (top, right, bottom, left)."""
    c = np.asarray(corners_px, dtype=float)
    lengths = np.linalg.norm(np.roll(c, -1, axis=0) - c, axis=1)
    w, h = size_cm
    return lengths / np.array([w, h, w, h])
