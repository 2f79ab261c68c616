"""Whole pipeline on the real recording: pose-train on its first 60 s, pose-predict and evaluate the rest.

The shared recording (``oft_pose_rearing``: 80 s of DeepLabCut pose at 25 fps, three
raters) is cut into a training part and a held-out block; the model, trained
through the command line, must beat the body-length baseline on the held-out
block against every rater.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield import cli
from openfield.behavior import outputs
from openfield.behavior import timeline as tl
from openfield.behavior.feature_arena import feature_arena
from openfield.behavior.features import pose_features
from openfield.behavior.labels import read_interval_labels
from openfield.behavior.length_baseline import predict_length_threshold
from openfield.behavior.metrics import evaluate_frames
from openfield.behavior.training import Recording, train_pose_model
from openfield.io.pose import read_dlc, write_dlc_csv

FPS = 25.0
SPLIT_S = 60.0
POSE = "OFT_38DLC_resnet50_OFT_1030000.csv"
LABELS = "OFT_38_labels.csv"


def run_cli(monkeypatch, *argv):
    """Run ``openfield`` through its real entry point (all registered commands)."""
    return cli.main([str(a) for a in argv])


@pytest.mark.real_data
@pytest.mark.slow
def test_train_predict_evaluate_beats_baseline_on_heldout_block(sample_data, tmp_path, monkeypatch):
    """Train on the first 60 s, predict the whole recording, score the held-out 60-80 s block.

    The held-out frames are never seen in training; there the classifier must
    beat the body-length baseline (its threshold fitted on the same training
    frames) against every rater. Its cross-validation on the training part
    (5 time blocks) must beat the baseline too.
    """
    folder = sample_data / "oft_pose_rearing"
    ds = read_dlc(folder / POSE, fps=FPS)
    held = slice(int(SPLIT_S * FPS), None)
    write_dlc_csv(ds.isel(time=slice(0, int(SPLIT_S * FPS))), tmp_path / "train.csv")
    model_path = tmp_path / "model.joblib"
    arena = ["--arena-size-cm", 42, 42]
    rc = run_cli(
        monkeypatch,
        "behavior",
        "pose-train",
        tmp_path / "train.csv",
        "--labels",
        folder / LABELS,
        "--fps",
        FPS,
        "-o",
        model_path,
        "--crop-labels",
        *arena,
        "--cv-blocks",
        5,
    )
    assert rc == 0
    cv = pd.read_csv(tmp_path / "model_cv.csv")
    assert (tmp_path / "model_cv.png").exists()
    rear = cv[cv["class"] == "rearing"]
    assert (rear["n_frames"] == 1500).all()  # every training frame held out once
    cv_model = rear[rear["compared"] == "model"].set_index("reference")["f1"]
    cv_base = rear[rear["compared"] == "baseline"].set_index("reference")["f1"]
    assert (rear["kind"] == "rater-vs-rater").sum() == 3
    for rater in ("Furkan", "Jin", "Oliver", "majority"):
        assert cv_model[rater] > cv_base[rater] + 0.05, (rater, cv_model[rater], cv_base[rater])

    out = tmp_path / "out"
    rc = run_cli(
        monkeypatch,
        "behavior",
        "pose-predict",
        folder / POSE,
        "--model",
        model_path,
        "--fps",
        FPS,
        "-o",
        out,
        *arena,
    )
    assert rc == 0
    stem = POSE.removesuffix(".csv")
    pred_csv = out / f"{stem}_behavior.csv"
    for name in (
        f"{stem}_bouts.csv",
        f"{stem}_behavior_summary.csv",
        f"{stem}_ethogram.png",
        "behavior_summary.csv",
    ):
        assert (out / name).exists()
    pred = pd.read_csv(pred_csv)
    assert list(pred.columns) == ["frame", "time_s", "label", "p_rearing", "p_grooming", "p_other"]
    assert len(pred) == 1998
    bouts = pd.read_csv(out / f"{stem}_bouts.csv")
    summary = pd.read_csv(out / f"{stem}_behavior_summary.csv").iloc[0]
    assert summary["file"] == POSE  # the key of the kinematics summary
    rearing = bouts[bouts["behavior"] == "rearing"]
    assert summary["time_rearing_s"] == pytest.approx(rearing["duration_s"].sum())
    assert summary["time_rearing_s"] == pytest.approx((pred["label"] == "rearing").sum() / FPS)
    assert summary["bouts_rearing"] == len(rearing)
    assert summary["latency_rearing_s"] == pytest.approx(rearing["start_s"].min())

    rc = run_cli(
        monkeypatch,
        "behavior",
        "evaluate",
        "--pred",
        pred_csv,
        "--labels",
        folder / LABELS,
        "--crop-labels",
        "--start-s",
        SPLIT_S,
        "-o",
        out / "eval",
    )
    assert rc == 0
    table = pd.read_csv(out / "eval.csv")
    assert (table["n_frames"] == 498).all()  # frames 1500-1997 only
    pr = table[(table["class"] == "rearing") & (table["kind"] == "prediction")]
    model_f1 = dict(zip(pr["reference"], pr["f1"], strict=True))
    assert ((table["kind"] == "rater-vs-rater") & (table["class"] == "rearing")).sum() == 3

    # the baseline on the same held-out frames
    model = outputs.load_pose_model(model_path)
    per_rater = tl.intervals_to_frames(
        read_interval_labels(folder / LABELS), ds.sizes["time"], FPS, beyond_end="crop"
    )
    ratio = pose_features(ds, feature_arena(ds, arena_size_cm=(42.0, 42.0)), windows_s=(1.0,))
    base = tl.smooth_labels(
        predict_length_threshold(ratio["body_length_ratio"].to_numpy(), model.baseline_threshold),
        FPS,
        model.min_bout_s,
    )
    base_table = evaluate_frames(
        base[held],
        {k: v[held] for k, v in per_rater.items()},
        ["rearing", "grooming", "other"],
        pred_name="baseline",
    )
    br = base_table[(base_table["class"] == "rearing") & (base_table["kind"] == "prediction")]
    base_f1 = dict(zip(br["reference"], br["f1"], strict=True))
    for rater in ("Furkan", "Jin", "Oliver"):
        assert model_f1[rater] > base_f1[rater] + 0.1, (rater, model_f1[rater], base_f1[rater])
        assert model_f1[rater] > 0.7, (rater, model_f1[rater])


@pytest.mark.real_data
def test_labels_past_the_end_without_crop_is_a_clear_error(sample_data, monkeypatch, capsys, tmp_path):
    folder = sample_data / "oft_pose_rearing"
    rc = run_cli(
        monkeypatch,
        "behavior",
        "pose-train",
        folder / POSE,
        "--labels",
        folder / LABELS,
        "--fps",
        FPS,
        "-o",
        tmp_path / "m.joblib",
    )
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and LABELS in err[0] and "past the end of the recording" in err[0]
    assert "--crop-labels" in err[0]
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--fps-missing"], "--fps is required"),
        (["--labels-unknown"], "unknown behavior name(s) ['Digging', 'Sniffing']"),
        (["--labels-reversed"], "end before they start"),
        (["--pose-no-tail"], "rear point"),
    ],
)
def test_bad_inputs_are_one_line_errors(sample_data, monkeypatch, capsys, tmp_path, extra, expected):
    folder = sample_data / "oft_pose_rearing"
    pose = folder / POSE
    labels = tmp_path / "labels.csv"
    labels.write_text("start_s,end_s,behavior\n1,2,Supported\n")
    fps = ["--fps", FPS]
    if extra == ["--fps-missing"]:
        fps = []
    elif extra == ["--labels-unknown"]:
        labels.write_text("start_s,end_s,behavior\n1,2,Sniffing\n3,4,Supported\n5,6,Digging\n")
    elif extra == ["--labels-reversed"]:
        labels.write_text("start_s,end_s,behavior\n1,2,Supported\n5,4,Grooming\n")
    elif extra == ["--pose-no-tail"]:
        ds = read_dlc(pose, fps=FPS)
        keep = [k for k in ds["keypoints"].values if k in ("nose", "headcentre", "earl", "earr", "tl")]
        pose = tmp_path / "head_only.csv"
        write_dlc_csv(ds.sel(keypoints=keep), pose)
    rc = run_cli(monkeypatch, "behavior", "pose-train", pose, "--labels", labels, *fps, "-o", tmp_path / "m.joblib")
    assert rc == 2
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("INFO")]
    assert len(err) == 1 and err[0].startswith("openfield behavior: error: ") and expected in err[0], err
    if expected != "--fps is required":
        assert str(tmp_path) in err[0] or str(folder) in err[0]


@pytest.mark.real_data
def test_predict_refuses_pose_without_the_model_body_parts(sample_data, monkeypatch, capsys, tmp_path):
    folder = sample_data / "oft_pose_rearing"
    ds = read_dlc(folder / POSE, fps=FPS).isel(time=slice(0, 300))
    n = ds.sizes["time"]
    rater = np.where((np.arange(n) // 50) % 2 == 1, "rearing", "other").astype(object)
    model, _ = train_pose_model([Recording("part", ds, {"r": rater})], windows_s=(0.5,), n_blocks=2)
    outputs.save_pose_model(model, tmp_path / "m.joblib")
    no_nose = tmp_path / "no_nose.csv"
    write_dlc_csv(ds.sel(keypoints=[k for k in ds["keypoints"].values if k != "nose"]), no_nose)
    rc = run_cli(
        monkeypatch,
        "behavior",
        "pose-predict",
        no_nose,
        "--model",
        tmp_path / "m.joblib",
        "--fps",
        FPS,
        "-o",
        tmp_path / "out",
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "no_nose.csv" in err and "lacks: nose (nose)" in err


def test_evaluate_command_with_another_class_list(tmp_path, monkeypatch):
    """evaluate scores any classifier's output, e.g. the image classifier's rearing/grooming/normal."""
    classes = ["rearing", "grooming", "normal"]
    prob = np.tile([0.1, 0.1, 0.8], (50, 1))
    prob[10:20] = [0.8, 0.1, 0.1]  # rearing 1.0-2.0 s at 10 fps
    outputs.write_behavior_outputs(tmp_path, "clip", prob, classes, fps=10.0, min_bout_s=0.0)
    labels = tmp_path / "labels.csv"
    labels.write_text("rater,start_s,end_s,behavior\nA,1.0,2.0,Supported\nA,3,4,other\nB,1.5,2.5,Supported\n")
    rc = run_cli(monkeypatch, "behavior", "evaluate", "--pred", tmp_path / "clip_behavior.csv", "--labels", labels)
    assert rc == 0
    table = pd.read_csv(tmp_path / "clip_behavior_evaluation.csv")
    assert (tmp_path / "clip_behavior_evaluation.png").exists()
    f1 = table[(table["class"] == "rearing") & (table["kind"] == "prediction")].set_index("reference")["f1"]
    assert f1["A"] == pytest.approx(1.0)
    assert f1["B"] == pytest.approx(0.5)  # TP 5, FP 5, FN 5
    human = table[(table["class"] == "rearing") & (table["kind"] == "rater-vs-rater")]
    assert len(human) == 1 and human["f1"].iloc[0] == pytest.approx(0.5)
    assert set(table["class"]) == set(classes)


@pytest.mark.real_data
@pytest.mark.slow
def test_boris_export_trains_the_same_model_as_the_interval_csv(sample_data, tmp_path, monkeypatch):
    """OFT_38's intervals written as a BORIS aggregated-events export (one observation per rater, BORIS's
    columns, tab-separated): pose-train gives the very predictions of the interval CSV's model."""
    folder = sample_data / "oft_pose_rearing"
    ds = read_dlc(folder / POSE, fps=FPS)
    write_dlc_csv(ds.isel(time=slice(0, int(30 * FPS))), tmp_path / "part.csv")
    raw = pd.read_csv(folder / LABELS)
    columns = ["Observation id", "Observation date", "Description", "Media file", "Total length", "FPS", "Subject",
               "Behavior", "Behavioral category", "Modifiers", "Behavior type", "Start (s)", "Stop (s)",
               "Duration (s)", "Comment start", "Comment stop"]
    lines = ["\t".join(columns)]
    for r in raw.itertuples():
        lines.append("\t".join([r.rater, "2024-01-01 10:00:00", "", "OFT_38.mp4", "80.000", "25.0",
                                "No focal subject", r.behavior, "", "", "STATE", f"{r.start_s:.3f}",
                                f"{r.end_s:.3f}", f"{r.end_s - r.start_s:.3f}", "", ""]))
    (tmp_path / "boris.tsv").write_text("\n".join(lines) + "\n")
    predictions = {}
    for name, labels in (("csv", folder / LABELS), ("boris", tmp_path / "boris.tsv")):
        model = tmp_path / f"{name}.joblib"
        assert run_cli(monkeypatch, "behavior", "pose-train", tmp_path / "part.csv", "--labels", labels,
                       "--fps", FPS, "-o", model, "--crop-labels", "--cv-blocks", 2) == 0
        predictions[name] = outputs.load_pose_model(model).predict_proba(ds)
    np.testing.assert_array_equal(predictions["boris"], predictions["csv"])
    assert predictions["csv"][:, 0].max() > 0.5  # rearing is found (a trained model, not a constant)


# --------------------------------------------------------------------------- supported vs unsupported rearing

SPLIT_MAP = ["--label-map", "Supported=supported_rearing", "--label-map", "Unsupported=unsupported_rearing"]


@pytest.mark.real_data
def test_head_wall_distance_separates_supported_from_unsupported_rearing(sample_data):
    """The wall-contact feature on the real recording: the head is at the wall in the raters' supported rears
    (majority), away from it in their unsupported ones: 90 % of supported frames lie nearer the wall than
    90 % of unsupported frames."""
    from openfield.behavior.labels import majority_vote, parse_label_map, read_labels

    folder = sample_data / "oft_pose_rearing"
    ds = read_dlc(folder / POSE, fps=FPS)
    labels = read_labels(folder / LABELS, FPS, ds.sizes["time"], parse_label_map(SPLIT_MAP[1::2]))
    majority = majority_vote(tl.intervals_to_frames(labels, ds.sizes["time"], FPS, beyond_end="crop"), tie="other")
    feats = pose_features(ds, feature_arena(ds, arena_size_cm=(42.0, 42.0)), windows_s=(0.5,))
    head = feats["head_wall_cm"].to_numpy(float)
    supported, unsupported = head[majority == "supported_rearing"], head[majority == "unsupported_rearing"]
    assert len(supported) > 300 and len(unsupported) > 100
    assert np.nanpercentile(supported, 90) < np.nanpercentile(unsupported, 10)
    assert np.nanmedian(supported) < 0.5 < 2.0 < np.nanmedian(unsupported)  # at (over) the wall vs cm away


@pytest.mark.real_data
@pytest.mark.slow
def test_supported_and_unsupported_rearing_trained_on_the_real_recording(sample_data, tmp_path, monkeypatch):
    """``pose-train --label-map Supported=supported_rearing Unsupported=unsupported_rearing``: a model of the
    raters' own two rearing classes; 5-time-block cross-validation against each rater, next to the raters'
    agreement (the figures in docs/validation.md)."""
    folder = sample_data / "oft_pose_rearing"
    model_path = tmp_path / "split.joblib"
    assert run_cli(monkeypatch, "behavior", "pose-train", folder / POSE, "--labels", folder / LABELS, "--fps", FPS,
                   "--arena-size-cm", 42, 42, "--crop-labels", *SPLIT_MAP, "-o", model_path) == 0
    model = outputs.load_pose_model(model_path)
    assert model.classes == ["supported_rearing", "unsupported_rearing", "grooming", "other"]
    assert "head_wall_cm" in model.feature_names
    cv = pd.read_csv(tmp_path / "split_cv.csv")
    assert (cv["n_frames"] == 1998).all() and "baseline" not in set(cv["compared"])
    pred = cv[cv["kind"] == "prediction"].set_index(["class", "reference"])["f1"]
    raters = cv[cv["kind"] == "rater-vs-rater"]
    assert len(raters[raters["class"] == "unsupported_rearing"]) == 3
    for rater in ("Furkan", "Jin", "Oliver", "majority"):
        assert pred["supported_rearing", rater] > 0.75, (rater, pred["supported_rearing", rater])
        assert pred["unsupported_rearing", rater] > 0.15, (rater, pred["unsupported_rearing", rater])
