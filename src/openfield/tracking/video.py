"""The streaming driver: one decoding pass (frames decoded ahead in a thread) for a video's arenas."""

from __future__ import annotations

import itertools
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.io.video import VideoReader, sample_frames, video_info
from openfield.segmentation import median_background, to_gray
from openfield.tracking.arena_track import ArenaTrack, feed
from openfield.tracking.arenas import arena_boxes, arena_masks, check_corners, find_arena
from openfield.tracking.background import moving_in_window, without_ghosts
from openfield.tracking.config import TrackerConfig

log = logging.getLogger(__name__)

#: Memory for the background window's frames, held until the background is made and then tracked without
#: decoding them again (600 grey 640x480 frames fit; of larger frames the window's first ones are decoded
#: twice).
WINDOW_BUFFER_BYTES = 256 * 2**20

#: Frames decoded ahead, in a thread of their own, while the tracker works (where that thread has a core).
DECODE_AHEAD = 8


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
        See :func:`~openfield.tracking.arena_track.track_frames`; its
        attributes also hold what the video's reader counted
        (``frames_expected``, ``frames_read``, ``frames_failed``,
        ``timestamps_ms``), how the background model was made
        (``background``) and ``arena`` (1): all of
        :class:`~openfield.tracking.result.TrackerInfo`, read with
        :func:`~openfield.tracking.result.tracker_info`. It is
        :func:`track_video_arenas` with one arena.
    """
    arenas = None if arena_corners_px is None else [check_corners(arena_corners_px, 1, path)]
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
    corners = [check_corners(c, k + 1, path) for k, c in enumerate(arenas)]
    return _track_video(path, corners, config or TrackerConfig(), fps, progress)


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
        arena_boxes(masks, info, path)  # an arena outside the image fails before any decoding
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
        arenas = [find_arena(background, path) if background is not None else None]
        masks = arena_masks(shape, arenas, config.arena_margin_fraction)
    if background is not None:
        background = without_ghosts(samples, background, masks, arenas, config, path)
    ok = moving_in_window(samples, background, masks, config) if background is not None else [False] * len(masks)
    how = [f"first {config.background_window_s:g} s" if k else "sampled over the whole video" for k in ok]
    if not all(ok):
        if background is not None:
            log.info("%s: the animal did not move enough in the first %g s for a background%s; "
                     "sampling the whole video", path, config.background_window_s,
                     "" if len(ok) == 1 else f" (arena {', '.join(str(k + 1) for k, o in enumerate(ok) if not o)})")
        spread = [to_gray(f) for f in sample_frames(path, n)]
        whole = np.median(np.stack(spread), axis=0).astype(np.uint8)
        if found_arena and not ok[0]:
            arenas = [find_arena(whole, path)]
            masks = arena_masks(shape, arenas, config.arena_margin_fraction)
        whole = without_ghosts(spread, whole, masks, arenas, config, path)
        background = whole if background is None else background
    samples.clear()
    tracks = [ArenaTrack(background if ok[k] else whole, mask, config, box, lut)
              for k, (mask, box) in enumerate(zip(masks, arena_boxes(masks, info, path), strict=True))]
    # the window's first frames that were not held are decoded again; then the held ones; then the rest
    first_held = held[0][0] if held else consumed
    replay: Iterable[np.ndarray] = ()
    if first_held:
        again = VideoReader(path, limit=first_held, prefetch=decode_ahead(), gray=True, map_luma=False)
        if not np.array_equal(again.luma_lut, lut):  # the same file gives the same map (checked, not assumed)
            raise OpenfieldError("the video's first frame decoded differently the second time", path)
        replay = again.frames()
    frames = itertools.chain(replay, _drain(held), (frame for _, frame in stream))
    feed(frames, tracks, info.n_frames, progress, Path(path).name)
    out = []
    for k, track in enumerate(tracks):
        ds = track.dataset(info.fps, str(path))
        found = replace(track.info(), frames_expected=reader.frames_expected, frames_read=reader.frames_read,
                        frames_failed=reader.frames_failed, background=how[k], arena=k + 1,
                        timestamps_ms=np.asarray(reader.timestamps_ms, dtype=float))
        ds.attrs.update(found.to_attrs())
        out.append(ds)
    return out


def _drain(held: deque[tuple[int, np.ndarray]]) -> Iterator[np.ndarray]:
    """The held frames, each let go once it is handed on."""
    while held:
        yield held.popleft()[1]
