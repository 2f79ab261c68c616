"""The wall-contact features (``nose_wall_cm``, ``head_wall_cm``, ``body_wall_cm``) in arenas of any shape.

A mouse walks a path at a known distance from the wall of a 42-cm square and
of a 40-cm round arena (the arena contract's cm frame: origin at the floor's
bounding box's top-left, the round arena's centre at (20, 20)); its head
point's distance to the wall must be that distance (within 0.01 cm: the
round floor is a 256-gon, off the true circle by < 0.002 cm), through
:func:`pose_features` with pixel positions and the arena's homography.
"""

from __future__ import annotations

import numpy as np
import pytest

from openfield.arena.zones import floor_geometry
from openfield.behavior.feature_arena import FeatureArena, floor_wall_distance
from openfield.behavior.features import pose_features
from openfield.io.pose import from_numpy

FPS = 25.0
PX_PER_CM = 10.0


def _arena(shape: str, size: float) -> FeatureArena:
    h = np.diag([1 / PX_PER_CM, 1 / PX_PER_CM, 1.0])  # pixels -> cm
    return FeatureArena(h, (size, size), "test", PX_PER_CM, shape=shape)


def _pose(head_cm: np.ndarray, inward_cm: np.ndarray) -> object:
    """Nose 1 cm beyond the head point, body 3 cm and tail 6 cm behind it, along ``inward_cm`` (unit, cm)."""
    pts = [head_cm - inward_cm, head_cm, head_cm + 3 * inward_cm, head_cm + 6 * inward_cm]
    return from_numpy(np.stack(pts, axis=1) * PX_PER_CM, None, ["nose", "headcentre", "bodycentre", "tailbase"],
                      fps=FPS)


def test_round_arena_head_at_known_distances_from_the_wall():
    n = 500
    angle = np.linspace(0, 6 * np.pi, n)  # three laps
    dist = 2.0 + 3.0 * (1 + np.sin(angle * 1.7)) / 2  # 2..5 cm from the wall
    radial = np.c_[np.cos(angle), np.sin(angle)]
    head = 20.0 + (20.0 - dist)[:, None] * radial
    feats = pose_features(_pose(head, -radial), _arena("circle", 40.0), windows_s=(0.2,))
    np.testing.assert_allclose(feats["head_wall_cm"].to_numpy(float), dist, atol=0.01)
    np.testing.assert_allclose(feats["nose_wall_cm"].to_numpy(float), dist - 1, atol=0.01)
    np.testing.assert_allclose(feats["body_wall_cm"].to_numpy(float), dist + 3, atol=0.01)


def test_square_arena_head_along_each_wall():
    size, n = 42.0, 400
    side = np.repeat(np.arange(4), n // 4)
    along = np.tile(np.linspace(8.0, 34.0, n // 4), 4)  # away from the corners
    dist = np.tile(np.linspace(0.5, 6.0, n // 4), 4)
    inward = np.array([[0, 1], [-1, 0], [0, -1], [1, 0]], dtype=float)[side]  # top, right, bottom, left wall
    head = np.select([side[:, None] == k for k in range(4)],
                     [np.c_[along, dist], np.c_[size - dist, along], np.c_[along, size - dist], np.c_[dist, along]])
    feats = pose_features(_pose(head, inward), _arena("rectangle", size), windows_s=(0.2,))
    np.testing.assert_allclose(feats["head_wall_cm"].to_numpy(float), dist, atol=1e-4)


def test_wall_distance_is_negative_outside_and_nan_stays_nan():
    floor = floor_geometry("circle", (40.0, 40.0))
    d = floor_wall_distance(np.array([[20.0, 20.0], [20.0, -3.0], [np.nan, 1.0]]), floor)
    assert d[0] == pytest.approx(20.0, abs=0.01) and d[1] == pytest.approx(-3.0, abs=0.01) and np.isnan(d[2])
    square = floor_geometry("rectangle", (42.0, 42.0))
    pts = np.random.default_rng(0).uniform(0, 42, (200, 2))
    # the analytic distance to the nearest side of a 42 x 42 cm floor (origin at its top-left corner)
    nearest_side = np.minimum(np.minimum(pts[:, 0], 42.0 - pts[:, 0]), np.minimum(pts[:, 1], 42.0 - pts[:, 1]))
    np.testing.assert_allclose(floor_wall_distance(pts, square), nearest_side, atol=1e-9)
