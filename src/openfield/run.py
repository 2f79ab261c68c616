"""The main job: videos in, every measure and a report out, resumable.

Per video, in ``OUT`` (``<stem>`` is the video's file name without extension):

1. calibration: the given file, or the arena found on the video's median
   background with the given floor size -> ``<stem>_calibration.json``;
2. pose: the classical tracker (:mod:`openfield.tracking`) ->
   ``<stem>_pose.csv``, or DeepLabCut (``--pose dlc``, through
   :mod:`openfield.pose.dlc`) -> its ``.h5``;
3. kinematics (:mod:`openfield.kinematics`) -> ``<stem>_kinematics.csv``,
   the PNG plots, and ``<stem>_summary.csv`` written last: its presence
   means the video is finished.

Every file is written atomically, so after an interruption a file is either
complete or absent: a re-run skips finished videos and, for an unfinished
one, the steps whose output is there. A video that fails (corrupt, arena not
found, animal never found) is reported and the others go on. Finally
``summary_all.csv`` (one row per finished video) and ``report.html``
(:mod:`openfield.report`) are written from the files on disk.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from openfield.calibration import Calibration, calibrate_arena
from openfield.errors import OpenfieldError
from openfield.io.files import write_csv
from openfield.io.images import VIDEO_SUFFIXES, video_background
from openfield.io.pose import read_dlc
from openfield.io.video import video_info
from openfield.kinematics import SUMMARY_COLUMNS, KinematicsConfig, analyze_pose
from openfield.tracking import TrackerConfig, track_video_to_file

log = logging.getLogger(__name__)

POSE_METHODS = ("classic", "dlc")


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
    behavior_model
        Folder of a trained behaviour ViT (``openfield behavior train``);
        when given, rearing and grooming time, bouts and latency join each
        video's summary and the ethogram joins the report.
    progress
        Show progress bars.
    overwrite
        Redo every step even where its output exists (after changing an
        option; otherwise finished work is kept).
    """

    calibration: Calibration | None = None
    arena_size_cm: tuple[float, float] | None = None
    pose: str = "classic"
    dlc_config: Path | None = None
    fps: float | None = None
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    behavior_model: Path | None = None
    progress: bool = True
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.pose not in POSE_METHODS:
            raise OpenfieldError(f"--pose must be one of {', '.join(POSE_METHODS)}, not {self.pose!r}")
        if self.calibration is None and self.arena_size_cm is None:
            raise OpenfieldError("give --calibration CAL.json or --arena-size-cm W H")
        if self.arena_size_cm is not None and not (self.arena_size_cm[0] > 0 and self.arena_size_cm[1] > 0):
            raise OpenfieldError(f"arena size must be positive, got {self.arena_size_cm}")
        if self.pose == "dlc" and self.dlc_config is None:
            raise OpenfieldError("--pose dlc needs --dlc-config path/to/config.yaml")
        if self.behavior_model is not None and not Path(self.behavior_model).is_dir():
            raise OpenfieldError("behaviour model folder not found", self.behavior_model)


#: Behaviour columns added to a video's summary with ``--behavior-model``.
BEHAVIOR_COLUMNS = [f"{m}_{b}{u}" for b in ("rearing", "grooming")
                    for m, u in (("time", "_s"), ("bouts", ""), ("latency", "_s"))]


@dataclass
class VideoResult:
    """Outcome of one video.

    Attributes
    ----------
    video
        The video file.
    status
        ``"done"`` (processed now), ``"skipped"`` (finished before) or
        ``"failed"``.
    summary
        The summary row (None when failed).
    error
        The error message when failed.
    """

    video: Path
    status: str
    summary: dict[str, Any] | None = None
    error: str | None = None


def find_videos(inputs: list[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and folders into a sorted list of video files.

    Parameters
    ----------
    inputs
        Video files and/or folders (searched non-recursively for video
        extensions).

    Returns
    -------
    list of Path
        Without duplicates, in the given order (folders sorted by name).

    Raises
    ------
    OpenfieldError
        A path that does not exist, or no video at all.
    """
    videos: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                log.warning("%s: no video files in this folder", p)
            videos.extend(found)
        elif p.exists():
            videos.append(p)
        else:
            raise OpenfieldError("not found", p)
    unique = list(dict.fromkeys(v.resolve() for v in videos))
    if not unique:
        raise OpenfieldError("no videos to process (extensions: " + ", ".join(sorted(VIDEO_SUFFIXES)) + ")")
    stems = [v.stem for v in unique]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise OpenfieldError(f"several videos share the name(s) {', '.join(dupes)}; their outputs would collide")
    return unique


def output_paths(video: Path, out_dir: Path) -> dict[str, Path]:
    """The files a video produces in ``out_dir``."""
    stem = video.stem
    return {
        "calibration": out_dir / f"{stem}_calibration.json",
        "pose": out_dir / f"{stem}_pose.csv",
        "kinematics": out_dir / f"{stem}_kinematics.csv",
        "summary": out_dir / f"{stem}_summary.csv",
        "trajectory": out_dir / f"{stem}_trajectory.png",
        "heatmap": out_dir / f"{stem}_heatmap.png",
        "speed": out_dir / f"{stem}_speed.png",
    }


def _calibration_for(video: Path, paths: dict[str, Path], config: RunConfig) -> Calibration:
    if config.calibration is not None:
        return config.calibration
    if paths["calibration"].exists() and not config.overwrite:
        return Calibration.load(paths["calibration"])
    assert config.arena_size_cm is not None
    background = video_background(video)
    try:
        cal = calibrate_arena([background], config.arena_size_cm, names=[str(video)])
    except OpenfieldError as exc:
        raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    cal.save(paths["calibration"])
    log.info("%s: arena found, %.2f px/cm -> %s", video.name, cal.px_per_cm,
             paths["calibration"].name)
    return cal


def _pose_for(video: Path, out_dir: Path, paths: dict[str, Path], cal: Calibration, fps: float,
              config: RunConfig) -> Path:
    if config.pose == "classic":
        return track_video_to_file(video, out_dir, config.tracker, cal.arena_corners_px, fps,
                                   overwrite=config.overwrite, progress=config.progress)
    done = sorted(out_dir.glob(f"{video.stem}DLC*.h5"))
    if done and not config.overwrite:
        # the filtered file is what analyze_videos returned the first time
        filtered = [p for p in done if p.stem.endswith("_filtered")]
        return (filtered or done)[0]
    try:
        from openfield.pose import dlc  # lazy: only --pose dlc needs DeepLabCut
    except ImportError as exc:
        raise OpenfieldError(
            f"--pose dlc is not available here ({exc}); install the 'pose' extra "
            "(pip install openfield[pose]) or use --pose classic"
        ) from exc
    outputs = dlc.analyze_videos([video], config.dlc_config, out_dir)
    if not outputs:
        raise OpenfieldError("DeepLabCut produced no pose file", video)
    return Path(outputs[0])


def process_video(video: str | os.PathLike[str], out_dir: str | os.PathLike[str], config: RunConfig) -> VideoResult:
    """Calibration, pose, kinematics and plots for one video (skipping finished steps).

    Parameters
    ----------
    video
        The video file.
    out_dir
        Output folder.
    config
        Run options.

    Returns
    -------
    VideoResult
        ``status`` "done" or "skipped".

    Raises
    ------
    OpenfieldError
        When this video cannot be processed (the caller goes on with the others).
    """
    from openfield import plots

    video, out_dir = Path(video), Path(out_dir)
    paths = output_paths(video, out_dir)
    if paths["summary"].exists() and not config.overwrite:
        log.info("%s: finished before (%s exists), skipped", video.name, paths["summary"].name)
        return VideoResult(video, "skipped", pd.read_csv(paths["summary"]).iloc[0].to_dict())
    out_dir.mkdir(parents=True, exist_ok=True)
    info = video_info(video, config.fps)
    cal = _calibration_for(video, paths, config)
    pose = _pose_for(video, out_dir, paths, cal, info.fps, config)
    ds = read_dlc(pose, fps=info.fps)
    if config.pose == "classic" and not np.isfinite(ds["position"].sel(keypoints="body").values).any():
        raise OpenfieldError(
            "the classical tracker found no animal in any frame (is it in the arena, and is --animal right?)",
            video,
        )
    result = analyze_pose(ds, cal, config.kinematics, info.fps)
    plots.write_kinematics_plots(result, out_dir, video.stem)
    write_csv(result.frames.round(4), paths["kinematics"])
    row = {"video": video.name, **{k: result.summary[k] for k in SUMMARY_COLUMNS}}
    if config.behavior_model is not None:
        from openfield.behavior.video import predict_video  # lazy: torch only when asked for

        totals = predict_video(video, config.behavior_model, out_dir, overwrite=config.overwrite,
                               progress=config.progress)
        row.update({k: totals.get(k, float("nan")) for k in BEHAVIOR_COLUMNS})
    write_csv(pd.DataFrame([row]), paths["summary"])  # last: marks the video finished
    log.info("%s: %.1f cm in %.1f s, mean speed %.2f cm/s", video.name, result.summary["distance_cm"],
             result.summary["duration_s"], result.summary["mean_speed_cm_s"])
    return VideoResult(video, "done", row)


def run_batch(
    inputs: list[str | os.PathLike[str]], out_dir: str | os.PathLike[str], config: RunConfig
) -> list[VideoResult]:
    """Process every video; one failure does not stop the others; write the batch summary and report.

    Parameters
    ----------
    inputs
        Video files and/or folders.
    out_dir
        Output folder.
    config
        Run options.

    Returns
    -------
    list of VideoResult
        One per video, in order.
    """
    from tqdm.auto import tqdm

    from openfield.report import write_report

    out_dir = Path(out_dir)
    videos = find_videos(inputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for video in tqdm(videos, desc="videos", unit="video", disable=not config.progress or len(videos) < 2):
        try:
            results.append(process_video(video, out_dir, config))
        except OpenfieldError as exc:
            message = exc.message if exc.path else str(exc)
            log.error("%s: %s", video, message)
            results.append(VideoResult(video, "failed", error=message))
    rows = [r.summary for r in results if r.summary is not None]
    if rows:
        extra = [c for c in BEHAVIOR_COLUMNS if any(c in r for r in rows)]
        write_csv(pd.DataFrame(rows, columns=["video", *SUMMARY_COLUMNS, *extra]), out_dir / "summary_all.csv")
    write_report(out_dir, results)
    return results
