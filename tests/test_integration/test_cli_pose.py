"""``openfield pose``: bad input is one line on stderr (exit 2), before any work, never a traceback.

The library's checks behind these lines are tested in tests/test_unit/pose/dlc/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from openfield.cli import main


@pytest.fixture
def example(sample_data, tmp_path):
    """A copy of the example project (placeholders in its config, as shipped)."""
    project = tmp_path / "example"
    shutil.copytree(sample_data / "dlc_openfield", project)
    return project / "config.yaml"


def one_error_line(capsys, argv):
    rc = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert rc == 2, captured
    assert "Traceback" not in captured.err
    assert captured.out == ""
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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["train", "--crop-size", "16"], "--crop-size must be at least 32 px, got 16 px"),
        (["train", "--save-epochs", "0"], "--save-epochs must be at least 1, got 0"),
        (["train", "--batch-size", "-2"], "--batch-size must be at least 1, got -2"),
        (["evaluate", "--shuffle", "0"], "--shuffle must be at least 1, got 0"),
        (["extract", "--numframes", "0"], "--numframes must be at least 1, got 0"),
        (["analyze", "v.mp4", "-o", "out", "--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    ],
)
def test_option_out_of_range_refused_before_any_work(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    missing = str(tmp_path / "nowhere.yaml")  # checked later: the option comes first
    line = one_error_line(capsys, ["pose", *argv, "--config", missing])
    assert line == f"openfield pose: error: {message}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.real_data
def test_video_missing(capsys, example, tmp_path):
    missing = tmp_path / "missing.mp4"
    line = one_error_line(capsys, ["pose", "analyze", str(missing), "--config", str(example), "-o", str(tmp_path)])
    assert str(missing) in line and "video not found" in line
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    line = one_error_line(capsys, ["pose", "create", "x", "--videos", str(garbage), "-d", str(tmp_path / "p")])
    assert str(garbage) in line and "corrupt" in line


@pytest.mark.real_data
def test_cuda_asked_without_gpu(capsys, example, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # as on CI, also on a GPU machine
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--device", "cuda"])
    assert "no CUDA GPU" in line and "--device cpu" in line


@pytest.mark.real_data
def test_weights_file_missing(capsys, example, tmp_path):
    line = one_error_line(capsys, ["pose", "train", "--config", str(example), "--net", "cspnext_s",
                                   "--weights", str(tmp_path / "imagenet.pth")])
    assert "weights file not found" in line


@pytest.mark.real_data
def test_label_without_display(capsys, example, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    line = one_error_line(capsys, ["pose", "label", "--config", str(example)])
    assert "no display" in line
