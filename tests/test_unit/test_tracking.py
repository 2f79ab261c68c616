"""The classical tracker against rendered videos and images with known head, body and tail."""

import json

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.errors import OpenfieldError
from openfield.io import read_dlc, write_dlc_csv
from openfield.io.video import VideoReader
from openfield.orientation import orient
from openfield.segmentation import measure_animal
from openfield.tracking import (
    KEYPOINTS,
    SCORER,
    TrackerConfig,
    track_image,
    track_video,
)

SIZE = (400, 300)

CASES = {
    "straight_dark": {},
    "tilted_camera": {"tilt": 0.25},
    "light_animal": {"animal": "light"},
    "blur_and_noise": {"motion_blur": True, "noise_sd": 6.0},
}


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Four 8 s, 25 fps, 400x300 synthetic videos (rendered once for the module)."""
    out = tmp_path_factory.mktemp("synthetic_videos")
    return {name: synthetic.render_video(out, name, fps=25, duration_s=8, image_size=SIZE, seed=i + 1, **kw)
            for i, (name, kw) in enumerate(CASES.items())}


def _errors(sv, ds):
    truth = pd.read_csv(sv.truth)
    pos = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    head, body = pos[:, 0], pos[:, 1]
    true_body = truth[["body_x_px", "body_y_px"]].to_numpy()
    true_head = truth[["head_x_px", "head_y_px"]].to_numpy()
    body_err = np.linalg.norm(body - true_body, axis=1)
    d, t = head - body, true_head - true_body
    ang = np.angle(np.exp(1j * (np.arctan2(d[:, 1], d[:, 0]) - np.arctan2(t[:, 1], t[:, 0]))))
    heading_ok = np.degrees(np.abs(ang)) < 30
    return truth, body_err, heading_ok


@pytest.mark.parametrize("name", list(CASES))
def test_tracker_accuracy_on_synthetic_videos(videos, name):
    """Body within 2 px RMSE; head on the right end (within 30 deg) in 95% of frames, also when paused."""
    sv = videos[name]
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    ds = track_video(sv.video, arena_corners_px=corners, progress=False)
    truth, body_err, heading_ok = _errors(sv, ds)
    assert len(body_err) == len(truth)
    assert not np.isnan(body_err).any()
    assert np.sqrt(np.mean(body_err**2)) < 2.0
    assert heading_ok.mean() >= 0.95
    paused = truth["speed_cm_s"].to_numpy() == 0
    assert paused.sum() > 25  # the trajectory has pauses to test
    assert heading_ok[paused].mean() >= 0.95
    assert ds.attrs["animal"] == CASES[name].get("animal", "dark")
    # the background came from the frames of the tracking pass (no seeking), and every frame was read
    assert ds.attrs["background"] == "first 20 s"
    assert ds.attrs["frames_read"] == ds.attrs["frames_expected"] == len(truth)
    assert ds.attrs["frames_failed"] == 0


def test_tracker_finds_arena_itself(videos):
    """Without corners, the arena is found on the background and the result is as good."""
    sv = videos["straight_dark"]
    ds = track_video(sv.video, progress=False)
    _, body_err, heading_ok = _errors(sv, ds)
    assert np.sqrt(np.nanmean(body_err**2)) < 2.0
    assert heading_ok.mean() >= 0.95


def test_body_is_the_trunk_not_the_blob_centroid():
    """On a still image the trunk centroid is the true body centre; the plain centroid is pulled to the head."""
    for heading in np.linspace(0, 2 * np.pi, 7)[:-1]:
        img, kp = synthetic.render_frame((21.3, 18.9), heading)
        r = track_image(img)
        assert np.linalg.norm(r["body"] - kp["body"]) < 1.0
        assert np.linalg.norm(r["head"] - kp["head"]) < 3.0
        assert np.linalg.norm(r["tail"] - kp["tail"]) < 3.0
        # the centroid of the blob without its tail (opened) is pulled towards the head
        mask = (img[..., 0] < 60).astype(np.uint8)  # the mouse is 30, walls 95, floor 225
        r_open = int(round(0.4 * cv2.distanceTransform(mask, cv2.DIST_L2, 5).max()))
        opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * r_open + 1, 2 * r_open + 1)))
        m = cv2.moments(opened, binaryImage=True)
        plain = np.array([m["m10"] / m["m00"], m["m01"] / m["m00"]])
        assert np.linalg.norm(plain - kp["body"]) > 5.0  # why the trunk is used


def test_measure_animal_on_an_ellipse_with_a_tail():
    """A drawn ellipse with a thin tail: body at its centre, ends at its tips, tail cue towards the tail."""
    mask = np.zeros((200, 300), np.uint8)
    cv2.ellipse(mask, (150, 100), (50, 20), 0, 0, 360, 255, -1)
    cv2.line(mask, (100, 100), (30, 90), 255, 3)  # tail leaves the left end
    config = TrackerConfig()
    blob = measure_animal(mask, None, config.trunk_fraction, config.opening_fraction)
    np.testing.assert_allclose(blob.body, [150, 100], atol=0.5)
    ends = sorted(blob.ends.tolist())
    np.testing.assert_allclose(ends[0], [100.5, 100], atol=2.0)
    np.testing.assert_allclose(ends[1], [199.5, 100], atol=2.0)
    left = int(np.argmin(blob.ends[:, 0]))
    assert (blob.tail_cue > 0.3) == (left == 0) and abs(blob.tail_cue) > 0.3


def test_orient_follows_motion_and_keeps_the_head_through_a_pause():
    """Moving right, then still: the head is the right end all along, whatever order the ends come in."""
    rng = np.random.default_rng(0)
    fps, n = 30.0, 120
    x = np.r_[np.linspace(0, 60, 60), np.full(60, 60.0)]  # 30 px/s = 1.5 body lengths/s, then a pause
    body = np.c_[x, np.full(n, 50.0)]
    front, back = body + [10, 0], body - [10, 0]
    swap = rng.random(n) < 0.5
    ends = np.where(swap[:, None, None], np.stack([back, front], 1), np.stack([front, back], 1))
    head, tail, prob = orient(body, ends, np.zeros(n), fps, TrackerConfig())
    np.testing.assert_allclose(head, front)
    np.testing.assert_allclose(tail, back)
    assert prob.min() > 0.5
    # a single image: no motion, the tail cue decides (tail towards ends[0] -> head is ends[1])
    h, t, p = orient(body[:1], ends[:1], np.array([0.8]), None, TrackerConfig())
    np.testing.assert_allclose(h[0], ends[0, 1])
    assert p[0] > 0.5
    # a missing frame stays missing
    body[5] = np.nan
    h, _, p = orient(body, ends, np.zeros(n), fps, TrackerConfig())
    assert np.isnan(h[5]).all() and p[5] == 0


def _frames(video):
    return [f for _, f in VideoReader(video)]


def _write(path, frames, fps=25.0):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, SIZE)
    for f in frames:
        w.write(f)
    w.release()
    return path


def test_animal_still_at_the_start_falls_back_to_the_whole_video(videos, tmp_path):
    """3 s of a still animal, then the moving one: the first 2 s cannot give a background; the whole video can."""
    sv = videos["straight_dark"]
    frames = _frames(sv.video)
    path = _write(tmp_path / "still_start.mp4", [frames[0]] * 75 + frames)
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    ds = track_video(path, TrackerConfig(background_window_s=2.0), arena_corners_px=corners, progress=False)
    assert ds.attrs["background"] == "sampled over the whole video"
    truth = pd.read_csv(sv.truth)
    true_body = np.r_[np.repeat(truth[["body_x_px", "body_y_px"]].to_numpy()[:1], 75, axis=0),
                      truth[["body_x_px", "body_y_px"]].to_numpy()]
    body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    err = np.linalg.norm(body - true_body, axis=1)
    assert not np.isnan(err).any() and np.sqrt(np.mean(err**2)) < 2.0
    # a window in which the animal moves enough gives the background from the tracking pass itself
    ds_start = track_video(path, TrackerConfig(background_window_s=40.0), arena_corners_px=corners,
                           progress=False)
    assert ds_start.attrs["background"] == "first 40 s"


def test_pose_csv_layout(videos, tmp_path):
    """DeepLabCut layout: 3 header rows, scorer openfield-classic, head/body/tail with a likelihood."""
    sv = videos["light_animal"]
    out = write_dlc_csv(track_video(sv.video, progress=False), tmp_path / "light_animal_pose.csv", scorer=SCORER)
    rows = out.read_text().splitlines()[:3]
    assert rows[0].split(",")[1:] == [SCORER] * 9
    assert rows[1].split(",")[1:] == [k for k in KEYPOINTS for _ in range(3)]
    assert rows[2].split(",")[1:] == ["x", "y", "likelihood"] * 3
    ds = read_dlc(out, fps=25)
    conf = ds["confidence"].values
    assert ((conf >= 0) & (conf <= 1)).all() and np.median(conf) > 0.8


def test_likelihood_drops_when_the_blob_is_wrong(videos, tmp_path):
    """Frames where the animal is half hidden get a lower likelihood than clean frames."""
    sv = videos["straight_dark"]
    frames = _frames(sv.video)
    truth = pd.read_csv(sv.truth)
    hidden = np.arange(100, 110)
    for i in hidden:  # paint floor over the front half of the animal
        bx, by = truth.loc[i, ["body_x_px", "body_y_px"]]
        hx, hy = truth.loc[i, ["head_x_px", "head_y_px"]]
        cv2.circle(frames[i], (int((bx + hx) / 2), int((by + hy) / 2)), 14, (225, 225, 225), -1)
    ds = track_video(_write(tmp_path / "hidden.mp4", frames), progress=False)
    conf = ds["confidence"].sel(keypoints="body").values[:, 0]
    assert conf[hidden].mean() < 0.8 * np.median(conf)


def test_corrupt_and_missing_videos_are_named(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(OpenfieldError, match="broken.mp4.*cannot open as a video|broken.mp4.*no readable frames"):
        track_video(bad, progress=False)
    with pytest.raises(OpenfieldError, match="missing.mp4: video not found"):
        track_video(tmp_path / "missing.mp4", progress=False)
    with pytest.raises(OpenfieldError, match="animal must be"):
        TrackerConfig(animal="grey")


@pytest.mark.parametrize(("weights", "enough"), [
    ({"tail_weight": 0.0}, True),  # motion and continuity alone
    ({"motion_weight": 0.0}, True),  # the tail's shape and continuity alone
    ({"tail_weight": 0.0, "motion_weight": 0.0}, False),  # continuity alone cannot know which end leads
])
def test_each_head_cue_suffices_and_continuity_alone_does_not(videos, weights, enough):
    sv = videos["straight_dark"]
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    ds = track_video(sv.video, TrackerConfig(**weights), arena_corners_px=corners, progress=False)
    _, _, heading_ok = _errors(sv, ds)
    assert (heading_ok.mean() >= 0.95) == enough


def test_silhouette_measures_beside_the_pose(videos):
    """The tracker keeps the blob's area, length and width per frame; the length is the nose-to-tail-base
    extent its own head and tail points span, and the pose features turn them into ratios."""
    from openfield.behavior.features import pose_features

    ds = track_video(videos["light_animal"].video, progress=False)
    sil = ds["silhouette"]
    assert list(sil["silhouette_measure"].values) == ["area_px", "length_px", "width_px", "outline_change"]
    assert sil.sizes["time"] == ds.sizes["time"]
    length = sil.sel(silhouette_measure="length_px").values
    width = sil.sel(silhouette_measure="width_px").values
    pos = ds["position"].isel(individuals=0)
    head_tail = np.linalg.norm((pos.sel(keypoints="head") - pos.sel(keypoints="tail")).transpose("time", "space")
                               .values, axis=1)
    assert np.nanmedian(length) == pytest.approx(np.nanmedian(head_tail), rel=0.2)
    assert np.nanmedian(width) < 0.8 * np.nanmedian(length)
    assert np.nanmedian(sil.sel(silhouette_measure="area_px").values) > np.nanmedian(length * width) * 0.5
    feats = pose_features(ds, windows_s=(0.5,), extended=True)
    np.testing.assert_allclose(feats["silhouette_length_ratio"], length / np.nanmedian(length), rtol=1e-5)
    assert "silhouette_length_ratio" not in pose_features(ds, windows_s=(0.5,)).columns


@pytest.mark.parametrize("name", ["straight_dark", "light_animal"])
def test_contrast_with_the_floor_is_measured(videos, name):
    """The rendered mouse differs from the floor by 195 (dark: 30 on 225) or 180 (light: 225 on 45) grey
    levels; the tracker's median over found frames is that, less the blur at the outline."""
    truth = {"straight_dark": 195.0, "light_animal": 180.0}[name]
    ds = track_video(videos[name].video, progress=False)
    assert ds.attrs["contrast"] == pytest.approx(truth, rel=0.2)


@pytest.mark.parametrize("held_frames", [0, 30])
def test_window_frames_decoded_again_when_not_held(videos, monkeypatch, held_frames):
    """With room to hold none or 30 of the background window's frames, the rest are decoded a second time
    and tracked in their place: the result is the same as with the whole window held (the default here)."""
    from openfield.tracking import video

    sv = videos["straight_dark"]
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    held_all = track_video(sv.video, arena_corners_px=corners, progress=False)
    monkeypatch.setattr(video, "WINDOW_BUFFER_BYTES", held_frames * SIZE[0] * SIZE[1])
    replayed = track_video(sv.video, arena_corners_px=corners, progress=False)
    np.testing.assert_array_equal(replayed["position"].values, held_all["position"].values)
    np.testing.assert_array_equal(replayed["confidence"].values, held_all["confidence"].values)
    assert replayed.attrs["frames_read"] == held_all.attrs["frames_read"] == len(pd.read_csv(sv.truth))
    assert replayed.attrs["background"] == "first 20 s"


@pytest.mark.parametrize("half", [False, True], ids=["full-resolution", "half-resolution"])
def test_snug_crop_finds_what_the_window_finds(videos, monkeypatch, half):
    """Each frame's animal is looked for first in the last blob's box, widened; in the usual window only when it is
    not there or touches that crop's side: the poses are those of the window alone, at either resolution, even
    when the snug crop is so tight that the blob is often cut."""
    from openfield.tracking import frame

    sv = videos["blur_and_noise"]
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    config = TrackerConfig(downsample_min_length_px=40.0 if half else 90.0)
    halved = []
    real_halve, real_search = frame._halve, frame.FrameTracker._search
    monkeypatch.setattr(frame, "_halve", lambda img, k, *how: halved.append(k) or real_halve(img, k, *how))
    snug_calls = []

    def counted(self, frame, x0, y0, x1, y1, expected, whole=True):
        found = real_search(self, frame, x0, y0, x1, y1, expected, whole)
        if whole:
            snug_calls.append(found is not None)
        return found

    def window_only(self, *args, **kwargs):
        found = real_search(self, *args, **kwargs)
        self.box = None  # no snug crop next frame
        return found

    monkeypatch.setattr(frame.FrameTracker, "_search", counted)
    snug = track_video(sv.video, config, corners, progress=False)
    assert bool(halved) == half
    assert len(snug_calls) > 0.9 * snug.sizes["time"] and np.mean(snug_calls) > 0.9  # the snug crop did the work
    monkeypatch.setattr(frame, "SNUG_MARGIN_BODY_LENGTHS", -0.15)  # a margin of 1-2 px: often cut, looked for again
    snug_calls.clear()
    tight = track_video(sv.video, config, corners, progress=False)
    assert np.mean(snug_calls) < 0.95  # cut in more than 5 % of the frames
    monkeypatch.setattr(frame.FrameTracker, "_search", window_only)
    window = track_video(sv.video, config, corners, progress=False)
    for ds in (snug, tight):
        np.testing.assert_array_equal(ds["position"].values, window["position"].values)
        np.testing.assert_array_equal(ds["confidence"].values, window["confidence"].values)


def test_half_resolution_crops_line_up_with_the_halved_background():
    """A crop at even pixels, halved, is the same pixels of the whole image halved, whatever its size."""
    from openfield.tracking.frame import _halve

    img = np.random.default_rng(1).integers(0, 256, (101, 137), dtype=np.uint8)
    whole = _halve(img, 2)
    assert whole.shape == (50, 68)
    for x0, y0, x1, y1 in [(0, 0, 137, 101), (4, 10, 59, 47), (2, 2, 17, 6), (60, 40, 137, 101)]:
        np.testing.assert_array_equal(_halve(img[y0:y1, x0:x1], 2),
                                      whole[y0 // 2:y0 // 2 + (y1 - y0) // 2, x0 // 2:x0 // 2 + (x1 - x0) // 2])
    np.testing.assert_array_equal(whole[3, 5], np.uint8(round(img[6:8, 10:12].mean())))


def test_frame_progress_logged_without_a_bar_in_verbose_mode(videos):
    """A ``--jobs`` worker has no bar: with debug messages on (``-v``) it logs each tenth of the frames tracked."""
    import logging

    from openfield import tracking

    sv = videos["straight_dark"]
    messages = []

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler, logger = Keep(level=logging.DEBUG), logging.getLogger(tracking.__name__)
    level = logger.level
    logger.addHandler(handler)
    try:
        logger.setLevel(logging.INFO)
        track_video(sv.video, progress=False)
        assert not [m for m in messages if "frames tracked" in m]
        logger.setLevel(logging.DEBUG)
        ds = track_video(sv.video, progress=False)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    n = ds.sizes["time"]
    lines = [m for m in messages if "frames tracked" in m]
    assert len(lines) == 10 and lines[-1] == f"{sv.video.name}: {n} of {n} frames tracked (100 %)"
    assert [int(m.split("(")[1].split(" ")[0]) for m in lines] == sorted(
        int(m.split("(")[1].split(" ")[0]) for m in lines)


def test_track_command_imports_stay_light():
    """`openfield track` loads the pipeline without scipy.signal, scipy.linalg and matplotlib (~2 s of imports
    it does not use; issue 14 counts the whole command's time)."""
    import subprocess
    import sys

    code = ("import sys; from openfield.commands import track; from openfield import pipeline, tracking; "
            "print(sorted(m for m in ('scipy.signal', 'scipy.linalg', 'matplotlib.pyplot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_animal_absent_from_the_first_frames(videos, tmp_path):
    """20 frames of empty floor, then the animal: nothing is found in the empty frames, and the polarity and
    threshold are set on the first frame with the animal, so the rest is tracked as well as without them."""
    from openfield.io.video import video_background

    sv = videos["straight_dark"]
    frames = _frames(sv.video)
    empty = video_background(sv.video)
    path = _write(tmp_path / "late.mp4", [empty] * 20 + frames)
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    ds = track_video(path, arena_corners_px=corners, progress=False)
    body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    conf = ds["confidence"].sel(keypoints="body").values[:, 0]
    assert np.isnan(body[:20]).all() and (conf[:20] == 0).all()
    truth = pd.read_csv(sv.truth)[["body_x_px", "body_y_px"]].to_numpy()
    err = np.linalg.norm(body[20:] - truth, axis=1)
    assert not np.isnan(err).any() and np.sqrt(np.mean(err**2)) < 2.0
    assert ds.attrs["animal"] == "dark" and ds.attrs["threshold"] > 12
