"""Synthetic round and rectangular open fields with analytic truth (issue 21).

Builds on :mod:`openfield.synthetic`'s rendering and video writer (its camera homography, mouse shape,
keypoints and video writer) and adds what real recordings of other labs show: a round
floor (a circle in cm; in the image an ellipse, or with a tilted camera a
projected circle), uneven light (vignetting), a static bedding-like texture
on the floor, a path hugging a round wall, an empty start (no animal for the
first seconds) and a second or third animal.

Every video comes with its truth, computed from the analytic path with plain
numpy geometry and nothing of the package's own measuring code: per frame the
head, body and tail in cm and px; the time the animal appears; the distance
the body travels; per zone the time in it, the entries and the latency to
the first entry, for zones given as in a ``--zones`` file (circles:
``|p - c| <= r``; polygons: a crossing-number test).

The arena cm frame is the project's: origin at the top-left of the floor's
bounding square (or rectangle), x to the right, y down; a 40-cm round
arena's centre is (20, 20), its wall the circle of radius 20.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.io.files import write_csv, write_json
from openfield.synthetic import rendering
from openfield.synthetic.rendering import camera_homography, mouse_keypoints_cm, shades, to_px
from openfield.synthetic.trajectories import trapezoid
from openfield.synthetic.video import write_video

#: Floor shapes this renderer draws.
SHAPES = ("circle", "rectangle")

_SHIFT = 4  # vertex precision of the supersampled drawing: 1/16 of a subpixel
SUPERSAMPLE = 16  # each pixel's coverage is counted on 16 x 16 subpixels


# --------------------------------------------------------------------------- geometry


def to_cm(homography: np.ndarray, pts_px: np.ndarray) -> np.ndarray:
    """Map ``(n, 2)`` pixels back to arena cm (the inverse of :func:`to_px`)."""
    return to_px(np.linalg.inv(np.asarray(homography, float)), pts_px)


def floor_outline_cm(shape: str, arena_size_cm: tuple[float, float], n: int = 720) -> np.ndarray:
    """The floor's outline in arena cm: ``n`` points of the circle, or the 4 corners tl, tr, br, bl.

    Parameters
    ----------
    shape
        ``"circle"`` (diameter ``arena_size_cm[0]``, centred on the bounding
        square) or ``"rectangle"``.
    arena_size_cm
        ``(D, D)`` for a circle, ``(W, H)`` for a rectangle.
    n
        Points on a circle.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` or ``(4, 2)`` points.
    """
    _check_shape(shape, arena_size_cm)
    w, h = arena_size_cm
    if shape == "rectangle":
        return np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[w / 2 + w / 2 * np.cos(th), w / 2 + w / 2 * np.sin(th)]


def _check_shape(shape: str, arena_size_cm: tuple[float, float]) -> None:
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, not {shape!r}")
    w, h = arena_size_cm
    if w <= 0 or h <= 0:
        raise ValueError(f"arena size must be positive, got {arena_size_cm}")
    if shape == "circle" and w != h:
        raise ValueError(f"a round arena's size is (D, D), got {arena_size_cm}")


def projected_circle(homography: np.ndarray, center_cm: Sequence[float], radius_cm: float) -> dict[str, Any]:
    """The exact image of a circle of the floor: an ellipse (a conic mapped by the homography).

    The circle's conic ``C`` in cm becomes ``H^-T C H^-1`` in pixels; its
    centre, semi-axes and orientation follow from that matrix. The ellipse's
    centre is in general not the image of the circle's centre (perspective).

    Parameters
    ----------
    homography
        Arena cm -> px.
    center_cm, radius_cm
        The circle in arena cm.

    Returns
    -------
    dict
        ``center_px`` ``[x, y]``, ``axes_px`` ``[a, b]`` (semi-axes, ``a >=
        b``) and ``angle_deg`` (direction of ``a`` from the image x axis,
        towards +y, in [0, 180)): the contract's ellipse object without its
        ``shape`` key.
    """
    cx, cy = (float(v) for v in center_cm)
    conic = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [-cx, -cy, cx * cx + cy * cy - radius_cm**2]])
    h_inv = np.linalg.inv(np.asarray(homography, float))
    q = h_inv.T @ conic @ h_inv
    m = q[:2, :2]
    centre = np.linalg.solve(m, -q[:2, 2])
    f0 = float(np.r_[centre, 1.0] @ q @ np.r_[centre, 1.0])
    vals, vecs = np.linalg.eigh(m)  # ascending: the smaller eigenvalue is the longer axis
    axes = np.sqrt(-f0 / vals)
    major = vecs[:, 0]
    angle = math.degrees(math.atan2(major[1], major[0])) % 180.0
    return {"center_px": [float(centre[0]), float(centre[1])], "axes_px": [float(axes[0]), float(axes[1])],
            "angle_deg": float(angle)}


def arena_object(shape: str, arena_size_cm: tuple[float, float], homography: np.ndarray) -> dict[str, Any]:
    """The floor as the contract's arena JSON object (what ``--arena FILE.json`` takes).

    A round floor seen straight down (equal semi-axes to 1e-6 px) is a
    ``circle``; seen by a tilted camera, an ``ellipse``. A rectangle is its 4
    corners tl, tr, br, bl in px.
    """
    _check_shape(shape, arena_size_cm)
    if shape == "rectangle":
        return {"shape": "rectangle", "corners_px": to_px(homography, floor_outline_cm(shape, arena_size_cm)).tolist()}
    d = arena_size_cm[0]
    ell = projected_circle(homography, (d / 2, d / 2), d / 2)
    if abs(ell["axes_px"][0] - ell["axes_px"][1]) < 1e-6:
        return {"shape": "circle", "center_px": ell["center_px"], "radius_px": ell["axes_px"][0]}
    return {"shape": "ellipse", **ell}


def inside_zone(points_cm: np.ndarray, zone: dict[str, Any]) -> np.ndarray:
    """Which points lie in a zone (edges count as inside); NaN points are outside.

    Plain numpy geometry, independent of :mod:`openfield.arena.zones`: a circle is
    ``|p - c| <= r``; a polygon uses the crossing-number (even-odd) rule,
    with points on an edge counted as inside.

    Parameters
    ----------
    points_cm
        ``(n, 2)`` positions in arena cm.
    zone
        ``{"name", "shape": "circle", "center": [x, y], "radius": r}`` or
        ``{"name", "shape": "polygon", "points": [[x, y], ...]}`` (cm).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` booleans.
    """
    p = np.asarray(points_cm, float).reshape(-1, 2)
    ok = np.isfinite(p).all(axis=1)
    x, y = np.where(ok, p[:, 0], 0.0), np.where(ok, p[:, 1], 0.0)
    if zone["shape"] == "circle":
        cx, cy = zone["center"]
        return ok & (np.hypot(x - cx, y - cy) <= zone["radius"] + 1e-9)
    if zone["shape"] != "polygon":
        raise ValueError(f"zone {zone.get('name')!r}: shape must be 'circle' or 'polygon', not {zone['shape']!r}")
    poly = np.asarray(zone["points"], float)
    a, b = poly, np.roll(poly, -1, axis=0)
    inside = np.zeros(len(p), bool)
    on_edge = np.zeros(len(p), bool)
    for (x1, y1), (x2, y2) in zip(a, b, strict=True):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < x_at)
        seg = np.array([x2 - x1, y2 - y1])
        t = np.clip(((x - x1) * seg[0] + (y - y1) * seg[1]) / max(seg @ seg, 1e-300), 0, 1)
        on_edge |= np.hypot(x - (x1 + t * seg[0]), y - (y1 + t * seg[1])) <= 1e-9
    return ok & (inside | on_edge)


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class Arc:
    """A run along a circle of radius ``radius_cm`` about ``center_cm``, from ``start_deg`` by ``sweep_deg``.

    Angles are measured in the image's sense (x right, y down: positive is
    clockwise on screen). The run has a trapezoidal speed profile (cruise
    ``max_speed``, ramps of ``accel``), then a stop of ``pause_s``.
    """

    center_cm: tuple[float, float]
    radius_cm: float
    start_deg: float
    sweep_deg: float
    max_speed: float
    accel: float = 40.0
    pause_s: float = 0.0

    @property
    def length(self) -> float:
        """Path length (cm)."""
        return abs(math.radians(self.sweep_deg)) * self.radius_cm

    def at(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions ``(n, 2)`` and headings at arc lengths ``s``."""
        sign = 1.0 if self.sweep_deg >= 0 else -1.0
        th = math.radians(self.start_deg) + sign * np.asarray(s, float) / self.radius_cm
        cx, cy = self.center_cm
        xy = np.c_[cx + self.radius_cm * np.cos(th), cy + self.radius_cm * np.sin(th)]
        return xy, th + sign * np.pi / 2


@dataclass(frozen=True)
class Line:
    """A straight run from ``start`` to ``end`` (cm), trapezoidal speed profile, then a stop of ``pause_s``."""

    start: tuple[float, float]
    end: tuple[float, float]
    max_speed: float
    accel: float = 40.0
    pause_s: float = 0.0

    @property
    def length(self) -> float:
        """Path length (cm)."""
        return float(math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1]))

    def at(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions ``(n, 2)`` and headings at distances ``s`` from the start."""
        p0, p1 = np.asarray(self.start, float), np.asarray(self.end, float)
        u = (p1 - p0) / self.length
        s = np.asarray(s, float)
        return p0 + np.outer(s, u), np.full(len(s), math.atan2(u[1], u[0]))


Move = Arc | Line


def _distance_along(tau: np.ndarray, length: float, max_speed: float, accel: float) -> tuple[np.ndarray, ...]:
    """Distance, speed and acceleration ``tau`` s into a trapezoidal run of ``length``."""
    peak, t_acc, t_cruise = trapezoid(length, max_speed, accel)
    t_dec = tau - t_acc - t_cruise
    acc_ph, dec_ph = tau < t_acc, tau >= t_acc + t_cruise
    d_acc = 0.5 * accel * t_acc**2
    s = np.where(acc_ph, 0.5 * accel * tau**2,
                 np.where(dec_ph, d_acc + peak * t_cruise + peak * t_dec - 0.5 * accel * t_dec**2,
                          d_acc + peak * (tau - t_acc)))
    v = np.where(acc_ph, accel * tau, np.where(dec_ph, peak - accel * t_dec, peak))
    a = np.where(acc_ph, accel, np.where(dec_ph, -accel, 0.0))
    return np.clip(s, 0, length), np.clip(v, 0, None), a


def path_trajectory(moves: Sequence[Move], fps: float, start_pause_s: float = 0.5) -> pd.DataFrame:
    """Sample a chain of arcs and lines (each from where the last ended) at ``fps``.

    Parameters
    ----------
    moves
        :class:`Arc` and :class:`Line` runs, in order; each should start
        where the previous one ends (checked to 1e-6 cm).
    fps
        Frame rate.
    start_pause_s
        Stop before the first run.

    Returns
    -------
    pandas.DataFrame
        ``frame, time_s, x_cm, y_cm, heading_rad, speed_cm_s,
        acceleration_cm_s2, move`` (index of the run, -1 before the first),
        the analytic values; time 0 is the first sample.
    """
    if not moves:
        raise ValueError("a path needs at least one move")
    for i in range(1, len(moves)):
        end = moves[i - 1].at(np.array([moves[i - 1].length]))[0][0]
        start = moves[i].at(np.array([0.0]))[0][0]
        if np.hypot(*(end - start)) > 1e-6:
            raise ValueError(f"move {i} starts at {start.round(3)}, not where move {i - 1} ends ({end.round(3)})")
    starts, t0 = [], start_pause_s
    for m in moves:
        starts.append((t0, _move_s(m) - m.pause_s))
        t0 += _move_s(m)
    n = int(np.floor(t0 * fps)) + 1
    t = np.arange(n) / fps
    xy0, h0 = moves[0].at(np.array([0.0]))
    x, y, hd = np.full(n, xy0[0, 0]), np.full(n, xy0[0, 1]), np.full(n, h0[0])
    sp, ac, idx = np.zeros(n), np.zeros(n), np.full(n, -1)
    for i, (m, (ts, dur)) in enumerate(zip(moves, starts, strict=True)):
        run = (t >= ts) & (t < ts + dur)
        s, v, a = _distance_along(t[run] - ts, m.length, m.max_speed, m.accel)
        pos, head = m.at(s)
        x[run], y[run], hd[run], sp[run], ac[run], idx[run] = pos[:, 0], pos[:, 1], head, v, a, i
        after = t >= ts + dur
        end, end_h = m.at(np.array([m.length]))
        x[after], y[after], hd[after], sp[after], ac[after], idx[after] = end[0, 0], end[0, 1], end_h[0], 0, 0, i
    return pd.DataFrame({"frame": np.arange(n), "time_s": t, "x_cm": x, "y_cm": y, "heading_rad": hd,
                         "speed_cm_s": sp, "acceleration_cm_s2": ac, "move": idx})


def _move_s(move: Move) -> float:
    """Duration of a move and its stop (s)."""
    _, t_acc, t_cruise = trapezoid(move.length, move.max_speed, move.accel)
    return 2 * t_acc + t_cruise + move.pause_s


def wall_hugging_moves(
    diameter_cm: float = 40.0,
    duration_s: float = 16.0,
    wall_gap_cm: float = 2.5,
    center_visits: bool = True,
    seed: int = 0,
) -> list[Move]:
    """A thigmotactic path in a round arena: long runs along the wall, now and then a visit to the centre.

    The body centre runs on the circle ``wall_gap_cm`` inside the wall
    (sweeps of 120-270 degrees at 10-18 cm/s, either way round); with
    ``center_visits``, after every other run along the wall the animal goes
    to within 3 cm of the centre, stops, and goes back to another point of
    the wall-hugging circle.

    Parameters
    ----------
    diameter_cm
        Floor diameter (the arena's centre is ``(D/2, D/2)``).
    duration_s
        Moves are added until the path lasts at least this long.
    wall_gap_cm
        Distance from the body centre to the wall during the runs along it.
    center_visits
        Add visits to the centre.
    seed
        Random seed (deterministic for a seed).

    Returns
    -------
    list
        The moves, for :func:`path_trajectory`.
    """
    rng = np.random.default_rng(seed)
    c = (diameter_cm / 2, diameter_cm / 2)
    rho = diameter_cm / 2 - wall_gap_cm
    if rho <= 0:
        raise ValueError(f"wall gap {wall_gap_cm} cm does not fit a {diameter_cm} cm arena")
    angle = float(rng.uniform(0, 360))
    moves: list[Move] = []
    total, k = 0.5, 0
    while total < duration_s:
        sweep = float(rng.uniform(120, 270) * rng.choice([-1, 1]))
        arc = Arc(c, rho, angle, sweep, float(rng.uniform(10, 18)), pause_s=float(rng.uniform(0.3, 0.8)))
        moves.append(arc)
        angle = (angle + sweep) % 360
        k += 1
        if center_visits and k % 2 == 0:
            here = moves[-1].at(np.array([arc.length]))[0][0]
            r, a = rng.uniform(0, 3), rng.uniform(0, 2 * np.pi)
            mid = (c[0] + r * math.cos(a), c[1] + r * math.sin(a))
            moves.append(Line(tuple(here), mid, float(rng.uniform(12, 20)), pause_s=float(rng.uniform(0.4, 1.0))))
            angle = (angle + float(rng.uniform(100, 260))) % 360
            back = (c[0] + rho * math.cos(math.radians(angle)), c[1] + rho * math.sin(math.radians(angle)))
            moves.append(Line(mid, back, float(rng.uniform(12, 20)), pause_s=float(rng.uniform(0.3, 0.8))))
        total = 0.5 + sum(_move_s(m) for m in moves)
    return moves


def lines_through(points: Sequence[tuple[float, float]], max_speed: float = 15.0, pause_s: float = 0.5,
                  accel: float = 40.0) -> list[Move]:
    """Straight runs through ``points`` (cm), one after the other, each ending in a stop of ``pause_s``."""
    return [Line(tuple(map(float, a)), tuple(map(float, b)), max_speed, accel, pause_s)
            for a, b in zip(points[:-1], points[1:], strict=True)]


# --------------------------------------------------------------------------- drawing


def animal_polygons_cm(body_cm: Sequence[float], heading_rad: float, mouse_length_cm: float,
                       tail_bend: float) -> list[np.ndarray]:
    """The drawn mouse in arena cm: tail band, trunk ellipse and head ellipse.

    Same shapes and proportions as :func:`openfield.synthetic.rendering.draw_animal`
    (its constants), finer outlines (180 points per ellipse).
    """
    body = np.asarray(body_cm, float)
    u = np.array([math.cos(heading_rad), math.sin(heading_rad)])
    v = np.array([-u[1], u[0]])
    length = mouse_length_cm
    th = np.linspace(0, 2 * np.pi, 180, endpoint=False)

    def ellipse(c: np.ndarray, a: float, b: float) -> np.ndarray:
        return c + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)

    s = np.linspace(0, rendering.TAIL_LENGTH * length, 24)
    base = body - rendering.BODY_HALF_LENGTH * length * u
    centre = base - np.outer(s, u) + np.outer(tail_bend * s**2 / (rendering.TAIL_LENGTH * length), v)
    half = rendering.TAIL_WIDTH * length / 2 * np.linspace(1, 0.4, len(s))
    tail = np.r_[centre + half[:, None] * v, (centre - half[:, None] * v)[::-1]]
    trunk = ellipse(body, rendering.BODY_HALF_LENGTH * length, rendering.BODY_HALF_WIDTH * length)
    head = ellipse(body + (rendering.NOSE - rendering.HEAD_HALF_LENGTH) * length * u,
                   rendering.HEAD_HALF_LENGTH * length, rendering.HEAD_HALF_WIDTH * length)
    return [tail, trunk, head]


def fill_exact(img: np.ndarray, polygons_px: Sequence[np.ndarray], shade: float) -> None:
    """Paint the union of polygons onto a float grey image in place, each pixel by the share it covers.

    The share is counted on :data:`SUPERSAMPLE` x :data:`SUPERSAMPLE`
    subpixels (pixel ``(i, j)`` spans ``[j - 0.5, j + 0.5] x [i - 0.5, i +
    0.5]``); OpenCV's plain fill takes the subpixels the outline touches, so
    a shape grows by half a subpixel (1/32 px) all round: its painted area
    and centroid are its own to ~0.1 px.
    OpenCV's anti-aliased fill instead grows every shape by ~0.6 px all
    round, which moves the centroid of a mouse with a thin tail by ~2 px.
    """
    ih, iw = img.shape
    allpts = np.concatenate(polygons_px)
    x0, y0 = np.maximum(np.floor(allpts.min(axis=0)).astype(int) - 1, 0)
    x1, y1 = np.minimum(np.ceil(allpts.max(axis=0)).astype(int) + 2, [iw, ih])
    if x1 <= x0 or y1 <= y0:
        return
    k = SUPERSAMPLE
    canvas = np.zeros(((y1 - y0) * k, (x1 - x0) * k), np.uint8)
    sub = [np.round(((p - [x0, y0] + 0.5) * k - 0.5) * (1 << _SHIFT)).astype(np.int32) for p in polygons_px]
    for poly in sub:
        cv2.fillPoly(canvas, [poly], 1, cv2.LINE_8, _SHIFT)
    cover = canvas.reshape(y1 - y0, k, x1 - x0, k).mean(axis=(1, 3), dtype=np.float32)
    patch = img[y0:y1, x0:x1]
    patch += cover * (shade - patch)


# --------------------------------------------------------------------------- scene and frames


@dataclass(frozen=True)
class RoundScene:
    """A camera's view of one open field: the floor, its light and texture, the animal's shade.

    Attributes
    ----------
    shape
        ``"circle"`` or ``"rectangle"``.
    arena_size_cm
        ``(D, D)`` for a circle, ``(W, H)`` for a rectangle.
    image_size
        Width, height in px.
    tilt
        Camera tilt (see :func:`openfield.synthetic.rendering.camera_homography`): the
        far (top) side of the floor's bounding square is shorter by this
        fraction, so a round floor is a projected circle.
    margin_px
        Space between the floor's bounding square and the image's edge.
    vignette
        Uneven light: the grey level is multiplied by ``1 - vignette *
        (r / r_max)^2``, ``r`` the distance from the image centre, ``r_max``
        the corner's.
    texture
        Bedding: the contrast (grey levels, standard deviation) of a static
        pattern of grains and small blobs on the floor (0: plain floor).
    animal
        ``"dark"`` or ``"light"``.
    mouse_length_cm
        Nose-to-tail-base length.
    noise_sd
        Per-frame Gaussian pixel noise (grey levels).
    seed
        Seed of the texture.
    """

    shape: str = "circle"
    arena_size_cm: tuple[float, float] = (40.0, 40.0)
    image_size: tuple[int, int] = (400, 400)
    tilt: float = 0.0
    margin_px: float = 24.0
    vignette: float = 0.0
    texture: float = 0.0
    animal: str = "dark"
    mouse_length_cm: float = 8.0
    noise_sd: float = 0.0
    seed: int = 0
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check the settings once."""
        _check_shape(self.shape, self.arena_size_cm)
        shades(self.animal)
        if not 0 <= self.vignette < 1:
            raise ValueError(f"vignette must be in [0, 1), got {self.vignette}")

    @property
    def homography(self) -> np.ndarray:
        """Arena cm -> px."""
        return camera_homography(self.arena_size_cm, self.image_size, self.margin_px, self.tilt)

    @property
    def arena(self) -> dict[str, Any]:
        """The floor as the contract's arena JSON object (:func:`arena_object`)."""
        return arena_object(self.shape, self.arena_size_cm, self.homography)

    def floor_mask(self) -> np.ndarray:
        """Boolean ``(h, w)`` mask of the pixels whose centre is on the floor (the outline, mapped exactly)."""
        iw, ih = self.image_size
        xs, ys = np.meshgrid(np.arange(iw, dtype=float), np.arange(ih, dtype=float))
        cm = to_cm(self.homography, np.c_[xs.ravel(), ys.ravel()])
        w, h = self.arena_size_cm
        if self.shape == "circle":
            inside = np.hypot(cm[:, 0] - w / 2, cm[:, 1] - w / 2) <= w / 2
        else:
            inside = (cm[:, 0] >= 0) & (cm[:, 0] <= w) & (cm[:, 1] >= 0) & (cm[:, 1] <= h)
        return inside.reshape(ih, iw)

    def background(self) -> np.ndarray:
        """The empty arena before light falls off: grey float32 walls, floor and texture (cached)."""
        if "background" in self._cache:
            return self._cache["background"]
        floor_c, wall_c, _ = shades(self.animal)
        iw, ih = self.image_size
        img = np.full((ih, iw), wall_c, np.float32)
        fill_exact(img, [to_px(self.homography, floor_outline_cm(self.shape, self.arena_size_cm, 2880))], floor_c)
        if self.texture > 0:
            weight = (img - wall_c) / (floor_c - wall_c)  # 1 on the floor, 0 on the wall
            img += weight * bedding_texture((ih, iw), self.texture, self.seed)
        self._cache["background"] = img
        return img

    def gain(self) -> np.ndarray:
        """The light's fall-off: a ``(h, w)`` float32 factor (all ones without vignetting)."""
        iw, ih = self.image_size
        ys, xs = np.mgrid[0:ih, 0:iw].astype(np.float32)
        r2 = ((xs - (iw - 1) / 2) ** 2 + (ys - (ih - 1) / 2) ** 2) / (((iw - 1) / 2) ** 2 + ((ih - 1) / 2) ** 2)
        return (1.0 - self.vignette * r2).astype(np.float32)

    def render(
        self,
        animals: Sequence[tuple[np.ndarray, float, float]] = (),
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """One BGR ``uint8`` frame with the given animals.

        Parameters
        ----------
        animals
            Per animal ``(body_cm, heading_rad, tail_bend)``.
        rng
            Generator of the pixel noise (needed when ``noise_sd > 0``).
        """
        _, _, mouse_c = shades(self.animal)
        out = self.background().copy()
        h_mat = self.homography
        for body, heading, bend in animals:
            polys = animal_polygons_cm(body, float(heading), self.mouse_length_cm, float(bend))
            fill_exact(out, [to_px(h_mat, p) for p in polys], mouse_c)
        if self.vignette > 0:
            out *= self.gain()
        if self.noise_sd > 0:
            if rng is None:
                raise ValueError("noise_sd > 0 needs a random generator")
            out += rng.normal(0, self.noise_sd, out.shape).astype(np.float32)
        return cv2.cvtColor(np.clip(np.round(out), 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def bedding_texture(shape: tuple[int, int], contrast: float, seed: int = 0) -> np.ndarray:
    """A static bedding-like pattern: fine grains plus scattered small light and dark flakes.

    Parameters
    ----------
    shape
        ``(h, w)`` of the image.
    contrast
        Standard deviation of the pattern (grey levels).
    seed
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` float32, mean 0, standard deviation ``contrast``; flakes
        are at most 3 px across, far smaller than a mouse.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    grains = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 0.8)
    flakes = np.zeros((h, w), np.float32)
    n = int(h * w / 60)
    xs, ys = rng.uniform(0, w, n), rng.uniform(0, h, n)
    for x, y, r, s in zip(xs, ys, rng.uniform(0.6, 1.5, n), rng.choice([-1.0, 1.0], n), strict=True):
        cv2.circle(flakes, (int(x), int(y)), int(round(r)), float(s), -1)
    pattern = grains / grains.std() + 0.7 * flakes
    pattern -= pattern.mean()
    return (contrast * pattern / pattern.std()).astype(np.float32)


def inward_tail_bend(body_cm: np.ndarray, heading_rad: np.ndarray, center_cm: Sequence[float],
                     time_s: np.ndarray, phase: float = 0.0) -> np.ndarray:
    """A swaying tail bend (0.15-0.45) whose sign turns the tail towards the arena's centre.

    A mouse running along a round wall keeps its tail on the floor: bent
    inwards, the drawn tail stays inside the floor.
    """
    body = np.asarray(body_cm, float).reshape(-1, 2)
    v = np.c_[-np.sin(heading_rad), np.cos(heading_rad)]
    side = np.sign(((np.asarray(center_cm, float) - body) * v).sum(axis=1))
    side[side == 0] = 1.0
    return side * (0.3 + 0.15 * np.sin(2 * np.pi * np.asarray(time_s, float) / 1.7 + phase))


# --------------------------------------------------------------------------- videos and truth


@dataclass(frozen=True)
class RoundVideo:
    """What :func:`render_round_video` wrote, and the truth.

    Attributes
    ----------
    path
        The mp4.
    scene
        The :class:`RoundScene` filmed.
    fps
        Frame rate.
    n_frames
        Frames in the video.
    appear_frame
        First frame with the animal(s) (0 without an empty start).
    truths
        Per animal, the per-frame truth (:func:`truth_frame_table`): NaN
        positions and ``present`` False before the animal appears.
    truth_paths
        Per animal, ``<name>_truth.csv`` (first animal) or
        ``<name>_animal<k>_truth.csv``.
    scene_path
        ``<name>_scene.json``: the scene's settings, ``homography``,
        ``arena`` (the contract's object; also a valid ``--arena`` file under
        its ``"arena"`` key), ``fps``, ``n_frames``, ``appear_s``,
        ``n_animals``.
    """

    path: Path
    scene: RoundScene
    fps: float
    n_frames: int
    appear_frame: int
    truths: list[pd.DataFrame]
    truth_paths: list[Path]
    scene_path: Path

    @property
    def appear_s(self) -> float:
        """Time of the first frame with the animal (s)."""
        return self.appear_frame / self.fps

    @property
    def truth(self) -> pd.DataFrame:
        """The first animal's truth."""
        return self.truths[0]


def truth_frame_table(
    trajectory: pd.DataFrame, scene: RoundScene, n_frames: int, appear_frame: int, fps: float
) -> pd.DataFrame:
    """Per-frame truth of one animal in a video of ``n_frames`` where it appears at ``appear_frame``.

    Returns
    -------
    pandas.DataFrame
        ``frame, time_s, present, heading_rad, speed_cm_s`` and, for each of
        head (nose tip), body (body centre) and tail (tail base),
        ``<part>_x_cm, <part>_y_cm, <part>_x_px, <part>_y_px``; NaN where the
        animal is absent.
    """
    frames = np.arange(n_frames)
    k = frames - appear_frame
    present = k >= 0  # after its path the animal stays where it stopped (as rendered)
    rows = np.clip(k, 0, len(trajectory) - 1)
    body = trajectory[["x_cm", "y_cm"]].to_numpy(float)[rows]
    heading = trajectory["heading_rad"].to_numpy(float)[rows]
    out = pd.DataFrame({"frame": frames, "time_s": frames / fps, "present": present,
                        "heading_rad": np.where(present, heading, np.nan),
                        "speed_cm_s": np.where(present, trajectory["speed_cm_s"].to_numpy(float)[rows], np.nan)})
    kp = mouse_keypoints_cm(body, heading, scene.mouse_length_cm)
    for name in TRACKER_KEYPOINTS:
        cm = np.where(present[:, None], kp[name], np.nan)
        px = to_px(scene.homography, cm)
        out[f"{name}_x_cm"], out[f"{name}_y_cm"] = cm[:, 0], cm[:, 1]
        out[f"{name}_x_px"], out[f"{name}_y_px"] = px[:, 0], px[:, 1]
    return out


def render_round_video(
    out_dir: Any,
    name: str,
    scene: RoundScene,
    trajectories: Sequence[pd.DataFrame],
    fps: float = 25.0,
    empty_start_s: float = 0.0,
    n_frames: int | None = None,
    progress: bool = False,
) -> RoundVideo:
    """Film one or more animals along known trajectories in a :class:`RoundScene`, with the truth.

    Frames are written one at a time. The first ``round(empty_start_s *
    fps)`` frames show the empty arena; then every animal appears at once
    (row 0 of its trajectory) and follows its path; an animal whose path is
    over stays where it stopped. Tails sway and bend towards the centre
    (:func:`inward_tail_bend`).

    Parameters
    ----------
    out_dir
        Folder for ``<name>.mp4``, the truth CSVs and ``<name>_scene.json``.
    name
        File stem.
    scene
        The arena, camera, light and animal shade.
    trajectories
        One per animal (``x_cm, y_cm, heading_rad, speed_cm_s`` per frame at
        ``fps``, e.g. from :func:`path_trajectory`).
    fps
        Frame rate.
    empty_start_s
        Seconds of empty arena before the animals appear.
    n_frames
        Length of the video; default: the empty start plus the first
        trajectory.
    progress
        Show a progress bar.

    Returns
    -------
    RoundVideo
        The paths and the per-animal truth.
    """
    if not trajectories:
        raise ValueError("at least one trajectory is needed")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    appear = int(round(empty_start_s * fps))
    n = appear + len(trajectories[0]) if n_frames is None else int(n_frames)
    centre = np.asarray(scene.arena_size_cm, float) / 2
    paths = []
    for j, traj in enumerate(trajectories):
        rows = np.clip(np.arange(n) - appear, 0, len(traj) - 1)
        body = traj[["x_cm", "y_cm"]].to_numpy(float)[rows]
        heading = traj["heading_rad"].to_numpy(float)[rows]
        bend = inward_tail_bend(body, heading, centre, np.arange(n) / fps, phase=1.3 * j)
        paths.append((body, heading, bend))
    rng = np.random.default_rng(scene.seed + 1)

    def frames() -> Iterator[np.ndarray]:
        for i in tqdm(range(n), disable=not progress, desc=f"rendering {name}", unit="frame", leave=False):
            animals = [] if i < appear else [(b[i], h[i], t[i]) for b, h, t in paths]
            yield scene.render(animals, rng)

    video = write_video(out_dir / f"{name}.mp4", frames(), fps, scene.image_size)
    truths = [truth_frame_table(traj, scene, n, appear, fps) for traj in trajectories]
    stems = [name if j == 0 else f"{name}_animal{j + 1}" for j in range(len(truths))]
    truth_paths = [write_csv(t.round(5), out_dir / f"{stem}_truth.csv") for stem, t in zip(stems, truths, strict=True)]
    info = {
        "shape": scene.shape, "arena_size_cm": [float(v) for v in scene.arena_size_cm],
        "image_size": [int(v) for v in scene.image_size], "tilt": float(scene.tilt),
        "margin_px": float(scene.margin_px), "vignette": float(scene.vignette), "texture": float(scene.texture),
        "animal": scene.animal, "mouse_length_cm": float(scene.mouse_length_cm), "noise_sd": float(scene.noise_sd),
        "seed": int(scene.seed), "homography": scene.homography.tolist(), "arena": scene.arena, "fps": float(fps),
        "n_frames": int(n), "appear_s": appear / fps, "n_animals": len(trajectories),
        "truth_files": [p.name for p in truth_paths],
    }
    json.dumps(info)  # fail here, not half-way through writing, if something is not JSON
    scene_path = write_json(info, out_dir / f"{name}_scene.json")
    return RoundVideo(path=video, scene=scene, fps=float(fps), n_frames=n, appear_frame=appear, truths=truths,
                      truth_paths=truth_paths, scene_path=scene_path)


def _runs(flag: np.ndarray) -> tuple[int, int | None]:
    """Entries (False -> True changes) and the index of the first True (None if never)."""
    entries = int(np.sum(flag[1:] & ~flag[:-1]))
    first = np.flatnonzero(flag)
    return entries, (int(first[0]) if len(first) else None)


def truth_measures(
    truth: pd.DataFrame,
    fps: float,
    shape: str,
    arena_size_cm: tuple[float, float],
    zones: Sequence[dict[str, Any]] = (),
    start_s: float | None = None,
    duration_s: float | None = None,
    center_fraction: float = 0.5,
) -> dict[str, float]:
    """The measures of a synthetic video from its analytic path, over a trial window.

    Plain numpy geometry on the true body centre (and nose tip for
    ``time_head_<zone>_s``), frame by frame, without the package's zone
    code. Conventions: an edge counts as inside; being in a zone at the
    window's first frame is no entry and gives latency 0; a zone never
    visited has latency NaN; times count frames (``frames / fps``); a
    zone's distance sums the steps between frames that end in it.

    Parameters
    ----------
    truth
        From :func:`truth_frame_table` (or the truth CSV).
    fps
        Frame rate.
    shape, arena_size_cm
        The floor, for the default centre zone: a disk of diameter
        ``center_fraction * D`` centred on a round floor, or the centred
        rectangle whose sides are ``center_fraction`` of a rectangle's.
    zones
        Zones in cm as in a ``--zones`` file (see :func:`inside_zone`).
    start_s
        Window start; default: the animal's appearance.
    duration_s
        Window length; default: to the end of the video.

    Returns
    -------
    dict
        ``trial_start_s, duration_s, distance_cm, time_center_s,
        center_entries, latency_center_s`` and per zone ``time_<z>_s,
        <z>_entries, latency_<z>_s, time_head_<z>_s, distance_<z>_cm``.
    """
    present = truth["present"].to_numpy(bool)
    t = truth["time_s"].to_numpy(float)
    if start_s is None:
        start_s = float(t[present][0])
    end = t[-1] + 0.5 / fps if duration_s is None else start_s + duration_s
    window = (t >= start_s - 1e-9) & (t < end - 1e-9) & present
    body = truth[["body_x_cm", "body_y_cm"]].to_numpy(float)[window]
    head = truth[["head_x_cm", "head_y_cm"]].to_numpy(float)[window]
    steps = np.linalg.norm(np.diff(body, axis=0), axis=1)
    out: dict[str, float] = {"trial_start_s": float(start_s), "duration_s": float(window.sum() / fps),
                             "distance_cm": float(steps.sum())}
    w, h = arena_size_cm
    if shape == "circle":
        center = {"name": "center", "shape": "circle", "center": [w / 2, w / 2], "radius": center_fraction * w / 2}
    else:
        x0, x1 = w / 2 * (1 - center_fraction), w / 2 * (1 + center_fraction)
        y0, y1 = h / 2 * (1 - center_fraction), h / 2 * (1 + center_fraction)
        center = {"name": "center", "shape": "polygon", "points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}
    for zone in [center, *zones]:
        z = zone["name"]
        inside = inside_zone(body, zone)
        entries, first = _runs(inside)
        out[f"time_{z}_s"] = float(inside.sum() / fps)
        out[f"{z}_entries"] = float(entries)
        out[f"latency_{z}_s"] = float("nan") if first is None else first / fps
        out[f"time_head_{z}_s"] = float(inside_zone(head, zone).sum() / fps)
        out[f"distance_{z}_cm"] = float(steps[inside[1:]].sum())  # the steps that end in the zone
    return out


def write_zones_file(zones: Sequence[dict[str, Any]], path: Any, units: str = "cm") -> Path:
    """Write zones as a ``--zones`` file ``{"units": ..., "zones": [...]}`` (atomically)."""
    return write_json({"units": units, "zones": [dict(z) for z in zones]}, Path(path))
