"""Video analysis: openfield's cleaning on tracks with a known answer; inputs refused before any work."""

import numpy as np
import pytest

from openfield.errors import OpenfieldError
from openfield.io import from_numpy
from openfield.pose.dlc.analysis import analyze_videos, clean_pose


def test_straight_line_with_dropouts_is_recovered_exactly():
    fps = 30.0
    t = np.arange(90) / fps
    line = np.stack([100 + 40 * t, 200 - 20 * t], axis=1)  # 40 px/s right, 20 px/s up
    pos = np.stack([line, line + 5], axis=1)  # two body parts
    noisy = pos.copy()
    lik = np.ones((90, 2))
    noisy[40:45, 0] = [600, 10]  # a wrong detection for 5 frames, with low likelihood
    lik[40:45, 0] = 0.1
    lik[0:3, 1] = 0.2  # a gap at the start: cannot be interpolated
    ds = from_numpy(noisy, lik, ["snout", "tailbase"], fps=fps)
    out = clean_pose(ds, likelihood_cutoff=0.6, max_gap_s=0.5, smooth_window_s=0.25)
    snout = out.position.sel(keypoints="snout").values[..., 0]
    np.testing.assert_allclose(snout, line, atol=1e-9)  # interpolation and smoothing keep a line
    tail = out.position.sel(keypoints="tailbase").values[..., 0]
    assert np.isnan(tail[:3]).all()
    np.testing.assert_allclose(tail[3:], line[3:] + 5, atol=1e-9)
    np.testing.assert_array_equal(out.confidence.values, ds.confidence.values)
    assert np.isnan(ds.position.values).sum() == 0  # the input is not modified


def test_long_gap_stays_missing_and_fps_is_needed():
    fps = 10.0
    pos = np.zeros((50, 1, 2)) + 50.0
    lik = np.ones((50, 1))
    lik[10:20] = 0.0  # 1 s gap > 0.5 s
    out = clean_pose(from_numpy(pos, lik, ["body"], fps=fps), 0.6)
    xy = out.position.values[:, :, 0, 0]
    assert np.isnan(xy[10:20]).all() and np.isfinite(xy[:10]).all() and np.isfinite(xy[20:]).all()
    with pytest.raises(OpenfieldError, match="no fps"):
        clean_pose(from_numpy(pos, lik, ["body"]), 0.6)


@pytest.mark.real_data
def test_video_missing_or_unreadable(example, tmp_path):
    missing = tmp_path / "missing.mp4"
    with pytest.raises(OpenfieldError, match="video not found") as info:
        analyze_videos([missing], example, tmp_path / "out")
    assert info.value.path == str(missing)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    with pytest.raises(OpenfieldError, match="corrupt") as info:
        analyze_videos([garbage], example, tmp_path / "out")
    assert info.value.path == str(garbage)
    assert not (tmp_path / "out").exists()


@pytest.mark.real_data
def test_analyze_before_training(example, clip, tmp_path):
    with pytest.raises(OpenfieldError, match="no trained network for shuffle 1.*openfield pose train"):
        analyze_videos([clip], example, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be at least 1, got 0"),
        ({"shuffle": 0}, "shuffle must be at least 1, got 0"),
        ({"filter": "mean"}, "unknown filter 'mean': use one of median, openfield, none"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
    ],
)
def test_bad_options_refused_before_any_work(example, clip, tmp_path, kwargs, message):
    with pytest.raises(OpenfieldError, match=message):
        analyze_videos([clip], example, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()
