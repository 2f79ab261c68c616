"""The typed options of the pipeline, checked when made (so notebooks get the same checks as the CLI)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.kinematics import KinematicsConfig
from openfield.tracking import TrackerConfig

POSE_METHODS = ("classic", "dlc")

#: Behaviour columns added to a video's summary with ``--behavior-model``.
BEHAVIOR_COLUMNS = [f"{m}_{b}{u}" for b in ("rearing", "grooming")
                    for m, u in (("time", "_s"), ("bouts", ""), ("latency", "_s"))]


def check_fps(fps: float | None, required: bool = False) -> None:
    """Refuse a frame rate that is not a positive number (``--fps``)."""
    if fps is None:
        if required:
            raise OpenfieldError("--fps is required (the video's frame rate)")
        return
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"--fps must be a positive number (frames per second), got {fps!r}")


def check_arena_size(size: tuple[float, float] | None) -> tuple[float, float] | None:
    """Refuse a floor size that is not two positive numbers (``--arena-size-cm W H``)."""
    if size is None:
        return None
    if len(size) != 2 or not all(math.isfinite(v) and v > 0 for v in size):
        raise OpenfieldError(f"--arena-size-cm must be two positive numbers W H in cm, got {tuple(size)}")
    return float(size[0]), float(size[1])


def check_jobs(jobs: int) -> None:
    """Refuse a number of parallel videos that is not a whole number of at least 1 (``--jobs``)."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise OpenfieldError(f"--jobs must be a whole number of at least 1 (videos at the same time), got {jobs!r}")


@dataclass
class RunConfig:
    """Everything ``openfield run`` needs besides the videos.

    Attributes
    ----------
    calibration
        One calibration for all videos, or None to find the arena in each
        video (then ``arena_size_cm`` is required).
    arena_size_cm
        Floor width and height in cm, for per-video arena detection.
    pose
        ``"classic"`` (built-in tracker) or ``"dlc"`` (DeepLabCut).
    dlc_config
        DeepLabCut project ``config.yaml`` for ``pose="dlc"``.
    fps
        Frame rate to use instead of the videos' own.
    tracker, kinematics
        Options of those steps.
    plots
        Write the PNG plots (and show them in the report).
    behavior_model
        Folder of a trained behaviour ViT (``openfield behavior train``);
        when given, rearing and grooming time, bouts and latency join each
        video's summary and the ethogram joins the report.
    progress
        Show progress bars.
    overwrite
        Redo every step even where it is up to date (a changed option
        already redoes the steps it affects).
    jobs
        Videos processed at the same time, each in its own worker process
        (:mod:`openfield.pipeline.parallel`); 1: one after another in this
        process. The results do not depend on it.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a
        ``distributed.Client``: the videos are processed on that cluster's
        workers instead (``jobs`` is then not used).

    Raises
    ------
    OpenfieldError
        A value out of range, or a missing companion option, naming the
        option.
    """

    calibration: Calibration | None = None
    arena_size_cm: tuple[float, float] | None = None
    pose: str = "classic"
    dlc_config: Path | None = None
    fps: float | None = None
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    plots: bool = True
    behavior_model: Path | None = None
    progress: bool = True
    overwrite: bool = False
    jobs: int = 1
    scheduler: Any = None

    def __post_init__(self) -> None:
        check_jobs(self.jobs)
        if isinstance(self.scheduler, str) and not self.scheduler.strip():
            raise OpenfieldError("--scheduler must be a Dask scheduler address such as tcp://host:8786, got ''")
        if self.pose not in POSE_METHODS:
            raise OpenfieldError(f"--pose must be one of {', '.join(POSE_METHODS)}, not {self.pose!r}")
        if self.calibration is None and self.arena_size_cm is None:
            raise OpenfieldError("give --calibration CAL.json or --arena-size-cm W H")
        self.arena_size_cm = check_arena_size(self.arena_size_cm)
        check_fps(self.fps)
        if self.pose == "dlc" and self.dlc_config is None:
            raise OpenfieldError("--pose dlc needs --dlc-config path/to/config.yaml")
        if self.behavior_model is not None and not Path(self.behavior_model).is_dir():
            raise OpenfieldError("behaviour model folder not found", self.behavior_model)


@dataclass
class PoseFilesConfig:
    """Everything ``openfield kinematics`` needs besides the pose files.

    Attributes
    ----------
    fps
        Frame rate of the videos the pose files come from.
    calibration
        Calibration for all files; or give ``arena_bodyparts`` and
        ``arena_size_cm`` to calibrate each file from arena corners tracked
        in it.
    arena_bodyparts, arena_size_cm
        Corner body parts (tl, tr, br, bl) and floor size in cm.
    kinematics
        Kinematics options.
    plots
        Write the PNG plots.
    progress
        Show a progress bar over the files.
    overwrite
        Redo files that are up to date.

    Raises
    ------
    OpenfieldError
        A value out of range, or a missing companion option, naming the
        option.
    """

    fps: float
    calibration: Calibration | None = None
    arena_bodyparts: tuple[str, str, str, str] | None = None
    arena_size_cm: tuple[float, float] | None = None
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    plots: bool = True
    progress: bool = True
    overwrite: bool = False

    def __post_init__(self) -> None:
        check_fps(self.fps, required=True)
        self.arena_size_cm = check_arena_size(self.arena_size_cm)
        if self.arena_bodyparts is not None:
            if len(self.arena_bodyparts) != 4:
                raise OpenfieldError("--arena-from-bodyparts needs four body parts TL TR BR BL")
            if self.arena_size_cm is None:
                raise OpenfieldError("--arena-from-bodyparts needs --arena-size-cm W H")
            self.arena_bodyparts = tuple(self.arena_bodyparts)  # type: ignore[assignment]
        if (self.calibration is None) == (self.arena_bodyparts is None):
            raise OpenfieldError("give either --calibration or --arena-from-bodyparts (one of them)")
