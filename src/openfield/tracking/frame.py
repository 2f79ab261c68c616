"""Per-frame detection: the animal's blob, outline and ends in one frame (:class:`FrameTracker`)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable

import cv2
import numpy as np

from openfield.segmentation import (
    AnimalMeasure,
    background_polarity,
    difference,
    largest_component,
    measure_animal,
    open_mask,
    otsu_level,
    threshold,
    to_gray,
)
from openfield.tracking.config import MIN_THRESHOLD, TrackerConfig
from openfield.tracking.several import SEVERAL_CHECK_EVERY, count_animals

log = logging.getLogger(__name__)

#: Each frame's animal is first looked for in the last blob's box widened by this many body lengths (+ 10 px):
#: about half the pixels of the usual window (``TrackerConfig.search_body_lengths``), which is searched
#: only when none is found there or the one found touches the crop's side (it may go on beyond).
SNUG_MARGIN_BODY_LENGTHS = 0.2


class FrameTracker:
    """Stateful per-frame blob finder for one video (the streaming part).

    Parameters
    ----------
    background
        Grey background image (animal absent).
    floor_mask
        ``uint8`` mask where the animal may be.
    config
        Tracker options.
    select
        ``"area"`` (the largest blob) or ``"thickness"`` (the thickest).
    lut
        The frames are a video's luma plane, and this maps it to grey
        (:attr:`openfield.io.video.VideoReader.luma_lut`): only the pixels
        searched are mapped. None: BGR or grey frames.
    """

    def __init__(
        self,
        background: np.ndarray,
        floor_mask: np.ndarray,
        config: TrackerConfig,
        select: str = "area",
        lut: np.ndarray | None = None,
    ) -> None:
        self.select = select
        self.lut = lut
        self.background = to_gray(background)
        self.mask = floor_mask
        self.config = config
        self.animal = config.animal
        self.threshold = config.threshold
        self.max_area = config.max_area_fraction * float(np.count_nonzero(floor_mask))
        self.areas: deque[float] = deque(maxlen=51)
        self.lengths: deque[float] = deque(maxlen=51)
        self.prev: np.ndarray | None = None
        self.box: tuple[int, int, int, int] | None = None  # the last blob's box (x0, y0, x1, y1), full resolution
        self.outline: tuple[np.ndarray, tuple[int, int], int] | None = None  # the last blob: mask, corner, scale
        self.full_searches = 0
        self.found = 0  # frames in which the animal was found
        self.several_checks = 0  # of them, searched whole for other animals
        self.several_hits = 0  # of those, with two or more animal-sized blobs
        self.scale = 1
        self.background_small = self.background
        self.mask_small = self.mask

    def _gray(self, image: np.ndarray) -> np.ndarray:
        return cv2.LUT(image, self.lut) if self.lut is not None else to_gray(image)

    def _may_hold_animal(self, frame: np.ndarray) -> bool:
        """Before the first blob: do enough floor pixels differ from the background for one?

        A blob needs ``min_area_px`` pixels differing by more than the
        threshold, which is at least :data:`MIN_THRESHOLD` (or the one
        given); when fewer differ by that much in either direction, the
        search would find nothing, and this says so at a fraction of its cost.
        """
        level = self.config.threshold if self.config.threshold is not None else MIN_THRESHOLD
        _, over = cv2.threshold(cv2.absdiff(self._gray(frame), self.background), level, 255, cv2.THRESH_BINARY)
        return cv2.countNonZero(cv2.bitwise_and(over, self.mask)) >= self.config.min_area_px

    def _setup(self, gray: np.ndarray) -> None:
        if self.animal == "auto":
            self.animal = background_polarity(gray, self.background, self.mask, self.threshold)
            log.debug("animal polarity: %s", self.animal)
        if self.threshold is None:
            d = difference(gray, self.background, self.animal)
            self.threshold = max(otsu_level(d[self.mask > 0]), MIN_THRESHOLD)
            log.debug("foreground threshold: %.1f grey levels", self.threshold)

    def _search(
        self, frame: np.ndarray, x0: int, y0: int, x1: int, y1: int, expected: float | None, whole: bool = True
    ) -> AnimalMeasure | None:
        """The animal in ``frame[y0:y1, x0:x1]``; with ``whole``, only a blob that does not touch a side of the
        crop inside the image (it could go on beyond it): None otherwise."""
        crop = frame[y0:y1, x0:x1]
        gray = self._gray(crop)
        k = self.scale
        if k > 1:  # a large animal: work at half resolution (4x fewer pixels, still ~60 px long)
            # each half-resolution pixel the mean of a 2 x 2 block of the frame, whatever the crop (its corner
            # is at even pixels; an odd last row or column is left out), as in the background's
            gray = _halve(gray, k)
            ys, xs = slice(y0 // k, y0 // k + gray.shape[0]), slice(x0 // k, x0 // k + gray.shape[1])
            bg, mask = self.background_small[ys, xs], self.mask_small[ys, xs]
        else:
            bg, mask = self.background[y0:y1, x0:x1], self.mask[y0:y1, x0:x1]
        diff = difference(gray, bg, self.animal)
        fg = cv2.bitwise_and(threshold(diff, self.threshold), mask)
        if self.select == "thickness":
            fg = open_mask(fg, 1)  # drop 1-2 px lines, edges and noise
        lo = self.config.min_area_px if expected is None else max(self.config.min_area_px, 0.3 * expected)
        hi = self.max_area if expected is None else min(self.max_area, 3.0 * expected)
        found = largest_component(fg, lo / k**2, hi / k**2, by=self.select)
        if found is None:
            return None
        x, y, w, h = found.bbox
        if whole and ((x == 0 < x0) or (y == 0 < y0) or (x + w == fg.shape[1] and x1 < frame.shape[1])
                      or (y + h == fg.shape[0] and y1 < frame.shape[0])):
            return None  # cut by the crop: look again in a larger one
        blob = measure_animal(found.mask, diff[y:y + h, x:x + w], self.config.trunk_fraction,
                              self.config.opening_fraction)
        if blob is None:
            return None
        self.box = (x0 + k * x, y0 + k * y, x0 + k * (x + w), y0 + k * (y + h))
        self.outline = (found.mask, (x0 // k + x, y0 // k + y), k)  # for the outline's change (x0, y0 even)
        # a half-resolution pixel i covers full-resolution pixels k*i .. k*i + k-1
        return blob.shifted(np.array([x0 + k * x, y0 + k * y], dtype=float), k)

    def _set_scale(self, length: float) -> None:
        k = 2 if self.config.downsample and length >= self.config.downsample_min_length_px else 1
        if k != self.scale:
            self.scale = k
            self.background_small = _halve(self.background, k)
            self.mask_small = _halve(self.mask, k, cv2.INTER_NEAREST)
            log.debug("animal %.0f px long: working at 1/%d resolution", length, k)

    def count_animals(self, frame: np.ndarray, area: float, length: float) -> int:
        """How many animal-sized clusters of foreground the whole floor holds in this frame.

        :func:`openfield.tracking.several.count_animals` of the frame's
        difference from the background, at the tracker's working scale, with
        the animal's polarity and threshold; ``area`` (px) and ``length`` are
        the animal's median blob area and length.
        """
        k = self.scale
        gray = self._gray(frame)
        bg, mask = self.background, self.mask
        if k > 1:
            gray, bg, mask = _halve(gray, k), self.background_small, self.mask_small
            gray = gray[:bg.shape[0], :bg.shape[1]]
        return count_animals(difference(gray, bg, self.animal), self.threshold, mask, area, length, self.max_area, k)

    def update(self, frame: np.ndarray) -> tuple[AnimalMeasure | None, float]:
        """Find the animal in one frame.

        Parameters
        ----------
        frame
            BGR or grey frame.

        Returns
        -------
        blob : openfield.segmentation.AnimalMeasure or None
            None when no plausible blob is found.
        quality : float
            Blob quality in [0, 1] (0 when not found).
        """
        fresh = self.animal == "auto" or self.threshold is None
        if fresh:
            if not self._may_hold_animal(frame):  # an empty arena: no setup, no search
                self.full_searches += 1
                return None, 0.0
            self._setup(self._gray(frame))
        h, w = frame.shape[:2]
        blob = None
        expected = _median(self.areas) if self.areas else None
        if self.prev is not None and self.lengths:
            length = _median(self.lengths)
            # first around the last blob's box, as far as an animal moves in a frame or two; a blob cut by
            # that crop is looked for again in the usual window (even corners, so that half-resolution crops
            # line up with the half-resolution background)
            if self.box is not None:
                m = int(SNUG_MARGIN_BODY_LENGTHS * length + 10)
                bx0, by0, bx1, by1 = self.box
                blob = self._search(frame, max(bx0 - m, 0) & ~1, max(by0 - m, 0) & ~1, min(bx1 + m, w),
                                    min(by1 + m, h), expected)
            if blob is None:
                r = int(self.config.search_body_lengths * length + 20)
                px, py = int(self.prev[0]), int(self.prev[1])
                x0, y0 = max(px - r, 0) & ~1, max(py - r, 0) & ~1
                x1, y1 = min(px + r, w), min(py + r, h)
                blob = self._search(frame, x0, y0, x1, y1, expected, whole=False)
        if blob is None:
            self.full_searches += 1
            blob = self._search(frame, 0, 0, w, h, expected, whole=False)
        if blob is None:
            if fresh:  # polarity and threshold are set on the first frame with an animal (an arena may be empty)
                self.animal, self.threshold = self.config.animal, self.config.threshold
            return None, 0.0
        if not self.lengths:
            self._set_scale(blob.length)
        self.found += 1
        if len(self.areas) >= 5 and self.found % SEVERAL_CHECK_EVERY == 0:
            self.several_checks += 1
            self.several_hits += self.count_animals(frame, _median(self.areas), _median(self.lengths)) >= 2
        expected = expected if expected is not None else blob.area
        self.areas.append(blob.area)
        self.lengths.append(blob.length)
        self.prev = blob.body
        area_score = min(blob.area / expected, expected / blob.area)
        contrast_score = float(np.clip(blob.contrast / (2.0 * self.threshold), 0.0, 1.0))
        return blob, float(area_score * contrast_score)


def _halve(image: np.ndarray, k: int, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """``image`` at 1/k resolution, each pixel from one k x k block (a last partial row or column is left out).

    ``cv2.INTER_AREA``: the block's mean; ``cv2.INTER_NEAREST`` (masks): one of its pixels.
    """
    h, w = image.shape[:2]
    return cv2.resize(image[:h - h % k, :w - w % k], (w // k, h // k), interpolation=interpolation)


def _median(values: Iterable[float]) -> float:
    """The median of a few numbers (``np.median``'s value, without its overhead on 51 numbers per frame)."""
    v = sorted(values)
    mid = len(v) // 2
    return float(v[mid]) if len(v) % 2 else (v[mid - 1] + v[mid]) / 2.0
