"""``openfield run --behavior-model MODEL.joblib``: the pose classifier fed the run's own pose.

The model is trained here, in a second, on a synthetic labelled head/body/tail
pose (the body shortens while "rearing"); the run tracks a synthetic video and
classifies every frame from the tracker's pose. Totals must equal those counted
from the per-frame table; a model needing body parts the pose lacks is refused
before any video.

The tracker's silhouette: a rendered mouse that rears (:func:`render_rearing_video`:
its outline squashed along its axis to 60 %, width kept: shorter and rounder, as
seen from above) is measured so by the tracker, and a model trained through
``pose-train`` on one such video (with its ``<stem>_silhouette.csv``) finds the
rears inside ``openfield run`` on another, filmed at another resolution.
"""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.behavior import outputs
from openfield.behavior.feature_arena import feature_arena
from openfield.behavior.roles import to_tracker_points
from openfield.behavior.training import Recording, train_pose_model
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy
from openfield.pipeline import RunConfig
from openfield.pipeline.steps import read_processing_log
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
    model, _ = train_pose_model([Recording("synthetic", ds, {"r1": labels})], n_blocks=2,
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
    trained, _ = train_pose_model([Recording("run", ds, {"r1": labels})], n_blocks=2, windows_s=(0.2,),
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
    log = read_processing_log(out, "mouse")["log"]  # the processing log ends with the behaviour, its model named
    assert [r["step"] for r in log] == ["pose", "cleaning", "smoothing", "zones", "kinematics", "behavior"]
    assert log[-1]["parameters"]["kind"] == "pose" and log[-1]["parameters"]["model"].endswith("rearing.joblib")
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
    # a trial window (1 s from the start, 3 s long): the behaviour's frames, totals and latencies are the window's
    whole = frames
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model),
                 "--start", "1", "--duration", "3"]) == 0
    window = pd.read_csv(out / "mouse_behavior.csv")
    first, stop = int(round(1 * FPS)), int(round(4 * FPS))
    assert window["frame"].tolist() == list(range(first, stop))
    assert window["label"].tolist() == whole["label"].iloc[first:stop].tolist()  # the same labels, cut
    assert window["time_s"].iloc[0] == 0.0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row["trial_start_s"] == pytest.approx(1.0) and row["duration_s"] == pytest.approx(3.0)
    is_r = window["label"].eq("rearing")
    assert row["time_rearing_s"] == pytest.approx(is_r.sum() / FPS, abs=1e-9)
    if is_r.any():
        assert row["latency_rearing_s"] == pytest.approx(window["time_s"][is_r].iloc[0], abs=1e-9)


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


# --------------------------------------------------------------------------- the tracker's silhouette

SQUASH = 0.6  # a rearing mouse seen from above: 60 % of its length, its width kept
REAR_FPS = 15.0
REAR_ARENA = (40.0, 40.0)


def rear_frames(n: int, seed: int) -> np.ndarray:
    """Rears of 1.3-2.7 s, one every 4-7 s."""
    rng = np.random.default_rng(seed)
    rear = np.zeros(n, bool)
    i = int(2 * REAR_FPS)
    while i < n - 3 * REAR_FPS:
        d = int(rng.uniform(1.3, 2.7) * REAR_FPS)
        rear[i:i + d] = True
        i += d + int(rng.uniform(2.7, 4.3) * REAR_FPS)
    return rear


def render_rearing_video(path, rear: np.ndarray, image_size: tuple[int, int], seed: int):
    """A rendered mouse (:func:`openfield.synthetic.render_frame`) on a known path that stops and rears in ``rear``.

    While it rears the path waits (the animal stands), and its outline is drawn through the camera
    homography composed with a squash of the arena plane along the animal's axis, about its body centre,
    to :data:`SQUASH`: the rearing mouse is shorter by that factor and as wide, as seen from above.
    """
    n = len(rear)
    traj = synthetic.make_trajectory(fps=REAR_FPS, duration_s=n / REAR_FPS + 1, arena_size_cm=REAR_ARENA,
                                     seed=seed, margin_cm=7.0)
    k = np.minimum(np.cumsum(~rear) - 1, len(traj) - 1).clip(0)  # the path waits while the mouse rears
    xy, heading = traj[["x_cm", "y_cm"]].to_numpy(float)[k], traj["heading_rad"].to_numpy(float)[k]
    hom = synthetic.camera_homography(REAR_ARENA, image_size, margin_px=0.08 * min(image_size))
    floor, _ = synthetic.render_frame(tuple(xy[0]), 0.0, REAR_ARENA, hom, image_size, draw_mouse=False)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), REAR_FPS, image_size)
    for i in range(n):
        pos, head = tuple(xy[i]), float(heading[i])
        if not rear[i]:
            frame, _ = synthetic.render_frame(pos, head, REAR_ARENA, hom, image_size)
        else:
            u = np.array([np.cos(head), np.sin(head)])
            m = np.eye(2) + (SQUASH - 1) * np.outer(u, u)
            squash = np.eye(3)
            squash[:2, :2], squash[:2, 2] = m, xy[i] - m @ xy[i]
            h2 = hom @ squash
            mouse, _ = synthetic.render_frame(pos, head, REAR_ARENA, h2, image_size)
            empty, _ = synthetic.render_frame(pos, head, REAR_ARENA, h2, image_size, draw_mouse=False)
            drawn = (mouse != empty).any(axis=2)
            frame = floor.copy()
            frame[drawn] = mouse[drawn]
        writer.write(frame)
    writer.release()
    return path


def rearing_labels(rear: np.ndarray, path):
    """The rears as an interval CSV (``start_s, end_s, behavior``)."""
    edges = np.flatnonzero(np.diff(np.r_[0, rear.astype(int), 0]))
    rows = [f"{a / REAR_FPS:.4f},{b / REAR_FPS:.4f},rearing" for a, b in zip(edges[::2], edges[1::2], strict=True)]
    path.write_text("start_s,end_s,behavior\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def rearing_runs(tmp_path_factory):
    """Two rendered rearing videos (480x360 and 640x480: 7.6 and 10.1 px/cm) run through ``openfield run``."""
    root = tmp_path_factory.mktemp("rearing")
    runs = {}
    for name, size, seed in (("low", (480, 360), 1), ("high", (640, 480), 2)):
        rear = rear_frames(int(40 * REAR_FPS), seed)
        video = render_rearing_video(root / f"{name}.mp4", rear, size, seed)
        out = root / f"out_{name}"
        assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots"]) == 0
        runs[name] = (video, out, rear)
    return root, runs


def test_tracker_measures_the_rendered_rear_shorter_and_rounder(rearing_runs):
    """Known answer: rearing frames 60 % as long as the others, as wide, so 1/0.6 as round; written beside the pose."""
    from openfield.behavior.silhouette import MEASURES
    from openfield.io.silhouette import read_silhouette

    _, runs = rearing_runs
    for video, out, rear in runs.values():
        table = read_silhouette(out / f"{video.stem}_silhouette.csv", MEASURES, len(rear))
        length, width = (table.sel(silhouette_measure=m).values for m in ("length_px", "width_px"))
        inner = rear & np.r_[False, rear[:-1]] & np.r_[rear[1:], False]  # not the first or last frame of a rear
        still = ~rear & ~np.r_[False, rear[:-1]] & ~np.r_[rear[1:], False]
        assert np.isfinite(length).all()
        assert np.median(length[inner]) / np.median(length[still]) == pytest.approx(SQUASH, abs=0.06)
        assert np.median(width[inner]) / np.median(width[still]) == pytest.approx(1.0, abs=0.1)
        aspect = width / length
        assert np.median(aspect[inner]) / np.median(aspect[still]) == pytest.approx(1 / SQUASH, rel=0.15)


def test_run_feeds_the_silhouette_to_a_model_trained_at_another_resolution(rearing_runs, tmp_path, capsys):
    """pose-train on the 480x360 video's run outputs (silhouette found beside the pose), then ``openfield run``
    on the 640x480 video: every frame labelled, totals from the per-frame table, the rears found, and the
    probabilities those of the pose with its silhouette table (not without it)."""
    from openfield.behavior.silhouette import MEASURES, add_silhouette
    from openfield.io.calibration import read_calibration
    from openfield.io.pose import read_dlc
    from openfield.io.silhouette import read_silhouette

    _, runs = rearing_runs
    video, out, rear = runs["low"]
    model_path = tmp_path / "rearing.joblib"
    assert main(["behavior", "pose-train", str(out / "low_pose.csv"), "--labels",
                 str(rearing_labels(rear, tmp_path / "labels.csv")), "--fps", str(REAR_FPS), "--calibration",
                 str(out / "low_calibration.json"), "--extended-features", "--cv-blocks", "2", "--min-bout-s", "0.4",
                 "-o", str(model_path)]) == 0
    model = outputs.load_pose_model(model_path)
    assert model.uses_silhouette and {"silhouette_length_cm", "silhouette_aspect"} <= set(model.feature_names)

    video, out, rear = runs["high"]
    assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots",
                 "--behavior-model", str(model_path)]) == 0
    frames = pd.read_csv(out / "high_behavior.csv")
    assert len(frames) == len(rear) and frames["label"].notna().all()  # every frame labelled
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    is_rear = frames["label"].eq("rearing").to_numpy()
    assert row["time_rearing_s"] == pytest.approx(is_rear.sum() / REAR_FPS, abs=1e-9)
    assert row["bouts_rearing"] == (is_rear & ~np.r_[False, is_rear[:-1]]).sum()
    assert row["time_grooming_s"] == 0
    tp = (is_rear & rear).sum()
    assert 2 * tp / (is_rear.sum() + rear.sum()) > 0.85  # F1 against the rendered rears, on an unseen video
    # what the run fed the classifier: the pose with its silhouette table
    cal = read_calibration(out / "high_calibration.json")
    ds = read_dlc(out / "high_pose.csv", fps=REAR_FPS)
    ds = add_silhouette(ds, read_silhouette(out / "high_silhouette.csv", MEASURES, ds.sizes["time"]))
    proba = model.predict_proba(ds, feature_arena(ds, cal))
    np.testing.assert_allclose(frames[["p_rearing", "p_grooming", "p_other"]].to_numpy(), proba, atol=1e-4)
    flat = ds.copy()
    flat["silhouette"] = ds["silhouette"] * 0 + ds["silhouette"].median("time")
    assert np.abs(model.predict_proba(flat, feature_arena(ds, cal)) - proba).max() > 0.1
    # no silhouette table: the behaviour step stops with one line naming it
    (out / "high_silhouette.csv").unlink()
    assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots",
                 "--behavior-model", str(model_path)]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert len(err) == 1 and "high_silhouette.csv" in err[0] and "--overwrite" in err[0], err
    # a DeepLabCut pose has no silhouette: refused before any video
    cfg = tmp_path / "config.yaml"
    cfg.write_text("Task: t\nscorer: s\ndate: d\nTrainingFraction: [0.95]\nbodyparts: [head, body, tail]\n")
    with pytest.raises(OpenfieldError, match="trained with the classical tracker's silhouette, which a DeepLabCut"):
        RunConfig(arena_size_cm=(40.0, 40.0), pose="dlc", dlc_config=cfg, behavior_model=model_path)
    # pose-predict: the table beside the pose is found; without it, one line
    pred = tmp_path / "pred"
    assert main(["behavior", "pose-predict", str(runs["low"][1] / "low_pose.csv"), "--model", str(model_path),
                 "--fps", str(REAR_FPS), "--calibration", str(runs["low"][1] / "low_calibration.json"),
                 "-o", str(pred)]) == 0
    assert len(pd.read_csv(pred / "low_pose_behavior.csv")) == len(runs["low"][2])
    assert main(["behavior", "pose-predict", str(out / "high_pose.csv"), "--model", str(model_path),
                 "--fps", str(REAR_FPS), "--calibration", str(out / "high_calibration.json"), "-o", str(pred)]) == 2
    assert "no silhouette table for" in capsys.readouterr().err


# --------------------------------------------------------------------------- the DeepLabCut example video


@pytest.mark.real_data
@pytest.mark.slow
def test_dlc_example_video_end_to_end(sample_data, tmp_path):
    """``openfield run`` on the 78-s DeepLabCut example video (classical tracker) with a three-point model
    trained on OFT_38 reduced to head/body/tail: every frame labelled, totals from the per-frame table, ethogram
    and behaviour rows in the report. Mechanics only: no human labels exist for this video, and by eye its
    predicted rears are mostly a still mouse at a wall (docs/validation.md)."""
    from openfield.behavior import labels as lb
    from openfield.behavior import timeline as tl
    from openfield.io.pose import read_dlc

    folder = sample_data / "oft_pose_rearing"
    ds = to_tracker_points(read_dlc(folder / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=25.0))
    per_rater = tl.intervals_to_frames(lb.read_interval_labels(folder / "OFT_38_labels.csv"), ds.sizes["time"], 25.0,
                                       beyond_end="crop")
    arena = feature_arena(ds, arena_size_cm=(42.0, 42.0))
    model, _ = train_pose_model([Recording("OFT_38", ds, per_rater, arena)], n_blocks=2, min_bout_s=0.4,
                                extended=True)
    assert model.uses_arena and not model.uses_silhouette
    model_path = outputs.save_pose_model(model, tmp_path / "three_points.joblib")
    video = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "48", "32", "--behavior-model",
                 str(model_path)]) == 0
    frames = pd.read_csv(out / "m3v1mp4_behavior.csv")
    assert len(frames) == 2330 and frames["frame"].tolist() == list(range(2330))  # every frame of the video
    assert frames["label"].isin(["rearing", "grooming", "other"]).all()
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    bouts = pd.read_csv(out / "m3v1mp4_bouts.csv")
    fps = 2330 / row["duration_s"]
    for b in ("rearing", "grooming"):
        is_b = frames["label"].eq(b)
        assert row[f"time_{b}_s"] == pytest.approx(is_b.sum() / fps, abs=1e-6)
        assert row[f"bouts_{b}"] == (is_b & ~is_b.shift(fill_value=False)).sum() == (bouts["behavior"] == b).sum()
    assert row["bouts_rearing"] > 0
    assert (out / "m3v1mp4_ethogram.png").stat().st_size > 0
    html = (out / "report.html").read_text()
    assert 'alt="ethogram"' in html and "Time rearing" in html and "Rearing bouts" in html


# --------------------------------------------------------------------------- the lab's own classes (issue 26)

#: Three classes of a lab's own, as its raters name them -> the class names given with --label-map.
LAB_CLASSES = {"Hunch": "hunched", "Stretch": "stretched", "Dart": "darting"}


def lab_labelled_pose(n: int = 600, seed: int = 0) -> tuple:
    """A head/body/tail walk with three behaviours a body-length model can see; ``(dataset, interval rows)``.

    ``Hunch``: body 55 % long; ``Stretch``: 145 % long; ``Dart``: the animal moves 6x faster. Each
    in 1.5-s bouts, in turn, with 3 s of ``other`` between.
    """
    rng = np.random.default_rng(seed)
    labels = np.full(n, "other", dtype=object)
    rows = []
    names = list(LAB_CLASSES)
    for i, start in enumerate(range(40, n - 40, 90)):
        name = names[i % 3]
        labels[start:start + 30] = name
        rows.append({"start_s": start / FPS, "end_s": (start + 30) / FPS, "behavior": name})
    step = rng.normal(0, 0.6, (n, 2)) * np.where(labels == "Dart", 6.0, 1.0)[:, None]
    centre = 200 + np.cumsum(step, axis=0)
    heading = np.cumsum(rng.normal(0, 0.05, n))
    scale = np.select([labels == "Hunch", labels == "Stretch"], [0.55, 1.45], 1.0)
    length = scale * 40 + rng.normal(0, 1.0, n)
    u = np.stack([np.cos(heading), np.sin(heading)], axis=1)
    pts = [centre + u * length[:, None] / 2, centre, centre - u * length[:, None] / 2]
    ds = from_numpy(np.stack(pts, axis=1), None, ["head", "body", "tail"], fps=FPS)
    return ds, pd.DataFrame(rows)


def test_three_lab_classes_train_predict_and_reach_summary_study_and_report(tmp_path):
    """``pose-train --label-map`` to three classes of the lab's own; ``run --behavior-model --design``:
    per-frame table, bouts, summary_all, the study's tables and the report follow the model's classes."""
    from openfield.io.pose import write_dlc_csv

    ds, rows = lab_labelled_pose()
    pose, labels = tmp_path / "train_pose.csv", tmp_path / "train_labels.csv"
    write_dlc_csv(ds, pose)
    rows.to_csv(labels, index=False)
    model = tmp_path / "lab.joblib"
    maps = [a for name, cls in LAB_CLASSES.items() for a in ("--label-map", f"{name}={cls}")]
    assert main(["behavior", "pose-train", str(pose), "--labels", str(labels), "--fps", str(FPS), "-o", str(model),
                 "--cv-blocks", "2", "--min-bout-s", "0.2", *maps]) == 0
    trained = outputs.load_pose_model(model)
    assert trained.classes == ["hunched", "stretched", "darting", "other"]  # the file carries its classes
    cv = pd.read_csv(tmp_path / "lab_cv.csv")
    held_out = cv[(cv["compared"] == "model") & (cv["reference"] == "majority")
            & cv["class"].isin(LAB_CLASSES.values())]
    assert len(held_out) == 3 and (held_out["f1"] > 0.7).all()  # each class learnt, on held-out time blocks
    assert "baseline" not in set(cv["compared"])  # the body-length baseline calls rearing: no such class here
    confusion = pd.read_csv(tmp_path / "lab_cv_confusion.csv", index_col="majority")  # held-out frames
    assert list(confusion.index) == list(confusion.columns) == trained.classes
    assert confusion.to_numpy().sum() == 600
    for _, row in held_out.iterrows():  # the same held-out calls as the F1 table's
        c = row["class"]
        assert row["recall"] == pytest.approx(confusion.at[c, c] / confusion.loc[c].sum())
        assert row["precision"] == pytest.approx(confusion.at[c, c] / confusion[c].sum())

    videos = tmp_path / "videos"
    for i in range(4):
        synthetic.render_video(videos, f"m{i}", fps=FPS, duration_s=2, image_size=(200, 150), seed=10 + i)
    design = tmp_path / "design.csv"
    design.write_text("video,group\nm0.mp4,a\nm1.mp4,a\nm2.mp4,b\nm3.mp4,b\n")
    out = tmp_path / "out"
    assert main(["run", str(videos), "-o", str(out), *ARENA, "--behavior-model", str(model),
                 "--design", str(design), "--no-plots", "--labeled-video"]) == 0
    summary = pd.read_csv(out / "summary_all.csv")
    assert not any("rearing" in c or "grooming" in c for c in summary.columns)
    for name in ("m0", "m3"):
        frames = pd.read_csv(out / f"{name}_behavior.csv")
        assert {f"p_{c}" for c in trained.classes} <= set(frames.columns)
        cap = cv2.VideoCapture(str(out / f"{name}_labeled.mp4"))  # the labelled video, captioned with these labels
        assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == len(frames)
        cap.release()
        row = summary[summary["video"] == f"{name}.mp4"].iloc[0]
        for b in LAB_CLASSES.values():
            is_b = frames["label"].eq(b)
            assert row[f"time_{b}_s"] == pytest.approx(is_b.sum() / FPS, abs=1e-9)
            assert row[f"bouts_{b}"] == (is_b & ~is_b.shift(fill_value=False)).sum()
            assert np.isnan(row[f"latency_{b}_s"]) == (not is_b.any())
    study = pd.read_csv(out / "study" / "videos.csv")
    stats = pd.read_csv(out / "study" / "stats.csv")
    for b in LAB_CLASSES.values():
        assert f"time_{b}_s" in study.columns and f"bouts_{b}" in study.columns
        assert f"time_{b}_s" in set(stats["measure"])
        np.testing.assert_allclose(study.sort_values("video")[f"time_{b}_s"],
                                   summary.sort_values("video")[f"time_{b}_s"])
    html = (out / "report.html").read_text()
    assert "Time hunched" in html and "Darting bouts" in html and "Latency to stretched" in html
