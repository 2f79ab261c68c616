"""Bout plans: minimum-jerk locomotor bouts with rests between, sampled at any frame rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Time (s) the animal takes, in the middle of a rest, to turn on the spot towards its next bout.
TURN_S = 0.5

#: Peak acceleration of a minimum-jerk ramp from 0 to ``v`` over ``T``: ``PEAK_ACC_FACTOR * v / T``.
PEAK_ACC_FACTOR = 1.875


@dataclass(frozen=True)
class Bout:
    """One locomotor bout: a straight run with a minimum-jerk rise and fall of speed, and a cruise between.

    The speed rises from ``start_speed`` to ``peak_speed`` over ``rise_s``,
    stays at ``peak_speed`` for ``cruise_s`` (0: no cruise) and falls to
    ``end_speed`` over ``fall_s``, each ramp along the minimum-jerk shape
    ``s(u) = 10u^3 - 15u^4 + 6u^5`` (zero acceleration and jerk at both
    ends), then the animal rests for ``pause_s``. A bout that ends above zero
    speed with no pause runs straight into the next (a near-stop).
    """

    heading_rad: float
    peak_speed: float  # cm/s
    rise_s: float
    fall_s: float
    pause_s: float
    start_speed: float = 0.0
    end_speed: float = 0.0
    cruise_s: float = 0.0

    @property
    def duration_s(self) -> float:
        """Rise, cruise and fall (s)."""
        return self.rise_s + self.cruise_s + self.fall_s

    @property
    def distance_cm(self) -> float:
        """Path length of the bout (exact: the ramps average half-way)."""
        return float(0.5 * (self.start_speed + self.peak_speed) * self.rise_s + self.peak_speed * self.cruise_s
                     + 0.5 * (self.peak_speed + self.end_speed) * self.fall_s)


def _mj(u: np.ndarray) -> np.ndarray:
    return u**3 * (10 - 15 * u + 6 * u**2)


def _mj_integral(u: np.ndarray) -> np.ndarray:
    return u**4 * (2.5 - 3 * u + u**2)


def _mj_slope(u: np.ndarray) -> np.ndarray:
    return 30 * u**2 * (1 - u) ** 2


def bouts_trajectory(
    bouts: list[Bout], fps: float, start_xy: tuple[float, float] = (20.0, 20.0), start_pause_s: float = 1.0
) -> pd.DataFrame:
    """Sample a sequence of minimum-jerk bouts at any frame rate.

    The motion is defined in continuous time, so the same ``bouts`` sampled
    at 25, 30 or 60 fps are the same movement.

    Parameters
    ----------
    bouts
        The bouts, in order (see :func:`make_bout_plan`).
    fps
        Frame rate.
    start_xy
        Position at time 0 (cm).
    start_pause_s
        Rest before the first bout.

    Returns
    -------
    pandas.DataFrame
        As :func:`legs_trajectory` (``leg`` is the bout index, -1 before
        the first); speeds and accelerations are the analytic values.
    """
    n = int(np.floor((start_pause_s + sum(b.duration_s + b.pause_s for b in bouts)) * fps)) + 1
    t = np.arange(n) / fps
    x, y = np.full(n, float(start_xy[0])), np.full(n, float(start_xy[1]))
    hd = np.full(n, bouts[0].heading_rad if bouts else 0.0)
    sp, ac = np.zeros(n), np.zeros(n)
    idx = np.full(n, -1)
    phase = np.full(n, "stop", dtype=object)
    pos = np.asarray(start_xy, float)
    t0 = start_pause_s
    for i, b in enumerate(bouts):
        u_dir = np.array([np.cos(b.heading_rad), np.sin(b.heading_rad)])
        d_rise = 0.5 * (b.start_speed + b.peak_speed) * b.rise_s
        t_fall = t0 + b.rise_s + b.cruise_s  # the fall starts
        t_end = t_fall + b.fall_s
        rise = (t >= t0) & (t < t0 + b.rise_s)
        cruise = (t >= t0 + b.rise_s) & (t < t_fall)
        fall = (t >= t_fall) & (t < t_end)
        rest = (t >= t_end) & (t < t_end + b.pause_s + 1e-12) if b.pause_s > 0 else np.zeros(n, bool)
        u = (t[rise] - t0) / b.rise_s
        dv = b.peak_speed - b.start_speed
        s_rise = b.start_speed * (t[rise] - t0) + dv * b.rise_s * _mj_integral(u)
        sp[rise] = b.start_speed + dv * _mj(u)
        ac[rise] = dv / b.rise_s * _mj_slope(u)
        s_cruise = d_rise + b.peak_speed * (t[cruise] - t0 - b.rise_s)
        sp[cruise] = b.peak_speed
        u = (t[fall] - t_fall) / b.fall_s
        dv = b.peak_speed - b.end_speed
        s_fall = (d_rise + b.peak_speed * b.cruise_s + b.peak_speed * (t[fall] - t_fall)
                  - dv * b.fall_s * _mj_integral(u))
        sp[fall] = b.peak_speed - dv * _mj(u)
        ac[fall] = -dv / b.fall_s * _mj_slope(u)
        for sel, s in ((rise, s_rise), (cruise, s_cruise), (fall, s_fall)):
            x[sel], y[sel] = pos[0] + s * u_dir[0], pos[1] + s * u_dir[1]
        phase[rise], phase[cruise], phase[fall] = "accelerate", "cruise", "decelerate"
        moving = rise | cruise | fall
        hd[moving | rest], idx[moving | rest] = b.heading_rad, i
        pos = pos + b.distance_cm * u_dir
        after = t >= t_end
        x[after], y[after] = pos
        hd[after] = b.heading_rad
        if i + 1 < len(bouts) and b.pause_s > 0:  # turn on the spot towards the next bout, during the rest
            turn = min(TURN_S, b.pause_s / 2)
            t_turn = t_end + (b.pause_s - turn) / 2
            sel = (t >= t_turn) & (t < t_end + b.pause_s)
            d_h = (bouts[i + 1].heading_rad - b.heading_rad + np.pi) % (2 * np.pi) - np.pi
            hd[sel] = b.heading_rad + d_h * _mj(np.clip((t[sel] - t_turn) / turn, 0, 1))
        t0 = t_end + b.pause_s
    return pd.DataFrame({"frame": np.arange(n), "time_s": t, "x_cm": x, "y_cm": y, "heading_rad": hd,
                         "speed_cm_s": sp, "acceleration_cm_s2": ac, "leg": idx, "phase": phase})


def make_bout_plan(
    duration_s: float = 30.0,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    seed: int = 0,
    margin_cm: float = 4.0,
    peak_speed: tuple[float, float] = (10.0, 35.0),
    phase_s: tuple[float, float] = (0.3, 1.5),
    pause_s: tuple[float, float] = (0.8, 2.5),
    cruise_s: tuple[float, float] = (0.0, 0.0),
) -> tuple[list[Bout], tuple[float, float]]:
    """Random minimum-jerk bouts with rests between, kept inside the arena.

    Peak speeds, rise and fall times, rests and cruises at the peak speed
    are uniform in the given ranges (defaults: 10-35 cm/s, 0.3-1.5 s,
    0.8-2.5 s, no cruise; a cruise range of ``(0, 0)`` draws nothing, so the
    plans without cruise are those of before cruises existed); every other
    bout heads for the point nearest the arena centre it can reach, so
    centre entries happen. A bout too long for the arena is drawn again.

    Returns
    -------
    bouts : list of Bout
    start_xy : tuple
        Where the animal sits at time 0.
    """
    rng = np.random.default_rng(seed)
    w, h = arena_size_cm
    pos = np.array([margin_cm + 3.0, margin_cm + 3.0])
    centre = np.array([w / 2, h / 2])
    start = (float(pos[0]), float(pos[1]))
    bouts: list[Bout] = []
    total = 1.0
    headings = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    while total < duration_s or not bouts:
        b = Bout(0.0, float(rng.uniform(*peak_speed)), float(rng.uniform(*phase_s)),
                 float(rng.uniform(*phase_s)), float(rng.uniform(*pause_s)),
                 cruise_s=float(rng.uniform(*cruise_s)) if cruise_s[1] > 0 else 0.0)
        ends = pos + b.distance_cm * np.c_[np.cos(headings), np.sin(headings)]
        ok = ((ends[:, 0] >= margin_cm) & (ends[:, 0] <= w - margin_cm)
              & (ends[:, 1] >= margin_cm) & (ends[:, 1] <= h - margin_cm))
        if not ok.any():
            continue
        if len(bouts) % 2 == 1:
            k = int(np.argmin(np.where(ok, np.linalg.norm(ends - centre, axis=1), np.inf)))
        else:
            k = int(rng.choice(np.flatnonzero(ok)))
        bouts.append(Bout(float(headings[k]), b.peak_speed, b.rise_s, b.fall_s, b.pause_s, cruise_s=b.cruise_s))
        pos = ends[k]
        total += b.duration_s + b.pause_s
    return bouts, start
