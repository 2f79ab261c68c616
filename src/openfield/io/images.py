"""Reading reference images (or a still from a video) with clear errors; writing a PNG atomically."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.io.formats import VIDEO_SUFFIXES
from openfield.io.video import video_background


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


def read_gray(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as grey ``uint8`` ``(height, width)``.

    Raises
    ------
    OpenfieldError
        Naming the file: missing, or not an image.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("file not found", path)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise OpenfieldError("cannot read as an image (corrupt or unknown format)", path)
    return image


def write_png(image: np.ndarray, path: Path) -> Path:
    """An image as PNG, atomically."""
    with atomic_write(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise OpenfieldError("could not write the image", path)
    return path
