"""Notebook 02 runs headless, top to bottom, on the sample data."""

import json

import pandas as pd
import pytest
from notebook_runner import run_notebook


@pytest.mark.real_data
def test_notebook_02_runs(sample_data, tmp_path, monkeypatch):
    nb = run_notebook("02_acceleration_calculation.ipynb", sample_data, tmp_path / "out", monkeypatch)
    summary = pd.read_csv(tmp_path / "out" / "OFT_38DLC_resnet50_OFT_1030000_summary.csv")
    assert summary["duration_s"].iloc[0] == pytest.approx(79.92)
    pngs = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {})
                                                                  for o in c.get("outputs", []))]
    assert len(pngs) == 4  # calibration image, trajectory, heat map, speed
    # the arena set by eye with the notebook widget, saved as the video's settings file
    saved = json.loads((tmp_path / "out" / "m3v1mp4.openfield.json").read_text())
    assert saved["arena"]["shape"] == "rectangle" and len(saved["arena"]["corners_px"]) == 4
    assert saved["arena_size_cm"] == [48, 32] and saved["animal"] == "auto"
