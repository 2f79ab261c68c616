"""Counting animals: how many animal-sized blobs the floor holds (the ``several_animals`` check)."""

from __future__ import annotations

import cv2
import numpy as np

from openfield.segmentation import disc, open_mask, threshold

#: Every this many frames in which the animal was found, the whole floor is searched for other animal-sized blobs
#: (:meth:`~openfield.tracking.frame.FrameTracker.count_animals`): the ``several_animals`` check costs a tenth of
#: a full-frame search.
SEVERAL_CHECK_EVERY = 10
#: A blob counts as another animal from this fraction of the tracked animal's median area (a tail, a reflection
#: or a dropping is smaller; a second mouse of the same strain is about the same size).
SEVERAL_MIN_AREA_FRACTION = 0.4
#: Foreground pieces closer than this many body lengths are one animal for that count (a mouse seen from below
#: segments into body, paws and tail; two mice apart are a body length or more apart for most of the time).
SEVERAL_MERGE_BODY_LENGTHS = 0.5


def count_animals(diff: np.ndarray, level: float | None, floor_mask: np.ndarray, area: float, length: float,
                  max_area: float, scale: int = 1) -> int:
    """How many animal-sized clusters of foreground a floor holds.

    The foreground (``diff`` over ``level``, inside ``floor_mask``, opened to
    drop thin pieces) is grouped into clusters: pieces closer than
    :data:`SEVERAL_MERGE_BODY_LENGTHS` of the animal's median ``length``
    belong together (one animal's body, paws and tail may segment apart, as
    from below). A cluster counts when its foreground reaches
    :data:`SEVERAL_MIN_AREA_FRACTION` of the animal's median ``area``, up to
    ``max_area`` (the largest plausible blob).

    Parameters
    ----------
    diff
        The frame's difference from the background, signed by the animal's
        polarity (:func:`openfield.segmentation.difference`), at 1/``scale``
        resolution.
    level
        The foreground threshold, grey levels (set by the time animals are counted).
    floor_mask
        Where the animal may be, at the same resolution.
    area, length
        The animal's median blob area (px, whole resolution) and length (px).
    max_area
        The largest blob taken for an animal (px, whole resolution).
    scale
        Each pixel of ``diff`` stands for ``scale`` x ``scale`` pixels of the frame.

    Returns
    -------
    int
        The number of animal-sized clusters.
    """
    k = scale
    fg = open_mask(cv2.bitwise_and(threshold(diff, level), floor_mask), 1)
    r = max(1, int(round(SEVERAL_MERGE_BODY_LENGTHS * length / k / 2)))
    n, labels = cv2.connectedComponents(cv2.dilate(fg, disc(r)), connectivity=8)
    areas = np.bincount(labels[fg > 0], minlength=n)[1:].astype(float) * k * k
    return int(np.count_nonzero((areas >= SEVERAL_MIN_AREA_FRACTION * area) & (areas <= max_area)))
