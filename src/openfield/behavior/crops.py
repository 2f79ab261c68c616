"""Mouse-centred square crops of video frames, the same in training and prediction.

The animal covers a few percent of an open-field frame; a classifier shown the
whole frame mostly sees floor. These functions find the animal and cut a
square around it:

1. from pose, when a keypoint table is given (the median of the animal's
   confident keypoints);
2. else from a simple blob detector: the largest blob that differs from the
   video's median background (a moving animal) if it is also darker (or
   lighter) than the floor; else the largest thick blob of the animal's
   contrast (an animal that never moved, or a light change elsewhere);
   then :func:`openfield.calibration.segment_animal`;
3. else the last known centre (or the image centre).

Everything here is a pure function of arrays, except :class:`Cropper`, which
only remembers the last centre of one stream of frames.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from openfield.calibration import segment_animal
from openfield.errors import OpenfieldError

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
        if self.animal not in ("auto", "dark", "light"):
            raise OpenfieldError(f"animal must be auto, dark or light, not {self.animal!r}")

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


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grey ``uint8`` copy of a BGR or grey image."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _largest_blob_centre(
    mask: np.ndarray, min_area: int, max_area: int, max_span: float = 0.6
) -> tuple[float, float] | None:
    """Centroid of the largest blob of a plausible size, None if none.

    Blobs spanning more than ``max_span`` of the image width or height
    (arena walls, shadows along an edge) are not an animal.
    """
    h, w = mask.shape[:2]
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    best, best_area = 0, 0
    for i in range(1, n):
        area = int(stats[i, cv2.CC_STAT_AREA])
        too_long = stats[i, cv2.CC_STAT_WIDTH] > max_span * w or stats[i, cv2.CC_STAT_HEIGHT] > max_span * h
        if min_area <= area <= max_area and area > best_area and not too_long:
            best, best_area = i, area
    if best == 0:
        return None
    return float(centroids[best, 0]), float(centroids[best, 1])


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
        diff = cv2.absdiff(gray, bg)
        otsu, _ = cv2.threshold(diff, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        _, mask = cv2.threshold(diff, max(25.0, otsu), 255, cv2.THRESH_BINARY)
        mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))  # join the pieces of one animal
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _opening_kernel(mask.shape))
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
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    lab = cv2.cvtColor(cv2.GaussianBlur(image, (5, 5), 0), cv2.COLOR_BGR2LAB).astype(np.float32)
    floor = np.median(lab.reshape(-1, 3), axis=0)
    dist = np.sqrt(((lab - floor) ** 2).sum(axis=2))
    if animal == "auto":
        animal = "dark" if floor[0] > 127 else "light"
    wrong_side = lab[..., 0] >= floor[0] if animal == "dark" else lab[..., 0] <= floor[0]
    dist[wrong_side] = 0
    dist8 = np.clip(dist, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(dist8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    _, mask = cv2.threshold(dist8, max(40.0, otsu), 255, cv2.THRESH_BINARY)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, _opening_kernel(mask.shape))


def _opening_kernel(shape: tuple[int, ...]) -> np.ndarray:
    """Disc about 1/40 of the shorter side: removes lines thinner than a mouse."""
    k = max(3, min(shape[:2]) // 40) | 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))


def median_background(images: list[np.ndarray], n: int = 25) -> np.ndarray | None:
    """Per-pixel median of up to ``n`` images spread over a list (the animal moves away).

    Returns None when there are fewer than 5 images or their sizes differ:
    the median of a few frames would still contain the animal.
    """
    if len(images) < 5 or len({im.shape for im in images}) != 1:
        return None
    pick = np.unique(np.linspace(0, len(images) - 1, num=min(n, len(images))).astype(int))
    return np.median(np.stack([images[i] for i in pick]), axis=0).astype(np.uint8)


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
