"""Notebook 04 (a study) runs headless, top to bottom, on the sample data."""

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_study.ipynb"


@pytest.mark.real_data
@pytest.mark.slow
def test_notebook_04_runs(sample_data, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENFIELD_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("OPENFIELD_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel use its inline backend
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "store notebooks without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
                   ).execute()
    study = tmp_path / "out" / "study"
    groups = pd.read_csv(study / "groups.csv")
    assert set(groups["group"]) == {"early", "late"} and (groups["n"] == 4).all()
    videos = pd.read_csv(study / "videos.csv").set_index("recording")
    # 1998 frames at 25 fps cut into pieces of 250: the last piece has 248 frames
    assert videos["duration_s"].tolist() == pytest.approx([10.0] * 7 + [9.92])
    bins = pd.read_csv(study / "bins.csv")
    assert len(bins) == 8 * 2
    sums = bins.groupby("recording")[["bin_length_s", "distance_cm", "time_center_s"]].sum()
    assert sums["bin_length_s"].to_numpy() == pytest.approx(videos.loc[sums.index, "duration_s"].to_numpy())
    assert sums["distance_cm"].to_numpy() == pytest.approx(videos.loc[sums.index, "distance_cm"].to_numpy(), abs=0.05)
    assert sums["time_center_s"].to_numpy() == pytest.approx(videos.loc[sums.index, "time_center_s"].to_numpy())
    stats = pd.read_csv(study / "stats.csv")
    assert set(stats["test"]) == {"welch_t", "mann_whitney", "mixed_model"}
    assert stats["p_value"].between(0, 1).all()
    pngs = [c for c in nb.cells if c.cell_type == "code" and any("image/png" in o.get("data", {})
                                                                  for o in c.get("outputs", []))]
    assert len(pngs) == 2  # box plots, bin curves
