"""Where videos run (``openfield.pipeline.parallel``): options checked, input order kept, per-video failures,
a storage error stops the batch, the GPU resource annotation, thread caps, and the SLURM example of docs/run.md.

The per-video task is replaced by a fake here (an in-process Dask cluster runs it in this process, so the
fake applies); the real task in worker processes is tested in tests/test_integration/test_run_parallel.py.
"""

import errno
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from openfield.cli import main
from openfield.errors import OpenfieldError, OutputStorageError
from openfield.pipeline import RunConfig, VideoResult, parallel
from openfield.pipeline import run as run_module

REPO = Path(__file__).resolve().parents[3]
VIDEOS = [Path(f"/videos/v{i}.mp4") for i in range(4)]


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True, "2"])
def test_jobs_must_be_a_whole_number_of_at_least_1(jobs):
    with pytest.raises(OpenfieldError, match=r"^--jobs must be a whole number of at least 1"):
        RunConfig(arena_size_cm=(40, 40), jobs=jobs)


def test_bad_options_refused_in_one_line(tmp_path, capsys):
    assert main(["run", str(tmp_path), "-o", str(tmp_path / "out"), "--arena-size-cm", "40", "40", "-j", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "openfield run: error: --jobs must be a whole number of at least 1 (videos at the same time), got 0"
    with pytest.raises(OpenfieldError, match="--scheduler must be a Dask scheduler address"):
        RunConfig(arena_size_cm=(40, 40), scheduler=" ")


def test_available_cores():
    assert parallel.available_cores() == len(os.sched_getaffinity(0))


@pytest.mark.slow  # a fresh interpreter imports the package
def test_limit_threads_caps_every_pool():
    code = ("import cv2, numpy, threadpoolctl; from openfield.pipeline.parallel import limit_threads; "
            "limit_threads(1); import os; "
            "print(cv2.getNumThreads(), os.environ['OMP_NUM_THREADS'], "
            "sorted({p['num_threads'] for p in threadpoolctl.threadpool_info()}))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "8"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(None, 2) == ["1", "1", "[1]\n"]


def fake_process_video(calls, storage_error_on=None, finished=None):
    """A stand-in for ``process_video``: later videos finish first; v1 has a bad input."""

    def process_video(video, out_dir, config):
        calls.append(video.name)
        time.sleep(0.15 * (4 - int(video.stem[1:])))
        if finished is not None:
            finished.append(video.name)
        if video.stem == "v1":
            raise OpenfieldError("cannot open as a video", video)
        if video.stem == storage_error_on:
            raise OutputStorageError("cannot write output: disk full", out_dir, errno=errno.ENOSPC)
        return VideoResult(video, "done", summary={"video": video.name})

    return process_video


@pytest.fixture(scope="module")
def in_process_cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=4, processes=False, dashboard_address=None) as cluster:
        yield cluster


def test_sequential_order_failures_and_storage_error(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(run_module, "process_video", fake_process_video(calls))
    config = RunConfig(arena_size_cm=(40, 40), progress=False)
    results = parallel.map_videos(VIDEOS, tmp_path, config)
    assert [(r.video.name, r.status) for r in results] == [("v0.mp4", "done"), ("v1.mp4", "failed"),
                                                          ("v2.mp4", "done"), ("v3.mp4", "done")]
    assert results[1].error == "cannot open as a video"
    calls.clear()
    monkeypatch.setattr(run_module, "process_video", fake_process_video(calls, storage_error_on="v2"))
    with pytest.raises(OutputStorageError, match="disk full"):
        parallel.map_videos(VIDEOS, tmp_path, config)
    assert calls == ["v0.mp4", "v1.mp4", "v2.mp4"]  # the batch stopped there


def test_dask_address_order_failures_and_storage_error(in_process_cluster, tmp_path, monkeypatch):
    finished = []
    monkeypatch.setattr(run_module, "process_video", fake_process_video([], finished=finished))
    config = RunConfig(arena_size_cm=(40, 40), progress=False, scheduler=in_process_cluster.scheduler_address)
    results = parallel.map_videos(VIDEOS, tmp_path, config)
    assert sorted(finished) == [v.name for v in VIDEOS] and finished[0] != "v0.mp4"  # out of order
    assert [r.video for r in results] == VIDEOS  # returned in order
    assert [r.status for r in results] == ["done", "failed", "done", "done"]
    monkeypatch.setattr(run_module, "process_video", fake_process_video([], storage_error_on="v2"))
    with pytest.raises(OutputStorageError, match="disk full") as caught:
        parallel.map_videos(VIDEOS, tmp_path, config)
    assert caught.value.errno == errno.ENOSPC and caught.value.path == str(tmp_path)


@pytest.mark.parametrize(("options", "resources"), [
    ({}, None),
    ({"pose": "dlc", "dlc_config": Path("config.yaml")}, {"GPU": 1}),
    ({"behavior_model": "MODEL"}, {"GPU": 1}),
])
def test_gpu_stages_ask_for_one_gpu_per_task(in_process_cluster, tmp_path, monkeypatch, options, resources):
    from distributed import Client

    monkeypatch.setattr(run_module, "process_video", fake_process_video([]))
    if options.get("behavior_model"):  # a ViT folder as the set-up checks it: config.json, safetensors weights
        from safetensors.numpy import save_file

        (tmp_path / "MODEL").mkdir()
        (tmp_path / "MODEL" / "config.json").write_text('{"id2label": {"0": "rearing", "1": "other"}}')
        save_file({"w": np.zeros(1, np.float32)}, str(tmp_path / "MODEL" / "model.safetensors"))
        options = {"behavior_model": tmp_path / "MODEL"}
    seen = []
    with Client(in_process_cluster) as client:
        real_submit = client.submit

        def submit(*args, **kwargs):
            seen.append(kwargs.get("resources"))
            kwargs.pop("resources", None)  # this test cluster has no GPU
            return real_submit(*args, **kwargs)

        monkeypatch.setattr(client, "submit", submit)
        config = RunConfig(arena_size_cm=(40, 40), progress=False, scheduler=client, **options)
        assert len(parallel.map_videos(VIDEOS, tmp_path, config)) == 4
    assert seen == [resources] * 4


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_the_slurm_example_of_the_docs():
    """The two ``SLURMCluster`` calls of docs/run.md, made for real (offline: nothing is submitted)."""
    pytest.importorskip("dask_jobqueue")
    text = (REPO / "docs" / "run.md").read_text()
    section = text[text.index("### A cluster on SLURM"):]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    cpu_part = blocks[0][:blocks[0].index("cluster.scale")]  # stop before submitting jobs and running
    namespace = {}
    exec(cpu_part, namespace)
    exec(blocks[1], namespace)
    cpu, gpu = namespace["cluster"], namespace["gpu_cluster"]
    try:
        script = cpu.job_script()
        assert "#SBATCH --cpus-per-task=16" in script and "#SBATCH --exclusive" in script
        assert "--nworkers 16" in script and "--nthreads 1" in script and "--resources" not in script
        script = gpu.job_script()
        assert "#SBATCH --gres=gpu:1" in script and "--nworkers" not in script  # one worker process
        assert "--resources GPU=1" in script and "--nthreads 8" in script
        assert cpu.scheduler_address.startswith("tcp://")
    finally:
        cpu.close()
        gpu.close()


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    import dask

    config = RunConfig(arena_size_cm=(40, 40), progress=False, scheduler="tcp://127.0.0.1:9")
    with (dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
          pytest.raises(OpenfieldError, match=r"^--scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9")):
        parallel.map_videos(VIDEOS, tmp_path, config)
