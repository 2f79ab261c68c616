"""The names of openfield's output files: every file a recording (video, arena or pose file) and a run produce.

The one module that builds output file names. The pipeline's steps, the
writers of :mod:`openfield.io` (e.g. :mod:`openfield.io.behavior`), the
readers of a results folder (:mod:`openfield.pipeline.results`,
:mod:`openfield.study.design`) and the report call these functions rather
than spelling a name themselves. It sits in the files layer so that every
layer that writes or finds a file can use it; :mod:`openfield.pipeline.paths`
(the inputs found) re-exports the names the pipeline uses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: The PNG plots of the kinematics step, ``<stem>_<name>.png``.
PLOTS = ("trajectory", "heatmap", "speed", "bout_acceleration")


def output_paths(stem: str, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """The files a video (or pose file) with this stem produces in ``out_dir``.

    Returns
    -------
    dict
        ``calibration``, ``pose`` (the tracker's; DeepLabCut names its own),
        ``kinematics``, ``locomotor_bouts`` (the per-bout table),
        ``summary``, and the plots ``trajectory``, ``heatmap``, ``speed``,
        ``bouts``.
    """
    out_dir = Path(out_dir)
    return {
        "calibration": out_dir / f"{stem}_calibration.json",
        "pose": out_dir / f"{stem}_pose.csv",
        "kinematics": out_dir / f"{stem}_kinematics.csv",
        "locomotor_bouts": out_dir / f"{stem}_locomotor_bouts.csv",
        "summary": out_dir / f"{stem}_summary.csv",
        **{name: out_dir / f"{stem}_{name}.png" for name in PLOTS},
    }


#: The end of a recording's one-row summary, ``<stem>_summary.csv`` (what a results folder is searched for).
SUMMARY_SUFFIX = "_summary.csv"


def frame_times_path(stem: str, out_dir: str | os.PathLike[str]) -> Path:
    """``<stem>_frame_times.csv``: a variable-frame-rate video's frame times, beside its pose."""
    return Path(out_dir) / f"{stem}_frame_times.csv"


#: The suffix of the labelled video's stem, ``<stem>_labeled.mp4`` (never taken as an input video).
LABELED_SUFFIX = "_labeled"


def labeled_video_path(stem: str, out_dir: str | os.PathLike[str]) -> Path:
    """``<stem>_labeled.mp4``: the labelled video of a video (or arena)."""
    return Path(out_dir) / f"{stem}{LABELED_SUFFIX}.mp4"


def kinematics_tables(stem: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The per-frame table of a recording as CSV and as Parquet (``--table-format``): one of them is written."""
    csv = output_paths(stem, out_dir)["kinematics"]
    return csv, csv.with_suffix(".parquet")


def arena_stem(stem: str, arena: int | str) -> str:
    """The stem of arena ``arena`` (1-based, row-major from the top-left) of a video: ``<stem>_a<K>``."""
    return f"{stem}_a{arena}"


def split_arena_stem(stem: str) -> tuple[str, int] | None:
    """The video's stem and the arena of an arena's stem ``<stem>_a<K>`` (:func:`arena_stem`), else None."""
    m = re.fullmatch(r"(.+)_a(\d+)", stem)
    return (m[1], int(m[2])) if m else None


def arenas_image_path(stem: str, out_dir: str | os.PathLike[str]) -> Path:
    """``<stem>_arenas.png``: a multi-arena video's median background with its numbered arenas drawn."""
    return Path(out_dir) / f"{stem}_arenas.png"


def silhouette_path(pose_path: str | os.PathLike[str]) -> Path:
    """Where the silhouette table of a pose file lies: ``<stem>_pose.csv`` -> ``<stem>_silhouette.csv``.

    A pose file not named ``*_pose.*`` gets ``<its stem>_silhouette.csv``.
    """
    p = Path(pose_path)
    stem = p.stem.removesuffix("_pose")
    return p.with_name(f"{stem}_silhouette.csv")


#: The stem suffix of a recording's behaviour totals, ``<stem>_behavior_summary.csv``.
BEHAVIOR_SUMMARY_SUFFIX = "_behavior"


def behavior_paths(stem: str, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """The behaviour files of a recording (:func:`openfield.io.behavior.write_timeline_files`).

    Returns
    -------
    dict
        ``behavior`` (``<stem>_behavior.csv``, per frame), ``bouts``
        (``<stem>_bouts.csv``), ``summary`` (``<stem>_behavior_summary.csv``,
        one row of totals) and ``ethogram`` (``<stem>_ethogram.png``).
    """
    out_dir = Path(out_dir)
    return {
        "behavior": out_dir / f"{stem}_behavior.csv",
        "bouts": out_dir / f"{stem}_bouts.csv",
        "summary": out_dir / f"{stem}{BEHAVIOR_SUMMARY_SUFFIX}{SUMMARY_SUFFIX}",
        "ethogram": out_dir / f"{stem}_ethogram.png",
    }


#: The behaviour totals of every pose file of ``openfield behavior pose-predict``, one row each, in its output folder.
BEHAVIOR_SUMMARY_TABLE = "behavior_summary.csv"


def prediction_record_path(out_dir: str | os.PathLike[str], stem: str) -> Path:
    """``<out_dir>/<stem>_vit_predict.json``: settings, totals and timing of a ViT prediction."""
    return Path(out_dir) / f"{stem}_vit_predict.json"


def processing_log_path(state_dir: str | os.PathLike[str], stem: str) -> Path:
    """``<state_dir>/log/<stem>.json``: a recording's processing log, beside its step records (``OUT/.openfield``).

    In a folder of its own, so that it never takes the name of another recording's step record.
    """
    return Path(state_dir) / "log" / f"{stem}.json"


#: The run's files in its output folder: the table of every recording's summary row and the HTML report.
BATCH_SUMMARY = "summary_all.csv"
REPORT = "report.html"
COMPARISON = "comparison.png"


__all__ = [
    "BATCH_SUMMARY",
    "BEHAVIOR_SUMMARY_SUFFIX",
    "BEHAVIOR_SUMMARY_TABLE",
    "COMPARISON",
    "LABELED_SUFFIX",
    "PLOTS",
    "REPORT",
    "SUMMARY_SUFFIX",
    "arena_stem",
    "arenas_image_path",
    "behavior_paths",
    "frame_times_path",
    "kinematics_tables",
    "labeled_video_path",
    "output_paths",
    "prediction_record_path",
    "processing_log_path",
    "silhouette_path",
    "split_arena_stem",
]
