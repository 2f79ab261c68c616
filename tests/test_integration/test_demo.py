"""``openfield demo``: every figure it prints against the analytic truth of its own synthetic video."""

import pandas as pd
import pytest

from openfield.cli import main
from openfield.demo import COMPARED

#: Counts must be exact; the mean cruise of a bout within 0.2 s (a percentage of a short cruise would say
#: little); every other measure within 10% of the analytic truth.
COUNTS = ("center_entries", "locomotor_bouts")
TOLERANCE_ABSOLUTE = {"mean_bout_cruise_s": 0.2}
TOLERANCE_PERCENT = 10.0


@pytest.mark.slow
def test_demo_figures_match_the_truth(tmp_path, capsys):
    """The demo as ``make demo`` runs it (20 s of minimum-jerk bouts cruising 0.3-1 s): counts exact, the mean
    cruise of a bout within 0.2 s, every other row within 10%."""
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "distance_cm" in printed and "report:" in printed
    table = pd.read_csv(out / "results" / "demo_vs_truth.csv").set_index("measure")
    assert list(table.index) == list(COMPARED)  # no row left out
    for measure, row in table.iterrows():
        if measure in COUNTS:
            assert row["measured"] == row["true"] and row["true"] >= 3, measure
        elif measure in TOLERANCE_ABSOLUTE:
            assert abs(row["error"]) <= TOLERANCE_ABSOLUTE[measure], (measure, row["measured"], row["true"])
        else:
            assert abs(row["error_percent"]) <= TOLERANCE_PERCENT, (measure, row["measured"], row["true"])
        assert f"{row['measured']:.3f}" in printed, measure  # the printed table is the written one
    bouts = pd.read_csv(out / "results" / "demo_mouse_locomotor_bouts.csv")
    assert len(bouts) == table.loc["locomotor_bouts", "true"]
    truth = pd.read_csv(out / "video" / "demo_mouse_bouts_truth.csv")
    assert truth["cruise_s"].min() >= 0.3  # every bout of the demo cruises
    assert table.loc["mean_bout_cruise_s", "measured"] == pytest.approx(bouts["cruise_s"].mean(), abs=1e-4)
    # re-running reuses the video and the finished results
    video = out / "video" / "demo_mouse.mp4"
    mtime = video.stat().st_mtime_ns
    assert main(["demo", "-o", str(out)]) == 0
    assert video.stat().st_mtime_ns == mtime
    assert (out / "results" / "report.html").exists()


@pytest.mark.slow
def test_demo_with_four_arenas_matches_each_arenas_truth(tmp_path, capsys):
    """``openfield demo --arenas 4``: a 2 x 2 rig, every arena's row against its own mouse's truth."""
    from openfield.demo import ARENA_COMPARED

    out = tmp_path / "demo"
    assert main(["demo", "--arenas", "4", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "results" / "demo_arenas_vs_truth.csv")
    assert table["arena"].tolist() == [k for k in (1, 2, 3, 4) for _ in ARENA_COMPARED]
    summary = pd.read_csv(out / "results" / "summary_all.csv")
    assert summary["arena"].tolist() == [1, 2, 3, 4]
    for _, row in table.iterrows():
        assert row["measured"] == pytest.approx(summary.loc[row["arena"] - 1, row["measure"]], abs=1e-4)
        if row["measure"] in ("distance_cm", "mean_speed_cm_s"):
            assert abs(row["error_percent"]) <= 3.0, (row["arena"], row["measure"])
        elif row["measure"] in ("time_center_s", "time_border_s"):
            assert abs(row["error"]) <= 0.3, (row["arena"], row["measure"])
        elif row["measure"] == "center_entries":
            assert row["measured"] == row["true"] >= 2, row["arena"]
        assert f"{row['measured']:.3f}" in printed, (row["arena"], row["measure"])
    # the truths differ: four mice on four paths, not one copied
    assert table.loc[table["measure"] == "distance_cm", "true"].nunique() == 4
    video = out / "video" / "demo_arenas.mp4"
    mtime = video.stat().st_mtime_ns
    assert main(["demo", "--arenas", "4", "-o", str(out)]) == 0  # the video and the results are reused
    assert video.stat().st_mtime_ns == mtime
    assert main(["demo", "--arenas", "0", "-o", str(out)]) == 2
    assert "demo --arenas needs at least 2 arenas" in capsys.readouterr().err


def test_demo_video_rendered_again_only_when_its_settings_change(tmp_path, monkeypatch):
    """The demo's input resumes through the ledger like every step: the same settings reuse the video; another
    duration renders a video of that duration (the old check reused any video that was there)."""
    import openfield.demo as demo

    calls = []
    real = demo.render_video

    def counted(*args, **kwargs):
        calls.append(kwargs.get("fps"))
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "render_video", counted)
    out = tmp_path / "demo"
    small = {"image_size": (320, 240), "arena_size_cm": (40.0, 40.0), "progress": False}
    truth = out / "video" / f"{demo.DEMO_NAME}_truth.csv"
    demo.run_demo(out, duration_s=6.0, **small)
    short = len(pd.read_csv(truth))
    demo.run_demo(out, duration_s=6.0, **small)
    assert len(calls) == 1  # the same settings: the video is reused
    demo.run_demo(out, duration_s=8.0, **small)
    assert len(calls) == 2
    assert len(pd.read_csv(truth)) > short  # the longer video asked for, not the one that was there
    (out / "video" / f"{demo.DEMO_NAME}_bouts_truth.csv").unlink()  # a file of the input missing
    demo.run_demo(out, duration_s=8.0, **small)
    assert len(calls) == 3
