r"""Distance, speed, acceleration and deceleration in cm, overall and per zone.

Definitions (``p_i`` the smoothed position of the reference point at frame
``i``, ``dt = 1 / fps``):

- speed :math:`v_i = |(p_{i+1} - p_{i-1}) / (2\,dt)|` (central differences,
  one-sided at the ends of each tracked stretch), cm/s;
- acceleration :math:`a_i = (v_{i+1} - v_{i-1}) / (2\,dt)`, signed, cm/s²;
  the whole-recording (and per-zone) ``mean_acceleration`` /
  ``mean_deceleration`` average the frames with :math:`a > 0` /
  :math:`a < 0` (:math:`|a| < 10^{-6}` counts as zero) *inside locomotor
  bouts* only (:mod:`openfield.bouts`), so the jitter of a resting animal
  does not dilute them; the deceleration is a positive magnitude;
- locomotor bouts (:mod:`openfield.bouts`): per bout, mean acceleration
  ``(peak - starting speed) / rise time`` and the like; their means over
  bouts go into the summary (``locomotor_bouts``, ``mean_bout_*``);
- distance :math:`\sum_i |p_i - p_{i-1}|` over consecutive tracked frames;
  a step counts in the zone of the frame it arrives in;
- moving: speed above a threshold (default 2 cm/s) held for at least a
  minimum time (default 0.25 s).

A variable-frame-rate video (decoder timestamps irregular; the pipeline
passes its per-frame times ``t_i`` as ``times_s``) is measured on those
times instead of ``i / fps``: the time axis, the derivatives (``numpy.gradient``
over the real, uneven intervals), the smoother (each step's transition and
process noise at its interval), durations and time in zones (sums of frame
durations, :mod:`openfield.timebase`), latencies and bout times. The
windows of the cleaning and bout rules that count frames use the median
frame rate, which is also the ``fps`` reported.

Before that the reference point is cleaned (:mod:`openfield.cleaning`):
likelihood cut-off, conversion to cm, removal of impossible jumps,
interpolation of short gaps and smoothing: by default a
Rauch-Tung-Striebel smoother with a constant-acceleration model whose
measurement noise is estimated from the recording
(:mod:`openfield.smoothing`, reported as ``tracking_noise_cm``); with
``smooth_window_s`` a Savitzky-Golay filter of that window instead.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from openfield import bouts, cleaning, extra_measures, mobility, path_shape, smoothing, timebase, trial, wall
from openfield.arena import zones
from openfield.bodyparts import find_role, resolve_body_parts
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.pose import ARENA_KEYPOINTS
from openfield.provenance import log_step

log = logging.getLogger(__name__)

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
    *bouts.SUMMARY_COLUMNS,
    "tracking_noise_cm",
    # zones and the trial window (issue 21); a custom zone's columns (zone_summary_columns) follow these
    "trial_start_s",
    "border_entries",
    "latency_border_s",
    "time_head_center_s",
    "time_head_border_s",
    *[c for _z in zones.CORNERS for c in (
        f"time_{_z}_s", f"{_z}_entries", f"latency_{_z}_s", f"distance_{_z}_cm", f"mean_speed_{_z}_cm_s",
        f"time_head_{_z}_s")],
    *extra_measures.SUMMARY_COLUMNS,
]

FRAME_COLUMNS = [
    "frame", "time_s", "x_cm", "y_cm", "speed_cm_s", "acceleration_cm_s2", "zone", "moving", "in_bout",
    "interpolated", *extra_measures.FRAME_COLUMNS, *[f"in_{z}" for z in zones.CORNERS],
]


def zone_summary_columns(name: str) -> list[str]:
    """The summary columns of one zone: time, entries, latency, distance, mean speed, head time."""
    return [f"time_{name}_s", f"{name}_entries", f"latency_{name}_s", f"distance_{name}_cm",
            f"mean_speed_{name}_cm_s", f"time_head_{name}_s"]


def _check(name: str, flag: str, value: float, low: float, high: float = float("inf"),
           low_open: bool = False, high_open: bool = False) -> None:
    """Refuse a value outside its range with a message naming the option and the range."""
    ok = (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:  # also NaN
        if high == float("inf"):
            allowed = f"{'greater than' if low_open else 'at least'} {low:g}"
        else:
            allowed = (f"between {low:g} and {high:g}"
                       + (" (exclusive)" if low_open and high_open else " (inclusive)" if not (low_open or high_open)
                          else ""))
        raise OpenfieldError(f"{flag} ({name}) must be {allowed}, got {value!r}")


@dataclass
class KinematicsConfig:
    """Options of the kinematics step (defaults in brackets), checked when made.

    Attributes
    ----------
    bodypart
        Reference point [None: the point in the ``body`` role of
        :mod:`openfield.bodyparts` (``body``, ``bodycentre``, ``midbody``,
        ``back``...), else the per-frame centroid of the animal's points].
    likelihood_cutoff
        Points below it become gaps, in [0, 1] [0.6].
    max_speed_cm_s
        Physical limit, > 0; faster jumps are removed [150].
    max_gap_s
        Gaps up to this long are interpolated, >= 0 (0: none) [0.5].
    smooth_window_s
        Savitzky-Golay window, > 0 [None: the noise-aware RTS smoother of
        :func:`openfield.smoothing.smooth_track`].
    smooth_polyorder
        Savitzky-Golay polynomial order, >= 0 [2].
    moving_threshold_cm_s
        Speed above which the animal moves, >= 0 [2].
    moving_min_s
        Shortest movement bout counted as moving, >= 0 [0.25].
    center_fraction
        Side of the centre zone as a fraction of the arena side (the
        diameter's for a round arena), in (0, 1) [0.5].
    corner_cm
        Side of a rectangular arena's corner zones, > 0 [None: the border's
        width].
    zones
        Custom zones (:func:`openfield.io.zones.read_zones`), added to the
        defaults [None].
    start
        Trial start: seconds from the video's start, or ``"auto"``
        (:mod:`openfield.trial`) [None: the first frame].
    duration_s
        Trial length in s, > 0 [None: to the end].
    table_format
        Per-frame table as ``"csv"`` or ``"parquet"`` [csv].
    rotation_threshold_deg
        A turn back of more than this restarts a rotation count, in (0, 360)
        [90] (:mod:`openfield.path_shape`).
    immobile_threshold_cm_s
        Speed below which the reference point is still, > 0 [1.75] ...
    immobile_min_s
        ... for at least this long: an immobility episode, > 0 [2]
        (:mod:`openfield.mobility`).
    mobility_immobile_pct, mobility_highly_mobile_pct
        Mobility states from the tracker's outline: immobile below the
        first per cent of the outline changed between frames, highly mobile
        above the second, mobile between; 0 <= first <= second <= 100
        [4, 10] (:func:`openfield.mobility.mobility_states`).
    thigmotaxis_cm
        Distance from the wall that counts as wall-hugging, > 0 [8]
        (:mod:`openfield.wall`).

    Raises
    ------
    OpenfieldError
        A value out of its range, naming the option (as on the command line)
        and the allowed range.
    """

    bodypart: str | None = None
    likelihood_cutoff: float = 0.6
    max_speed_cm_s: float = 150.0
    max_gap_s: float = 0.5
    smooth_window_s: float | None = None
    smooth_polyorder: int = 2
    moving_threshold_cm_s: float = 2.0
    moving_min_s: float = 0.25
    center_fraction: float = 0.5
    table_format: str = "csv"
    corner_cm: float | None = None
    zones: zones.ZoneSet | None = None
    start: float | str | None = None
    duration_s: float | None = None
    rotation_threshold_deg: float = path_shape.ROTATION_THRESHOLD_DEG
    immobile_threshold_cm_s: float = mobility.IMMOBILE_THRESHOLD_CM_S
    immobile_min_s: float = mobility.IMMOBILE_MIN_S
    mobility_immobile_pct: float = mobility.IMMOBILE_BELOW_PCT
    mobility_highly_mobile_pct: float = mobility.HIGHLY_MOBILE_ABOVE_PCT
    thigmotaxis_cm: float = wall.THIGMOTAXIS_CM

    def __post_init__(self) -> None:
        if self.bodypart is not None and not str(self.bodypart).strip():
            raise OpenfieldError("--bodypart (bodypart) must be a body-part name, got an empty string")
        _check("likelihood_cutoff", "--likelihood-cutoff", self.likelihood_cutoff, 0.0, 1.0)
        _check("max_speed_cm_s", "--max-speed", self.max_speed_cm_s, 0.0, low_open=True)
        _check("max_gap_s", "--max-gap", self.max_gap_s, 0.0)
        if self.smooth_window_s is not None:
            _check("smooth_window_s", "--smooth-window", self.smooth_window_s, 0.0, low_open=True)
        if int(self.smooth_polyorder) != self.smooth_polyorder or self.smooth_polyorder < 0:
            raise OpenfieldError(f"smooth_polyorder must be a whole number >= 0, got {self.smooth_polyorder!r}")
        _check("moving_threshold_cm_s", "--moving-threshold", self.moving_threshold_cm_s, 0.0)
        _check("moving_min_s", "--moving-min", self.moving_min_s, 0.0)
        _check("center_fraction", "--center-fraction", self.center_fraction, 0.0, 1.0, low_open=True,
               high_open=True)
        if self.corner_cm is not None:
            _check("corner_cm", "--corner-cm", self.corner_cm, 0.0, low_open=True)
        self.start = trial.check_start(self.start)
        self.duration_s = trial.check_duration(self.duration_s)
        if self.zones is not None and not isinstance(self.zones, zones.ZoneSet):
            raise OpenfieldError("--zones (zones) must be a zones file read by openfield.io.zones.read_zones")
        if self.table_format not in ("csv", "parquet"):
            raise OpenfieldError(f"--table-format (table_format) must be csv or parquet, got {self.table_format!r}")
        _check("rotation_threshold_deg", "--rotation-threshold", self.rotation_threshold_deg, 0.0, 360.0,
               low_open=True, high_open=True)
        _check("immobile_threshold_cm_s", "--immobile-threshold", self.immobile_threshold_cm_s, 0.0, low_open=True)
        _check("immobile_min_s", "--immobile-min", self.immobile_min_s, 0.0, low_open=True)
        _check("thigmotaxis_cm", "--thigmotaxis-cm", self.thigmotaxis_cm, 0.0, low_open=True)
        _check("mobility_immobile_pct", "--mobility-immobile", self.mobility_immobile_pct, 0.0, 100.0)
        _check("mobility_highly_mobile_pct", "--mobility-highly-mobile", self.mobility_highly_mobile_pct,
               self.mobility_immobile_pct, 100.0)


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
        A keypoint name; None takes the point in the ``body`` role
        (:func:`openfield.bodyparts.find_role`) and falls back to
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
    name = find_role(animal_keypoints(ds), "body")
    if name is not None:
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


def speed_acceleration(
    xy_cm: np.ndarray, fps: float, times_s: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Speed (cm/s) and signed acceleration (cm/s²) by central differences.

    Each contiguous stretch of valid frames is differentiated on its own
    (``numpy.gradient``: central inside, one-sided at its ends); a stretch of
    a single frame has no speed (NaN). With ``times_s`` (per-frame times of
    a variable-frame-rate video) the differences are over the real times
    (``numpy.gradient``'s second-order formula for uneven spacing), else
    frames are ``1 / fps`` apart.
    """
    # not movement.kinematics.compute_speed: it differentiates across gaps (NaN on both sides of each);
    # ours differentiates each tracked stretch to its ends (equal inside a stretch: tested)
    xy = np.asarray(xy_cm, dtype=float)
    speed = np.full(len(xy), np.nan)
    acc = np.full(len(xy), np.nan)
    valid = ~np.isnan(xy).any(axis=1)
    starts, lengths = cleaning.runs(valid)
    for s, n in zip(starts, lengths, strict=True):
        if n < 2:
            continue
        seg = xy[s : s + n]
        spacing = 1.0 / fps if times_s is None else np.asarray(times_s, float)[s : s + n]
        vel = np.gradient(seg, spacing, axis=0)
        sp = np.hypot(vel[:, 0], vel[:, 1])
        speed[s : s + n] = sp
        acc[s : s + n] = np.gradient(sp, spacing)
    return speed, acc


#: One rule for moving frames: speed above a threshold held for a minimum time (:func:`openfield.bouts.moving_mask`).
moving_mask = bouts.moving_mask


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


def _summary_of(xy: np.ndarray, speed: np.ndarray, acc: np.ndarray, zone: np.ndarray, moving: np.ndarray,
                interpolated: np.ndarray, fps: float, has_zones: bool,
                in_bout: np.ndarray | None = None, times_s: np.ndarray | None = None) -> dict[str, Any]:
    """The measures of one track (see ``SUMMARY_COLUMNS``), from per-frame arrays.

    Mean acceleration and deceleration count only the frames ``in_bout``
    (all frames when None). Times are frame counts / ``fps``, or with
    ``times_s`` sums of the frames' durations
    (:func:`openfield.timebase.frame_durations`).
    """
    acc_b = acc if in_bout is None else np.where(in_bout, acc, np.nan)
    # distance: steps between consecutive tracked frames only. movement.kinematics.compute_path_length
    # would bridge a gap (nan_policy="ffill") or scale for it; a step across a gap is not measured motion
    step = np.r_[np.nan, np.linalg.norm(np.diff(xy, axis=0), axis=1)]
    n = len(xy)
    if times_s is None:
        def seconds(frames: np.ndarray) -> float:
            return float(frames.sum() / fps)
    else:
        durations = timebase.frame_durations(times_s)

        def seconds(frames: np.ndarray) -> float:
            return float(durations[frames].sum())
    mean_acc, mean_dec = _acc_dec(acc_b)
    out: dict[str, Any] = {
        "duration_s": n / fps if times_s is None else seconds(np.ones(n, bool)),
        "distance_cm": float(np.nansum(step)),
        "mean_speed_cm_s": _mean_or_nan(speed),
        "max_speed_cm_s": float(np.nanmax(speed)) if np.isfinite(speed).any() else float("nan"),
        "mean_acceleration_cm_s2": mean_acc,
        "mean_deceleration_cm_s2": mean_dec,
        "time_moving_s": seconds(np.asarray(moving, bool)),
        "fraction_interpolated": float(interpolated.mean()) if n else float("nan"),
        "fraction_missing": float(np.isnan(xy).any(axis=1).mean()) if n else float("nan"),
    }
    nan = float("nan")
    for z in (zones.CENTER, zones.BORDER):
        in_z = zone == z
        out[f"time_{z}_s"] = seconds(in_z) if has_zones else nan
        out[f"distance_{z}_cm"] = float(np.nansum(step[in_z])) if has_zones else nan
        out[f"mean_speed_{z}_cm_s"] = _mean_or_nan(speed[in_z]) if has_zones else nan
        a, d = _acc_dec(acc_b[in_z]) if has_zones else (nan, nan)
        out[f"mean_acceleration_{z}_cm_s2"] = a
        out[f"mean_deceleration_{z}_cm_s2"] = d
    if has_zones:
        out["center_entries"], out["latency_center_s"] = zones.center_entries(zone, fps, times_s)
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
    times_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Likelihood cut-off, px -> cm, jump removal, gap filling and smoothing.

    Parameters
    ----------
    xy_px, likelihood
        The reference point's track (pixels) and likelihood per frame.
    calibration
        Pixel-to-cm calibration.
    fps
        Frame rate; with ``times_s``, the median rate (for the windows that
        count frames).
    config
        Options.
    times_s
        Per-frame times of a variable-frame-rate video: spikes' speeds over
        the real intervals, gaps filled linearly in time, the noise from
        third divided differences and the RTS smoother at the real
        intervals (:func:`openfield.smoothing.smooth_track`); None: frames
        ``1 / fps`` apart.

    Returns
    -------
    xy_cm : numpy.ndarray
        The smoothed track in cm.
    interpolated : numpy.ndarray
        Frames filled by interpolation.
    report : dict
        Counts of frames dropped at each step; the gaps left open between
        tracked frames (``gaps_left_open``, ``longest_gap_s``) and, apart
        from them, the untracked stretches at the very start and end of the
        recording (``missing_start_s``, ``missing_end_s``), which are not
        gaps and are never interpolated; the smoother used (``smoother``:
        ``"rts"`` or ``"savitzky-golay"``, ``smooth_window_frames`` None
        for RTS) and the tracking noise estimated before gap filling
        (``tracking_noise_cm``, :func:`openfield.smoothing.estimate_noise_cm`).
        For the quality checks: ``untracked_frames`` (no position after
        the likelihood cut-off, before jump removal) and ``first_tracked_s``
        (time of the first frame with one; None when none).
    """
    n = len(xy_px)
    xy = cleaning.mask_low_likelihood(xy_px, likelihood, config.likelihood_cutoff)
    untracked = np.isnan(xy).any(axis=1)
    low = int(untracked.sum() - np.isnan(xy_px).any(axis=1).sum())
    tracked = np.flatnonzero(~untracked)
    xy_cm = calibration.px_to_cm(xy)
    xy_cm, jumps = cleaning.remove_jumps(xy_cm, fps, config.max_speed_cm_s, times_s)
    noise = smoothing.estimate_noise_cm(xy_cm, fps, times_s)  # before gap filling: only measured positions
    max_gap = int(round(config.max_gap_s * fps))
    xy_cm, interpolated = cleaning.interpolate_gaps(xy_cm, max_gap, times_s)
    missing = np.isnan(xy_cm).any(axis=1)
    starts, lengths = cleaning.runs(missing)
    at_start = starts == 0
    at_end = (starts + lengths == n) & ~at_start
    inner = ~at_start & ~at_end
    if times_s is None:
        run_s = lengths / fps
    else:
        cum = np.r_[0.0, np.cumsum(timebase.frame_durations(times_s))]
        run_s = cum[starts + lengths] - cum[starts]
    if config.smooth_window_s is None:
        window = None
        xy_cm = smoothing.smooth_track(xy_cm, fps, noise_cm=noise, times_s=times_s)
    else:
        window = cleaning.window_frames(config.smooth_window_s, fps, config.smooth_polyorder)
        xy_cm = cleaning.smooth(xy_cm, window, config.smooth_polyorder)
    report = {
        "frames": n,
        "low_likelihood_frames": low,
        "jump_frames_removed": int(jumps.sum()),
        "interpolated_frames": int(interpolated.sum()),
        "missing_frames": int(missing.sum()),
        "gaps_left_open": int(inner.sum()),
        "longest_gap_s": float(run_s[inner].max()) if inner.any() else 0.0,
        "missing_start_s": float(run_s[at_start].sum()),
        "missing_end_s": float(run_s[at_end].sum()),
        "smooth_window_frames": window,
        "smoother": "rts" if window is None else "savitzky-golay",
        "tracking_noise_cm": float(noise),
        "untracked_frames": int(untracked.sum()),
        "first_tracked_s": (None if not len(tracked) else
                            float(tracked[0] / fps) if times_s is None else float(times_s[tracked[0]])),
    }
    return xy_cm, interpolated, report


def _log_missing(source: str, report: dict[str, Any], max_gap_s: float) -> None:
    """Say truthfully what is missing: gaps between tracked frames, and the untracked start and end."""
    if report["gaps_left_open"]:
        log.warning("%s: %d gap(s) between tracked frames longer than %.2f s left missing (longest %.2f s)",
                    source, report["gaps_left_open"], max_gap_s, report["longest_gap_s"])
    if report["missing_start_s"] > 0:
        log.warning("%s: no position in the first %.2f s (the track starts later; not interpolated)", source,
                    report["missing_start_s"])
    if report["missing_end_s"] > 0:
        log.warning("%s: no position in the last %.2f s (the track ends earlier; not interpolated)", source,
                    report["missing_end_s"])


def analyze_pose(
    ds: xr.Dataset,
    calibration: Calibration,
    config: KinematicsConfig | None = None,
    fps: float | None = None,
    times_s: np.ndarray | None = None,
) -> xr.Dataset:
    """Kinematics of a pose dataset, added to it on the same ``time`` axis.

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`); not modified.
    calibration
        Pixel-to-cm calibration; zones need one with an arena.
    config
        Options; defaults if None.
    fps
        Frame rate; defaults to ``ds.attrs['fps']``.
    times_s
        The real time (s) of each frame of a variable-frame-rate video (see
        the module's docstring; :func:`openfield.quality.variable_frame_times`
        gives them from the decoder's timestamps): every time, speed,
        acceleration and duration comes from them, ``fps`` is ignored and
        the median rate used. None: frame ``i`` at ``i / fps``.

    Returns
    -------
    xarray.Dataset
        The pose variables plus, per frame (``time`` in s, from ``times_s``
        when given, made to start at 0):
        ``reference_position`` (time, space; cleaned and smoothed, cm),
        ``speed`` (cm/s), ``acceleration`` (signed, cm/s²), ``zone``
        (``"center"``, ``"border"``, or ``""`` where unknown), ``moving``,
        ``in_bout`` (inside a locomotor bout, outside its cruise) and ``interpolated`` (bool);
        per frame and zone (``zone_name``: the defaults of the arena's
        shape, then the custom zones), ``in_zone`` (the reference point in
        it; for ``center``/``border`` the ``zone`` column) and
        ``head_in_zone`` (the head point, ``head``/``nose``/``snout``, in
        it; all False without one); each variable's ``units`` in its attrs.
        With a trial window (``config.start``, ``config.duration_s``) the
        variables hold the window's frames only, ``time`` from its start.
        And the path shape, immobility and wall variables of
        :func:`openfield.extra_measures.add_frame_measures`.
        ``attrs`` add ``fps`` (the median rate with ``times_s``),
        ``time_source`` (``"timestamps"`` with ``times_s``, else ``"fps"``),
        ``calibration`` (its dict), ``arena_size_cm``
        (None without an arena), ``center_fraction``, ``reference_point``,
        ``cleaning`` (what cleaning did, see :func:`clean_track`; its
        ``trial`` the window, :meth:`openfield.trial.Window.as_dict`, or
        None), ``arena_shape``, ``zones`` (:func:`openfield.arena.zones.zone_records`),
        ``has_head``, ``trial_start_s`` and ``first_frame`` (the window's
        start in the video, s and frame),
        ``bout_bounds`` (:func:`openfield.bouts.find_bouts`'s frames per
        bout: start, first peak, last peak, end),
        ``bout_speed_jitter_cm_s`` (the speed jitter of the bouts' cruise
        band, :func:`openfield.bouts.bout_phases`) and the ``log`` records
        (:func:`openfield.provenance.log_step`) of its stages, appended to
        the input's: ``trial`` (with a window), ``cleaning``, ``smoothing``,
        ``zones``, ``kinematics``. Make the
        tables with :func:`frames_table`, :func:`bout_table` and
        :func:`summarize`.
    """
    config = config or KinematicsConfig()
    source = ds.attrs.get("source_file")
    if times_s is not None:
        try:
            times_s = timebase.check_times(times_s, ds.sizes["time"])
        except OpenfieldError as exc:
            raise OpenfieldError(f"the frame times do not fit the pose: {exc.message}", source) from exc
        if len(times_s) < 2:
            raise OpenfieldError("frame times need at least 2 frames", source)
        times_s = times_s - times_s[0]
        fps = timebase.median_fps(times_s)
    fps = fps if fps is not None else ds.attrs.get("fps")
    if fps is None:
        raise OpenfieldError("fps unknown: give the video's frame rate (--fps)", source)
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}", source)
    fps = float(fps)
    xy_px, lik, name = reference_track(ds, config.bodypart)
    arena = calibration.arena_size_cm if calibration.has_arena else None
    zone_list = arena_zone_list(calibration, config, source)
    window = None
    if config.start is not None or config.duration_s is not None:
        ds, xy_px, lik, times_s, window = _apply_window(ds, xy_px, lik, times_s, fps, calibration, config, source)
    if not np.any(lik >= config.likelihood_cutoff):
        raise OpenfieldError(
            f"no frame of {name!r} reaches the likelihood cut-off {config.likelihood_cutoff} "
            "(is this the right file, or should --likelihood-cutoff be lower?)",
            source,
        )
    if times_s is not None and config.smooth_window_s is not None:
        log.warning("%s: variable frame rate: the %g-s Savitzky-Golay window counts frames at the median rate "
                    "(%.3g frames/s), it does not follow the uneven intervals (the default smoother does)",
                    source or "pose", config.smooth_window_s, fps)
    xy_cm, interpolated, report = clean_track(xy_px, lik, calibration, fps, config, times_s)
    report["reference_point"] = name
    report["time_source"] = "fps" if times_s is None else "timestamps"
    report["trial"] = None if window is None else window.as_dict()
    _log_missing(source or "pose", report, config.max_gap_s)
    if arena is None:
        log.warning("%s: the calibration has no arena (method %r): zone measures are left empty",
                    source or "pose", calibration.method)
    n = len(xy_cm)
    speed, acc = speed_acceleration(xy_cm, fps, times_s)
    if arena is not None:
        # the default rectangle's centre by its bounds (as always); a round, polygonal or redefined one by geometry
        plain = _arena_shape(calibration) == "rectangle" and not (config.zones and zones.CENTER in config.zones.names)
        center = None if plain else next(z.geometry for z in zone_list if z.name == zones.CENTER)
        zone = zones.assign_zones(xy_cm, arena, config.center_fraction, center=center)
    else:
        zone = np.full(n, zones.UNKNOWN, dtype=object)
    out = ds.assign_coords(time=np.arange(n) / fps if times_s is None else times_s)
    out.attrs = dict(ds.attrs)
    out["reference_position"] = (("time", "space"), xy_cm, {"units": "cm", "keypoint": name})
    out["speed"] = ("time", speed, {"units": "cm/s"})
    out["acceleration"] = ("time", acc, {"units": "cm/s^2"})
    out["zone"] = ("time", zone.astype(str), {"units": ""})
    moving = moving_mask(speed, fps, config.moving_threshold_cm_s, config.moving_min_s, times_s)
    bounds = bouts.find_bouts(speed, fps, moving, bouts.BoutConfig(
        moving_threshold_cm_s=config.moving_threshold_cm_s, moving_min_s=config.moving_min_s))
    out["moving"] = ("time", moving, {"units": ""})
    # the whole-recording acceleration counts the bouts' speeding up and slowing down, not their cruises (issue 25)
    jitter = _speed_jitter(report, fps)
    if jitter is None:
        jitter = bouts.rest_tolerance(speed, moving, config.moving_threshold_cm_s) / bouts.RAYLEIGH_MEDIAN
    cruise = bouts.bout_phases(speed, bounds, jitter)
    out["in_bout"] = ("time", bouts.in_bout_mask(bounds, n, cruise), {"units": ""})
    out["interpolated"] = ("time", np.asarray(interpolated, bool), {"units": ""})
    names = [z.name for z in zone_list]
    in_zone = np.zeros((n, len(zone_list)), bool)
    head_in = np.zeros((n, len(zone_list)), bool)
    head_name, head_xy = _head_cm(out, calibration, config.likelihood_cutoff)
    for k, z in enumerate(zone_list):
        if z.name in (zones.CENTER, zones.BORDER):  # the zone column's rule: outside the centre is border
            in_zone[:, k] = zone == z.name
        else:
            in_zone[:, k] = z.contains(xy_cm)
        if head_xy is not None:
            if z.name in (zones.CENTER, zones.BORDER):
                head_zone = zones.assign_zones(head_xy, arena, config.center_fraction, center=center)
                head_in[:, k] = head_zone == z.name
            else:
                head_in[:, k] = z.contains(head_xy)
    out = out.assign_coords(zone_name=np.asarray(names, dtype=str))
    out["in_zone"] = (("time", "zone_name"), in_zone, {"units": ""})
    out["head_in_zone"] = (("time", "zone_name"), head_in,
                           {"units": "", "keypoint": head_name or ""})
    time_source = report["time_source"]
    out.attrs.update(fps=fps, time_unit="seconds", time_source=time_source, calibration=calibration.to_dict(),
                     arena_size_cm=None if arena is None else tuple(arena),
                     arena_shape=_arena_shape(calibration), zones=zones.zone_records(zone_list),
                     arena_polygon_cm=None if calibration.polygon_cm is None else calibration.polygon_cm.tolist(),
                     has_head=head_xy is not None,
                     trial_start_s=0.0 if window is None else window.start_s,
                     first_frame=0 if window is None else window.first,
                     center_fraction=float(config.center_fraction), reference_point=name, cleaning=report,
                     bout_bounds=[[float(v) for v in row] for row in bounds], bout_speed_jitter_cm_s=float(jitter))
    out = extra_measures.add_frame_measures(out, calibration, config, times_s)
    # the processing log: each stage of this function with its settings, in the order they ran
    if window is not None:
        log_step(out, "trial", {"start": config.start, "duration_s": config.duration_s, **window.as_dict()})
    log_step(out, "cleaning", {"reference_point": name, "likelihood_cutoff": config.likelihood_cutoff,
                               "max_speed_cm_s": config.max_speed_cm_s, "max_gap_s": config.max_gap_s,
                               "time_source": time_source})
    log_step(out, "smoothing", {"smoother": report["smoother"], "smooth_window_s": config.smooth_window_s,
                                "smooth_polyorder": config.smooth_polyorder if config.smooth_window_s else None,
                                "smooth_window_frames": report["smooth_window_frames"],
                                "tracking_noise_cm": report["tracking_noise_cm"]})
    log_step(out, "zones", {"arena_shape": out.attrs["arena_shape"], "center_fraction": config.center_fraction,
                            "corner_cm": config.corner_cm, "zones": names})
    return log_step(out, "kinematics", {**asdict(config), "fps": fps, "time_source": time_source})


def _arena_shape(calibration: Calibration) -> str:
    """The calibration's arena shape (``"rectangle"`` for calibrations that do not say)."""
    return str(getattr(calibration, "shape", None) or "rectangle")


def arena_zone_list(calibration: Calibration, config: KinematicsConfig, source: str | None) -> list[zones.Zone]:
    """The arena's default zones with the custom ones (none without an arena; custom zones then refused)."""
    if not calibration.has_arena:
        if config.zones is not None or config.corner_cm is not None:
            raise OpenfieldError(f"--zones and --corner-cm need a calibration with an arena (method "
                                 f"{calibration.method!r} has none)", source)
        return []
    assert calibration.arena_size_cm is not None
    custom = zones.to_cm(config.zones, calibration.px_to_cm) if config.zones is not None else []
    return zones.arena_zones(_arena_shape(calibration), calibration.arena_size_cm, config.center_fraction,
                             config.corner_cm, getattr(calibration, "polygon_cm", None), custom,
                             source=config.zones.source if config.zones is not None else None)


def _floor(calibration: Calibration) -> Any:
    assert calibration.arena_size_cm is not None
    return zones.floor_geometry(_arena_shape(calibration), calibration.arena_size_cm,
                                getattr(calibration, "polygon_cm", None))


def _apply_window(ds: xr.Dataset, xy_px: np.ndarray, lik: np.ndarray, times_s: np.ndarray | None, fps: float,
                  calibration: Calibration, config: KinematicsConfig, source: str | None
                  ) -> tuple[xr.Dataset, np.ndarray, np.ndarray, np.ndarray | None, trial.Window]:
    """The pose, reference track and times of the trial window only (:mod:`openfield.trial`), times from its start."""
    inside = None
    if config.start == trial.AUTO and calibration.has_arena:
        pts = calibration.px_to_cm(cleaning.mask_low_likelihood(xy_px, lik, config.likelihood_cutoff))
        inside = zones.contains(_floor(calibration), pts)
    try:
        window = trial.trial_window(len(xy_px), fps, config.start, config.duration_s, inside, times_s)
    except OpenfieldError as exc:
        raise OpenfieldError(exc.message, source) from exc
    sl = slice(window.first, window.stop)
    if window.stop - window.first < 2:
        raise OpenfieldError(f"the trial window holds {window.stop - window.first} frame(s)", source)
    if window.short:
        log.warning("%s: short recording: the trial should run %.2f s from %.2f s but the video ends at %.2f s",
                    source or "pose", window.duration_s, window.start_s, window.video_duration_s)
    log.info("%s: trial from %.2f s (frame %d), %d frames", source or "pose", window.start_s, window.first,
             window.stop - window.first)
    if times_s is not None:
        times_s = times_s[sl] - times_s[window.first]
    return ds.isel(time=sl), xy_px[sl], lik[sl], times_s, window


def _head_cm(ds: xr.Dataset, calibration: Calibration, cutoff: float) -> tuple[str | None, np.ndarray | None]:
    """The head point's name and track in cm (likelihood cut-off applied, not smoothed); None, None without one.

    The head point fills the ``head`` role of :mod:`openfield.bodyparts` (``head``, ``headcentre``...), else the
    ``nose`` role (``nose``, ``snout``).
    """
    roles = resolve_body_parts(animal_keypoints(ds))
    name = roles.get("head") or roles.get("nose")
    if name is None:
        return None, None
    pos = ds["position"].isel(individuals=0).sel(keypoints=name).transpose("time", "space").values
    conf = ds["confidence"].isel(individuals=0).sel(keypoints=name).values
    return name, np.asarray(calibration.px_to_cm(cleaning.mask_low_likelihood(pos, conf, cutoff)), float)


def frame_times(ds: xr.Dataset) -> np.ndarray | None:
    """The per-frame times of :func:`analyze_pose`'s result when they came from timestamps, else None."""
    return ds["time"].values if ds.attrs.get("time_source") == "timestamps" else None


def summarize(ds: xr.Dataset) -> dict[str, Any]:
    """The one-row summary of :func:`analyze_pose`'s result, keys in ``SUMMARY_COLUMNS`` order."""
    fps = float(ds.attrs["fps"])
    cal = ds.attrs["calibration"]
    zone = ds["zone"].values.astype(object)
    has_zones = ds.attrs.get("arena_size_cm") is not None
    out = _summary_of(ds["reference_position"].transpose("time", "space").values, ds["speed"].values,
                      ds["acceleration"].values, zone, ds["moving"].values, ds["interpolated"].values, fps,
                      has_zones, ds["in_bout"].values, frame_times(ds))
    out.update(reference_point=ds.attrs["reference_point"], fps=fps, px_per_cm=float(cal["px_per_cm"]),
               calibration_method=cal["method"], tracking_noise_cm=ds.attrs["cleaning"]["tracking_noise_cm"])
    out.update(bouts.summarize_bouts(bout_table(ds), has_zones=has_zones))
    out["trial_start_s"] = float(ds.attrs.get("trial_start_s", 0.0))
    out.update(extra_measures.summarize(ds, frame_times(ds)))
    custom = _zone_summary(ds, out)
    nan = float("nan")
    return {**{k: out.get(k, nan) for k in SUMMARY_COLUMNS}, **{k: out[k] for k in custom}}


def _zone_summary(ds: xr.Dataset, out: dict[str, Any]) -> list[str]:
    """Add every zone's columns (:func:`zone_summary_columns`) to ``out``; the names of those not in SUMMARY_COLUMNS.

    The columns already in ``out`` (the centre's and border's time,
    distance, mean speed, centre entries and latency) are kept as they are;
    their definitions are the same.
    """
    if "in_zone" not in ds:
        return []
    fps = float(ds.attrs["fps"])
    times = frame_times(ds)
    durations = None if times is None else timebase.frame_durations(times)
    xy = ds["reference_position"].transpose("time", "space").values
    known = ~np.isnan(xy).any(axis=1)
    step = np.r_[np.nan, np.linalg.norm(np.diff(xy, axis=0), axis=1)]
    speed = ds["speed"].values
    has_head = bool(ds.attrs.get("has_head"))
    extra = []
    for k, name in enumerate(ds["zone_name"].values):
        name = str(name)
        inside = ds["in_zone"].values[:, k]
        entries, latency = zones.entries_latency(inside, known, fps, times)
        values = [timebase.seconds(inside, fps, durations), entries, latency, float(np.nansum(step[inside])),
                  _mean_or_nan(speed[inside]),
                  timebase.seconds(ds["head_in_zone"].values[:, k], fps, durations) if has_head else float("nan")]
        for col, v in zip(zone_summary_columns(name), values, strict=True):
            out.setdefault(col, v)
            if col not in SUMMARY_COLUMNS:
                extra.append(col)
    return extra


#: What the kinematics step records beside the summary for the later steps, not a column of any table.
_RECORD_ONLY = ("cleaning", "body_length_cm")


def summary_row(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary's columns for a summary table: ``SUMMARY_COLUMNS`` then any custom zone's (no ``cleaning``)."""
    return {**{k: summary[k] for k in SUMMARY_COLUMNS},
            **{k: v for k, v in summary.items() if k not in SUMMARY_COLUMNS and k not in _RECORD_ONLY}}


def _speed_jitter(report: dict[str, Any], fps: float) -> float | None:
    """The speed's jitter left by the tracking noise after the RTS smoother (the bouts' cruise band,
    :func:`openfield.bouts.speed_jitter_cm_s`); None after the Savitzky-Golay override or without a noise."""
    noise = report.get("tracking_noise_cm")
    if report.get("smoother") != "rts" or noise is None or not np.isfinite(noise):
        return None
    return bouts.speed_jitter_cm_s(noise, fps)


def bout_table(ds: xr.Dataset) -> pd.DataFrame:
    """The per-bout table of :func:`analyze_pose`'s result (columns :data:`openfield.bouts.BOUT_COLUMNS`)."""
    zone = ds["zone"].values.astype(object) if ds.attrs.get("arena_size_cm") is not None else None
    bounds = np.asarray(ds.attrs["bout_bounds"], float).reshape(-1, 4)
    fps = float(ds.attrs["fps"])
    return bouts.bout_table(ds["speed"].values, fps, ds["acceleration"].values,
                            ds["reference_position"].transpose("time", "space").values, zone=zone,
                            moving=ds["moving"].values, bounds=bounds, times_s=frame_times(ds),
                            speed_jitter_cm_s=ds.attrs.get("bout_speed_jitter_cm_s",
                                                           _speed_jitter(ds.attrs["cleaning"], fps)))


def frames_table(ds: xr.Dataset) -> pd.DataFrame:
    """The per-frame table of :func:`analyze_pose`'s result (columns ``FRAME_COLUMNS``, cm and s; ``time_s``
    the frame's time from the timestamps of a variable-frame-rate video, else frame / fps)."""
    n = ds.sizes["time"]
    xy = ds["reference_position"].transpose("time", "space").values
    times = frame_times(ds)
    table = pd.DataFrame(
        {
            "frame": int(ds.attrs.get("first_frame", 0)) + np.arange(n),
            "time_s": np.arange(n) / float(ds.attrs["fps"]) if times is None else times,
            "x_cm": xy[:, 0],
            "y_cm": xy[:, 1],
            "speed_cm_s": ds["speed"].values,
            "acceleration_cm_s2": ds["acceleration"].values,
            "zone": ds["zone"].values.astype(object),
            "moving": ds["moving"].values,
            "in_bout": ds["in_bout"].values,
            "interpolated": ds["interpolated"].values,
            **extra_measures.frame_columns(ds),
        }
    )
    # in_<zone> of each zone but the centre and border (the zone column): the default corners (False where
    # the arena has none), then the custom zones
    names = [str(z) for z in ds["zone_name"].values] if "zone_name" in ds.coords else []
    for name in [*zones.CORNERS, *[z for z in names if z not in zones.DEFAULT_NAMES]]:
        table[f"in_{name}"] = (ds["in_zone"].values[:, names.index(name)] if name in names
                               else np.zeros(n, bool))
    return table
