r"""Distance, speed, acceleration and deceleration in cm, overall and per zone.

Definitions (``p_i`` the smoothed position of the reference point at frame
``i``, ``dt = 1 / fps``):

- speed :math:`v_i = |(p_{i+1} - p_{i-1}) / (2\,dt)|` (central differences,
  one-sided at the ends of each tracked stretch), cm/s;
- acceleration :math:`a_i = (v_{i+1} - v_{i-1}) / (2\,dt)`, signed, cm/s²;
  acceleration phases are frames with :math:`a > 0`, deceleration phases
  frames with :math:`a < 0` (:math:`|a| < 10^{-6}` counts as zero); the mean deceleration is reported as a
  positive magnitude;
- distance :math:`\sum_i |p_i - p_{i-1}|` over consecutive tracked frames;
  a step counts in the zone of the frame it arrives in;
- moving: speed above a threshold (default 2 cm/s) held for at least a
  minimum time (default 0.25 s).

Before that the reference point is cleaned (:mod:`openfield.cleaning`):
likelihood cut-off, conversion to cm, removal of impossible jumps,
interpolation of short gaps and Savitzky-Golay smoothing.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from openfield import cleaning, zones
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.pose import ARENA_KEYPOINTS

log = logging.getLogger(__name__)

#: Names tried, in order, when the reference body part is not given.
DEFAULT_BODYPARTS = ("body", "bodycentre", "bodycenter", "body_centre", "body_center", "centroid")

SUMMARY_COLUMNS = [
    "duration_s",
    "distance_cm",
    "mean_speed_cm_s",
    "max_speed_cm_s",
    "mean_acceleration_cm_s2",
    "mean_deceleration_cm_s2",
    "time_moving_s",
    "time_center_s",
    "time_border_s",
    "distance_center_cm",
    "distance_border_cm",
    "center_entries",
    "latency_center_s",
    "mean_speed_center_cm_s",
    "mean_speed_border_cm_s",
    "mean_acceleration_center_cm_s2",
    "mean_deceleration_center_cm_s2",
    "mean_acceleration_border_cm_s2",
    "mean_deceleration_border_cm_s2",
    "fraction_interpolated",
    "fraction_missing",
    "reference_point",
    "fps",
    "px_per_cm",
    "calibration_method",
]

FRAME_COLUMNS = [
    "frame", "time_s", "x_cm", "y_cm", "speed_cm_s", "acceleration_cm_s2", "zone", "moving", "interpolated",
]


@dataclass
class KinematicsConfig:
    """Options of the kinematics step (defaults in brackets).

    Attributes
    ----------
    bodypart
        Reference point [None: the first of ``DEFAULT_BODYPARTS`` present,
        else the per-frame centroid of the animal's points].
    likelihood_cutoff
        Points below it become gaps [0.6].
    max_speed_cm_s
        Physical limit; faster jumps are removed [150].
    max_gap_s
        Gaps up to this long are interpolated [0.5].
    smooth_window_s
        Savitzky-Golay window [0.25].
    smooth_polyorder
        Savitzky-Golay polynomial order [2].
    moving_threshold_cm_s
        Speed above which the animal moves [2].
    moving_min_s
        Shortest movement bout counted as moving [0.25].
    center_fraction
        Side of the centre zone as a fraction of the arena side [0.5].
    """

    bodypart: str | None = None
    likelihood_cutoff: float = 0.6
    max_speed_cm_s: float = 150.0
    max_gap_s: float = 0.5
    smooth_window_s: float = 0.25
    smooth_polyorder: int = 2
    moving_threshold_cm_s: float = 2.0
    moving_min_s: float = 0.25
    center_fraction: float = 0.5


@dataclass
class KinematicsResult:
    """Per-frame table, one-row summary and what was done to the track."""

    frames: pd.DataFrame
    summary: dict[str, Any]
    arena_size_cm: tuple[float, float] | None
    config: KinematicsConfig
    cleaning_report: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- reference point


def animal_keypoints(ds: xr.Dataset) -> list[str]:
    """Keypoints that belong to the animal (arena points such as tl/tr/centre excluded)."""
    return [str(k) for k in ds["keypoints"].values if str(k).lower() not in ARENA_KEYPOINTS]


def reference_track(ds: xr.Dataset, bodypart: str | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Pixel track and likelihood of the reference point.

    Parameters
    ----------
    ds
        Pose dataset.
    bodypart
        A keypoint name; None tries ``DEFAULT_BODYPARTS`` and falls back to
        the centroid of the animal's keypoints (each frame's mean over the
        points present, likelihood = their mean).

    Returns
    -------
    xy : numpy.ndarray
        ``(n_frames, 2)`` pixels.
    likelihood : numpy.ndarray
        ``(n_frames,)``.
    name : str
        The body part used, or ``"centroid"``.
    """
    names = [str(k) for k in ds["keypoints"].values]
    source = ds.attrs.get("source_file")
    pos = ds["position"].isel(individuals=0)
    conf = ds["confidence"].isel(individuals=0)
    if bodypart is not None:
        if bodypart not in names:
            raise OpenfieldError(
                f"body part {bodypart!r} is not in the pose file; it has: {', '.join(names)}", source
            )
        return (pos.sel(keypoints=bodypart).transpose("time", "space").values,
                conf.sel(keypoints=bodypart).values, bodypart)
    lower = {n.lower(): n for n in names}
    for cand in DEFAULT_BODYPARTS:
        if cand in lower:
            name = lower[cand]
            return (pos.sel(keypoints=name).transpose("time", "space").values,
                    conf.sel(keypoints=name).values, name)
    animal = animal_keypoints(ds)
    if not animal:
        raise OpenfieldError("the pose file has no animal body parts (only arena points)", source)
    xy = pos.sel(keypoints=animal).transpose("time", "keypoints", "space").values
    c = conf.sel(keypoints=animal).values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames with no point: NaN, as wanted
        return np.nanmean(xy, axis=1), np.nanmean(c, axis=1), "centroid"


# --------------------------------------------------------------------------- core maths


def speed_acceleration(xy_cm: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Speed (cm/s) and signed acceleration (cm/s²) by central differences.

    Each contiguous stretch of valid frames is differentiated on its own
    (``numpy.gradient``: central inside, one-sided at its ends); a stretch of
    a single frame has no speed (NaN).
    """
    xy = np.asarray(xy_cm, dtype=float)
    speed = np.full(len(xy), np.nan)
    acc = np.full(len(xy), np.nan)
    valid = ~np.isnan(xy).any(axis=1)
    starts, lengths = cleaning.runs(valid)
    for s, n in zip(starts, lengths, strict=True):
        if n < 2:
            continue
        seg = xy[s : s + n]
        vel = np.gradient(seg, 1.0 / fps, axis=0)
        sp = np.hypot(vel[:, 0], vel[:, 1])
        speed[s : s + n] = sp
        acc[s : s + n] = np.gradient(sp, 1.0 / fps)
    return speed, acc


def moving_mask(speed: np.ndarray, fps: float, threshold: float, min_s: float) -> np.ndarray:
    """Frames in runs of ``speed > threshold`` lasting at least ``min_s``."""
    fast = np.nan_to_num(speed, nan=0.0) > threshold
    starts, lengths = cleaning.runs(fast)
    min_frames = max(1, int(np.ceil(min_s * fps - 1e-9)))
    out = np.zeros(len(speed), bool)
    for s, n in zip(starts, lengths, strict=True):
        if n >= min_frames:
            out[s : s + n] = True
    return out


def _mean_or_nan(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else float("nan")


#: Accelerations smaller than this (cm/s²) are numerically zero: neither phase.
ACC_ZERO = 1e-6


def _acc_dec(acc: np.ndarray) -> tuple[float, float]:
    """Mean of positive accelerations, and mean magnitude of negative ones."""
    a = acc[~np.isnan(acc)]
    pos, neg = a[a > ACC_ZERO], a[a < -ACC_ZERO]
    return (float(pos.mean()) if len(pos) else float("nan"),
            float(-neg.mean()) if len(neg) else float("nan"))


def kinematics_table(
    xy_cm: np.ndarray,
    fps: float,
    config: KinematicsConfig,
    arena_size_cm: tuple[float, float] | None = None,
    interpolated: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per-frame table from a cleaned, smoothed track in cm.

    Returns
    -------
    pandas.DataFrame
        Columns ``FRAME_COLUMNS``; ``zone`` is empty without an arena.
    """
    n = len(xy_cm)
    speed, acc = speed_acceleration(xy_cm, fps)
    if arena_size_cm is not None:
        zone = zones.assign_zones(xy_cm, arena_size_cm, config.center_fraction)
    else:
        zone = np.full(n, zones.UNKNOWN, dtype=object)
    return pd.DataFrame(
        {
            "frame": np.arange(n),
            "time_s": np.arange(n) / fps,
            "x_cm": xy_cm[:, 0],
            "y_cm": xy_cm[:, 1],
            "speed_cm_s": speed,
            "acceleration_cm_s2": acc,
            "zone": zone,
            "moving": moving_mask(speed, fps, config.moving_threshold_cm_s, config.moving_min_s),
            "interpolated": np.zeros(n, bool) if interpolated is None else np.asarray(interpolated, bool),
        }
    )


def summarize(frames: pd.DataFrame, fps: float, has_zones: bool) -> dict[str, Any]:
    """The one-row summary of a per-frame table (see ``SUMMARY_COLUMNS``)."""
    xy = frames[["x_cm", "y_cm"]].to_numpy()
    step = np.r_[np.nan, np.linalg.norm(np.diff(xy, axis=0), axis=1)]
    speed = frames["speed_cm_s"].to_numpy()
    acc = frames["acceleration_cm_s2"].to_numpy()
    zone = frames["zone"].to_numpy()
    n = len(frames)
    mean_acc, mean_dec = _acc_dec(acc)
    out: dict[str, Any] = {
        "duration_s": n / fps,
        "distance_cm": float(np.nansum(step)),
        "mean_speed_cm_s": _mean_or_nan(speed),
        "max_speed_cm_s": float(np.nanmax(speed)) if np.isfinite(speed).any() else float("nan"),
        "mean_acceleration_cm_s2": mean_acc,
        "mean_deceleration_cm_s2": mean_dec,
        "time_moving_s": float(frames["moving"].sum() / fps),
        "fraction_interpolated": float(frames["interpolated"].mean()) if n else float("nan"),
        "fraction_missing": float(np.isnan(xy).any(axis=1).mean()) if n else float("nan"),
    }
    nan = float("nan")
    for z in (zones.CENTER, zones.BORDER):
        in_z = zone == z
        out[f"time_{z}_s"] = float(in_z.sum() / fps) if has_zones else nan
        out[f"distance_{z}_cm"] = float(np.nansum(step[in_z])) if has_zones else nan
        out[f"mean_speed_{z}_cm_s"] = _mean_or_nan(speed[in_z]) if has_zones else nan
        a, d = _acc_dec(acc[in_z]) if has_zones else (nan, nan)
        out[f"mean_acceleration_{z}_cm_s2"] = a
        out[f"mean_deceleration_{z}_cm_s2"] = d
    if has_zones:
        out["center_entries"], out["latency_center_s"] = zones.center_entries(zone, fps)
    else:
        out["center_entries"], out["latency_center_s"] = nan, nan
    return out


# --------------------------------------------------------------------------- whole step


def clean_track(
    xy_px: np.ndarray,
    likelihood: np.ndarray,
    calibration: Calibration,
    fps: float,
    config: KinematicsConfig,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Likelihood cut-off, px -> cm, jump removal, gap filling and smoothing.

    Returns
    -------
    xy_cm : numpy.ndarray
        The smoothed track in cm.
    interpolated : numpy.ndarray
        Frames filled by interpolation.
    report : dict
        Counts of frames dropped at each step and of gaps left open.
    """
    n = len(xy_px)
    xy = cleaning.mask_low_likelihood(xy_px, likelihood, config.likelihood_cutoff)
    low = int(np.isnan(xy).any(axis=1).sum() - np.isnan(xy_px).any(axis=1).sum())
    xy_cm = calibration.px_to_cm(xy)
    xy_cm, jumps = cleaning.remove_jumps(xy_cm, fps, config.max_speed_cm_s)
    max_gap = int(round(config.max_gap_s * fps))
    xy_cm, interpolated = cleaning.interpolate_gaps(xy_cm, max_gap)
    missing = np.isnan(xy_cm).any(axis=1)
    starts, lengths = cleaning.runs(missing)
    window = cleaning.window_frames(config.smooth_window_s, fps, config.smooth_polyorder)
    xy_cm = cleaning.smooth(xy_cm, window, config.smooth_polyorder)
    report = {
        "frames": n,
        "low_likelihood_frames": low,
        "jump_frames_removed": int(jumps.sum()),
        "interpolated_frames": int(interpolated.sum()),
        "missing_frames": int(missing.sum()),
        "gaps_left_open": int(len(starts)),
        "longest_gap_s": float(lengths.max() / fps) if len(lengths) else 0.0,
        "smooth_window_frames": window,
    }
    return xy_cm, interpolated, report


def analyze_pose(
    ds: xr.Dataset,
    calibration: Calibration,
    config: KinematicsConfig | None = None,
    fps: float | None = None,
) -> KinematicsResult:
    """Kinematics of a pose dataset.

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`).
    calibration
        Pixel-to-cm calibration; zones need one with an arena.
    config
        Options; defaults if None.
    fps
        Frame rate; defaults to ``ds.attrs['fps']``.

    Returns
    -------
    KinematicsResult
    """
    config = config or KinematicsConfig()
    source = ds.attrs.get("source_file")
    fps = fps if fps is not None else ds.attrs.get("fps")
    if fps is None:
        raise OpenfieldError("fps unknown: give the video's frame rate (--fps)", source)
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}", source)
    xy_px, lik, name = reference_track(ds, config.bodypart)
    if not np.any(lik >= config.likelihood_cutoff):
        raise OpenfieldError(
            f"no frame of {name!r} reaches the likelihood cut-off {config.likelihood_cutoff} "
            "(is this the right file, or should --likelihood-cutoff be lower?)",
            source,
        )
    xy_cm, interpolated, report = clean_track(xy_px, lik, calibration, fps, config)
    report["reference_point"] = name
    if report["gaps_left_open"]:
        log.warning(
            "%s: %d gap(s) longer than %.2f s left missing (longest %.2f s, %.1f%% of frames)",
            source or "pose", report["gaps_left_open"], config.max_gap_s, report["longest_gap_s"],
            100 * report["missing_frames"] / max(1, report["frames"]),
        )
    arena = calibration.arena_size_cm if calibration.has_arena else None
    if arena is None:
        log.warning("%s: the calibration has no arena (method %r): zone measures are left empty",
                    source or "pose", calibration.method)
    frames = kinematics_table(xy_cm, fps, config, arena, interpolated)
    summary = summarize(frames, fps, arena is not None)
    summary.update(reference_point=name, fps=float(fps), px_per_cm=calibration.px_per_cm,
                   calibration_method=calibration.method)
    summary = {k: summary[k] for k in SUMMARY_COLUMNS}
    return KinematicsResult(frames, summary, arena, config, report)


def process_pose_file(
    pose_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    calibration: Calibration | None = None,
    fps: float | None = None,
    config: KinematicsConfig | None = None,
    arena_bodyparts: tuple[str, str, str, str] | None = None,
    arena_size_cm: tuple[float, float] | None = None,
    plots: bool = True,
    overwrite: bool = False,
) -> KinematicsResult | None:
    """Read a pose file, compute kinematics, write tables and plots.

    Parameters
    ----------
    pose_path
        DeepLabCut .csv or .h5.
    out_dir
        Output folder (created).
    calibration
        Calibration; or give ``arena_bodyparts`` and ``arena_size_cm`` to
        calibrate from arena corners tracked in the pose file.
    fps
        Frame rate of the video.
    config
        Kinematics options.
    arena_bodyparts, arena_size_cm
        Corner body parts (tl, tr, br, bl) and floor size in cm.
    plots
        Also write the PNG plots.
    overwrite
        Recompute even if this file's summary is already there and newer
        than the pose file.

    Returns
    -------
    KinematicsResult or None
        None when skipped because the outputs were already there.
    """
    from openfield.calibration import calibrate_from_bodyparts
    from openfield.io import read_dlc, write_csv

    pose_path = Path(pose_path)
    out_dir = Path(out_dir)
    stem = pose_path.stem
    frames_path = out_dir / f"{stem}_kinematics.csv"
    summary_path = out_dir / f"{stem}_summary.csv"
    if (not overwrite and summary_path.exists() and frames_path.exists() and pose_path.exists()
            and summary_path.stat().st_mtime >= pose_path.stat().st_mtime):
        log.info("%s: already done (%s), skipped", pose_path.name, summary_path)
        return None
    ds = read_dlc(pose_path, fps=fps)
    if arena_bodyparts is not None:
        if arena_size_cm is None:
            raise OpenfieldError("--arena-from-bodyparts needs --arena-size-cm W H")
        calibration = calibrate_from_bodyparts(ds, arena_bodyparts, arena_size_cm)
    if calibration is None:
        raise OpenfieldError("no calibration: give --calibration or --arena-from-bodyparts")
    result = analyze_pose(ds, calibration, config, fps)
    out_dir.mkdir(parents=True, exist_ok=True)
    if plots:
        from openfield import plots as plotting

        plotting.write_kinematics_plots(result, out_dir, stem)
    write_csv(result.frames.round(4), frames_path)
    summary = pd.DataFrame([{"file": pose_path.name, **result.summary}])
    write_csv(summary, summary_path)  # written last: its presence marks the file as done
    log.info("%s: %.1f cm in %.1f s, mean speed %.2f cm/s -> %s", pose_path.name,
             result.summary["distance_cm"], result.summary["duration_s"],
             result.summary["mean_speed_cm_s"], out_dir)
    return result

