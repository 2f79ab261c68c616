"""The checks the behaviour commands run before any work: option values, inputs, optional libraries."""

from __future__ import annotations

import argparse
import re

import pytest

from openfield.cli import main
from openfield.commands import behavior_options as bo
from openfield.errors import OpenfieldError


def test_a_missing_library_names_what_to_install():
    with pytest.raises(OpenfieldError) as exc:
        bo.require("sklearn", "no_such_module_xyz", action="pose-train")
    assert str(exc.value) == (
        "behavior pose-train needs no_such_module_xyz, not installed: pip install no_such_module_xyz"
    )
    bo.require("sklearn", "numpy", action="evaluate")  # installed: no error


def test_missing_library_stops_a_command_before_any_output(monkeypatch, tmp_path, capsys):
    real = bo.importlib.util.find_spec
    monkeypatch.setattr(bo.importlib.util, "find_spec", lambda name: None if name == "sklearn" else real(name))
    pose = tmp_path / "p.csv"
    pose.write_text("x")
    rc = main(["behavior", "pose-train", str(pose), "--labels", str(pose), "--fps", "25", "-o",
               str(tmp_path / "m.joblib")])
    assert rc == 2
    assert "needs scikit-learn, not installed: pip install scikit-learn" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (bo.positive_float, "0.5", 0.5),
        (bo.nonneg_float, "0", 0.0),
        (bo.int_at_least(1), "3", 3),
        (bo.fraction(), "1", 1.0),
        (bo.fraction(low_open=False, high_closed=False), "0", 0.0),
    ],
)
def test_option_types_accept(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (bo.positive_float, "0", "must be positive"),
        (bo.positive_float, "x", "not a number"),
        (bo.nonneg_float, "-1", "must be >= 0"),
        (bo.nonneg_float, "nan", "must be >= 0"),
        (bo.int_at_least(1), "0", "must be >= 1"),
        (bo.int_at_least(1), "1.5", "not a whole number"),
        (bo.fraction(), "0", "must be in (0, 1]"),
        (bo.fraction(low_open=False, high_closed=False), "1", "must be in [0, 1)"),
    ],
)
def test_option_types_refuse(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
        parse(text)


def test_bad_values_are_refused_before_any_work(tmp_path, capsys):
    cases = [
        (["behavior", "pose-train", "p.csv", "--labels", "l.csv", "--fps", "25", "-o", "m.joblib",
          "--cv-blocks", "1"], "--cv-blocks: must be >= 2"),
        (["behavior", "pose-predict", "p.csv", "--model", "m.joblib", "--fps", "25", "-o", "o",
          "--threads", "0"], "--threads: must be >= 1"),
        (["behavior", "predict", "v.mp4", "--model", "m", "-o", "o", "--window-s", "-1"], "--window-s: must be >= 0"),
        (["behavior", "train", "d", "--epochs", "0"], "--epochs: must be >= 1"),
    ]
    for argv, message in cases:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
    # files are checked before anything is read or written
    rc = main(["behavior", "pose-predict", str(tmp_path / "none.csv"), "--model", "m.joblib", "--fps", "25",
               "-o", str(tmp_path / "out")])
    assert rc == 2 and "none.csv: pose file not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    rc = main(["behavior", "evaluate", "--pred", "p.csv", "--labels", "l.csv", "--start-s", "5", "--end-s", "2"])
    assert rc == 2 and "--end-s (2.0) must be after --start-s (5.0)" in capsys.readouterr().err
