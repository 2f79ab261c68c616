"""The file suffixes openfield recognises, shared by the readers of :mod:`openfield.io`."""

from __future__ import annotations

#: Suffixes (lower case) read as videos.
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".m4v", ".mpg", ".mpeg", ".wmv"})

#: Suffixes (lower case) read as images.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
