"""Notebook 01 runs headless, top to bottom, on the shared example: 1-epoch training from scratch.

The GUI cell stays off (RUN_GUI = False); the other parameters are overridden in a cell inserted
after the notebook's ``parameters`` cell, as papermill does.
"""

import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from openfield.io import read_dlc

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_open_field_model.ipynb"

OVERRIDES = """RUN_GUI = False
NET = "cspnext_s"
EPOCHS = 1
FROM_SCRATCH = True
DEVICE = "cpu"
CROP_SIZE = 256
NUMFRAMES = 3
CLIP_FRAMES = 30
LIKELIHOOD_CUTOFF = 0.0  # a 1-epoch model is never confident
"""

pytestmark = [pytest.mark.slow, pytest.mark.real_data]


def test_notebook_01_runs(sample_data, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENFIELD_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("OPENFIELD_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # the kernel imports this checkout's openfield (not whichever is installed), as test_notebook_vit's does
    src = str(NOTEBOOK.parents[1] / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel use its inline backend
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store notebooks without outputs"
    params = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    assert "RUN_GUI = False" in nb.cells[params[0]].source  # the stored notebook never opens a window
    nb.cells.insert(params[0] + 1, nbformat.v4.new_code_cell(OVERRIDES))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    out = tmp_path / "out"
    assert (out / "open_field_model" / "config.yaml").exists()
    assert len(list((out / "open_field_model" / "labeled-data" / "m3v1mp4").glob("*.png"))) == 3
    evaluation = pd.read_csv(out / "dlc_example_project" / "evaluation.csv")
    assert evaluation["epochs"].iloc[0] == 1 and evaluation["net_type"].iloc[0] == "cspnext_s"
    pose_files = sorted((out / "videos" / "pose").glob("*_filtered.h5"))
    assert len(pose_files) == 1
    assert read_dlc(pose_files[0]).sizes["time"] == 30
    assert len(list((out / "videos" / "pose").glob("*_labeled.mp4"))) == 1
    pngs = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {})
                                                                  for o in c.get("outputs", []))]
    assert len(pngs) == 2  # an extracted frame, a frame of the labelled video
    table = [o["data"]["text/plain"] for o in nb.cells[-1].outputs if "text/plain" in o.get("data", {})]
    assert len(table) == 1 and "duration_s" in table[0]  # the kinematics summary of the clip
    duration = float(table[0].split("duration_s")[1].split()[0])
    assert duration == pytest.approx(1.0, abs=1e-3)  # 30 frames at 30 fps
