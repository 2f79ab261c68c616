"""``openfield run --jobs 2`` and a Dask LocalCluster of 2 worker processes: the same tables as ``--jobs 1``,
in input order; a corrupt video among four good ones is reported and the others finish; resume across modes."""

import shutil

import pandas as pd
import pytest

from openfield import synthetic
from openfield.cli import main
from openfield.pipeline import RunConfig, run_videos

pytestmark = pytest.mark.slow

STEMS = ["m0", "m1", "m2", "m3"]
TABLES = ["_summary.csv", "_kinematics.csv", "_pose.csv"]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Four 3 s, 240x180 synthetic videos and their ``--jobs 1`` outputs."""
    folder = tmp_path_factory.mktemp("videos")
    for i, stem in enumerate(STEMS):
        sv = synthetic.render_video(tmp_path_factory.mktemp("render"), stem, fps=20, duration_s=3,
                                    image_size=(240, 180), animal="dark" if i % 2 else "light", seed=40 + i)
        sv.video.rename(folder / sv.video.name)
    ref = tmp_path_factory.mktemp("ref")
    results = run_videos([folder], ref, RunConfig(arena_size_cm=(40, 40), progress=False, plots=False, jobs=1))
    assert [r.status for r in results] == ["done"] * 4
    return folder, ref


def assert_same_tables(ref, out):
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary_all.csv"), pd.read_csv(ref / "summary_all.csv"))
    for stem in STEMS:
        for suffix in TABLES:
            pd.testing.assert_frame_equal(pd.read_csv(out / f"{stem}{suffix}"), pd.read_csv(ref / f"{stem}{suffix}"))


@pytest.fixture
def mixed(videos, tmp_path):
    """The four videos and a corrupt ``m1b.mp4`` among them."""
    folder = tmp_path / "mixed"
    shutil.copytree(videos[0], folder)
    (folder / "m1b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    return folder


@pytest.mark.parametrize("fork", [True, False], ids=["forked-from-main", "forkserver"])
def test_jobs_2_equals_jobs_1_and_a_corrupt_video_is_reported(videos, mixed, tmp_path, capsys, monkeypatch, fork):
    from openfield.pipeline import parallel

    # in the test process, OpenCV's pool has run (stopped for the fork by parallel._forking) and torch may be loaded
    monkeypatch.setattr(parallel, "fork_is_safe", lambda: fork)
    started = []
    real = parallel.worker_context
    monkeypatch.setattr(parallel, "worker_context", lambda: started.append(real()) or started[-1])
    ref = videos[1]
    out = tmp_path / "out"
    rc = main(["run", str(mixed), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots", "--jobs", "2"])
    assert rc == 1
    captured = capsys.readouterr()
    assert "4 of 5 video(s) analysed" in captured.out
    failed = [line for line in captured.err.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "m1b.mp4" in failed[0] and "cannot open as a video" in failed[0]
    assert_same_tables(ref, out)
    assert [c.get_start_method() for c in started] == ["fork" if fork else "forkserver"]
    # resume is the same whatever the number of jobs: a sequential re-run finds everything up to date
    config = RunConfig(arena_size_cm=(40, 40), progress=False, plots=False, jobs=1)
    again = run_videos([mixed], out, config)
    assert [r.status for r in again] == ["skipped", "skipped", "failed", "skipped", "skipped"]


def test_fork_is_safe_only_without_threads_and_torch(monkeypatch):
    import sys
    import threading
    import types

    from openfield.pipeline.parallel import fork_is_safe

    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    monkeypatch.setitem(sys.modules, "numba.np.ufunc.parallel", types.SimpleNamespace(_is_initialized=False))
    assert fork_is_safe()
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a notebook kernel's threads, a progress bar's
    assert not fork_is_safe()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # DeepLabCut or a ViT loaded it
    assert not fork_is_safe()
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.setitem(sys.modules, "numba.np.ufunc.parallel", types.SimpleNamespace(_is_initialized=True))
    assert not fork_is_safe()


def test_forking_stops_opencvs_pool_and_puts_it_back():
    """A child forked while OpenCV's pool has threads waits for them for ever: none while a forking pool starts."""
    import multiprocessing

    import cv2

    from openfield.pipeline.parallel import _forking

    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        with _forking(multiprocessing.get_context("fork")):
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 2
        with _forking(multiprocessing.get_context("forkserver")):  # nothing to stop
            assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


def test_dask_cluster_equals_jobs_1_and_a_corrupt_video_is_reported(videos, mixed, tmp_path):
    from distributed import Client, LocalCluster

    ref = videos[1]
    out = tmp_path / "out"
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
          Client(cluster) as client):
        config = RunConfig(arena_size_cm=(40, 40), progress=False, plots=False, scheduler=client)
        results = run_videos([mixed], out, config)
        assert client.status == "running"  # the caller's client is left open
    assert [r.video.name for r in results] == ["m0.mp4", "m1.mp4", "m1b.mp4", "m2.mp4", "m3.mp4"]
    assert [r.status for r in results] == ["done", "done", "failed", "done", "done"]
    assert "cannot open as a video" in results[2].error
    assert_same_tables(ref, out)


def test_workers_die_with_a_batch_killed_by_sigkill(videos, tmp_path):
    """SIGKILL to ``openfield run --jobs 2``: no worker goes on writing into the folder once its lock is gone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")  # a DeepLabCut dependency, so always installed here
    out = tmp_path / "out"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "openfield", "run", str(videos[0]), "-o", str(out),
                             "--arena-size-cm", "40", "40", "--jobs", "2", "--overwrite"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    workers: list = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = []
        for p in parent.children(recursive=True):
            try:
                if p.status() == psutil.STATUS_ZOMBIE:
                    continue
                forked = p.ppid() == proc.pid and p.cmdline() == parent.cmdline()  # from the batch itself
                served = p.ppid() != proc.pid and "forkserver" in " ".join(p.cmdline())  # by a forkserver
                if forked or served:
                    workers.append(p)
            except psutil.Error:  # a helper process that has just ended
                continue
        if len(workers) >= 2:  # two workers
            break
        time.sleep(0.1)
    assert proc.poll() is None and len(workers) >= 2, "the batch ended before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def running(p) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:  # gone
            return False

    deadline = time.monotonic() + 10
    while any(running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p.pid for p in workers if running(p)]
