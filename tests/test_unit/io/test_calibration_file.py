"""The calibration JSON file: round trip, format, and one-line errors naming the file."""

import json

import numpy as np
import pytest

from openfield import synthetic
from openfield.calibration import calibrate_arena, calibrate_points
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration, write_calibration

ARENA = (40.0, 40.0)


def test_json_round_trip(tmp_path):
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    img, _ = synthetic.render_frame((20, 20), 0.0, ARENA, h)
    cal = calibrate_arena([img], ARENA, names=["ref.png"])
    path = write_calibration(cal, tmp_path / "cal.json")
    d = json.loads(path.read_text())
    for key in ("method", "px_per_cm", "homography", "arena_corners_px", "measurements", "inputs",
                "software_version", "residual"):
        assert key in d
    back = read_calibration(path)
    np.testing.assert_allclose(back.homography, cal.homography)
    assert back.arena_size_cm == ARENA
    assert back.px_per_cm == pytest.approx(cal.px_per_cm)


def test_json_format(tmp_path):
    """The file is the dictionary as indented JSON (the format other tools read)."""
    cal = calibrate_points((10, 20), (310, 420), 50.0)
    text = write_calibration(cal, tmp_path / "cal.json").read_text()
    assert text.startswith('{\n  "method": "points",\n  "px_per_cm": 10.0,\n  "homography": null,')
    assert json.loads(text) == json.loads(json.dumps(cal.to_dict()))


def test_calibration_file_missing_fields(tmp_path):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"method": "points", "px_per_cm": 10}))
    with pytest.raises(OpenfieldError, match="missing field.*homography") as err:
        read_calibration(path)
    assert str(path) in str(err.value)
    path.write_text("{not json")
    with pytest.raises(OpenfieldError, match="not valid JSON") as err:
        read_calibration(path)
    assert str(path) in str(err.value)
    with pytest.raises(OpenfieldError, match="not found"):
        read_calibration(tmp_path / "none.json")
