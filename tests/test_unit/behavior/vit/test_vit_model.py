"""ViT building, loading, training on a learnable toy task, metrics against hand-computed answers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from vit_synthetic import TOY_LEVELS, tiny_settings, toy_frame

from openfield.behavior.baseline import baseline_logistic
from openfield.behavior.outputs import train_model, write_metrics
from openfield.behavior.vit import (
    augment_image,
    build_model,
    evaluate_model,
    load_model,
    predict_batch,
    to_pixel_values,
    train,
)
from openfield.errors import OpenfieldError
from openfield.pipeline import vit as vit_steps


def test_augment_keeps_shape_and_changes_pixels():
    rng = np.random.default_rng(0)
    img = np.zeros((20, 20, 3), np.uint8)
    img[2:6, 2:10] = 255
    out = augment_image(img, rng)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert not np.array_equal(out, img)


def test_from_scratch_model_shapes():
    model, processor = build_model(["a", "b", "c"], tiny_settings())
    assert model.config.num_labels == 3 and model.config.id2label[2] == "c"
    x = to_pixel_values([np.zeros((50, 70, 3), np.uint8)] * 2, processor)
    assert tuple(x.shape) == (2, 3, 32, 32)
    import torch

    p = predict_batch(model.eval(), x, torch.device("cpu"))
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1)


def test_hub_checkpoint_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OpenfieldError, match="cannot load the checkpoint.*from-scratch"):
        build_model(["a", "b"], tiny_settings(from_scratch=False, checkpoint="no-such-org/no-such-vit"))


def test_training_learns_the_toy_task(toy_model):
    hist = pd.read_csv(toy_model["training"] / "training_log.csv")
    assert hist.train_loss.iloc[-1] < 0.5 * hist.train_loss.iloc[0]  # the loss goes down
    val = json.loads((toy_model["training"] / "val_metrics.json").read_text())
    assert val["macro_f1"] == pytest.approx(1.0)  # dark / mid / bright are learnable
    assert toy_model["info"]["val"]["macro_f1"] == pytest.approx(val["macro_f1"])
    conf = pd.read_csv(toy_model["training"] / "val_confusion.csv", index_col=0)
    assert np.all(conf.to_numpy() == np.diag(np.diag(conf.to_numpy())))
    for name in ("training_curves.png", "val_confusion.png", "val_per_class.csv", "val_predictions.csv"):
        assert (toy_model["training"] / name).stat().st_size > 0
    info = json.loads((toy_model["model"] / "openfield_vit.json").read_text())
    assert info["classes"] == ["grooming", "normal", "rearing"] and info["crop"]["mode"] == "full"


def test_saved_model_reloads_and_predicts(toy_model):
    import torch

    model, processor, classes, info = load_model(toy_model["model"])
    rng = np.random.default_rng(5)
    images = [toy_frame(c, rng)[..., ::-1] for c in TOY_LEVELS]
    p = predict_batch(model, to_pixel_values(images, processor), torch.device("cpu"))
    assert [classes[i] for i in p.argmax(axis=1)] == list(TOY_LEVELS)


def test_rerun_skips_and_evaluate(toy_model, tmp_path, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(vit_steps, "train_model", no_training)  # were the skip to fail, nothing is changed
    weights = toy_model["model"] / "model.safetensors"
    before = weights.stat().st_mtime_ns
    info = vit_steps.training_step(toy_model["dataset"], toy_model["model"], toy_model["training"], tiny_settings())
    assert weights.stat().st_mtime_ns == before
    assert info == toy_model["info"]
    m = evaluate_model(toy_model["model"], toy_model["dataset"], split="val", device="cpu")
    assert m["macro_f1"] == pytest.approx(1.0)
    assert not list(tmp_path.glob("val_*"))  # evaluating writes nothing
    write_metrics(m, tmp_path, "val", "val (model)")
    assert (tmp_path / "val_confusion.png").exists() and (tmp_path / "val_per_class.csv").exists()


def test_fine_tune_from_a_local_checkpoint(toy_model, tmp_path):
    # the non-scratch path (AutoImageProcessor + AutoModelForImageClassification.from_pretrained)
    result = train(toy_model["dataset"], tiny_settings(from_scratch=False, checkpoint=str(toy_model["model"]),
                                                       epochs=1))
    assert result.info["classes"] == ["grooming", "normal", "rearing"]
    assert result.info["val"]["macro_f1"] > 0.9
    assert list(result.history.epoch) == [1]
    assert result.val_metrics["macro_f1"] == pytest.approx(result.info["val"]["macro_f1"])
    assert list(result.val_predictions.columns) == ["path", "label", "source", "predicted",
                                                    "p_grooming", "p_normal", "p_rearing"]
    assert not list(tmp_path.iterdir())  # training writes nothing


def test_baseline_on_the_toy_task(toy_model, tmp_path):
    m = baseline_logistic(toy_model["dataset"], tmp_path, size=8)
    assert m["macro_f1"] == pytest.approx(1.0)
    assert (tmp_path / "baseline_metrics.json").exists()


def test_model_folder_missing(tmp_path):
    with pytest.raises(OpenfieldError, match="model folder not found"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(OpenfieldError, match="not a model folder"):
        load_model(tmp_path / "empty")


def test_dataset_missing(tmp_path):
    with pytest.raises(OpenfieldError, match="dataset folder not found"):
        train(tmp_path / "nope", tiny_settings())
    with pytest.raises(OpenfieldError, match="dataset folder not found"):
        train_model(tmp_path / "nope", tmp_path / "m", tmp_path / "t", tiny_settings())
