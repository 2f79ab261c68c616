"""``openfield run`` reads the settings file beside each video: used without being named, recorded per video,
refused when an option contradicts it (unless ``--ignore-settings-files``)."""

import json

import pandas as pd
import pytest

from openfield import synthetic
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.pipeline import RunConfig
from openfield.tracking import TrackerConfig


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two 3 s synthetic videos (dark mice); ``mouse_a`` has a settings file (dark animal, 40 x 41 cm)."""
    folder = tmp_path_factory.mktemp("videos")
    for i, name in enumerate(("mouse_a", "mouse_b")):
        sv = synthetic.render_video(tmp_path_factory.mktemp("r"), name, fps=20, duration_s=3,
                                    image_size=(320, 240), animal="dark", seed=20 + i)
        sv.video.rename(folder / sv.video.name)
    (folder / "mouse_a.openfield.json").write_text(json.dumps({"animal": "dark", "arena_size_cm": [40, 41]}))
    return folder


def test_settings_file_used_without_naming_it_and_recorded(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(folder / "mouse_a.mp4"), "-o", str(out), "--no-plots", "-j", "1"]) == 0
    assert f"mouse_a.mp4: settings from {folder / 'mouse_a.openfield.json'}" in capsys.readouterr().err
    cal = json.loads((out / "mouse_a_calibration.json").read_text())
    assert cal["arena_size_cm"] == [40, 41]  # the file's size, no --arena-size-cm given
    table = pd.read_csv(out / "summary_all.csv")
    assert table.loc[0, "settings_file"] == "mouse_a.openfield.json"
    assert "mouse_a.mp4 (<code>mouse_a.openfield.json</code>)" in (out / "report.html").read_text()


def test_videos_without_a_file_are_marked(folder, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--no-plots", "--arena-size-cm", "40", "41", "-j", "1"]) == 0
    table = pd.read_csv(out / "summary_all.csv", keep_default_na=False).set_index("video")
    assert table.loc["mouse_a.mp4", "settings_file"] == "mouse_a.openfield.json"
    assert table.loc["mouse_b.mp4", "settings_file"] == ""
    assert "without one: mouse_b.mp4" in (out / "report.html").read_text()


@pytest.mark.parametrize(("options", "words"), [
    (["--animal", "light"], "--animal light contradicts the settings file's animal dark"),
    (["--arena-size-cm", "40", "40"], "--arena-size-cm 40 40 contradicts the settings file's arena_size_cm 40 41"),
])
def test_contradicting_option_is_refused_naming_both(folder, tmp_path, capsys, options, words):
    out = tmp_path / "out"
    assert main(["run", str(folder / "mouse_a.mp4"), "-o", str(out), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("openfield run: error: ") and len(err.splitlines()) == 1
    assert str(folder / "mouse_a.openfield.json") in err and words in err and "--ignore-settings-files" in err
    assert not out.exists()


def test_ignore_settings_files_and_no_size_at_all(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(folder / "mouse_b.mp4"), "-o", str(out)]) == 2  # no size from anywhere
    assert "give --calibration CAL.json, --arena-size-cm W H" in capsys.readouterr().err
    assert main(["run", str(folder / "mouse_a.mp4"), "-o", str(out), "--ignore-settings-files"]) == 2
    assert not out.exists()


def test_for_video_applies_the_video_settings(tmp_path):
    video = tmp_path / "m.mp4"
    config = RunConfig(arena_size_cm=(40, 40), tracker=TrackerConfig(animal="auto"), progress=False,
                       video_settings={str(video): {"animal": "light", "arena_size_cm": (30, 20),
                                                    "settings_file": str(tmp_path / "m.openfield.json")}})
    mine = config.for_video(video)
    assert mine.tracker.animal == "light" and mine.arena_size_cm == (30.0, 20.0)
    assert mine.settings_file.endswith("m.openfield.json")
    other = config.for_video(tmp_path / "n.mp4")
    assert other is config and other.tracker.animal == "auto" and other.settings_file == ""
    with pytest.raises(OpenfieldError, match="the size in every video's settings file"):
        RunConfig(video_settings={str(video): {"animal": "dark", "settings_file": ""}})


def test_a_circle_drawn_off_the_floor_is_the_circle_the_run_uses(tmp_path):
    """Issue 24: a settings file whose circle lies 5 px off the detected floor: the run takes the file's circle
    (calibration centre within 0.5 px of it), named by no option."""
    from draw_videos import render

    folder = tmp_path / "videos"
    folder.mkdir()
    video = render(folder / "round.mp4", "round")
    found = tmp_path / "found"
    assert main(["run", str(video), "-o", str(found), "--arena-diameter-cm", "40", "--no-plots", "-j", "1"]) == 0
    detected = json.loads((found / "round_calibration.json").read_text())
    assert detected["shape"] == "circle"
    drawn = [detected["center_px"][0] + 5.0, detected["center_px"][1]]
    (folder / "round.openfield.json").write_text(json.dumps(
        {"arena": {"shape": "circle", "center_px": drawn, "radius_px": detected["radius_px"]},
         "arena_diameter_cm": 40, "trial": {"start_s": 0.5}}))
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--no-plots", "-j", "1"]) == 0
    used = json.loads((out / "round_calibration.json").read_text())
    assert used["shape"] == "circle"
    assert abs(used["center_px"][0] - drawn[0]) <= 0.5 and abs(used["center_px"][1] - drawn[1]) <= 0.5
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row["settings_file"] == "round.openfield.json" and row["trial_start_s"] == pytest.approx(0.5)
