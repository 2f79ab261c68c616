"""The ViT's steps resume through the ledger (openfield.pipeline.vit): a re-run does no work; a changed setting or
input, a deleted output and --overwrite redo the step. The work itself is replaced by functions that count their
calls (or raise), so these tests are quick and offline; the real work is tested in test_vit_*.py."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from vit_synthetic import make_toy_folders, tiny_settings

import openfield.behavior.video
from openfield.behavior.crops import CropSettings
from openfield.behavior.dataset import DatasetSettings
from openfield.cli import main
from openfield.pipeline import STATE_DIR, Ledger, fingerprint
from openfield.pipeline import vit as vit_steps
from openfield.pipeline.steps.vit_predict import vit_prediction_step


class Calls:
    """Wraps a function and counts its calls (``forbid``: calling it fails the test)."""

    def __init__(self, real=None, forbid=False):
        self.real, self.forbid, self.n = real, forbid, 0

    def __call__(self, *args, **kwargs):
        if self.forbid:
            raise AssertionError("the step ran though its record is up to date")
        self.n += 1
        return self.real(*args, **kwargs)


def _touch_later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def spied(monkeypatch):
    """The dataset step's two works (the build and the new split), counted."""
    build = Calls(vit_steps.build_dataset)
    resplit = Calls(vit_steps.resplit_dataset)
    monkeypatch.setattr(vit_steps, "build_dataset", build)
    monkeypatch.setattr(vit_steps, "resplit_dataset", resplit)
    return build, resplit


def test_dataset_is_built_once_its_split_redrawn_alone(tmp_path, spied):
    build, resplit = spied
    folders = make_toy_folders(tmp_path / "in", sources=("a", "b", "c", "d"), per_source=2)
    out = tmp_path / "ds"
    settings = DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.5)
    m1 = vit_steps.dataset_step(out, folders=folders, settings=settings)
    assert (build.n, resplit.n) == (1, 0)
    image = out / m1.path.iloc[0]
    made = image.stat().st_mtime_ns
    manifest_time = (out / "manifest.csv").stat().st_mtime_ns

    m2 = vit_steps.dataset_step(out, folders=folders, settings=settings)  # the same: nothing done
    assert (build.n, resplit.n) == (1, 0)
    assert (out / "manifest.csv").stat().st_mtime_ns == manifest_time
    pd.testing.assert_frame_equal(m1.reset_index(drop=True), m2.reset_index(drop=True))

    vit_steps.dataset_step(out, folders=folders, settings=DatasetSettings(crop=CropSettings(mode="full"),
                                                                           val_fraction=0.5, seed=3))
    assert (build.n, resplit.n) == (1, 1)  # a new split only: the images stay
    assert image.stat().st_mtime_ns == made
    assert json.loads((out / "dataset.json").read_text())["settings"]["seed"] == 3

    vit_steps.dataset_step(out, folders=folders, settings=DatasetSettings(crop=CropSettings(mode="full"),
                                                                           val_fraction=0.5, seed=3, every=2))
    assert (build.n, resplit.n) == (2, 1)  # an image setting: built again

    again = DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.5, seed=3, every=2)
    _touch_later(next((folders / "rearing").iterdir()))  # an input image replaced
    vit_steps.dataset_step(out, folders=folders, settings=again)
    assert build.n == 3
    (out / "manifest.csv").unlink()  # an output deleted
    vit_steps.dataset_step(out, folders=folders, settings=again)
    assert build.n == 4
    vit_steps.dataset_step(out, folders=folders, settings=again, overwrite=True)
    assert build.n == 5
    vit_steps.dataset_step(out, folders=folders, settings=again)
    assert (build.n, resplit.n) == (5, 1)
    assert (out / STATE_DIR / "dataset.json").exists()


def test_interrupted_dataset_is_built_again(tmp_path, spied, monkeypatch):
    build, _ = spied
    folders = make_toy_folders(tmp_path / "in", sources=("a", "b"), per_source=2)
    settings = DatasetSettings(crop=CropSettings(mode="full"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vit_steps, "build_dataset", interrupted)
    with pytest.raises(KeyboardInterrupt):
        vit_steps.dataset_step(tmp_path / "ds", folders=folders, settings=settings)
    monkeypatch.setattr(vit_steps, "build_dataset", build)
    vit_steps.dataset_step(tmp_path / "ds", folders=folders, settings=settings)  # no record: built
    assert build.n == 1


@pytest.fixture
def fake_training(monkeypatch):
    """``train_model`` replaced by a function writing a model folder's info and a training log (counted)."""

    def train_model(dataset, model_dir, training_dir, settings):
        model_dir.mkdir(parents=True, exist_ok=True)
        training_dir.mkdir(parents=True, exist_ok=True)
        (training_dir / "training_log.csv").write_text("epoch\n1\n")
        info = {"epochs": settings.epochs, "paths": {"log": str(training_dir / "training_log.csv")}}
        (model_dir / "openfield_vit.json").write_text(json.dumps(info))
        return info

    calls = Calls(train_model)
    monkeypatch.setattr(vit_steps, "train_model", calls)
    return calls


def test_training_resumes(tmp_path, fake_training):
    folders = make_toy_folders(tmp_path / "in", sources=("a", "b", "c", "d"), per_source=1)
    dataset = tmp_path / "ds"
    settings = DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.5)
    vit_steps.dataset_step(dataset, folders=folders, settings=settings)
    model, training = tmp_path / "model", tmp_path / "training"

    def step(**kwargs):
        return vit_steps.training_step(dataset, model, training, tiny_settings(**kwargs))

    info = step()
    assert fake_training.n == 1 and info["epochs"] == 8
    assert step() == info and fake_training.n == 1  # the same: skipped, the model's info read back
    record = json.loads((model / STATE_DIR / "training.json").read_text())["steps"]["training"]
    assert record["outputs"] == {"info": "openfield_vit.json", "log": "../training/training_log.csv"}
    step(epochs=3)
    assert fake_training.n == 2  # a setting changed
    step(epochs=3)
    assert fake_training.n == 2
    (training / "training_log.csv").unlink()  # an output (in the training folder) deleted
    step(epochs=3)
    assert fake_training.n == 3
    vit_steps.training_step(dataset, model, training, tiny_settings(epochs=3), overwrite=True)
    assert fake_training.n == 4
    vit_steps.dataset_step(dataset, folders=folders, settings=settings)  # a dataset re-run changes nothing
    step(epochs=3)
    assert fake_training.n == 4
    vit_steps.dataset_step(dataset, folders=folders, settings=DatasetSettings(crop=CropSettings(mode="full"),
                                                                               val_fraction=0.5, seed=1))
    step(epochs=3)
    assert fake_training.n == 5  # a new split of the dataset: another training set


@pytest.fixture
def fake_prediction(monkeypatch):
    """``predict_video`` replaced by a function writing a recording's four files (counted)."""

    def predict_video(video, model, out_dir, **kwargs):
        paths = {}
        for key, name in (("behavior", "behavior.csv"), ("bouts", "bouts.csv"),
                          ("summary", "behavior_summary.csv"), ("ethogram", "ethogram.png")):
            paths[key] = out_dir / f"{video.stem}_{name}"
            paths[key].parent.mkdir(parents=True, exist_ok=True)
            paths[key].write_text("file,duration_s,time_rearing_s,bouts_rearing\nv.avi,2.0,0.5,1\n")
        return {"classes": ["normal", "rearing"], "time_rearing_s": 0.5, "bouts_rearing": 1,
                "latency_rearing_s": 0.1, "paths": paths, "kwargs": kwargs}

    calls = Calls(predict_video)
    monkeypatch.setattr(openfield.behavior.video, "predict_video", calls)  # imported by the step when it runs
    return calls


def test_prediction_resumes(tmp_path, fake_prediction):
    video = tmp_path / "v.avi"
    video.write_bytes(b"frames")
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"w")
    out = tmp_path / "out"

    def step(overwrite=False, **kwargs):
        return vit_prediction_step(Ledger(out, "v", overwrite), video, model, **kwargs)

    fp, values = step()
    assert fake_prediction.n == 1
    assert values == {"time_rearing_s": 0.5, "bouts_rearing": 1, "latency_rearing_s": 0.1}
    # a default prediction has the fingerprint `openfield run --behavior-model` records: one resume for both
    assert fp == fingerprint("behavior", {"kind": "vit", "model": str(model.resolve())}, inputs=[""],
                             sources=[video, model / "model.safetensors"])
    assert step() == (fp, values) and fake_prediction.n == 1  # skipped: the values read back
    step(min_bout_s=0.2)
    assert fake_prediction.n == 2  # an option changed
    step(min_bout_s=0.2)
    (out / "v_ethogram.png").unlink()  # an output deleted
    step(min_bout_s=0.2)
    assert fake_prediction.n == 3
    step(overwrite=True, min_bout_s=0.2)
    assert fake_prediction.n == 4
    _touch_later(model / "model.safetensors")  # the model retrained
    step(min_bout_s=0.2)
    assert fake_prediction.n == 5
    pose = tmp_path / "v.csv"
    pose.write_text("pose")
    step(min_bout_s=0.2, pose=pose)
    assert fake_prediction.n == 6  # crops placed by a pose file
    step(min_bout_s=0.2, pose=pose, batch_size=3, device="cpu")
    assert fake_prediction.n == 6  # the batch size and the device change how fast, not what


def test_predict_command_goes_through_the_step(tmp_path, fake_prediction, monkeypatch, capsys):
    import openfield.io.behavior

    video = tmp_path / "v.avi"
    video.write_bytes(b"frames")
    model = tmp_path / "model"
    model.mkdir()
    monkeypatch.setattr(openfield.io.behavior, "check_model_folder", lambda folder: ["normal", "rearing"])
    args = ["behavior", "predict", str(video), "--model", str(model), "-o", str(tmp_path / "out")]
    assert main(args) == 0 and main(args) == 0
    assert fake_prediction.n == 1
    assert "v.avi: 2.0 s analysed; rearing: 0.5 s in 1 bouts" in capsys.readouterr().out
    assert main([*args, "--overwrite"]) == 0 and fake_prediction.n == 2
