"""The labelled video: one output frame per input frame, the marks where the pose is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from openfield import overlay
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy


def test_draw_frame_marks_the_pose_and_nothing_where_it_is_missing():
    frame = np.zeros((120, 160, 3), np.uint8)
    points = np.array([[30.0, 60.0], [80.0, 60.0], [np.nan, np.nan]])
    out = overlay.draw_frame(frame, points)
    assert not frame.any()  # input left alone
    for k, (x, y) in enumerate(points[:2]):
        assert tuple(out[int(y), int(x)]) == overlay.COLOURS[k]  # the disc's centre has the part's colour
    assert out[60, 55].any()  # the line between them
    assert not out[10:40, 100:].any()  # nothing elsewhere (the missing third part is not drawn)
    captioned = overlay.draw_frame(frame, points, "t = 0.0 s  rearing 0.90")
    assert captioned[:25, :].any() and not out[:25, :].any()
    assert overlay.caption(12.34, "centre", "rearing", 0.871) == "t = 12.3 s  zone: centre  rearing 0.87"


@pytest.fixture
def small_video(tmp_path):
    """A 40-frame grey video with a dark disc moving right 3 px per frame; its pose (centre) in pixels."""
    path = tmp_path / "v.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (160, 120))
    centres = np.array([[20.0 + 3 * i, 60.0] for i in range(40)])
    for x, y in centres:
        frame = np.full((120, 160, 3), 128, np.uint8)
        cv2.circle(frame, (int(x), int(y)), 8, (20, 20, 20), -1)
        w.write(frame)
    w.release()
    return path, centres


def test_labeled_video_frame_count_and_marks(small_video, tmp_path):
    path, centres = small_video
    pos = np.stack([centres + [6, 0], centres, centres - [6, 0]], axis=1)
    ds = from_numpy(pos, None, ["head", "body", "tail"], fps=20.0)
    labels = ["rearing"] * 20 + ["other"] * 20
    out = overlay.write_labeled_video(path, tmp_path / "labeled.mp4", ds, labels, np.full(40, 0.8),
                                      ["centre"] * 40)
    cap = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    assert len(frames) == 40
    assert not list(tmp_path.glob(".*openfield-tmp*"))  # written atomically
    for i in (0, 17, 39):
        hx, hy = (centres[i] + [6, 0]).astype(int)
        b, g, r = frames[i][hy, hx].astype(int)
        assert r > 150 and b < 100 and g < 100  # the head's red disc, where the pose puts the head
        x, y = centres[i].astype(int)
        b, g, r = frames[i][y, x].astype(int)
        assert g > 120 and r < 100  # the body's green disc
    with pytest.raises(OpenfieldError, match="39 per-frame labels for a pose of 40 frames"):
        overlay.write_labeled_video(path, tmp_path / "x.mp4", ds, labels[:-1])


@pytest.mark.parametrize(("corners", "image_size", "box"), [
    # margin 5 % of the 80-px side = 4 px: 6..95 is 89 px wide, so one more column; the same for the rows
    ([[10, 10], [90, 10], [90, 90], [10, 90]], (200, 100), (6, 6, 96, 96)),
    # at the image's edge: cut at 0 and at the last row; 55 rows (odd) at the bottom edge: one fewer
    ([[0, 0], [50, 0], [50, 51], [0, 51]], (101, 55), (0, 0, 54, 54)),
    # odd at the bottom edge, room above: one more row on top
    ([[10, 10], [50, 10], [50, 50], [10, 50]], (100, 53), (8, 7, 54, 53)),
])
def test_arena_box_is_the_corners_bounding_box_with_a_margin_even_and_inside(corners, image_size, box):
    assert overlay.arena_box(np.array(corners, float), image_size) == box
    x0, y0, x1, y1 = box
    assert (x1 - x0) % 2 == 0 and (y1 - y0) % 2 == 0


def test_arena_box_of_an_arena_outside_the_image_is_refused():
    with pytest.raises(OpenfieldError, match="lies outside the 100 x 50 image"):
        overlay.arena_box(np.array([[300, 10], [350, 10], [350, 40], [300, 40]], float), (100, 50))


def _two_arena_video(path, n_frames=30):
    """A 200 x 100 video of two boxes side by side, a dark disc moving in each; each disc's centre per frame."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (200, 100))
    centres = [np.array([[25.0 + i, 50.0] for i in range(n_frames)]),
               np.array([[150.0, 25.0 + i] for i in range(n_frames)])]
    for i in range(n_frames):
        frame = np.full((100, 200, 3), 128, np.uint8)
        for c in centres:
            cv2.circle(frame, (int(c[i, 0]), int(c[i, 1])), 6, (20, 20, 20), -1)
        w.write(frame)
    w.release()
    return path, centres


def _read_all(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    cap.release()
    return frames


def test_labeled_videos_of_two_arenas_one_decode_each_its_box_with_its_pose(tmp_path, monkeypatch):
    video, centres = _two_arena_video(tmp_path / "cage.mp4")
    arenas = [np.array([[10, 10], [90, 10], [90, 90], [10, 90]], float),
              np.array([[110, 10], [190, 10], [190, 90], [110, 90]], float)]
    readers = []

    class CountedReader(overlay.VideoReader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            readers.append(self)

    monkeypatch.setattr(overlay, "VideoReader", CountedReader)
    items = []
    for k, (c, corners) in enumerate(zip(centres, arenas, strict=True), 1):
        ds = from_numpy(np.stack([c + [6, 0], c], axis=1), None, ["head", "body"], fps=20.0)
        items.append(overlay.LabeledVideo(tmp_path / f"cage_a{k}_labeled.mp4", ds, zones=["centre"] * 30,
                                          arena_corners=corners, box=overlay.arena_box(corners, (200, 100))))
    assert [item.box for item in items] == [(6, 6, 96, 96), (106, 6, 196, 96)]
    paths = overlay.write_labeled_videos(video, items)
    assert len(readers) == 1 and readers[0].frames_read == 30  # the video decoded once for both
    assert not list(tmp_path.glob(".*openfield-tmp*"))
    for item, path, c in zip(items, paths, centres, strict=True):
        frames = _read_all(path)
        assert len(frames) == 30
        assert all(f.shape == (90, 90, 3) for f in frames)
        x0, y0 = item.box[:2]
        for i in (0, 14, 29):
            bx, by = (c[i] - [x0, y0]).astype(int)  # the pose in the box's pixels
            b, g, r = frames[i][by, bx].astype(int)
            assert g > 120 and r < 100 and b < 100, (path.name, i)  # the body's green disc
            hx, hy = (c[i] + [6, 0] - [x0, y0]).astype(int)
            b, g, r = frames[i][hy, hx].astype(int)
            assert r > 150 and g < 100 and b < 100, (path.name, i)  # the head's red disc
        # the arena's outline in the box's pixels: its top edge (y = 10) is the box's row 4, white on the grey
        assert frames[0][4, 20:70].mean() > 170 and abs(frames[0][75, 20:70].mean() - 128) < 10
