"""Mouse-centred square crops of video frames, the same in training and prediction.

The animal covers a few percent of an open-field frame; a classifier shown the
whole frame mostly sees floor. These functions find the animal and cut a
square around it:

1. from pose, when a keypoint table is given (the median of the animal's
   confident keypoints);
2. else from the shared animal segmenter (:mod:`openfield.segmentation`):
   the largest blob that differs from the video's median background (a
   moving animal) if it is also darker (or lighter) than the floor; else
   the largest thick blob of the animal's contrast with the floor (an
   animal that never moved, or a light change elsewhere); then
   :func:`openfield.segmentation.segment_animal`;
3. else the last known centre (or the image centre).

Everything here is a pure function of arrays, except :class:`Cropper`, which
only remembers the last centre of one stream of frames.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from openfield.errors import OpenfieldError
from openfield.segmentation import (
    check_polarity,
    difference,
    floor_contrast,
    largest_component,
    open_mask,
    segment_animal,
    threshold,
    to_gray,
)

log = logging.getLogger(__name__)

CROP_MODES = ("animal", "full")


@dataclass(frozen=True)
class CropSettings:
    """How frames are cropped; saved with the dataset and the model.

    Attributes
    ----------
    mode
        ``"animal"`` (square around the animal) or ``"full"`` (whole frame).
    size_fraction
        Side of the square as a fraction of the frame's shorter side, used
        when ``size_px`` is 0.
    size_px
        Side of the square in pixels (0: use ``size_fraction``).
    animal
        ``"auto"``, ``"dark"`` or ``"light"``: the animal's contrast with the
        floor, for the fallback detector.
    """

    mode: str = "animal"
    size_fraction: float = 0.5
    size_px: int = 0
    animal: str = "auto"

    def __post_init__(self) -> None:
        if self.mode not in CROP_MODES:
            raise OpenfieldError(f"crop mode must be one of {CROP_MODES}, not {self.mode!r}")
        if not 0 < self.size_fraction <= 1:
            raise OpenfieldError(f"crop size fraction must be in (0, 1], got {self.size_fraction}")
        if self.size_px < 0:
            raise OpenfieldError(f"crop size must be >= 0 pixels, got {self.size_px}")
        check_polarity(self.animal)

    def side(self, height: int, width: int) -> int:
        """Side of the crop square in pixels for a frame of this size."""
        if self.size_px > 0:
            return int(self.size_px)
        return max(8, int(round(self.size_fraction * min(height, width))))

    def to_dict(self) -> dict:
        """JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> CropSettings:
        """Build from :meth:`to_dict` output (missing keys take defaults)."""
        d = dict(d or {})
        return cls(**{k: d[k] for k in ("mode", "size_fraction", "size_px", "animal") if k in d})


def _largest_blob_centre(
    mask: np.ndarray, min_area: int, max_area: int, max_span: float = 0.6
) -> tuple[float, float] | None:
    """Centroid of the largest blob of a plausible size, None if none.

    Blobs spanning more than ``max_span`` of the image width or height
    (arena walls, shadows along an edge) are not an animal.
    """
    blob = largest_component(mask, min_area, max_area, max_span=max_span)
    return None if blob is None else (float(blob.centroid[0]), float(blob.centroid[1]))


def find_animal_centre(
    image: np.ndarray,
    background: np.ndarray | None = None,
    animal: str = "auto",
    min_area_fraction: float = 0.002,
    work_size: int = 240,
) -> tuple[float, float] | None:
    """Centre ``(x, y)`` in pixels of the animal in one frame, or None.

    Parameters
    ----------
    image
        BGR or grey frame.
    background
        The same view without the animal moving (e.g. the median of frames
        spread over the video), same size as ``image``; None skips the
        background-difference step.
    animal
        Contrast of the animal with the floor for the fallback detector.
    min_area_fraction
        Smallest blob, as a fraction of the frame area, taken as the animal
        (smaller ones are droppings, dust and noise).
    work_size
        Frames whose shorter side is larger are shrunk to it for the search
        (a mouse stays tens of pixels long; ~4x faster on 480p video); the
        centre is given in the original pixels. 0: never shrink.

    Returns
    -------
    tuple of float or None
        Centroid of the animal's blob, None when no blob qualifies.
    """
    scale = work_size / min(image.shape[:2]) if work_size else 1.0
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if background is not None:
            background = cv2.resize(background, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_AREA)
        centre = find_animal_centre(image, background, animal, min_area_fraction, work_size=0)
        if centre is None:
            return None
        return ((centre[0] + 0.5) / scale - 0.5, (centre[1] + 0.5) / scale - 0.5)
    gray = cv2.GaussianBlur(to_gray(image), (5, 5), 0)
    h, w = gray.shape
    min_area = max(4, int(min_area_fraction * h * w))
    max_area = int(0.25 * h * w)
    dark = _contrast_mask(image, animal)
    contrast_centre = _largest_blob_centre(dark, min_area, max_area)
    if background is not None:
        bg = cv2.GaussianBlur(to_gray(background), (5, 5), 0)
        if bg.shape != gray.shape:
            raise OpenfieldError(f"background is {bg.shape}, frame is {gray.shape}: sizes differ")
        # either sign of difference (the crops' own rule, kept: its 50 px test on the labelled frames
        # was set with it); whether the moving blob has the animal's colour is checked below
        mask = threshold(difference(gray, bg, "any"), min_level=25.0)
        mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))  # join the pieces of one animal
        mask = open_mask(mask, _opening_radius(mask.shape))
        moving_centre = _largest_blob_centre(mask, min_area, max_area)
        if moving_centre is not None:
            # a moving blob that is also animal-coloured is the animal; one that is not
            # (a light change, a reflection) loses to the animal-coloured blob
            x, y = int(round(moving_centre[0])), int(round(moving_centre[1]))
            r = max(3, min(h, w) // 40)
            if contrast_centre is None or dark[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1].any():
                return moving_centre
    if contrast_centre is not None:
        return contrast_centre
    try:
        mask = segment_animal(image, animal)
    except OpenfieldError:
        return None
    if int(np.count_nonzero(mask)) < min_area:
        return None
    m = cv2.moments(mask, binaryImage=True)
    return float(m["m10"] / m["m00"]), float(m["m01"] / m["m00"])


def _contrast_mask(image: np.ndarray, animal: str = "auto") -> np.ndarray:
    """Thick blobs darker (or lighter) than the floor and far from its colour (0/255).

    Finds an animal that never moves (so it is part of the median
    background), also when it touches the image edge. The floor colour is
    the frame's median; thin structures (wall edges, panel borders, tape)
    are removed by an opening.
    """
    contrast, _ = floor_contrast(image, animal)
    mask = threshold(contrast, min_level=40.0)
    return open_mask(mask, _opening_radius(mask.shape))


def _opening_radius(shape: tuple[int, ...]) -> int:
    """Radius of a disc about 1/40 of the shorter side: removes lines thinner than a mouse."""
    return (max(3, min(shape[:2]) // 40) | 1) // 2


def crop_square(image: np.ndarray, centre: tuple[float, float], side: int) -> np.ndarray:
    """Square of ``side`` pixels centred on ``centre``, kept inside the image.

    The square is shifted (not padded) to stay inside the image; if the
    image is smaller than the square, the missing part is filled by
    replicating the border.

    Parameters
    ----------
    image
        ``(height, width[, channels])`` array.
    centre
        ``(x, y)`` in pixels.
    side
        Side of the square in pixels.

    Returns
    -------
    numpy.ndarray
        ``(side, side[, channels])`` array.
    """
    h, w = image.shape[:2]
    if h < side or w < side:
        pad_y, pad_x = max(0, side - h), max(0, side - w)
        image = cv2.copyMakeBorder(
            image, pad_y // 2, pad_y - pad_y // 2, pad_x // 2, pad_x - pad_x // 2, cv2.BORDER_REPLICATE
        )
        centre = (centre[0] + pad_x // 2, centre[1] + pad_y // 2)
        h, w = image.shape[:2]
    x0 = int(round(centre[0] - side / 2))
    y0 = int(round(centre[1] - side / 2))
    x0 = min(max(x0, 0), w - side)
    y0 = min(max(y0, 0), h - side)
    return image[y0 : y0 + side, x0 : x0 + side].copy()


class Cropper:
    """Crops the frames of one stream (a video, a clip panel, a folder).

    Parameters
    ----------
    settings
        Crop settings.
    background
        Median background of the stream for the blob detector, or None.
    """

    def __init__(self, settings: CropSettings, background: np.ndarray | None = None) -> None:
        self.settings = settings
        self.background = background
        self.last_centre: tuple[float, float] | None = None
        self.n_missed = 0

    def __call__(self, frame: np.ndarray, centre: tuple[float, float] | None = None) -> np.ndarray:
        """Crop one frame; ``centre`` (e.g. from pose) overrides the detector.

        Returns the whole frame in ``"full"`` mode.
        """
        if self.settings.mode == "full":
            return frame
        h, w = frame.shape[:2]
        if centre is None or not np.all(np.isfinite(centre)):
            centre = find_animal_centre(frame, self.background, self.settings.animal)
        if centre is None:
            self.n_missed += 1
            centre = self.last_centre if self.last_centre is not None else (w / 2, h / 2)
        self.last_centre = (float(centre[0]), float(centre[1]))
        return crop_square(frame, self.last_centre, self.settings.side(h, w))
