"""Synthetic open-field data with known answers.

A trajectory of straight legs between waypoints, each with a trapezoidal
speed profile (constant acceleration, cruise, constant deceleration) and a
stop at its end, gives analytic distance, speed and acceleration; a
homography from arena centimetres to image pixels (optionally tilted) and a
simple mouse drawing (body and head ellipses, thin tail) give images of
known geometry; :func:`render_arenas_video` films several open fields with
one camera, a mouse on its own trajectory in each. Used by the tests, the
demo and the benchmarks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.io.files import atomic_write, write_csv, write_json
from openfield.io.pose import from_numpy

#: Fractions of the nose-to-tail-base length ``L`` used to draw the mouse.
BODY_HALF_LENGTH = 0.36  # body ellipse semi-major axis; tail base at -0.36 L
BODY_HALF_WIDTH = 0.17
HEAD_HALF_LENGTH = 0.17
HEAD_HALF_WIDTH = 0.12
NOSE = 1.0 - BODY_HALF_LENGTH  # nose at +0.64 L from the body centre
TAIL_LENGTH = 0.9
TAIL_WIDTH = 0.05


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


def camera_homography(
    arena_size_cm: tuple[float, float],
    image_size: tuple[int, int] = (640, 480),
    margin_px: float = 40.0,
    tilt: float = 0.0,
) -> np.ndarray:
    """Homography from arena cm to image pixels.

    Parameters
    ----------
    arena_size_cm
        Floor width and height.
    image_size
        Image width and height in pixels.
    margin_px
        Space between the floor and the image edge (the walls are drawn there).
    tilt
        0 for a camera straight above; > 0 makes the far (top) edge shorter
        by that fraction, as a camera tilted towards the bottom edge sees it.

    Returns
    -------
    numpy.ndarray
        3x3 matrix mapping (x_cm, y_cm, 1) to pixels.
    """
    w, h = arena_size_cm
    iw, ih = image_size
    scale = min((iw - 2 * margin_px) / w, (ih - 2 * margin_px) / h)
    fw, fh = w * scale, h * scale
    x0, y0 = (iw - fw) / 2, (ih - fh) / 2
    inset = tilt * fw / 2
    dst = np.array([[x0 + inset, y0], [x0 + fw - inset, y0], [x0 + fw, y0 + fh], [x0, y0 + fh]], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    return cv2.getPerspectiveTransform(src, dst).astype(float)


def mouse_keypoints_cm(body_cm: np.ndarray, heading_rad: np.ndarray, length_cm: float) -> dict[str, np.ndarray]:
    """True head (nose tip), body (centre) and tail (tail base) in arena cm.

    Vectorised over frames: ``body_cm`` is ``(n, 2)``, ``heading_rad`` ``(n,)``.
    """
    body = np.asarray(body_cm, float).reshape(-1, 2)
    u = np.c_[np.cos(heading_rad), np.sin(heading_rad)].reshape(-1, 2)
    return {
        "head": body + NOSE * length_cm * u,
        "body": body,
        "tail": body - BODY_HALF_LENGTH * length_cm * u,
    }


def _ellipse_cm(center: np.ndarray, u: np.ndarray, a: float, b: float, n: int = 72) -> np.ndarray:
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    v = np.array([-u[1], u[0]])
    return center + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)


def _to_px(h: np.ndarray, pts_cm: np.ndarray) -> np.ndarray:
    homog = np.c_[pts_cm, np.ones(len(pts_cm))] @ h.T
    return homog[:, :2] / homog[:, 2:3]


_SHIFT = 4  # sub-pixel drawing precision: 1/16 px


def _fill(img: np.ndarray, pts_px: np.ndarray, color: int | tuple[int, ...]) -> None:
    cv2.fillPoly(img, [np.round(pts_px * (1 << _SHIFT)).astype(np.int32)], color, cv2.LINE_AA, _SHIFT)


def render_frame(
    body_cm: tuple[float, float],
    heading_rad: float,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    homography: np.ndarray | None = None,
    image_size: tuple[int, int] = (640, 480),
    animal: str = "dark",
    mouse_length_cm: float = 8.0,
    tail_bend: float = 0.3,
    noise_sd: float = 0.0,
    rng: np.random.Generator | None = None,
    draw_mouse: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draw one top-view frame: walls, floor and a mouse.

    Parameters
    ----------
    body_cm
        Body centre in arena cm.
    heading_rad
        Direction the nose points, in the arena frame (x right, y down).
    arena_size_cm
        Floor width and height.
    homography
        Arena cm -> pixels; default :func:`camera_homography` without tilt.
    image_size
        Width, height in pixels.
    animal
        ``"dark"`` (black mouse, white floor) or ``"light"`` (white mouse,
        dark floor).
    mouse_length_cm
        Nose-to-tail-base length.
    tail_bend
        Curvature of the tail (0 = straight).
    noise_sd
        Standard deviation of Gaussian pixel noise.
    rng
        Random generator for the noise.
    draw_mouse
        False gives the empty arena.

    Returns
    -------
    image : numpy.ndarray
        BGR ``uint8`` image.
    keypoints_px : dict
        ``head``, ``body``, ``tail`` pixel positions (the true values).
    """
    floor_c, wall_c, mouse_c = shades(animal)
    h_mat = camera_homography(arena_size_cm, image_size) if homography is None else np.asarray(homography)
    iw, ih = image_size
    img = np.full((ih, iw), wall_c, np.uint8)
    draw_floor(img, h_mat, arena_size_cm, floor_c)
    kp_cm = {k: val[0] for k, val in mouse_keypoints_cm(np.asarray(body_cm, float), np.array([heading_rad]),
                                                         mouse_length_cm).items()}
    if draw_mouse:
        draw_animal(img, h_mat, body_cm, heading_rad, mouse_length_cm, tail_bend, mouse_c)
    if noise_sd > 0:
        rng = rng or np.random.default_rng(0)
        img = np.clip(img + rng.normal(0, noise_sd, img.shape), 0, 255).astype(np.uint8)
    kp_px = {k: _to_px(h_mat, val[None, :])[0] for k, val in kp_cm.items()}
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), kp_px


def shades(animal: str) -> tuple[int, int, int]:
    """Grey levels ``(floor, wall, mouse)`` of a ``"dark"`` (black mouse, white floor) or ``"light"`` animal."""
    if animal not in ("dark", "light"):
        raise ValueError(f"animal must be 'dark' or 'light', not {animal!r}")
    return (225, 95, 30) if animal == "dark" else (45, 130, 225)


def draw_floor(img: np.ndarray, homography: np.ndarray, arena_size_cm: tuple[float, float], shade: int) -> None:
    """Fill the floor ``[0, W] x [0, H]`` cm, mapped to pixels by ``homography``, on a grey image in place."""
    w, h = arena_size_cm
    _fill(img, _to_px(np.asarray(homography, float), np.array([[0, 0], [w, 0], [w, h], [0, h]], float)), shade)


def draw_animal(
    img: np.ndarray,
    homography: np.ndarray,
    body_cm: tuple[float, float] | np.ndarray,
    heading_rad: float,
    mouse_length_cm: float,
    tail_bend: float,
    shade: int,
) -> None:
    """Draw the mouse (body and head ellipses, a thin bending tail) on a grey image in place.

    Parameters
    ----------
    img
        Grey ``uint8`` image, drawn on.
    homography
        Arena cm -> pixels.
    body_cm
        Body centre in arena cm.
    heading_rad
        Direction the nose points (arena frame).
    mouse_length_cm
        Nose-to-tail-base length ``L``.
    tail_bend
        Curvature of the tail (0 = straight).
    shade
        Grey level of the animal.
    """
    h_mat = np.asarray(homography, float)
    body = np.asarray(body_cm, float)
    u = np.array([np.cos(heading_rad), np.sin(heading_rad)])
    v = np.array([-u[1], u[0]])
    L = mouse_length_cm
    tail_base = body - BODY_HALF_LENGTH * L * u
    # tail: a thin band from the tail base, bending sideways
    s = np.linspace(0, TAIL_LENGTH * L, 24)
    centre = tail_base - np.outer(s, u) + np.outer(tail_bend * s**2 / (TAIL_LENGTH * L), v)
    half = TAIL_WIDTH * L / 2 * np.linspace(1, 0.4, len(s))
    band = np.r_[centre + half[:, None] * v, (centre - half[:, None] * v)[::-1]]
    _fill(img, _to_px(h_mat, band), shade)
    _fill(img, _to_px(h_mat, _ellipse_cm(body, u, BODY_HALF_LENGTH * L, BODY_HALF_WIDTH * L)), shade)
    head_c = body + (NOSE - HEAD_HALF_LENGTH) * L * u
    _fill(img, _to_px(h_mat, _ellipse_cm(head_c, u, HEAD_HALF_LENGTH * L, HEAD_HALF_WIDTH * L)), shade)


def pose_from_trajectory(
    trajectory: pd.DataFrame,
    homography: np.ndarray,
    arena_size_cm: tuple[float, float],
    fps: float,
    mouse_length_cm: float = 8.0,
    with_corners: bool = True,
) -> Any:
    """A DeepLabCut-like pose dataset (head, body, tail, and arena corners) from a trajectory.

    Parameters
    ----------
    trajectory
        Table with ``x_cm``, ``y_cm`` (body centre) and ``heading_rad``.
    homography
        Arena cm -> pixels (see :func:`camera_homography`).
    arena_size_cm
        Floor size, for the corner points ``tl, tr, br, bl``.
    fps
        Frame rate stored in the dataset.
    mouse_length_cm
        Nose-to-tail-base length.
    with_corners
        Add the arena corners as tracked points (likelihood 1).

    Returns
    -------
    xarray.Dataset
        Pose dataset in pixels with likelihood 1 everywhere a position exists.
    """
    body = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    kp = mouse_keypoints_cm(body, trajectory["heading_rad"].to_numpy(float), mouse_length_cm)
    names = list(TRACKER_KEYPOINTS)
    pts = [_to_px(homography, kp[k]) for k in names]
    if with_corners:
        w, h = arena_size_cm
        for name, c in zip(("tl", "tr", "br", "bl"), [(0, 0), (w, 0), (w, h), (0, h)], strict=True):
            names.append(name)
            pts.append(np.repeat(_to_px(homography, np.array([c], float)), len(body), axis=0))
    position = np.stack(pts, axis=1)
    return from_numpy(position, None, names, fps=fps, source_software="openfield.synthetic",
                      scorer="synthetic")


# --------------------------------------------------------------------------- videos


@dataclass(frozen=True)
class SyntheticVideo:
    """The files written by :func:`render_video`.

    Attributes
    ----------
    video
        The mp4.
    truth
        Ground-truth CSV: per frame ``frame, time_s``, the trajectory's
        ``speed_cm_s, acceleration_cm_s2, phase``, and ``head_x_px,
        head_y_px, body_x_px, ..., tail_y_cm`` (head = nose tip, body =
        body centre, tail = tail base).
    geometry
        JSON with ``arena_size_cm``, ``image_size``, ``homography``
        (cm -> px), ``arena_corners_px`` (tl, tr, br, bl), ``fps``,
        ``n_frames``, ``animal``, ``mouse_length_cm``, ``tilt``,
        ``motion_blur``, ``noise_sd``.
    """

    video: Any
    truth: Any
    geometry: Any


def write_video(path: Any, frames: Iterable[np.ndarray], fps: float, image_size: tuple[int, int]) -> Path:
    """Write BGR frames to an mp4 atomically, one at a time (never all in memory).

    Parameters
    ----------
    path
        The mp4 to write.
    frames
        BGR ``uint8`` images of ``image_size`` (an iterator: each is written
        and dropped).
    fps
        Frame rate.
    image_size
        Width, height in px.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    with atomic_write(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), tuple(image_size))
        if not writer.isOpened():
            raise OSError(f"cannot open a video writer for {tmp}")
        try:
            for frame in frames:
                writer.write(frame)
        finally:
            writer.release()
    return Path(path)


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
        px = _to_px(np.asarray(homography, float), kp[name])
        out[f"{name}_x_cm"], out[f"{name}_y_cm"] = kp[name][:, 0], kp[name][:, 1]
        out[f"{name}_x_px"], out[f"{name}_y_px"] = px[:, 0], px[:, 1]
    return out


def render_video(
    out_dir: Any,
    name: str = "synthetic",
    trajectory: pd.DataFrame | None = None,
    fps: float = 30.0,
    duration_s: float = 10.0,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    image_size: tuple[int, int] = (640, 480),
    tilt: float = 0.0,
    animal: str = "dark",
    mouse_length_cm: float = 8.0,
    motion_blur: bool = False,
    noise_sd: float = 0.0,
    seed: int = 0,
    progress: bool = False,
    motion: str = "trapezoid",
) -> SyntheticVideo:
    """Render a top-view video of a mouse along a known trajectory, with its ground truth.

    Frames are written one at a time (never held together). With
    ``motion_blur``, each frame is the mean of 5 renderings spread over
    half the frame interval (a 1/(2 fps) exposure) along the path; the true
    positions are those at the middle of the exposure. The tail sways
    (its bend varies over time), so the animal's outline is not rigid.

    Parameters
    ----------
    out_dir
        Folder for ``<name>.mp4``, ``<name>_truth.csv`` and
        ``<name>_arena.json`` (created; each written atomically).
    name
        File stem.
    trajectory
        From :func:`make_trajectory`; default: ``make_trajectory(fps,
        duration_s, arena_size_cm, seed)``.
    fps, duration_s, arena_size_cm
        Used when ``trajectory`` is None (fps is always the video's rate).
    image_size
        Width, height in px.
    tilt
        Camera tilt (see :func:`camera_homography`); 0 looks straight down.
    animal
        ``"dark"`` or ``"light"``.
    mouse_length_cm
        Nose-to-tail-base length.
    motion_blur
        Average sub-frame renderings over the exposure.
    noise_sd
        Gaussian pixel noise (grey levels), seeded by ``seed``.
    seed
        Seed of the trajectory and the noise.
    progress
        Show a progress bar.
    motion
        Kind of motion when ``trajectory`` is None (see :func:`make_trajectory`); recorded in
        ``<name>_arena.json`` (say which kind a given ``trajectory`` is).

    Returns
    -------
    SyntheticVideo
        Paths of the three files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if trajectory is None:
        trajectory = make_trajectory(fps=fps, duration_s=duration_s, arena_size_cm=arena_size_cm, seed=seed,
                                     motion=motion)
    hom = camera_homography(arena_size_cm, image_size, margin_px=0.08 * min(image_size), tilt=tilt)
    rng = np.random.default_rng(seed)
    xy = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    heading = trajectory["heading_rad"].to_numpy(float)
    t = trajectory["time_s"].to_numpy(float)
    n = len(trajectory)
    offsets = np.linspace(-0.25, 0.25, 5) if motion_blur else np.zeros(1)  # in frames
    video_path = out_dir / f"{name}.mp4"

    def frames() -> Iterator[np.ndarray]:
        for i in tqdm(range(n), disable=not progress, desc=f"rendering {name}", unit="frame", leave=False):
            bend = 0.3 * np.sin(2 * np.pi * t[i] / 1.7)
            acc = np.zeros((image_size[1], image_size[0], 3), np.float32)
            for off in offsets:
                j = float(np.clip(i + off, 0, n - 1))
                j0 = int(np.floor(j))
                j1 = min(j0 + 1, n - 1)
                f = j - j0
                pos = (1 - f) * xy[j0] + f * xy[j1]
                img, _ = render_frame(tuple(pos), float(heading[i]), arena_size_cm, hom, image_size, animal,
                                      mouse_length_cm, tail_bend=bend)
                acc += img
            frame = acc / len(offsets)
            if noise_sd > 0:
                frame += rng.normal(0, noise_sd, frame.shape[:2])[..., None].astype(np.float32)
            yield np.clip(np.round(frame), 0, 255).astype(np.uint8)

    write_video(video_path, frames(), fps, image_size)
    truth_path = write_csv(truth_table(trajectory, hom, mouse_length_cm).round(4), out_dir / f"{name}_truth.csv")
    w, h = arena_size_cm
    corners = _to_px(hom, np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    geometry = {
        "arena_size_cm": [float(w), float(h)],
        "image_size": [int(image_size[0]), int(image_size[1])],
        "homography": hom.tolist(),
        "arena_corners_px": corners.tolist(),
        "fps": float(fps),
        "n_frames": int(n),
        "animal": animal,
        "mouse_length_cm": float(mouse_length_cm),
        "tilt": float(tilt),
        "motion_blur": bool(motion_blur),
        "noise_sd": float(noise_sd),
        "seed": int(seed),
        "motion": motion,
    }
    json.dumps(geometry)  # fail here, not half-way through writing, if something is not JSON
    geometry_path = write_json(geometry, out_dir / f"{name}_arena.json")
    return SyntheticVideo(video=video_path, truth=truth_path, geometry=geometry_path)


# --------------------------------------------------------------------------- several arenas


@dataclass(frozen=True)
class ArenasVideo:
    """What :func:`render_arenas_video` wrote and the truth of each arena.

    Attributes
    ----------
    path
        The mp4.
    fps
        Frame rate.
    n_frames
        Number of frames.
    arena_size_cm
        Floor width and height of every arena.
    image_size
        Width, height in px.
    corners_px
        Per arena, its floor corners ``(4, 2)`` in px (top-left, top-right,
        bottom-right, bottom-left of the arena's own frame), numbered
        row-major from the image's top-left: arena 1 is ``corners_px[0]``.
    truths
        Per arena, the :func:`truth_table` of its mouse (cm in that arena's
        own frame, px in the image), or None for an empty arena.
    homographies
        Per arena, its cm -> px homography.
    geometry
        ``<name>_arenas.json``: ``arenas`` (the corners, a valid
        ``--arena-corners`` file), ``arena_size_cm``, ``image_size``,
        ``homographies``, ``truth_files`` and the rendering settings.
    truth_paths
        Per arena, ``<name>_arena<k>_truth.csv``, or None for an empty arena.
    """

    path: Path
    fps: float
    n_frames: int
    arena_size_cm: tuple[float, float]
    image_size: tuple[int, int]
    corners_px: list[np.ndarray]
    truths: list[pd.DataFrame | None]
    homographies: list[np.ndarray]
    geometry: Path
    truth_paths: list[Path | None] = field(default_factory=list)


def arenas_layout(
    rows: int,
    cols: int,
    arena_size_cm: tuple[float, float],
    gap_cm: float = 6.0,
    rotation_deg: Sequence[float] | None = None,
    image_size: tuple[int, int] | None = None,
    px_per_cm: float = 8.0,
    tilt: float = 0.0,
    margin_cm: float | None = None,
) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Homographies (arena cm -> px) of ``rows x cols`` arenas seen by one camera.

    The arenas sit on a grid ``gap_cm`` apart (wall and gap between floors),
    with ``margin_cm`` around the outside; arena ``k`` is turned by
    ``rotation_deg[k]`` about its centre (clockwise on screen for positive
    degrees). One camera homography (:func:`camera_homography`) maps the
    whole rig to the image.

    Parameters
    ----------
    rows, cols
        Grid of arenas; numbered row-major from the top-left.
    arena_size_cm
        Floor width and height of each arena.
    gap_cm
        Distance between neighbouring floors.
    rotation_deg
        One angle per arena (``rows * cols``), or None for none.
    image_size
        Width, height in px; None: the rig at ``px_per_cm``, rounded up to
        an even number of pixels.
    px_per_cm
        Scale when ``image_size`` is None.
    tilt
        Camera tilt (see :func:`camera_homography`).
    margin_cm
        From the outer floors to the image edge; None: ``gap_cm``.

    Returns
    -------
    homographies : list of numpy.ndarray
        One 3x3 matrix per arena, row-major.
    image_size : tuple
        Width, height in px.
    """
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be >= 1, got {rows} x {cols}")
    n = rows * cols
    angles = np.zeros(n) if rotation_deg is None else np.asarray(rotation_deg, float)
    if angles.shape != (n,):
        raise ValueError(f"rotation_deg needs one angle per arena ({n}), got {len(angles)}")
    w, h = arena_size_cm
    m = gap_cm if margin_cm is None else margin_cm
    rig = (cols * w + (cols - 1) * gap_cm + 2 * m, rows * h + (rows - 1) * gap_cm + 2 * m)
    if image_size is None:
        image_size = (2 * int(np.ceil(rig[0] * px_per_cm / 2)), 2 * int(np.ceil(rig[1] * px_per_cm / 2)))
    rig_to_px = camera_homography(rig, image_size, margin_px=0.0, tilt=tilt)
    homs = []
    for k in range(n):
        r, c = divmod(k, cols)
        centre = np.array([m + c * (w + gap_cm) + w / 2, m + r * (h + gap_cm) + h / 2])
        a = np.deg2rad(angles[k])
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        arena_to_rig = np.eye(3)
        arena_to_rig[:2, :2] = rot
        arena_to_rig[:2, 2] = centre - rot @ np.array([w / 2, h / 2])
        homs.append(rig_to_px @ arena_to_rig)
    return homs, (int(image_size[0]), int(image_size[1]))


def render_arenas_video(
    out_dir: Any,
    name: str = "arenas",
    rows: int = 2,
    cols: int = 2,
    arena_size_cm: tuple[float, float] = (30.0, 30.0),
    fps: float = 30.0,
    duration_s: float = 10.0,
    image_size: tuple[int, int] | None = None,
    rotation_deg: Sequence[float] | None = None,
    empty: Sequence[int] = (),
    gap_cm: float = 6.0,
    animal: str = "dark",
    seed: int = 0,
    motion: str = "trapezoid",
    progress: bool = False,
    mouse_length_cm: float = 8.0,
    noise_sd: float = 0.0,
    px_per_cm: float = 8.0,
    tilt: float = 0.0,
    margin_cm: float | None = None,
) -> ArenasVideo:
    """Render one camera's video of ``rows x cols`` open fields, a mouse in each, with the truth per arena.

    Each arena has its own floor (light floor and dark walls for a dark
    animal, the reverse for a light one; the gaps between boxes are wall),
    its own trajectory (:func:`make_trajectory` with seed ``seed * 1000 +
    k``) and its own homography (:func:`arenas_layout`): a rotated box has
    its own cm frame. Frames are drawn on a pre-drawn background and written
    one at a time.

    Parameters
    ----------
    out_dir
        Folder for ``<name>.mp4``, ``<name>_arenas.json`` and
        ``<name>_arena<k>_truth.csv`` (created; each written atomically).
    name
        File stem.
    rows, cols
        Grid of arenas, numbered row-major from the top-left (1 = top-left).
    arena_size_cm
        Floor width and height of each arena.
    fps, duration_s
        Frame rate and length; the video has ``round(duration_s * fps)``
        frames.
    image_size
        Width, height in px; None (default): computed from the layout at
        ``px_per_cm`` (2 x 2 arenas of 30 cm, 6 cm gaps: 624 x 624 px).
    rotation_deg
        Per-arena rotation in degrees (``rows * cols`` values) or None.
    empty
        1-based numbers of arenas without a mouse.
    gap_cm
        Between floors (and around the outside unless ``margin_cm``).
    animal
        ``"dark"`` or ``"light"``.
    seed
        Seed of the trajectories and the noise.
    motion
        ``"trapezoid"`` or ``"minimum_jerk"`` (see :func:`make_trajectory`).
    progress
        Show a progress bar.
    mouse_length_cm
        Nose-to-tail-base length.
    noise_sd
        Gaussian pixel noise (grey levels).
    px_per_cm
        Scale when ``image_size`` is None.
    tilt
        Camera tilt over the whole rig (see :func:`camera_homography`).
    margin_cm
        From the outer floors to the image edge; None: ``gap_cm``.

    Returns
    -------
    ArenasVideo
        The files, the corners and the per-arena truth.
    """
    n_arenas = rows * cols
    bad = [k for k in empty if not 1 <= int(k) <= n_arenas]
    if bad:
        raise ValueError(f"empty arenas must be numbered 1..{n_arenas}, got {bad}")
    floor_c, wall_c, mouse_c = shades(animal)
    homs, image_size = arenas_layout(rows, cols, arena_size_cm, gap_cm, rotation_deg, image_size, px_per_cm, tilt,
                                     margin_cm)
    w, h = arena_size_cm
    corners = [_to_px(hm, np.array([[0, 0], [w, 0], [w, h], [0, h]], float)) for hm in homs]
    iw, ih = image_size
    background = np.full((ih, iw), wall_c, np.uint8)
    covered = np.zeros((ih, iw), np.uint8)
    for hm, c in zip(homs, corners, strict=True):
        if c.min() < 0 or c[:, 0].max() > iw - 1 or c[:, 1].max() > ih - 1:
            raise ValueError(f"an arena does not fit in the {iw} x {ih} image; give a larger image_size")
        one = np.zeros_like(covered)
        draw_floor(one, hm, arena_size_cm, 1)
        covered += one
        draw_floor(background, hm, arena_size_cm, floor_c)
    if covered.max() > 1:
        raise ValueError("arenas overlap: increase gap_cm or reduce rotation_deg")

    n = int(round(duration_s * fps))
    truths: list[pd.DataFrame | None] = []
    trajectories: list[pd.DataFrame | None] = []
    for k in range(n_arenas):
        if k + 1 in {int(e) for e in empty}:
            truths.append(None)
            trajectories.append(None)
            continue
        traj = make_trajectory(fps=fps, duration_s=duration_s, arena_size_cm=arena_size_cm,
                               seed=seed * 1000 + k, motion=motion).iloc[:n].reset_index(drop=True)
        trajectories.append(traj)
        truths.append(truth_table(traj, homs[k], mouse_length_cm))
    rng = np.random.default_rng(seed)

    def frames() -> Iterator[np.ndarray]:
        for i in tqdm(range(n), disable=not progress, desc=f"rendering {name}", unit="frame", leave=False):
            img = background.copy()
            for k, traj in enumerate(trajectories):
                if traj is None:
                    continue
                bend = 0.3 * np.sin(2 * np.pi * i / fps / 1.7 + k)
                draw_animal(img, homs[k], (traj["x_cm"].iat[i], traj["y_cm"].iat[i]),
                            float(traj["heading_rad"].iat[i]), mouse_length_cm, bend, mouse_c)
            if noise_sd > 0:
                img = np.clip(img + rng.normal(0, noise_sd, img.shape), 0, 255).astype(np.uint8)
            yield cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video_path = write_video(out_dir / f"{name}.mp4", frames(), fps, image_size)
    truth_paths: list[Path | None] = [
        None if t is None else write_csv(t.round(4), out_dir / f"{name}_arena{k + 1}_truth.csv")
        for k, t in enumerate(truths)
    ]
    geometry = {
        "arenas": [c.tolist() for c in corners],
        "arena_size_cm": [float(w), float(h)],
        "image_size": [int(iw), int(ih)],
        "homographies": [hm.tolist() for hm in homs],
        "rows": int(rows),
        "cols": int(cols),
        "gap_cm": float(gap_cm),
        "margin_cm": float(gap_cm if margin_cm is None else margin_cm),
        "rotation_deg": None if rotation_deg is None else [float(a) for a in rotation_deg],
        "empty": sorted(int(e) for e in empty),
        "truth_files": [None if p is None else p.name for p in truth_paths],
        "fps": float(fps),
        "n_frames": int(n),
        "animal": animal,
        "mouse_length_cm": float(mouse_length_cm),
        "noise_sd": float(noise_sd),
        "tilt": float(tilt),
        "seed": int(seed),
        "motion": motion,
    }
    json.dumps(geometry)  # fail here, not half-way through writing, if something is not JSON
    geometry_path = write_json(geometry, out_dir / f"{name}_arenas.json")
    return ArenasVideo(path=video_path, fps=float(fps), n_frames=n, arena_size_cm=(float(w), float(h)),
                       image_size=image_size, corners_px=corners, truths=truths, homographies=homs,
                       geometry=geometry_path, truth_paths=truth_paths)


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

    The truth's own rule, written out with numpy (not :mod:`openfield.zones`, which the measures use, so the
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


# --------------------------------------------------------------------------- minimum-jerk bouts

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


def observe_track(
    trajectory: pd.DataFrame,
    px_per_cm: float = 10.0,
    jitter_cm: float = 0.0,
    drop_fraction: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """What a tracker would report for a trajectory: pixels, jitter and dropped frames.

    Parameters
    ----------
    trajectory
        Table with ``x_cm, y_cm``.
    px_per_cm
        Image scale (a camera looking straight down, origin at the arena corner).
    jitter_cm
        Standard deviation of Gaussian position noise per axis (cm).
    drop_fraction
        Fraction of frames lost (NaN), in runs of 1-3 frames.
    seed
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` positions in px.
    """
    rng = np.random.default_rng(seed)
    xy = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    xy = (xy + rng.normal(0.0, jitter_cm, xy.shape)) * px_per_cm if jitter_cm > 0 else xy * px_per_cm
    n = len(xy)
    dropped = np.zeros(n, bool)
    while dropped.mean() < drop_fraction:
        i = int(rng.integers(1, max(2, n - 4)))
        dropped[i : i + int(rng.integers(1, 4))] = True
    xy[dropped] = np.nan
    return xy
