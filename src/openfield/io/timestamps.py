"""Per-frame timestamps of a video, as the decoder gives them (for variable frame rates).

A constant-rate video's frame ``i`` is at ``i / fps``; a variable-rate one
(phone cameras, some capture software) is not, and only the presentation
timestamps say when each frame was taken. OpenCV reports a frame's
timestamp as ``CAP_PROP_POS_MSEC`` right after it was grabbed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from openfield.errors import OpenfieldError


@dataclass(frozen=True)
class FrameTimestamps:
    """What decoding a whole video found.

    Attributes
    ----------
    path
        The video.
    timestamps_ms
        One presentation time per decoded frame, in milliseconds.
    frames_expected
        The container's frame count (0 when it does not say).
    container_fps
        The container's frame rate (0 when it does not say).
    """

    path: Path
    timestamps_ms: np.ndarray
    frames_expected: int
    container_fps: float

    @property
    def frames_read(self) -> int:
        """Frames decoded."""
        return int(self.timestamps_ms.size)


def frame_timestamp_ms(cap: cv2.VideoCapture) -> float:
    """The timestamp (ms) of the frame just grabbed or read from ``cap``."""
    return float(cap.get(cv2.CAP_PROP_POS_MSEC))


def read_frame_timestamps(path: str | os.PathLike[str]) -> FrameTimestamps:
    """Decode a video (grab only, no colour conversion) and collect every frame's timestamp.

    Parameters
    ----------
    path
        The video file.

    Returns
    -------
    FrameTimestamps

    Raises
    ------
    OpenfieldError
        When the file is missing or cannot be opened as a video.
    """
    path = Path(path)
    if not path.is_file():
        raise OpenfieldError("video not found", path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise OpenfieldError("cannot open as a video (corrupt or unknown format)", path)
        expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        times = []
        while cap.grab():
            times.append(frame_timestamp_ms(cap))
    finally:
        cap.release()
    return FrameTimestamps(path=path, timestamps_ms=np.asarray(times, dtype=float),
                           frames_expected=max(expected, 0), container_fps=fps)
