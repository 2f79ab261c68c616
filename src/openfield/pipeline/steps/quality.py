"""The quality step: the video's QC record from what the steps before recorded."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

import numpy as np

from openfield import quality
from openfield.calibration import Calibration
from openfield.pipeline.ledger import Ledger, fingerprint

log = logging.getLogger(__name__)


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
