"""The three-point features (``pose_features(..., extended=True)``): their mechanics on synthetic sequences.

Grooming cannot be validated here (no groomed frames in the sample data); these
tests check only that the features that should carry it measure what they say:
the head moving around a still body, and the body shortening against its own
running median.
"""

from __future__ import annotations

import numpy as np
import pytest

from openfield.behavior.features import pose_features
from openfield.behavior.roles import to_tracker_points
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy

FPS = 20.0


def make_pose(front, body, rear, names=("head", "body", "tail")):
    return from_numpy(np.stack([front, body, rear], axis=1), None, list(names), fps=FPS)


def test_head_moving_around_a_still_body():
    n, r, omega = 400, 20.0, 0.2  # head on a circle of 20 px around the body, 0.2 rad per frame
    t = np.arange(n)
    body = np.tile([200.0, 200.0], (n, 1))
    front = body + r * np.c_[np.cos(omega * t), np.sin(omega * t)]
    rear = body - [20.0, 0.0]
    feats = pose_features(make_pose(front, body, rear), windows_s=(0.5,), extended=True)
    scale = np.median(np.linalg.norm(front - rear, axis=1))
    expected = r * np.sin(omega) * FPS / scale  # central difference of a circle
    np.testing.assert_allclose(feats["head_rel_speed"].to_numpy()[1:-1], expected, rtol=1e-4)
    np.testing.assert_allclose(feats["body_still_head_moving"].to_numpy()[1:-1], expected / 0.1, rtol=1e-4)


def test_rigid_walk_has_no_head_motion_around_the_body():
    n = 300
    body = np.c_[100 + 2.0 * np.arange(n), np.full(n, 150.0)]  # 40 px/s to the right
    front, rear = body + [20.0, 0.0], body - [20.0, 0.0]
    feats = pose_features(make_pose(front, body, rear), windows_s=(0.5,), extended=True)
    assert np.abs(feats["head_rel_speed"].to_numpy()).max() < 1e-4
    assert np.abs(feats["body_still_head_moving"].to_numpy()).max() < 1e-3
    np.testing.assert_allclose(feats["dist_body_tail"], 0.5, rtol=1e-5)


def test_length_against_the_running_median_and_past_future_change():
    n = 600
    length = np.full(n, 40.0)
    length[300:340] = 24.0  # a 2-s "rear": the body seen from above at 60 %
    body = np.tile([300.0, 200.0], (n, 1))
    front, rear = body + np.c_[length / 2, np.zeros(n)], body - np.c_[length / 2, np.zeros(n)]
    feats = pose_features(make_pose(front, body, rear), windows_s=(0.5,), extended=True)
    ratio = feats["length_vs_running_median"].to_numpy()
    np.testing.assert_allclose(ratio[310:330], 0.6, rtol=1e-5)
    np.testing.assert_allclose(ratio[:250], 1.0, rtol=1e-5)
    lag = int(0.5 * FPS)
    past, future = feats["length_change_past"].to_numpy(), feats["length_change_future"].to_numpy()
    assert past[300] == pytest.approx(-0.4, abs=1e-5) and future[300 - lag] == pytest.approx(-0.4, abs=1e-5)
    assert future[340 - lag] == pytest.approx(0.4, abs=1e-5)


def test_tracker_and_dlc_names_give_the_same_extended_features():
    rng = np.random.default_rng(0)
    n = 200
    body = 200 + np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    front, rear = body + rng.normal(20, 2, (n, 2)), body - rng.normal(20, 2, (n, 2))
    a = pose_features(make_pose(front, body, rear), windows_s=(0.5,), extended=True)
    b = pose_features(make_pose(front, body, rear, ("nose", "bodycentre", "tailbase")), windows_s=(0.5,),
                      extended=True)
    assert list(a.columns) == list(b.columns) and "head_rel_speed" in a.columns
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_a_richer_pose_reduced_to_the_tracker_points():
    """nose -> head, bodycentre -> body, tailbase -> tail (arena corners kept): the tracker's features."""
    rng = np.random.default_rng(1)
    n = 100
    body = 200 + np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)
    front, rear = body + [20.0, 0.0], body - [20.0, 0.0]
    ears = body + [15.0, 5.0]
    names = ["earl", "nose", "bodycentre", "tailbase", "tl"]
    rich = from_numpy(np.stack([ears, front, body, rear, np.zeros((n, 2))], axis=1), None, names, fps=FPS)
    three = to_tracker_points(rich)
    assert list(three["keypoints"].values) == ["head", "body", "tail", "tl"]
    np.testing.assert_array_equal(three["position"].sel(keypoints="head").values,
                                  rich["position"].sel(keypoints="nose").values)
    np.testing.assert_array_equal(pose_features(three, windows_s=(0.5,), extended=True).to_numpy(),
                                  pose_features(make_pose(front, body, rear), windows_s=(0.5,),
                                                extended=True).to_numpy())
    with pytest.raises(OpenfieldError, match="no tailbase point"):
        to_tracker_points(rich.sel(keypoints=["nose", "bodycentre"]))
