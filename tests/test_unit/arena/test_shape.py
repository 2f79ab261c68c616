"""Arena shapes: the JSON objects, the map of a round floor to cm, and finding a round floor in an image.

Every truth here is analytic: the drawn floor's centre and radius, or a
circle in cm sent into the image by a known camera homography.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from openfield.arena.detect import detect_arena
from openfield.arena.geometry import (
    ArenaGeometry,
    apply_homography,
    arena_from_dict,
    circle_homography,
    ellipse_points,
)
from openfield.arena.model import Calibration
from openfield.arena.shape import calibrate_floor, detect_arena_shape
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_arena
from openfield.synthetic import camera_homography
from openfield.tracking import FrameTracker, TrackerConfig


def _disk_image(center=(250.0, 200.0), radius=150.0, size=(500, 400), floor=200, surround=40) -> np.ndarray:
    img = np.full((size[1], size[0]), surround, np.uint8)
    shift = 4
    c = (int(round(center[0] * 16)), int(round(center[1] * 16)))
    cv2.circle(img, c, int(round(radius * 16)), floor, -1, cv2.LINE_AA, shift)
    return img


# --------------------------------------------------------------------------- the JSON objects


def test_arena_objects_parse_each_shape():
    c = arena_from_dict({"shape": "circle", "center_px": [100, 120.5], "radius_px": 80})
    assert c.shape == "circle" and c.center_px == (100.0, 120.5) and c.radius_px == 80.0
    e = arena_from_dict({"arena": {"shape": "ellipse", "center_px": [10, 20], "axes_px": [50, 40],
                                   "angle_deg": 30}})
    assert e.shape == "circle" and e.axes_px == (50.0, 40.0) and e.angle_deg == 30.0
    assert e.radius_px == pytest.approx(np.sqrt(50 * 40))
    r = arena_from_dict({"shape": "rectangle", "corners_px": [[300, 10], [10, 10], [10, 200], [300, 200]]})
    assert r.corners_px.tolist() == [[10, 10], [300, 10], [300, 200], [10, 200]]  # ordered tl, tr, br, bl
    p = arena_from_dict({"shape": "polygon", "corners_px": [[0, 0], [100, 0], [120, 50], [50, 90], [0, 60]]})
    assert p.shape == "polygon" and len(p.outline_px()) == 5
    for geom in (c, e, r, p):  # what to_dict writes, from_dict reads back
        again = arena_from_dict(json.loads(json.dumps(geom.to_dict())))
        np.testing.assert_allclose(again.outline_px(), geom.outline_px())


@pytest.mark.parametrize(("obj", "words"), [
    ({"shape": "hexagon"}, "unknown arena shape 'hexagon'"),
    ({"shape": "circle", "center_px": [1, 2]}, "needs \"radius_px\""),
    ({"shape": "circle", "center_px": [1, 2], "radius_px": -3}, "radius_px must be a positive number"),
    ({"shape": "circle", "center_px": [True, 2], "radius_px": 3}, "center_px must be [x, y]"),
    ({"shape": "ellipse", "center_px": [1, 2], "radius_px": 3}, "needs \"axes_px\""),
    ({"shape": "rectangle", "corners_px": [[0, 0], [1, 0], [1, 1]]}, "needs 4 corners"),
    ({"shape": "polygon", "corners_px": [[0, 0], [1, 1], [2, 2]]}, "enclose no area"),
    ({"shape": "polygon"}, "needs \"corners_px\""),
    ([1, 2], "must be a JSON object"),
])
def test_bad_arena_objects_are_refused_naming_the_file(tmp_path, obj, words):
    path = tmp_path / "arena.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(OpenfieldError) as err:
        read_arena(path)
    assert words in err.value.message and str(err.value.path) == str(path)


def test_a_calibration_file_given_as_arena_gives_its_arena(tmp_path):
    """``--arena <stem>_calibration.json``: the file's "arena" object, not its top-level summary (an ellipse's
    mean radius; a rectangle's shape without corners)."""
    ellipse = {"shape": "ellipse", "center_px": [180.0, 181.0], "axes_px": [155.0, 150.0], "angle_deg": 12.0}
    rect = {"shape": "rectangle", "corners_px": [[10, 20], [300, 22], [298, 210], [12, 208]]}
    calibrations = [
        ({"method": "arena", "shape": "circle", "center_px": [180.0, 181.0], "radius_px": 152.5, "arena": ellipse},
         ArenaGeometry("circle", center_px=(180.0, 181.0), axes_px=(155.0, 150.0), angle_deg=12.0)),
        ({"method": "arena", "shape": "rectangle", "arena_corners_px": rect["corners_px"], "arena": rect},
         ArenaGeometry("rectangle", corners_px=np.array(rect["corners_px"], float))),
    ]
    for k, (calibration, expected) in enumerate(calibrations):
        path = tmp_path / f"c{k}_calibration.json"
        path.write_text(json.dumps(calibration))
        got = read_arena(path)
        assert got.shape == expected.shape
        if expected.shape == "circle":
            assert got.center_px == expected.center_px and got.axes_px == expected.axes_px
            assert got.angle_deg == expected.angle_deg
        else:
            np.testing.assert_array_equal(got.corners_px, expected.corners_px)


def test_arena_file_missing_or_not_json(tmp_path):
    with pytest.raises(OpenfieldError, match="arena file not found"):
        read_arena(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{circle")
    with pytest.raises(OpenfieldError, match="not valid JSON"):
        read_arena(tmp_path / "bad.json")


# --------------------------------------------------------------------------- the map to cm


def test_circle_homography_sends_the_image_ellipse_to_the_true_circle():
    center, axes, angle, d = (300.0, 250.0), (160.0, 140.0), 25.0, 40.0
    h = circle_homography(center, axes, angle, d)
    on_edge = apply_homography(h, ellipse_points(center, axes, angle, 90))
    np.testing.assert_allclose(np.linalg.norm(on_edge - [20, 20], axis=1), 20.0, atol=1e-9)
    np.testing.assert_allclose(apply_homography(h, np.array([center])), [[20.0, 20.0]], atol=1e-12)
    # seen square on, the map is a plain scale: image x runs along cm x
    h0 = circle_homography(center, (160.0, 160.0), 0.0, d)
    np.testing.assert_allclose(apply_homography(h0, np.array([[460.0, 250.0], [300.0, 90.0]])),
                               [[40.0, 20.0], [20.0, 0.0]], atol=1e-12)


def test_round_calibration_round_trips_and_maps_the_centre(tmp_path):
    cal = calibrate_floor([], diameter_cm=40.0,
                          arena=ArenaGeometry("circle", center_px=(320.0, 240.0), axes_px=(200.0, 200.0)))
    assert cal.shape == "circle" and cal.arena_size_cm == (40.0, 40.0)
    assert cal.px_per_cm == pytest.approx(10.0)
    d = cal.to_dict()
    assert d["shape"] == "circle" and d["center_px"] == [320.0, 240.0] and d["radius_px"] == 200.0
    again = Calibration.from_dict(json.loads(json.dumps(d)))
    np.testing.assert_allclose(again.px_to_cm(np.array([[320.0, 240.0], [520.0, 240.0]])), [[20, 20], [40, 20]])
    assert len(again.floor_outline_px) == 360


def test_calibrate_floor_asks_for_the_size_that_fits_the_shape():
    circle = ArenaGeometry("circle", center_px=(320.0, 240.0), axes_px=(200.0, 200.0))
    with pytest.raises(OpenfieldError, match="--arena-diameter-cm"):
        calibrate_floor([], arena_size_cm=(40.0, 40.0), arena=circle)
    square = ArenaGeometry("rectangle", corners_px=np.array([[0, 0], [100, 0], [100, 100], [0, 100]], float))
    with pytest.raises(OpenfieldError, match="--arena-size-cm"):
        calibrate_floor([], diameter_cm=40.0, arena=square)


def test_polygon_floor_scales_its_bounding_box():
    poly = ArenaGeometry("polygon", corners_px=np.array([[100, 50], [300, 50], [300, 250], [200, 350], [100, 250]],
                                                        float))
    cal = calibrate_floor([], arena_size_cm=(20.0, 30.0), arena=poly)
    np.testing.assert_allclose(cal.px_to_cm(np.array([[100, 50], [200, 350]])), [[0, 0], [10, 30]], atol=1e-12)
    assert cal.px_per_cm == pytest.approx(10.0)


# --------------------------------------------------------------------------- finding the floor


def test_round_floor_found_to_a_fraction_of_a_pixel():
    geom = detect_arena_shape(_disk_image((250.3, 199.6), 150.0), "circle")
    assert geom.shape == "circle"
    np.testing.assert_allclose(geom.center_px, (250.3, 199.6), atol=0.25)
    np.testing.assert_allclose(geom.axes_px, (150.0, 150.0), atol=0.75)


def test_auto_keeps_a_circle_for_a_round_floor_and_the_rectangle_for_a_square_one():
    assert detect_arena_shape(_disk_image(), "auto").shape == "circle"
    img = np.full((400, 500), 40, np.uint8)
    cv2.rectangle(img, (60, 40), (430, 350), 200, -1)
    geom = detect_arena_shape(img, "auto")
    assert geom.shape == "rectangle"
    np.testing.assert_array_equal(geom.corners_px, detect_arena(img))  # exactly today's detector


def test_animal_at_the_wall_does_not_pull_the_circle_in():
    img = _disk_image((250.0, 200.0), 150.0)
    cv2.ellipse(img, (250, 62), (28, 12), 0, 0, 360, 40, -1)  # a dark mouse pressed to the top wall
    geom = detect_arena_shape(img, "circle")
    np.testing.assert_allclose(geom.center_px, (250.0, 200.0), atol=0.3)
    np.testing.assert_allclose(geom.radius_px, 150.0, atol=0.75)


@pytest.mark.parametrize(("tilt", "max_err_cm"), [(0.0, 0.05), (0.04, 0.5)])
def test_round_arena_maps_to_the_true_circle(tilt, max_err_cm):
    """A 40-cm round floor seen from straight above, and by a camera tilted so that the far edge is 4 % shorter.

    Straight above, the fitted ellipse's map to cm puts every floor point within 0.05 cm of the truth. Tilted,
    a single ellipse cannot tell the perspective (docs/calibration.md): the affine map is off by up to 0.5 cm,
    nearly a uniform shift, and a path's length stays within 1 %.
    """
    h_cm_to_px = camera_homography((40.0, 40.0), (560, 480), 40.0, tilt=tilt)
    t = np.linspace(0, 2 * np.pi, 2000)
    rim_px = apply_homography(h_cm_to_px, np.c_[20 + 20 * np.cos(t), 20 + 20 * np.sin(t)])
    img = np.full((480, 560), 40, np.uint8)
    cv2.fillPoly(img, [np.round(rim_px * 16).astype(np.int32)], 200, cv2.LINE_AA, 4)
    cal = calibrate_floor([img], diameter_cm=40.0)
    assert cal.shape == "circle"
    grid = np.array([[x, y] for x in np.linspace(2, 38, 19) for y in np.linspace(2, 38, 19)
                     if (x - 20) ** 2 + (y - 20) ** 2 < 18**2])
    err = np.linalg.norm(cal.px_to_cm(apply_homography(h_cm_to_px, grid)) - grid, axis=1)
    assert err.max() < max_err_cm
    steps = np.random.default_rng(0).normal(0, 0.3, (5000, 2))
    path = 20 + 17 * np.tanh(np.cumsum(steps, axis=0) / 20)
    seen = cal.px_to_cm(apply_homography(h_cm_to_px, path))
    length = np.linalg.norm(np.diff(path, axis=0), axis=1).sum()
    assert np.linalg.norm(np.diff(seen, axis=0), axis=1).sum() == pytest.approx(length, rel=0.01)


def test_floor_not_found_says_how_to_give_it():
    with pytest.raises(OpenfieldError, match="--arena FILE.json"):
        detect_arena_shape(np.full((200, 200), 90, np.uint8), "circle")


# --------------------------------------------------------------------------- several animals


def test_count_animals_counts_animal_sized_blobs_only():
    background = np.full((300, 400), 200, np.uint8)
    mask = np.full((300, 400), 255, np.uint8)
    frame = background.copy()
    cv2.ellipse(frame, (100, 150), (30, 12), 20, 0, 360, 40, -1)
    cv2.line(frame, (72, 140), (30, 110), 40, 2)  # its tail: thin
    cv2.circle(frame, (250, 60), 4, 40, -1)  # a dropping: small
    tracker = FrameTracker(background, mask, TrackerConfig(animal="dark"))
    tracker.update(frame)
    area, length = float(np.pi * 30 * 12), 60.0
    assert tracker.count_animals(frame, area, length) == 1
    split = frame.copy()
    cv2.line(split, (100, 130), (100, 170), 200, 3)  # the same mouse segmented in two halves: still one
    assert tracker.count_animals(split, area, length) == 1
    cv2.ellipse(frame, (300, 200), (28, 12), -40, 0, 360, 40, -1)  # a second mouse
    assert tracker.count_animals(frame, area, length) == 2
