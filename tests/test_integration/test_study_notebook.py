"""Notebook 04 (a study) runs headless, top to bottom, on the sample data."""

import pandas as pd
import pytest
from notebook_runner import run_notebook


@pytest.mark.real_data
@pytest.mark.slow
def test_notebook_04_runs(sample_data, tmp_path, monkeypatch):
    nb = run_notebook("04_study.ipynb", sample_data, tmp_path / "out", monkeypatch)
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
