"""Small video utilities: a clip of a video, for quick checks and tests."""

from __future__ import annotations

import os
from pathlib import Path

import cv2

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write


def write_clip(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], n_frames: int, start: int = 0
) -> Path:
    """Copy ``n_frames`` frames of a video, from frame ``start``, to a new MP4 (atomically).

    Frames are read one by one (never the whole video in memory) and written
    with OpenCV's ``mp4v`` codec at the source's frame rate and size.

    Parameters
    ----------
    src
        The source video.
    dst
        The clip to write (``.mp4``).
    n_frames
        Number of frames, at least 1.
    start
        Index of the first frame.

    Returns
    -------
    Path
        ``dst``.

    Raises
    ------
    OpenfieldError
        Missing or unreadable source, or fewer frames than asked.
    """
    src, dst = Path(src), Path(dst)
    if n_frames < 1 or start < 0:
        raise OpenfieldError(f"a clip needs n_frames >= 1 and start >= 0, got {n_frames}, {start}")
    if not src.exists():
        raise OpenfieldError("video not found", src)
    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise OpenfieldError("cannot be read as a video", src)
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        if start:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        with atomic_write(dst) as tmp:
            writer = None
            try:
                for i in range(n_frames):
                    ok, frame = cap.read()
                    if not ok:
                        raise OpenfieldError(f"has only {start + i} frames; a clip of {n_frames} from frame "
                                             f"{start} was asked", src)
                    if writer is None:
                        h, w = frame.shape[:2]
                        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                    writer.write(frame)
            finally:
                if writer is not None:
                    writer.release()
    finally:
        cap.release()
    return dst
