"""Writing a video frame by frame: OpenCV's ``VideoWriter`` (``mp4v``), the file written atomically."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write


class VideoFileWriter:
    """An ``.mp4`` written one frame at a time, renamed into place when the block ends without error.

    The writer opens on the first frame, with that frame's size; every later frame must have it. A block
    that raises leaves nothing behind (:func:`openfield.io.files.atomic_write`).

    Parameters
    ----------
    path
        The video file to write.
    fps
        Its frame rate.

    Examples
    --------
    >>> with VideoFileWriter(path, 25.0) as out:  # doctest: +SKIP
    ...     for frame in frames:
    ...         out.write(frame)
    """

    def __init__(self, path: str | os.PathLike[str], fps: float) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self._atomic: AbstractContextManager[Path] | None = None
        self._tmp: Path | None = None
        self._writer: cv2.VideoWriter | None = None

    def __enter__(self) -> VideoFileWriter:
        self._atomic = atomic_write(self.path)
        self._tmp = self._atomic.__enter__()
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one BGR ``uint8`` frame.

        Raises
        ------
        OpenfieldError
            Naming the file: OpenCV cannot open an ``mp4v`` writer here.
        """
        if self._tmp is None:
            raise RuntimeError("VideoFileWriter.write outside its with-block")
        if self._writer is None:
            h, w = frame.shape[:2]
            self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise OpenfieldError("OpenCV cannot write an mp4v video here", self.path)
        self._writer.write(frame)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        if self._writer is not None:
            self._writer.release()
        assert self._atomic is not None
        return self._atomic.__exit__(exc_type, exc, tb)
