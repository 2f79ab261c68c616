"""VideoFileWriter: frames in, an mp4 of those frames out, nothing left behind on an error."""

import cv2
import numpy as np
import pytest

from openfield.io.video_writer import VideoFileWriter


def test_frames_written_and_read_back(tmp_path):
    path = tmp_path / "out" / "v.mp4"
    frames = [np.full((48, 64, 3), 40 * k, np.uint8) for k in range(1, 6)]
    with VideoFileWriter(path, 10.0) as out:
        for f in frames:
            out.write(f)
    cap = cv2.VideoCapture(str(path))
    got = []
    ok, frame = cap.read()
    while ok:
        got.append(frame)
        ok, frame = cap.read()
    cap.release()
    assert [g.shape for g in got] == [(48, 64, 3)] * 5
    # lossy codec: each frame's mean grey within 3 levels of what was written
    np.testing.assert_allclose([g.mean() for g in got], [40.0 * k for k in range(1, 6)], atol=3)
    assert sorted(p.name for p in path.parent.iterdir()) == ["v.mp4"]


def test_an_error_in_the_block_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="stop"), VideoFileWriter(tmp_path / "v.mp4", 10.0) as out:
        out.write(np.zeros((16, 16, 3), np.uint8))
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
