"""Per-step timings: recorded in each video's step record, summed over a run, shown by ``openfield run -v``."""

import json
import logging
import time
from pathlib import Path

import pytest

from openfield import synthetic
from openfield.pipeline import RunConfig, run_videos
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.run import VideoResult
from openfield.pipeline.timings import format_timings, timing_table


def burn_cpu(seconds: float) -> None:
    """Busy until this process has used ``seconds`` more CPU seconds."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_step_that_runs_is_timed_wall_and_cpu(tmp_path):
    ledger = Ledger(tmp_path, "v")
    fp = fingerprint("slow", {})
    assert ledger.current("slow", fp) is None  # out of date: it runs, timed from here
    time.sleep(0.2)  # wall, almost no CPU
    burn_cpu(0.1)  # CPU (and as much wall)
    ledger.record("slow", fp, {})
    timing = ledger.records["slow"]["timing"]
    assert timing["wall_s"] >= 0.3
    assert 0.1 <= timing["cpu_s"] < timing["wall_s"] - 0.15  # the sleep is wall only
    # kept in the record file, read back by the next run's ledger
    assert json.loads(ledger.path.read_text())["steps"]["slow"]["timing"] == timing
    assert ledger.timings() == {"slow": timing}
    again = Ledger(tmp_path, "v")
    assert again.current("slow", fp) is not None  # up to date: skipped, nothing timed by this process
    assert again.timings() == {}


def test_a_step_recorded_untimed_has_no_timing(tmp_path):
    ledger = Ledger(tmp_path, "v_a1")
    fp = fingerprint("pose", {"arena": 1})
    ledger.current("pose", fp)
    ledger.record("pose", fp, {}, timed=False)  # an arena's part of the video's tracking step
    assert "timing" not in ledger.records["pose"] and ledger.timings() == {}


def test_parts_of_a_step_add_up(tmp_path):
    ledger = Ledger(tmp_path, "v")
    fp = fingerprint("k", {})
    ledger.current("k", fp)
    for _ in range(2):
        with ledger.part("k", "plots"):
            time.sleep(0.1)
    ledger.record("k", fp, {})
    parts = ledger.records["k"]["timing"]["parts"]
    assert list(parts) == ["plots"]
    assert 0.2 <= parts["plots"]["wall_s"] <= ledger.records["k"]["timing"]["wall_s"]


def _result(name, timings, arenas=()):
    return VideoResult(Path(name), "done", timings=timings, arenas=list(arenas))


def test_timing_table_sums_steps_over_videos_and_arenas():
    results = [
        _result("a.mp4", {"pose": {"wall_s": 2.0, "cpu_s": 3.0},
                          "kinematics": {"wall_s": 1.0, "cpu_s": 1.0,
                                         "parts": {"plots": {"wall_s": 0.5, "cpu_s": 0.4}}}}),
        _result("b.mp4", {"pose": {"wall_s": 4.0, "cpu_s": 5.0}},
                arenas=[_result("b.mp4", {"kinematics": {"wall_s": 0.5, "cpu_s": 0.5}})]),
    ]
    rows = timing_table(results, extra={"batch": {"wall_s": 0.5, "cpu_s": 0.5}})
    by = {r["step"]: r for r in rows}
    assert [r["step"] for r in rows] == ["pose", "kinematics", "kinematics: plots", "batch"]
    assert by["pose"] == {"step": "pose", "runs": 2, "wall_s": 6.0, "cpu_s": 8.0, "cpu_share": 0.8}
    assert by["kinematics"]["runs"] == 2 and by["kinematics"]["cpu_s"] == 1.5
    assert by["kinematics: plots"]["cpu_share"] == 0.04  # of the steps' 10 CPU seconds (parts not counted twice)
    assert by["batch"]["cpu_share"] == 0.05
    text = format_timings(rows, {"wall_s": 9.0, "cpu_s": 12.0, "startup_cpu_s": 0.7})
    assert "outside the steps 2.00 s" in text  # 12 CPU s in all, 10 in the steps
    assert "0.70 s CPU" in text
    assert timing_table([_result("c.mp4", {})]) == []


@pytest.mark.slow
def test_run_records_each_steps_timing_and_v_prints_the_table(tmp_path, caplog):
    sv = synthetic.render_video(tmp_path / "render", "m", fps=20, duration_s=2, image_size=(240, 180), seed=3)
    config = RunConfig(arena_size_cm=(40, 40), progress=False, jobs=1)
    with caplog.at_level(logging.DEBUG, logger="openfield"):
        (result,) = run_videos([sv.video], tmp_path / "out", config)
    steps = ["calibration", "pose", "kinematics", "quality", "summary"]
    assert list(result.timings) == steps
    record = json.loads((tmp_path / "out" / ".openfield" / "m.json").read_text())["steps"]
    for step in steps:
        timing = record[step]["timing"]
        assert timing == result.timings[step]
        assert timing["wall_s"] >= 0 and timing["cpu_s"] >= 0
    assert set(record["kinematics"]["timing"]["parts"]) == {"plots", "tables"}
    # the pose step's wall time holds the tracking of 40 frames: more than nothing
    assert record["pose"]["timing"]["wall_s"] > 0
    table = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("where the time went"))
    lines = table.splitlines()
    assert lines[1].split() == ["step", "runs", "wall", "s", "CPU", "s", "CPU", "%"]
    assert [line.split()[0] for line in lines[2:-1]] == ["calibration", "pose", "kinematics", "kinematics:",
                                                           "kinematics:", "quality", "summary", "batch"]
    assert lines[-1].startswith("whole run:")
    # a re-run with everything up to date times nothing and prints no table
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="openfield"):
        (again,) = run_videos([sv.video], tmp_path / "out", config)
    assert again.status == "skipped" and again.timings == {}
    assert not any(r.getMessage().startswith("where the time went") for r in caplog.records)
