"""Fixtures for the ViT frame classifier tests: a tiny ViT trained on a learnable toy task."""

from __future__ import annotations

import os

import pytest
from vit_synthetic import make_toy_folders, tiny_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def toy_model(tmp_path_factory) -> dict:
    """A tiny ViT trained on the toy task (full frames), through the pipeline's steps (so with their ledgers)."""
    from openfield.behavior.crops import CropSettings
    from openfield.behavior.dataset import DatasetSettings
    from openfield.pipeline.vit import dataset_step, training_step

    root = tmp_path_factory.mktemp("toy")
    make_toy_folders(root / "folders")
    dataset_step(root / "dataset", folders=root / "folders",
                 settings=DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.5))
    info = training_step(root / "dataset", root / "model", root / "training", tiny_settings())
    return {"root": root, "dataset": root / "dataset", "model": root / "model",
            "training": root / "training", "info": info}
