"""An arena floor of any shape: found (a rectangle or a circle, or whichever fits best) or given, and calibrated.

A round floor is an ellipse in the image, fitted to the floor region's
outline where it follows its convex hull; a rectangle is
:func:`openfield.arena.detect.detect_arena`'s quadrilateral; a polygon is
given by hand. :func:`calibrate_floor` maps each to cm.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import cv2
import numpy as np

from openfield.arena.detect import (
    detect_arena,
    each_image,
    floor_area,
    floor_masks,
    image_names,
    largest_region,
    quad_from_contour,
)
from openfield.arena.geometry import ArenaGeometry, circle_homography, polygon_homography
from openfield.arena.model import Calibration
from openfield.arena.rectangle import calibrate_arena, check_arena_size
from openfield.errors import OpenfieldError
from openfield.segmentation import to_gray

log = logging.getLogger(__name__)


#: a fitted shape is accepted when the floor region and the shape overlap by this much (intersection over union)
SHAPE_MIN_IOU = 0.9
DETECT_SHAPES = ("auto", "rectangle", "circle")


def _region_iou(region: np.ndarray, outline_px: np.ndarray) -> float:
    """Intersection over union of a filled region mask and a filled outline polygon."""
    shape_mask = np.zeros_like(region)
    cv2.fillPoly(shape_mask, [np.round(outline_px).astype(np.int32)], 255)
    inter = np.count_nonzero(region & shape_mask)
    union = np.count_nonzero(region | shape_mask)
    return inter / union if union else 0.0


def _floor_regions(gray: np.ndarray, floor: str, min_area_fraction: float) -> list[np.ndarray]:
    """The largest plausible region of each floor segmentation, as its outer contour."""
    regions = (largest_region(mask) for mask in floor_masks(gray, floor))
    return [c for c in regions if c is not None and floor_area(c, gray.shape, min_area_fraction) is not None]


def _ellipse_from_contour(contour: np.ndarray) -> ArenaGeometry | None:
    """The ellipse fitted to a region's outline where it follows its convex hull (dents left out)."""
    pts = contour.reshape(-1, 2).astype(np.float32)
    hull = cv2.convexHull(contour)
    # points of the outline on (within 1.5 px of) its hull: an animal or a shadow at the wall leaves a dent
    pts = pts[:: max(1, len(pts) // 720)]
    dist = np.array([cv2.pointPolygonTest(hull, (float(x), float(y)), True) for x, y in pts])
    on_hull = pts[dist < 1.5]  # pointPolygonTest: distance inside the hull (>= 0 for the outline)
    if len(on_hull) < 20:
        return None
    (cx, cy), (d1, d2), angle = cv2.fitEllipse(on_hull)
    # the outline runs through the region's outermost pixel centres: its edge lies half a pixel further out
    a, b = d1 / 2 + 0.5, d2 / 2 + 0.5
    if not (a > 0 and b > 0) or max(a, b) / min(a, b) > 2.0:
        return None
    return ArenaGeometry("circle", center_px=(cx, cy), axes_px=(a, b), angle_deg=angle)


def detect_arena_shape(image: np.ndarray, shape: str = "auto", floor: str = "auto",
                       min_area_fraction: float = 0.1) -> ArenaGeometry:
    """Find the arena floor of a given shape (or the shape that fits best) in a top-view image.

    The floor is segmented as in :func:`detect_arena`. ``rectangle`` is
    :func:`detect_arena`'s quadrilateral; ``circle`` is an ellipse fitted to
    the floor region's outline (where it follows its convex hull, so an
    animal or a shadow at the wall does not pull it in). ``auto`` fits both
    and keeps the one whose filled shape overlaps the floor region best
    (intersection over union; at least :data:`SHAPE_MIN_IOU`), logging which
    and why.

    Parameters
    ----------
    image
        BGR or grey image (a video's median background is best).
    shape
        ``"auto"``, ``"rectangle"`` or ``"circle"``.
    floor
        ``"light"``, ``"dark"`` or ``"auto"``.
    min_area_fraction
        Smallest floor area accepted, as a fraction of the image.

    Returns
    -------
    ArenaGeometry

    Raises
    ------
    OpenfieldError
        "arena not found", saying which shape was looked for and how to give
        the arena by hand (``--arena FILE.json``).
    """
    if shape not in DETECT_SHAPES:
        raise OpenfieldError(f"arena shape must be one of {', '.join(DETECT_SHAPES)}, not {shape!r}")
    if floor not in ("auto", "light", "dark"):
        raise OpenfieldError(f"floor must be auto, light or dark, not {floor!r}")
    if shape == "rectangle":
        return ArenaGeometry("rectangle", corners_px=detect_arena(image, floor, min_area_fraction))
    gray = cv2.GaussianBlur(to_gray(image), (5, 5), 0)
    rounds: list[tuple[float, float, ArenaGeometry]] = []  # (circle's overlap, the quad's on that region, circle)
    for contour in _floor_regions(gray, floor, min_area_fraction):
        ell = _ellipse_from_contour(contour)
        if ell is None:
            continue
        region = np.zeros(gray.shape, np.uint8)
        cv2.drawContours(region, [contour], -1, 255, cv2.FILLED)
        quad = quad_from_contour(contour, gray.shape, min_area_fraction) if shape == "auto" else None
        quad_iou = 0.0 if quad is None else _region_iou(region, quad[0])
        rounds.append((_region_iou(region, ell.outline_px()), quad_iou, ell))
    good = [r for r in rounds if r[0] >= SHAPE_MIN_IOU and r[0] > r[1]]
    if good:
        iou, quad_iou, geom = max(good, key=lambda r: r[0])
        if shape == "auto":
            log.info("arena shape: circle (an ellipse overlaps the floor by %.3f, the best quadrilateral by %.3f)",
                     iou, quad_iou)
        return geom
    if shape == "auto":
        try:
            corners = detect_arena(image, floor, min_area_fraction)
        except OpenfieldError:
            corners = None
        if corners is not None:
            log.info("arena shape: rectangle (four corners found; %s)",
                     "no ellipse fits the floor" if not rounds else
                     f"an ellipse overlaps it by {max(r[0] for r in rounds):.3f} at best")
            return ArenaGeometry("rectangle", corners_px=corners)
    what = {"auto": "rectangular or round", "circle": "round"}[shape]
    best = f" (the best ellipse overlaps the floor by {max(r[0] for r in rounds):.0%})" if rounds else ""
    raise OpenfieldError(
        f"arena not found: no {what} floor contrasting with its surround (at least {min_area_fraction:.0%} of "
        f"the image, not running along the image border){best}; give the arena by hand with --arena FILE.json "
        "(or draw it with `openfield draw`)"
    )


def calibrate_floor(
    images: list[np.ndarray],
    shape: str = "auto",
    arena_size_cm: tuple[float, float] | None = None,
    diameter_cm: float | None = None,
    arena: ArenaGeometry | None = None,
    floor: str = "auto",
    names: list[str] | None = None,
) -> Calibration:
    """Calibrate from the arena floor of known size, of any shape.

    Parameters
    ----------
    images
        Reference images (a video's median background); ignored when
        ``arena`` is given.
    shape
        ``"auto"``, ``"rectangle"`` or ``"circle"`` (the detector; with
        ``arena`` its own shape is used).
    arena_size_cm
        A rectangle's (or a polygon's bounding box's) width and height in cm.
    diameter_cm
        A round floor's diameter in cm.
    arena
        The floor given by hand (no detection).
    floor, names
        See :func:`calibrate_arena`.

    Returns
    -------
    Calibration
        Method ``"arena"``, with its :attr:`Calibration.arena`. A rectangle
        gives exactly :func:`calibrate_arena`'s calibration.

    Raises
    ------
    OpenfieldError
        No size for the shape found or given (a round floor needs
        ``diameter_cm``, a rectangle ``arena_size_cm``), or no floor found.
    """
    names = image_names(images, names)
    if arena is None:
        if shape == "auto" and (arena_size_cm is None) != (diameter_cm is None):
            shape = "circle" if diameter_cm is not None else shape
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or a given arena")
        found = each_image(lambda image: detect_arena_shape(image, shape, floor), images, names)
        arena = found[0] if len(found) == 1 else _median_geometry(found)
    given = {"arena_given": arena.to_dict()} if not images else {}
    if arena.shape == "rectangle":
        if arena_size_cm is None:
            raise OpenfieldError("the floor is rectangular: give its size with --arena-size-cm W H"
                                 + (f" (not a diameter, {diameter_cm:g} cm)" if diameter_cm is not None else ""))
        cal = calibrate_arena([], arena_size_cm, corners_px=arena.corners_px, floor=floor)
        cal.inputs.update(images=names, corners_given=not images, **given)
        return cal
    if arena.shape == "circle":
        if diameter_cm is None:
            raise OpenfieldError("the floor is round: give its diameter with --arena-diameter-cm D"
                                 + (" (not --arena-size-cm)" if arena_size_cm is not None else ""))
        check_arena_size((diameter_cm, diameter_cm))
        a, b = arena.axes_px  # type: ignore[misc]
        hom = circle_homography(arena.center_px, arena.axes_px, arena.angle_deg, diameter_cm)  # type: ignore[arg-type]
        px_per_cm = float(arena.radius_px / (diameter_cm / 2))  # type: ignore[operator]
        axis_scales = [2 * a / diameter_cm, 2 * b / diameter_cm]
        residual = {"axis_px_per_cm": axis_scales,
                    "axis_scale_relative_spread": float(abs(a - b) / math.sqrt(a * b))}
        size = (float(diameter_cm), float(diameter_cm))
        inputs: dict[str, Any] = {"arena_diameter_cm": float(diameter_cm), "floor": floor, "images": names,
                                  "shape": "circle", **given}
    else:
        if arena_size_cm is None:
            raise OpenfieldError("a polygon floor needs the size of its bounding box: --arena-size-cm W H")
        check_arena_size(arena_size_cm)
        c = np.asarray(arena.corners_px, float)
        hom = polygon_homography(c, arena_size_cm)
        sx, sy = np.ptp(c, axis=0) / np.asarray(arena_size_cm, float)
        px_per_cm = float(math.sqrt(sx * sy))
        residual = {"axis_px_per_cm": [float(sx), float(sy)],
                    "axis_scale_relative_spread": float(abs(sx - sy) / px_per_cm)}
        size = (float(arena_size_cm[0]), float(arena_size_cm[1]))
        inputs = {"arena_size_cm": list(size), "floor": floor, "images": names, "shape": "polygon", **given}
    if residual["axis_scale_relative_spread"] > 0.25:
        log.warning("the %s floor's px/cm differs by %.0f%% between x and y: a strongly tilted camera, or a size "
                    "that does not match the image", arena.shape, 100 * residual["axis_scale_relative_spread"])
    return Calibration(method="arena", px_per_cm=px_per_cm, homography=hom, arena_corners_px=None,
                       arena_size_cm=size, measurements=[{"image": n, **arena.to_dict()} for n in names] or
                       [{"image": "given arena", **arena.to_dict()}], inputs=inputs, residual=residual, arena=arena)


def _median_geometry(found: list[ArenaGeometry]) -> ArenaGeometry:
    """The per-parameter median of several detections of one floor (all of the first one's shape)."""
    same = [g for g in found if g.shape == found[0].shape]
    if found[0].shape == "circle":
        return ArenaGeometry("circle", center_px=tuple(np.median([g.center_px for g in same], axis=0)),
                             axes_px=tuple(np.median([g.axes_px for g in same], axis=0)),
                             angle_deg=float(np.median([g.angle_deg for g in same])))
    corners = [g.corners_px for g in same if len(g.corners_px) == len(found[0].corners_px)]
    return ArenaGeometry(found[0].shape, corners_px=np.median(np.stack(corners), axis=0))
