"""What a pose tool would report for a trajectory: a pose Dataset, or a noisy track with dropped frames."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.io.pose import from_numpy
from openfield.synthetic.rendering import mouse_keypoints_cm, to_px


def pose_from_trajectory(
    trajectory: pd.DataFrame,
    homography: np.ndarray,
    arena_size_cm: tuple[float, float],
    fps: float,
    mouse_length_cm: float = 8.0,
    with_corners: bool = True,
) -> Any:
    """A DeepLabCut-like pose dataset (head, body, tail, and arena corners) from a trajectory.

    Parameters
    ----------
    trajectory
        Table with ``x_cm``, ``y_cm`` (body centre) and ``heading_rad``.
    homography
        Arena cm -> pixels (see :func:`camera_homography`).
    arena_size_cm
        Floor size, for the corner points ``tl, tr, br, bl``.
    fps
        Frame rate stored in the dataset.
    mouse_length_cm
        Nose-to-tail-base length.
    with_corners
        Add the arena corners as tracked points (likelihood 1).

    Returns
    -------
    xarray.Dataset
        Pose dataset in pixels with likelihood 1 everywhere a position exists.
    """
    body = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    kp = mouse_keypoints_cm(body, trajectory["heading_rad"].to_numpy(float), mouse_length_cm)
    names = list(TRACKER_KEYPOINTS)
    pts = [to_px(homography, kp[k]) for k in names]
    if with_corners:
        w, h = arena_size_cm
        for name, c in zip(("tl", "tr", "br", "bl"), [(0, 0), (w, 0), (w, h), (0, h)], strict=True):
            names.append(name)
            pts.append(np.repeat(to_px(homography, np.array([c], float)), len(body), axis=0))
    position = np.stack(pts, axis=1)
    return from_numpy(position, None, names, fps=fps, source_software="openfield.synthetic",
                      scorer="synthetic")


def observe_track(
    trajectory: pd.DataFrame,
    px_per_cm: float = 10.0,
    jitter_cm: float = 0.0,
    drop_fraction: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """What a tracker would report for a trajectory: pixels, jitter and dropped frames.

    Parameters
    ----------
    trajectory
        Table with ``x_cm, y_cm``.
    px_per_cm
        Image scale (a camera looking straight down, origin at the arena corner).
    jitter_cm
        Standard deviation of Gaussian position noise per axis (cm).
    drop_fraction
        Fraction of frames lost (NaN), in runs of 1-3 frames.
    seed
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` positions in px.
    """
    rng = np.random.default_rng(seed)
    xy = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    xy = (xy + rng.normal(0.0, jitter_cm, xy.shape)) * px_per_cm if jitter_cm > 0 else xy * px_per_cm
    n = len(xy)
    dropped = np.zeros(n, bool)
    while dropped.mean() < drop_fraction:
        i = int(rng.integers(1, max(2, n - 4)))
        dropped[i : i + int(rng.integers(1, 4))] = True
    xy[dropped] = np.nan
    return xy
