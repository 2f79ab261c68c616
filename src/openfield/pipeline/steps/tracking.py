"""The classical tracker's pose steps (one arena or all of a video's arenas) and the frame times."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from openfield import quality, tracking
from openfield.behavior.silhouette import silhouette_table
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.pose import write_dlc_csv
from openfield.io.silhouette import write_silhouette
from openfield.io.timestamps import read_frame_times, read_frame_timestamps
from openfield.io.timestamps import write_frame_times as write_frame_times_csv
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import arena_stem, frame_times_path, output_paths, silhouette_path

log = logging.getLogger(__name__)


def arena_tracking_step(
    ledger: Ledger,
    video: Path,
    config: tracking.TrackerConfig,
    cals: list[Calibration],
    arenas_fp: str,
    fps: float | None,
    progress: bool,
) -> tuple[str, list[Path], list[dict[str, Any]]]:
    """One tracking pass for all of a video's arenas -> ``<stem>_a<K>_pose.csv`` per arena.

    The video is decoded once (:func:`openfield.tracking.track_video_arenas`),
    each tracker confined to its arena's floor. Recorded in the video's
    ledger as ``arena_tracking``; its fingerprint covers the tracker
    settings, the frame rate, the arenas (their step's fingerprint) and the
    video, so a re-run skips it unless one of them changed. An arena where
    the animal is found in no frame gets an all-empty pose file and
    ``empty: True`` in its values (not an error).

    Returns
    -------
    fingerprint : str
    paths : list of Path
        The pose CSV of each arena.
    readers : list of dict
        Per arena, what the reader counted (see :func:`tracker_pose_step`)
        plus ``empty``.
    """
    paths = [output_paths(arena_stem(ledger.stem, k), ledger.out_dir)["pose"] for k in range(1, len(cals) + 1)]
    fp = fingerprint("arena_tracking", {"method": "classic", "tracker": asdict(config), "fps": fps,
                                        "silhouette": list(tracking.SILHOUETTE_MEASURES),
                                        "arenas": len(cals)}, inputs=[arenas_fp], sources=[video])
    rec = ledger.current("arena_tracking", fp)
    if rec:
        return fp, paths, list(rec["values"]["arenas"])
    datasets = tracking.track_video_arenas(video, [c.floor_outline_px for c in cals], config, fps, progress)
    readers = []
    for ds, path in zip(datasets, paths, strict=True):
        write_dlc_csv(ds, path, scorer=tracking.SCORER)
        write_silhouette(silhouette_table(ds), silhouette_path(path))
        empty = not bool(ds["position"].sel(keypoints="body").notnull().any())
        readers.append({**_reader_values(ds), "empty": empty})
    times = write_frame_times(ledger, datasets[0].attrs.get("timestamps_ms"))  # one decode: the same for every arena
    ledger.record("arena_tracking", fp, {**{f"pose_a{k}": p for k, p in enumerate(paths, 1)}, **times},
                  {"arenas": readers})
    empty = [str(k) for k, r in enumerate(readers, 1) if r["empty"]]
    log.info("%s: %d arena(s) tracked in one pass%s", video.name, len(cals),
             f"; no animal in arena(s) {', '.join(empty)}" if empty else "")
    return fp, paths, readers


def tracker_pose_step(
    ledger: Ledger,
    video: Path,
    config: tracking.TrackerConfig,
    cal: Calibration | None,
    cal_fp: str | None,
    fps: float | None,
    progress: bool,
) -> tuple[str, Path]:
    """The classical tracker -> ``<stem>_pose.csv`` (DeepLabCut layout).

    Parameters
    ----------
    fps
        The frame rate to use instead of the video's own (``--fps``), or None.

    Returns
    -------
    fingerprint : str
    path : Path
        The pose CSV (its record's ``values`` keep what the reader counted:
        ``frames_expected``, ``frames_read``, ``frames_failed``, the frame
        times' :func:`openfield.quality.timestamp_summary` and, when the
        tracker measures it, ``contrast``, for :func:`quality_step`). The
        next step reads it back even when just written:
        the CSV's decimal text is the pose of record, so a resumed run gives
        the very numbers of a fresh one (parsing can move a float by 1 ulp).
    """
    path = output_paths(ledger.stem, ledger.out_dir)["pose"]
    # the silhouette table's columns: a table from before a measure was added (outline_change) is made again
    fp = fingerprint("pose", {"method": "classic", "tracker": asdict(config), "fps": fps,
                              "silhouette": list(tracking.SILHOUETTE_MEASURES)},
                     inputs=[cal_fp] if cal_fp else [], sources=[video])
    if ledger.current("pose", fp):
        return fp, path
    corners = None if cal is None else cal.floor_outline_px
    ds = tracking.track_video(video, config, corners, fps, progress)
    if not (ds["position"].sel(keypoints="body").notnull()).any():
        raise OpenfieldError(
            "the classical tracker found no animal in any frame (is it in the arena, and is --animal right?)",
            video,
        )
    write_dlc_csv(ds, path, scorer=tracking.SCORER)
    # area, length, width per frame, for the behaviour classifier
    write_silhouette(silhouette_table(ds), silhouette_path(path))
    ledger.record("pose", fp, {"pose": path, **write_frame_times(ledger, ds.attrs.get("timestamps_ms"))},
                  _reader_values(ds))
    log.info("%s: tracked -> %s", video.name, path.name)
    return fp, path


def _reader_values(ds: xr.Dataset) -> dict[str, Any]:
    """What the tracker's reader counted, for the QC (see :func:`tracker_pose_step`)."""
    values: dict[str, Any] = {k: int(ds.attrs[k]) for k in ("frames_expected", "frames_read", "frames_failed")
                              if k in ds.attrs}
    times = ds.attrs.get("timestamps_ms")
    if times is not None and len(times):
        values["timestamps"] = quality.timestamp_summary(np.asarray(times, dtype=float) / 1000.0)
    if ds.attrs.get("contrast") is not None:
        values["contrast"] = float(ds.attrs["contrast"])
    if ds.attrs.get("several_animals_fraction") is not None:
        values["several_animals_fraction"] = float(ds.attrs["several_animals_fraction"])
    return values


def write_frame_times(ledger: Ledger, timestamps_ms: Any) -> dict[str, Path]:
    """Keep a variable-frame-rate video's timestamps for the kinematics: ``<stem>_frame_times.csv``.

    Written (atomically) only when :func:`openfield.quality.variable_frame_times`
    says the times must come from the timestamps; a constant-rate video gets
    no file (and loses a stale one). Timestamps that do not increase cannot
    place the frames: a warning, and no file (the video is ``fps_suspect``).

    Returns
    -------
    dict
        ``{"frame_times": path}`` when written, else empty: the outputs to
        record with the step that read the video.
    """
    path = frame_times_path(ledger.stem, ledger.out_dir)
    times = None
    if timestamps_ms is not None and len(timestamps_ms):
        try:
            times = quality.variable_frame_times(timestamps_ms)
        except OpenfieldError as exc:
            log.warning("%s: %s: times from frame index / fps", ledger.stem, exc.message)
    if times is None:
        path.unlink(missing_ok=True)
        return {}
    log.warning("%s: variable frame rate (frame intervals %.1f-%.1f ms): times from the timestamps",
                ledger.stem, 1000 * np.diff(times).min(), 1000 * np.diff(times).max())
    return {"frame_times": write_frame_times_csv(timestamps_ms, path)}


def frame_times_step(ledger: Ledger, video: Path) -> tuple[str, dict[str, Any]]:
    """The video's frame count and timestamps from a decode of our own (for a pose made elsewhere).

    DeepLabCut reads the video itself; this step decodes it once more, grab
    only (:func:`openfield.io.timestamps.read_frame_timestamps`), for what
    :func:`tracker_pose_step` records from the tracker's own decode:
    ``frames_expected`` (None when the container says 0 or 1),
    ``frames_read`` and the timestamps'
    :func:`openfield.quality.timestamp_summary`, plus
    ``<stem>_frame_times.csv`` for a variable frame rate (:func:`write_frame_times`).

    Returns
    -------
    fingerprint : str
    values : dict
        The reader's counts, for :func:`quality_step`.
    """
    fp = fingerprint("frame_times", {}, sources=[video])
    rec = ledger.current("frame_times", fp)
    if rec:
        return fp, rec["values"]
    ts = read_frame_timestamps(video)
    values = {"frames_expected": ts.frames_expected if ts.frames_expected > 1 else None,
              "frames_read": ts.frames_read,
              "timestamps": quality.timestamp_summary(ts.timestamps_ms / 1000.0)}
    ledger.record("frame_times", fp, write_frame_times(ledger, ts.timestamps_ms), values)
    return fp, values


def frame_times_file(ledger: Ledger) -> Path | None:
    """The ``<stem>_frame_times.csv`` a step recorded (:func:`write_frame_times`), or None."""
    for step in ("pose", "frame_times", "arena_tracking"):
        if "frame_times" in ledger.records.get(step, {}).get("outputs", {}):
            return ledger.output(step, "frame_times")
    return None


def frame_times_for(frame_times: Path | None, n_frames: int) -> np.ndarray | None:
    """The seconds of each frame from a ``<stem>_frame_times.csv`` (:func:`frame_times_file`), else None.

    None also when the file's frame count differs from ``n_frames`` (a
    warning): times are then frame index / fps.
    """
    if frame_times is None:
        return None
    times = quality.frame_times_from_timestamps(read_frame_times(frame_times))
    if len(times) != n_frames:
        log.warning("%s: %d frame times for %d pose frames: times from frame index / fps", frame_times,
                    len(times), n_frames)
        return None
    return times
