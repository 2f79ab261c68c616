"""render_video: the video, its ground truth and its geometry agree with each other."""

import json

import cv2
import numpy as np
import pandas as pd

from openfield import synthetic
from openfield.calibration import apply_homography
from openfield.io.video import iter_frames, video_info


def test_render_video_files_agree(tmp_path):
    traj = synthetic.make_trajectory(fps=20, duration_s=4, seed=5)
    sv = synthetic.render_video(tmp_path, "clip", trajectory=traj, fps=20, image_size=(320, 240), tilt=0.2)
    info = video_info(sv.video)
    assert (info.width, info.height) == (320, 240)
    assert info.fps == 20
    frames = list(iter_frames(sv.video))
    truth = pd.read_csv(sv.truth)
    geo = json.loads(sv.geometry.read_text())
    assert len(frames) == len(truth) == len(traj) == geo["n_frames"]
    # px columns are the homography of the cm columns; body cm is the trajectory
    hom = np.array(geo["homography"])
    for part in ("head", "body", "tail"):
        cm = truth[[f"{part}_x_cm", f"{part}_y_cm"]].to_numpy()
        px = truth[[f"{part}_x_px", f"{part}_y_px"]].to_numpy()
        np.testing.assert_allclose(apply_homography(hom, cm), px, atol=1e-3)
    np.testing.assert_allclose(truth[["body_x_cm", "body_y_cm"]], traj[["x_cm", "y_cm"]], atol=1e-4)
    # head is 0.64 L in front of the body along the heading, tail base 0.36 L behind (L = 8 cm)
    u = np.c_[np.cos(traj["heading_rad"]), np.sin(traj["heading_rad"])]
    np.testing.assert_allclose(truth[["head_x_cm", "head_y_cm"]].to_numpy() - traj[["x_cm", "y_cm"]].to_numpy(),
                               0.64 * 8 * u, atol=1e-3)
    # the corners are the arena corners through the homography; tilt shortens the top edge
    c = np.array(geo["arena_corners_px"])
    np.testing.assert_allclose(c, apply_homography(hom, np.array([[0, 0], [40, 0], [40, 40], [0, 40]], float)))
    assert (c[1, 0] - c[0, 0]) < 0.85 * (c[2, 0] - c[3, 0])
    # the animal is where the truth says: dark pixels at the body, floor far from it
    for i in (0, len(frames) // 2, len(frames) - 1):
        g = cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY)
        bx, by = np.round(truth.loc[i, ["body_x_px", "body_y_px"]].to_numpy(float)).astype(int)
        assert g[by, bx] < 80
        assert g[int(c[:, 1].mean()) - 5: int(c[:, 1].mean()) + 5].max() > 150


def test_motion_blur_and_noise_change_frames_but_not_truth(tmp_path):
    traj = synthetic.make_trajectory(fps=20, duration_s=3, seed=2)
    sharp = synthetic.render_video(tmp_path / "a", "v", trajectory=traj, fps=20, image_size=(320, 240))
    blur = synthetic.render_video(tmp_path / "b", "v", trajectory=traj, fps=20, image_size=(320, 240),
                                  motion_blur=True, noise_sd=5.0, seed=1)
    assert pd.read_csv(sharp.truth).equals(pd.read_csv(blur.truth))
    fa = np.stack([f.astype(float) for f in iter_frames(sharp.video)])
    fb = np.stack([f.astype(float) for f in iter_frames(blur.video)])
    moving = pd.read_csv(sharp.truth)["speed_cm_s"].to_numpy() > 15
    assert moving.any()
    # noise: the floor's texture; blur: intermediate grey levels where the animal moved
    assert fb[:, 120, 160].std() > fa[:, 120, 160].std() + 1.0
    assert np.abs(fa[moving] - fb[moving]).mean() > np.abs(fa[~moving] - fb[~moving]).mean()


def test_truth_summary_of_a_known_path():
    """One 30 cm run across the centre square, worked out by hand.

    Start still for 0.5 s at x = 5 cm, accelerate at 40 cm/s2 for 0.5 s (5 cm,
    reaching 20 cm/s at x = 10, the centre's edge), cruise 1 s to x = 30 (the
    other edge), decelerate 0.5 s to x = 35, stay 1 s.
    """
    legs = [synthetic.Leg((5, 20), (35, 20), max_speed=20, accel=40, pause_s=1.0)]
    traj = synthetic.legs_trajectory(legs, fps=100)
    truth = synthetic.truth_table(traj, synthetic.camera_homography((40, 40)))
    s = synthetic.truth_summary(truth, 100, (40, 40))
    assert abs(s["duration_s"] - 3.5) <= 0.01
    assert abs(s["distance_cm"] - 30) < 1e-6
    assert abs(s["mean_speed_cm_s"] - 30 / 3.5) < 0.05
    assert s["max_speed_cm_s"] == 20
    assert s["mean_acceleration_cm_s2"] == 40 and s["mean_deceleration_cm_s2"] == 40
    assert abs(s["time_moving_s"] - (2.0 - 2 * 2 / 40)) <= 0.02  # speed > 2 cm/s
    assert abs(s["time_center_s"] - 1.0) <= 0.02
    assert s["center_entries"] == 1
    assert abs(s["latency_center_s"] - 1.0) <= 0.01
