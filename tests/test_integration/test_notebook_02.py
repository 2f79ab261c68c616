"""Notebook 02 runs headless, top to bottom, on the sample data."""

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_acceleration_calculation.ipynb"


@pytest.mark.real_data
def test_notebook_02_runs(sample_data, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENFIELD_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("OPENFIELD_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel use its inline backend
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store notebooks without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
                   ).execute()
    summary = pd.read_csv(tmp_path / "out" / "OFT_38DLC_resnet50_OFT_1030000_summary.csv")
    assert summary["duration_s"].iloc[0] == pytest.approx(79.92)
    pngs = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {})
                                                                  for o in c.get("outputs", []))]
    assert len(pngs) == 4  # calibration image, trajectory, heat map, speed
