"""Steps that need no video: the behaviour step names what to install when torch is missing."""

import sys

import pytest

from openfield.errors import OpenfieldError
from openfield.pipeline import Ledger
from openfield.pipeline.steps import behavior_step


def test_behavior_step_names_the_missing_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openfield.behavior.video", None)  # as if torch could not be imported
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    video = tmp_path / "mouse.mp4"
    video.write_bytes(b"")
    ledger = Ledger(tmp_path / "out", "mouse")
    with pytest.raises(OpenfieldError, match=r"pip install openfield\[behavior\]"):
        behavior_step(ledger, video, model, progress=False)
    assert ledger.ran == [] and not (tmp_path / "out").exists()
