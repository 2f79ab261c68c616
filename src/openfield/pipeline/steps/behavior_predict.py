"""Behaviour from a pose file with a pose classifier: the one prediction step, resumed through the ledger.

:func:`pose_behavior_step` reads the pose (and the silhouette table a model
trained with one needs), places each frame at its real time (a variable
frame rate's timestamps), puts the model's behaviour on the recording's
Dataset (:func:`openfield.behavior.predict.predict_behavior`), takes its
timeline (:func:`openfield.behavior.timeline.timeline_from_dataset`, cut to
a trial window if any) and writes ``<stem>_behavior.csv``,
``_bouts.csv``, ``_behavior_summary.csv`` and ``_ethogram.png``
(:func:`openfield.behavior.outputs.write_timeline`). It is recorded as the
step ``behavior`` of the ledger (and in the recording's processing log), skipped when its record holds the same
fingerprint (the model file, the settings, the pose's and the calibration's
fingerprints, the silhouette table) and its outputs are there.

``openfield behavior pose-predict`` calls it for each pose file, ``openfield
run --behavior-model MODEL.joblib`` for each video (the one code path).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openfield import timebase
from openfield.behavior.feature_arena import feature_arena
from openfield.behavior.outputs import load_pose_model, write_timeline
from openfield.behavior.predict import predict_behavior
from openfield.behavior.settings import POSE_MODEL_DEFAULTS
from openfield.behavior.silhouette import MEASURES as SILHOUETTE_MEASURES
from openfield.behavior.silhouette import add_silhouette
from openfield.behavior.timeline import timeline_from_dataset
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.pose import read_dlc
from openfield.io.silhouette import read_silhouette
from openfield.pipeline.config import behavior_columns
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.steps.processing_log import keep_section
from openfield.pipeline.steps.tracking import frame_times_for
from openfield.provenance import log_record

log = logging.getLogger(__name__)


def pose_behavior_step(
    ledger: Ledger,
    model_path: str | os.PathLike[str],
    pose: str | os.PathLike[str],
    pose_fp: str,
    fps: float,
    *,
    summary_extra: Mapping[str, Any],
    model: Any = None,
    calibration: Calibration | None = None,
    cal_fp: str | None = None,
    arena_size_cm: tuple[float, float] | None = None,
    silhouette: str | os.PathLike[str] | None = None,
    frame_times: str | os.PathLike[str] | None = None,
    window: tuple[int, int] | None = None,
    min_bout_s: float | None = None,
    threads: int = POSE_MODEL_DEFAULTS["n_threads"],
) -> tuple[str, dict[str, Any]]:
    """A recording's behaviour from its pose with a pose classifier, unless recorded with these settings.

    Parameters
    ----------
    ledger
        The recording's ledger (its ``stem`` names the files).
    model_path
        The pose model (``.joblib``, :func:`openfield.behavior.outputs.save_pose_model`).
    pose
        The pose file (DeepLabCut layout, or the classical tracker's).
    pose_fp
        The fingerprint of the step that made the pose, or of the pose file
        (:func:`openfield.pipeline.steps.pose_file_step`).
    fps
        The recording's frame rate (the timeline's, and the features' unless ``frame_times``).
    summary_extra
        Columns put first in the summary row (``{"file": ...}``).
    model
        The model, already read (None: read from ``model_path``).
    calibration, cal_fp
        The arena's calibration and its fingerprint, for a model using the walls.
    arena_size_cm
        The floor's size with tracked corner points, for a model using the
        walls without a calibration (:func:`openfield.behavior.feature_arena.feature_arena`).
    silhouette
        The silhouette table, for a model trained with one (a missing one is an error).
    frame_times
        A variable frame rate's timestamps (``<stem>_frame_times.csv``): the
        timeline's times, and the features' frame rate their median.
    window
        The trial window's frames ``(first, stop)``: the files and totals hold those frames only.
    min_bout_s
        Shortest bout kept (None: the model's).
    threads
        The classifier's threads (how fast, not what: not in the fingerprint).

    Returns
    -------
    fingerprint : str
    values : dict
        ``time_<b>_s``, ``bouts_<b>``, ``latency_<b>_s`` of the model's behaviours.
    """
    model_path, pose = Path(model_path), Path(pose)
    if model is None:
        model = load_pose_model(model_path)  # loads scikit-learn and skops, the 'behavior' extra
    min_bout = model.min_bout_s if min_bout_s is None else float(min_bout_s)
    inputs = [pose_fp] + ([cal_fp] if model.uses_arena and cal_fp else [])
    settings: dict[str, Any] = {"kind": "pose", "min_bout_s": min_bout, "fps": fps}
    if model.uses_arena and arena_size_cm is not None:  # only then: the pipeline's fingerprint is kept
        settings["arena_size_cm"] = list(arena_size_cm)
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    if window is not None:  # only then: a run without a trial window keeps its fingerprint
        settings["trial_frames"] = list(window)
    table = Path(silhouette) if model.uses_silhouette and silhouette is not None else None
    if model.uses_silhouette and (table is None or not table.is_file()):
        raise OpenfieldError(f"{model_path.name} was trained with the classical tracker's silhouette; "
                             "this pose has no silhouette table", table or pose)
    fp = fingerprint("behavior", settings, inputs=inputs, sources=[model_path, *([table] if table else [])])
    rec = ledger.current("behavior", fp)
    if rec:
        log.info("%s: behaviour already predicted with these settings, skipped", pose.name)
        return fp, rec["values"]
    ds = read_dlc(pose, fps=fps)
    times = frame_times_for(None if frame_times is None else Path(frame_times), ds.sizes["time"])
    if times is not None:  # the features' windows count frames at the median rate, as the kinematics' do
        ds.attrs["fps"] = timebase.median_fps(times)
    if table is not None:
        ds = add_silhouette(ds, read_silhouette(table, SILHOUETTE_MEASURES, ds.sizes["time"]))
    arena = feature_arena(ds, calibration, arena_size_cm) if model.uses_arena else None
    if min_bout != model.min_bout_s:  # --min-bout-s: the model's own setting, for this prediction
        model = dataclasses.replace(model, min_bout_s=min_bout)
    # the behaviour joins the pose on the recording's Dataset; the tables are made from what it carries
    ds = predict_behavior(ds, model, fps, arena, times, model_name=model_path.name, n_threads=threads)
    timeline = timeline_from_dataset(ds)
    if window is not None:
        timeline = timeline.window(*window)
    paths, summary = write_timeline(ledger.out_dir, ledger.stem, timeline, summary_extra)
    values = {k: summary.get(k, math.nan) for k in behavior_columns(timeline.behaviors)}
    keep_section(ledger, "behavior", [log_record("behavior", {**settings, "model": str(model_path.resolve()),
                                                              "classes": list(model.classes)})])
    ledger.record("behavior", fp, paths, values)
    log.info("%s: behaviour from the pose (%s) -> %s", pose.name, model_path.name,
             ", ".join(p.name for p in paths.values()))
    return fp, values
