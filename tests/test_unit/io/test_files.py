"""Atomic writes leave either the whole file or nothing."""

import os
import stat

import pandas as pd
import pytest

from openfield.io import atomic_write, write_csv


def test_write_csv_creates_folder_and_file(tmp_path):
    out = write_csv(pd.DataFrame({"a": [1, 2]}), tmp_path / "sub" / "t.csv")
    assert pd.read_csv(out)["a"].tolist() == [1, 2]
    assert [p.name for p in out.parent.iterdir()] == ["t.csv"]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "t.csv"
    with pytest.raises(RuntimeError), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        out = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
