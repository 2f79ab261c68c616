"""One body-part vocabulary: the tracker's points defined once, the same spellings mean the same role everywhere."""

import numpy as np
import pytest

from openfield import bodyparts, kinematics, tracking
from openfield.behavior.roles import to_tracker_points
from openfield.io import from_numpy
from openfield.pipeline import RunConfig
from openfield.pose.dlc import project


def test_the_trackers_points_are_defined_once():
    assert bodyparts.TRACKER_KEYPOINTS == ("head", "body", "tail")
    assert tracking.KEYPOINTS is bodyparts.TRACKER_KEYPOINTS
    assert project.DEFAULT_BODYPARTS is bodyparts.TRACKER_KEYPOINTS
    assert RunConfig(arena_size_cm=(40, 40)).pose_keypoints() == ["head", "body", "tail"]
    assert tuple(bodyparts.TRACKER_ROLES) == bodyparts.TRACKER_KEYPOINTS


@pytest.mark.parametrize("body", ["back", "midbody", "bodycentre", "Body_Center"])
def test_a_body_spelling_is_the_body_for_kinematics_and_for_behaviour(body):
    """The reference point of the kinematics and the tracker's ``body`` of a reduced pose are the same point."""
    pos = np.arange(5 * 3 * 2, dtype=float).reshape(5, 3, 2)
    ds = from_numpy(pos, None, ["Snout", body, "tail_base"], fps=10)
    assert kinematics.reference_track(ds)[2] == body
    reduced = to_tracker_points(ds)
    assert [str(k) for k in reduced["keypoints"].values] == list(bodyparts.TRACKER_KEYPOINTS)
    np.testing.assert_array_equal(reduced["position"].sel(keypoints="body").values.squeeze(),
                                  ds["position"].sel(keypoints=body).values.squeeze())
