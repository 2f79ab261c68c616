"""The tracker's outline change across its two working scales (full and half resolution), exact."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import mobility
from openfield.tracking.arena_track import _outline_change


def _blocks(mask: np.ndarray, k: int) -> np.ndarray:
    return np.kron(mask, np.ones((k, k), mask.dtype))


def test_half_resolution_outlines_give_the_whole_frame_share():
    """Two half-resolution masks (k = 2, corners in half-resolution pixels) give the share of the whole-frame
    masks they stand for (each pixel a 2 x 2 block); a pair across the change of scale is compared in
    whole-frame pixels; a missing outline gives NaN."""
    rng = np.random.default_rng(0)
    a = (rng.random((9, 14)) < 0.6).astype(np.uint8)
    b = (rng.random((11, 12)) < 0.6).astype(np.uint8)
    whole = mobility.outline_change(_blocks(a, 2), (2 * 50, 2 * 40), _blocks(b, 2), (2 * 53, 2 * 38))
    assert 0 < whole < 1
    assert _outline_change((a, (50, 40), 2), (b, (53, 38), 2)) == whole
    # the frame where the tracker goes to half resolution: the full-resolution mask against the blocks
    assert _outline_change((_blocks(a, 2), (100, 80), 1), (b, (53, 38), 2)) == whole
    assert _outline_change((a, (50, 40), 2), (_blocks(b, 2), (106, 76), 1)) == whole
    assert _outline_change((a, (50, 40), 2), (_blocks(a, 2), (100, 80), 1)) == 0.0
    assert np.isnan(_outline_change(None, (a, (50, 40), 2)))
    assert np.isnan(_outline_change((a, (50, 40), 2), None))


def test_outline_change_by_the_overlap_equals_the_symmetric_difference():
    """The count from the boxes' overlap equals the symmetric difference drawn on one grid (random masks)."""
    rng = np.random.default_rng(1)
    for _ in range(50):
        a = rng.random(tuple(rng.integers(1, 12, 2))) < 0.5
        b = rng.random(tuple(rng.integers(1, 12, 2))) < 0.5
        ca, cb = tuple(rng.integers(0, 10, 2)), tuple(rng.integers(0, 10, 2))
        grid_a, grid_b = np.zeros((30, 30), bool), np.zeros((30, 30), bool)
        grid_a[ca[1]:ca[1] + a.shape[0], ca[0]:ca[0] + a.shape[1]] = a
        grid_b[cb[1]:cb[1] + b.shape[0], cb[0]:cb[0] + b.shape[1]] = b
        total = a.sum() + b.sum()
        expected = np.count_nonzero(grid_a ^ grid_b) / total if total else np.nan
        assert mobility.outline_change(a, ca, b, cb) == pytest.approx(expected, nan_ok=True)
