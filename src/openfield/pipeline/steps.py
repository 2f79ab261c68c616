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

import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import xarray as xr

from openfield import calibration as calibration_mod
from openfield import kinematics, plots, tracking
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write, save_figure, write_csv, write_json
from openfield.io.images import video_background
from openfield.io.pose import read_dlc, write_dlc_csv
from openfield.pipeline.config import BEHAVIOR_COLUMNS
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import PLOTS, output_paths

log = logging.getLogger(__name__)


def given_calibration(cal: Calibration) -> str:
    """The fingerprint of a calibration given by the user (its content, wherever it came from)."""
    return fingerprint("calibration", {"given": cal.to_dict()})


def calibration_step(ledger: Ledger, video: Path, arena_size_cm: tuple[float, float]) -> tuple[Calibration, str]:
    """The arena found on the video's median background -> ``<stem>_calibration.json``.

    Returns
    -------
    calibration : Calibration
    fingerprint : str
    """
    path = output_paths(ledger.stem, ledger.out_dir)["calibration"]
    fp = fingerprint("calibration", {"arena_size_cm": list(arena_size_cm)}, sources=[video])
    if ledger.current("calibration", fp):
        return Calibration.load(path), fp
    background = video_background(video)
    try:
        cal = calibration_mod.calibrate_arena([background], arena_size_cm, names=[str(video)])
    except OpenfieldError as exc:
        raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    write_json(cal.to_dict(), path)
    ledger.record("calibration", fp, {"calibration": path})
    log.info("%s: arena found, %.2f px/cm -> %s", video.name, cal.px_per_cm, path.name)
    return cal, fp


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
        The pose CSV. The next step reads it back even when just written:
        the CSV's decimal text is the pose of record, so a resumed run gives
        the very numbers of a fresh one (parsing can move a float by 1 ulp).
    """
    path = output_paths(ledger.stem, ledger.out_dir)["pose"]
    fp = fingerprint("pose", {"method": "classic", "tracker": asdict(config), "fps": fps},
                     inputs=[cal_fp] if cal_fp else [], sources=[video])
    if ledger.current("pose", fp):
        return fp, path
    corners = None if cal is None else cal.arena_corners_px
    ds = tracking.track_video(video, config, corners, fps, progress)
    if not (ds["position"].sel(keypoints="body").notnull()).any():
        raise OpenfieldError(
            "the classical tracker found no animal in any frame (is it in the arena, and is --animal right?)",
            video,
        )
    write_dlc_csv(ds, path, scorer=tracking.SCORER)
    ledger.record("pose", fp, {"pose": path})
    log.info("%s: tracked -> %s", video.name, path.name)
    return fp, path


def dlc_pose_step(ledger: Ledger, video: Path, dlc_config: Path) -> tuple[str, Path]:
    """DeepLabCut (:func:`openfield.pose.dlc.analyze_videos`) -> its ``<stem>DLC...h5``.

    Returns
    -------
    fingerprint : str
    path : Path
        The pose file DeepLabCut returned (the filtered one when it filters).
    """
    fp = fingerprint("pose", {"method": "dlc"}, sources=[video, dlc_config])
    if ledger.current("pose", fp):
        return fp, ledger.output("pose", "pose")
    try:
        from openfield.pose import dlc  # lazy: only --pose dlc needs DeepLabCut
    except ImportError as exc:
        raise OpenfieldError(
            f"--pose dlc is not available here ({exc}); install the 'pose' extra "
            "(pip install openfield[pose]) or use --pose classic"
        ) from exc
    # outputs recorded with other settings (or --overwrite) are redone; DeepLabCut files already there
    # without a record (e.g. from `openfield pose analyze`) are taken as they are
    redo = ledger.overwrite or "pose" in ledger.records
    outputs = dlc.analyze_videos([video], dlc_config, ledger.out_dir, overwrite=redo)
    if not outputs:
        raise OpenfieldError("DeepLabCut produced no pose file", video)
    path = Path(outputs[0])
    ledger.record("pose", fp, {"pose": path})
    return fp, path


def pose_file_step(pose_file: Path, fps: float) -> str:
    """The fingerprint of a user's pose file (``openfield kinematics``): the file is the pose step."""
    return fingerprint("pose", {"method": "file", "fps": fps}, sources=[pose_file])


def write_frames_table(frames: Any, path: Path) -> Path:
    """The per-frame table, atomically: CSV (4 decimals, written by pyarrow: ~10x pandas) or Parquet."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

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
) -> tuple[str, dict[str, Any]]:
    """Kinematics and plots -> ``<stem>_kinematics.csv`` (or ``.parquet``), ``<stem>_locomotor_bouts.csv``
    and ``<stem>_<plot>.png``.

    Parameters
    ----------
    pose
        The pose dataset, or its file (read only when the step runs).
    cal
        The calibration; None with ``arena_bodyparts`` (the arena corners
        tracked in the pose, ``arena_size_cm`` the floor).
    inputs
        Fingerprints of the pose and calibration steps.

    Returns
    -------
    fingerprint : str
    summary : dict
        :func:`openfield.kinematics.summarize` of the result (recorded, so
        read back when skipped).
    """
    paths = output_paths(ledger.stem, ledger.out_dir)
    settings = {**asdict(config), "plots": plot, "fps": fps,
                "arena_bodyparts": arena_bodyparts, "arena_size_cm": arena_size_cm}
    fp = fingerprint("kinematics", settings, inputs=inputs)
    rec = ledger.current("kinematics", fp)
    if rec:
        return fp, rec["values"]
    ds = read_dlc(pose, fps=fps) if isinstance(pose, Path) else pose
    if arena_bodyparts is not None:
        assert arena_size_cm is not None
        cal = calibration_mod.calibrate_from_bodyparts(ds, arena_bodyparts, arena_size_cm)
    if cal is None:
        raise OpenfieldError("no calibration: give --calibration or --arena-from-bodyparts")
    result = kinematics.analyze_pose(ds, cal, config, fps)
    table_path = paths["kinematics"]
    if config.table_format == "parquet":
        table_path = table_path.with_suffix(".parquet")
    outputs = {"kinematics": table_path, "locomotor_bouts": paths["locomotor_bouts"]}
    if plot:
        for name, fig in plots.kinematics_figures(result, ledger.stem).items():
            outputs[name] = save_figure(fig, paths[name])
    write_frames_table(kinematics.frames_table(result), table_path)
    write_csv(kinematics.bout_table(result).round(4), paths["locomotor_bouts"])
    summary = kinematics.summarize(result)
    ledger.record("kinematics", fp, outputs, summary)
    return fp, summary


def behavior_step(ledger: Ledger, video: Path, model_dir: Path, progress: bool) -> tuple[str, dict[str, Any]]:
    """Rearing and grooming with a trained ViT -> ``<stem>_behavior.csv``, bouts, summary, ethogram.

    The one place the pipeline calls the behaviour stage
    (:func:`openfield.behavior.video.predict_video`).

    Returns
    -------
    fingerprint : str
    totals : dict
        ``BEHAVIOR_COLUMNS`` -> value.
    """
    model_dir = Path(model_dir)
    model_files = sorted(p for p in model_dir.iterdir() if p.is_file())
    fp = fingerprint("behavior", {"model": str(model_dir.resolve())}, sources=[video, *model_files])
    rec = ledger.current("behavior", fp)
    if rec:
        return fp, rec["values"]
    try:
        from openfield.behavior.video import predict_video  # lazy: torch only when asked for

        totals = predict_video(video, model_dir, ledger.out_dir, overwrite=True, progress=progress)
    except ImportError as exc:
        raise OpenfieldError(
            f"--behavior-model needs the 'behavior' extra ({exc}); install it with "
            "pip install openfield[behavior] (torch, transformers, scikit-learn)"
        ) from exc
    values = {k: totals.get(k, math.nan) for k in BEHAVIOR_COLUMNS}
    outputs = {k: Path(v) for k, v in totals.get("paths", {}).items()}
    ledger.record("behavior", fp, outputs, values)
    return fp, values


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
    import pandas as pd

    path = output_paths(ledger.stem, ledger.out_dir)["summary"]
    fp = fingerprint("summary", {"columns": list(row)}, inputs=inputs)
    rec = ledger.current("summary", fp)
    if rec:
        return fp, rec["values"]
    write_csv(pd.DataFrame([row]), path)
    ledger.record("summary", fp, {"summary": path}, row)
    return fp, row


__all__ = [
    "PLOTS",
    "behavior_step",
    "calibration_step",
    "dlc_pose_step",
    "given_calibration",
    "kinematics_step",
    "pose_file_step",
    "summary_step",
    "tracker_pose_step",
]
