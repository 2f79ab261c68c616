"""The synthetic truth computes zones and bout means itself (numpy), independently of openfield.arena.zones/bouts."""

import numpy as np
import pandas as pd
import pytest

from openfield import bouts, synthetic
from openfield.arena import zones


def test_in_center_by_hand():
    # a 40 x 20 arena: centre x in [10, 30], y in [5, 15] (edges included)
    xy = np.array([[20, 10], [10, 5], [30, 15], [9.99, 10], [20, 15.01], [0, 0]])
    assert synthetic.in_center(xy, (40, 20)).tolist() == [True, True, True, False, False, False]
    assert synthetic.in_center(np.array([[12, 10]]), (40, 20), center_fraction=0.25).tolist() == [False]


def test_in_center_agrees_with_openfield_zones():
    """Two independent rules for the same square give the same zone for 10 000 random points."""
    xy = np.random.default_rng(3).uniform(-1, 41, (10_000, 2))
    for fraction in (0.3, 0.5, 0.7):
        ours = synthetic.in_center(xy, (40, 40), fraction)
        theirs = zones.assign_zones(xy, (40, 40), fraction) == zones.CENTER
        np.testing.assert_array_equal(ours, theirs)


def test_truth_summary_zones_by_hand():
    """A path: 5 frames border, 10 centre, 5 border, 5 centre at 10 fps: 1.5 s centre, 2 entries, latency 0.5 s."""
    x = np.r_[np.full(5, 2.0), np.full(10, 20.0), np.full(5, 2.0), np.full(5, 20.0)]
    truth = pd.DataFrame({"body_x_cm": x, "body_y_cm": 20.0, "speed_cm_s": 0.0, "acceleration_cm_s2": 0.0})
    s = synthetic.truth_summary(truth, 10.0, (40, 40))
    assert s["time_center_s"] == pytest.approx(1.5) and s["time_border_s"] == pytest.approx(1.0)
    assert s["center_entries"] == 2 and s["latency_center_s"] == pytest.approx(0.5)


def test_bouts_truth_summary_by_hand_and_as_openfield_bouts():
    table = pd.DataFrame({"zone": ["center", "border", "border"],
                          "mean_acceleration_cm_s2": [10.0, 20.0, 30.0], "mean_deceleration_cm_s2": [1.0, 2.0, 6.0],
                          "peak_acceleration_cm_s2": [3.0, 3.0, 3.0], "peak_deceleration_cm_s2": [4.0, 5.0, 6.0]})
    s = synthetic.bouts_truth_summary(table)
    assert s["locomotor_bouts"] == 3 and s["locomotor_bouts_border"] == 2
    assert s["mean_bout_acceleration_cm_s2"] == pytest.approx(20.0)
    assert s["mean_bout_deceleration_border_cm_s2"] == pytest.approx(4.0)
    assert s["mean_bout_peak_deceleration_center_cm_s2"] == pytest.approx(4.0)
    plan, start = synthetic.make_bout_plan(30.0, seed=4)
    truth = synthetic.bouts_truth(plan, start, 1.0, (40.0, 40.0))
    theirs = bouts.summarize_bouts(truth, has_zones=True)
    ours = synthetic.bouts_truth_summary(truth)
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, nan_ok=True), key
