"""The multi-arena calibration file: round trip, single-arena files, and one-line errors naming the file."""

import json

import numpy as np
import pytest

from openfield import synthetic
from openfield.calibration import calibrate_arena, calibrate_arenas
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration, read_calibrations, write_calibration, write_calibrations

SIZE = (30.0, 30.0)


def _cals(n):
    homs, _ = synthetic.arenas_layout(1, n, SIZE, rotation_deg=[3.0] + [0.0] * (n - 1))
    corners = [synthetic.to_px(h, np.array([[0, 0], [30, 0], [30, 30], [0, 30]], float)) for h in homs]
    return calibrate_arenas([], SIZE, corners_px=corners)


def test_round_trip(tmp_path):
    cals = _cals(3)
    path = write_calibrations(cals, tmp_path / "cal.json")
    d = json.loads(path.read_text())
    assert list(d) == ["arenas"] and len(d["arenas"]) == 3
    back = read_calibrations(path)
    for a, b in zip(back, cals, strict=True):
        np.testing.assert_allclose(a.homography, b.homography)
        np.testing.assert_allclose(a.arena_corners_px, b.arena_corners_px)
        assert a.px_per_cm == pytest.approx(b.px_per_cm) and a.inputs["arena"] == b.inputs["arena"]
    assert [c.inputs["arena"] for c in back] == [1, 2, 3]
    # a file of one arena is also an ordinary calibration
    write_calibrations(cals[:1], tmp_path / "one.json")
    np.testing.assert_allclose(read_calibration(tmp_path / "one.json").homography, cals[0].homography)


def test_single_arena_file_reads_as_a_list_of_one(tmp_path):
    h = synthetic.camera_homography((40, 40), (640, 480))
    img, _ = synthetic.render_frame((20, 20), 0.0, (40, 40), h)
    cal = calibrate_arena([img], (40, 40))
    (back,) = read_calibrations(write_calibration(cal, tmp_path / "single.json"))
    np.testing.assert_allclose(back.homography, cal.homography)


def test_errors_name_the_file_and_the_arena(tmp_path):
    path = write_calibrations(_cals(4), tmp_path / "cal.json")
    with pytest.raises(OpenfieldError, match="holds 4 arenas; this step takes one arena's calibration") as err:
        read_calibration(path)
    assert str(path) in str(err.value)
    d = json.loads(path.read_text())
    del d["arenas"][1]["homography"]
    path.write_text(json.dumps(d))
    with pytest.raises(OpenfieldError, match="arena 2: calibration file is missing field.*homography") as err:
        read_calibrations(path)
    assert str(path) in str(err.value)
    for bad in ({"arenas": []}, {"arenas": {"a": 1}}):
        path.write_text(json.dumps(bad))
        with pytest.raises(OpenfieldError, match="non-empty list"):
            read_calibrations(path)
    path.write_text("{not json")
    with pytest.raises(OpenfieldError, match="not valid JSON"):
        read_calibrations(path)
    with pytest.raises(OpenfieldError, match="not found"):
        read_calibrations(tmp_path / "none.json")
    with pytest.raises(OpenfieldError, match="no arena calibration"):
        write_calibrations([], tmp_path / "empty.json")
    assert not (tmp_path / "empty.json").exists()
