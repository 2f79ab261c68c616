"""Input checks shared by the DeepLabCut steps: each bad input is one line naming the file."""

from __future__ import annotations

import pytest

from openfield.errors import OpenfieldError
from openfield.pose.dlc import checks


def test_config_missing_or_not_a_project(tmp_path):
    missing = tmp_path / "nowhere" / "config.yaml"
    with pytest.raises(OpenfieldError, match="DeepLabCut project config not found") as info:
        checks.check_config(missing)
    assert info.value.path == str(missing)
    bad = tmp_path / "config.yaml"
    bad.write_text("just: a mapping\n")
    with pytest.raises(OpenfieldError, match="missing Task, scorer, date, bodyparts, TrainingFraction"):
        checks.check_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(OpenfieldError, match="no YAML mapping"):
        checks.check_config(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OpenfieldError, match="folder without a config.yaml"):
        checks.check_config(empty)


def test_video_missing_folder_or_garbage(tmp_path):
    with pytest.raises(OpenfieldError, match="video not found"):
        checks.check_video(tmp_path / "missing.mp4")
    with pytest.raises(OpenfieldError, match="is a folder"):
        checks.check_video(tmp_path)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    with pytest.raises(OpenfieldError, match="corrupt"):
        checks.check_videos([garbage])
    with pytest.raises(OpenfieldError, match="give at least one video"):
        checks.check_videos([])


@pytest.mark.real_data
def test_video_facts(clip):
    assert checks.check_video(clip) == (60, 30.0, (640, 480))
    assert checks.check_videos(str(clip)) == [(clip.resolve(), 30.0)]


@pytest.mark.real_data
def test_example_project_is_accepted_folder_or_file(example):
    assert checks.check_config(example.parent) == example.resolve()
    assert checks.read_project_config(example)["bodyparts"] == ["snout", "leftear", "rightear", "tailbase"]


@pytest.mark.real_data
def test_bodypart_in_config_absent_from_labels(example):
    text = example.read_text().replace("- tailbase\n", "- tailbase\n- tailtip\n", 1)
    example.write_text(text)
    with pytest.raises(OpenfieldError, match="tailtip.*absent from the labels") as info:
        checks.check_labels(example)
    assert info.value.path.endswith("CollectedData_Pranav.h5")


def test_check_at_least():
    checks.check_at_least(None, 1, "epochs")
    checks.check_at_least(32, 32, "crop_size", " px")
    with pytest.raises(OpenfieldError, match="^crop_size must be at least 32 px, got 31 px$"):
        checks.check_at_least(31, 32, "crop_size", " px")


def test_hub_not_reachable_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert checks.hub_reachable() is False
