"""The behaviour step: a pose classifier or a ViT model on the run's own pose.

A pose classifier's labels and probabilities join the pose on the recording's
Dataset (:func:`openfield.behavior.predict.predict_behavior`, with a
``behavior`` record in its processing log); the behaviour's tables are
written from what the Dataset carries.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from openfield.behavior.outputs import behavior_model_kind, load_pose_model
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration
from openfield.io.names import silhouette_path
from openfield.io.video import video_info
from openfield.pipeline.ledger import Ledger
from openfield.pipeline.steps.behavior_predict import pose_behavior_step
from openfield.pipeline.steps.tracking import frame_times_file
from openfield.pipeline.steps.vit_predict import vit_prediction_step

log = logging.getLogger(__name__)


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
    # a ViT folder: the one ViT prediction step (that of `openfield behavior predict`, default options)
    return vit_prediction_step(ledger, video, model, pose=pose, pose_fp=pose_fp, frame_times=frame_times,
                               window=window, progress=progress)


def _pose_behavior(ledger: Ledger, video: Path, model_path: Path, pose: Path, pose_fp: str,
                   cal: Calibration | None, cal_fp: str | None, fps: float,
                   frame_times: Path | None = None,
                   window: tuple[int, int] | None = None) -> tuple[str, dict[str, Any]]:
    """:func:`behavior_step` with a pose classifier (``frame_times``: a variable frame rate's timestamps;
    ``window``: the trial's frames)."""
    model = load_pose_model(model_path)  # loads scikit-learn and skops, the 'behavior' extra
    silhouette = silhouette_path(pose) if model.uses_silhouette else None
    if silhouette is not None:
        _check_run_silhouette(silhouette, model_path)
    # the one prediction step, shared with `openfield behavior pose-predict`
    return pose_behavior_step(ledger, model_path, pose, pose_fp, fps, summary_extra={"file": video.name}, model=model,
                              calibration=cal, cal_fp=cal_fp, silhouette=silhouette, frame_times=frame_times,
                              window=window)


def _check_run_silhouette(path: Path, model_path: Path) -> None:
    """The silhouette table the run's pose step wrote is there (for a model trained with silhouette tables)."""
    if not path.is_file():
        raise OpenfieldError(
            f"{model_path.name} was trained with the classical tracker's silhouette, but the run has no {path.name} "
            "(a DeepLabCut pose has none; a pose tracked by an older openfield neither: run again with --overwrite)",
            path,
        )
