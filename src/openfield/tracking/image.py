"""Tracking the animal in a single image (no background model, no motion)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from openfield.calibration import detect_arena_shape
from openfield.errors import OpenfieldError
from openfield.orientation import orient
from openfield.segmentation import AnimalMeasure, arena_mask, floor_polarity, image_foreground, to_gray
from openfield.tracking.config import TrackerConfig
from openfield.tracking.frame import FrameTracker


def tail_ray_cue(diff: np.ndarray, floor_mask: np.ndarray, blob: AnimalMeasure) -> float:
    """Which end the faint tail leaves from: the foreground just beyond each end.

    The tail is paler than the body and mostly below the blob's threshold,
    but still differs from the floor. Beyond each end, along the axis from
    0.1 to 0.6 body lengths and across +-0.2 body lengths (the tail curves),
    the strongest difference at each distance is averaged; outside the
    floor counts as 0 (a wall beyond the nose is not a tail).

    Parameters
    ----------
    diff
        Foreground difference image (animal brighter).
    floor_mask
        Where the floor is.
    blob
        The animal.

    Returns
    -------
    float
        In [-1, 1]; > 0 when the tail is towards ``blob.ends[0]``.
    """
    e = blob.ends
    length = max(blob.length, 1.0)
    centre = 0.5 * (e[0] + e[1])
    along = np.linspace(0.1, 0.6, 11) * length
    across = np.linspace(-0.2, 0.2, 9) * length
    h, w = diff.shape
    scores = []
    for end in e:
        u = (end - centre) / max(float(np.linalg.norm(end - centre)), 1e-9)
        v = np.array([-u[1], u[0]])
        pts = end + along[:, None, None] * u + across[None, :, None] * v
        x = np.clip(np.round(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.round(pts[..., 1]).astype(int), 0, h - 1)
        vals = np.where(floor_mask[y, x] > 0, diff[y, x], 0).astype(float)
        scores.append(vals.max(axis=1).mean())
    a, b = scores
    return float((a - b) / (a + b)) if a + b > 0 else 0.0


def track_image(
    image: np.ndarray,
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Track the animal in a single image (no background model, no motion).

    The floor is estimated from the image itself
    (:func:`openfield.segmentation.floor_model`) and the head is told from
    the tail base by the animal's shape alone: the pieces the opening
    removes (:func:`openfield.segmentation.measure_animal`) and the faint
    tail beyond one end (:func:`tail_ray_cue`).

    Parameters
    ----------
    image
        BGR or grey image.
    config
        Tracker options.
    arena_corners_px
        Floor corners; None: found on the image (whole image if that fails).

    Returns
    -------
    dict
        ``head``, ``body``, ``tail`` (pixel ``(2,)``, NaN if not found),
        ``likelihood`` (body quality) and ``head_probability``.
    """
    config = config or TrackerConfig()
    gray = to_gray(image)
    animal = floor_polarity(gray) if config.animal == "auto" else config.animal
    if arena_corners_px is None:
        try:
            arena_corners_px = detect_arena_shape(image).outline_px()
        except OpenfieldError:
            arena_corners_px = None
    # a narrow margin: without a background model the walls beside the floor would count as foreground
    mask = arena_mask(gray.shape, arena_corners_px, 0.25 * config.arena_margin_fraction)
    background, diff, level = image_foreground(gray, mask, animal, config.threshold)
    cfg = TrackerConfig(**{**asdict(config), "animal": animal, "threshold": level})
    tracker = FrameTracker(background, mask, cfg, select="thickness")
    blob, q = tracker.update(gray)
    nan2 = np.full(2, np.nan)
    if blob is None:
        return {"head": nan2, "body": nan2, "tail": nan2, "likelihood": 0.0, "head_probability": 0.0}
    cue = float(np.clip(blob.tail_cue + 0.5 * tail_ray_cue(diff, mask, blob), -1.0, 1.0))
    head, tail, prob = orient(blob.body[None], blob.ends[None], np.array([cue]), None, cfg, tips=blob.tips[None])
    return {"head": head[0], "body": blob.body, "tail": tail[0], "likelihood": q,
            "head_probability": float(prob[0])}
