"""The labelled videos: one video's, or each arena's of its own box in one decode."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from openfield import overlay
from openfield.calibration import Calibration
from openfield.io.pose import read_dlc
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import labeled_video_path as labeled_video_name

if TYPE_CHECKING:
    from openfield.overlay import LabeledVideo


def labeled_video_step(
    ledger: Ledger,
    video: Path,
    fps: float,
    cal: Calibration | None,
    inputs: list[str],
    progress: bool,
) -> str:
    """The labelled MP4 (:func:`openfield.overlay.write_labeled_video`) -> ``<stem>_labeled.mp4``.

    Draws the pose the pose step recorded, the zone of each frame from
    ``<stem>_kinematics.csv`` and, when the behaviour step ran, the label
    and its probability from ``<stem>_behavior.csv``.

    Parameters
    ----------
    fps
        The frame rate the run uses.
    cal
        The calibration (its arena corners are drawn), or None.
    inputs
        Fingerprints of the pose, kinematics and (if any) behaviour steps.

    Returns
    -------
    str
        The step's fingerprint.
    """
    path = labeled_video_path(ledger)
    fp = fingerprint("labeled_video", {"fps": fps}, inputs=inputs, sources=[video])
    if ledger.current("labeled_video", fp):
        return fp
    item = _labeled_video(ledger, path, fps, None if cal is None else cal.floor_outline_px)
    overlay.write_labeled_video(video, path, item.ds, item.labels, item.probabilities, item.zones,
                                item.arena_corners, fps, progress=progress)
    ledger.record("labeled_video", fp, {"labeled_video": path})
    return fp


def labeled_video_path(ledger: Ledger) -> Path:
    """``<stem>_labeled.mp4`` of a ledger's video (or arena)."""
    return labeled_video_name(ledger.stem, ledger.out_dir)


def _labeled_video(ledger: Ledger, path: Path, fps: float, corners: np.ndarray | None,
                   box: tuple[int, int, int, int] | None = None) -> LabeledVideo:
    """What a labelled video draws, read from the ledger's steps (see :func:`labeled_video_step`)."""
    ds = read_dlc(ledger.output("pose", "pose"), fps=fps)
    table = pd.read_csv(ledger.output("kinematics", "kinematics"), usecols=lambda c: c in ("frame", "zone"))
    zones = table["zone"].astype(str).tolist()
    if "frame" in table:  # each frame's zone by its video frame number: a trial window's table holds its frames only
        zone_of = np.full(ds.sizes["time"], "", dtype=object)
        frame = table["frame"].to_numpy(int)
        inside = frame < len(zone_of)
        zone_of[frame[inside]] = np.asarray(zones, dtype=object)[inside]
        zones = zone_of.tolist()
    labels = probabilities = None
    if "behavior" in ledger.records:
        frames = pd.read_csv(ledger.output("behavior", "behavior"))
        labels = frames["label"].astype(str).tolist()
        probabilities = [float(frames.at[i, f"p_{lab}"]) if f"p_{lab}" in frames else float("nan")
                         for i, lab in enumerate(labels)]
    return overlay.LabeledVideo(path, ds, labels, probabilities, zones, corners, box)


def arena_labeled_video_step(
    units: list[Ledger],
    video: Path,
    fps: float,
    cals: list[Calibration],
    inputs: list[list[str]],
    image_size: tuple[int, int],
    progress: bool,
) -> list[str]:
    """Each arena's labelled MP4 of its own box -> ``<stem>_a<K>_labeled.mp4``, all in one decode.

    Arena K's video shows the arena's box (:func:`openfield.overlay.arena_box`:
    the bounding box of its corners with a margin, even width and height)
    with its pose, outline, zone and behaviour drawn as
    :func:`labeled_video_step` draws them, in the box's pixels. Each arena's
    record (in its own ledger, as ``labeled_video``) has its own
    fingerprint; the arenas whose video is out of date are written in one
    pass over the video (:func:`openfield.overlay.write_labeled_videos`).

    Parameters
    ----------
    units
        The ledgers of the arenas to label (``<stem>_a<K>``).
    fps
        The frame rate the run uses.
    cals
        Each arena's calibration (its corners give the box).
    inputs
        Per arena, the fingerprints of its pose, kinematics and (if any) behaviour steps.
    image_size
        ``(width, height)`` of the video's frames.

    Returns
    -------
    list of str
        Each arena's fingerprint.
    """
    fingerprints, todo = [], []
    for unit, cal, ins in zip(units, cals, inputs, strict=True):
        box = overlay.arena_box(cal.floor_outline_px, image_size)
        fp = fingerprint("labeled_video", {"fps": fps, "box": list(box)}, inputs=ins, sources=[video])
        fingerprints.append(fp)
        if not unit.current("labeled_video", fp):
            todo.append((unit, fp, _labeled_video(unit, labeled_video_path(unit), fps, cal.floor_outline_px, box)))
    if todo:
        overlay.write_labeled_videos(video, [item for _, _, item in todo], fps, progress=progress)
        for unit, fp, item in todo:
            unit.record("labeled_video", fp, {"labeled_video": item.out_path})
    return fingerprints
