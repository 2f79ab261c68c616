"""Pixels to centimetres: from the arena, from a mouse of known length, or two points.

Three methods, one result, :class:`Calibration`, saved as a small JSON file
(:mod:`openfield.io.calibration`) that the kinematics step reads:

``arena``
    The floor's four corners (found automatically, or given) and its real
    size give a homography from image pixels to arena centimetres. Arena cm
    have their origin at the floor's top-left corner as seen in the image,
    x along the top edge, y down. A tilted camera is corrected.
``mouse``
    The original method: segment the animal, measure its nose-to-tail-base
    length in pixels (the thin tail is removed by a morphological opening)
    and divide by its known length in cm. Several images give the median.
``points``
    Two pixel points and the real distance between them.

The functions here take and return numpy arrays; reading images and
writing files happen in :mod:`openfield.io` and the command line. The
result, :class:`Calibration`, and the homography helpers live in
:mod:`openfield.arena` (the data model that :mod:`openfield.io` reads and
writes) and are imported from here as before.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import cv2
import numpy as np

from openfield.arena import (
    METHODS as METHODS,  # re-exported: the calibration's model lives in openfield.arena
)
from openfield.arena import (
    ArenaGeometry,
    Calibration,
    circle_homography,
    homography_from_corners,
    order_corners,
    polygon_homography,
    side_scales,
)
from openfield.arena import (
    apply_homography as apply_homography,
)
from openfield.errors import OpenfieldError
from openfield.segmentation import arena_mask, measure_animal, segment_animal, to_gray

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- arena


def _refine_quad(contour: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Sub-pixel corners: fit a line to each side's contour points and intersect."""
    pts = contour.reshape(-1, 2).astype(float)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        ab = b - a
        length = np.linalg.norm(ab)
        t = (pts - a) @ ab / length**2
        normal = np.array([-ab[1], ab[0]]) / length
        dist = np.abs((pts - a) @ normal)
        sel = pts[(t > 0.1) & (t < 0.9) & (dist < max(3.0, 0.02 * length))]
        if len(sel) < 5:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(sel.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    refined = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-9:
            return quad
        s = np.linalg.solve(m, p2 - p1)
        refined.append(p1 + s[0] * d1)
    refined = np.array(refined)
    if np.max(np.linalg.norm(refined - quad, axis=1)) > 0.05 * np.linalg.norm(quad[2] - quad[0]):
        return quad  # refinement went astray; keep the polygon corners
    return refined


def detect_arena(image: np.ndarray, floor: str = "auto", min_area_fraction: float = 0.1) -> np.ndarray:
    """Find the arena floor's four corners in a top-view image.

    The floor is the largest region that contrasts with its surround (a
    light floor inside darker walls, or the reverse). Two segmentations are
    tried: a global Otsu threshold, and for light floors a threshold on
    brightness relative to the local maximum, which copes with uneven
    lighting (vignetting) as in real recordings. Holes (the animal, marks)
    are filled, regions running along the image border are rejected, the
    outline is reduced to a quadrilateral, and each side is refined by a
    line fit for sub-pixel corners.

    Parameters
    ----------
    image
        BGR or grey image.
    floor
        ``"light"``, ``"dark"`` or ``"auto"`` (try both, keep the larger
        plausible floor).
    min_area_fraction
        Smallest floor area accepted, as a fraction of the image.

    Returns
    -------
    numpy.ndarray
        Corners ``(4, 2)`` in pixels: top-left, top-right, bottom-right,
        bottom-left.

    Raises
    ------
    OpenfieldError
        "arena not found" when no plausible quadrilateral floor is seen.
    """
    if floor not in ("auto", "light", "dark"):
        raise OpenfieldError(f"floor must be auto, light or dark, not {floor!r}")
    gray = cv2.GaussianBlur(to_gray(image), (5, 5), 0)
    candidates = []
    for mask in _floor_masks(gray, floor):
        found = _quad_from_mask(mask, min_area_fraction)
        if found is not None:
            candidates.append(found)
    if not candidates:
        raise OpenfieldError(
            "arena not found: no four-cornered floor contrasting with its surround "
            f"(at least {min_area_fraction:.0%} of the image, not running along the image border); "
            "give the arena by hand with --arena FILE.json (openfield run, calibrate arena), or its corners: "
            "openfield calibrate arena IMAGE --corners x1 y1 ... x4 y4 -o cal.json, then openfield run --calibration "
            "cal.json"
        )
    quad, _area = max(candidates, key=lambda c: c[1])
    return quad


def _floor_masks(gray: np.ndarray, floor: str) -> list[np.ndarray]:
    """Candidate floor masks (uint8 0/255)."""
    masks = []
    h, w = gray.shape
    if floor in ("auto", "light"):
        masks.append(cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1])
        # brightness relative to the local maximum: walls are darker than the floor beside them
        k = max(3, int(0.12 * min(h, w)) | 1)
        g = gray.astype(np.float32)
        local_max = cv2.dilate(g, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        local_max = cv2.GaussianBlur(local_max, (k, k), 0)
        masks.append(((g / np.maximum(local_max, 1.0)) > 0.8).astype(np.uint8) * 255)
    if floor in ("auto", "dark"):
        masks.append(cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1])
    return masks


def _open_mask(mask: np.ndarray) -> np.ndarray:
    """Remove specks and thin bridges smaller than 1% of the image's short side."""
    h, w = mask.shape
    k = max(3, int(round(min(h, w) * 0.01)) | 1)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))


def _quad_from_mask(mask: np.ndarray, min_area_fraction: float) -> tuple[np.ndarray, float] | None:
    """The largest region of a mask as a floor quadrilateral, or None."""
    contours, _ = cv2.findContours(_open_mask(mask), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    return _quad_from_contour(max(contours, key=cv2.contourArea), mask.shape, min_area_fraction)


def _quad_from_contour(
    contour: np.ndarray, shape: tuple[int, ...], min_area_fraction: float
) -> tuple[np.ndarray, float] | None:
    """A region's outline as sub-pixel floor corners and its area, or None when it is not a plausible floor."""
    h, w = shape[:2]
    area = cv2.contourArea(contour)
    if area < min_area_fraction * h * w:
        return None
    pts = contour.reshape(-1, 2)
    on_border = (pts[:, 0] <= 1) | (pts[:, 1] <= 1) | (pts[:, 0] >= w - 2) | (pts[:, 1] >= h - 2)
    if on_border.mean() > 0.2:
        return None  # runs along the image edge: not a floor seen inside its walls
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for eps in np.linspace(0.005, 0.1, 40):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(float)
            break
        if len(approx) < 4:
            break
    if quad is None:
        return None
    quad_area = cv2.contourArea(quad.astype(np.float32))
    if quad_area <= 0 or area / quad_area < 0.85:
        return None  # the region is not a quadrilateral (e.g. a round arena or clutter)
    quad = order_corners(quad)
    quad = order_corners(_refine_quad(contour, quad))
    return quad, area


# --------------------------------------------------------------------------- any shape

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
    h, w = gray.shape
    out = []
    for mask in _floor_masks(gray, floor):
        contours, _ = cv2.findContours(_open_mask(mask), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if not contours:
            continue
        c = max(contours, key=cv2.contourArea)
        if cv2.contourArea(c) < min_area_fraction * h * w:
            continue
        pts = c.reshape(-1, 2)
        on_border = (pts[:, 0] <= 1) | (pts[:, 1] <= 1) | (pts[:, 0] >= w - 2) | (pts[:, 1] >= h - 2)
        if on_border.mean() > 0.2:
            continue
        out.append(c)
    return out


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
        quad = _quad_from_contour(contour, gray.shape, min_area_fraction) if shape == "auto" else None
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
    names = names or [f"image_{i}" for i in range(len(images))]
    if arena is None:
        if shape == "auto" and (arena_size_cm is None) != (diameter_cm is None):
            shape = "circle" if diameter_cm is not None else shape
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or a given arena")
        found = []
        for name, image in zip(names, images, strict=True):
            try:
                found.append(detect_arena_shape(image, shape, floor))
            except OpenfieldError as exc:
                raise OpenfieldError(exc.message, name) from exc
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
        _check_arena_size((diameter_cm, diameter_cm))
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
        _check_arena_size(arena_size_cm)
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


# --------------------------------------------------------------------------- several arenas


def detect_arenas(
    image: np.ndarray,
    n: int | None = None,
    floor: str = "auto",
    min_area_fraction: float = 0.01,
    similar_area: float = 0.4,
) -> list[np.ndarray]:
    """Find every arena floor in a top-view image of several open fields.

    The segmentations of :func:`detect_arena` are used, but every region
    is kept (not only the largest), including floors seen inside a light
    surround; each becomes a sub-pixel quadrilateral as in
    :func:`detect_arena`. Floors are numbered row-major from the image's
    top-left (:func:`number_arenas`).

    Parameters
    ----------
    image
        BGR or grey image (a video's median background is best: no animals).
    n
        How many arenas there are; None finds out (the segmentation with the
        most plausible floors). With ``n``, a segmentation that finds exactly
        ``n`` is preferred, and finding another number is an error.
    floor
        ``"light"``, ``"dark"`` or ``"auto"`` (see :func:`detect_arena`).
    min_area_fraction
        Smallest floor area accepted, as a fraction of the image.
    similar_area
        Floors smaller than this fraction of the largest floor found are
        left out (the boxes of one rig are the same size).

    Returns
    -------
    list of numpy.ndarray
        One ``(4, 2)`` array of corners per arena (top-left, top-right,
        bottom-right, bottom-left, px), arena 1 first.

    Raises
    ------
    OpenfieldError
        ``n < 1``; no floor found; or ``n`` given and another number found
        (the message says how many and where their centres are).
    """
    if n is not None and (isinstance(n, bool) or int(n) != n or n < 1):
        raise OpenfieldError(f"the number of arenas must be a whole number >= 1 (or auto), not {n!r}")
    if floor not in ("auto", "light", "dark"):
        raise OpenfieldError(f"floor must be auto, light or dark, not {floor!r}")
    gray = cv2.GaussianBlur(to_gray(image), (5, 5), 0)
    found = [_quads_from_mask(mask, min_area_fraction, similar_area) for mask in _floor_masks(gray, floor)]
    found = [f for f in found if f]
    if not found:
        expected = "" if n is None else f"expected {n} arena{'s' if n != 1 else ''}, found none: "
        raise OpenfieldError(
            f"{expected}arena not found: no four-cornered floor contrasting with its surround "
            f"(at least {min_area_fraction:.0%} of the image, not running along the image border); "
            "give the corners with --arena-corners"
        )
    exact = [f for f in found if len(f) == n]
    best = max(exact or found, key=lambda f: (len(f), sum(a for _, a in f)))
    quads = number_arenas([q for q, _ in best])
    if n is not None and len(quads) != n:
        centres = ", ".join(f"({c[0]:.0f}, {c[1]:.0f})" for c in (q.mean(axis=0) for q in quads))
        raise OpenfieldError(
            f"expected {n} arena{'s' if n != 1 else ''}, found {len(quads)} "
            f"(centre{'s' if len(quads) != 1 else ''} at {centres} px); check the image, the number of "
            "arenas, or give the corners with --arena-corners"
        )
    return quads


def _quads_from_mask(
    mask: np.ndarray, min_area_fraction: float, similar_area: float
) -> list[tuple[np.ndarray, float]]:
    """Every region of a mask that is a plausible floor, as (corners, area)."""
    # CCOMP: the outer boundary of every region, also of a floor inside a hole of a light surround
    contours, hierarchy = cv2.findContours(_open_mask(mask), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return []
    outer = [c for c, hier in zip(contours, hierarchy[0], strict=True) if hier[3] < 0]
    quads = [q for q in (_quad_from_contour(c, mask.shape, min_area_fraction) for c in outer) if q is not None]
    if not quads:
        return []
    largest = max(a for _, a in quads)
    return [(q, a) for q, a in quads if a >= similar_area * largest]


def number_arenas(corners: list[np.ndarray]) -> list[np.ndarray]:
    """Order arenas row-major from the image's top-left: by rows of centre y, then by x.

    Centres whose y differ by less than half the median floor height are in
    the same row, so a slightly rotated or tilted rig still groups by rows.

    Parameters
    ----------
    corners
        One ``(4, 2)`` array per arena.

    Returns
    -------
    list of numpy.ndarray
        The same arrays, arena 1 (top-left) first.
    """
    if not corners:
        return []
    centres = np.array([np.asarray(c, float).mean(axis=0) for c in corners])
    heights = np.array([np.ptp(np.asarray(c, float)[:, 1]) for c in corners])
    tolerance = 0.5 * float(np.median(heights))
    rows: list[list[int]] = []
    for i in np.argsort(centres[:, 1], kind="stable"):
        if rows and abs(centres[i, 1] - np.mean(centres[rows[-1], 1])) < tolerance:
            rows[-1].append(int(i))
        else:
            rows.append([int(i)])
    order = [i for row in rows for i in sorted(row, key=lambda j: centres[j, 0])]
    return [np.asarray(corners[i], float) for i in order]


def calibrate_arenas(
    images: list[np.ndarray],
    arena_size_cm: tuple[float, float],
    n: int | None = None,
    corners_px: list[np.ndarray] | None = None,
    floor: str = "auto",
    names: list[str] | None = None,
) -> list[Calibration]:
    """Calibrate every arena of a multi-arena image: one homography per floor.

    Parameters
    ----------
    images
        Reference images (top view of all arenas; a video's median
        background); ignored when ``corners_px`` is given.
    arena_size_cm
        Floor width (along the top edge) and height of every arena, in cm.
    n
        How many arenas (None: as many as found, see :func:`detect_arenas`).
    corners_px
        Corners given by hand, one ``(4, 2)`` per arena, in the arenas'
        numbering order (each arena's corners in any order); skips
        detection.
    floor
        Passed to :func:`detect_arenas`.
    names
        Labels of the images (file names).

    Returns
    -------
    list of Calibration
        Arena 1 first; each maps pixels to that arena's own cm (origin at
        its floor's top-left corner), so a rotated or tilted box is
        corrected on its own. ``inputs`` has ``arena`` (1-based) and
        ``n_arenas``; with several images, each arena's corners are the
        per-corner median and ``residual["corner_spread_px"]`` the largest
        distance of an image's corner from it.
    """
    _check_arena_size(arena_size_cm)
    w, h = arena_size_cm
    names = names or [f"image_{i}" for i in range(len(images))]
    if corners_px is not None:
        if n is not None and len(corners_px) != n:
            raise OpenfieldError(f"expected {n} arenas, but {len(corners_px)} are given by their corners")
        if not len(corners_px):
            raise OpenfieldError("no arena corners given")
        per_image = [[order_corners(np.asarray(c, dtype=float)) for c in corners_px]]
        sources = ["given corners"]
    else:
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or --arena-corners")
        per_image = []
        for name, image in zip(names, images, strict=True):
            try:
                per_image.append(detect_arenas(image, n=n, floor=floor))
            except OpenfieldError as exc:
                raise OpenfieldError(exc.message, name) from exc
            if len(per_image[-1]) != len(per_image[0]):
                raise OpenfieldError(
                    f"{len(per_image[-1])} arenas found here but {len(per_image[0])} in {names[0]}; "
                    "give --arenas N", name,
                )
        sources = names
    n_found = len(per_image[0])
    cals = []
    for k in range(n_found):
        measurements = [{"image": src, "arena": k + 1, "corners_px": quads[k].tolist(),
                         "px_per_cm": float(side_scales(quads[k], arena_size_cm).mean())}
                        for src, quads in zip(sources, per_image, strict=True)]
        corners, spread = _median_corners([quads[k] for quads in per_image])
        inputs = {"arena_size_cm": [float(w), float(h)], "floor": floor, "corners_given": corners_px is not None,
                  "images": names, "arena": k + 1, "n_arenas": n_found}
        cals.append(_arena_calibration(corners, arena_size_cm, measurements, spread, inputs))
    return cals


def calibrate_arena(
    images: list[np.ndarray],
    arena_size_cm: tuple[float, float],
    corners_px: np.ndarray | None = None,
    floor: str = "auto",
    names: list[str] | None = None,
) -> Calibration:
    """Calibrate from the arena floor of known size.

    Parameters
    ----------
    images
        Reference images (top view of the arena); ignored for detection
        when ``corners_px`` is given.
    arena_size_cm
        Floor width (along the top edge) and height in cm.
    corners_px
        Known corners (any order); skips detection.
    floor
        Passed to :func:`detect_arena`.
    names
        Labels of the images (file names) for the measurements.

    Returns
    -------
    Calibration
        With homography, corners and px/cm (mean over the four sides); the
        residual holds the relative spread of the per-side scales and, for
        several images, the corner spread in px.
    """
    _check_arena_size(arena_size_cm)
    w, h = arena_size_cm
    names = names or [f"image_{i}" for i in range(len(images))]
    measurements: list[dict[str, Any]] = []
    if corners_px is not None:
        corners = order_corners(np.asarray(corners_px, dtype=float))
        measurements.append({"image": "given corners", "corners_px": corners.tolist()})
        corner_spread = 0.0
    else:
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or --corners")
        all_corners = []
        for name, image in zip(names, images, strict=True):
            try:
                c = detect_arena(image, floor=floor)
            except OpenfieldError as exc:
                raise OpenfieldError(exc.message, name) from exc
            all_corners.append(c)
            measurements.append({"image": name, "corners_px": c.tolist(),
                                 "px_per_cm": float(side_scales(c, arena_size_cm).mean())})
        corners, corner_spread = _median_corners(all_corners)
    return _arena_calibration(
        corners, arena_size_cm, measurements, corner_spread,
        inputs={"arena_size_cm": [float(w), float(h)], "floor": floor,
                "corners_given": corners_px is not None, "images": names},
    )


def _check_arena_size(arena_size_cm: tuple[float, float]) -> None:
    w, h = arena_size_cm
    if not (w > 0 and h > 0):
        raise OpenfieldError(f"arena size must be positive, got {w} x {h} cm")


def _median_corners(all_corners: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Per-corner median over images, and the largest distance of an image's corner from it (px)."""
    stack = np.stack(all_corners)
    corners = np.median(stack, axis=0)
    return corners, float(np.max(np.linalg.norm(stack - corners, axis=2)))


def _arena_calibration(
    corners: np.ndarray,
    arena_size_cm: tuple[float, float],
    measurements: list[dict[str, Any]],
    corner_spread: float,
    inputs: dict[str, Any],
) -> Calibration:
    """The arena :class:`Calibration` of floor corners (tl, tr, br, bl) of known size."""
    w, h = arena_size_cm
    scales = side_scales(corners, arena_size_cm)
    hom = homography_from_corners(corners, arena_size_cm)
    spread = float((scales.max() - scales.min()) / scales.mean())
    if spread > 0.25:
        log.warning(
            "%s sides give px/cm from %.2f to %.2f: a strongly tilted camera, or an arena size "
            "that does not match the image (W is along the top edge as seen in the image)",
            f"arena {inputs['arena']}'s" if "arena" in inputs else "the arena's", scales.min(), scales.max(),
        )
    return Calibration(
        method="arena",
        px_per_cm=float(scales.mean()),
        homography=hom,
        arena_corners_px=corners,
        arena_size_cm=(float(w), float(h)),
        measurements=measurements,
        inputs=inputs,
        residual={"side_px_per_cm": scales.tolist(),
                  "side_scale_relative_spread": float((scales.max() - scales.min()) / scales.mean()),
                  "corner_spread_px": corner_spread},
    )


def calibrate_from_bodyparts(
    ds: Any,
    corner_names: tuple[str, str, str, str],
    arena_size_cm: tuple[float, float],
    min_likelihood: float = 0.6,
) -> Calibration:
    """Arena calibration from corner points tracked in a pose file.

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`).
    corner_names
        Body parts of the top-left, top-right, bottom-right and bottom-left
        floor corners (e.g. ``("tl", "tr", "br", "bl")``).
    arena_size_cm
        Floor width (top edge) and height in cm.
    min_likelihood
        Only frames where a corner is this confident count; its position is
        the median over them (the arena does not move).

    Returns
    -------
    Calibration
        Method ``"arena"``; the residual has each corner's median absolute
        deviation in px.
    """
    source = ds.attrs.get("source_file")
    names = [str(k) for k in ds["keypoints"].values]
    missing = [c for c in corner_names if c not in names]
    if missing:
        raise OpenfieldError(
            f"arena corner body part(s) {', '.join(missing)} not in the pose file; it has: {', '.join(names)}",
            source,
        )
    corners, mad = [], []
    for name in corner_names:
        xy = ds["position"].sel(keypoints=name).isel(individuals=0).transpose("time", "space").values
        lik = ds["confidence"].sel(keypoints=name).isel(individuals=0).values
        good = xy[(lik >= min_likelihood) & ~np.isnan(xy).any(axis=1)]
        if len(good) == 0:
            raise OpenfieldError(
                f"arena corner {name!r} has no frame with likelihood >= {min_likelihood}", source
            )
        med = np.median(good, axis=0)
        corners.append(med)
        mad.append(float(np.median(np.linalg.norm(good - med, axis=1))))
    corners_arr = np.array(corners)
    cal = calibrate_arena([], arena_size_cm, corners_px=corners_arr)
    if not np.allclose(order_corners(corners_arr), corners_arr):
        raise OpenfieldError(
            f"the corners {', '.join(corner_names)} are not in the order top-left, top-right, "
            "bottom-right, bottom-left as seen in the image", source,
        )
    cal.inputs.update(corner_bodyparts=list(corner_names), min_likelihood=min_likelihood, pose_file=source)
    cal.measurements = [{"image": "tracked corners", "corners_px": corners_arr.tolist(),
                         "corner_median_abs_deviation_px": dict(zip(corner_names, mad, strict=True))}]
    return cal


# --------------------------------------------------------------------------- mouse


def measure_mouse(image: np.ndarray, animal: str = "auto") -> dict[str, Any]:
    """Nose-to-tail-base length of the animal in pixels.

    The animal is segmented by :func:`openfield.segmentation.segment_animal`
    and measured by :func:`openfield.segmentation.measure_animal`: the thin
    tail is removed by an opening with a disc of about a third of the body's
    half-width, and the length is the extent of what remains along its
    principal axis.

    Parameters
    ----------
    image
        BGR or grey top-view image with one animal.
    animal
        ``"dark"``, ``"light"`` or ``"auto"`` (see
        :func:`openfield.segmentation.segment_animal`).

    Returns
    -------
    dict
        ``length_px``, ``width_px``, ``center_px``, ``axis_endpoints_px``
        (2x2), ``area_px``.
    """
    try:
        floor = arena_mask(image.shape[:2], detect_arena(image), 0.01)
    except OpenfieldError:
        floor = None  # no arena in view: the whole image, blobs at its edges left out
    mask = segment_animal(image, animal, floor)
    # 0.35 of the half-width (the tracker takes 0.4): keeps more of the snout's point, which the
    # nose-to-tail-base length includes
    m = measure_animal(mask, opening_fraction=0.35, largest_piece=True)
    if m is None:
        raise OpenfieldError("the animal's outline vanished when removing the tail; is it too small?")
    along = (m.ends - m.centre) @ m.axis
    ends = m.centre + np.sort(along)[:, None] * m.axis
    return {
        "length_px": m.extent,
        "width_px": m.width,
        "center_px": m.centre.tolist(),
        "axis_endpoints_px": ends.tolist(),
        "area_px": int(m.area),
    }


def calibrate_mouse(
    images: list[np.ndarray],
    mouse_length_cm: float,
    animal: str = "auto",
    names: list[str] | None = None,
    disagreement_warn: float = 0.10,
) -> Calibration:
    """Calibrate from a mouse of known nose-to-tail-base length.

    Parameters
    ----------
    images
        One or more reference images, one animal each.
    mouse_length_cm
        The animal's nose-to-tail-base length in cm.
    animal
        See :func:`openfield.segmentation.segment_animal`.
    names
        Labels for the images (file names).
    disagreement_warn
        Log a warning when the images' px/cm differ by more than this
        fraction of the median.

    Returns
    -------
    Calibration
        ``px_per_cm`` is the median over images; no homography.
    """
    if not mouse_length_cm > 0:
        raise OpenfieldError(f"--mouse-length-cm must be positive, got {mouse_length_cm}")
    if not images:
        raise OpenfieldError("mouse calibration needs at least one image")
    names = names or [f"image_{i}" for i in range(len(images))]
    measurements = []
    for name, image in zip(names, images, strict=True):
        try:
            m = measure_mouse(image, animal)
        except OpenfieldError as exc:
            raise OpenfieldError(exc.message, name) from exc
        m["image"] = name
        m["px_per_cm"] = m["length_px"] / mouse_length_cm
        measurements.append(m)
    scales = np.array([m["px_per_cm"] for m in measurements])
    median = float(np.median(scales))
    spread = float((scales.max() - scales.min()) / median)
    if spread > disagreement_warn:
        log.warning(
            "reference images disagree: px/cm ranges from %.2f to %.2f (%.0f%% of the median); "
            "check the --show images", scales.min(), scales.max(), 100 * spread,
        )
    return Calibration(
        method="mouse",
        px_per_cm=median,
        measurements=measurements,
        inputs={"mouse_length_cm": float(mouse_length_cm), "animal": animal, "images": names},
        residual={"px_per_cm_relative_spread": spread,
                  "px_per_cm_std": float(scales.std(ddof=1)) if len(scales) > 1 else 0.0},
    )


# --------------------------------------------------------------------------- points


def calibrate_points(p1: tuple[float, float], p2: tuple[float, float], distance_cm: float) -> Calibration:
    """Calibrate from two pixel points a known distance apart."""
    if not distance_cm > 0:
        raise OpenfieldError(f"--distance-cm must be positive, got {distance_cm}")
    d_px = float(np.hypot(p2[0] - p1[0], p2[1] - p1[1]))
    if d_px == 0:
        raise OpenfieldError("the two points are the same pixel")
    return Calibration(
        method="points",
        px_per_cm=d_px / distance_cm,
        measurements=[{"distance_px": d_px}],
        inputs={"points_px": [list(map(float, p1)), list(map(float, p2))], "distance_cm": float(distance_cm)},
    )


# --------------------------------------------------------------------------- drawing


def draw_calibration(image: np.ndarray, cal: Calibration, measurement: dict[str, Any] | None = None) -> np.ndarray:
    """Draw what was detected (corners, floor outline, measured axis) on a copy of the image."""
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    corners = None
    if measurement and "corners_px" in measurement:
        corners = np.asarray(measurement["corners_px"])
    elif cal.arena_corners_px is not None:
        corners = cal.arena_corners_px
    if corners is None and cal.arena is not None:
        outline = cal.arena.outline_px()
        cv2.polylines(out, [np.round(outline).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), 2)
        if cal.arena.shape == "circle":
            cx, cy = cal.arena.center_px  # type: ignore[misc]
            cv2.drawMarker(out, (int(round(cx)), int(round(cy))), (0, 200, 0), cv2.MARKER_CROSS, 16, 2)
    if corners is not None:
        cv2.polylines(out, [np.round(corners).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), 2)
        for label, (x, y) in zip(("TL", "TR", "BR", "BL"), corners, strict=True):
            cv2.circle(out, (int(round(x)), int(round(y))), 6, (0, 200, 0), -1)
            cv2.putText(out, label, (int(x) + 8, int(y) + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 120, 255), 2)
    if measurement and "axis_endpoints_px" in measurement:
        (x1, y1), (x2, y2) = measurement["axis_endpoints_px"]
        cv2.line(out, (int(x1), int(y1)), (int(x2), int(y2)), (0, 0, 255), 2)
        cv2.putText(out, f"{measurement['length_px']:.1f} px", (int(x2) + 5, int(y2)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
    text = f"{cal.method}: {cal.px_per_cm:.3f} px/cm"
    cv2.putText(out, text, (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 0, 0), 2)
    return out


def draw_arenas(
    image: np.ndarray, corners_list: list[np.ndarray], labels: list[str] | None = None
) -> np.ndarray:
    """Draw each arena's outline and its number at its centre on a copy of the image.

    Parameters
    ----------
    image
        BGR or grey image.
    corners_list
        One ``(4, 2)`` array of corners per arena, arena 1 first.
    labels
        Text per arena; default its number ``1..N``.

    Returns
    -------
    numpy.ndarray
        BGR image.
    """
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    labels = labels or [str(k) for k in range(1, len(corners_list) + 1)]
    scale = max(0.6, min(out.shape[:2]) / 400)
    thick = max(2, int(round(scale * 2)))
    for corners, label in zip(corners_list, labels, strict=True):
        c = np.asarray(corners, float).reshape(-1, 2)
        cv2.polylines(out, [np.round(c).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), thick)
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        cx, cy = c.mean(axis=0)
        org = (int(round(cx - tw / 2)), int(round(cy + th / 2)))
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick + 3, cv2.LINE_AA)
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (200, 0, 0), thick, cv2.LINE_AA)
    return out
