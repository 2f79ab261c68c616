"""SuperAnimal-TopViewMouse offline: one clear line, quickly, never a wait on a download."""

from __future__ import annotations

import time

import pytest

from openfield.errors import OpenfieldError
from openfield.pose.dlc import superanimal


@pytest.mark.real_data
def test_superanimal_offline(clip, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.time()
    with pytest.raises(OpenfieldError, match="SuperAnimal-TopViewMouse weights .* cannot be downloaded"):
        superanimal.analyze_superanimal([clip], tmp_path / "out")
    assert time.time() - start < 60
    assert not (tmp_path / "out").exists()
