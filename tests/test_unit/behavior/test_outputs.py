"""Behaviour files: written from the pure tables, read back with checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import outputs as out
from openfield.errors import OpenfieldError


def _seq(spec):
    return np.array([lab for lab, n in spec for _ in range(n)], dtype=object)


def test_write_behavior_outputs_round_trip(tmp_path):
    fps = 10.0
    n = 50
    classes = ["rearing", "grooming", "normal"]
    truth = _seq([("normal", 12), ("rearing", 8), ("normal", 1), ("rearing", 9), ("grooming", 20)])
    prob = np.full((n, 3), 0.1)
    prob[np.arange(n), [classes.index(c) for c in truth]] = 0.8
    paths = out.write_behavior_outputs(tmp_path, "vid", prob, classes, fps, min_bout_s=0.3)
    assert sorted(p.name for p in paths.values()) == [
        "vid_behavior.csv",
        "vid_behavior_summary.csv",
        "vid_bouts.csv",
        "vid_ethogram.png",
    ]
    per = pd.read_csv(paths["behavior"])
    assert list(per.columns) == ["frame", "time_s", "label", "p_rearing", "p_grooming", "p_normal"]
    np.testing.assert_allclose(per["time_s"], np.arange(n) / fps)
    # the 1-frame normal gap between two rearing bouts is smoothed away
    assert per["label"].tolist() == _seq([("normal", 12), ("rearing", 18), ("grooming", 20)]).tolist()
    bouts = pd.read_csv(paths["bouts"])
    assert list(bouts.columns) == ["behavior", "start_s", "end_s", "duration_s"]
    assert bouts["behavior"].tolist() == ["normal", "rearing", "grooming"]
    summary = pd.read_csv(paths["summary"])
    assert len(summary) == 1 and summary["video"].iloc[0] == "vid"
    assert summary["time_rearing_s"].iloc[0] == pytest.approx(1.8)
    assert summary["bouts_rearing"].iloc[0] == 1
    assert summary["latency_rearing_s"].iloc[0] == pytest.approx(1.2)
    assert summary["time_grooming_s"].iloc[0] == pytest.approx(2.0)
    assert "time_normal_s" not in summary.columns
    df, got_fps = out.read_behavior_csv(paths["behavior"])
    assert got_fps == pytest.approx(fps)


def test_timeline_files_of_a_variable_frame_rate_at_the_real_times(tmp_path):
    from openfield.behavior.timeline import behavior_timeline

    t = np.r_[0.0, np.cumsum(np.where(np.arange(99) % 2 == 0, 0.02, 0.04))]  # 20 and 40 ms by turns
    truth = np.where(np.arange(100) < 50, "normal", "rearing")
    prob = np.where((truth == "rearing")[:, None], [0.9, 0.1], [0.1, 0.9])
    timeline = behavior_timeline(prob, ["rearing", "normal"], 25.0, 0.0, times_s=t)
    paths, summary = out.write_timeline(tmp_path, "vfr", timeline)
    per = pd.read_csv(paths["behavior"])
    np.testing.assert_allclose(per["time_s"], t)
    bouts = pd.read_csv(paths["bouts"])
    np.testing.assert_allclose(bouts[["start_s", "end_s"]].to_numpy(), [[0.0, t[50]], [t[50], t[-1] + 0.02]])
    assert summary["latency_rearing_s"] == pytest.approx(t[50]) and t[50] == pytest.approx(1.5)
    assert summary["time_rearing_s"] == pytest.approx(t[-1] + 0.02 - 1.5)
    # scoring such a table against labels in seconds is refused, saying why
    with pytest.raises(OpenfieldError, match="variable-frame-rate recording's prediction") as exc:
        out.read_behavior_csv(paths["behavior"])
    assert str(paths["behavior"]) in str(exc.value)


def test_summary_extra_columns_come_first(tmp_path):
    prob = np.tile([0.9, 0.1], (20, 1))
    paths = out.write_behavior_outputs(
        tmp_path, "m1", prob, ["rearing", "other"], 10.0, 0.0, summary_extra={"file": "m1.csv"}
    )
    summary = pd.read_csv(paths["summary"])
    assert list(summary.columns[:2]) == ["file", "video"] and summary["file"].iloc[0] == "m1.csv"
    assert summary["time_rearing_s"].iloc[0] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frame,label\n0,a\n1,a\n", "missing column(s) time_s"),
        ("frame,time_s,label\n0,0.0,a\n", "at least two frames"),
        ("frame,time_s,label\n0,0.0,a\n1,0.1,a\n2,0.3,a\n", "not evenly spaced"),
    ],
)
def test_read_behavior_csv_refuses_what_is_not_a_timeline(tmp_path, text, expected):
    path = tmp_path / "x_behavior.csv"
    path.write_text(text)
    with pytest.raises(OpenfieldError) as exc:
        out.read_behavior_csv(path)
    assert str(path) in str(exc.value) and expected in str(exc.value)
    with pytest.raises(OpenfieldError, match="prediction file not found"):
        out.read_behavior_csv(tmp_path / "none.csv")


def test_prediction_record_is_written_as_json(tmp_path):
    record = {"n_frames": 3, "key": {"window_s": 0.5}, "paths": {"behavior": str(tmp_path / "v_behavior.csv")}}
    path = out.write_prediction_record(record, tmp_path, "v")
    assert path == out.prediction_record_path(tmp_path, "v") and path.name == "v_vit_predict.json"
    assert json.loads(path.read_text()) == record


def test_prediction_settings_change_with_each_option(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    base = out.prediction_settings(tmp_path / "a.mp4", model, 0.5, 0.5, 1, None, None)
    assert base == out.prediction_settings(tmp_path / "a.mp4", model, 0.5, 0.5, 1, None, None)
    assert base != out.prediction_settings(tmp_path / "a.mp4", model, 0.4, 0.5, 1, None, None)
    assert base != out.prediction_settings(tmp_path / "a.mp4", model, 0.5, 0.5, 2, None, None)
    (model / "model.safetensors").write_bytes(b"w")
    assert base["model_mtime"] == 0.0
    assert out.prediction_settings(tmp_path / "a.mp4", model, 0.5, 0.5, 1, None, None)["model_mtime"] > 0


def test_write_metrics_files(tmp_path):
    from openfield.behavior.metrics import classification_metrics

    m = classification_metrics(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    paths = out.write_metrics(m, tmp_path, "val", "validation")
    saved = json.loads(paths["metrics"].read_text())
    assert saved["n"] == 3 and saved["accuracy"] == pytest.approx(2 / 3)
    assert saved["confusion"] == {"classes": ["a", "b"], "matrix": [[1, 1], [0, 1]]}
    assert pd.read_csv(paths["confusion_csv"], index_col=0).to_numpy().tolist() == [[1, 1], [0, 1]]
    assert paths["confusion_png"].stat().st_size > 0


def test_pose_model_file_errors(tmp_path):
    with pytest.raises(OpenfieldError, match="model file not found"):
        out.load_pose_model(tmp_path / "none.joblib")
    with pytest.raises(OpenfieldError, match="is a folder"):
        out.load_pose_model(tmp_path)
