"""The tracker's decoding thread: used where the process has two cores or more, not on one; the same track."""

import cv2
import numpy as np
import pytest
import xarray as xr

from openfield import synthetic
from openfield.tracking import video


@pytest.fixture
def opencv_threads():
    """Restore OpenCV's thread count after the test."""
    before = cv2.getNumThreads()
    yield
    cv2.setNumThreads(before)


def test_decoding_thread_only_with_a_second_core(monkeypatch, opencv_threads):
    monkeypatch.setattr(video.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    cv2.setNumThreads(2)
    assert video.decode_ahead() == video.DECODE_AHEAD
    cv2.setNumThreads(1)  # a --jobs N worker on N cores (parallel.limit_threads)
    assert video.decode_ahead() == 0
    cv2.setNumThreads(2)
    monkeypatch.setattr(video.os, "sched_getaffinity", lambda pid: {0}, raising=False)  # pinned to one core
    assert video.decode_ahead() == 0


def test_the_track_is_the_same_with_and_without_the_decoding_thread(tmp_path, monkeypatch):
    sv = synthetic.render_video(tmp_path, "m", fps=20, duration_s=4, image_size=(240, 180), seed=7)
    tracks = []
    for ahead in (video.DECODE_AHEAD, 0):
        monkeypatch.setattr(video, "decode_ahead", lambda ahead=ahead: ahead)
        tracks.append(video.track_video(sv.video, progress=False))
    xr.testing.assert_identical(tracks[0], tracks[1])
    assert np.isfinite(tracks[0]["position"].sel(keypoints="body").values).mean() > 0.9  # it found the animal
