"""The steps of the pipeline, each deciding by its fingerprint whether to run or to read back.

Every step has the same shape: compute its fingerprint
(:func:`openfield.pipeline.ledger.fingerprint`) from its settings, the
fingerprints of what it consumes and its source files; if the
:class:`~openfield.pipeline.ledger.Ledger` holds that fingerprint with all
outputs present, return what was recorded; else call the stage function
(a pure function of a stage module), write its outputs atomically through
:mod:`openfield.io`, and record them. Stage functions are called through
their modules (``tracking.track_video``, ``kinematics.analyze_pose``...),
so a test can count the calls.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import xarray as xr

from openfield import calibration as calibration_mod
from openfield import kinematics, overlay, quality, timebase, tracking
from openfield.arena import ArenaGeometry
from openfield.behavior.labels import default_behaviors
from openfield.behavior.outputs import behavior_model_kind, load_pose_model, write_timeline
from openfield.behavior.pose import arena_geometry
from openfield.behavior.silhouette import MEASURES as SILHOUETTE_MEASURES
from openfield.behavior.silhouette import OPTIONAL as SILHOUETTE_OPTIONAL
from openfield.behavior.silhouette import add_silhouette, silhouette_table
from openfield.behavior.timeline import behavior_timeline
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration, write_calibration
from openfield.io.files import atomic_write, save_figure, write_csv
from openfield.io.pose import read_dlc, read_pose, write_dlc_csv
from openfield.io.silhouette import read_silhouette, write_silhouette
from openfield.io.timestamps import read_frame_times, read_frame_timestamps
from openfield.io.timestamps import write_frame_times as write_frame_times_csv
from openfield.io.video import video_background, video_info
from openfield.pipeline.config import behavior_columns
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import (
    PLOTS,
    arena_stem,
    arenas_image_path,
    frame_times_path,
    output_paths,
    silhouette_path,
)
from openfield.pipeline.paths import labeled_video_path as labeled_video_name

if TYPE_CHECKING:
    from openfield.overlay import LabeledVideo

log = logging.getLogger(__name__)


def given_calibration(cal: Calibration) -> str:
    """The fingerprint of a calibration given by the user (its content, wherever it came from)."""
    return fingerprint("calibration", {"given": cal.to_dict()})


def calibration_step(
    ledger: Ledger,
    video: Path,
    arena_size_cm: tuple[float, float] | None,
    shape: str = "rectangle",
    diameter_cm: float | None = None,
    arena: ArenaGeometry | None = None,
) -> tuple[Calibration, str]:
    """The arena found on the video's median background (or given by hand) -> ``<stem>_calibration.json``.

    Parameters
    ----------
    arena_size_cm
        A rectangular (or polygon) floor's size.
    shape
        The detector: ``"rectangle"``, ``"circle"`` or ``"auto"``
        (:func:`openfield.calibration.detect_arena_shape`).
    diameter_cm
        A round floor's diameter.
    arena
        The floor given by hand: no detection.

    Returns
    -------
    calibration : Calibration
    fingerprint : str
    """
    path = output_paths(ledger.stem, ledger.out_dir)["calibration"]
    settings: dict[str, Any] = {"arena_size_cm": None if arena_size_cm is None else list(arena_size_cm)}
    if shape != "rectangle" or diameter_cm is not None or arena is not None:  # only then: a rectangle keeps its fp
        settings.update(shape=shape, diameter_cm=diameter_cm, arena=None if arena is None else arena.to_dict())
    fp = fingerprint("calibration", settings, sources=[video])
    if ledger.current("calibration", fp):
        return read_calibration(path), fp
    if arena is not None:
        cal = calibration_mod.calibrate_floor([], arena_size_cm=arena_size_cm, diameter_cm=diameter_cm, arena=arena)
    else:
        background = video_background(video)
        try:
            if shape == "rectangle":
                assert arena_size_cm is not None
                cal = calibration_mod.calibrate_arena([background], arena_size_cm, names=[str(video)])
            else:
                cal = calibration_mod.calibrate_floor([background], shape, arena_size_cm, diameter_cm,
                                                      names=[str(video)])
        except OpenfieldError as exc:
            raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    write_calibration(cal, path)
    ledger.record("calibration", fp, {"calibration": path})
    log.info("%s: arena %s (%s), %.2f px/cm -> %s", video.name, "given" if arena is not None else "found",
             cal.shape, cal.px_per_cm, path.name)
    return cal, fp


def arenas_step(
    ledger: Ledger,
    video: Path,
    arena_size_cm: tuple[float, float] | None,
    n: int | None,
    corners: list[np.ndarray] | None = None,
    given: list[Calibration] | None = None,
) -> tuple[list[Calibration], str]:
    """A video's arenas, found once on its median background (or given) -> per arena ``<stem>_a<K>_calibration.json``,
    and ``<stem>_arenas.png`` (the background with the numbered arenas drawn).

    Recorded in the video's own ledger (``<stem>``) as the step ``arenas``.
    When it finds fewer arenas than the run before recorded (``--arenas 4``,
    then corners of 2), the arenas that no longer exist lose their outputs
    and records (:func:`remove_arenas`).

    Parameters
    ----------
    arena_size_cm
        Every arena's floor size (not used with ``given``).
    n
        How many arenas the video must hold; None: as many as are found.
    corners
        The arenas' corners given by hand (one ``(4, 2)`` array per arena):
        no detection.
    given
        The arenas' calibrations (``--calibration`` of several arenas):
        used as they are.

    Returns
    -------
    calibrations : list of Calibration
        One per arena, numbered row-major from the top-left (index 0 = arena 1).
    fingerprint : str

    Raises
    ------
    OpenfieldError
        Naming the video: not the expected number of arenas (how many were
        found and where), or none found.
    """
    settings: dict[str, Any] = {"given": [c.to_dict() for c in given]} if given is not None else {
        "arena_size_cm": list(arena_size_cm or ()), "arenas": n,
        "corners": None if corners is None else [np.asarray(c).tolist() for c in corners]}
    fp = fingerprint("arenas", settings, sources=[video])
    rec = ledger.current("arenas", fp)
    if rec:
        return [read_calibration(ledger.output("arenas", f"calibration_a{k}"))
                for k in range(1, int(rec["values"]["arenas"]) + 1)], fp
    background = video_background(video)
    if given is not None:
        cals = list(given)
    else:
        assert arena_size_cm is not None
        try:
            cals = calibration_mod.calibrate_arenas([background], arena_size_cm, n=n, corners_px=corners,
                                                    names=[str(video)])
        except OpenfieldError as exc:
            raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    outputs: dict[str, Path] = {}
    for k, cal in enumerate(cals, 1):
        path = output_paths(arena_stem(ledger.stem, k), ledger.out_dir)["calibration"]
        outputs[f"calibration_a{k}"] = write_calibration(cal, path)
    image = calibration_mod.draw_arenas(background, [c.floor_outline_px for c in cals])
    outputs["arenas_image"] = write_png(image, arenas_image_path(ledger.stem, ledger.out_dir))
    previous = int(ledger.records.get("arenas", {}).get("values", {}).get("arenas") or 0)
    if previous > len(cals):  # before the record is replaced: it names their files
        remove_arenas(ledger, list(range(len(cals) + 1, previous + 1)))
    ledger.record("arenas", fp, outputs, {"arenas": len(cals)})
    how = "found" if given is None and corners is None else "given"
    log.info("%s: %d arena(s) %s, %s px/cm", video.name, len(cals), how, ", ".join(f"{c.px_per_cm:.2f}" for c in cals))
    return cals, fp


def remove_arenas(ledger: Ledger, arenas: list[int]) -> list[Path]:
    """Delete what arenas of a video that no longer exist left in the output folder, and their records.

    For each arena K: every output its own ledger (``<stem>_a<K>``)
    recorded, its calibration and pose as the video's ledger recorded them,
    its silhouette table, the files a step of it would write (see
    :func:`openfield.pipeline.paths.output_paths`, also when a killed run
    did not record them) and its record ``OUT/.openfield/<stem>_a<K>.json``.
    Only these exact names: another video's files (``<stem>_a3_x.mp4``'s) are
    never touched. One log line names the arenas.

    Parameters
    ----------
    ledger
        The video's ledger (``<stem>``), before its ``arenas`` record is replaced.
    arenas
        The numbers of the arenas gone.

    Returns
    -------
    list of Path
        The files deleted (records included).
    """
    removed = []
    for k in arenas:
        unit = Ledger(ledger.out_dir, arena_stem(ledger.stem, k))
        files = {unit.out_dir / name for rec in unit.records.values() for name in rec.get("outputs", {}).values()}
        for step, key in (("arenas", f"calibration_a{k}"), ("arena_tracking", f"pose_a{k}")):
            if key in ledger.records.get(step, {}).get("outputs", {}):
                files.add(ledger.output(step, key))
        standard = output_paths(unit.stem, unit.out_dir)
        files |= {*standard.values(), standard["kinematics"].with_suffix(".parquet"),
                  silhouette_path(standard["pose"]), labeled_video_path(unit), unit.path}
        for path in sorted(files):
            if path.is_file():
                path.unlink()
                removed.append(path)
    log.warning("%s: arena(s) %s no longer found: removed the outputs and records of %s (%d files)", ledger.stem,
                ", ".join(map(str, arenas)), ", ".join(arena_stem(ledger.stem, k) for k in arenas), len(removed))
    return removed


def write_png(image: np.ndarray, path: Path) -> Path:
    """An image as PNG, atomically."""
    with atomic_write(path) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise OpenfieldError("could not write the image", path)
    return path


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


def arena_part_step(ledger: Ledger, step: str, fp: str, outputs: dict[str, Path],
                    values: dict[str, Any] | None = None) -> str:
    """Record in an arena's own ledger (``<stem>_a<K>``) its part of a video-wide step (calibration, pose).

    The video-wide steps (:func:`arenas_step`, :func:`arena_tracking_step`)
    made the files; recording them here too makes each arena's ledger
    complete, as a single-arena video's: the steps after read their inputs
    from it (the labelled video, ``openfield behavior``). Recorded only when
    not already current.

    Returns
    -------
    str
        ``fp``.
    """
    if not ledger.current(step, fp):
        ledger.record(step, fp, outputs, values, timed=False)  # the video's own steps did (and timed) the work
    return fp


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


def _frame_times_for(frame_times: Path | None, n_frames: int) -> np.ndarray | None:
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


def dlc_pose_step(ledger: Ledger, video: Path, dlc_config: Path) -> tuple[str, Path]:
    """DeepLabCut -> its ``<stem>DLC...h5``: :func:`openfield.pipeline.dlc.dlc_analysis_step` (the one
    DeepLabCut analysis step, shared with ``openfield pose analyze``), default settings.

    Returns
    -------
    fingerprint : str
    path : Path
        The pose file DeepLabCut returned (the filtered one when it filters).
    """
    try:
        from openfield.pipeline.dlc import dlc_analysis_step  # lazy: only --pose dlc needs the DeepLabCut wrapper
    except ImportError as exc:
        raise OpenfieldError(
            f"--pose dlc is not available here ({exc}); install the 'pose' extra "
            "(pip install openfield[pose]) or use --pose classic"
        ) from exc
    return dlc_analysis_step(ledger, video, dlc_config)


def pose_file_step(pose_file: Path, fps: float, source_software: str | None = None) -> str:
    """The fingerprint of a user's pose file (``openfield kinematics``): the file is the pose step.

    ``source_software`` (given) enters the settings; told from the file (None), the fingerprint is as before.
    """
    settings: dict[str, Any] = {"method": "file", "fps": fps}
    if source_software is not None:
        settings["source_software"] = source_software
    return fingerprint("pose", settings, sources=[pose_file])


def write_frames_table(frames: Any, path: Path) -> Path:
    """The per-frame table, atomically: CSV (4 decimals, written by pyarrow: ~10x pandas) or Parquet."""
    if path.suffix == ".parquet":
        with atomic_write(path) as tmp:
            pq.write_table(pa.Table.from_pandas(frames, preserve_index=False), tmp)
        return path
    cols = {}
    for name in frames.columns:
        col = frames[name].to_numpy()
        if col.dtype.kind == "f":
            col = np.round(col, 4)
        elif col.dtype.kind == "b":  # as pandas writes them
            col = np.where(col, "True", "False")
        cols[name] = pa.array(col, from_pandas=True)
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        f.write((",".join(frames.columns) + "\n").encode())
        pacsv.write_csv(pa.table(cols), f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return path


def kinematics_step(
    ledger: Ledger,
    pose: xr.Dataset | Path,
    fps: float,
    cal: Calibration | None,
    config: kinematics.KinematicsConfig,
    inputs: list[str],
    plot: bool = True,
    arena_bodyparts: tuple[str, str, str, str] | None = None,
    arena_size_cm: tuple[float, float] | None = None,
    frame_times: Path | None = None,
    source_software: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Kinematics and plots -> ``<stem>_kinematics.csv`` (or ``.parquet``), ``<stem>_locomotor_bouts.csv``
    and ``<stem>_<plot>.png``.

    Parameters
    ----------
    pose
        The pose dataset, or its file (read only when the step runs; with
        the classical tracker's ``<stem>_silhouette.csv`` beside it, when
        there, for the mobility states).
    cal
        The calibration; None with ``arena_bodyparts`` (the arena corners
        tracked in the pose, ``arena_size_cm`` the floor).
    inputs
        Fingerprints of the pose and calibration steps.
    frame_times
        A variable-frame-rate video's ``<stem>_frame_times.csv``
        (:func:`frame_times_file`): every time is measured on its timestamps
        (:func:`openfield.kinematics.analyze_pose`'s ``times_s``). A file
        whose frame count differs from the pose's is not used (a warning).
    source_software
        The tool that wrote a pose file (:data:`openfield.io.pose.SOURCE_SOFTWARE`); None tells it from the
        file (:func:`openfield.io.pose.read_pose`).

    Returns
    -------
    fingerprint : str
    summary : dict
        :func:`openfield.kinematics.summarize` of the result, and under
        ``cleaning`` what the cleaning did
        (:func:`openfield.kinematics.clean_track`'s report, for
        :func:`quality_step`); recorded, so read back when skipped.
    """
    paths = output_paths(ledger.stem, ledger.out_dir)
    settings = {**asdict(config), "plots": plot, "fps": fps,
                "arena_bodyparts": arena_bodyparts, "arena_size_cm": arena_size_cm}
    for key in ("corner_cm", "zones", "start", "duration_s"):  # unset: the fingerprint of before they existed
        if settings[key] is None:
            del settings[key]
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    silhouette = silhouette_path(pose) if isinstance(pose, Path) else None
    silhouette = silhouette if silhouette is not None and silhouette.is_file() else None
    if silhouette is not None:  # its content, not its file's date: the same table gives the same fingerprint
        settings["silhouette_sha256"] = hashlib.sha256(silhouette.read_bytes()).hexdigest()
    fp = fingerprint("kinematics", settings, inputs=inputs)
    rec = ledger.current("kinematics", fp)
    # (a record from before the cleaning, or before the zone columns, was kept: redone)
    if rec and "cleaning" in rec["values"] and all(k in rec["values"] for k in kinematics.SUMMARY_COLUMNS):
        return fp, rec["values"]
    ds = read_pose(pose, fps=fps, source_software=source_software) if isinstance(pose, Path) else pose
    if silhouette is not None:  # the tracker's outline per frame: the mobility states
        ds = add_silhouette(ds, read_silhouette(silhouette, SILHOUETTE_MEASURES, ds.sizes["time"],
                                                optional=SILHOUETTE_OPTIONAL))
    if arena_bodyparts is not None:
        assert arena_size_cm is not None
        cal = calibration_mod.calibrate_from_bodyparts(ds, arena_bodyparts, arena_size_cm)
    if cal is None:
        raise OpenfieldError("no calibration: give --calibration or --arena-from-bodyparts")
    result = kinematics.analyze_pose(ds, cal, config, fps, _frame_times_for(frame_times, ds.sizes["time"]))
    table_path = paths["kinematics"]
    if config.table_format == "parquet":
        table_path = table_path.with_suffix(".parquet")
    outputs = {"kinematics": table_path, "locomotor_bouts": paths["locomotor_bouts"]}
    if plot:
        with ledger.part("kinematics", "plots"):
            from openfield import plots  # here: matplotlib is not needed by `openfield track`

            for name, fig in plots.kinematics_figures(result, ledger.stem).items():
                outputs[name] = save_figure(fig, paths[name])
    with ledger.part("kinematics", "tables"):
        write_frames_table(kinematics.frames_table(result), table_path)
        write_csv(kinematics.bout_table(result).round(4), paths["locomotor_bouts"])
    summary = {**kinematics.summarize(result), "cleaning": result.attrs["cleaning"],
               "body_length_cm": quality.implied_body_length_cm(ds, cal)}  # for animal_size_implausible
    ledger.record("kinematics", fp, outputs, summary)
    return fp, summary


def behavior_step(
    ledger: Ledger,
    video: Path,
    model: Path,
    progress: bool,
    pose: Path | None = None,
    pose_fp: str | None = None,
    cal: Calibration | None = None,
    cal_fp: str | None = None,
    fps: float | None = None,
    trial: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The model's behaviours from the run's own pose -> ``<stem>_behavior.csv``, bouts, summary, ethogram.

    The one place the pipeline calls the behaviour stage. ``model`` is either
    a pose classifier (``.joblib``, :mod:`openfield.behavior.pose`), applied
    to the pose file the pose step wrote (tracker CSV or DeepLabCut file), or
    a ViT folder (:func:`openfield.behavior.video.predict_video`), whose crops
    are centred on that pose (no second detection). The fingerprint covers
    the model's file(s), the settings and the pose step's fingerprint (and
    the calibration's when the model uses the walls).

    Parameters
    ----------
    pose, pose_fp
        The pose file and its step's fingerprint; None: those recorded by
        the pose step in ``ledger``.
    cal, cal_fp
        The calibration (for a model using the walls) and its fingerprint;
        None: the one recorded by the calibration step, if any.
    fps
        The frame rate the run uses; None: the one the kinematics step
        recorded, else the video's own.
    trial
        The trial window the kinematics used (:meth:`openfield.trial.Window.as_dict`,
        ``first`` and ``stop`` frames), or None: the behaviour's files and
        totals hold the window's frames only, times from its start.

    A variable-frame-rate video's timestamps (:func:`frame_times_file`)
    are the behaviour's time axis: bouts, durations and latencies at the
    frames' real times (:func:`openfield.behavior.timeline.behavior_timeline`'s
    ``times_s``).

    Returns
    -------
    fingerprint : str
    totals : dict
        :func:`~openfield.pipeline.config.behavior_columns` of the model's
        behaviours (``time_<b>_s``, ``bouts_<b>``, ``latency_<b>_s``) -> value.
    """
    model = Path(model)
    if pose is None and "pose" in ledger.records:
        pose, pose_fp = ledger.output("pose", "pose"), ledger.records["pose"]["fingerprint"]
    kind = behavior_model_kind(model)
    window = None if not trial else (int(trial["first"]), int(trial["stop"]))
    frame_times = frame_times_file(ledger)  # a variable frame rate's timestamps: the behaviour's time axis
    if kind == "pose":
        if pose is None:
            raise OpenfieldError("a pose behaviour model needs the run's pose; none was recorded", video)
        if cal is None and "calibration" in ledger.records:
            cal = read_calibration(ledger.output("calibration", "calibration"))
            cal_fp = ledger.records["calibration"]["fingerprint"]
        if fps is None:
            fps = ledger.records.get("kinematics", {}).get("values", {}).get("fps") or video_info(video).fps
        return _pose_behavior(ledger, video, model, Path(pose), pose_fp or "", cal, cal_fp, float(fps),
                              frame_times, window)
    model_files = sorted(p for p in model.iterdir() if p.is_file())
    settings = {"kind": "vit", "model": str(model.resolve())}
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    if window is not None:  # only then: a run without a trial window keeps its fingerprint
        settings["trial_frames"] = list(window)
    fp = fingerprint("behavior", settings, inputs=[pose_fp or ""], sources=[video, *model_files])
    rec = ledger.current("behavior", fp)
    if rec:
        return fp, rec["values"]
    try:
        from openfield.behavior.video import predict_video  # lazy: torch only when asked for

        times = None if frame_times is None else quality.frame_times_from_timestamps(read_frame_times(frame_times))
        totals = predict_video(video, model, ledger.out_dir, overwrite=True, progress=progress, pose=pose,
                               times_s=times, window=window)
    except ImportError as exc:
        raise OpenfieldError(
            f"--behavior-model needs the 'behavior' extra ({exc}); install it with "
            "pip install openfield[behavior] (torch, transformers, scikit-learn)"
        ) from exc
    values = {k: totals.get(k, math.nan) for k in behavior_columns(default_behaviors(totals.get("classes", [])))}
    outputs = {k: Path(v) for k, v in totals.get("paths", {}).items()}
    ledger.record("behavior", fp, outputs, values)
    return fp, values


def _pose_behavior(ledger: Ledger, video: Path, model_path: Path, pose: Path, pose_fp: str,
                   cal: Calibration | None, cal_fp: str | None, fps: float,
                   frame_times: Path | None = None,
                   window: tuple[int, int] | None = None) -> tuple[str, dict[str, Any]]:
    """:func:`behavior_step` with a pose classifier (``frame_times``: a variable frame rate's timestamps;
    ``window``: the trial's frames)."""
    try:
        model = load_pose_model(model_path)  # loads scikit-learn and skops, the 'behavior' extra
    except ImportError as exc:
        raise OpenfieldError(
            f"a pose behaviour model needs scikit-learn and skops ({exc}); install the 'behavior' extra"
        ) from exc
    inputs = [pose_fp] + ([cal_fp] if model.uses_arena and cal_fp else [])
    settings: dict[str, Any] = {"kind": "pose", "min_bout_s": model.min_bout_s, "fps": fps}
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    if window is not None:  # only then: a run without a trial window keeps its fingerprint
        settings["trial_frames"] = list(window)
    silhouette = silhouette_path(pose) if model.uses_silhouette else None
    fp = fingerprint("behavior", settings, inputs=inputs, sources=[model_path, *([silhouette] if silhouette else [])])
    rec = ledger.current("behavior", fp)
    if rec:
        return fp, rec["values"]
    ds = read_dlc(pose, fps=fps)
    times = _frame_times_for(frame_times, ds.sizes["time"])
    if times is not None:  # the features' windows count frames at the median rate, as the kinematics' do
        ds.attrs["fps"] = timebase.median_fps(times)
    if silhouette is not None:
        ds = _with_run_silhouette(ds, silhouette, model_path)
    arena = arena_geometry(ds, cal) if model.uses_arena else None
    proba = model.predict_proba(ds, arena)
    timeline = behavior_timeline(proba, model.classes, fps, model.min_bout_s, times_s=times)
    if window is not None:
        timeline = timeline.window(*window)
    paths, summary = write_timeline(ledger.out_dir, ledger.stem, timeline, {"file": video.name})
    values = {k: summary.get(k, math.nan) for k in behavior_columns(timeline.behaviors)}
    ledger.record("behavior", fp, paths, values)
    log.info("%s: behaviour from the pose (%s) -> %s", video.name, model_path.name, paths["behavior"].name)
    return fp, values


def _with_run_silhouette(ds: xr.Dataset, path: Path, model_path: Path) -> xr.Dataset:
    """The run's pose with the silhouette its pose step wrote (for a model trained with silhouette tables)."""
    if not path.is_file():
        raise OpenfieldError(
            f"{model_path.name} was trained with the classical tracker's silhouette, but the run has no {path.name} "
            "(a DeepLabCut pose has none; a pose tracked by an older openfield neither: run again with --overwrite)",
            path,
        )
    return add_silhouette(ds, read_silhouette(path, SILHOUETTE_MEASURES, ds.sizes["time"]))


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


def summary_step(ledger: Ledger, row: dict[str, Any], inputs: list[str]) -> tuple[str, dict[str, Any]]:
    """The one-row ``<stem>_summary.csv`` (written last: the video is finished).

    Parameters
    ----------
    row
        The row: the input's name first (``video`` or ``file``), then the
        kinematics summary and any behaviour totals.
    inputs
        Fingerprints of the steps whose values make the row.

    Returns
    -------
    fingerprint : str
        Covers every step before (the batch's files depend on it).
    row : dict
        The row.
    """
    path = output_paths(ledger.stem, ledger.out_dir)["summary"]
    fp = fingerprint("summary", {"columns": list(row)}, inputs=inputs)
    rec = ledger.current("summary", fp)
    if rec:
        return fp, rec["values"]
    write_csv(pd.DataFrame([row]), path)
    ledger.record("summary", fp, {"summary": path}, row)
    return fp, row


def quality_step(
    ledger: Ledger,
    kinematics_values: dict[str, Any],
    fps: float,
    cal: Calibration | None,
    reader: dict[str, Any],
    image_size: tuple[int, int] | None,
    inputs: list[str],
) -> tuple[str, dict[str, Any]]:
    """The video's quality record (:func:`openfield.quality.assess_quality`): no file, kept in the record.

    Reads nothing: everything comes from what the steps before recorded.

    Parameters
    ----------
    kinematics_values
        What :func:`kinematics_step` returned: the summary (its
        ``fraction_missing``, ``fraction_interpolated`` after cleaning,
        ``tracking_noise_cm``, and ``duration_s`` when measured on the
        timestamps) and its ``cleaning`` report (``frames``,
        ``untracked_frames`` and ``first_tracked_s`` before jump removal,
        ``jump_frames_removed``, ``time_source``).
    fps
        The video's frame rate (the container's, or ``--fps``), for ``fps_suspect``.
    cal
        The calibration (its arena corners for ``arena_partial``).
    reader
        What the video reader counted (``frames_expected``, ``frames_read``,
        ``timestamps``, ``contrast``; see :func:`tracker_pose_step` and
        :func:`frame_times_step`); missing counts come from the pose's length.
    image_size
        ``(width, height)`` of the video's frames, for ``arena_partial``.
    inputs
        Fingerprints of the pose and kinematics steps.

    Returns
    -------
    fingerprint : str
    values : dict
        :data:`openfield.quality.QC_COLUMNS` -> value, plus ``qc_message``
        (every flag's reason with its numbers, one line).
    """
    settings = {"thresholds": asdict(quality.QCThresholds()), "image_size": image_size}
    fp = fingerprint("quality", settings, inputs=inputs)
    rec = ledger.current("quality", fp)
    if rec:
        return fp, rec["values"]
    summary, report = kinematics_values, kinematics_values["cleaning"]
    n = int(report["frames"])
    record = quality.assess_quality(
        frames_read=int(reader.get("frames_read", n)),
        fps=fps,
        fraction_missing=1.0 - (n - report["untracked_frames"]) / n if n else 1.0,
        fraction_interpolated=float(summary.get("fraction_interpolated", 0.0)),
        jumps_removed=int(report["jump_frames_removed"]),
        frames_expected=reader.get("frames_expected"),
        timestamp_stats=reader.get("timestamps"),
        tracking_noise_cm=summary.get("tracking_noise_cm"),
        contrast=reader.get("contrast"),
        several_animals_fraction=reader.get("several_animals_fraction"),
        arena_partial=arena_outside_image(cal, image_size),
        animal_found_at_start=quality.found_in_start_window(report["first_tracked_s"]),
        # from the timestamps when the kinematics measured on them, else frames_read / fps as always
        duration_s=summary["duration_s"] if report.get("time_source") == "timestamps" else None,
        trial=report.get("trial"),
        body_length_cm=summary.get("body_length_cm"),
    )
    values = record.as_row()
    # the kinematics' own columns stay as it computed them (after cleaning)
    values.update({k: summary[k] for k in ("fraction_missing", "fraction_interpolated") if k in summary})
    values["qc_message"] = record.message()
    ledger.record("quality", fp, {}, values)
    if record.flags:
        log.warning("%s: QC flags %s: %s", ledger.stem, record.qc_flags, record.message())
    return fp, values


#: Pixels an arena corner may lie outside the image before the arena counts as cut off.
ARENA_OUTSIDE_TOLERANCE_PX = 2.0


def arena_outside_image(cal: Calibration | None, image_size: tuple[int, int] | None) -> bool | None:
    """True when a corner of the calibration's arena lies outside the image (``arena_partial``).

    None when unknown (no arena, or no image size).
    """
    if cal is None or cal.floor_outline_px is None or image_size is None:
        return None
    w, h = image_size
    c = np.asarray(cal.floor_outline_px, dtype=float)
    tol = ARENA_OUTSIDE_TOLERANCE_PX
    return bool(np.any(c[:, 0] < -tol) or np.any(c[:, 0] > w - 1 + tol)
                or np.any(c[:, 1] < -tol) or np.any(c[:, 1] > h - 1 + tol))


__all__ = [
    "PLOTS",
    "arena_labeled_video_step",
    "arena_part_step",
    "arena_tracking_step",
    "arenas_step",
    "behavior_step",
    "calibration_step",
    "dlc_pose_step",
    "frame_times_file",
    "frame_times_step",
    "given_calibration",
    "kinematics_step",
    "labeled_video_step",
    "pose_file_step",
    "quality_step",
    "remove_arenas",
    "summary_step",
    "tracker_pose_step",
    "write_frame_times",
]
