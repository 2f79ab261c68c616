"""The arenas of a video: their floor masks, boxes and outlines."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import cv2
import numpy as np

from openfield.arena import polygon_area
from openfield.calibration import detect_arena_shape
from openfield.errors import OpenfieldError
from openfield.io.video import VideoInfo
from openfield.segmentation import arena_mask

log = logging.getLogger(__name__)


def check_corners(corners: np.ndarray, number: int, path: str | os.PathLike[str]) -> np.ndarray:
    """Arena ``number``'s floor outline as float ``(n, 2)`` pixels, checked: at least 3 finite points enclosing
    an area (else an error naming the arena and the video ``path``)."""
    c = np.asarray(corners, dtype=float)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) < 3 or not np.isfinite(c).all():
        raise OpenfieldError(f"arena {number}: the floor's outline must be (x, y) pixel pairs (4 corners of a "
                             f"rectangle, or the points of any other outline), got shape {c.shape}", path)
    if polygon_area(c) <= 0:
        raise OpenfieldError(f"arena {number}: the floor's outline encloses no area", path)
    return c


def arena_masks(
    shape: tuple[int, int], arenas: Sequence[np.ndarray | None], margin_fraction: float
) -> list[np.ndarray]:
    """Each arena's floor mask (uint8 0/255): its polygon widened by the margin, kept off the other arenas.

    With several arenas, a pixel belongs at most to the arena whose floor
    polygon is nearest (the widening stops half-way to the next arena), so
    no pixel is searched by two trackers and the next box's floor is never
    searched.

    Parameters
    ----------
    shape
        Image height and width.
    arenas
        Floor corners ``(4, 2)`` of each arena (None: the whole image; one arena only).
    margin_fraction
        Widening as a fraction of each polygon's shorter side (see :func:`arena_mask`).
    """
    masks = [arena_mask(shape, c, margin_fraction) for c in arenas]
    if len(masks) > 1:
        dist = np.stack([cv2.distanceTransform(cv2.bitwise_not(arena_mask(shape, c, 0.0)), cv2.DIST_L2, 3)
                         for c in arenas])
        owner = np.argmin(dist, axis=0)
        masks = [np.where(owner == k, m, 0).astype(np.uint8) for k, m in enumerate(masks)]
    return masks


def arena_boxes(
    masks: Sequence[np.ndarray], info: VideoInfo, path: str | os.PathLike[str]
) -> list[tuple[int, int, int, int]]:
    """Each mask's bounding box ``(x0, y0, x1, y1)``, its corner at even pixels (then the half-resolution
    pixels of the box are those of the whole frame)."""
    boxes = []
    for k, mask in enumerate(masks):
        x, y, w, h = cv2.boundingRect(mask)
        if w == 0 or h == 0:
            raise OpenfieldError(f"arena {k + 1} lies outside the {info.width}x{info.height} image", path)
        boxes.append((x & ~1, y & ~1, x + w, y + h))
    return boxes


def find_arena(background: np.ndarray, path: str | os.PathLike[str]) -> np.ndarray | None:
    """The floor's outline (a rectangle's corners or a round floor's outline), or None (the whole image)."""
    try:
        return detect_arena_shape(background).outline_px()
    except OpenfieldError as exc:
        log.warning("%s: %s; searching the whole image for the animal", path, exc.message)
        return None
