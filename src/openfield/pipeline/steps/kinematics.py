"""The kinematics step: the pose -> the per-frame table, the bouts and the plots."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import xarray as xr

from openfield import calibration as calibration_mod
from openfield import kinematics, quality
from openfield.behavior.silhouette import MEASURES as SILHOUETTE_MEASURES
from openfield.behavior.silhouette import OPTIONAL as SILHOUETTE_OPTIONAL
from openfield.behavior.silhouette import add_silhouette
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.files import save_figure, write_csv
from openfield.io.pose import read_pose
from openfield.io.silhouette import read_silhouette
from openfield.io.tables import write_frames_table
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import output_paths, silhouette_path
from openfield.pipeline.steps.tracking import frame_times_for


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
    result = kinematics.analyze_pose(ds, cal, config, fps, frame_times_for(frame_times, ds.sizes["time"]))
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
