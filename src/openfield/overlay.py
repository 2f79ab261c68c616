"""A labelled video for checking by eye: the pose, the zone and the current behaviour drawn on each frame.

Frames are streamed (:class:`openfield.io.video.VideoReader` in,
:class:`openfield.io.video_writer.VideoFileWriter` out: OpenCV's ``mp4v``,
one frame in memory at a time, the file written atomically). :func:`draw_frame` is the pure
part (one frame in, the drawn frame out), so a test can check where the
marks are.

What is drawn on frame ``i``: each body part of the pose at its position
(a filled disc, one colour per body part, left out where the pose is
missing or below ``min_likelihood``) joined in file order by a line; the
arena's outline (from the calibration's corners, when known); and a text
line ``t = 12.3 s  zone: centre  rearing 0.87`` (the zone and the behaviour
with its probability, each when given).

Several labelled videos of one video (the arenas of a multi-arena video)
are written in one decode (:func:`write_labeled_videos`): one reader, one
writer per output, each output showing its own box of the frame
(:func:`arena_box`) with its own pose drawn.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from openfield.errors import OpenfieldError
from openfield.io.pose import ARENA_KEYPOINTS
from openfield.io.video import VideoReader
from openfield.io.video_writer import VideoFileWriter

log = logging.getLogger(__name__)

#: Colours of the body parts (BGR), in the pose file's order, repeated when there are more.
COLOURS = ((0, 0, 255), (0, 200, 0), (255, 0, 0), (0, 200, 255), (255, 0, 255), (255, 255, 0), (0, 128, 255))

#: Radius of a body part's disc, in pixels.
RADIUS = 4

#: Margin of an arena's labelled video around the arena's corners, as a fraction of its shorter side.
ARENA_BOX_MARGIN_FRACTION = 0.05


def draw_frame(
    frame: np.ndarray,
    points: np.ndarray,
    text: str = "",
    arena_corners: np.ndarray | None = None,
) -> np.ndarray:
    """One frame with its pose, arena outline and caption drawn (a copy; the input is left alone).

    Parameters
    ----------
    frame
        BGR uint8 image.
    points
        ``(n_keypoints, 2)`` pixel positions; NaN rows are not drawn.
    text
        Caption written in the top-left corner.
    arena_corners
        ``(N, 2)`` pixel outline of the arena floor (a rectangle's 4 corners), or None.

    Returns
    -------
    numpy.ndarray
        The drawn frame.
    """
    out = frame.copy()
    if arena_corners is not None:
        cv2.polylines(out, [np.round(arena_corners).astype(np.int32).reshape(-1, 1, 2)], True, (255, 255, 255), 1)
    good = np.isfinite(points).all(axis=1)
    xy = np.round(np.where(good[:, None], points, 0)).astype(int)
    for a in range(len(points) - 1):
        if good[a] and good[a + 1]:
            cv2.line(out, tuple(xy[a]), tuple(xy[a + 1]), (200, 200, 200), 1, cv2.LINE_AA)
    for k in np.flatnonzero(good):
        cv2.circle(out, tuple(xy[k]), RADIUS, COLOURS[k % len(COLOURS)], -1, cv2.LINE_AA)
    if text:
        cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def caption(time_s: float, zone: str | None = None, behavior: str | None = None, probability: float | None = None
            ) -> str:
    """``t = 12.3 s  zone: centre  rearing 0.87`` (parts left out when not given)."""
    parts = [f"t = {time_s:.1f} s"]
    if zone:
        parts.append(f"zone: {zone}")
    if behavior:
        parts.append(behavior if probability is None or not np.isfinite(probability)
                     else f"{behavior} {probability:.2f}")
    return "  ".join(parts)


def pose_points(ds: xr.Dataset, min_likelihood: float = 0.5, exclude: Sequence[str] = ()) -> tuple[np.ndarray, list]:
    """``(n_frames, n_keypoints, 2)`` positions of the first individual, NaN where unlikely, and the names."""
    keep = [str(k) for k in ds["keypoints"].values
            if str(k).lower() not in ARENA_KEYPOINTS and str(k) not in exclude]
    one = ds.sel(keypoints=keep).isel(individuals=0)
    pos = one["position"].transpose("time", "keypoints", "space").values.astype(float)
    conf = one["confidence"].transpose("time", "keypoints").values
    pos[~(conf >= min_likelihood)] = np.nan
    return pos, keep


def arena_box(
    corners: np.ndarray, image_size: tuple[int, int], margin_fraction: float = ARENA_BOX_MARGIN_FRACTION
) -> tuple[int, int, int, int]:
    """The part of the frame an arena's labelled video shows: its corners' bounding box with a margin.

    Parameters
    ----------
    corners
        ``(N, 2)`` pixel outline of the arena's floor (a rectangle's 4 corners).
    image_size
        ``(width, height)`` of the video's frames.
    margin_fraction
        Margin on every side, as a fraction of the bounding box's shorter side.

    Returns
    -------
    tuple of int
        ``(x0, y0, x1, y1)``, ``x1`` and ``y1`` exclusive, inside the image,
        with even width and height (what an MP4 encoder takes).

    Raises
    ------
    OpenfieldError
        An outline not of shape (N, 2), or an arena that leaves less than 2 x 2
        pixels inside the image.
    """
    c = np.asarray(corners, dtype=float)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) < 3 or not np.isfinite(c).all():
        raise OpenfieldError(f"the arena's outline must be finite (x, y) pixel pairs, got shape {c.shape}")
    lo, hi = c.min(axis=0), c.max(axis=0)
    margin = margin_fraction * float(min(hi - lo))
    box = []
    for axis, size in enumerate(image_size):
        a = max(math.floor(lo[axis] - margin), 0)
        b = min(math.ceil(hi[axis] + margin) + 1, int(size))  # exclusive: the pixel of the far corner is in
        if (b - a) % 2:
            b, a = (b + 1, a) if b < size else (b, a - 1) if a > 0 else (b - 1, a)
        if b - a < 2:
            raise OpenfieldError(f"the arena at {c.round(1).tolist()} lies outside the {image_size[0]} x "
                                 f"{image_size[1]} image")
        box.append((a, b))
    (x0, x1), (y0, y1) = box
    return x0, y0, x1, y1


@dataclass(frozen=True)
class LabeledVideo:
    """One labelled video to write (see :func:`write_labeled_videos`).

    Attributes
    ----------
    out_path
        The MP4 to write.
    ds
        The pose (``openfield.io.pose`` layout, whole-frame pixels), one row per frame.
    labels, probabilities
        Per-frame behaviour and the probability of that behaviour, or None.
    zones
        Per-frame zone name, or None.
    arena_corners
        ``(N, 2)`` pixel outline of the floor (whole-frame pixels), or None.
    box
        ``(x0, y0, x1, y1)`` the part of the frame shown (:func:`arena_box`);
        None: the whole frame.
    """

    out_path: Path
    ds: xr.Dataset
    labels: Sequence[str] | None = None
    probabilities: Sequence[float] | np.ndarray | None = None
    zones: Sequence[str] | None = None
    arena_corners: np.ndarray | None = None
    box: tuple[int, int, int, int] | None = None


def write_labeled_video(
    video: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    ds: xr.Dataset,
    labels: Sequence[str] | None = None,
    probabilities: np.ndarray | None = None,
    zones: Sequence[str] | None = None,
    arena_corners: np.ndarray | None = None,
    fps: float | None = None,
    min_likelihood: float = 0.5,
    progress: bool = False,
) -> Path:
    """Write the labelled MP4 of a video (see the module docstring); streamed, atomic.

    Parameters
    ----------
    video
        The video the pose comes from.
    out_path
        The MP4 to write.
    ds
        Its pose (``openfield.io.pose`` layout), one row per frame.
    labels, probabilities
        Per-frame behaviour and the probability of that behaviour, or None.
    zones
        Per-frame zone name, or None.
    arena_corners
        ``(N, 2)`` pixel outline of the floor, or None.
    fps
        Frame rate for the captions and the file (default: the video's).
    min_likelihood
        Body parts less likely than this are not drawn.
    progress
        Show a progress bar.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OpenfieldError
        Unreadable video, a writer OpenCV cannot open, per-frame inputs of
        another length than the pose.
    """
    item = LabeledVideo(Path(out_path), ds, labels, probabilities, zones, arena_corners)
    return write_labeled_videos(video, [item], fps, min_likelihood, progress)[0]


def write_labeled_videos(
    video: str | os.PathLike[str],
    items: Sequence[LabeledVideo],
    fps: float | None = None,
    min_likelihood: float = 0.5,
    progress: bool = False,
) -> list[Path]:
    """Write several labelled MP4s of one video in one decode: one reader, one writer per item.

    Each frame is read once; each item gets its box of it (the whole frame
    when ``box`` is None) with its own pose, arena outline and caption drawn
    in the box's pixels. Streamed (one frame in memory), every file written
    atomically: on an error none is left.

    Parameters
    ----------
    video
        The video the poses come from.
    items
        What to write, one :class:`LabeledVideo` per output file.
    fps
        Frame rate for the captions and the files (default: the video's).
    min_likelihood
        Body parts less likely than this are not drawn.
    progress
        Show a progress bar.

    Returns
    -------
    list of Path
        The written files, in the order of ``items``.

    Raises
    ------
    OpenfieldError
        Unreadable video, a writer OpenCV cannot open, a box outside the
        frame, per-frame inputs of another length than their pose.
    """
    video = Path(video)
    drawn = [_Drawn(item, video, min_likelihood) for item in items]
    reader = VideoReader(video)
    rate = float(fps or reader.fps or 25.0)
    desc = f"{video.name} labelled" + (f" ({len(items)} videos)" if len(items) > 1 else "")
    with ExitStack() as files:
        writers = [files.enter_context(VideoFileWriter(item.out_path, rate)) for item in items]
        for i, frame in tqdm(reader, total=reader.frames_expected or None, desc=desc, unit="frame",
                             disable=not progress):
            for d, writer in zip(drawn, writers, strict=True):
                writer.write(d.draw(frame, i, rate))
    for item in items:
        log.info("%s: labelled video -> %s", video.name, item.out_path)
    return [item.out_path for item in items]


class _Drawn:
    """One labelled video being written: its pose in its box's pixels and its writer (opened on the first frame)."""

    def __init__(self, item: LabeledVideo, video: Path, min_likelihood: float) -> None:
        points, _ = pose_points(item.ds, min_likelihood)
        n = len(points)
        for name, seq in (("labels", item.labels), ("probabilities", item.probabilities), ("zones", item.zones)):
            if seq is not None and len(seq) != n:
                raise OpenfieldError(f"{len(seq)} per-frame {name} for a pose of {n} frames", video)
        self.item, self.n = item, n
        origin = np.zeros(2) if item.box is None else np.array(item.box[:2], dtype=float)
        self.points = points - origin
        self.corners = None if item.arena_corners is None else np.asarray(item.arena_corners, float) - origin
        self.checked = False

    def draw(self, frame: np.ndarray, i: int, rate: float) -> np.ndarray:
        """Frame ``i`` (its box) with the marks drawn."""
        h, w = frame.shape[:2]
        x0, y0, x1, y1 = self.item.box or (0, 0, w, h)
        if not self.checked:
            if x0 < 0 or y0 < 0 or x1 > w or y1 > h or x1 - x0 < 1 or y1 - y0 < 1:
                raise OpenfieldError(f"the box {self.item.box} of {self.item.out_path.name} is not inside the "
                                     f"{w} x {h} frame")
            self.checked = True
        item, n = self.item, self.n
        pts = self.points[i] if i < n else np.full((self.points.shape[1], 2), np.nan)
        text = caption(
            i / rate,
            item.zones[i] if item.zones is not None and i < n else None,
            item.labels[i] if item.labels is not None and i < n else None,
            float(item.probabilities[i]) if item.probabilities is not None and i < n else None,
        )
        return draw_frame(frame[y0:y1, x0:x1], pts, text, self.corners)
