"""The processing log of ``openfield run`` and ``openfield kinematics``: every stage that makes or transforms the
recording's Dataset, in order, with its settings, kept in ``OUT/.openfield/log/<stem>.json``; a re-run replaces
the records of the steps it redoes and keeps the others."""

import pytest

from openfield import __version__, synthetic
from openfield.cli import main
from openfield.pipeline import STATE_DIR
from openfield.pipeline.steps import read_processing_log

STAGES = ["pose", "trial", "cleaning", "smoothing", "zones", "kinematics"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A 4 s synthetic video (20 frames/s) of a dark mouse in a 40 x 40 cm arena."""
    return synthetic.render_video(tmp_path_factory.mktemp("video"), "m", fps=20, duration_s=4,
                                  image_size=(320, 240), seed=3).video


def _run(video, out, *options):
    assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots", "--start", "0.5",
                 "--duration", "3", *options]) == 0


def test_the_run_logs_every_stage_in_order_with_its_settings(video, tmp_path):
    out = tmp_path / "out"
    _run(video, out)
    log = read_processing_log(out, "m")
    assert (out / STATE_DIR / "log" / "m.json").is_file()
    assert [r["step"] for r in log["log"]] == STAGES
    assert all(r["openfield_version"] == __version__ and r["datetime"] for r in log["log"])
    params = {r["step"]: r["parameters"] for r in log["log"]}
    assert params["pose"]["method"] == "classic" and params["pose"]["video"] == "m.mp4"
    assert params["pose"]["tracker"]["animal"] == "auto" and params["pose"]["fps"] == 20.0
    assert params["trial"]["start"] == 0.5 and params["trial"]["duration_s"] == 3.0
    assert params["trial"]["first"] == 10 and params["trial"]["stop"] == 70  # frames 0.5 s to 3.5 s at 20/s
    assert params["cleaning"]["likelihood_cutoff"] == 0.6 and params["cleaning"]["max_speed_cm_s"] == 150.0
    assert params["smoothing"]["smoother"] == "rts" and params["smoothing"]["smooth_window_s"] is None
    assert params["zones"]["arena_shape"] == "rectangle" and params["zones"]["zones"][:2] == ["center", "border"]
    assert params["kinematics"]["fps"] == 20.0 and params["kinematics"]["center_fraction"] == 0.5
    assert log["steps"]["pose"] == log["log"][:1] and log["steps"]["kinematics"] == log["log"][1:]

    # a kinematics option changed: the kinematics' records are replaced, the pose's (not redone) kept as they were
    _run(video, out, "--max-speed", "100")
    again = read_processing_log(out, "m")
    assert [r["step"] for r in again["log"]] == STAGES
    assert again["log"][0] == log["log"][0]
    assert {r["step"]: r["parameters"] for r in again["log"]}["cleaning"]["max_speed_cm_s"] == 100.0


def test_a_pose_files_log_starts_with_the_file(video, tmp_path):
    out = tmp_path / "out"
    _run(video, out)
    rc = main(["kinematics", str(out / "m_pose.csv"), "--calibration", str(out / "m_calibration.json"),
               "--fps", "20", "--no-plots", "-o", str(tmp_path / "kin")])
    assert rc == 0
    log = read_processing_log(tmp_path / "kin", "m_pose")["log"]
    assert [r["step"] for r in log] == ["pose", "cleaning", "smoothing", "zones", "kinematics"]
    assert log[0]["parameters"]["method"] == "file" and log[0]["parameters"]["file"] == "m_pose.csv"
    assert log[0]["parameters"]["fps"] == 20.0
