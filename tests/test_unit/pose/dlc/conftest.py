"""Fixtures of the DeepLabCut wrapper's tests: the shared example project and a short clip."""

from __future__ import annotations

import shutil

import pytest

from openfield.io.video import write_clip


@pytest.fixture
def example(sample_data, tmp_path):
    """A copy of the example project (placeholders in its config, as shipped)."""
    project = tmp_path / "example"
    shutil.copytree(sample_data / "dlc_openfield", project)
    return project / "config.yaml"


@pytest.fixture(scope="module")
def clip(sample_data, tmp_path_factory):
    """The first 60 frames of the example video (read only: copy it before changing it)."""
    return write_clip(sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4",
                      tmp_path_factory.mktemp("clip") / "m3v1clip.mp4", 60)
