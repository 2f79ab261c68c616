"""``openfield run`` with ``--zones``, ``--start`` and ``--duration``: the window, the zone columns, the flag."""

import json

import numpy as np
import pandas as pd
import pytest

from openfield import synthetic
from openfield.cli import main

FPS = 20
OBJECT = ([14.0, 26.0], 9.0)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("video")
    sv = synthetic.render_video(tmp_path_factory.mktemp("truth"), "mouse_z", fps=FPS, duration_s=6,
                                image_size=(400, 300), seed=11)
    sv.video.rename(folder / sv.video.name)
    zones = folder.parent / "zones.json"
    zones.write_text(json.dumps({"units": "cm", "zones": [
        {"name": "object", "shape": "circle", "center": OBJECT[0], "radius": OBJECT[1]}]}))
    return folder, pd.read_csv(sv.truth), zones


def test_run_on_a_window_with_a_custom_zone(video, tmp_path):
    folder, truth, zones = video
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "--zones", str(zones),
                 "--start", "1", "--duration", "4", "--labeled-video", "--no-plots"]) == 0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row["trial_start_s"] == 1.0 and row["duration_s"] == pytest.approx(4.0)
    assert isinstance(row["qc_flags"], float) or "short_recording" not in row["qc_flags"]  # fits the 6-s video
    # the truth on the window, by |p - c| <= r on the true positions
    w = truth[(truth["time_s"] >= 1.0 - 1e-9) & (truth["time_s"] < 5.0 - 1e-9)]
    inside = np.hypot(w["body_x_cm"] - OBJECT[0][0], w["body_y_cm"] - OBJECT[0][1]) <= OBJECT[1]
    assert inside.any() and not inside.all()
    assert row["time_object_s"] == pytest.approx(inside.sum() / FPS, abs=0.3)
    frames = pd.read_csv(out / "mouse_z_kinematics.csv")
    assert frames["frame"].iloc[0] == FPS and len(frames) == 4 * FPS and frames["time_s"].iloc[0] == 0.0
    assert "in_object" in frames and (out / "mouse_z_labeled.mp4").exists()


def test_run_flags_a_window_longer_than_the_video(video, tmp_path):
    folder, truth, _ = video
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "--start", "2",
                 "--duration", "10", "--no-plots"]) == 0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    # the trial keeps what the video has after 2 s (the rendered video is len(truth) frames long)
    assert "short_recording" in row["qc_flags"] and row["duration_s"] == pytest.approx(len(truth) / FPS - 2.0)


def test_run_refuses_a_bad_zone_file_before_any_video(tmp_path, capsys):
    bad = tmp_path / "zones.json"
    bad.write_text(json.dumps({"zones": [{"name": "o", "shape": "star"}]}))
    code = main(["run", str(tmp_path / "no_video.mp4"), "-o", str(tmp_path / "out"), "--arena-size-cm", "40", "40",
                 "--zones", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and f"{bad}: zone 'o': unknown shape 'star'" in err, err
