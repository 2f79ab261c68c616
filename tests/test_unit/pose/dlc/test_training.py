"""Training's inputs refused before any work, each with one line saying what to do.

The training itself (one epoch on the CPU) is in tests/test_integration/test_pose_dlc.py.
"""

from __future__ import annotations

import pytest

from openfield.errors import OpenfieldError
from openfield.pose.dlc import project, training

pytestmark = pytest.mark.real_data


def test_bodypart_in_config_absent_from_labels(example):
    text = example.read_text().replace("- tailbase\n", "- tailbase\n- tailtip\n", 1)
    example.write_text(text)
    with pytest.raises(OpenfieldError, match="tailtip.*absent from the labels") as info:
        training.train(example, from_scratch=True)
    assert info.value.path.endswith("CollectedData_Pranav.h5")


def test_cuda_asked_without_gpu(example, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # as on CI, also on a GPU machine
    with pytest.raises(OpenfieldError, match="no CUDA GPU.*--device cpu"):
        training.train(example, device="cuda")


def test_unknown_network(example):
    with pytest.raises(OpenfieldError, match="unknown network 'resnet_9000'.*cspnext_s"):
        training.train(example, net="resnet_9000")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be at least 1, got 0"),
        ({"batch_size": 0}, "batch_size must be at least 1, got 0"),
        ({"save_epochs": -1}, "save_epochs must be at least 1, got -1"),
        ({"shuffle": 0}, "shuffle must be at least 1, got 0"),
        ({"crop_size": 16}, "crop_size must be at least 32 px, got 16 px"),
        ({"weights": "w.pth", "from_scratch": True}, "either --weights or --from-scratch"),
        ({"weights": "nowhere/imagenet.pth"}, "weights file not found"),
    ],
)
def test_bad_options_refused_before_any_work(example, kwargs, message):
    with pytest.raises(OpenfieldError, match=message):
        training.train(example, **kwargs)
    assert not (example.parent / "dlc-models-pytorch").exists()  # no training dataset made
    assert not project.model_folder(example).exists()
