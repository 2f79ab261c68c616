"""A batch of videos: every video through :func:`openfield.pipeline.run.process_video`, then the batch's files.

Above both :mod:`openfield.pipeline.run` (one video) and
:mod:`openfield.pipeline.parallel` (many videos on processes or a Dask
cluster), so neither imports the other's caller.
"""

from __future__ import annotations

import os
from pathlib import Path

from openfield.calibration import Calibration
from openfield.io.lock import claim_output_folder
from openfield.pipeline.config import RunConfig
from openfield.pipeline.parallel import map_videos
from openfield.pipeline.paths import check_arena_stems, find_videos
from openfield.pipeline.run import (
    VideoResult,
    _batch_outputs,
    check_arena_size_cm,
    check_output_folder,
    without_own_outputs,
)
from openfield.pipeline.timings import RunClock, log_timings


def run_videos(
    inputs: list[str | os.PathLike[str]], out_dir: str | os.PathLike[str], config: RunConfig, wait_s: float = 0.0
) -> list[VideoResult]:
    """Process every video (one failure does not stop the others); write ``summary_all.csv`` and the report.

    The whole batch holds the output folder's lock
    (:func:`openfield.io.lock.claim_output_folder`, which also removes the
    temporary files a killed run left); a full or read-only output folder
    stops the batch at once.

    Parameters
    ----------
    inputs
        Video files and/or folders.
    out_dir
        Output folder (created).
    config
        Run options (checked when made).
    wait_s
        How long to wait for another run holding the folder before refusing.

    Returns
    -------
    list of VideoResult
        One per video, in order.

    Raises
    ------
    FolderLockedError
        Another live run holds the output folder (its PID and host named).
    OutputStorageError
        The output folder cannot take a file (full disk, read-only...): the
        batch stops; finished videos' outputs stay as they are.
    """
    clock = RunClock.start()
    out_dir = Path(out_dir)
    check_output_folder(out_dir)
    check_arena_size_cm(config.arena_size_cm)
    if config.arena_diameter_cm is not None:
        check_arena_size_cm((config.arena_diameter_cm,), "--arena-diameter-cm")
    for cal in config.calibration if isinstance(config.calibration, list) else [config.calibration]:
        if isinstance(cal, Calibration) and cal.has_arena:
            check_arena_size_cm(cal.arena_size_cm, "the calibration's arena size")
    videos = without_own_outputs(find_videos(inputs), out_dir)
    if config.multi_arena:
        check_arena_stems(videos)
    with claim_output_folder(out_dir, wait_s):  # the parent holds the lock while the workers run
        results = map_videos(videos, out_dir, config)  # config.jobs processes, or config.scheduler's cluster
        batch = _batch_outputs(out_dir, results, "video", config.overwrite, report=True)
    log_timings(results, clock.stop(), batch)
    return results
