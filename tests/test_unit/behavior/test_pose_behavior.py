"""Known-answer tests of the pose features, the baseline, the folds and the model file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.arena import apply_homography, homography_from_corners
from openfield.behavior import outputs as out
from openfield.behavior import timeline as tl
from openfield.behavior.feature_arena import FeatureArena, feature_arena
from openfield.behavior.features import pose_features
from openfield.behavior.folds import block_folds
from openfield.behavior.length_baseline import fit_length_threshold, predict_length_threshold
from openfield.behavior.metrics import evaluate_frames
from openfield.behavior.pose import PoseBehaviorModel
from openfield.behavior.predict import predict_behavior
from openfield.behavior.roles import feature_roles
from openfield.behavior.training import Recording, train_pose_model
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy

FPS = 25.0


def _track(n=200, fps=FPS, short_frames=None, ratio=0.7, length=50.0, keypoints=("nose", "bodycentre", "tailbase")):
    """A mouse pointing right at (300, 300) px; in ``short_frames`` its body shortens by ``ratio``."""
    lengths = np.full(n, length)
    if short_frames is not None:
        lengths[short_frames] = length * ratio
    pos = np.zeros((n, len(keypoints), 2))
    tail = np.array([300.0, 300.0])
    for k, name in enumerate(keypoints):
        frac = {"nose": 1.0, "headcentre": 0.85, "bodycentre": 0.5, "tailbase": 0.0}[name]
        pos[:, k, 0] = tail[0] + frac * lengths
        pos[:, k, 1] = tail[1]
    return from_numpy(pos, None, list(keypoints), fps=fps, source_file="synthetic.csv")


def test_body_length_ratio_gives_the_known_ratio():
    short = np.arange(120, 200)  # 40 % of frames: the median is the long body
    feats = pose_features(_track(short_frames=short, ratio=0.7))
    r = feats["body_length_ratio"].to_numpy()
    np.testing.assert_allclose(r[short], 0.7, rtol=1e-6)
    np.testing.assert_allclose(np.delete(r, short), 1.0, rtol=1e-6)
    assert feats.attrs["median_body_length_px"] == pytest.approx(50.0)
    # nose-to-body distance in body lengths: 0.5 of the (median) body, 0.35 when shortened
    np.testing.assert_allclose(feats["dist_nose_body"].to_numpy()[short], 0.35, rtol=1e-5)


def test_rolling_windows_in_seconds_any_fps():
    for fps in (25.0, 50.0):
        n = int(8 * fps)
        short = np.arange(int(4 * fps), int(6 * fps))  # a quarter of the frames
        feats = pose_features(_track(n=n, fps=fps, short_frames=short, ratio=0.5), windows_s=(1.0,))
        mean = feats["body_length_ratio_mean_1s"].to_numpy()
        # 1 s centred window: fully inside each half 0.5 s from the step
        assert mean[int(3 * fps)] == pytest.approx(1.0)
        assert mean[int(5 * fps)] == pytest.approx(0.5)
        assert 0.5 < mean[int(4 * fps)] < 1.0


def test_speed_in_body_lengths_per_second():
    ds = _track(n=50)
    pos = ds["position"].values.copy()
    pos[:, 0, :, 0] += 10.0 * np.arange(50)[:, None]  # every point moves 10 px/frame along x
    ds["position"].values = pos
    feats = pose_features(ds)
    # 10 px/frame * 25 fps / 50 px body = 5 body lengths per second
    np.testing.assert_allclose(feats["speed_tailbase"].to_numpy(), 5.0, rtol=1e-6)


def _with_corners(ds_points, corners_px, conf=1.0):
    n = ds_points["position"].sizes["time"]
    names = [str(k) for k in ds_points["keypoints"].values] + ["tl", "tr", "br", "bl"]
    pos = ds_points["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    corner_pos = np.broadcast_to(np.asarray(corners_px, float), (n, 4, 2))
    c = np.ones((n, len(names)))
    c[:, -4:] = conf
    return from_numpy(np.concatenate([pos, corner_pos], axis=1), c, names, fps=FPS, source_file="corners.csv")


def test_nose_wall_distance_known_cm():
    # floor 40 x 40 cm seen as the square (100, 100)-(500, 500) px: 10 px per cm
    ds = _with_corners(_track(n=30), [[100, 100], [500, 100], [500, 500], [100, 500]])
    arena = feature_arena(ds, arena_size_cm=(40.0, 40.0))
    assert arena is not None
    feats = pose_features(ds, arena)
    # nose at x = 350 px, y = 300 px -> 25 cm from the left, 15 cm from the right wall, 20 from top/bottom
    np.testing.assert_allclose(feats["nose_wall_cm"].to_numpy(), 15.0, atol=1e-6)
    np.testing.assert_allclose(feats["body_wall_cm"].to_numpy(), 17.5, atol=1e-6)  # body at 325 px


def test_wall_distance_on_a_tilted_view():
    # a trapezoid in the image (camera tilted): the homography still gives floor cm
    corners = np.array([[120.0, 100.0], [480.0, 100.0], [520.0, 500.0], [80.0, 500.0]])
    geo = FeatureArena(homography_from_corners(corners, (42.0, 42.0)), (42.0, 42.0))
    # the middle of the bottom edge is on the wall; the image of the floor centre is 21 cm from all walls
    assert geo.wall_distance_cm(np.array([300.0, 500.0])) == pytest.approx(0.0, abs=1e-6)
    centre_px = apply_homography(np.linalg.inv(geo.homography), np.array([21.0, 21.0]))
    assert geo.wall_distance_cm(centre_px) == pytest.approx(21.0, abs=1e-6)


def test_untracked_corner_is_an_error():
    ds = _with_corners(_track(n=30), [[100, 100], [500, 100], [500, 500], [100, 500]], conf=0.2)
    with pytest.raises(OpenfieldError, match="corner 'tl' is never tracked"):
        feature_arena(ds, arena_size_cm=(40.0, 40.0))


def test_missing_body_parts_and_fps_are_errors():
    with pytest.raises(OpenfieldError) as exc:
        pose_features(_track(keypoints=("nose", "headcentre")))
    assert "synthetic.csv" in str(exc.value) and "rear point" in str(exc.value)
    with pytest.raises(OpenfieldError, match="frame rate is unknown"):
        pose_features(_track(fps=None))


def test_body_part_names_are_recognised_case_insensitively():
    roles = feature_roles(["Snout", "leftear", "RightEar", "tail_base", "tl"])
    assert roles == {"nose": "Snout", "ear_left": "leftear", "ear_right": "RightEar", "tailbase": "tail_base"}
    # the tracker's three points: its head is the front point, its tail the rear (not the body)
    assert feature_roles(["head", "body", "tail"]) == {"nose": "head", "body": "body", "tailbase": "tail"}
    # a head centre beside a nose, ears or neck keeps its own role
    assert feature_roles(["nose", "headcentre", "tailbase"]) == {
        "nose": "nose", "head": "headcentre", "tailbase": "tailbase"
    }
    assert feature_roles(["headcentre", "neck", "tailbase"])["head"] == "headcentre"


def test_tracker_pose_and_nose_bodycentre_tailbase_give_the_same_features():
    rng = np.random.default_rng(3)
    n = 120
    tail = np.c_[300 + np.cumsum(rng.normal(0, 1, n)), 300 + np.cumsum(rng.normal(0, 1, n))]
    length = 50 * (1 - 0.25 * ((np.arange(n) // 30) % 2))  # the body shortens in every other 30-frame block
    angle = np.cumsum(rng.normal(0, 0.05, n))
    axis = np.c_[np.cos(angle), np.sin(angle)]
    pos = np.stack([tail + axis * length[:, None], tail + axis * length[:, None] * 0.5 + 2, tail], axis=1)
    conf = rng.uniform(0.6, 1.0, (n, 3))
    tracker = from_numpy(pos, conf, ["head", "body", "tail"], fps=FPS, source_file="m1_pose.csv")
    dlc = from_numpy(pos, conf, ["nose", "bodycentre", "tailbase"], fps=FPS, source_file="m1DLC.csv")
    a, b = pose_features(tracker), pose_features(dlc)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["roles"] == {"nose": "head", "body": "body", "tailbase": "tail"}
    # the rear point is the tail: body length is head-to-tail, its median the 50 px and 37.5 px blocks'
    assert a.attrs["median_body_length_px"] == pytest.approx(np.median(length), rel=1e-6)
    assert {"dist_nose_body", "dist_nose_tailbase", "speed_tailbase", "likelihood_nose"} <= set(a.columns)
    # a model trained on one pose accepts the other
    y = np.where((np.arange(n) // 30) % 2 == 1, "rearing", "other").astype(object)
    model, _ = train_pose_model([Recording("t", tracker, {"r": y})], windows_s=(0.2,), n_blocks=2)
    assert model.missing_body_parts(["nose", "bodycentre", "tailbase"]) == []
    np.testing.assert_allclose(model.predict_proba(dlc), model.predict_proba(tracker))
    assert model.missing_body_parts(["head", "body"]) == ["tail (tailbase)"]


def test_baseline_threshold_separates_short_bodies():
    ratio = np.r_[np.full(50, 1.0), np.full(30, 0.8), np.full(20, 1.05)]
    y = np.r_[["other"] * 50, ["rearing"] * 30, ["other"] * 20]
    thr = fit_length_threshold(ratio, y)
    assert 0.8 < thr <= 1.0
    assert (predict_length_threshold(ratio, thr) == y).all()


def test_block_folds_are_contiguous_with_a_gap():
    folds = block_folds([np.arange(100)], n_blocks=4, gap_frames=5)
    assert [f[1].tolist() for f in folds] == [list(range(a, a + 25)) for a in (0, 25, 50, 75)]
    train, test = folds[1]
    assert not set(train) & set(range(20, 55))  # 5 frames each side left out
    assert set(train) == set(range(0, 20)) | set(range(55, 100))
    # several recordings: leave one recording out
    folds = block_folds([np.arange(10), np.arange(10, 30)], n_blocks=4, gap_frames=5)
    assert [f[1].tolist() for f in folds] == [list(range(10)), list(range(10, 30))]


@pytest.fixture(scope="module")
def small_model():
    """A model trained on a synthetic track whose body shortens by 25 % in bouts."""
    return _small_model()


def _small_model():
    n = 300
    rng = np.random.default_rng(0)
    short = np.zeros(n, bool)
    for a in range(20, n, 60):
        short[a : a + 25] = True
    ds = _track(n=n, short_frames=np.flatnonzero(short), ratio=0.75, keypoints=("nose", "headcentre", "tailbase"))
    pos = ds["position"].values
    ds["position"].values = pos + rng.normal(0, 0.5, pos.shape)
    labels = {"r1": np.where(short, "rearing", "other").astype(object)}
    model, cv = train_pose_model([Recording("syn", ds, labels)], windows_s=(0.2, 0.5), n_blocks=2)
    return model, cv, ds


def test_model_round_trip_and_refusals(tmp_path, small_model):
    model, cv, ds = small_model
    f1 = cv[(cv["compared"] == "model") & (cv["reference"] == "r1") & (cv["class"] == "rearing")]["f1"]
    assert f1.iloc[0] > 0.9  # a 25 % shorter body is easy to see on held-out blocks
    path = out.save_pose_model(model, tmp_path / "m.joblib")
    loaded = out.load_pose_model(path)
    assert loaded.classes == ["rearing", "grooming", "other"]
    assert loaded.feature_names == model.feature_names
    proba = loaded.predict_proba(ds)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba[:, 1] == 0).all()  # grooming never seen in training
    np.testing.assert_array_equal(proba, model.predict_proba(ds))  # the safe file keeps the trees exactly
    assert loaded.windows_s == model.windows_s and loaded.roles == model.roles
    assert loaded.cv[0]["f1"] == model.cv[0]["f1"]
    # a pose file without the model's body parts
    lacking = _track(n=50, keypoints=("nose", "tailbase"))
    with pytest.raises(OpenfieldError) as exc:
        loaded.predict_proba(lacking)
    assert "synthetic.csv" in str(exc.value) and "headcentre (head)" in str(exc.value)
    # not a model: a text file, a pickle (refused before it is opened), a zip that is no skops file
    bad = tmp_path / "bad.joblib"
    bad.write_text("hello")
    with pytest.raises(OpenfieldError, match="not a safe model file.*convert-model"):
        out.load_pose_model(bad)
    import joblib

    joblib.dump({"a": 1}, tmp_path / "dict.joblib")
    with pytest.raises(OpenfieldError, match="a pickle"):
        out.load_pose_model(tmp_path / "dict.joblib")
    import zipfile

    with zipfile.ZipFile(tmp_path / "zip.joblib", "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(OpenfieldError, match="cannot read as a pose model file"):
        out.load_pose_model(tmp_path / "zip.joblib")


def test_predicted_behavior_joins_the_pose_on_its_dataset_and_log(small_model):
    model, _, ds = small_model
    ds = ds.assign_attrs(log=[{"step": "pose"}])
    out_ds = predict_behavior(ds, model, FPS, model_name="m.joblib")
    assert "position" in out_ds and out_ds["behavior"].sizes["time"] == ds.sizes["time"]
    attrs = out_ds["behavior"].attrs
    assert attrs["model"] == "m.joblib" and attrs["min_bout_s"] == model.min_bout_s
    assert [r["step"] for r in out_ds.attrs["log"]] == ["pose", "behavior"]
    assert out_ds.attrs["log"][-1]["parameters"] == {"model": "m.joblib", "min_bout_s": model.min_bout_s,
                                                       "classes": ["rearing", "grooming", "other"]}
    # what the Dataset carries is the timeline made from the model's probabilities directly
    direct = tl.behavior_timeline(model.predict_proba(ds), model.classes, FPS, model.min_bout_s)
    pd.testing.assert_frame_equal(tl.timeline_from_dataset(out_ds).per_frame(), direct.per_frame())


def test_model_with_arena_needs_an_arena(small_model):
    model, _, ds = small_model
    with_arena = PoseBehaviorModel(**{**model.__dict__, "uses_arena": True})
    with pytest.raises(OpenfieldError, match="arena is unknown"):
        with_arena.features(ds, None)


def test_arena_from_a_calibration_file_object():
    from openfield.calibration import Calibration

    corners = np.array([[100.0, 100.0], [500.0, 100.0], [500.0, 500.0], [100.0, 500.0]])
    cal = Calibration(
        method="arena",
        px_per_cm=10.0,
        homography=homography_from_corners(corners, (40, 40)),
        arena_corners_px=corners,
        arena_size_cm=(40.0, 40.0),
    )
    ds = _track(n=30)  # no tracked corners: the calibration gives the arena
    assert feature_arena(ds) is None
    geo = feature_arena(ds, calibration=cal)
    np.testing.assert_allclose(pose_features(ds, geo)["nose_wall_cm"], 15.0, atol=1e-6)
    # a calibration without an arena (mouse or points method) gives none
    assert feature_arena(ds, calibration=Calibration(method="points", px_per_cm=10.0)) is None


def test_body_width_and_aspect_known_values():
    n = 40
    # tail base at (300, 300), nose 50 px to the right; body sides 10 px above and below the centre
    pts = {"nose": (350, 300), "bodycentre": (325, 300), "bcl": (325, 290), "bcr": (325, 310), "tailbase": (300, 300)}
    pos = np.broadcast_to(np.array(list(pts.values()), float), (n, 5, 2)).copy()
    short = np.arange(30, 40)
    pos[short, 0, 0] = 340  # nose 10 px back: length 40 px = 0.8 of the median
    feats = pose_features(from_numpy(pos, None, list(pts), fps=FPS))
    np.testing.assert_allclose(feats["body_width"], 20 / 50, rtol=1e-6)
    np.testing.assert_allclose(feats["body_aspect"].to_numpy()[short], 0.4 / 0.8, rtol=1e-6)
    np.testing.assert_allclose(feats["body_aspect"].to_numpy()[:30], 0.4, rtol=1e-6)


def _rearing_track(fps, seconds=16.0, seed=0):
    """Bouts of 1 s with the body 25 % shorter every 3 s, with tracking noise; returns pose and labels."""
    n = int(seconds * fps)
    t = np.arange(n) / fps
    short = (t % 3.0) >= 2.0
    ds = _track(
        n=n, fps=fps, short_frames=np.flatnonzero(short), ratio=0.75, keypoints=("nose", "headcentre", "tailbase")
    )
    pos = ds["position"].values
    ds["position"].values = pos + np.random.default_rng(seed).normal(0, 0.5, pos.shape)
    return ds, np.where(short, "rearing", "other").astype(object)


def test_several_recordings_leave_one_out_and_other_fps():
    recs = [
        Recording(f"r{i}", *_rearing_track(FPS, seed=i)[:1], {"a": _rearing_track(FPS, seed=i)[1]}) for i in range(2)
    ]
    model, cv = train_pose_model(recs, windows_s=(0.2, 0.5))
    assert (cv["cv"] == "recordings").all()
    f1 = cv[(cv["compared"] == "model") & (cv["reference"] == "a") & (cv["class"] == "rearing")]["f1"].iloc[0]
    assert f1 > 0.9
    assert model.fps_trained == [FPS, FPS]
    # windows are in seconds: the same behaviour filmed at 50 fps is recognised by the 25-fps model
    ds50, y50 = _rearing_track(50.0, seed=5)
    labels = tl.labels_from_probabilities(model.predict_proba(ds50), model.classes, 50.0, 0.2)
    table = evaluate_frames(labels, {"truth": y50}, model.classes)
    assert table[(table["class"] == "rearing")]["f1"].iloc[0] > 0.9


def test_a_fold_with_one_class_is_a_clear_error():
    ds, _ = _rearing_track(FPS)
    n = ds.sizes["time"]
    y = np.full(n, "other", dtype=object)
    y[: n // 4] = "rearing"  # all rearing in the first block: that fold trains on "other" only
    with pytest.raises(OpenfieldError, match="fold 1 of 4 has training frames of one class only"):
        train_pose_model([Recording("r", ds, {"a": y})], windows_s=(0.5,), n_blocks=4)
