"""One rectangular arena floor found in a top-view image: its four corners, to a fraction of a pixel.

The floor is the largest region that contrasts with its surround; the
segmentations (:func:`floor_masks`) and the outline-to-quadrilateral step
(:func:`quad_from_contour`) are shared with the round-floor detector
(:mod:`openfield.arena.shape`) and the many-arena one
(:mod:`openfield.arena.multi`). Functions on numpy images; no files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import cv2
import numpy as np

from openfield.arena.geometry import order_corners
from openfield.errors import OpenfieldError
from openfield.segmentation import to_gray

T = TypeVar("T")


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
    for mask in floor_masks(gray, floor):
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


def floor_masks(gray: np.ndarray, floor: str) -> list[np.ndarray]:
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


def open_mask(mask: np.ndarray) -> np.ndarray:
    """Remove specks and thin bridges smaller than 1% of the image's short side."""
    h, w = mask.shape
    k = max(3, int(round(min(h, w) * 0.01)) | 1)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))


def largest_region(mask: np.ndarray) -> np.ndarray | None:
    """The outer contour of a mask's largest region (after :func:`open_mask`), or None for an empty mask."""
    contours, _ = cv2.findContours(open_mask(mask), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    return max(contours, key=cv2.contourArea)


def floor_area(contour: np.ndarray, shape: tuple[int, ...], min_area_fraction: float) -> float | None:
    """A region's area when it may be a floor: large enough and not running along the image's border; else None."""
    h, w = shape[:2]
    area = cv2.contourArea(contour)
    if area < min_area_fraction * h * w:
        return None
    pts = contour.reshape(-1, 2)
    on_border = (pts[:, 0] <= 1) | (pts[:, 1] <= 1) | (pts[:, 0] >= w - 2) | (pts[:, 1] >= h - 2)
    if on_border.mean() > 0.2:
        return None  # runs along the image edge: not a floor seen inside its walls
    return area


def _quad_from_mask(mask: np.ndarray, min_area_fraction: float) -> tuple[np.ndarray, float] | None:
    """The largest region of a mask as a floor quadrilateral, or None."""
    contour = largest_region(mask)
    return None if contour is None else quad_from_contour(contour, mask.shape, min_area_fraction)


def quad_from_contour(
    contour: np.ndarray, shape: tuple[int, ...], min_area_fraction: float
) -> tuple[np.ndarray, float] | None:
    """A region's outline as sub-pixel floor corners and its area, or None when it is not a plausible floor."""
    area = floor_area(contour, shape, min_area_fraction)
    if area is None:
        return None
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


def image_names(images: list[np.ndarray], names: list[str] | None = None) -> list[str]:
    """The labels of reference images (their file names): ``names``, or ``image_0``, ``image_1``, ..."""
    return names or [f"image_{i}" for i in range(len(images))]


def each_image(find: Callable[[np.ndarray], T], images: list[np.ndarray], names: list[str]) -> list[T]:
    """``find`` applied to every image; its error names the image (by its label in ``names``)."""
    found = []
    for name, image in zip(names, images, strict=True):
        try:
            found.append(find(image))
        except OpenfieldError as exc:
            raise OpenfieldError(exc.message, name) from exc
    return found
