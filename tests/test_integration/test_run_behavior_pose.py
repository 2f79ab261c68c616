"""``openfield run --behavior-model MODEL.joblib``: the pose classifier fed the run's own pose.

The model is trained here, in a second, on a synthetic labelled head/body/tail
pose (the body shortens while "rearing"); the run tracks a synthetic video and
classifies every frame from the tracker's pose. Totals must equal those counted
from the per-frame table; a model needing body parts the pose lacks is refused
before any video.
"""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.behavior import outputs
from openfield.behavior import pose as bp
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy
from openfield.pipeline import RunConfig
from openfield.report import embedded_images

FPS = 20.0
ARENA = ("--arena-size-cm", "40", "40")


def labelled_pose(keypoints: tuple[str, ...], n: int = 480, seed: int = 0) -> tuple:
    """A random walk whose body shortens to 55 % in "rearing" bouts; ``(dataset, per-frame labels)``.

    The first keypoint is the front, the second the body centre, the third the
    tail base; any further ones sit beside the head (ears).
    """
    rng = np.random.default_rng(seed)
    labels = np.full(n, "other", dtype=object)
    for start in range(40, n - 40, 120):
        labels[start:start + 30] = "rearing"
    centre = 200 + np.cumsum(rng.normal(0, 1.0, (n, 2)), axis=0)
    heading = np.cumsum(rng.normal(0, 0.05, n))
    length = np.where(labels == "rearing", 0.55, 1.0) * 40 + rng.normal(0, 1.0, n)
    u = np.stack([np.cos(heading), np.sin(heading)], axis=1)
    perp = np.stack([-u[:, 1], u[:, 0]], axis=1)
    pts = [centre + u * length[:, None] / 2, centre, centre - u * length[:, None] / 2]
    for side in (1, -1)[: len(keypoints) - 3]:
        pts.append(centre + u * length[:, None] / 3 + side * perp * 5)
    ds = from_numpy(np.stack(pts, axis=1), None, list(keypoints), fps=FPS)
    return ds, labels


def train_model(path, keypoints=("head", "body", "tail")):
    """A pose classifier trained on :func:`labelled_pose`, saved as ``path``."""
    ds, labels = labelled_pose(keypoints)
    model, _ = bp.train_pose_model([bp.Recording("synthetic", ds, {"r1": labels})], n_blocks=2,
                                   windows_s=(0.5,))
    return outputs.save_pose_model(model, path)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("video")
    return synthetic.render_video(folder, "mouse", fps=FPS, duration_s=5, image_size=(400, 300), seed=3).video


def test_run_with_a_pose_classifier(video, tmp_path):
    """Run once (tracking), train on the run's own tracker pose ("rearing" = the fastest third of the
    frames, which the features can see), run again with the model: only behaviour and summary run."""
    from openfield.io.pose import read_dlc

    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), *ARENA]) == 0
    ds = read_dlc(out / "mouse_pose.csv", fps=FPS)
    body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    speed = np.linalg.norm(np.gradient(body, axis=0), axis=1)
    labels = np.where(speed > np.nanquantile(speed, 2 / 3), "rearing", "other").astype(object)
    trained, _ = bp.train_pose_model([bp.Recording("run", ds, {"r1": labels})], n_blocks=2, windows_s=(0.2,),
                                     min_bout_s=0.1)
    model = outputs.save_pose_model(trained, tmp_path / "rearing.joblib")
    pose_stamp = (out / "mouse_pose.csv").stat().st_mtime_ns
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model), "--labeled-video"]) == 0
    assert (out / "mouse_pose.csv").stat().st_mtime_ns == pose_stamp  # the pose is the run's, not redone
    cap = cv2.VideoCapture(str(out / "mouse_labeled.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == ds.sizes["time"]
    cap.release()
    frames = pd.read_csv(out / "mouse_behavior.csv")
    assert len(frames) == ds.sizes["time"]  # every frame of the video labelled
    assert frames["label"].isin(["rearing", "grooming", "other"]).all()
    assert {"p_rearing", "p_grooming", "p_other"} <= set(frames.columns)  # grooming stays a class
    assert 0.2 < (frames["label"] == "rearing").mean() < 0.5  # the model found the fast frames
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    bouts = pd.read_csv(out / "mouse_bouts.csv")
    for b in ("rearing", "grooming"):
        is_b = frames["label"].eq(b)
        assert row[f"time_{b}_s"] == pytest.approx(is_b.sum() / FPS, abs=1e-9)
        assert row[f"bouts_{b}"] == (is_b & ~is_b.shift(fill_value=False)).sum() == (bouts["behavior"] == b).sum()
        if is_b.any():
            assert row[f"latency_{b}_s"] == pytest.approx(frames["time_s"][is_b].iloc[0], abs=1e-9)
        else:
            assert np.isnan(row[f"latency_{b}_s"])
    assert row["bouts_rearing"] > 1
    assert (out / "mouse_ethogram.png").exists()
    html = (out / "report.html").read_text()
    assert 'alt="ethogram"' in html
    assert len(embedded_images(html)) == 1 + 5  # comparison; trajectory, heat map, speed, per-bout plot, ethogram
    # a re-run skips every step; a new model file redoes behaviour only
    stamp = (out / "mouse_behavior.csv").stat().st_mtime_ns
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model)]) == 0
    assert (out / "mouse_behavior.csv").stat().st_mtime_ns == stamp
    outputs.save_pose_model(trained, model)
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model)]) == 0
    assert (out / "mouse_behavior.csv").stat().st_mtime_ns != stamp
    assert (out / "mouse_pose.csv").stat().st_mtime_ns == pose_stamp


def test_pose_classifier_of_the_tracker_points_learns_the_synthetic_rearing(tmp_path):
    """The tiny model is a real classifier: on a new synthetic pose it finds the shortened-body frames."""
    model = outputs.load_pose_model(train_model(tmp_path / "m.joblib"))
    ds, labels = labelled_pose(("head", "body", "tail"), n=400, seed=7)
    proba = model.predict_proba(ds)
    pred = np.asarray(model.classes)[proba.argmax(axis=1)]
    assert (pred == labels).mean() > 0.9


def test_model_needing_missing_body_parts_refused_up_front(video, tmp_path, capsys):
    model = train_model(tmp_path / "ears.joblib", keypoints=("nose", "bodycentre", "tailbase", "earL", "earR"))
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "needs body parts the run's pose lacks: earL (ear_left), earR (ear_right)" in err[0]
    assert "ears.joblib" in err[0]
    assert not out.exists()  # refused before any video
    # a DeepLabCut run is checked against its config's body parts
    cfg = tmp_path / "config.yaml"
    cfg.write_text("Task: t\nscorer: s\ndate: d\nTrainingFraction: [0.95]\n"
                   "bodyparts: [nose, bodycentre, tailbase, earL]\n")
    with pytest.raises(OpenfieldError, match=r"lacks: earR \(ear_right\) \(the pose has nose, bodycentre"):
        RunConfig(arena_size_cm=(40.0, 40.0), pose="dlc", dlc_config=cfg, behavior_model=model)
    cfg.write_text(cfg.read_text().replace("earL]", "earL, earR]"))
    assert RunConfig(arena_size_cm=(40.0, 40.0), pose="dlc", dlc_config=cfg, behavior_model=model)
    for bad, message in ((tmp_path / "nope.joblib", "behaviour model not found"),
                         (cfg, "not a behaviour model: expected a .joblib")):
        with pytest.raises(OpenfieldError, match=message):
            RunConfig(arena_size_cm=(40.0, 40.0), behavior_model=bad)


def test_pose_predict_writes_the_labeled_video(video, tmp_path):
    from openfield.io.pose import write_dlc_csv
    from openfield.io.video import video_info

    n = video_info(video).n_frames
    model = train_model(tmp_path / "m.joblib")
    ds, _ = labelled_pose(("head", "body", "tail"), n=n, seed=2)
    write_dlc_csv(ds, tmp_path / "mouse.csv")
    out = tmp_path / "out"
    assert main(["behavior", "pose-predict", str(tmp_path / "mouse.csv"), "--model", str(model), "--fps", "20",
                 "-o", str(out), "--labeled-video", str(video)]) == 0
    cap = cv2.VideoCapture(str(out / "mouse_labeled.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == n
    cap.release()
    assert main(["behavior", "pose-predict", str(tmp_path / "mouse.csv"), "--model", str(model), "--fps", "20",
                 "-o", str(out), "--labeled-video", str(video), str(video)]) == 2
