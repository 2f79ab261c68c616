"""One arena's tracker over a stream of frames, and the pose dataset it gives (:class:`ArenaTrack`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import cv2
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy
from openfield.mobility import outline_change
from openfield.orientation import orient
from openfield.tracking.config import KEYPOINTS, SCORER, SILHOUETTE_MEASURES, TrackerConfig
from openfield.tracking.frame import FrameTracker
from openfield.tracking.result import TrackerInfo

log = logging.getLogger(__name__)


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

    def info(self) -> TrackerInfo:
        """What the tracking found out so far besides the poses (no video reader's counts: see
        :func:`openfield.tracking.video.track_video`)."""
        tracker = self.tracker
        # the animal's difference from the floor (grey levels, median over the frames it was found in): the
        # quality check's low_contrast flag
        found_contrast = np.asarray(self.contrasts, float)
        found_contrast = found_contrast[np.isfinite(found_contrast)]
        return TrackerInfo(
            config=self.config, animal=tracker.animal, threshold=float(tracker.threshold or 0.0),
            contrast=float(np.median(found_contrast)) if len(found_contrast) else None,
            # the share of the checked frames in which the floor held two or more animal-sized blobs
            several_animals_fraction=(tracker.several_hits / tracker.several_checks
                                      if tracker.several_checks else None))

    def dataset(self, fps: float | None, source_file: str | None = None) -> xr.Dataset:
        """The pose dataset of the frames seen so far (see :func:`track_frames`), its attributes :meth:`info`'s
        (:meth:`openfield.tracking.result.TrackerInfo.to_attrs`)."""
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
        ds.attrs.update(self.info().to_attrs())
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
        frame or the previous one. Its attributes hold what the tracking
        found out besides the poses (:meth:`ArenaTrack.info`: the polarity,
        threshold, contrast and ``several_animals`` share), read with
        :func:`openfield.tracking.result.tracker_info`.
    """
    track = ArenaTrack(background, floor_mask, config or TrackerConfig())
    feed(frames, [track], n_frames, progress, desc)
    return track.dataset(fps, source_file)


def feed(frames: Iterable[np.ndarray], tracks: Sequence[ArenaTrack], n_frames: int | None, progress: bool,
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
