r"""Path shape: rotations of the body axis, turn angle, angular velocity and meander.

Angles are measured in the arena's cm frame (x right, y down, as in the
image), so an angle that *increases* turns **clockwise as seen in the
image** (east -> south is a right turn on the screen).

- **Heading** of the body: the direction of the body axis, tail base ->
  head; where either point is missing, the direction of travel of the
  reference point while the animal moves (``moving`` frames); NaN otherwise.
- **Rotations** (after EthoVision XT's *Rotation* variable): the heading's
  turns are summed, separately clockwise and counter-clockwise; each time a
  sum reaches 360° a full rotation in that direction is counted and 360° is
  taken off. A turn *back* (against the direction counted) of more than
  ``threshold_deg`` from the furthest point reached restarts that
  direction's count from where the turn back ends, so wiggles of the head
  and turning back and forth add no rotation. A count starts when the
  animal first turns that way. Frames without a heading are skipped (the
  turn across them is the shorter way round). A change of more than
  ``MAX_STEP_DEG`` (90°) from one known heading to the next is not counted:
  it is a tracking error (a head-tail swap turns the axis by 180° at once,
  and back) or a switch between the body axis and the direction of travel,
  and either way the sense of such a turn cannot be told.
- **Turn angle**, **angular velocity**, **meander** (EthoVision XT's
  definitions, on the direction of travel of the smoothed reference point):
  between consecutive moving frames, the turn ``|Δθ|`` of the direction of
  travel (°, wrapped to [0, 180]); ``mean_turn_angle_deg`` is its mean per
  frame step, ``mean_angular_velocity_deg_s`` the mean of ``|Δθ| / Δt``,
  ``meander_deg_cm`` the sum of ``|Δθ|`` over the distance travelled in those
  steps (a circle of radius R gives 180 / (π R) °/cm). Frames that are not
  moving have no direction of travel: the jitter of a resting animal turns
  no corners.
"""

from __future__ import annotations

import numpy as np

from openfield import cleaning

#: Summary keys of :func:`turn_measures`.
TURN_COLUMNS = ["mean_turn_angle_deg", "mean_angular_velocity_deg_s", "meander_deg_cm"]

#: Default turn back (°) that restarts a rotation count.
ROTATION_THRESHOLD_DEG = 90.0

#: A heading change larger than this (°) between consecutive known headings is not counted as a turn.
MAX_STEP_DEG = 90.0

_EPS_DEG = 1e-6


def wrap_deg(angle_deg: np.ndarray) -> np.ndarray:
    """Angles wrapped to ``[-180, 180)`` degrees."""
    return (np.asarray(angle_deg, float) + 180.0) % 360.0 - 180.0


def axis_heading(tail_xy: np.ndarray, head_xy: np.ndarray) -> np.ndarray:
    """Direction (°, image convention) of the body axis tail base -> head; NaN where a point is missing.

    Parameters
    ----------
    tail_xy, head_xy
        ``(n, 2)`` positions in cm (NaN where missing).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` degrees in ``[-180, 180)``; NaN where either point is
        missing or they coincide.
    """
    d = np.asarray(head_xy, float) - np.asarray(tail_xy, float)
    out = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    out[~np.isfinite(d).all(axis=1) | (np.hypot(d[:, 0], d[:, 1]) == 0)] = np.nan
    return wrap_deg(out)


def travel_heading(xy: np.ndarray, moving: np.ndarray, fps: float, times_s: np.ndarray | None = None) -> np.ndarray:
    """Direction of travel (°) of a track on its moving frames, NaN elsewhere.

    The velocity is differentiated per tracked stretch (``numpy.gradient``,
    as the speed of :func:`openfield.kinematics.speed_acceleration`).

    Parameters
    ----------
    xy
        ``(n, 2)`` smoothed positions in cm (NaN untracked).
    moving
        ``(n,)`` frames where the animal moves.
    fps
        Frame rate (ignored with ``times_s``).
    times_s
        Per-frame times of a variable-frame-rate video, or None.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` degrees in ``[-180, 180)``, NaN where not moving or untracked.
    """
    xy = np.asarray(xy, float)
    out = np.full(len(xy), np.nan)
    starts, lengths = cleaning.runs(np.isfinite(xy).all(axis=1))
    for s, n in zip(starts, lengths, strict=True):
        if n < 2:
            continue
        spacing = 1.0 / fps if times_s is None else np.asarray(times_s, float)[s : s + n]
        v = np.gradient(xy[s : s + n], spacing, axis=0)
        ang = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
        ang[(v == 0).all(axis=1)] = np.nan
        out[s : s + n] = ang
    out[~np.asarray(moving, bool)] = np.nan
    return wrap_deg(out)


def body_heading(axis_deg: np.ndarray, travel_deg: np.ndarray) -> np.ndarray:
    """The body axis' direction where known, else the direction of travel (both in degrees)."""
    axis_deg = np.asarray(axis_deg, float)
    return np.where(np.isfinite(axis_deg), axis_deg, np.asarray(travel_deg, float))


def rotation_events(heading_deg: np.ndarray, threshold_deg: float = ROTATION_THRESHOLD_DEG,
                    full_deg: float = 360.0) -> np.ndarray:
    """Frames where a full rotation is completed: +1 clockwise, -1 counter-clockwise, 0 otherwise.

    Parameters
    ----------
    heading_deg
        Heading per frame (°, image convention: increasing = clockwise on
        screen); NaN frames are skipped.
    threshold_deg
        A turn back of more than this from the furthest point reached
        restarts the count of that direction (see the module's docstring);
        steps larger than :data:`MAX_STEP_DEG` count as no turn.
    full_deg
        Degrees per rotation.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int8; its +1 and -1 add up to the rotations of each direction.
    """
    h = np.asarray(heading_deg, float)
    out = np.zeros(len(h), np.int8)
    known = np.flatnonzero(np.isfinite(h))
    if len(known) < 2:
        return out
    steps = wrap_deg(np.diff(h[known]))
    steps[np.abs(steps) > MAX_STEP_DEG] = 0.0  # a head-tail swap or a change of source, not a turn
    for sign in (1, -1):
        turned, furthest, following = 0.0, 0.0, True
        for i, d in zip(known[1:], sign * steps, strict=True):
            turned += d
            if turned > furthest:
                furthest, following = turned, False
            if following and turned < 0:  # still turning back after a restart: the count starts later
                turned = furthest = 0.0
            elif furthest - turned > threshold_deg:
                turned = furthest = 0.0
                following = True
            if turned >= full_deg - _EPS_DEG:
                out[i] += sign
                turned -= full_deg
                furthest -= full_deg
    return out


def rotations(heading_deg: np.ndarray, threshold_deg: float = ROTATION_THRESHOLD_DEG) -> tuple[int, int]:
    """Full clockwise and counter-clockwise rotations of a heading (see :func:`rotation_events`)."""
    ev = rotation_events(heading_deg, threshold_deg)
    return int((ev > 0).sum()), int((ev < 0).sum())


def travel_turns(xy: np.ndarray, moving: np.ndarray, fps: float,
                 times_s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: the turn of the direction of travel since the previous frame, that step's length and time.

    Parameters
    ----------
    xy, moving, fps, times_s
        As :func:`travel_heading`.

    Returns
    -------
    turn_deg : numpy.ndarray
        ``|Δθ|`` (°, 0 to 180) at each frame whose previous frame also has a
        direction of travel (both moving and tracked), NaN elsewhere.
    step_cm : numpy.ndarray
        The distance from the previous frame, where ``turn_deg`` is defined.
    dt_s : numpy.ndarray
        The time from the previous frame, where ``turn_deg`` is defined.
    """
    xy = np.asarray(xy, float)
    n = len(xy)
    theta = travel_heading(xy, moving, fps, times_s)
    turn = np.full(n, np.nan)
    step = np.full(n, np.nan)
    dt = np.full(n, np.nan)
    if n < 2:
        return turn, step, dt
    ok = np.isfinite(theta[1:]) & np.isfinite(theta[:-1])
    turn[1:][ok] = np.abs(wrap_deg(np.diff(theta)))[ok]
    step[1:][ok] = np.linalg.norm(np.diff(xy, axis=0), axis=1)[ok]
    t = np.arange(n) / fps if times_s is None else np.asarray(times_s, float)
    dt[1:][ok] = np.diff(t)[ok]
    return turn, step, dt


def turn_measures(turn_deg: np.ndarray, step_cm: np.ndarray, dt_s: np.ndarray) -> dict[str, float]:
    """``mean_turn_angle_deg``, ``mean_angular_velocity_deg_s``, ``meander_deg_cm`` of :func:`travel_turns`'s arrays.

    NaN when no step has a turn (the animal never moved); meander NaN when
    those steps cover no distance.
    """
    ok = np.isfinite(np.asarray(turn_deg, float))
    nan = float("nan")
    if not ok.any():
        return dict.fromkeys(TURN_COLUMNS, nan)
    t, s, d = np.asarray(turn_deg, float)[ok], np.asarray(step_cm, float)[ok], np.asarray(dt_s, float)[ok]
    return {
        "mean_turn_angle_deg": float(t.mean()),
        "mean_angular_velocity_deg_s": float((t / d).mean()),
        "meander_deg_cm": float(t.sum() / s.sum()) if s.sum() > 0 else nan,
    }
