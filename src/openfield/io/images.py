"""Reading reference images (or a still from a video) with clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from openfield.errors import OpenfieldError

VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".m4v", ".mpg", ".mpeg", ".wmv"})


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image as BGR ``uint8``; a video gives its median background.

    Parameters
    ----------
    path
        An image file (PNG, JPEG, ...) or a video. For a video, the
        per-pixel median of frames spread over the whole recording is
        returned: the moving animal disappears and the arena stays, which
        is what arena detection needs.

    Returns
    -------
    numpy.ndarray
        ``(height, width, 3)`` BGR image.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("file not found", path)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return video_background(path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OpenfieldError("cannot read as an image (corrupt or unknown format)", path)
    return image


def video_background(path: str | os.PathLike[str], n_frames: int = 25) -> np.ndarray:
    """Median of ``n_frames`` frames spread evenly over a video.

    Reads only those frames (seeking), never the whole video.
    """
    path = Path(path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise OpenfieldError("cannot open as a video (corrupt or unknown format)", path)
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        indices = np.linspace(0, max(total - 1, 0), num=max(1, min(n_frames, total))).astype(int)
        frames = []
        for idx in np.unique(indices):
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(idx))
            ok, frame = cap.read()
            if ok and frame is not None:
                frames.append(frame)
    finally:
        cap.release()
    if not frames:
        raise OpenfieldError("the video has no readable frames", path)
    return np.median(np.stack(frames), axis=0).astype(np.uint8)
