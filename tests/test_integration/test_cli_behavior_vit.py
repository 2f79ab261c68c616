"""`openfield behavior dataset | train | predict` end to end on synthetic clips, and their errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield.cli import main

REPO = Path(__file__).resolve().parents[2]
LEVELS = {"body_groom": 30, "face_groom": 40, "locomote": 128, "inactive": 118, "rear_plus": 230, "rear_minus": 220}


def _write_video(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def _frame(level: int, rng: np.random.Generator, w: int = 48) -> np.ndarray:
    return np.clip(level + rng.integers(-6, 7, size=(48, w, 1)), 0, 255).astype(np.uint8).repeat(3, axis=2)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """Three-panel clips named like the B-SOiD ones; each class has its own grey level."""
    d = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(0)
    for name, level in LEVELS.items():
        frames = [np.hstack([_frame(level + 4 * k, rng) for k in range(3)]) for _ in range(8)]
        _write_video(d / f"{name}_hstacked.avi", frames, 15.0)
    return d


def test_dataset_train_predict(clips, tmp_path, capsys):
    ds, model, out = tmp_path / "ds", tmp_path / "vit" / "model", tmp_path / "out"
    assert main(["behavior", "dataset", "--clips", str(clips), "-o", str(ds), "--crop", "full"]) == 0
    manifest = pd.read_csv(ds / "manifest.csv")
    assert len(manifest) == 6 * 3 * 8 and manifest.source.nunique() == 18
    assert (manifest.groupby("source").split.nunique() == 1).all()

    assert main(["behavior", "train", str(ds), "-o", str(model), "--from-scratch", "--layers", "2",
                 "--hidden-size", "32", "--image-size", "32", "--epochs", "6", "--lr", "1e-3",
                 "--no-augment", "--device", "cpu", "--baseline"]) == 0
    printed = capsys.readouterr().out
    assert "validation macro-F1" in printed and "baseline (logistic regression) macro-F1" in printed
    training = tmp_path / "vit" / "training"  # beside the model folder by default
    for name in ("training_log.csv", "training_curves.png", "val_confusion.csv", "val_confusion.png",
                 "val_per_class.csv", "baseline_confusion.csv"):
        assert (training / name).exists(), name
    assert pd.read_csv(training / "val_per_class.csv")["class"].tolist() == ["grooming", "normal", "rearing"]

    rng = np.random.default_rng(3)
    video = _write_video(tmp_path / "session.avi",
                         [_frame(lvl, rng, 64) for lvl in [128] * 15 + [230] * 15 + [30] * 15], 15.0)
    assert main(["behavior", "predict", str(video), "--model", str(model), "-o", str(out),
                 "--window-s", "0", "--min-bout-s", "0.2"]) == 0
    per_frame = pd.read_csv(out / "session_behavior.csv")
    assert per_frame.columns.tolist() == ["frame", "time_s", "label", "p_grooming", "p_normal", "p_rearing"]
    assert len(per_frame) == 45
    bouts = pd.read_csv(out / "session_bouts.csv")
    assert bouts.columns.tolist() == ["behavior", "start_s", "end_s", "duration_s"]
    assert (out / "session_ethogram.png").exists() and (out / "session_behavior_summary.csv").exists()
    assert "session.avi: 3.0 s analysed" in capsys.readouterr().out

    # the shared `openfield behavior evaluate` reads these outputs like the pose classifier's
    labels = tmp_path / "session_labels.csv"
    pd.DataFrame({"start_s": [1.0, 2.0], "end_s": [2.0, 3.0], "behavior": ["rearing", "grooming"]}).to_csv(
        labels, index=False
    )
    assert main(["behavior", "evaluate", "--pred", str(out / "session_behavior.csv"), "--labels", str(labels),
                 "-o", str(tmp_path / "eval")]) == 0
    table = pd.read_csv(tmp_path / "eval.csv").set_index("class")
    # the video's segments are known (1 s each of normal, rearing, grooming) and well separated
    assert table.loc[["grooming", "normal", "rearing"], "f1"].tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(bouts.start_s, [0.0, 1.0, 2.0], atol=1e-6)
    assert bouts.behavior.tolist() == ["normal", "rearing", "grooming"]


def test_errors_are_one_line(clips, tmp_path, capsys):
    video = next(clips.glob("*.avi"))
    assert main(["behavior", "predict", str(video), "--model", str(tmp_path / "nope"), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nope: model folder not found" in err

    labels = tmp_path / "labels.csv"
    pd.DataFrame({"start_s": [0.3], "end_s": [0.1], "behavior": ["rearing"]}).to_csv(labels, index=False)
    assert main(["behavior", "dataset", "--videos", str(video), "--labels", str(labels), "-o",
                 str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "labels.csv" in err and "end before they start" in err

    assert main(["behavior", "dataset", "-o", str(tmp_path / "ds")]) == 2
    assert "nothing to build from" in capsys.readouterr().err

    (tmp_path / "folders" / "rearing").mkdir(parents=True)
    assert main(["behavior", "dataset", "--folders", str(tmp_path / "folders"), "-o", str(tmp_path / "d2")]) == 2
    assert "class folder has no images" in capsys.readouterr().err


def test_help_lists_the_commands_and_imports_no_torch(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["behavior", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for name in ("dataset", "train", "predict"):
        assert name in text
    code = (
        "import sys, openfield.cli as c; c.build_parser(); "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False False"
