"""Reading videos frame by frame (never a whole video in memory), with clear errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from openfield.errors import OpenfieldError
from openfield.io.images import VIDEO_SUFFIXES


@dataclass(frozen=True)
class VideoInfo:
    """What a video's container says about it.

    Attributes
    ----------
    path
        The video file.
    fps
        Frames per second.
    n_frames
        Frame count from the container (may be approximate for some codecs).
    width, height
        Frame size in pixels.
    """

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        """Length in seconds (``n_frames / fps``)."""
        return self.n_frames / self.fps


def is_video(path: str | os.PathLike[str]) -> bool:
    """True when the file name has a video extension."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def _open(path: Path) -> cv2.VideoCapture:
    if not path.exists():
        raise OpenfieldError("video not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a video file", path)
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise OpenfieldError("cannot open as a video (corrupt or unknown format)", path)
    return cap


def video_info(path: str | os.PathLike[str], fps: float | None = None) -> VideoInfo:
    """Read a video's frame rate, frame count and size, and check a frame decodes.

    Parameters
    ----------
    path
        The video file.
    fps
        Frame rate to use instead of the container's (for files that do not
        store it).

    Returns
    -------
    VideoInfo

    Raises
    ------
    OpenfieldError
        When the file is missing, cannot be decoded, has no frames, or its
        frame rate is unknown and none was given.
    """
    path = Path(path)
    cap = _open(path)
    try:
        ok, frame = cap.read()
        if not ok or frame is None:
            raise OpenfieldError("the video has no readable frames (corrupt or empty file)", path)
        container_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    if fps is None:
        if not (np.isfinite(container_fps) and 0 < container_fps < 1000):
            raise OpenfieldError(
                f"frame rate unknown (the file reports {container_fps}); give it with --fps", path
            )
        fps = container_fps
    elif not fps > 0:
        raise OpenfieldError(f"fps must be positive, got {fps}", path)
    return VideoInfo(path=path, fps=float(fps), n_frames=max(n_frames, 1),
                     width=int(frame.shape[1]), height=int(frame.shape[0]))


def iter_indexed_frames(
    path: str | os.PathLike[str], every: int = 1, max_frames: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame index, frame)`` for every ``every``-th frame (BGR ``uint8``).

    Frames in between are grabbed but not decoded into images; reading
    stops after ``max_frames`` frames of the video (kept or not).

    Raises
    ------
    OpenfieldError
        When the file cannot be opened or yields no frame at all.
    """
    if every < 1:
        raise OpenfieldError(f"every must be >= 1, got {every}")
    path = Path(path)
    cap = _open(path)
    idx = 0
    try:
        while max_frames is None or idx < max_frames:
            if idx % every:
                if not cap.grab():
                    break
            else:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                yield idx, frame
            idx += 1
    finally:
        cap.release()
    if idx == 0 and max_frames != 0:
        raise OpenfieldError("the video has no readable frames (corrupt or empty file)", path)


def iter_frames(path: str | os.PathLike[str]) -> Iterator[np.ndarray]:
    """Yield the frames of a video one at a time (BGR ``uint8``).

    Raises
    ------
    OpenfieldError
        When the file cannot be opened or yields no frame at all.
    """
    for _, frame in iter_indexed_frames(path):
        yield frame


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
    from openfield.io.files import atomic_write

    src, dst = Path(src), Path(dst)
    if n_frames < 1 or start < 0:
        raise OpenfieldError(f"a clip needs n_frames >= 1 and start >= 0, got {n_frames}, {start}")
    cap = _open(src)
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
                        raise OpenfieldError(
                            f"has only {start + i} frames; a clip of {n_frames} from frame {start} was asked", src
                        )
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
