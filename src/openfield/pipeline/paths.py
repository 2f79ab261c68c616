"""Which files go where: the inputs found (videos, stems that would collide), and the outputs' names.

The output names are built in :mod:`openfield.io.names` (one module, in the
files layer, so the writers of :mod:`openfield.io` and the stages use it too);
the ones the pipeline uses are importable from here as well.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from openfield.errors import OpenfieldError
from openfield.io.images import VIDEO_SUFFIXES
from openfield.io.names import (
    BATCH_SUMMARY,
    LABELED_SUFFIX,
    PLOTS,
    REPORT,
    arena_stem,
    arenas_image_path,
    behavior_paths,
    frame_times_path,
    kinematics_tables,
    labeled_video_path,
    output_paths,
    silhouette_path,
    split_arena_stem,
)

log = logging.getLogger(__name__)


def check_arena_stems(paths: list[Path]) -> None:
    """Refuse, in a multi-arena run, a video named like another's arena (``cage`` and ``cage_a2``).

    Their outputs would collide (``cage_a2_pose.csv`` is both arena 2 of
    ``cage`` and the video ``cage_a2``'s own).
    """
    stems = {p.stem for p in paths}
    clash = sorted(s for s in stems if (a := split_arena_stem(s)) and a[0] in stems)
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


__all__ = [
    "BATCH_SUMMARY",
    "LABELED_SUFFIX",
    "PLOTS",
    "REPORT",
    "arena_stem",
    "arenas_image_path",
    "behavior_paths",
    "check_arena_stems",
    "check_unique_stems",
    "find_videos",
    "frame_times_path",
    "kinematics_tables",
    "labeled_video_path",
    "output_paths",
    "silhouette_path",
]
