"""Plausibility checks (issue 22): the animal's size the calibration implies, an AVI's own header rate."""

import struct

import cv2
import numpy as np
import pytest

from openfield import quality as q
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io import from_numpy
from openfield.io.video import avi_header_fps, video_info

CLEAN = dict(frames_read=18000, frames_expected=18000, fps=30.0, fraction_missing=0.01)


@pytest.mark.parametrize(("length", "flagged"), [(3.9, True), (4.0, False), (8.0, False), (15.0, False),
                                                 (15.1, True), (80.0, True), (None, False), (float("nan"), False)])
def test_animal_size_implausible_at_its_bounds(length, flagged):
    rec = q.assess_quality(**CLEAN, body_length_cm=length)
    assert ("animal_size_implausible" in rec.flags) is flagged
    if flagged:
        assert f"{length:.3g} cm long" in rec.reasons["animal_size_implausible"]
    assert set(q.FLAG_DESCRIPTIONS) == set(q.QC_FLAGS)


def _pose(length_px, n=50, keypoints=("nose", "bodycentre", "tailbase"), conf=1.0):
    t = np.arange(n, dtype=float)
    body = np.stack([100 + t, 100 + 0 * t], axis=1)
    pos = np.stack([body + [length_px / 2, 0], body, body - [length_px / 2, 0]], axis=1)
    return from_numpy(pos, np.full((n, 3), conf), list(keypoints), fps=25)


def test_implied_body_length_follows_the_calibration():
    ds = _pose(80.0)  # 80 px nose to tail base
    assert q.implied_body_length_cm(ds, Calibration(px_per_cm=10.0, method="points")) == pytest.approx(8.0)
    # the arena typed in mm: 10x fewer px per cm, a 80-cm mouse
    assert q.implied_body_length_cm(ds, Calibration(px_per_cm=1.0, method="points")) == pytest.approx(80.0)
    assert q.implied_body_length_cm(_pose(80.0, keypoints=("a", "b", "c")), Calibration(px_per_cm=10.0,
                                                                                      method="points")) is None
    assert q.implied_body_length_cm(_pose(80.0, conf=0.1), Calibration(px_per_cm=10.0, method="points")) is None
    assert q.implied_body_length_cm(_pose(80.0, n=9), Calibration(px_per_cm=10.0, method="points")) is None


def _avi(path, fps=15, n=12, rate_zero=False):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(n):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[:, i * 4 : i * 4 + 6] = 255
        writer.write(frame)
    writer.release()
    if rate_zero:
        data = bytearray(path.read_bytes())
        struct.pack_into("<I", data, data.find(b"avih") + 8, 0)
        struct.pack_into("<I", data, data.find(b"strh") + 32, 0)
        path.write_bytes(bytes(data))
    return path


def test_avi_header_rate(tmp_path):
    assert avi_header_fps(_avi(tmp_path / "a.avi", fps=15)) == pytest.approx(15.0)
    zero = _avi(tmp_path / "z.avi", rate_zero=True)
    assert avi_header_fps(zero) == 0.0
    assert cv2.VideoCapture(str(zero)).get(cv2.CAP_PROP_FPS) == 25.0  # the decoder's silent default
    with pytest.raises(OpenfieldError, match="AVI header gives 0 frames/s.*--fps") as err:
        video_info(zero)
    assert str(zero) in str(err.value)
    assert video_info(zero, fps=15).fps == 15.0
    (tmp_path / "x.mp4").write_bytes(b"not an avi")
    assert avi_header_fps(tmp_path / "x.mp4") is None
