"""Which results a study may read (issue 22): the run records' outcome, this run's stems, the inputs' identity."""

import os

import pandas as pd
import pytest

from openfield.errors import OpenfieldError
from openfield.pipeline.boundary import record_outcome
from openfield.pipeline.results import find_results, result_status
from openfield.study.design import match_design, read_design


@pytest.fixture
def folder(tmp_path):
    """Results of ``a`` and of arena 1 of ``cage`` (files only), and their videos."""
    out = tmp_path / "out"
    out.mkdir()
    for stem in ("a", "cage_a1"):
        pd.DataFrame({"distance_cm": [1.0]}).to_csv(out / f"{stem}_summary.csv", index=False)
        pd.DataFrame({"x_cm": [0.0]}).to_csv(out / f"{stem}_kinematics.csv", index=False)
    for name in ("a.mp4", "cage.mp4"):
        (tmp_path / name).write_bytes(b"video" * 10)
    return out


def test_status_from_the_run_records(folder):
    video = folder.parent / "a.mp4"
    assert result_status(folder, "a") == ("unverified", "")
    record_outcome(folder, "a", None, [video])
    assert result_status(folder, "a") == ("ok", "")
    record_outcome(folder, "a", "cannot open as a video", [video])
    status, problem = result_status(folder, "a")
    assert status == "failed" and "failed in the last run (cannot open as a video)" in problem
    record_outcome(folder, "a", None, [video])
    st = os.stat(video)
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    status, problem = result_status(folder, "a")
    assert status == "stale" and str(video.resolve()) in problem
    video.unlink()  # gone (moved, another machine): cannot be checked, not refused
    assert result_status(folder, "a") == ("ok", "")


def test_an_arena_follows_its_videos_outcome(folder):
    record_outcome(folder, "cage", "expected 2 arenas, found 1", [folder.parent / "cage.mp4"])
    assert result_status(folder, "cage_a1")[0] == "failed"


def test_this_run_decides_alone(folder):
    record_outcome(folder, "a", None, [folder.parent / "a.mp4"])
    assert result_status(folder, "a", {"a": ""}) == ("this run", "")
    assert result_status(folder, "a", {"b": ""})[1].startswith("not produced by this run")
    assert "failed in this run (boom)" in result_status(folder, "a", {"a": "boom"})[1]
    assert result_status(folder, "cage_a1", {"cage_a1": ""}) == ("this run", "")


def test_match_leaves_refused_results_out_with_the_reason(folder, tmp_path):
    record_outcome(folder, "a", "cannot open as a video", [folder.parent / "a.mp4"])
    design_path = tmp_path / "design.csv"
    design_path.write_text("video,group,arena\na.mp4,g,\ncage.mp4,h,1\n")
    design, results = read_design(design_path), find_results([folder])
    with pytest.raises(OpenfieldError, match="a.mp4 \\(its input failed in the last run"):
        match_design(design, results, design_path=design_path)
    match = match_design(design, results, allow_missing=True)
    assert match.design["recording"].tolist() == ["cage_a1"] and match.unmatched == []
    assert "failed in the last run" in match.missing["reason"].iloc[0]
