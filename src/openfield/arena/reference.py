"""Calibration from a reference of known length: a mouse's nose-to-tail-base length, or two points.

``mouse``
    The original method: segment the animal, measure its nose-to-tail-base
    length in pixels (the thin tail is removed by a morphological opening)
    and divide by its known length in cm. Several images give the median.
``points``
    Two pixel points and the real distance between them.

Neither gives a homography: positions are pixels divided by px/cm.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from openfield.arena.detect import detect_arena, each_image, image_names
from openfield.arena.model import Calibration
from openfield.errors import OpenfieldError
from openfield.segmentation import arena_mask, measure_animal, segment_animal

log = logging.getLogger(__name__)


def measure_mouse(image: np.ndarray, animal: str = "auto") -> dict[str, Any]:
    """Nose-to-tail-base length of the animal in pixels.

    The animal is segmented by :func:`openfield.segmentation.segment_animal`
    and measured by :func:`openfield.segmentation.measure_animal`: the thin
    tail is removed by an opening with a disc of about a third of the body's
    half-width, and the length is the extent of what remains along its
    principal axis.

    Parameters
    ----------
    image
        BGR or grey top-view image with one animal.
    animal
        ``"dark"``, ``"light"`` or ``"auto"`` (see
        :func:`openfield.segmentation.segment_animal`).

    Returns
    -------
    dict
        ``length_px``, ``width_px``, ``center_px``, ``axis_endpoints_px``
        (2x2), ``area_px``.
    """
    try:
        floor = arena_mask(image.shape[:2], detect_arena(image), 0.01)
    except OpenfieldError:
        floor = None  # no arena in view: the whole image, blobs at its edges left out
    mask = segment_animal(image, animal, floor)
    # 0.35 of the half-width (the tracker takes 0.4): keeps more of the snout's point, which the
    # nose-to-tail-base length includes
    m = measure_animal(mask, opening_fraction=0.35, largest_piece=True)
    if m is None:
        raise OpenfieldError("the animal's outline vanished when removing the tail; is it too small?")
    along = (m.ends - m.centre) @ m.axis
    ends = m.centre + np.sort(along)[:, None] * m.axis
    return {
        "length_px": m.extent,
        "width_px": m.width,
        "center_px": m.centre.tolist(),
        "axis_endpoints_px": ends.tolist(),
        "area_px": int(m.area),
    }


def calibrate_mouse(
    images: list[np.ndarray],
    mouse_length_cm: float,
    animal: str = "auto",
    names: list[str] | None = None,
    disagreement_warn: float = 0.10,
) -> Calibration:
    """Calibrate from a mouse of known nose-to-tail-base length.

    Parameters
    ----------
    images
        One or more reference images, one animal each.
    mouse_length_cm
        The animal's nose-to-tail-base length in cm.
    animal
        See :func:`openfield.segmentation.segment_animal`.
    names
        Labels for the images (file names).
    disagreement_warn
        Log a warning when the images' px/cm differ by more than this
        fraction of the median.

    Returns
    -------
    Calibration
        ``px_per_cm`` is the median over images; no homography.
    """
    if not mouse_length_cm > 0:
        raise OpenfieldError(f"--mouse-length-cm must be positive, got {mouse_length_cm}")
    if not images:
        raise OpenfieldError("mouse calibration needs at least one image")
    names = image_names(images, names)
    measurements = each_image(lambda image: measure_mouse(image, animal), images, names)
    for name, m in zip(names, measurements, strict=True):
        m["image"] = name
        m["px_per_cm"] = m["length_px"] / mouse_length_cm
    scales = np.array([m["px_per_cm"] for m in measurements])
    median = float(np.median(scales))
    spread = float((scales.max() - scales.min()) / median)
    if spread > disagreement_warn:
        log.warning(
            "reference images disagree: px/cm ranges from %.2f to %.2f (%.0f%% of the median); "
            "check the --show images", scales.min(), scales.max(), 100 * spread,
        )
    return Calibration(
        method="mouse",
        px_per_cm=median,
        measurements=measurements,
        inputs={"mouse_length_cm": float(mouse_length_cm), "animal": animal, "images": names},
        residual={"px_per_cm_relative_spread": spread,
                  "px_per_cm_std": float(scales.std(ddof=1)) if len(scales) > 1 else 0.0},
    )


def calibrate_points(p1: tuple[float, float], p2: tuple[float, float], distance_cm: float) -> Calibration:
    """Calibrate from two pixel points a known distance apart."""
    if not distance_cm > 0:
        raise OpenfieldError(f"--distance-cm must be positive, got {distance_cm}")
    d_px = float(np.hypot(p2[0] - p1[0], p2[1] - p1[1]))
    if d_px == 0:
        raise OpenfieldError("the two points are the same pixel")
    return Calibration(
        method="points",
        px_per_cm=d_px / distance_cm,
        measurements=[{"distance_px": d_px}],
        inputs={"points_px": [list(map(float, p1)), list(map(float, p2))], "distance_cm": float(distance_cm)},
    )
