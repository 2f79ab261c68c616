"""Which files go where: the inputs found, and the names of a video's outputs."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from openfield.errors import OpenfieldError
from openfield.io.images import VIDEO_SUFFIXES

log = logging.getLogger(__name__)

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


def arena_stem(stem: str, arena: int) -> str:
    """The stem of arena ``arena`` (1-based, row-major from the top-left) of a video: ``<stem>_a<K>``."""
    return f"{stem}_a{arena}"


def arenas_image_path(stem: str, out_dir: str | os.PathLike[str]) -> Path:
    """``<stem>_arenas.png``: a multi-arena video's median background with its numbered arenas drawn."""
    return Path(out_dir) / f"{stem}_arenas.png"


def check_arena_stems(paths: list[Path]) -> None:
    """Refuse, in a multi-arena run, a video named like another's arena (``cage`` and ``cage_a2``).

    Their outputs would collide (``cage_a2_pose.csv`` is both arena 2 of
    ``cage`` and the video ``cage_a2``'s own).
    """
    stems = {p.stem for p in paths}
    clash = sorted(s for s in stems if (m := re.fullmatch(r"(.+)_a\d+", s)) and m[1] in stems)
    if clash:
        raise OpenfieldError(f"with --arenas, arena K of a video is named <stem>_a<K>; the video(s) "
                             f"{', '.join(clash)} would collide with another video's arena: rename them")


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
        A path that does not exist, no video at all, or two videos whose
        outputs would collide.
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
    check_unique_stems(unique)
    return unique


def check_unique_stems(paths: list[Path]) -> None:
    """Refuse inputs that share a file stem: their outputs would overwrite each other."""
    stems = [p.stem for p in paths]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise OpenfieldError(f"several inputs share the name(s) {', '.join(dupes)}; their outputs would collide")


def silhouette_path(pose_path: str | os.PathLike[str]) -> Path:
    """Where the silhouette table of a pose file lies: ``<stem>_pose.csv`` -> ``<stem>_silhouette.csv``.

    A pose file not named ``*_pose.*`` gets ``<its stem>_silhouette.csv``.
    """
    p = Path(pose_path)
    stem = p.stem.removesuffix("_pose")
    return p.with_name(f"{stem}_silhouette.csv")
