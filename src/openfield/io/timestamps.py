"""Per-frame timestamps of a video, as the decoder gives them (for variable frame rates).

A constant-rate video's frame ``i`` is at ``i / fps``; a variable-rate one
(phone cameras, some capture software) is not, and only the presentation
timestamps say when each frame was taken. OpenCV reports a frame's
timestamp as ``CAP_PROP_POS_MSEC`` right after it was grabbed.

The pipeline keeps the timestamps of a variable-frame-rate video beside its
pose, as ``<stem>_frame_times.csv`` (:func:`write_frame_times`,
:func:`read_frame_times`), for the kinematics to measure on them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.files import write_csv
from openfield.timebase import check_times


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


#: Columns of a frame-times file (``<stem>_frame_times.csv``).
FRAME_TIMES_COLUMNS = ["frame", "timestamp_ms"]


def write_frame_times(timestamps_ms: Any, path: str | os.PathLike[str]) -> Path:
    """Write per-frame timestamps as ``frame,timestamp_ms`` (atomically; every digit kept).

    Parameters
    ----------
    timestamps_ms
        The decoder's time of each frame, in milliseconds.
    path
        The CSV to write.
    """
    t = np.asarray(timestamps_ms, dtype=float).ravel()
    return write_csv(pd.DataFrame({"frame": np.arange(len(t)), "timestamp_ms": t}), path)


def read_frame_times(path: str | os.PathLike[str]) -> np.ndarray:
    """The timestamps (ms) of a file written by :func:`write_frame_times`, one per frame in frame order.

    Raises
    ------
    OpenfieldError
        Naming the file: missing, unreadable, other columns, frames not 0, 1, 2..., or timestamps
        that cannot place the frames (:func:`openfield.timebase.check_times`: a timestamp that is
        not a number, or one not later than the one before; naming the frame, in ms).
    """
    path = Path(path)
    if not path.is_file():
        raise OpenfieldError("frame-times file not found", path)
    try:
        table = pd.read_csv(path, float_precision="round_trip")  # every digit back, as written
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read the frame times ({exc})", path) from exc
    if list(table.columns) != FRAME_TIMES_COLUMNS:
        raise OpenfieldError(f"a frame-times file has the columns {', '.join(FRAME_TIMES_COLUMNS)}, "
                             f"this one {', '.join(map(str, table.columns))}", path)
    if not np.array_equal(table["frame"].to_numpy(), np.arange(len(table))):
        raise OpenfieldError("the frames must be numbered 0, 1, 2... in order", path)
    times = pd.to_numeric(table["timestamp_ms"], errors="coerce").to_numpy(float)
    return check_times(times, unit="ms", source=path)
