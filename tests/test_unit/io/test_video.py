"""Streaming video reader: frame rate, frame count, clear errors."""

import cv2
import numpy as np
import pytest

from openfield.errors import OpenfieldError
from openfield.io.video import iter_frames, video_info


def _write(path, n=12, fps=15.0, size=(64, 48)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(n):
        w.write(np.full((size[1], size[0], 3), 10 * i, np.uint8))
    w.release()
    return path


def test_info_and_frames(tmp_path):
    path = _write(tmp_path / "v.mp4")
    info = video_info(path)
    assert (info.fps, info.n_frames, info.width, info.height) == (15.0, 12, 64, 48)
    assert info.duration_s == pytest.approx(0.8)
    frames = list(iter_frames(path))
    assert len(frames) == 12
    assert [int(round(f.mean() / 10)) for f in frames] == list(range(12))  # in order
    assert video_info(path, fps=30).fps == 30  # the user's frame rate wins


def test_errors_name_the_file(tmp_path):
    with pytest.raises(OpenfieldError, match="nothere.mp4: video not found"):
        video_info(tmp_path / "nothere.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 50)
    with pytest.raises(OpenfieldError, match="bad.mp4: cannot open as a video|bad.mp4: the video has no readable"):
        video_info(bad)
    with pytest.raises(OpenfieldError, match="bad.mp4"):
        list(iter_frames(bad))
    with pytest.raises(OpenfieldError, match="fps must be positive"):
        video_info(_write(tmp_path / "ok.mp4"), fps=-1)
    with pytest.raises(OpenfieldError, match="is a folder"):
        video_info(tmp_path)


def test_every_nth_frame_and_limit(tmp_path):
    from openfield.io.video import iter_indexed_frames

    path = _write(tmp_path / "v.mp4")
    n = sum(1 for _ in iter_frames(path))
    assert [i for i, _ in iter_indexed_frames(path, every=3)] == list(range(0, n, 3))
    assert [i for i, _ in iter_indexed_frames(path, every=2, max_frames=5)] == [0, 2, 4]
    with pytest.raises(OpenfieldError, match="every"):
        next(iter_indexed_frames(path, every=0))
