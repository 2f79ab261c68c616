"""The background model of a video: the window's samples, less what a resting animal left."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import cv2
import numpy as np

from openfield.segmentation import (
    arena_mask,
    difference,
    floor_polarity,
    largest_component,
    open_mask,
    otsu_level,
    remove_ghosts,
    threshold,
    to_gray,
)
from openfield.tracking.config import MIN_THRESHOLD, TrackerConfig

log = logging.getLogger(__name__)

#: What a resting animal left in the background is looked for inside the floor polygon narrowed by this fraction
#: of its shorter side (the floor's edges may flicker or move with the camera; see :func:`without_ghosts`).
GHOST_EDGE_FRACTION = 0.03


def without_ghosts(samples: list[np.ndarray], background: np.ndarray, masks: Sequence[np.ndarray],
                    arenas: Sequence[np.ndarray | None], config: TrackerConfig,
                    path: str | os.PathLike[str]) -> np.ndarray:
    """The background less what a resting animal left in each arena (:func:`~openfield.segmentation.remove_ghosts`).

    The animal's polarity is the tracker's option, or with ``auto`` the
    other side of the arena floor's brightness (:func:`~openfield.segmentation.floor_polarity`).
    """
    for k, (mask, corners) in enumerate(zip(masks, arenas, strict=True)):
        floor = background[mask > 0]
        if floor.size == 0:
            continue  # outside the image: reported when the trackers are made
        animal = config.animal if config.animal != "auto" else floor_polarity(floor.reshape(-1, 1))
        # inside the floor, off its edges (they may flicker or shift), and inside this arena's own mask
        inner = cv2.bitwise_and(mask, arena_mask(background.shape[:2], corners, -GHOST_EDGE_FRACTION))
        background, fixed = remove_ghosts(samples, background, MIN_THRESHOLD, animal, inner)
        if fixed:
            log.info("%s: %s%d background pixels held an animal that rested there; replaced by the floor seen "
                     "in the other frames", path, f"arena {k + 1}: " if len(masks) > 1 else "", fixed)
    return background


def moving_in_window(
    samples: Sequence[np.ndarray], background: np.ndarray, masks: Sequence[np.ndarray], config: TrackerConfig
) -> list[bool]:
    """Per arena: was the animal seen away from the background in at least 80 % of the window's samples?

    The animal is looked for in each sample (difference from their median,
    either sign, inside the arena's floor); when it is found in fewer than
    80 % of them, it sat still long enough to stay in the median (or the
    arena is empty), and that arena's background is sampled over the whole
    video instead.
    """
    bg = to_gray(background)
    diffs = [difference(to_gray(f), bg, "any") for f in samples]
    ok = []
    for mask in masks:
        x, y, w, h = cv2.boundingRect(mask)
        if w == 0 or h == 0:
            ok.append(True)  # outside the image: reported when the trackers are made
            continue
        m = mask[y:y + h, x:x + w]
        crops = [d[y:y + h, x:x + w] for d in diffs]
        level = max(otsu_level(np.concatenate([c[m > 0] for c in crops])), MIN_THRESHOLD)
        max_area = config.max_area_fraction * float(np.count_nonzero(m))
        found = sum(largest_component(open_mask(cv2.bitwise_and(threshold(c, level), m), 1),
                                      config.min_area_px, max_area) is not None for c in crops)
        ok.append(found >= 0.8 * len(samples))
    return ok
