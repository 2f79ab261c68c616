"""Several arenas in one image: detection, numbering, one calibration per arena, corners files, errors."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from openfield import synthetic
from openfield.arena.detect import detect_arena
from openfield.arena.draw import draw_arenas
from openfield.arena.geometry import apply_homography, side_scales
from openfield.arena.multi import calibrate_arenas, detect_arenas, number_arenas
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io import read_image
from openfield.io.calibration import read_arena_corners
from openfield.io.video import iter_frames

REPO = Path(__file__).resolve().parents[3]
SIZE = (30.0, 30.0)


def _render(tmp_path, name, **kw):
    # 800 x 800 px: a scale that puts the corners between pixels (10.26 px/cm for 2 x 2)
    kw.setdefault("image_size", (800, 800))
    return synthetic.render_arenas_video(tmp_path, name, arena_size_cm=SIZE, fps=10, duration_s=2, **kw)


def _assert_corners_match(found, v):
    assert len(found) == len(v.corners_px)
    for k, (f, c) in enumerate(zip(found, v.corners_px, strict=True), start=1):
        side = np.linalg.norm(c[1] - c[0])
        err = np.abs(f - c).max()
        assert err < 0.01 * side, f"arena {k}: corner off by {err:.2f} px (side {side:.0f} px)"


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    """2 x 2 boxes of 30 x 30 cm, arena 3 turned by 4 degrees, arena 2 empty."""
    return _render(tmp_path_factory.mktemp("rig"), "rig", rows=2, cols=2, rotation_deg=[0, 0, 4, 0], empty=(2,))


@pytest.fixture(scope="module")
def rig_background(rig):
    """The rig video's median background (what ``openfield calibrate`` reads from a video)."""
    return read_image(rig.path)


def test_two_by_two_found_and_numbered_row_major(rig, rig_background):
    background = rig_background
    frame = next(iter_frames(rig.path))  # a single frame: the mice on the floors
    for image in (background, frame):
        for n in (None, 4):
            _assert_corners_match(detect_arenas(image, n=n), rig)  # also the empty box 2 and the rotated box 3


def test_calibrate_arenas_per_arena_homography(rig, rig_background):
    frame = next(iter_frames(rig.path))
    cals = calibrate_arenas([rig_background, frame], SIZE, n=4, names=["bg", "frame0"])
    assert len(cals) == 4
    # known cm points of each arena (3 is the turned box), through its true homography and back through its
    # calibration
    pts_cm = np.array([[2, 3], [15, 15], [27, 5], [6, 28]], float)
    for k, (cal, hom, corners) in enumerate(zip(cals, rig.homographies, rig.corners_px, strict=True), start=1):
        back = cal.px_to_cm(apply_homography(hom, pts_cm))
        assert np.abs(back - pts_cm).max() < 0.1, f"arena {k}"
        true_scale = side_scales(corners, SIZE).mean()
        assert cal.px_per_cm == pytest.approx(true_scale, rel=0.01)
        assert cal.inputs["arena"] == k and cal.inputs["n_arenas"] == 4
        assert [m["image"] for m in cal.measurements] == ["bg", "frame0"]
        assert cal.residual["corner_spread_px"] < 1.0
        assert cal.has_arena and cal.arena_size_cm == SIZE
    # arena 1's calibration puts the same pixel far outside its own floor: each arena its own frame
    assert cals[0].px_to_cm(apply_homography(rig.homographies[2], pts_cm))[:, 1].min() > 30


@pytest.mark.parametrize(("rows", "cols", "kw"), [
    (1, 2, {}),
    (2, 3, {"rotation_deg": [0, 0, 0, 0, -4, 0]}),
    (2, 2, {"tilt": 0.12, "noise_sd": 4.0}),  # a tilted camera: the far row looks narrower
    (2, 2, {"animal": "light"}),  # dark floors inside light walls
])
def test_other_layouts(tmp_path, rows, cols, kw):
    v = _render(tmp_path, "v", rows=rows, cols=cols, **kw)
    background = read_image(v.path)
    _assert_corners_match(detect_arenas(background), v)
    cals = calibrate_arenas([background], SIZE, n=rows * cols)
    for cal, corners in zip(cals, v.corners_px, strict=True):
        assert cal.px_per_cm == pytest.approx(side_scales(corners, SIZE).mean(), rel=0.01)


def test_numbering_is_row_major_under_rotation():
    """Centres of a 2 x 3 grid turned by 8 degrees: still rows top to bottom, each left to right."""
    a = np.deg2rad(8)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    square = np.array([[-40, -40], [40, -40], [40, 40], [-40, 40]], float)
    grid = [np.array([100 + 120 * c, 100 + 120 * r]) for r in range(2) for c in range(3)]
    quads = [(square + g) @ rot.T for g in grid]
    shuffled = [quads[i] for i in (4, 0, 5, 2, 3, 1)]
    for got, want in zip(number_arenas(shuffled), quads, strict=True):
        np.testing.assert_array_equal(got, want)
    assert number_arenas([]) == []


def test_single_arena_and_wrong_counts():
    h = synthetic.camera_homography((40, 40), (640, 480), tilt=0.1)
    img, _ = synthetic.render_frame((20, 20), 0.0, (40, 40), h, noise_sd=3)
    (one,) = detect_arenas(img)
    np.testing.assert_allclose(one, detect_arena(img))  # the single-arena answer
    with pytest.raises(OpenfieldError, match=r"expected 4 arenas, found 1 \(centre at \(320, 2\d\d\) px\)"):
        detect_arenas(img, n=4)
    for bad in (0, -2, 1.5):
        with pytest.raises(OpenfieldError, match="whole number >= 1"):
            detect_arenas(img, n=bad)
    with pytest.raises(OpenfieldError, match="expected 2 arenas, found none"):
        detect_arenas(np.full((480, 640, 3), 128, np.uint8), n=2)
    with pytest.raises(OpenfieldError, match="arena not found"):
        detect_arenas(np.full((480, 640, 3), 128, np.uint8))


def test_images_that_disagree_and_given_corners(tmp_path, rig, rig_background):
    pair = _render(tmp_path, "pair", rows=1, cols=2)
    with pytest.raises(OpenfieldError, match=r"pair.mp4: 2 arenas found here but 4 in rig.mp4"):
        calibrate_arenas([rig_background, next(iter_frames(pair.path))], SIZE, names=["rig.mp4", "pair.mp4"])
    # corners by hand, each arena's corners in any order; the list order is the numbering
    given = [c[[2, 0, 3, 1]] for c in rig.corners_px[::-1]]
    cals = calibrate_arenas([], SIZE, corners_px=given)
    for cal, corners in zip(cals, rig.corners_px[::-1], strict=True):
        np.testing.assert_allclose(cal.arena_corners_px, corners)
        assert cal.inputs["corners_given"]
    with pytest.raises(OpenfieldError, match="expected 3 arenas, but 4 are given"):
        calibrate_arenas([], SIZE, n=3, corners_px=given)
    with pytest.raises(OpenfieldError, match="arena size must be positive"):
        calibrate_arenas([], (0, 30), corners_px=given)


@pytest.mark.real_data
def test_four_arenas_asked_of_the_real_single_arena_video(sample_data):
    bg = read_image(sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4")
    (found,) = detect_arenas(bg)
    np.testing.assert_allclose(found, detect_arena(bg))
    with pytest.raises(OpenfieldError, match=r"expected 4 arenas, found 1 \(centre at \(3\d\d, 2\d\d\) px\)"):
        detect_arenas(bg, n=4)


def test_read_arena_corners(tmp_path, rig):
    # the renderer's JSON, a bare list, and {"arenas": ...} are all corners files
    for got, want in zip(read_arena_corners(rig.geometry), rig.corners_px, strict=True):
        np.testing.assert_allclose(got, want)
    path = tmp_path / "corners.json"
    square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    path.write_text(json.dumps([square, [[20, 0], [30, 0], [30, 10], [20, 10]]]))
    assert [c.shape for c in read_arena_corners(path)] == [(4, 2), (4, 2)]
    cases = {
        "{not json": "not valid JSON",
        json.dumps({"arenas": [square, square[:3]]}): "arena 2 has 3 points; each arena needs its 4 corners",
        json.dumps({"arenas": [square, [[0, 0], [1, "a"], [1, 1], [0, 1]]]}): r"arena 2: arena corner must be \[x, y\]",
        json.dumps({"arenas": [[[0, 0, 1], [1, 0], [1, 1], [0, 1]]]}): r"arena 1: arena corner must be \[x, y\]",
        json.dumps({"arenas": []}): "lists no arena",
        json.dumps([]): "lists no arena",
        json.dumps({"corners": square}): "must be",
        json.dumps({"arenas": [[[5, 5]] * 4]}): "arena 1: the 4 corners of the rectangle arena enclose no area",
        json.dumps({"arenas": [square, 7]}): "arena 2 has a int",
    }
    for text, message in cases.items():
        path.write_text(text)
        with pytest.raises(OpenfieldError, match=message) as err:
            read_arena_corners(path)
        assert str(path) in str(err.value)
    with pytest.raises(OpenfieldError, match="not found"):
        read_arena_corners(tmp_path / "none.json")


def test_draw_arenas_numbers_each_arena_at_its_centre(rig, rig_background):
    image = rig_background
    out = draw_arenas(image, rig.corners_px)
    assert out.shape == image.shape and not np.shares_memory(out, image)
    label = np.all(out == (200, 0, 0), axis=2)  # the numbers' colour, nowhere in the input
    assert not np.all(image == (200, 0, 0), axis=2).any()
    ys, xs = np.nonzero(label)
    for c in rig.corners_px:
        cx, cy = c.mean(axis=0)
        near = (np.abs(xs - cx) < 30) & (np.abs(ys - cy) < 30)
        assert near.sum() > 50
    assert near.sum() < 0.9 * len(xs)  # each label only near its own centre
    outline = np.all(out == (0, 0, 255), axis=2)
    for c in rig.corners_px:
        x, y = np.round(c[0]).astype(int)
        assert outline[y - 3:y + 4, x - 3:x + 4].any()
    grey = draw_arenas(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), rig.corners_px[:1], labels=["A"])
    assert grey.ndim == 3


def test_cli_calibrate_arenas(tmp_path, rig, capsys):
    out = tmp_path / "cal.json"
    assert main(["calibrate", "arena", str(rig.path), "--arena-size-cm", "30", "30", "--arenas", "auto",
                 "-o", str(out), "--show"]) == 0
    d = json.loads(out.read_text())
    assert len(d["arenas"]) == 4 and (tmp_path / "cal_rig.png").exists()
    for entry, corners in zip(d["arenas"], rig.corners_px, strict=True):
        assert np.abs(np.array(entry["arena_corners_px"]) - corners).max() < 1.0
    assert "arena 4:" in capsys.readouterr().out
    # --arena-corners: the renderer's geometry file
    assert main(["calibrate", "arena", "--arena-size-cm", "30", "30", "--arena-corners", str(rig.geometry),
                 "-o", str(tmp_path / "given.json")]) == 0
    given = json.loads((tmp_path / "given.json").read_text())["arenas"]
    np.testing.assert_allclose(given[2]["arena_corners_px"], rig.corners_px[2])
    # errors: a wrong count names the file and the centres; 0 arenas; --corners with --arenas
    assert main(["calibrate", "arena", str(rig.path), "--arena-size-cm", "30", "30", "--arenas", "3",
                 "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "rig.mp4: expected 3 arenas, found 4 (centres at (" in err and not (tmp_path / "x.json").exists()
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "arena", str(rig.path), "--arena-size-cm", "30", "30", "--arenas", "0"])
    assert exc.value.code == 2
    assert "argument --arenas: must be at least 1 arena" in capsys.readouterr().err
    assert main(["calibrate", "arena", "--arena-size-cm", "30", "30", "--arenas", "2",
                 "--corners", *["1"] * 8]) == 2
    assert "--corners is for one arena" in capsys.readouterr().err
    assert main(["calibrate", "arena", "--arena-size-cm", "30", "30", "--arenas", "3", "--arena-corners",
                 str(rig.geometry)]) == 2
    assert f"{rig.geometry}: expected 3 arenas, but 4 are given" in capsys.readouterr().err


def test_mouse_size_script_with_arenas(tmp_path):
    v = _render(tmp_path, "pair", rows=1, cols=2)
    out = tmp_path / "cal.json"
    proc = subprocess.run([sys.executable, str(REPO / "mouse_size.py"), "arena", str(v.path), "--arena-size-cm",
                           "30", "30", "--arenas", "2", "-o", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(out.read_text())["arenas"]) == 2
