"""``openfield demo``: every figure it prints against the analytic truth of its own synthetic video."""

import pandas as pd
import pytest

from openfield.cli import main
from openfield.demo import COMPARED, COUNTS, TOLERANCE_PERCENT


@pytest.mark.slow
def test_demo_figures_match_the_truth(tmp_path, capsys):
    """The demo as ``make demo`` runs it (20 s of minimum-jerk bouts): counts exact, every other row within 10%."""
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "distance_cm" in printed and "report:" in printed
    table = pd.read_csv(out / "results" / "demo_vs_truth.csv").set_index("measure")
    assert list(table.index) == list(COMPARED)  # no row left out
    for measure, row in table.iterrows():
        if measure in COUNTS:
            assert row["measured"] == row["true"] and row["true"] >= 3, measure
        else:
            assert abs(row["error_percent"]) <= TOLERANCE_PERCENT, (measure, row["measured"], row["true"])
        assert f"{row['measured']:.3f}" in printed, measure  # the printed table is the written one
    bouts = pd.read_csv(out / "results" / "demo_mouse_locomotor_bouts.csv")
    assert len(bouts) == table.loc["locomotor_bouts", "true"]
    # re-running reuses the video and the finished results
    video = out / "video" / "demo_mouse.mp4"
    mtime = video.stat().st_mtime_ns
    assert main(["demo", "-o", str(out)]) == 0
    assert video.stat().st_mtime_ns == mtime
    assert (out / "results" / "report.html").exists()
