"""The ViT's behaviour prediction of one video, resumed through the ledger: one step for
``openfield behavior predict`` and ``openfield run --behavior-model FOLDER``.

Inside the steps package (not :mod:`openfield.pipeline.vit`) because the run's behaviour step calls it and it
writes the behaviour's processing-log record (:mod:`openfield.pipeline.steps.processing_log`); torch and
transformers are imported only when a prediction runs.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

from openfield.behavior.labels import default_behaviors
from openfield.behavior.settings import PREDICTION_DEFAULTS
from openfield.errors import OpenfieldError
from openfield.io.timestamps import read_frame_times
from openfield.pipeline.config import behavior_columns
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.steps.processing_log import keep_section
from openfield.provenance import log_record
from openfield.quality import frame_times_from_timestamps

log = logging.getLogger(__name__)


def vit_prediction_step(
    ledger: Ledger,
    video: str | os.PathLike[str],
    model: str | os.PathLike[str],
    *,
    min_bout_s: float = PREDICTION_DEFAULTS["min_bout_s"],
    window_s: float = PREDICTION_DEFAULTS["window_s"],
    batch_size: int = 0,
    device: str = "auto",
    every: int = PREDICTION_DEFAULTS["every"],
    max_frames: int | None = PREDICTION_DEFAULTS["max_frames"],
    pose: str | os.PathLike[str] | None = None,
    pose_fp: str | None = None,
    frame_times: str | os.PathLike[str] | None = None,
    window: tuple[int, int] | None = None,
    progress: bool = True,
) -> tuple[str, dict[str, Any]]:
    """A video's behaviour from a ViT folder (:func:`openfield.behavior.video.predict_video`), resumed.

    Recorded as the step ``behavior`` of the video's ledger. The
    fingerprint covers the video, the model folder's files, the options
    (those that differ from :data:`PREDICTION_DEFAULTS`), the pose that
    places the crops (``pose_fp``, its step's fingerprint; a pose file given
    without one: the file's size and modification time), a variable frame
    rate's timestamps and the trial window.

    Parameters
    ----------
    ledger
        The video's ledger in the output folder.
    video, model, min_bout_s, window_s, batch_size, device, every, max_frames, pose, window, progress
        See :func:`~openfield.behavior.video.predict_video` (``batch_size``,
        ``device`` and ``progress`` change how fast, not what).
    pose_fp
        The fingerprint of the step that made ``pose`` (a run's pose step).
    frame_times
        A variable-frame-rate video's timestamps file: the behaviour's time axis.

    Returns
    -------
    fingerprint : str
    values : dict
        ``time_<b>_s``, ``bouts_<b>``, ``latency_<b>_s`` of the model's
        behaviours (:func:`~openfield.pipeline.config.behavior_columns`).
    """
    video, model = Path(video), Path(model)
    if not model.is_dir():
        raise OpenfieldError("model folder not found", model)
    model_files = sorted(p for p in model.iterdir() if p.is_file())
    options = {"min_bout_s": min_bout_s, "window_s": window_s, "every": every, "max_frames": max_frames}
    settings: dict[str, Any] = {"kind": "vit", "model": str(model.resolve()),
                                **{k: v for k, v in options.items() if v != PREDICTION_DEFAULTS[k]}}
    if frame_times is not None:  # only then: a constant-rate video keeps its fingerprint
        settings["time_source"] = "timestamps"
    if window is not None:  # only then: a run without a trial window keeps its fingerprint
        settings["trial_frames"] = list(window)
    if pose is not None and pose_fp is None:
        pose_fp = fingerprint("pose", {"method": "file"}, sources=[pose])
    fp = fingerprint("behavior", settings, inputs=[pose_fp or ""], sources=[video, *model_files])
    rec = ledger.current("behavior", fp)
    if rec:
        log.info("%s: already analysed with these settings, skipped", video.name)
        return fp, rec["values"]
    try:
        from openfield.behavior.video import predict_video  # lazy: torch and transformers only when asked for
    except ImportError as exc:
        raise OpenfieldError(
            f"a ViT behaviour model needs the 'behavior' extra ({exc}); install it with "
            "pip install openfield[behavior] (torch, transformers, scikit-learn)"
        ) from exc
    times = None if frame_times is None else frame_times_from_timestamps(read_frame_times(frame_times))
    totals = predict_video(video, model, ledger.out_dir, min_bout_s=min_bout_s, window_s=window_s,
                           batch_size=batch_size, device=device, every=every, max_frames=max_frames,
                           progress=progress, pose=pose, times_s=times, window=window)
    values = {k: totals.get(k, math.nan) for k in behavior_columns(default_behaviors(totals.get("classes", [])))}
    keep_section(ledger, "behavior", [log_record("behavior", {**settings,
                                                              "classes": list(totals.get("classes", []))})])
    ledger.record("behavior", fp, {k: Path(v) for k, v in totals.get("paths", {}).items()}, values)
    return fp, values
