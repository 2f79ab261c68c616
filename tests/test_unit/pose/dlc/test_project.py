"""A DeepLabCut project: creation, frame extraction, repair of a moved project, labelling refused without a display."""

from __future__ import annotations

import logging
import sys

import pytest
import yaml

from openfield.errors import OpenfieldError
from openfield.io.video import write_clip
from openfield.pose.dlc import checks, project


@pytest.mark.real_data
def test_create_project_and_extract_frames(clip, tmp_path):
    folder = tmp_path / "open_field_model"
    folder.mkdir()
    (folder / "README.md").write_text("kept\n")
    config = project.create_project("openfield", [clip], project_dir=folder)
    assert config == (folder / "config.yaml").resolve()
    cfg = yaml.safe_load(config.read_text())
    assert cfg["bodyparts"] == ["head", "body", "tail"]
    assert cfg["skeleton"] == [["head", "body"], ["body", "tail"]]
    assert cfg["engine"] == "pytorch" and cfg["project_path"] == str(folder.resolve())
    video = folder.resolve() / "videos" / clip.name
    assert list(cfg["video_sets"]) == [str(video)]
    assert video.is_file() and not video.is_symlink()  # copied: the project can be moved
    assert not list(folder.glob(".creating-*"))
    assert (folder / "README.md").read_text() == "kept\n"
    # a second call keeps the project
    assert project.create_project("openfield", [clip], project_dir=folder) == config

    folders = project.extract_frames(config, numframes=3)
    assert folders == [folder.resolve() / "labeled-data" / clip.stem]
    assert len(list(folders[0].glob("*.png"))) == 3
    # no labels yet: training says what to do
    with pytest.raises(OpenfieldError, match="no labelled frames"):
        checks.check_labels(config)


@pytest.mark.real_data
def test_create_refuses_a_folder_with_other_files(clip, tmp_path):
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(OpenfieldError, match="not empty"):
        project.create_project("openfield", [clip], project_dir=tmp_path)


@pytest.mark.parametrize(
    ("bodyparts", "warned"),
    [(project.DEFAULT_BODYPARTS, False), (("nose", "bodycentre", "tailbase"), False), (("a", "b"), True)],
)
def test_body_parts_without_a_body_centre_are_warned_about(tmp_path, caplog, bodyparts, warned):
    monkeypatch_log = logging.getLogger("openfield")
    propagate, monkeypatch_log.propagate = monkeypatch_log.propagate, True  # the CLI turns it off
    with (
        caplog.at_level(logging.WARNING, logger="openfield"),
        pytest.raises(OpenfieldError, match="at least one video"),
    ):
        project.create_project("openfield", [], bodyparts=bodyparts, project_dir=tmp_path / "p")
    monkeypatch_log.propagate = propagate
    assert any("body centre" in r.getMessage() for r in caplog.records) == warned


def test_bad_names_refused(tmp_path):
    with pytest.raises(OpenfieldError, match="must all differ"):
        project.create_project("openfield", [], bodyparts=("head", "head"), project_dir=tmp_path)
    with pytest.raises(OpenfieldError, match="one word without slashes"):
        project.create_project("open field", [], project_dir=tmp_path)


@pytest.mark.real_data
def test_repair_fills_the_example_placeholders(example):
    changes = project.repair_project(example)
    cfg = yaml.safe_load(example.read_text())
    assert cfg["project_path"] == str(example.parent.resolve())
    assert list(cfg["video_sets"]) == [str(example.parent.resolve() / "videos" / "m4s1.mp4")]
    assert cfg["video_sets"][str(example.parent.resolve() / "videos" / "m4s1.mp4")]["crop"] == "0, 640, 0, 480"
    assert len(changes) >= 2
    assert checks.check_labels(example) == {"m4s1": 100}
    assert project.repair_project(example) == []


@pytest.mark.real_data
def test_no_snapshots_before_training(example):
    assert project.snapshots(example) == []
    with pytest.raises(OpenfieldError, match="no trained network for shuffle 2") as info:
        project.trained_snapshots(example, shuffle=2)
    assert info.value.path.endswith("trainset95shuffle2/train")


@pytest.mark.real_data
def test_label_without_display(example, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert not project.has_display()
    with pytest.raises(OpenfieldError, match="no display"):
        project.label_frames(example)


@pytest.mark.real_data
def test_write_clip_known_frames(sample_data, tmp_path):
    """The clips these tests analyse (io.video.write_clip) hold exactly the frames asked for."""
    import cv2

    src = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    out = write_clip(src, tmp_path / "c.mp4", 10, start=5)
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 10
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30.0)
    cap.release()
    with pytest.raises(OpenfieldError, match="has only 2330 frames"):
        write_clip(src, tmp_path / "long.mp4", 10, start=2325)
    assert not (tmp_path / "long.mp4").exists()
