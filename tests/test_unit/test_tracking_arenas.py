"""Several arenas in one video: each tracked against its own truth, in one decoding pass."""

import cv2
import numpy as np
import pytest

from openfield import kinematics, synthetic
from openfield.calibration import calibrate_arena
from openfield.errors import OpenfieldError
from openfield.tracking import arena_masks, track_video, track_video_arenas

SIZE_CM = (30.0, 30.0)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """2 x 2 boxes of 30 x 30 cm, a mouse in each, 16 s at 25 fps (624 x 624 px)."""
    out = tmp_path_factory.mktemp("arenas")
    av = synthetic.render_arenas_video(out, "grid", rows=2, cols=2, arena_size_cm=SIZE_CM, fps=25, duration_s=16,
                                       seed=3)
    return av, track_video_arenas(av.path, av.corners_px, progress=False)


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    """2 x 2 boxes, box 2 turned by 25 degrees, box 4 empty, 12 s at 25 fps.

    Box 3's mouse lays its tail in one place for most of the 12 s: without
    :func:`openfield.segmentation.remove_ghosts` its background keeps the tail
    and its body RMSE is 6.3 px (2026-12-02).
    """
    out = tmp_path_factory.mktemp("rig")
    av = synthetic.render_arenas_video(out, "rig", rows=2, cols=2, arena_size_cm=SIZE_CM, fps=25, duration_s=12,
                                       rotation_deg=[0, 25, 0, 0], empty=(4,), seed=5)
    return av, track_video_arenas(av.path, av.corners_px, progress=False)


def _body(ds):
    return ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values


def _check_arena(av, datasets, k, distance=True):
    """Arena k (0-based) against its truth: body RMSE <= 2 px, inside its own floor, distance within 3 %."""
    ds, truth = datasets[k], av.truths[k]
    assert ds.attrs["arena"] == k + 1
    body = _body(ds)
    assert len(body) == len(truth) == av.n_frames
    err = np.linalg.norm(body - truth[["body_x_px", "body_y_px"]].to_numpy(), axis=1)
    assert not np.isnan(err).any()
    assert np.sqrt(np.mean(err**2)) <= 2.0
    # no identity crossing: every frame's body lies on this arena's floor
    floor = av.corners_px[k].astype(np.float32)
    assert min(cv2.pointPolygonTest(floor, (float(x), float(y)), True) for x, y in body) >= 0
    if distance:
        cal = calibrate_arena([], SIZE_CM, corners_px=av.corners_px[k])
        measured = kinematics.summarize(kinematics.analyze_pose(ds, cal))["distance_cm"]
        true = synthetic.truth_summary(truth, av.fps, SIZE_CM)["distance_cm"]
        assert measured == pytest.approx(true, rel=0.03)


@pytest.mark.parametrize("k", range(4))
def test_each_of_four_arenas_against_its_truth(grid, k):
    av, datasets = grid
    assert len(datasets) == 4
    _check_arena(av, datasets, k)
    ds = datasets[k]
    assert ds.attrs["background"] == "first 20 s"
    assert ds.attrs["frames_read"] == ds.attrs["frames_expected"] == av.n_frames
    assert len(ds.attrs["timestamps_ms"]) == av.n_frames
    assert ds.attrs["animal"] == "dark" and ds.attrs["threshold"] > 12
    assert list(ds["silhouette"]["silhouette_measure"].values) == ["area_px", "length_px", "width_px", "outline_change"]


def test_one_arena_alone_is_tracked_as_among_four(grid):
    """No cross-talk: arena 3 tracked alone gives exactly what it gave beside the other three."""
    av, datasets = grid
    alone = track_video_arenas(av.path, [av.corners_px[2]], progress=False)[0]
    np.testing.assert_array_equal(alone["position"].values, datasets[2]["position"].values)
    np.testing.assert_array_equal(alone["confidence"].values, datasets[2]["confidence"].values)
    assert alone.attrs["arena"] == 1


def test_rotated_box_and_empty_box(rig):
    """A box turned by 25 degrees is tracked as well as the others; an empty box is all NaN with likelihood 0
    and leaves the others as they are."""
    av, datasets = rig
    assert av.truths[3] is None
    for k in range(3):
        _check_arena(av, datasets, k)  # box 3: the ghost its resting tail left is cleared (6.3 px RMSE without)
    empty = datasets[3]
    assert np.isnan(empty["position"].values).all()
    assert (empty["confidence"].values == 0).all()
    assert empty.attrs["contrast"] is None
    # the empty box's part of the background comes from the whole video; the others' from the first seconds
    assert empty.attrs["background"] == "sampled over the whole video"
    assert [ds.attrs["background"] for ds in datasets[:3]] == ["first 20 s"] * 3


@pytest.mark.parametrize(("rows", "cols"), [(1, 2), (2, 3)])
def test_other_grids(tmp_path, rows, cols):
    """1 x 2 and 2 x 3 boxes, 16 s at 15 fps."""
    av = synthetic.render_arenas_video(tmp_path, f"grid{rows}x{cols}", rows=rows, cols=cols, arena_size_cm=SIZE_CM,
                                       fps=15, duration_s=16, seed=rows * 10 + cols)
    datasets = track_video_arenas(av.path, av.corners_px, progress=False)
    assert [ds.attrs["arena"] for ds in datasets] == list(range(1, rows * cols + 1))
    for k in range(rows * cols):
        _check_arena(av, datasets, k)


def test_masks_stop_half_way_between_arenas():
    """Two floors 20 px apart, each widened by 15 px: the widened masks do not overlap, and neither reaches
    into the other floor."""
    a = np.array([[10, 10], [110, 10], [110, 110], [10, 110]], float)
    b = a + [120, 0]
    ma, mb = arena_masks((130, 250), [a, b], 0.15)
    assert not (ma & mb).any()
    assert ma[60, 118] and not ma[60, 122] and mb[60, 122] and not mb[60, 118]  # the gap is split at x = 120
    assert not ma[60, 131] and not mb[60, 109]
    single = arena_masks((130, 250), [a], 0.15)[0]
    assert single[60, 124] and not single[60, 126]  # alone, widened by 15 px


def test_single_arena_is_the_same_code_path(grid):
    av, datasets = grid
    one = track_video(av.path, arena_corners_px=av.corners_px[0], progress=False)
    np.testing.assert_array_equal(one["position"].values, datasets[0]["position"].values)


def test_bad_arenas_are_named(grid):
    av, _ = grid
    with pytest.raises(OpenfieldError, match="grid.mp4: no arena given"):
        track_video_arenas(av.path, [], progress=False)
    with pytest.raises(OpenfieldError, match="arena 2: the floor's outline encloses no area"):
        track_video_arenas(av.path, [av.corners_px[0], np.zeros((3, 2))], progress=False)
    with pytest.raises(OpenfieldError, match=r"arena 2: the floor's outline must be \(x, y\) pixel pairs"):
        track_video_arenas(av.path, [av.corners_px[0], np.zeros((2, 2))], progress=False)
    with pytest.raises(OpenfieldError, match="arena 2 lies outside"):
        track_video_arenas(av.path, [av.corners_px[0], av.corners_px[1] + 5000], progress=False)
