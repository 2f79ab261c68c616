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
