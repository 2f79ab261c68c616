"""A labelled video for checking by eye: the pose, the zone and the current behaviour drawn on each frame.

Frames are streamed (:class:`openfield.io.video.VideoReader` in,
OpenCV ``VideoWriter`` with the ``mp4v`` codec out, one frame in memory at a
time) and the file is written atomically. :func:`draw_frame` is the pure
part (one frame in, the drawn frame out), so a test can check where the
marks are.

What is drawn on frame ``i``: each body part of the pose at its position
(a filled disc, one colour per body part, left out where the pose is
missing or below ``min_likelihood``) joined in file order by a line; the
arena's outline (from the calibration's corners, when known); and a text
line ``t = 12.3 s  zone: centre  rearing 0.87`` (the zone and the behaviour
with its probability, each when given).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.io.video import VideoReader

log = logging.getLogger(__name__)

#: Colours of the body parts (BGR), in the pose file's order, repeated when there are more.
COLOURS = ((0, 0, 255), (0, 200, 0), (255, 0, 0), (0, 200, 255), (255, 0, 255), (255, 255, 0), (0, 128, 255))

#: Radius of a body part's disc, in pixels.
RADIUS = 4


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
        ``(4, 2)`` pixel corners of the arena floor, or None.

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
    from openfield.io.pose import ARENA_KEYPOINTS

    keep = [str(k) for k in ds["keypoints"].values
            if str(k).lower() not in ARENA_KEYPOINTS and str(k) not in exclude]
    one = ds.sel(keypoints=keep).isel(individuals=0)
    pos = one["position"].transpose("time", "keypoints", "space").values.astype(float)
    conf = one["confidence"].transpose("time", "keypoints").values
    pos[~(conf >= min_likelihood)] = np.nan
    return pos, keep


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
        ``(4, 2)`` pixel corners of the floor, or None.
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
    from tqdm.auto import tqdm

    video, out_path = Path(video), Path(out_path)
    points, _ = pose_points(ds, min_likelihood)
    n = len(points)
    for name, seq in (("labels", labels), ("probabilities", probabilities), ("zones", zones)):
        if seq is not None and len(seq) != n:
            raise OpenfieldError(f"{len(seq)} per-frame {name} for a pose of {n} frames", video)
    reader = VideoReader(video)
    rate = float(fps or reader.fps or 25.0)
    writer = None
    with atomic_write(out_path) as tmp:
        try:
            for i, frame in tqdm(reader, total=reader.frames_expected or None, desc=f"{video.name} labelled",
                                 unit="frame", disable=not progress):
                if writer is None:
                    h, w = frame.shape[:2]
                    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), rate, (w, h))
                    if not writer.isOpened():
                        raise OpenfieldError("OpenCV cannot write an mp4v video here", out_path)
                pts = points[i] if i < n else np.full((points.shape[1], 2), np.nan)
                text = caption(
                    i / rate,
                    zones[i] if zones is not None and i < n else None,
                    labels[i] if labels is not None and i < n else None,
                    float(probabilities[i]) if probabilities is not None and i < n else None,
                )
                writer.write(draw_frame(frame, pts, text, arena_corners))
        finally:
            if writer is not None:
                writer.release()
    log.info("%s: labelled video -> %s", video.name, out_path)
    return out_path
