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


# --------------------------------------------------------------------------- safe weights, the model's classes

#: A lab's own classes, in the model's id2label (the ViT's classes come from its config).
VIT_CLASSES = ["sniffing", "freezing", "other"]


def _tiny_vit(folder: Path) -> Path:
    """A 2-layer, width-32 ViT with :data:`VIT_CLASSES`, saved as transformers does (safetensors)."""
    import torch
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    torch.manual_seed(0)
    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                       image_size=32, patch_size=8, num_labels=3,
                       id2label=dict(enumerate(VIT_CLASSES)), label2id={c: i for i, c in enumerate(VIT_CLASSES)})
    ViTForImageClassification(config).save_pretrained(str(folder))
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def vit_folders(tmp_path_factory) -> dict[str, Path]:
    """A good tiny ViT, one with pickled weights (pytorch_model.bin) and one with damaged safetensors."""
    import shutil

    import torch
    from safetensors.torch import load_file

    root = tmp_path_factory.mktemp("vits")
    good = _tiny_vit(root / "good")
    pickled = root / "pickled"
    shutil.copytree(good, pickled)
    torch.save(load_file(str(pickled / "model.safetensors")), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    damaged = root / "damaged"
    shutil.copytree(good, damaged)
    (damaged / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header")
    return {"good": good, "pickled": pickled, "damaged": damaged}


@pytest.fixture(scope="module")
def two_videos(tmp_path_factory) -> Path:
    from openfield import synthetic

    d = tmp_path_factory.mktemp("runvideos")
    for i in range(2):
        synthetic.render_video(d, f"v{i}", fps=10, duration_s=1.5, image_size=(160, 120), seed=20 + i)
    return d


def test_vit_classes_come_from_its_config(vit_folders):
    from openfield.behavior.outputs import model_behaviors
    from openfield.behavior.vit import check_model_folder, load_model

    assert check_model_folder(vit_folders["good"]) == VIT_CLASSES
    assert model_behaviors(vit_folders["good"]) == ["sniffing", "freezing"]
    assert load_model(vit_folders["good"])[2] == VIT_CLASSES


@pytest.mark.parametrize(("kind", "message"), [
    ("pickled", "weights in a pickle format (pytorch_model.bin)"),
    ("damaged", "cannot read the weights"),
])
def test_bad_vit_weights_fail_the_run_set_up_once(vit_folders, two_videos, tmp_path, capsys, kind, message):
    """A folder with pickled or damaged weights stops the run before any video (not one failure per video)."""
    out = tmp_path / "out"
    rc = main(["run", str(two_videos), "-o", str(out), "--arena-size-cm", "40", "40",
               "--behavior-model", str(vit_folders[kind])])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err and err.count(message) == 1 and "Traceback" not in err
    assert not list(out.glob("*_pose.csv"))  # no video was started
    rc = main(["behavior", "predict", str(two_videos / "v0.mp4"), "--model", str(vit_folders[kind]),
               "-o", str(tmp_path / "p")])
    assert rc == 2 and message in capsys.readouterr().err
    from openfield.behavior.vit import load_model
    from openfield.errors import OpenfieldError

    with pytest.raises(OpenfieldError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_model(vit_folders[kind])  # nor by any other way in


def test_run_with_a_vit_of_the_labs_classes(vit_folders, two_videos, tmp_path):
    """The summary's behaviour columns are the ViT's classes (from id2label), equal to the per-frame counts."""
    out = tmp_path / "out"
    assert main(["run", str(two_videos / "v0.mp4"), "-o", str(out), "--arena-size-cm", "40", "40",
                 "--behavior-model", str(vit_folders["good"]), "--no-plots"]) == 0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    frames = pd.read_csv(out / "v0_behavior.csv")
    assert not any("rearing" in c or "grooming" in c for c in row.index)
    fps = 1 / frames["time_s"].diff().median()
    for b in ("sniffing", "freezing"):
        assert row[f"time_{b}_s"] == pytest.approx((frames["label"] == b).sum() / fps, abs=1e-6)
        assert f"bouts_{b}" in row.index and f"latency_{b}_s" in row.index
