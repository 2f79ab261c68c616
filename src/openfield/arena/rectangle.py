"""Calibration from a rectangular floor of known size: its four corners detected, given, or tracked.

The corners (tl, tr, br, bl) and the floor's real width and height give a
homography from image pixels to arena centimetres. Arena cm have their
origin at the floor's top-left corner as seen in the image, x along the top
edge, y down. A tilted camera is corrected.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from openfield.arena.detect import detect_arena, each_image, image_names
from openfield.arena.geometry import homography_from_corners, order_corners, side_scales
from openfield.arena.model import Calibration
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)


def calibrate_arena(
    images: list[np.ndarray],
    arena_size_cm: tuple[float, float],
    corners_px: np.ndarray | None = None,
    floor: str = "auto",
    names: list[str] | None = None,
) -> Calibration:
    """Calibrate from the arena floor of known size.

    Parameters
    ----------
    images
        Reference images (top view of the arena); ignored for detection
        when ``corners_px`` is given.
    arena_size_cm
        Floor width (along the top edge) and height in cm.
    corners_px
        Known corners (any order); skips detection.
    floor
        Passed to :func:`detect_arena`.
    names
        Labels of the images (file names) for the measurements.

    Returns
    -------
    Calibration
        With homography, corners and px/cm (mean over the four sides); the
        residual holds the relative spread of the per-side scales and, for
        several images, the corner spread in px.
    """
    check_arena_size(arena_size_cm)
    w, h = arena_size_cm
    names = image_names(images, names)
    measurements: list[dict[str, Any]] = []
    if corners_px is not None:
        corners = order_corners(np.asarray(corners_px, dtype=float))
        measurements.append({"image": "given corners", "corners_px": corners.tolist()})
        corner_spread = 0.0
    else:
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or --corners")
        all_corners = each_image(lambda image: detect_arena(image, floor=floor), images, names)
        for name, c in zip(names, all_corners, strict=True):
            measurements.append({"image": name, "corners_px": c.tolist(),
                                 "px_per_cm": float(side_scales(c, arena_size_cm).mean())})
        corners, corner_spread = median_corners(all_corners)
    return arena_calibration(
        corners, arena_size_cm, measurements, corner_spread,
        inputs={"arena_size_cm": [float(w), float(h)], "floor": floor,
                "corners_given": corners_px is not None, "images": names},
    )


def check_arena_size(arena_size_cm: tuple[float, float]) -> None:
    w, h = arena_size_cm
    if not (w > 0 and h > 0):
        raise OpenfieldError(f"arena size must be positive, got {w} x {h} cm")


def median_corners(all_corners: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Per-corner median over images, and the largest distance of an image's corner from it (px)."""
    stack = np.stack(all_corners)
    corners = np.median(stack, axis=0)
    return corners, float(np.max(np.linalg.norm(stack - corners, axis=2)))


def arena_calibration(
    corners: np.ndarray,
    arena_size_cm: tuple[float, float],
    measurements: list[dict[str, Any]],
    corner_spread: float,
    inputs: dict[str, Any],
) -> Calibration:
    """The arena :class:`Calibration` of floor corners (tl, tr, br, bl) of known size."""
    w, h = arena_size_cm
    scales = side_scales(corners, arena_size_cm)
    hom = homography_from_corners(corners, arena_size_cm)
    spread = float((scales.max() - scales.min()) / scales.mean())
    if spread > 0.25:
        log.warning(
            "%s sides give px/cm from %.2f to %.2f: a strongly tilted camera, or an arena size "
            "that does not match the image (W is along the top edge as seen in the image)",
            f"arena {inputs['arena']}'s" if "arena" in inputs else "the arena's", scales.min(), scales.max(),
        )
    return Calibration(
        method="arena",
        px_per_cm=float(scales.mean()),
        homography=hom,
        arena_corners_px=corners,
        arena_size_cm=(float(w), float(h)),
        measurements=measurements,
        inputs=inputs,
        residual={"side_px_per_cm": scales.tolist(),
                  "side_scale_relative_spread": float((scales.max() - scales.min()) / scales.mean()),
                  "corner_spread_px": corner_spread},
    )


def calibrate_from_bodyparts(
    ds: Any,
    corner_names: tuple[str, str, str, str],
    arena_size_cm: tuple[float, float],
    min_likelihood: float = 0.6,
) -> Calibration:
    """Arena calibration from corner points tracked in a pose file.

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`).
    corner_names
        Body parts of the top-left, top-right, bottom-right and bottom-left
        floor corners (e.g. ``("tl", "tr", "br", "bl")``).
    arena_size_cm
        Floor width (top edge) and height in cm.
    min_likelihood
        Only frames where a corner is this confident count; its position is
        the median over them (the arena does not move).

    Returns
    -------
    Calibration
        Method ``"arena"``; the residual has each corner's median absolute
        deviation in px.
    """
    source = ds.attrs.get("source_file")
    names = [str(k) for k in ds["keypoints"].values]
    missing = [c for c in corner_names if c not in names]
    if missing:
        raise OpenfieldError(
            f"arena corner body part(s) {', '.join(missing)} not in the pose file; it has: {', '.join(names)}",
            source,
        )
    corners, mad = [], []
    for name in corner_names:
        xy = ds["position"].sel(keypoints=name).isel(individuals=0).transpose("time", "space").values
        lik = ds["confidence"].sel(keypoints=name).isel(individuals=0).values
        good = xy[(lik >= min_likelihood) & ~np.isnan(xy).any(axis=1)]
        if len(good) == 0:
            raise OpenfieldError(
                f"arena corner {name!r} has no frame with likelihood >= {min_likelihood}", source
            )
        med = np.median(good, axis=0)
        corners.append(med)
        mad.append(float(np.median(np.linalg.norm(good - med, axis=1))))
    corners_arr = np.array(corners)
    cal = calibrate_arena([], arena_size_cm, corners_px=corners_arr)
    if not np.allclose(order_corners(corners_arr), corners_arr):
        raise OpenfieldError(
            f"the corners {', '.join(corner_names)} are not in the order top-left, top-right, "
            "bottom-right, bottom-left as seen in the image", source,
        )
    cal.inputs.update(corner_bodyparts=list(corner_names), min_likelihood=min_likelihood, pose_file=source)
    cal.measurements = [{"image": "tracked corners", "corners_px": corners_arr.tolist(),
                         "corner_median_abs_deviation_px": dict(zip(corner_names, mad, strict=True))}]
    return cal
