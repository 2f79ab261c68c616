"""Wall distance and thigmotaxis: paths at known distances from the wall of a square and a round arena."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import extra_measures, wall
from openfield.arena import zones
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io import from_numpy
from openfield.kinematics import KinematicsConfig, analyze_pose, summarize

FPS = 30.0
SIDE = 40.0


def analyzed(xy_cm: np.ndarray, shape: str = "rectangle", config: KinematicsConfig | None = None):
    """Kinematics summary of a body track in cm (1 px = 1 cm), floor 40 x 40 cm (a 40-cm disk when round)."""
    ds = from_numpy(np.asarray(xy_cm, float)[:, None, :], None, ["body"], fps=FPS)
    corners = np.array([[0, 0], [SIDE, 0], [SIDE, SIDE], [0, SIDE]], float)
    cal = Calibration(method="arena", px_per_cm=1.0, homography=np.eye(3), arena_corners_px=corners,
                      arena_size_cm=(SIDE, SIDE))
    config = config or KinematicsConfig()
    res = analyze_pose(ds, cal, config)
    if shape != "rectangle":  # the arena's shape as the calibration will record it (attrs["arena_shape"])
        res.attrs["arena_shape"] = shape
        res = extra_measures.add_frame_measures(res, cal, config)
    return res, summarize(res)


def loop(points: list[tuple[float, float]], speed: float = 10.0) -> np.ndarray:
    """Walk a closed polygon at constant speed, one frame per 1 / FPS s."""
    pts = np.array([*points, points[0]], float)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.arange(0, seg.sum(), speed / FPS)
    cum = np.r_[0, np.cumsum(seg)]
    return np.c_[np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])]


def ring(radius: float, laps: float = 2.0, speed: float = 10.0) -> np.ndarray:
    t = np.arange(int(laps * 2 * np.pi * radius / speed * FPS)) / FPS
    a = speed / radius * t
    return np.c_[20 + radius * np.cos(a), 20 + radius * np.sin(a)]


@pytest.mark.parametrize("d", [2.0, 3.0, 6.0, 12.0])
def test_square_arena_path_at_a_known_distance(d):
    # a square loop d cm inside the walls: every point is d cm from the nearest wall
    _, s = analyzed(loop([(d, d), (SIDE - d, d), (SIDE - d, SIDE - d), (d, SIDE - d)]))
    assert s["mean_wall_distance_cm"] == pytest.approx(d, abs=0.2)
    assert s["thigmotaxis_fraction"] == (1.0 if d < 8 else 0.0)


@pytest.mark.parametrize("radius", [18.0, 14.0, 8.0])
def test_round_arena_path_at_a_known_distance(radius):
    # a circle of radius r round the centre of a 40-cm round arena is 20 - r from its wall
    _, s = analyzed(ring(radius), shape="circle")
    assert s["mean_wall_distance_cm"] == pytest.approx(20.0 - radius, abs=0.2)
    assert s["thigmotaxis_fraction"] == (1.0 if 20 - radius < 8 else 0.0)
    # the same circle in the 40-cm square: 20 - r max(|cos a|, |sin a|) from the nearest wall, on average
    # over the angle a 20 - r 2 sqrt(2) / pi: the shape of the arena is what is measured
    _, sq = analyzed(ring(radius))
    assert sq["mean_wall_distance_cm"] == pytest.approx(20.0 - radius * 2 * np.sqrt(2) / np.pi, abs=0.2)


def test_thigmotaxis_is_the_share_of_time_near_the_wall():
    # 2 laps 3 cm from the round wall (radius 17), then 2 laps 12 cm from it (radius 8), at 10 cm/s
    out, inner = ring(17.0), ring(8.0)
    path = np.r_[out, np.linspace(out[-1], inner[0], int(FPS))[1:-1], inner]
    _, s = analyzed(path, shape="circle")
    n_bridge = int(FPS) - 2
    truth = (len(out) + n_bridge * 5 / 9) / len(path)  # the radial walk from 3 to 12 cm is within 8 cm 5/9 of it
    assert s["thigmotaxis_fraction"] == pytest.approx(truth, abs=0.01)
    _, wider = analyzed(path, shape="circle", config=KinematicsConfig(thigmotaxis_cm=13.0))
    assert wider["thigmotaxis_fraction"] == 1.0


def test_wall_distance_of_points_outside_missing_and_in_a_polygon():
    square = zones.floor_geometry("rectangle", (40, 30))
    xy = np.array([[10.0, 5.0], [-1.0, 5.0], [np.nan, np.nan], [20.0, 15.0], [40.0, 2.0]])
    d = wall.wall_distance(xy, square)
    np.testing.assert_allclose(d, [5.0, 0.0, np.nan, 15.0, 0.0])
    # an L-shaped floor: the inner corner counts as wall
    ell = zones.floor_geometry("polygon", (40, 40), [(0, 0), (40, 0), (40, 20), (20, 20), (20, 40), (0, 40)])
    assert wall.wall_distance(np.array([[25.0, 25.0], [17.0, 23.0]]), ell).tolist() == pytest.approx([0.0, 3.0])
    disk = zones.floor_geometry("circle", (40, 40))
    assert wall.wall_distance(np.array([[20.0, 20.0], [20.0, 1.0]]), disk) == pytest.approx([20.0, 1.0], abs=0.005)
    with pytest.raises(OpenfieldError, match="'hexagon'"):
        zones.floor_geometry("hexagon", (40, 40))


def test_no_arena_no_wall_measures():
    ds = from_numpy(ring(10.0)[:, None, :], None, ["body"], fps=FPS)
    res = analyze_pose(ds, Calibration(method="points", px_per_cm=1.0), KinematicsConfig())
    s = summarize(res)
    assert np.isnan(s["mean_wall_distance_cm"]) and np.isnan(s["thigmotaxis_fraction"])
    with pytest.raises(OpenfieldError, match="--thigmotaxis-cm"):
        KinematicsConfig(thigmotaxis_cm=0.0)
