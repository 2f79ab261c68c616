"""Trajectories of straight legs with trapezoidal speed profiles (analytic distance, speed, acceleration)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from openfield.synthetic.bouts import bouts_trajectory, make_bout_plan


@dataclass(frozen=True)
class Leg:
    """One straight run between two points, with its speed profile."""

    start: tuple[float, float]
    end: tuple[float, float]
    max_speed: float  # cm/s
    accel: float  # cm/s^2, used for both speeding up and slowing down
    pause_s: float  # stop after the leg


def trapezoid(length: float, max_speed: float, accel: float) -> tuple[float, float, float]:
    """Peak speed, acceleration time and cruise time of a trapezoidal profile.

    Parameters
    ----------
    length
        Distance to cover (cm).
    max_speed
        Cruise speed if the leg is long enough (cm/s).
    accel
        Constant acceleration and deceleration magnitude (cm/s^2).

    Returns
    -------
    tuple
        ``(peak_speed, t_accel, t_cruise)``; the profile lasts
        ``2 * t_accel + t_cruise``.
    """
    if length * accel >= max_speed**2:
        peak = max_speed
        t_acc = peak / accel
        t_cruise = (length - peak**2 / accel) / peak
    else:  # triangular: never reaches max_speed
        peak = float(np.sqrt(length * accel))
        t_acc = peak / accel
        t_cruise = 0.0
    return peak, t_acc, t_cruise


def _leg_distance(t: np.ndarray, peak: float, t_acc: float, t_cruise: float, accel: float) -> np.ndarray:
    """Distance covered along a leg at times ``t`` (0 <= t <= leg duration)."""
    d_acc = 0.5 * accel * t_acc**2
    s = np.where(t < t_acc, 0.5 * accel * t**2, 0.0)
    in_cruise = (t >= t_acc) & (t < t_acc + t_cruise)
    s = np.where(in_cruise, d_acc + peak * (t - t_acc), s)
    t_dec = t - t_acc - t_cruise
    in_dec = t >= t_acc + t_cruise
    s = np.where(in_dec, d_acc + peak * t_cruise + peak * t_dec - 0.5 * accel * t_dec**2, s)
    return s


def legs_trajectory(legs: list[Leg], fps: float, start_pause_s: float = 0.5) -> pd.DataFrame:
    """Sample a sequence of legs at ``fps``.

    Returns
    -------
    pandas.DataFrame
        Columns ``frame, time_s, x_cm, y_cm, heading_rad, speed_cm_s,
        acceleration_cm_s2, leg, phase`` (phase: ``accelerate``, ``cruise``,
        ``decelerate`` or ``stop``). Speeds and accelerations are the exact
        analytic values.
    """
    pieces = []
    t0 = 0.0
    first = legs[0]
    heading = float(np.arctan2(first.end[1] - first.start[1], first.end[0] - first.start[0]))
    if start_pause_s > 0:
        pieces.append((t0, start_pause_s, first.start, first.start, heading, None, -1))
        t0 += start_pause_s
    for i, leg in enumerate(legs):
        p0, p1 = np.asarray(leg.start, float), np.asarray(leg.end, float)
        length = float(np.linalg.norm(p1 - p0))
        heading = float(np.arctan2(*(p1 - p0)[::-1]))
        prof = trapezoid(length, leg.max_speed, leg.accel)
        dur = 2 * prof[1] + prof[2]
        pieces.append((t0, dur, tuple(p0), tuple(p1), heading, (prof, leg.accel, length), i))
        t0 += dur
        if leg.pause_s > 0:
            pieces.append((t0, leg.pause_s, tuple(p1), tuple(p1), heading, None, i))
            t0 += leg.pause_s
    n = int(np.floor(t0 * fps)) + 1
    t = np.arange(n) / fps
    x, y = np.empty(n), np.empty(n)
    hd, sp, ac = np.empty(n), np.zeros(n), np.zeros(n)
    leg_idx = np.empty(n, dtype=int)
    phase = np.full(n, "stop", dtype=object)
    for start, dur, p0, p1, heading, prof, i in pieces:
        sel = (t >= start) & (t < start + dur + 1e-12)
        tau = t[sel] - start
        hd[sel] = heading
        leg_idx[sel] = i
        if prof is None:
            x[sel], y[sel] = p0
            continue
        (peak, t_acc, t_cruise), accel, length = prof
        s = np.clip(_leg_distance(tau, peak, t_acc, t_cruise, accel), 0, length)
        u = (np.asarray(p1) - np.asarray(p0)) / length
        x[sel] = p0[0] + s * u[0]
        y[sel] = p0[1] + s * u[1]
        acc_ph, dec_ph = tau < t_acc, tau >= t_acc + t_cruise
        sp[sel] = np.where(acc_ph, accel * tau, np.where(dec_ph, peak - accel * (tau - t_acc - t_cruise), peak))
        sp[sel] = np.clip(sp[sel], 0, None)
        ac[sel] = np.where(acc_ph, accel, np.where(dec_ph, -accel, 0.0))
        phase[sel] = np.where(acc_ph, "accelerate", np.where(dec_ph, "decelerate", "cruise"))
    # the very last sample sits at the end of the final piece
    return pd.DataFrame(
        {
            "frame": np.arange(n),
            "time_s": t,
            "x_cm": x,
            "y_cm": y,
            "heading_rad": hd,
            "speed_cm_s": sp,
            "acceleration_cm_s2": ac,
            "leg": leg_idx,
            "phase": phase,
        }
    )


def make_trajectory(
    fps: float = 30.0,
    duration_s: float = 30.0,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    seed: int = 0,
    margin_cm: float = 5.0,
    motion: str = "trapezoid",
) -> pd.DataFrame:
    """A mouse-like path: runs, accelerations, decelerations, stops and centre visits.

    Waypoints alternate between the border zone and the centre of the
    arena (so centre entries happen), speeds between 8 and 30 cm/s,
    accelerations between 20 and 80 cm/s^2, stops of 0.3-1.5 s.

    Parameters
    ----------
    fps
        Frame rate.
    duration_s
        Approximate length; legs are added until it is reached.
    arena_size_cm
        Floor width and height.
    seed
        Random seed (the result is deterministic for a seed).
    margin_cm
        Waypoints keep at least this far from the walls.
    motion
        ``"trapezoid"`` (the legs above) or ``"minimum_jerk"``: bouts of
        :func:`make_bout_plan` (minimum-jerk speed profiles, rests between;
        per-bout truth from ``bouts_truth(*make_bout_plan(duration_s,
        arena_size_cm, seed))``).

    Returns
    -------
    pandas.DataFrame
        As :func:`legs_trajectory`, the body centre in arena cm.
    """
    if motion == "minimum_jerk":
        plan, start = make_bout_plan(duration_s, arena_size_cm, seed)
        return bouts_trajectory(plan, fps, start)
    if motion != "trapezoid":
        raise ValueError(f"motion must be 'trapezoid' or 'minimum_jerk', got {motion!r}")
    rng = np.random.default_rng(seed)
    w, h = arena_size_cm
    legs: list[Leg] = []
    pos = (margin_cm + 2, margin_cm + 2)
    total = 0.5
    i = 0
    while total < duration_s or not legs:
        if i % 3 == 1:  # visit the centre square (side w/2 x h/2)
            nxt = (rng.uniform(0.35 * w, 0.65 * w), rng.uniform(0.35 * h, 0.65 * h))
        else:
            nxt = (rng.uniform(margin_cm, w - margin_cm), rng.uniform(margin_cm, h - margin_cm))
        if np.hypot(nxt[0] - pos[0], nxt[1] - pos[1]) < 5:
            continue
        leg = Leg(pos, nxt, max_speed=float(rng.uniform(8, 30)), accel=float(rng.uniform(20, 80)),
                  pause_s=float(rng.uniform(0.3, 1.5)))
        peak, t_acc, t_cruise = trapezoid(float(np.hypot(nxt[0] - pos[0], nxt[1] - pos[1])),
                                          leg.max_speed, leg.accel)
        legs.append(leg)
        total += 2 * t_acc + t_cruise + leg.pause_s
        pos = nxt
        i += 1
    return legs_trajectory(legs, fps)
