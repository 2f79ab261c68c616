"""Zones: bounds, assignment, entries and latency on known sequences."""

import numpy as np
import pytest

from openfield import zones


def test_center_bounds():
    assert zones.center_bounds((40, 40), 0.5) == (10, 30, 10, 30)
    assert zones.center_bounds((60, 40), 0.5) == (15, 45, 10, 30)
    with pytest.raises(ValueError):
        zones.center_bounds((40, 40), 1.2)


def test_assign_zones():
    xy = np.array([[20, 20], [5, 20], [10, 10], [np.nan, 1], [45, 20]], float)
    assert zones.assign_zones(xy, (40, 40)).tolist() == ["center", "border", "center", "", "border"]


def test_entries_and_latency():
    z = np.array(["border", "border", "center", "", "center", "border", "center", "center", "border"], object)
    entries, latency = zones.center_entries(z, fps=2.0)
    assert entries == 2  # the gap inside the centre is not a new entry
    assert latency == 1.0  # frame 2 at 2 fps
    assert zones.center_entries(np.array(["center", "border"], object), 10.0) == (0, 0.0)
    entries, latency = zones.center_entries(np.array(["border"] * 3, object), 10.0)
    assert entries == 0 and np.isnan(latency)
