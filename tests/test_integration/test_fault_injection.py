"""Issue 16: a run killed by SIGKILL at random moments, then resumed, ends with an uninterrupted run's outputs."""

import shutil
import subprocess

import pandas as pd
import pytest
from faultinject import (
    command_env,
    compare_output_folders,
    kill_and_resume,
    openfield_command,
    temporaries,
    timed_run,
)

from openfield import synthetic
from openfield.io.lock import FolderLock, clean_stale_temporaries


@pytest.fixture(scope="module")
def video_and_reference(tmp_path_factory):
    """A short synthetic video (a folder name with a space and non-ASCII letters) and its uninterrupted run."""
    folder = tmp_path_factory.mktemp("vidéos") / "souris é"
    sv = synthetic.render_video(folder, "mouse a", fps=20, duration_s=4, image_size=(320, 240), seed=16)
    ref = tmp_path_factory.mktemp("reference") / "out"
    seconds = timed_run(run_command(sv.video, ref), ref)
    return sv.video, ref, seconds


def run_command(video, out):
    return openfield_command("run", str(video), "-o", str(out), "--arena-size-cm", "40", "40")


@pytest.mark.slow
def test_killed_at_random_moments_then_resumed_equals_an_uninterrupted_run(video_and_reference, tmp_path):
    video, ref, seconds = video_and_reference
    assert compare_output_folders(ref, ref) == []
    out = tmp_path / "killed"
    attempts = kill_and_resume(run_command(video, out), out, seconds, n_kills=3, seed=16)
    story = "; ".join(f"{a.delay_s and round(a.delay_s, 2)} s: killed={a.killed}, {len(a.outputs)} files"
                      for a in attempts)
    assert attempts[0].killed, story  # the first moment fell inside the run
    assert not attempts[-1].killed and attempts[-1].returncode == 0, story
    assert compare_output_folders(ref, out) == [], story
    # a killed run can leave only temporaries of atomic writes; the clean-up removes exactly those
    left = temporaries(out)
    with FolderLock(out):
        assert clean_stale_temporaries(out) == left
    assert temporaries(out) == []
    assert compare_output_folders(ref, out, ignore=()) == []


@pytest.mark.slow
def test_compare_output_folders_sees_differences(video_and_reference, tmp_path):
    _, ref, _ = video_and_reference
    other = tmp_path / "other"
    shutil.copytree(ref, other)
    report = other / "report.html"
    report.write_text(report.read_text(encoding="utf-8").replace(str(ref), str(other)), encoding="utf-8")
    assert compare_output_folders(ref, other) == []  # the same but for the folder named in the report
    kin = next(other.glob("*_kinematics.csv"))
    table = pd.read_csv(kin)
    col = table.select_dtypes("float").columns[0]
    table.loc[5, col] += 1e-6  # one number off by 1e-6
    table.to_csv(kin, index=False)
    next(other.glob("*_heatmap.png")).write_bytes(b"not a png")
    next(other.glob("*_calibration.json")).unlink()
    diffs = compare_output_folders(ref, other)
    assert len(diffs) == 3, diffs
    assert diffs[0].startswith("only in out: ") and diffs[0].endswith("_calibration.json")
    assert any(d.startswith(kin.name) for d in diffs) and any("unreadable image" in d for d in diffs)


@pytest.mark.slow
def test_a_resumed_run_removes_the_temporaries_a_killed_run_left(video_and_reference, tmp_path):
    video, ref, _ = video_and_reference
    out = tmp_path / "out"
    shutil.copytree(ref, out)
    (out / ".mouse a_heatmap.openfield-tmp-li4rxtqq.png").write_bytes(b"\x89PNG half")
    proc = subprocess.run(run_command(video, out), env=command_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert temporaries(out) == []


@pytest.mark.slow
def test_two_concurrent_runs_on_one_folder(video_and_reference, tmp_path):
    video, _, _ = video_and_reference
    out = tmp_path / "out"
    procs = [subprocess.Popen(run_command(video, out), env=command_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes[0] == 0 and codes[1] != 0, results
    loser = next(i for i, p in enumerate(procs) if p.returncode != 0)
    winner = procs[1 - loser]
    assert f"in use by another openfield run (PID {winner.pid} on " in results[loser][1]
    assert pd.read_csv(out / "summary_all.csv")["video"].tolist() == [video.name]
