"""The truth of a synthetic recording, computed from its analytic path with numpy alone.

Nothing of the package's measuring code (:mod:`openfield.arena.zones`, :mod:`openfield.bouts`) is used, so the tests
compare two independent computations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.synthetic.bouts import PEAK_ACC_FACTOR, Bout
from openfield.synthetic.rendering import mouse_keypoints_cm, to_px


def truth_table(
    trajectory: pd.DataFrame, homography: np.ndarray, mouse_length_cm: float = 8.0
) -> pd.DataFrame:
    """Per-frame true head, body and tail positions in cm and px.

    Parameters
    ----------
    trajectory
        From :func:`make_trajectory` (``x_cm, y_cm, heading_rad``).
    homography
        Arena cm -> pixels.
    mouse_length_cm
        Nose-to-tail-base length.

    Returns
    -------
    pandas.DataFrame
        ``frame, time_s, speed_cm_s, acceleration_cm_s2, phase`` and, for
        each of head, body, tail, ``<part>_x_cm, <part>_y_cm, <part>_x_px,
        <part>_y_px``.
    """
    body = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    kp = mouse_keypoints_cm(body, trajectory["heading_rad"].to_numpy(float), mouse_length_cm)
    out = trajectory[["frame", "time_s", "heading_rad", "speed_cm_s", "acceleration_cm_s2", "phase"]].copy()
    for name in TRACKER_KEYPOINTS:
        px = to_px(np.asarray(homography, float), kp[name])
        out[f"{name}_x_cm"], out[f"{name}_y_cm"] = kp[name][:, 0], kp[name][:, 1]
        out[f"{name}_x_px"], out[f"{name}_y_px"] = px[:, 0], px[:, 1]
    return out


def truth_summary(
    truth: pd.DataFrame,
    fps: float,
    arena_size_cm: tuple[float, float],
    center_fraction: float = 0.5,
    moving_threshold_cm_s: float = 2.0,
) -> dict[str, float]:
    """The measures of a synthetic video, from its exact trajectory.

    Speeds and accelerations are the analytic values of the trapezoidal
    profiles (not differentiated positions); distance is the length of the
    true body path sampled at the frames; zones use the true body centre.

    Parameters
    ----------
    truth
        Table from :func:`truth_table` (or the ``_truth.csv`` file).
    fps
        Frame rate.
    arena_size_cm
        Floor size.
    center_fraction
        Side of the centre square as a fraction of the arena side.
    moving_threshold_cm_s
        Speed above which a frame counts as moving.

    Returns
    -------
    dict
        ``duration_s, distance_cm, mean_speed_cm_s, max_speed_cm_s,
        mean_acceleration_cm_s2, mean_deceleration_cm_s2, time_moving_s,
        time_center_s, time_border_s, center_entries, latency_center_s``.
    """
    xy = truth[["body_x_cm", "body_y_cm"]].to_numpy(float)
    speed = truth["speed_cm_s"].to_numpy(float)
    acc = truth["acceleration_cm_s2"].to_numpy(float)
    inside = in_center(xy, arena_size_cm, center_fraction)
    entries = int((inside[1:] & ~inside[:-1]).sum())  # border -> centre; starting in the centre is none
    latency = float(np.argmax(inside) / fps) if inside.any() else float("nan")
    return {
        "duration_s": len(truth) / fps,
        "distance_cm": float(np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()),
        "mean_speed_cm_s": float(speed.mean()),
        "max_speed_cm_s": float(speed.max()),
        "mean_acceleration_cm_s2": float(acc[acc > 0].mean()) if (acc > 0).any() else float("nan"),
        "mean_deceleration_cm_s2": float(-acc[acc < 0].mean()) if (acc < 0).any() else float("nan"),
        "time_moving_s": float((speed > moving_threshold_cm_s).sum() / fps),
        "time_center_s": float(inside.sum() / fps),
        "time_border_s": float((~inside).sum() / fps),
        "center_entries": float(entries),
        "latency_center_s": latency,
    }


def in_center(xy_cm: np.ndarray, arena_size_cm: tuple[float, float], center_fraction: float = 0.5) -> np.ndarray:
    """True where a true position is in a rectangular arena's centre square (its edges included).

    The truth's own rule, written out with numpy (not :mod:`openfield.arena.zones`, which the measures use, so the
    tests compare two independent computations): the centre is the square of ``center_fraction`` of each
    side around the arena's middle.
    """
    xy = np.asarray(xy_cm, float).reshape(-1, 2)
    w, h = arena_size_cm
    return (np.abs(xy[:, 0] - w / 2) <= center_fraction * w / 2) & (np.abs(xy[:, 1] - h / 2) <= center_fraction * h / 2)


#: The per-bout columns whose means the bout summary gives (``mean_bout_<name>_cm_s2``).
_BOUT_MEANS = {"acceleration": "mean_acceleration_cm_s2", "deceleration": "mean_deceleration_cm_s2",
               "peak_acceleration": "peak_acceleration_cm_s2", "peak_deceleration": "peak_deceleration_cm_s2"}


def bouts_truth_summary(truth: pd.DataFrame) -> dict[str, float]:
    """The bout counts and mean bout measures of :func:`bouts_truth`'s table, whole and per zone of start.

    Plain means of the analytic table's columns (not :func:`openfield.bouts.summarize_bouts`, which the
    measures use): ``locomotor_bouts``, ``mean_bout_<acceleration|deceleration|peak_acceleration|
    peak_deceleration>_cm_s2``, and the same with ``_center``/``_border`` (NaN where no bout started there).
    """
    out: dict[str, float] = {}
    for zone in ("", "center", "border"):
        rows = truth if not zone else truth[truth["zone"] == zone]
        suffix = f"_{zone}" if zone else ""
        out[f"locomotor_bouts{suffix}"] = float(len(rows))
        for name, column in _BOUT_MEANS.items():
            out[f"mean_bout_{name}{suffix}_cm_s2"] = float(rows[column].mean()) if len(rows) else float("nan")
    return out


def bouts_truth(
    bouts: list[Bout],
    start_xy: tuple[float, float] = (20.0, 20.0),
    start_pause_s: float = 1.0,
    arena_size_cm: tuple[float, float] | None = None,
    center_fraction: float = 0.5,
) -> pd.DataFrame:
    """The analytic per-bout table of a bout plan.

    Columns as :data:`openfield.bouts.BOUT_COLUMNS`: the phases' true
    durations (``rise_s``, ``cruise_s``, ``fall_s``: the minimum-jerk
    ramps and the cruise at the peak speed), mean acceleration ``(peak -
    start speed) / rise``, mean deceleration ``(peak - end speed) / fall``,
    peak acceleration and deceleration ``1.875 * change / phase`` (the
    steepest slope of a minimum-jerk ramp), zone at the bout's start (empty
    without an arena).
    """
    rows = []
    t0 = start_pause_s
    pos = np.asarray(start_xy, float)
    for i, b in enumerate(bouts):
        zone = (("center" if in_center(pos, arena_size_cm, center_fraction)[0] else "border")
                if arena_size_cm is not None else "")
        rise_dv, fall_dv = b.peak_speed - b.start_speed, b.peak_speed - b.end_speed
        rows.append({
            "bout": i + 1, "start_s": t0, "end_s": t0 + b.duration_s,
            "duration_s": b.duration_s, "distance_cm": b.distance_cm,
            "peak_speed_cm_s": b.peak_speed, "rise_s": b.rise_s, "cruise_s": b.cruise_s, "fall_s": b.fall_s,
            "mean_acceleration_cm_s2": rise_dv / b.rise_s, "mean_deceleration_cm_s2": fall_dv / b.fall_s,
            "peak_acceleration_cm_s2": PEAK_ACC_FACTOR * rise_dv / b.rise_s,
            "peak_deceleration_cm_s2": PEAK_ACC_FACTOR * fall_dv / b.fall_s,
            "zone": zone,
        })
        pos = pos + b.distance_cm * np.array([np.cos(b.heading_rad), np.sin(b.heading_rad)])
        t0 += b.duration_s + b.pause_s
    return pd.DataFrame(rows)
