"""A classical, DeepLabCut-free tracker: head, body and tail base from the animal's blob.

In the spirit of ezTrack. The per-frame steps use the shared animal
segmenter (:mod:`openfield.segmentation`); the choice of the head over
time is in :mod:`openfield.orientation`. Per frame:

1. **Foreground.** For a video, the difference from a background model (the
   per-pixel median of frames in which the moving animal vanishes: frames
   spread over the first ``background_window_s`` seconds, decoded by the same
   pass that then tracks; frames spread over the whole video, found by
   seeking, when the animal did not move enough in that window), signed by
   the animal's polarity (dark animal on a light floor or the reverse),
   thresholded once per video (Otsu on the first frame's difference, or a
   given threshold). Frames are decoded in a background thread, ahead of
   the tracking. For a single image there is no background model: the
   floor is a smooth surface fitted to the image's floor pixels
   (:func:`openfield.segmentation.floor_model`).
2. **Blob.** Inside the arena floor (polygon from the calibration or found
   on the background, widened by a margin), the largest blob of plausible
   size; after the first detection only a window around the last position is
   searched (cheaper than decoding the frame), with a full-frame search when
   the animal is not found there.
3. **Body.** The centroid of the trunk: the pixels at least
   ``trunk_fraction`` as far from the outline as the thickest point (the
   distance transform). This leaves out the thin tail and also the narrower
   head, which would pull a plain blob centroid forwards (by about 9 px,
   0.11 body lengths, on the synthetic mouse).
4. **Ends.** A morphological opening by a disc of ``opening_fraction`` of
   the half-width removes the tail; the two ends of what remains along its
   principal axis are the nose and the tail base. What the opening removed
   (the tail) says which end is the tail base.
5. **Which end is the head, over time**: :func:`openfield.orientation.orient`.

The likelihood of the body is the blob's quality: its area against the
running median area (a blob merged with a shadow or cut in half scores low)
times its contrast against the threshold. Frames where no plausible blob is
found get NaN and likelihood 0.

Only the frame being processed is in memory; per frame a few numbers are
kept (the ends, the body, the cues) for the orientation pass at the end.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from openfield.arena import polygon_area
from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.calibration import detect_arena_shape
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy
from openfield.io.video import VideoInfo, VideoReader, sample_frames, video_info
from openfield.mobility import outline_change
from openfield.orientation import orient
from openfield.segmentation import (
    AnimalMeasure,
    arena_mask,
    background_polarity,
    difference,
    disc,
    floor_polarity,
    image_foreground,
    largest_component,
    measure_animal,
    median_background,
    open_mask,
    otsu_level,
    remove_ghosts,
    threshold,
    to_gray,
)

log = logging.getLogger(__name__)

#: Body parts written by the tracker, in this order (:data:`openfield.bodyparts.TRACKER_KEYPOINTS`).
KEYPOINTS = TRACKER_KEYPOINTS
#: Scorer name in the DeepLabCut-layout CSV.
SCORER = "openfield-classic"

#: Memory for the background window's frames, held until the background is made and then tracked without
#: decoding them again (600 grey 640x480 frames fit; of larger frames the window's first ones are decoded
#: twice).
WINDOW_BUFFER_BYTES = 256 * 2**20

#: The lowest foreground threshold taken from Otsu's method, grey levels.
MIN_THRESHOLD = 12.0

#: What a resting animal left in the background is looked for inside the floor polygon narrowed by this fraction
#: of its shorter side (the floor's edges may flicker or move with the camera; see :func:`_without_ghosts`).
GHOST_EDGE_FRACTION = 0.03

#: Each frame's animal is first looked for in the last blob's box widened by this many body lengths (+ 10 px):
#: about half the pixels of the usual window (``TrackerConfig.search_body_lengths``), which is searched
#: only when none is found there or the one found touches the crop's side (it may go on beyond).
SNUG_MARGIN_BODY_LENGTHS = 0.2

#: The silhouette measures :func:`track_frames` keeps per frame (``ds["silhouette"]``); ``outline_change`` is
#: :func:`openfield.mobility.outline_change` of the blob and the previous frame's (NaN where either is missing).
SILHOUETTE_MEASURES = ("area_px", "length_px", "width_px", "outline_change")

#: Every this many frames in which the animal was found, the whole floor is searched for other animal-sized blobs
#: (:meth:`FrameTracker.count_animals`): the ``several_animals`` check costs a tenth of a full-frame search.
SEVERAL_CHECK_EVERY = 10
#: A blob counts as another animal from this fraction of the tracked animal's median area (a tail, a reflection
#: or a dropping is smaller; a second mouse of the same strain is about the same size).
SEVERAL_MIN_AREA_FRACTION = 0.4
#: Foreground pieces closer than this many body lengths are one animal for that count (a mouse seen from below
#: segments into body, paws and tail; two mice apart are a body length or more apart for most of the time).
SEVERAL_MERGE_BODY_LENGTHS = 0.5


@dataclass(frozen=True)
class TrackerConfig:
    """Options of the classical tracker.

    Attributes
    ----------
    animal
        ``"dark"`` (dark animal, light floor), ``"light"`` or ``"auto"``.
    threshold
        Foreground threshold in grey levels of difference from the
        background; None picks it by Otsu's method on the first frame.
    background_frames
        Frames whose median is the background.
    background_window_s
        The background frames are spread over the video's first seconds,
        decoded in the tracking pass itself (no seeking); when the animal
        is not found in at least 80% of them (it sat still), they are
        spread over the whole video instead. 0: always the whole video.
    arena_margin_fraction
        The arena floor polygon is widened by this fraction of its shorter
        side (a rearing animal's head leans over the wall).
    min_area_px
        Smallest blob taken for the animal.
    max_area_fraction
        Largest blob, as a fraction of the arena area.
    trunk_fraction
        Pixels at least this fraction of the maximum distance to the
        outline make the trunk, whose centroid is the body point.
    opening_fraction
        Radius of the opening that removes the tail, as a fraction of the
        blob's half-width.
    search_body_lengths
        Half-size of the search window around the previous position, in
        body lengths (plus 20 px).
    downsample, downsample_min_length_px
        Work at half resolution when the animal (without tail) is at least
        this long in pixels: as accurate, four times fewer pixels.
    motion_window_s
        Half-width of the centred difference that gives the velocity.
    min_speed_body_lengths_s, full_speed_body_lengths_s
        Below the first speed the motion says nothing about the head; at
        the second it counts fully.
    motion_weight, tail_weight, continuity_weight
        Weights of the three kinds of evidence for the head's end.
    """

    animal: str = "auto"
    threshold: float | None = None
    background_frames: int = 25
    background_window_s: float = 20.0
    arena_margin_fraction: float = 0.04
    min_area_px: int = 30
    max_area_fraction: float = 0.15
    trunk_fraction: float = 0.7
    opening_fraction: float = 0.4
    search_body_lengths: float = 1.0
    downsample: bool = True
    downsample_min_length_px: float = 90.0
    motion_window_s: float = 0.1
    min_speed_body_lengths_s: float = 0.5
    full_speed_body_lengths_s: float = 2.0
    motion_weight: float = 1.0
    tail_weight: float = 0.5
    continuity_weight: float = 2.0

    def __post_init__(self) -> None:
        if self.animal not in ("auto", "dark", "light"):
            raise OpenfieldError(f"animal must be auto, dark or light, not {self.animal!r}")
        if self.background_window_s < 0:
            raise OpenfieldError(f"background window must be >= 0 s, got {self.background_window_s}")
        if self.threshold is not None and not 0 < self.threshold < 255:
            raise OpenfieldError(f"threshold must be between 0 and 255 grey levels, got {self.threshold}")


# --------------------------------------------------------------------------- per frame


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

        The foreground (the animal's polarity and threshold, opened to drop
        thin pieces) is grouped into clusters: pieces closer than
        :data:`SEVERAL_MERGE_BODY_LENGTHS` of the animal's median ``length``
        belong together (one animal's body, paws and tail may segment apart,
        as from below). A cluster counts when its foreground reaches
        :data:`SEVERAL_MIN_AREA_FRACTION` of the animal's median ``area``
        (px), up to the largest plausible blob.
        """
        k = self.scale
        gray = self._gray(frame)
        bg, mask = self.background, self.mask
        if k > 1:
            gray, bg, mask = _halve(gray, k), self.background_small, self.mask_small
            gray = gray[:bg.shape[0], :bg.shape[1]]
        fg = open_mask(cv2.bitwise_and(threshold(difference(gray, bg, self.animal), self.threshold), mask), 1)
        r = max(1, int(round(SEVERAL_MERGE_BODY_LENGTHS * length / k / 2)))
        n, labels = cv2.connectedComponents(cv2.dilate(fg, disc(r)), connectivity=8)
        areas = np.bincount(labels[fg > 0], minlength=n)[1:].astype(float) * k * k
        return int(np.count_nonzero((areas >= SEVERAL_MIN_AREA_FRACTION * area) & (areas <= self.max_area)))

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


def _outline_change(previous: tuple[np.ndarray, tuple[int, int], int] | None,
                    current: tuple[np.ndarray, tuple[int, int], int] | None) -> float:
    """:func:`openfield.mobility.outline_change` of two :attr:`FrameTracker.outline` (mask, corner, scale k).

    At one scale the masks are compared in its pixels: each is a k x k block of whole-frame pixels on the
    same grid (even corners), so the share is the whole frame's. At two (the frame where the tracker goes
    to half resolution) both are taken to whole-frame pixels.
    """
    if previous is None or current is None:
        return float("nan")
    (a, (ax, ay), ka), (b, (bx, by), kb) = previous, current
    if ka != kb:
        a, ax, ay = np.repeat(np.repeat(a, ka, axis=0), ka, axis=1), ax * ka, ay * ka
        b, bx, by = np.repeat(np.repeat(b, kb, axis=0), kb, axis=1), bx * kb, by * kb
    return outline_change(a, (ax, ay), b, (bx, by))


def _median(values: Iterable[float]) -> float:
    """The median of a few numbers (``np.median``'s value, without its overhead on 51 numbers per frame)."""
    v = sorted(values)
    mid = len(v) // 2
    return float(v[mid]) if len(v) % 2 else (v[mid - 1] + v[mid]) / 2.0


# --------------------------------------------------------------------------- whole videos and images


class ArenaTrack:
    """One arena's :class:`FrameTracker` and its per-frame results, fed whole frames.

    The tracker sees only the arena's box of each frame (a view, no copy)
    and its floor mask; the results are kept per frame (a few numbers) and
    turned into a pose dataset in whole-image pixels by :meth:`dataset`.

    Parameters
    ----------
    background
        Grey or BGR background of the whole frame (or of the box alone,
        when ``box`` is None).
    floor_mask
        Where this arena's animal may be, whole frame.
    config
        Tracker options.
    box
        ``(x0, y0, x1, y1)`` of the arena in the frame; None: the whole frame.
    lut
        The frames are luma planes and this maps them to grey (see :class:`FrameTracker`).
    """

    def __init__(
        self,
        background: np.ndarray,
        floor_mask: np.ndarray,
        config: TrackerConfig,
        box: tuple[int, int, int, int] | None = None,
        lut: np.ndarray | None = None,
    ) -> None:
        h, w = floor_mask.shape[:2]
        x0, y0, x1, y1 = box if box is not None else (0, 0, w, h)
        self.rows, self.cols = slice(y0, y1), slice(x0, x1)
        self.origin = np.array([x0, y0], dtype=float)
        self.config = config
        self.tracker = FrameTracker(np.ascontiguousarray(background[self.rows, self.cols]),
                                    np.ascontiguousarray(floor_mask[self.rows, self.cols]), config, lut=lut)
        self.bodies: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        self.tips: list[np.ndarray] = []
        self.cues: list[float] = []
        self.quality: list[float] = []
        self.shapes: list[tuple[float, float, float]] = []
        self.contrasts: list[float] = []
        self.changes: list[float] = []  # the outline's change since the previous frame (mobility.outline_change)
        self.last_outline: tuple[np.ndarray, tuple[int, int], int] | None = None

    def update(self, frame: np.ndarray) -> None:
        """Track the animal in one whole frame (BGR or grey) and keep the result."""
        blob, q = self.tracker.update(frame[self.rows, self.cols])
        outline = self.tracker.outline if blob is not None else None  # the returned blob's (its search set it)
        self.changes.append(_outline_change(self.last_outline, outline))
        self.last_outline = outline
        if blob is None:
            self.bodies.append(_NAN2)
            self.ends.append(_NAN22)
            self.tips.append(_NAN22)
            self.cues.append(0.0)
            self.shapes.append(_NAN3)
        else:
            self.bodies.append(blob.body)
            self.ends.append(blob.ends)
            self.tips.append(blob.tips)
            self.cues.append(blob.tail_cue)
            self.shapes.append((blob.area, blob.extent, blob.width))
            self.contrasts.append(blob.contrast)
        self.quality.append(q)

    def dataset(self, fps: float | None, source_file: str | None = None) -> xr.Dataset:
        """The pose dataset of the frames seen so far (see :func:`track_frames`)."""
        if not self.bodies:
            raise OpenfieldError("no frames to track", source_file)
        config, tracker = self.config, self.tracker
        body = np.array(self.bodies) + self.origin
        ends, tips = np.array(self.ends) + self.origin, np.array(self.tips) + self.origin
        head, tail, prob = orient(body, ends, np.array(self.cues), fps, config, tips=tips)
        q = np.array(self.quality)
        position = np.stack([head, body, tail], axis=1)
        confidence = np.stack([q * prob, q, q * prob], axis=1)
        n_missing = int(np.isnan(body[:, 0]).sum())
        if n_missing:
            log.info("%s: no animal found in %d of %d frames", source_file or "video", n_missing, len(body))
        log.debug("full-frame searches: %d of %d frames", tracker.full_searches, len(body))
        ds = from_numpy(position, confidence, list(KEYPOINTS), fps=fps, source_file=source_file,
                        source_software="openfield-classic", scorer=SCORER)
        # the silhouette the tracker measured: a rearing mouse seen from above is shorter and rounder
        ds["silhouette"] = xr.DataArray(
            np.c_[np.array(self.shapes, dtype=float).reshape(-1, 3), self.changes],
            dims=("time", "silhouette_measure"),
            coords={"time": ds["time"], "silhouette_measure": list(SILHOUETTE_MEASURES)})
        ds.attrs["tracker_config"] = str(asdict(config))
        ds.attrs["animal"] = tracker.animal
        ds.attrs["threshold"] = float(tracker.threshold or 0.0)
        # the animal's difference from the floor (grey levels, median over the frames it was found in): the
        # quality check's low_contrast flag
        found_contrast = np.asarray(self.contrasts, float)
        found_contrast = found_contrast[np.isfinite(found_contrast)]
        ds.attrs["contrast"] = float(np.median(found_contrast)) if len(found_contrast) else None
        # the share of the checked frames in which the floor held two or more animal-sized blobs
        ds.attrs["several_animals_fraction"] = (tracker.several_hits / tracker.several_checks
                                                if tracker.several_checks else None)
        return ds


_NAN2 = np.full(2, np.nan)
_NAN22 = np.full((2, 2), np.nan)
_NAN3 = (np.nan, np.nan, np.nan)


def track_frames(
    frames: Iterable[np.ndarray],
    background: np.ndarray,
    floor_mask: np.ndarray,
    fps: float | None,
    config: TrackerConfig | None = None,
    n_frames: int | None = None,
    progress: bool = False,
    desc: str = "tracking",
    source_file: str | None = None,
) -> xr.Dataset:
    """Track the animal through a stream of frames.

    Parameters
    ----------
    frames
        Iterable of BGR (or grey) frames; consumed one at a time.
    background
        Background image of the same size.
    floor_mask
        Where the animal may be (see :func:`arena_mask`).
    fps
        Frame rate (for the motion evidence and the time axis).
    config
        Tracker options.
    n_frames
        Expected number of frames, for the progress bar.
    progress
        Show a tqdm progress bar.
    desc
        Progress bar label.
    source_file
        Recorded in the dataset's attributes.

    Returns
    -------
    xarray.Dataset
        Pose dataset with keypoints head, body, tail (pixels) and their
        likelihoods; scorer ``openfield-classic``; and ``silhouette``
        (time, silhouette_measure): the blob's ``area_px`` (px², tail
        included), ``length_px`` (nose to tail base along its axis) and
        ``width_px`` (across it), NaN where no animal was found
        (:class:`openfield.segmentation.AnimalMeasure`); and
        ``outline_change``, the share of its pixels changed since the previous
        frame (:func:`openfield.mobility.outline_change` of the two blob masks
        in whole-frame pixels), NaN where the animal was not found in this
        frame or the previous one.
    """
    track = ArenaTrack(background, floor_mask, config or TrackerConfig())
    _feed(frames, [track], n_frames, progress, desc)
    return track.dataset(fps, source_file)


def _feed(frames: Iterable[np.ndarray], tracks: Sequence[ArenaTrack], n_frames: int | None, progress: bool,
          desc: str) -> None:
    """Hand every frame to every arena's tracker (the one tracking loop).

    OpenCV runs single-threaded meanwhile: its operations here are on small
    crops, where splitting them over threads costs more than it saves, and
    the other core is decoding. Without a progress bar (a ``--jobs`` worker,
    whose bar would overwrite the others'), the frames tracked are logged at
    each tenth of the video when the log shows debug messages (``-v``).
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    tenth = max(1, -(-n_frames // 10)) if n_frames and not progress and log.isEnabledFor(logging.DEBUG) else 0
    try:
        for i, frame in enumerate(tqdm(frames, total=n_frames, disable=not progress, desc=desc, unit="frame",
                                       leave=False), start=1):
            for track in tracks:
                track.update(frame)
            if tenth and (i % tenth == 0 or i == n_frames):
                log.debug("%s: %d of %d frames tracked (%d %%)", desc, i, n_frames, round(100 * i / n_frames))
    finally:
        cv2.setNumThreads(threads)


def track_video(
    path: str | os.PathLike[str],
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
    fps: float | None = None,
    progress: bool = True,
) -> xr.Dataset:
    """Track the animal in a video, streaming it frame by frame.

    Parameters
    ----------
    path
        The video.
    config
        Tracker options.
    arena_corners_px
        Floor corners (tl, tr, br, bl) in pixels, e.g. from a calibration;
        None: found on the background image, or the whole image when that
        fails (with a warning).
    fps
        Frame rate if the container does not store it.
    progress
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        See :func:`track_frames`; its attributes also hold
        ``frames_expected`` (the container's frame count), ``frames_read``,
        ``frames_failed`` (see :class:`openfield.io.video.VideoReader`),
        ``background`` (how the background model was made),
        ``timestamps_ms`` (the decoder's time of every frame read, ms) and
        ``arena`` (1). It is :func:`track_video_arenas` with one arena.
    """
    arenas = None if arena_corners_px is None else [_check_corners(arena_corners_px, 1, path)]
    return _track_video(path, arenas, config or TrackerConfig(), fps, progress)[0]


def track_video_arenas(
    path: str | os.PathLike[str],
    arenas: Sequence[np.ndarray],
    config: TrackerConfig | None = None,
    fps: float | None = None,
    progress: bool = True,
) -> list[xr.Dataset]:
    """Track one animal in each of several arenas seen in one video, decoding the video once.

    Each frame is read once and cut into the arenas' boxes; each arena has
    its own :class:`FrameTracker`, confined to its own floor (the floor
    polygon widened by ``config.arena_margin_fraction``, less the other
    arenas' floors and less what lies nearer another arena: a tail or a
    reflection in the next box never counts), with its own polarity and
    threshold, set on the first frame in which its animal is found. One
    background model serves the whole frame (see :func:`track_video`); an
    arena whose animal is not seen moving in the first
    ``config.background_window_s`` takes its part of the background from
    frames sampled over the whole video.

    Parameters
    ----------
    path
        The video.
    arenas
        Floor corners of each arena, ``(4, 2)`` (tl, tr, br, bl) in
        pixels, in the order of the datasets returned.
    config
        Tracker options (the same for every arena).
    fps
        Frame rate if the container does not store it.
    progress
        Show a progress bar.

    Returns
    -------
    list of xarray.Dataset
        One per arena, in the given order, each as :func:`track_video`'s
        (positions in whole-image pixels) with ``attrs["arena"]`` its
        1-based number. An arena where no animal is ever found (an empty
        box) gives NaN positions and likelihood 0 throughout.

    Raises
    ------
    OpenfieldError
        No arena, corners not of shape (4, 2) or an arena outside the image,
        and the video's own errors (see :func:`track_video`).
    """
    if len(arenas) == 0:
        raise OpenfieldError("no arena given", path)
    corners = [_check_corners(c, k + 1, path) for k, c in enumerate(arenas)]
    return _track_video(path, corners, config or TrackerConfig(), fps, progress)


def _check_corners(corners: np.ndarray, number: int, path: str | os.PathLike[str]) -> np.ndarray:
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


#: Frames decoded ahead, in a thread of their own, while the tracker works (where that thread has a core).
DECODE_AHEAD = 8


def decode_ahead() -> int:
    """How many frames the tracking reader decodes ahead in its own thread: :data:`DECODE_AHEAD`, or 0 (in the
    tracker's thread) where this process has one core to use.

    One core: this process is pinned to one, or is one of ``--jobs N`` workers
    on N cores (:func:`openfield.pipeline.parallel.limit_threads` gives each
    one OpenCV thread). There the decoding thread would only take turns with
    the tracker's (~6% more CPU per frame); N workers then keep N threads
    busy on N cores. The frames, and so the results, are the same.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return DECODE_AHEAD if min(cores, cv2.getNumThreads()) > 1 else 0


def _track_video(
    path: str | os.PathLike[str],
    arenas: list[np.ndarray] | None,
    config: TrackerConfig,
    fps: float | None,
    progress: bool,
) -> list[xr.Dataset]:
    """Track a video's arenas (None: one arena, found on the background) in one decoding pass.

    The background's frames come from the tracking reader itself: the first
    frames it decodes (the background window) give the samples, and are
    held (up to :data:`WINDOW_BUFFER_BYTES`; the window's first frames
    beyond that are decoded once more by a second reader); once the
    background is made they are tracked, and the reader goes on where it
    stopped (see docs/tracking.md).
    """
    info = video_info(path, fps)
    shape = (info.height, info.width)
    if arenas is not None:
        masks = arena_masks(shape, arenas, config.arena_margin_fraction)
        _boxes(masks, info, path)  # an arena outside the image fails before any decoding
    n = config.background_frames
    window = 0
    if config.background_window_s > 0 and info.n_frames > n:
        window = min(info.n_frames, max(n, int(round(config.background_window_s * info.fps))))
    # decoding overlaps the tracking (the second core); luma planes are mapped to grey only where searched
    reader = VideoReader(path, prefetch=decode_ahead(), gray=True, map_luma=False)
    lut = reader.luma_lut
    stream = iter(reader)
    samples: list[np.ndarray] = []
    held: deque[tuple[int, np.ndarray]] = deque()  # the window's last frames, up to WINDOW_BUFFER_BYTES
    held_bytes = 0
    consumed = 0  # frames of the video the reader has passed (the window)
    if window:
        step = max(1, window // n)
        for idx, frame in stream:
            if idx % step == 0:
                samples.append(frame)
            consumed = idx + 1
            held.append((idx, frame))
            held_bytes += frame.nbytes
            while held_bytes > WINDOW_BUFFER_BYTES:
                held_bytes -= held.popleft()[1].nbytes
            if consumed >= step * n:
                break
    if lut is not None:
        samples = [cv2.LUT(f, lut) for f in samples]
    background = median_background(samples, n) if samples else None
    whole = None
    found_arena = arenas is None
    if found_arena:
        arenas = [_find_arena(background, path) if background is not None else None]
        masks = arena_masks(shape, arenas, config.arena_margin_fraction)
    if background is not None:
        background = _without_ghosts(samples, background, masks, arenas, config, path)
    ok = _moving_in_window(samples, background, masks, config) if background is not None else [False] * len(masks)
    how = [f"first {config.background_window_s:g} s" if k else "sampled over the whole video" for k in ok]
    if not all(ok):
        if background is not None:
            log.info("%s: the animal did not move enough in the first %g s for a background%s; "
                     "sampling the whole video", path, config.background_window_s,
                     "" if len(ok) == 1 else f" (arena {', '.join(str(k + 1) for k, o in enumerate(ok) if not o)})")
        spread = [to_gray(f) for f in sample_frames(path, n)]
        whole = np.median(np.stack(spread), axis=0).astype(np.uint8)
        if found_arena and not ok[0]:
            arenas = [_find_arena(whole, path)]
            masks = arena_masks(shape, arenas, config.arena_margin_fraction)
        whole = _without_ghosts(spread, whole, masks, arenas, config, path)
        background = whole if background is None else background
    samples.clear()
    tracks = [ArenaTrack(background if ok[k] else whole, mask, config, box, lut)
              for k, (mask, box) in enumerate(zip(masks, _boxes(masks, info, path), strict=True))]
    # the window's first frames that were not held are decoded again; then the held ones; then the rest
    first_held = held[0][0] if held else consumed
    replay: Iterable[np.ndarray] = ()
    if first_held:
        again = VideoReader(path, limit=first_held, prefetch=decode_ahead(), gray=True, map_luma=False)
        if not np.array_equal(again.luma_lut, lut):  # the same file gives the same map (checked, not assumed)
            raise OpenfieldError("the video's first frame decoded differently the second time", path)
        replay = again.frames()
    frames = itertools.chain(replay, _drain(held), (frame for _, frame in stream))
    _feed(frames, tracks, info.n_frames, progress, Path(path).name)
    out = []
    for k, track in enumerate(tracks):
        ds = track.dataset(info.fps, str(path))
        ds.attrs.update(frames_expected=reader.frames_expected, frames_read=reader.frames_read,
                        frames_failed=reader.frames_failed, background=how[k], arena=k + 1,
                        timestamps_ms=np.asarray(reader.timestamps_ms, dtype=float))
        out.append(ds)
    return out


def _without_ghosts(samples: list[np.ndarray], background: np.ndarray, masks: Sequence[np.ndarray],
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


def _drain(held: deque[tuple[int, np.ndarray]]) -> Iterator[np.ndarray]:
    """The held frames, each let go once it is handed on."""
    while held:
        yield held.popleft()[1]


def _boxes(
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


def _find_arena(background: np.ndarray, path: str | os.PathLike[str]) -> np.ndarray | None:
    """The floor's outline (a rectangle's corners or a round floor's outline), or None (the whole image)."""
    try:
        return detect_arena_shape(background).outline_px()
    except OpenfieldError as exc:
        log.warning("%s: %s; searching the whole image for the animal", path, exc.message)
        return None


def _moving_in_window(
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


def tail_ray_cue(diff: np.ndarray, floor_mask: np.ndarray, blob: AnimalMeasure) -> float:
    """Which end the faint tail leaves from: the foreground just beyond each end.

    The tail is paler than the body and mostly below the blob's threshold,
    but still differs from the floor. Beyond each end, along the axis from
    0.1 to 0.6 body lengths and across +-0.2 body lengths (the tail curves),
    the strongest difference at each distance is averaged; outside the
    floor counts as 0 (a wall beyond the nose is not a tail).

    Parameters
    ----------
    diff
        Foreground difference image (animal brighter).
    floor_mask
        Where the floor is.
    blob
        The animal.

    Returns
    -------
    float
        In [-1, 1]; > 0 when the tail is towards ``blob.ends[0]``.
    """
    e = blob.ends
    length = max(blob.length, 1.0)
    centre = 0.5 * (e[0] + e[1])
    along = np.linspace(0.1, 0.6, 11) * length
    across = np.linspace(-0.2, 0.2, 9) * length
    h, w = diff.shape
    scores = []
    for end in e:
        u = (end - centre) / max(float(np.linalg.norm(end - centre)), 1e-9)
        v = np.array([-u[1], u[0]])
        pts = end + along[:, None, None] * u + across[None, :, None] * v
        x = np.clip(np.round(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.round(pts[..., 1]).astype(int), 0, h - 1)
        vals = np.where(floor_mask[y, x] > 0, diff[y, x], 0).astype(float)
        scores.append(vals.max(axis=1).mean())
    a, b = scores
    return float((a - b) / (a + b)) if a + b > 0 else 0.0


def track_image(
    image: np.ndarray,
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Track the animal in a single image (no background model, no motion).

    The floor is estimated from the image itself
    (:func:`openfield.segmentation.floor_model`) and the head is told from
    the tail base by the animal's shape alone: the pieces the opening
    removes (:func:`openfield.segmentation.measure_animal`) and the faint
    tail beyond one end (:func:`tail_ray_cue`).

    Parameters
    ----------
    image
        BGR or grey image.
    config
        Tracker options.
    arena_corners_px
        Floor corners; None: found on the image (whole image if that fails).

    Returns
    -------
    dict
        ``head``, ``body``, ``tail`` (pixel ``(2,)``, NaN if not found),
        ``likelihood`` (body quality) and ``head_probability``.
    """
    config = config or TrackerConfig()
    gray = to_gray(image)
    animal = floor_polarity(gray) if config.animal == "auto" else config.animal
    if arena_corners_px is None:
        try:
            arena_corners_px = detect_arena_shape(image).outline_px()
        except OpenfieldError:
            arena_corners_px = None
    # a narrow margin: without a background model the walls beside the floor would count as foreground
    mask = arena_mask(gray.shape, arena_corners_px, 0.25 * config.arena_margin_fraction)
    background, diff, level = image_foreground(gray, mask, animal, config.threshold)
    cfg = TrackerConfig(**{**asdict(config), "animal": animal, "threshold": level})
    tracker = FrameTracker(background, mask, cfg, select="thickness")
    blob, q = tracker.update(gray)
    nan2 = np.full(2, np.nan)
    if blob is None:
        return {"head": nan2, "body": nan2, "tail": nan2, "likelihood": 0.0, "head_probability": 0.0}
    cue = float(np.clip(blob.tail_cue + 0.5 * tail_ray_cue(diff, mask, blob), -1.0, 1.0))
    head, tail, prob = orient(blob.body[None], blob.ends[None], np.array([cue]), None, cfg, tips=blob.tips[None])
    return {"head": head[0], "body": blob.body, "tail": tail[0], "likelihood": q,
            "head_probability": float(prob[0])}

