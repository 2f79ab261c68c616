"""Evaluation refuses an untrained shuffle; its figures are checked in tests/test_integration/test_pose_dlc.py."""

from __future__ import annotations

import pytest

from openfield.errors import OpenfieldError
from openfield.pose.dlc import evaluation


@pytest.mark.real_data
def test_evaluate_before_training(example, tmp_path):
    with pytest.raises(OpenfieldError, match="no trained network for shuffle 1.*openfield pose train"):
        evaluation.evaluate(example, device="cpu", out=tmp_path / "evaluation.csv")
    assert not (tmp_path / "evaluation.csv").exists()
    with pytest.raises(OpenfieldError, match="shuffle must be at least 1, got 0"):
        evaluation.evaluate(example, shuffle=0, device="cpu")

