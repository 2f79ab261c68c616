"""render_arenas_video: several open fields in one video; the frames, the corners and each arena's truth agree."""

import json

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.calibration import apply_homography
from openfield.io.calibration import read_arena_corners
from openfield.io.video import iter_frames, video_info
from openfield.segmentation import arena_mask

SIZE = (30.0, 30.0)
CORNERS_CM = np.array([[0, 0], [30, 0], [30, 30], [0, 30]], float)


@pytest.fixture(scope="module")
def two_by_two(tmp_path_factory):
    """2 x 2 boxes, arena 3 turned by 4 degrees, arena 4 empty; 3 s at 20 fps."""
    out = tmp_path_factory.mktemp("arenas")
    return synthetic.render_arenas_video(out, "rig", rows=2, cols=2, arena_size_cm=SIZE, fps=20, duration_s=3,
                                         rotation_deg=[0, 0, 4, 0], empty=(4,), seed=3)


def _floor(v, k, erode_px=3):
    """Mask of arena k's floor (0-based), eroded so wall edges and neighbours' tails stay out."""
    mask = arena_mask((v.image_size[1], v.image_size[0]), v.corners_px[k], 0.0)
    return cv2.erode(mask.astype(np.uint8), np.ones((2 * erode_px + 1,) * 2, np.uint8)) > 0


def test_files_and_numbering(two_by_two):
    v = two_by_two
    info = video_info(v.path)
    assert (info.width, info.height) == v.image_size == (624, 624)  # 2 x 30 cm + 3 x 6 cm gaps at 8 px/cm
    assert info.fps == 20 and v.n_frames == 60 == info.n_frames
    # numbered row-major from the top-left: centres go right, then down
    centres = np.array([c.mean(axis=0) for c in v.corners_px])
    assert centres[0, 0] < centres[1, 0] and centres[2, 0] < centres[3, 0]
    assert centres[:2, 1].max() < centres[2:, 1].min()
    # corners are each arena's cm corners through its homography; arena 3 is turned by 4 degrees
    for c, hom in zip(v.corners_px, v.homographies, strict=True):
        np.testing.assert_allclose(c, apply_homography(hom, CORNERS_CM), atol=1e-9)
    top = v.corners_px[2][1] - v.corners_px[2][0]
    assert np.degrees(np.arctan2(top[1], top[0])) == pytest.approx(4.0, abs=1e-6)
    assert np.linalg.norm(top) == pytest.approx(30 * 8, rel=1e-9)
    # the JSON beside the video is a valid --arena-corners file
    geo = json.loads(v.geometry.read_text())
    assert geo["n_frames"] == 60 and geo["empty"] == [4] and geo["arena_size_cm"] == [30, 30]
    for given, c in zip(read_arena_corners(v.geometry), v.corners_px, strict=True):
        np.testing.assert_allclose(given, c)
    assert v.truths[3] is None and v.truth_paths[3] is None and geo["truth_files"][3] is None


def test_truth_per_arena(two_by_two):
    v = two_by_two
    for k in range(3):
        truth = v.truths[k]
        assert len(truth) == v.n_frames
        on_disk = pd.read_csv(v.truth_paths[k])
        assert list(on_disk.columns) == list(truth.columns)
        np.testing.assert_allclose(on_disk["body_x_px"], truth["body_x_px"], atol=1e-4)
        for part in ("head", "body", "tail"):
            cm = truth[[f"{part}_x_cm", f"{part}_y_cm"]].to_numpy()
            px = truth[[f"{part}_x_px", f"{part}_y_px"]].to_numpy()
            np.testing.assert_allclose(apply_homography(v.homographies[k], cm), px, atol=1e-6)
        # in the arena's own cm frame, inside its floor
        body = truth[["body_x_cm", "body_y_cm"]].to_numpy()
        assert (body >= 0).all() and (body <= 30).all()
    # each arena its own trajectory
    paths = [v.truths[k][["body_x_cm", "body_y_cm"]].to_numpy() for k in range(3)]
    assert np.abs(paths[0] - paths[1]).max() > 5 and np.abs(paths[1] - paths[2]).max() > 5


def test_rendered_mice_are_where_the_truth_says(two_by_two):
    v = two_by_two
    floors = [_floor(v, k) for k in range(4)]
    length_px = 8 * 8  # an 8 cm mouse at 8 px/cm
    for i, frame in enumerate(iter_frames(v.path)):
        if i % 10:
            continue
        g = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        for k in range(4):
            dark = floors[k] & (g < 128)
            if v.truths[k] is None:
                assert not dark.any()  # the empty box has no mouse
                assert g[floors[k]].min() > 150
                continue
            body = v.truths[k].loc[i, ["body_x_px", "body_y_px"]].to_numpy(float)
            bx, by = np.round(body).astype(int)
            assert g[by, bx] < 80
            ys, xs = np.nonzero(dark)
            # the blob (body, head, tail stub) is centred near the body centre, not elsewhere in the box
            assert np.hypot(xs.mean() - body[0], ys.mean() - body[1]) < 0.25 * length_px
            assert 0.5 * length_px**2 * 0.1 < dark.sum() < length_px**2 * 0.5


def test_arenas_do_not_overlap_and_walls_separate_them(two_by_two):
    v = two_by_two
    masks = [_floor(v, k, erode_px=0) for k in range(4)]
    assert (np.sum(masks, axis=0) <= 1).all()
    background = next(iter_frames(v.path))[..., 0]
    walls = ~np.any(masks, axis=0)
    walls = cv2.erode(walls.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.median(background[walls]) < 110  # dark walls and gaps between the light floors


def test_overlap_and_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="overlap"):
        synthetic.render_arenas_video(tmp_path, rows=1, cols=2, gap_cm=0.5, margin_cm=5, rotation_deg=[10, 0],
                                      duration_s=0.1)
    with pytest.raises(ValueError, match="one angle per arena"):
        synthetic.render_arenas_video(tmp_path, rows=2, cols=2, rotation_deg=[1, 2], duration_s=0.1)
    with pytest.raises(ValueError, match="numbered 1..4"):
        synthetic.render_arenas_video(tmp_path, rows=2, cols=2, empty=(5,), duration_s=0.1)
    with pytest.raises(ValueError, match="does not fit"):
        synthetic.render_arenas_video(tmp_path, rows=2, cols=2, margin_cm=0, duration_s=0.1)
    # a clip shorter than the first rest still has a trajectory
    assert synthetic.render_arenas_video(tmp_path, rows=1, cols=2, duration_s=0.2, fps=10).truths[1].shape[0] == 2


@pytest.mark.parametrize(("rows", "cols", "animal"), [(1, 2, "dark"), (2, 3, "light")])
def test_other_layouts(tmp_path, rows, cols, animal):
    v = synthetic.render_arenas_video(tmp_path, rows=rows, cols=cols, fps=10, duration_s=1, animal=animal,
                                      image_size=(900, 500), motion="minimum_jerk")
    assert len(v.corners_px) == len(v.truths) == rows * cols
    assert all(len(t) == 10 for t in v.truths)
    frame = cv2.cvtColor(next(iter_frames(v.path)), cv2.COLOR_BGR2GRAY)
    for k in range(rows * cols):
        floor = np.median(frame[_floor(v, k)])
        body = np.round(v.truths[k].loc[0, ["body_x_px", "body_y_px"]].to_numpy(float)).astype(int)
        if animal == "dark":
            assert floor > 200 and frame[body[1], body[0]] < 80
        else:
            assert floor < 70 and frame[body[1], body[0]] > 180
    # row-major: the last arena is bottom-right
    centres = np.array([c.mean(axis=0) for c in v.corners_px])
    assert np.argmax(centres.sum(axis=1)) == rows * cols - 1
    assert np.argmin(centres.sum(axis=1)) == 0
