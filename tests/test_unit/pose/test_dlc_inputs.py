"""Bad input to ``openfield pose`` gives one clear line (exit 2), never a DeepLabCut traceback.

Also: project creation and k-means frame extraction on a short clip of the example video.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
import yaml

from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io.video import write_clip
from openfield.pose import dlc

pytestmark = pytest.mark.real_data


@pytest.fixture
def example(sample_data, tmp_path):
    """A copy of the example project (placeholders in its config, as shipped)."""
    project = tmp_path / "example"
    shutil.copytree(sample_data / "dlc_openfield", project)
    return project / "config.yaml"


@pytest.fixture(scope="module")
def clip(sample_data, tmp_path_factory):
    """The first 60 frames of the example video."""
    return write_clip(sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4",
                      tmp_path_factory.mktemp("clip") / "m3v1clip.mp4", 60)


def one_error_line(capsys, argv):
    rc = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert rc == 2, captured
    assert "Traceback" not in captured.err
    errors = [line for line in lines if "error" in line.lower()]
    assert len(errors) == 1, lines  # INFO lines may come before; one error line, the last
    assert lines[-1] == errors[0] and errors[0].startswith("openfield pose: error: ")
    return errors[0]


def test_help_does_not_import_deeplabcut():
    code = "import sys; from openfield.cli import main\ntry: main(['pose', '--help'])\nexcept SystemExit: pass\n" \
           "assert 'deeplabcut' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_config_missing(capsys, tmp_path):
    missing = tmp_path / "nowhere" / "config.yaml"
    for argv in (["pose", "train", "--config", str(missing)], ["pose", "evaluate", "--config", str(missing)],
                 ["pose", "extract", "--config", str(missing)],
                 ["pose", "analyze", "v.mp4", "--config", str(missing), "-o", str(tmp_path)]):
        line = one_error_line(capsys, argv)
        assert str(missing) in line and "config not found" in line


def test_config_not_a_project(capsys, tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("just: a mapping\n")
    line = one_error_line(capsys, ["pose", "train", "--config", str(bad)])
    assert str(bad) in line and "missing Task" in line


def test_video_missing_or_unreadable(capsys, example, tmp_path):
    missing = tmp_path / "missing.mp4"
    line = one_error_line(capsys, ["pose", "analyze", str(missing), "--config", str(example), "-o", str(tmp_path)])
    assert str(missing) in line and "video not found" in line
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    line = one_error_line(capsys, ["pose", "analyze", str(garbage), "--config", str(example), "-o", str(tmp_path)])
    assert str(garbage) in line and "cannot be read as a video" in line
    line = one_error_line(capsys, ["pose", "create", "x", "--videos", str(garbage), "-d", str(tmp_path / "p")])
    assert "cannot be read as a video" in line


def test_analyze_before_training(capsys, example, clip, tmp_path):
    line = one_error_line(capsys, ["pose", "analyze", str(clip), "--config", str(example), "-o", str(tmp_path)])
    assert "no trained network for shuffle 1" in line and "openfield pose train" in line


def test_bodypart_in_config_absent_from_labels(capsys, example):
    text = example.read_text().replace("- tailbase\n", "- tailbase\n- tailtip\n", 1)
    example.write_text(text)
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--from-scratch"])
    assert "tailtip" in line and "absent from the labels" in line
    assert "CollectedData_Pranav.h5" in line


def test_cuda_asked_without_gpu(capsys, example, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # as on CI, also on a GPU machine
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--device", "cuda"])
    assert "no CUDA GPU" in line and "--device cpu" in line


def test_unknown_network(capsys, example):
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--net", "resnet_9000"])
    assert "unknown network 'resnet_9000'" in line and "cspnext_s" in line


def test_weights_file_missing(capsys, example, tmp_path):
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--net", "cspnext_s",
                                   "--weights", str(tmp_path / "imagenet.pth")])
    assert "weights file not found" in line


def test_label_without_display(capsys, example, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    line = one_error_line(capsys, ["pose", "label", "--config", str(example)])
    assert "no display" in line


def test_superanimal_offline(capsys, clip, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.time()
    line = one_error_line(capsys, ["pose", "analyze", str(clip), "--superanimal", "-o", str(tmp_path)])
    assert "SuperAnimal-TopViewMouse" in line and "cannot be downloaded" in line
    assert time.time() - start < 60


def test_create_project_and_extract_frames(clip, tmp_path):
    project = tmp_path / "open_field_model"
    project.mkdir()
    (project / "README.md").write_text("kept\n")
    config = dlc.create_project("openfield", [clip], project_dir=project)
    assert config == (project / "config.yaml").resolve()
    cfg = yaml.safe_load(config.read_text())
    assert cfg["bodyparts"] == ["head", "body", "tail"]
    assert cfg["skeleton"] == [["head", "body"], ["body", "tail"]]
    assert cfg["engine"] == "pytorch" and cfg["project_path"] == str(project.resolve())
    video = project.resolve() / "videos" / clip.name
    assert list(cfg["video_sets"]) == [str(video)]
    assert video.is_file() and not video.is_symlink()  # copied: the project can be moved
    assert not list(project.glob(".creating-*"))
    assert (project / "README.md").read_text() == "kept\n"
    # a second call keeps the project
    assert dlc.create_project("openfield", [clip], project_dir=project) == config

    folders = dlc.extract_frames(config, numframes=3)
    assert folders == [project.resolve() / "labeled-data" / clip.stem]
    assert len(list(folders[0].glob("*.png"))) == 3
    # no labels yet: training says what to do
    with pytest.raises(OpenfieldError, match="no labelled frames"):
        dlc.check_labels(config)


def test_create_refuses_a_folder_with_other_files(clip, tmp_path):
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(OpenfieldError, match="not empty"):
        dlc.create_project("openfield", [clip], project_dir=tmp_path)


def test_repair_fills_the_example_placeholders(example):
    changes = dlc.repair_project(example)
    cfg = yaml.safe_load(example.read_text())
    assert cfg["project_path"] == str(example.parent.resolve())
    assert list(cfg["video_sets"]) == [str(example.parent.resolve() / "videos" / "m4s1.mp4")]
    assert cfg["video_sets"][str(example.parent.resolve() / "videos" / "m4s1.mp4")]["crop"] == "0, 640, 0, 480"
    assert len(changes) >= 2
    assert dlc.check_labels(example) == {"m4s1": 100}
    assert dlc.repair_project(example) == []


def test_log_stream_sends_lines_to_the_logger(caplog):
    import logging

    stream = dlc._LogStream(logging.getLogger("openfield.test"), logging.INFO)
    with caplog.at_level(logging.INFO, logger="openfield.test"):
        stream.write("first line\nsecond ")
        stream.write("line\n\n")
        stream.write("tail")
        stream.flush()
    assert [r.getMessage() for r in caplog.records] == ["first line", "second line", "tail"]


def test_write_clip_known_frames(sample_data, tmp_path):
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


