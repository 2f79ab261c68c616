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
    from openfield.io.video import VideoReader

    path = _write(tmp_path / "v.mp4")
    n = sum(1 for _ in iter_frames(path))
    assert [i for i, _ in VideoReader(path, every=3)] == list(range(0, n, 3))
    assert [i for i, _ in VideoReader(path, every=2, limit=5)] == [0, 2, 4]
    with pytest.raises(OpenfieldError, match="every"):
        next(iter(VideoReader(path, every=0)))


def _write_mjpg(path, n=40, fps=20.0, size=(64, 48)):
    """A Motion-JPEG AVI of noisy frames (noise keeps each frame's size similar), frame i at grey ~6 i."""
    rng = np.random.default_rng(0)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(n):
        w.write((rng.integers(0, 8, (size[1], size[0], 3)) + 6 * i).astype(np.uint8))
    w.release()
    return path


def test_reader_counts_frames_read_and_expected(tmp_path):
    from openfield.io.video import VideoReader

    path = _write_mjpg(tmp_path / "v.avi")
    reader = VideoReader(path)
    levels = [int(round((f.mean() - 3.5) / 6)) for _, f in reader]
    assert levels == list(range(40))
    assert (reader.frames_read, reader.frames_expected, reader.frames_decoded) == (40, 40, 40)
    assert reader.frames_failed == 0 and not reader.truncated
    # the decoder's time of each frame: 50 ms apart at 20 frames/s, one per frame
    assert len(reader.timestamps_ms) == 40
    np.testing.assert_allclose(np.diff(reader.timestamps_ms), 50.0, atol=1e-6)
    # every 3rd frame from frame 2, at most 10 frames of the video: 2, 5, 8, 11
    reader = VideoReader(path, every=3, start=2, limit=10)
    assert [i for i, _ in reader] == [2, 5, 8, 11]
    assert (reader.frames_read, reader.frames_decoded) == (12, 4) and not reader.truncated
    for bad in ({"every": 0}, {"start": -1}, {"limit": -2}):
        with pytest.raises(OpenfieldError, match=f"{next(iter(bad))} must be"):
            VideoReader(path, **bad)


def test_reader_on_a_file_cut_in_half(tmp_path, caplog):
    """A copy cut short: the frames that are there, no exception, read < expected, a warning naming it."""
    from openfield.io.video import VideoReader

    whole = _write_mjpg(tmp_path / "whole.avi")
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    reader = VideoReader(cut)
    frames = [f for _, f in reader]
    assert 0 < reader.frames_read < reader.frames_expected == 40
    assert len(frames) == reader.frames_read and reader.truncated
    assert [int(round((f.mean() - 3.5) / 6)) for f in frames[:-1]] == list(range(len(frames) - 1))
    assert "cut.avi: read" in caplog.text and "of the 40 frames" in caplog.text


def test_background_from_sampled_frames(tmp_path):
    from openfield.io.video import sample_frames, video_background

    path = _write(tmp_path / "v.mp4", n=12)
    frames = sample_frames(path, 4)
    assert len(frames) == 4
    assert [int(round(f.mean() / 10)) for f in frames] == [0, 3, 7, 11]  # spread over the video
    # the first 8 frames, every 2nd, in one pass from the start
    start = sample_frames(path, 4, window=8)
    assert [int(round(f.mean() / 10)) for f in start] == [0, 2, 4, 6]
    # frames 0, 5 and 11 are uniform at grey ~0, ~50 and ~110: their median is frame 5, pixel by pixel
    np.testing.assert_array_equal(video_background(path, 3), sample_frames(path, 3)[1])


def test_prefetch_reads_the_same_and_stops_cleanly(tmp_path):
    """Decoding in a background thread: the same frames and counts; an early stop; errors reach the caller."""
    import threading

    from openfield.io.video import VideoReader

    path = _write_mjpg(tmp_path / "v.avi")
    plain = VideoReader(path, every=2)
    ahead = VideoReader(path, every=2, prefetch=4)
    a, b = list(plain), list(ahead)
    assert [i for i, _ in a] == [i for i, _ in b] == list(range(0, 40, 2))
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b, strict=True))
    assert (ahead.frames_read, ahead.frames_decoded, ahead.frames_expected) == (40, 20, 40)
    it = iter(VideoReader(path, prefetch=2))
    next(it)
    it.close()  # the consumer stops early: the decoding thread ends
    assert not any(t.name == "openfield-decode" and t.is_alive() for t in threading.enumerate())
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"not a video at all" * 50)
    with pytest.raises(OpenfieldError, match="bad.avi"):
        list(VideoReader(bad, prefetch=2))


def _textured(path, fourcc, n=10, size=(96, 64)):
    """Frames with a grey ramp, a tint and a moving square (spans the grey range; colours far from saturated,
    as in an open field: where the decoder's chroma upsampling clips saturated colours, OpenCV's grey of the
    BGR frame leaves the luma, and the reader converts instead)."""
    rng = np.random.default_rng(0)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10.0, size)
    ramp = np.tile(np.linspace(10, 245, size[0]).astype(np.uint8), (size[1], 1))
    for i in range(n):
        f = np.dstack([ramp, ramp, np.clip(ramp.astype(int) + 12, 0, 255).astype(np.uint8)])
        f[10:30, 5 + 6 * i:25 + 6 * i] = (60, 75, 95)
        f = np.clip(f + rng.normal(0, 3, f.shape), 0, 255).astype(np.uint8)
        w.write(f)
    w.release()
    return path


@pytest.mark.parametrize(("name", "fourcc"), [("v.mp4", "mp4v"), ("v.avi", "MJPG")])
def test_grey_frames_are_opencvs_grey(tmp_path, name, fourcc):
    """gray=True gives what converting each decoded BGR frame to grey gives (within 2 grey levels), whether
    it read the luma plane (limited range mp4v, full range MJPG) or converted."""
    from openfield.io.video import VideoReader, luma_lut

    path = _textured(tmp_path / name, fourcc)
    assert luma_lut(path) is not None  # these decoders hand over their luma plane
    reader = VideoReader(path, gray=True, prefetch=2)
    grey = [f for _, f in reader]
    bgr = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in iter_frames(path)]
    assert reader.gray_source == "luma" and reader.frames_read == len(bgr) == len(grey) == 10
    for g, b in zip(grey, bgr, strict=True):
        assert g.shape == b.shape and g.dtype == np.uint8
        assert np.abs(g.astype(int) - b).max() <= 2
    # the luma plane itself, for the consumer to map where it looks: mapped, the same grey frames
    raw = VideoReader(path, gray=True, map_luma=False)
    np.testing.assert_array_equal(raw.luma_lut, reader.luma_lut)
    for y, g in zip(raw.frames(), grey, strict=True):
        np.testing.assert_array_equal(cv2.LUT(y, raw.luma_lut), g)


def test_flat_first_frame_falls_back_to_converting(tmp_path):
    """A first frame without contrast cannot show how luma maps to grey: the BGR frames are converted."""
    from openfield.io.video import VideoReader, luma_lut

    path = _write(tmp_path / "flat.mp4")
    assert luma_lut(path) is None
    reader = VideoReader(path, gray=True)
    grey = [f for _, f in reader]
    assert reader.gray_source == "bgr"
    for g, b in zip(grey, iter_frames(path), strict=True):
        np.testing.assert_array_equal(g, cv2.cvtColor(b, cv2.COLOR_BGR2GRAY))


def test_read_frame_exact_from_the_start_and_by_seeking(tmp_path):
    """Each frame of a 40-frame video carries its index as brightness: read_frame returns that frame."""
    from openfield.io.video import read_frame

    path = tmp_path / "count.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20, (64, 48))
    for k in range(40):
        writer.write(np.full((48, 64, 3), 5 * k + 20, np.uint8))
    writer.release()
    for k in (0, 7, 39):
        for exact_within in (300, 0):  # decoded from the start, or found by seeking
            assert abs(float(read_frame(path, k, exact_within).mean()) - (5 * k + 20)) < 2
    with pytest.raises(OpenfieldError, match="frame 45 could not be read"):
        read_frame(path, 45, exact_within=0)


@pytest.mark.parametrize("grab_within", [0, 250], ids=["seeking", "decoding-between"])
def test_sampled_frames_are_the_same_whether_sought_or_decoded_in_between(tmp_path, monkeypatch, grab_within):
    """Frames carry their index as brightness: sampling by seeking and by decoding the frames between gives
    the frames of a plain decoding at the indices spread over the video (0, 33, 66 and 99 of 100)."""
    from openfield.io import video

    path = tmp_path / "count.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20, (64, 48))
    for k in range(100):
        writer.write(np.full((48, 64, 3), 2 * k + 20, np.uint8))
    writer.release()
    monkeypatch.setattr(video, "GRAB_RATHER_THAN_SEEK", grab_within)
    frames = video.sample_frames(path, 4)
    every = list(iter_frames(path))
    assert len(every) == 100
    for k, frame in zip([0, 33, 66, 99], frames, strict=True):
        np.testing.assert_array_equal(frame, every[k])
    assert np.ptp([f.mean() for f in every]) > 150  # the frames differ: the wrong one would not pass
