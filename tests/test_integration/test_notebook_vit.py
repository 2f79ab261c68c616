"""The ViT notebook runs headless, top to bottom, on the real data with a tiny model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "03_fine_tuning_ViT.ipynb"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
@pytest.mark.real_data
def test_notebook_runs_on_small_data(sample_data, tmp_path, monkeypatch):
    work = tmp_path / "work"
    monkeypatch.setenv("OPENFIELD_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("OPENFIELD_NB_WORK", str(work))
    monkeypatch.setenv("OPENFIELD_NB_EVERY", "40")
    monkeypatch.setenv("OPENFIELD_NB_EPOCHS", "2")
    monkeypatch.setenv("OPENFIELD_NB_SIZE", "2,32,32")
    monkeypatch.setenv("OPENFIELD_NB_MAX_FRAMES", "45")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    # what the cells made: a split dataset, a model, its metrics, and the video outputs
    manifest = pd.read_csv(work / "dataset" / "bsoid" / "manifest.csv")
    assert set(manifest.label) == {"grooming", "normal", "rearing"}
    assert manifest.source.nunique() == 30  # 10 clips (itch left out) x 3 panels
    assert (manifest.groupby("source").split.nunique() == 1).all()
    assert (work / "model" / "openfield_vit.json").exists()
    assert json.loads((work / "training" / "val_metrics.json").read_text())["n"] == (manifest.split == "val").sum()
    per_frame = pd.read_csv(work / "videos" / "m3v1mp4_behavior.csv")
    assert len(per_frame) == 45
    assert (work / "videos" / "m3v1mp4_ethogram.png").stat().st_size > 0
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
