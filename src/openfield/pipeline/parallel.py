"""Videos in parallel: worker processes on this machine (``--jobs N``) or a Dask cluster (``--scheduler``).

Each video is one task, :func:`openfield.pipeline.run.process_video`, as in a
sequential run: the same steps, the same settings fingerprints, the same
files in the shared output folder (each video writes only its own
``<stem>_*`` files and its own step record ``OUT/.openfield/<stem>.json``),
so the results, and what a later run resumes, do not depend on how many
workers made them. Results come back in input order.

- ``jobs == 1`` (or a single video): in this process, one after another.
- ``jobs > 1``: a :class:`~concurrent.futures.ProcessPoolExecutor`. Its
  workers are forked from this process once it has imported the pipeline
  (:data:`PRELOAD`), when that is safe (Linux, no other thread running, no
  torch loaded: :func:`fork_is_safe`), as ``openfield run`` is; otherwise
  (a notebook's kernel, a run with DeepLabCut) from a ``forkserver``, a
  fresh single-threaded process that imports the pipeline once (``spawn``
  where there is none): forking a process that holds OpenCV or torch
  threads can hang. Forking this process saves the second import, about
  2 s of a core per run. Each worker is limited to ``cores // jobs``
  BLAS/OpenMP/OpenCV/torch threads so that the workers do not
  oversubscribe the cores.
- a Dask scheduler address or a ``distributed.Client``: the same tasks on
  the cluster's workers, which must see the videos and the output folder
  at the same paths (a shared file system). A run with DeepLabCut or a
  behaviour model asks for one ``GPU`` resource per task (start the
  workers with ``--resources GPU=1``).

Any exception a video raises makes it ``failed`` and the others go on
(:mod:`openfield.pipeline.boundary`: an unexpected one's traceback goes to
``OUT/.openfield/<stem>.error.log``); an
:class:`~openfield.errors.OutputStorageError` (full disk, no permission)
stops the batch: pending videos are cancelled and the error is raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from openfield.errors import OpenfieldError, OutputStorageError
from openfield.io.lock import forget_inherited_locks
from openfield.pipeline import run as video_run  # process_video called through its module (tests replace it)
from openfield.pipeline.boundary import guarded, record_outcome
from openfield.pipeline.run import VideoResult

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

    from openfield.pipeline.config import RunConfig

log = logging.getLogger(__name__)

#: Environment variables that cap the threads of BLAS, OpenMP and numexpr pools.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS")

#: Imported once before the workers are forked, so that each starts with them: the pipeline and what its steps
#: import where they use it (the plots, the tables' writer), which the pipeline's own import leaves out. Only
#: what a run of the classical tracker imports: each module here is serial time before the first video starts
#: (dask, numbagg and jinja2 no longer are: see openfield.lazy); scipy.signal is, as every video's kinematics uses it.
PRELOAD = ["openfield.pipeline.run", "openfield.pipeline.parallel", "openfield.pipeline.timings", "matplotlib.pyplot",
           "openfield.plots", "pyarrow.csv", "scipy.signal"]

#: Modules whose thread pools or device state do not survive a fork: with one loaded, workers come from a forkserver.
FORK_UNSAFE_MODULES = ("torch", "tensorflow", "jax")

#: The Dask worker resource a task with a GPU stage asks for (one per task).
GPU_RESOURCE = "GPU"


def available_cores() -> int:
    """The cores this process may run on (its affinity mask where the system has one).

    Returns
    -------
    int
        At least 1.
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - macOS, Windows


def uses_gpu(config: RunConfig) -> bool:
    """Whether a run has a stage that wants a GPU (DeepLabCut pose or a behaviour ViT)."""
    return config.pose == "dlc" or config.behavior_model is not None


def limit_threads(n: int) -> None:
    """Cap this process's BLAS, OpenMP, OpenCV and torch thread pools at ``n`` threads.

    The environment variables reach libraries loaded later (torch's OpenMP
    reads ``OMP_NUM_THREADS`` when it loads); threadpoolctl caps those
    already loaded (numpy's BLAS); OpenCV and torch (if imported) are told
    directly.

    Parameters
    ----------
    n
        Threads per pool, at least 1.
    """
    n = max(1, int(n))
    for name in THREAD_VARIABLES:
        os.environ[name] = str(n)
    threadpool_limits(limits=n)
    cv2.setNumThreads(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def fork_is_safe() -> bool:
    """Whether workers may be forked from this process.

    Linux, no other Python thread, none of :data:`FORK_UNSAFE_MODULES`
    loaded and numba's thread pool not started. (OpenCV's pool is stopped
    for the fork by :func:`_forking`; OpenBLAS handles a fork itself.)

    Returns
    -------
    bool
        False in a notebook's kernel (its own threads), after DeepLabCut or a
        behaviour model loaded torch, on macOS (system libraries that do not
        survive a fork) and where there is no fork.
    """

    if not (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()):
        return False  # pragma: no cover - not Linux
    if threading.active_count() != 1 or any(m in sys.modules for m in FORK_UNSAFE_MODULES):
        return False
    numba_pool = sys.modules.get("numba.np.ufunc.parallel")
    return not getattr(numba_pool, "_is_initialized", False)


def worker_context() -> multiprocessing.context.BaseContext:
    """Where the workers come from: this process after :data:`PRELOAD`, when :func:`fork_is_safe`; else a forkserver.

    ``spawn`` where there is no forkserver (Windows).
    """
    if fork_is_safe():
        for name in PRELOAD:
            importlib.import_module(name)
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


@contextlib.contextmanager
def _forking(context: multiprocessing.context.BaseContext) -> Iterator[None]:
    """While a forking pool starts its workers: OpenCV's thread pool stopped, then as it was.

    A fork copies only the calling thread: a child whose OpenCV pool had
    threads in the parent waits for them for ever at its first parallel
    call. With one thread OpenCV holds no pool.
    """
    if context.get_start_method() != "fork":
        yield
        return

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def _exit_with_main(main_pid: int, poll_s: float = 0.5) -> None:
    """Watch the main process from a daemon thread; end this worker at once when it is gone.

    A batch killed with SIGKILL must not leave workers writing into the
    output folder after its lock is gone (workers are children of the
    forkserver, which outlives the main process, so the kernel's
    parent-death signal does not reach them).
    """

    def watch() -> None:
        while True:
            try:
                os.kill(main_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, owned by someone else (cannot happen for our own parent)
                pass
            time.sleep(poll_s)

    threading.Thread(target=watch, name="openfield-main-watch", daemon=True).start()


def _init_worker(threads: int, log_level: int, log_to_stderr: bool, main_pid: int | None = None) -> None:
    """Worker process start: end with the main process, thread caps, then its log level and stderr handler.

    A worker forked from the batch lets go of the batch's output-folder lock
    (its inherited copy of the lock file), which stays the batch's.
    """

    forget_inherited_locks()
    if main_pid is not None:
        _exit_with_main(main_pid)
    limit_threads(threads)
    logger = logging.getLogger("openfield")
    if log_to_stderr:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.handlers[:] = [handler]
        logger.propagate = False
    logger.setLevel(log_level)


@dataclass
class _StorageFailure:
    """An :class:`OutputStorageError` carried back from a worker (its fields survive pickling)."""

    message: str
    path: str | None
    errno: int | None

    def error(self) -> OutputStorageError:
        return OutputStorageError(self.message, self.path, self.errno)


def run_one(video: Path, out_dir: Path, config: RunConfig) -> VideoResult | _StorageFailure:
    """One video's task, in whatever process runs it: its result, ``failed`` on any exception.

    The boundary is :func:`openfield.pipeline.boundary.guarded`: any
    exception but a storage error makes this video ``failed`` (its one-line
    cause in ``error``); the outcome is kept in the video's step record.

    Parameters
    ----------
    video
        The video file.
    out_dir
        The (shared) output folder.
    config
        Run options.

    Returns
    -------
    VideoResult or _StorageFailure
        The latter when the output folder could not take a file (the caller
        stops the batch).
    """

    try:
        result, error = guarded(lambda: video_run.process_video(video, out_dir, config), video.name, out_dir,
                                video.stem)
        if result is None:
            result = VideoResult(video, "failed", error=error)
        record_outcome(out_dir, video.stem, result.error, [video])
        return result
    except OutputStorageError as exc:
        return _StorageFailure(exc.message, exc.path, exc.errno)


def map_videos(videos: list[Path], out_dir: Path, config: RunConfig,
               client: Client | None = None) -> list[VideoResult]:
    """Every video's :func:`run_one`, sequentially, in worker processes or on a Dask cluster.

    Parameters
    ----------
    videos
        Video files.
    out_dir
        Output folder (exists).
    config
        Run options; ``config.jobs`` and ``config.scheduler`` choose where.
    client
        A Dask client to use instead of ``config.scheduler``.

    Returns
    -------
    list of VideoResult
        One per video, in the order of ``videos``.

    Raises
    ------
    OutputStorageError
        The output folder cannot take a file; the videos not yet started
        are cancelled.
    """

    scheduler = client if client is not None else config.scheduler
    if scheduler is None and (config.jobs == 1 or len(videos) < 2):
        bar = tqdm(videos, desc="videos", unit="video", disable=not config.progress or len(videos) < 2)
        results = []
        for video in bar:
            result = run_one(video, out_dir, config)
            if isinstance(result, _StorageFailure):
                raise result.error()
            results.append(result)
        return results
    # workers run quietly (their frame bars would overwrite each other); where is not part of the task
    task_config = dataclasses.replace(config, progress=False, jobs=1, scheduler=None)

    def bar() -> tqdm:
        return tqdm(total=len(videos), desc="videos", unit="video", disable=not config.progress)

    if scheduler is None:
        return list(_on_processes(videos, out_dir, task_config, config.jobs, bar))
    return list(_on_dask(videos, out_dir, task_config, scheduler, bar))


def _in_order(results: dict[int, VideoResult], n: int) -> Iterator[VideoResult]:
    return (results[i] for i in range(n))


def _on_processes(videos: list[Path], out_dir: Path, config: RunConfig, jobs: int,
                  progress_bar: Callable[[], Any]) -> Iterator[VideoResult]:
    """The tasks in ``min(jobs, len(videos))`` worker processes; the bar is made once they have started.

    (A forking pool starts its workers at the first task: before the bar's
    monitor thread, so that :func:`fork_is_safe` holds.)
    """
    workers = min(jobs, len(videos))
    threads = max(1, available_cores() // workers)
    openfield_log = logging.getLogger("openfield")
    log.debug("%d videos on %d worker processes, %d thread(s) each", len(videos), workers, threads)
    results: dict[int, VideoResult] = {}
    context = worker_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(threads, openfield_log.getEffectiveLevel(),
                                       bool(openfield_log.handlers), os.getpid())) as pool:
        with _forking(context):  # a forking pool starts every worker at the first task
            pending: dict[Future[Any], int] = {pool.submit(run_one, v, out_dir, config): i
                                               for i, v in enumerate(videos)}
        with progress_bar() as bar:
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        i = pending.pop(future)
                        result = future.result()
                        if isinstance(result, _StorageFailure):
                            raise result.error()
                        results[i] = result
                        bar.update(1)
            except BaseException:
                for future in pending:
                    future.cancel()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return _in_order(results, len(videos))


def _on_dask(videos: list[Path], out_dir: Path, config: RunConfig, scheduler: str | Client,
             progress_bar: Callable[[], Any]) -> Iterator[VideoResult]:
    """The tasks on a Dask cluster (a scheduler address, or a client the caller owns and closes)."""
    from distributed import Client, as_completed  # an optional dependency, loaded lazily: only --scheduler

    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler) if own else scheduler
    except (OSError, TimeoutError, ValueError) as exc:
        raise OpenfieldError(f"--scheduler: cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        extra = {"resources": {GPU_RESOURCE: 1}} if uses_gpu(config) else {}
        futures = [client.submit(run_one, v, out_dir, config, pure=False, **extra) for v in videos]
        index = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, VideoResult] = {}
        try:
            with progress_bar() as bar:
                for future in as_completed(futures):
                    result = future.result()
                    if isinstance(result, _StorageFailure):
                        raise result.error()
                    results[index[future.key]] = result
                    bar.update(1)
        except BaseException:
            client.cancel(futures)
            raise
        return _in_order(results, len(videos))
    finally:
        if own:
            client.close()
