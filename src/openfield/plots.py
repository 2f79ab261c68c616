"""Plots people look at: trajectory with zones, occupancy heat map, speed and acceleration, bouts.

Each function takes a per-frame kinematics table and returns a matplotlib
figure (no display needed: matplotlib falls back to Agg without one, and
notebooks show the figures inline); :func:`kinematics_figures` makes the
four of a kinematics result. Saving them is the pipeline's job.

Long recordings draw what the eye can see: a trace over time is reduced to
the minimum and maximum of each of :data:`TRACE_BINS` time bins (every
peak and trough stays visible at the figure's resolution), the trajectory
to at most :data:`TRAJECTORY_POINTS` points (every k-th frame), and the heat
map is a 2-D histogram of every frame, each weighing its duration (the
real ones of a variable-frame-rate video, from the table's ``time_s``).
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle

from openfield import timebase
from openfield.arena import zones
from openfield.bouts import plot_bouts
from openfield.kinematics import bout_table, frames_table

#: A trace over time with more frames than this is drawn as a min/max envelope of this many bins.
TRACE_BINS = 1000

#: The trajectory figure draws at most this many points (every k-th frame).
TRAJECTORY_POINTS = 5000


def envelope(t: np.ndarray, y: np.ndarray, bins: int = TRACE_BINS) -> tuple[np.ndarray, np.ndarray]:
    """A trace reduced to its minimum and maximum per time bin, in time order (NaN bins stay gaps).

    Traces of up to ``2 * bins`` samples are returned unchanged.
    """
    t, y = np.asarray(t, float), np.asarray(y, float)
    if len(y) <= 2 * bins:
        return t, y
    k = int(np.ceil(len(y) / bins))
    m = len(y) // k * k
    head = y[:m].reshape(-1, k)
    tail = y[m:]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bins: NaN, a gap in the line
        lo = np.r_[np.nanmin(head, axis=1), [np.nanmin(tail)] if len(tail) else []]
        hi = np.r_[np.nanmax(head, axis=1), [np.nanmax(tail)] if len(tail) else []]
    starts = np.r_[t[:m:k], [t[m]] if len(tail) else []]
    ends = np.r_[t[k - 1 : m : k], [t[-1]] if len(tail) else []]
    tt = np.c_[starts, ends].ravel()
    yy = np.c_[lo, hi].ravel()
    return tt, yy


def _spans(t: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """``(start, width)`` in time of each run of True (for ``broken_barh``)."""
    m = np.r_[False, np.asarray(mask, bool), False].astype(np.int8)
    d = np.diff(m)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
    dt = float(t[1] - t[0]) if len(t) > 1 else 1.0
    return [(float(t[a]) - dt / 2, float(t[b] - t[a]) + dt) for a, b in zip(starts, ends, strict=True)]


def _outlines(geometry: Any) -> list[np.ndarray]:
    """The exterior rings of a (multi)polygon, as ``(n, 2)`` arrays."""
    parts = getattr(geometry, "geoms", [geometry])
    return [np.asarray(p.exterior.coords) for p in parts if not p.is_empty]


#: Colours of the custom zones, in turn.
ZONE_COLORS = ("tab:cyan", "tab:green", "tab:purple", "tab:pink", "tab:olive", "tab:brown")


def _draw_zones(ax: Any, zone_list: list[zones.Zone], fill: bool) -> tuple[float, float, float, float]:
    """Draw the floor, the centre (filled), the corners (dotted) and each custom zone (named); the floor's bounds."""
    by_name = {z.name: z for z in zone_list}
    floor = by_name[zones.CENTER].geometry.union(by_name[zones.BORDER].geometry)
    for ring in _outlines(floor):
        ax.plot(ring[:, 0], ring[:, 1], color="black" if fill else "white", lw=2)  # white over the heat map
    for ring in _outlines(by_name[zones.CENTER].geometry):
        ax.add_patch(PolygonPatch(ring, closed=True, fill=fill, alpha=0.12 if fill else 0.9, fc="tab:orange",
                                  ec="tab:orange", lw=1.5, ls="--", label="centre zone"))
    corners = [z for z in zone_list if z.name in zones.CORNERS]
    for k, z in enumerate(corners):
        for ring in _outlines(z.geometry):
            ax.add_patch(PolygonPatch(ring, closed=True, fill=False, ec="0.45", lw=1, ls=":",
                                      label="corner zones" if k == 0 else None))
    custom = [z for z in zone_list if z.name not in zones.DEFAULT_NAMES]
    for k, z in enumerate(custom):
        color = ZONE_COLORS[k % len(ZONE_COLORS)]
        for ring in _outlines(z.geometry):
            ax.add_patch(PolygonPatch(ring, closed=True, fill=fill, alpha=0.15 if fill else 0.9, fc=color, ec=color,
                                      lw=1.5, label=z.name))
        p = z.geometry.representative_point()
        ax.annotate(z.name, (p.x, p.y), color=color, fontsize=8, ha="center", va="center")
    return floor.bounds


def _arena_axes(ax: Any, arena_size_cm: tuple[float, float] | None, center_fraction: float,
                fill: bool = True, zone_list: list[zones.Zone] | None = None) -> None:
    if zone_list:
        x0, y0, x1, y1 = _draw_zones(ax, zone_list, fill)
        pad = 0.05 * max(x1 - x0, y1 - y0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y1 + pad, y0 - pad)  # y down, as in the image
    elif arena_size_cm is not None:
        w, h = arena_size_cm
        ax.add_patch(Rectangle((0, 0), w, h, fill=False, lw=2, ec="black"))
        x0, x1, y0, y1 = zones.center_bounds(arena_size_cm, center_fraction)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=fill, alpha=0.12 if fill else 0.9,
                               fc="tab:orange", ec="tab:orange", lw=1.5, ls="--", label="centre zone"))
        pad = 0.05 * max(w, h)
        ax.set_xlim(-pad, w + pad)
        ax.set_ylim(h + pad, -pad)  # y down, as in the image
    else:
        ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.set_xlabel("x (cm)")
    ax.set_ylabel("y (cm)")


def trajectory_figure(
    frames: pd.DataFrame,
    arena_size_cm: tuple[float, float] | None,
    center_fraction: float = 0.5,
    title: str = "",
    zone_list: list[zones.Zone] | None = None,
) -> Any:
    """Path of the reference point over the arena, coloured by time, with the zones.

    ``zone_list`` (:func:`openfield.arena.zones.arena_zones`; a result's
    ``attrs["zones"]`` through :func:`openfield.arena.zones.from_records`): the
    floor of any shape, the centre, the corners and every custom zone,
    named; None: the rectangle of ``arena_size_cm`` and its centre.
    """
    fig, ax = plt.subplots(figsize=(6, 6))
    _arena_axes(ax, arena_size_cm, center_fraction, zone_list=zone_list)
    step = max(1, int(np.ceil(len(frames) / TRAJECTORY_POINTS)))
    x, y, t = (frames[c].to_numpy(float)[::step] for c in ("x_cm", "y_cm", "time_s"))
    ax.plot(x, y, color="0.6", lw=0.6, zorder=1)
    sc = ax.scatter(x, y, c=t, s=2, cmap="viridis", zorder=2, rasterized=True)
    fig.colorbar(sc, ax=ax, label="time (s)", shrink=0.8)
    ax.set_title(title or "Trajectory")
    if arena_size_cm is not None or zone_list:
        ax.legend(loc="upper right", fontsize=8)
    return fig


def occupancy_s(
    frames: pd.DataFrame,
    arena_size_cm: tuple[float, float] | None,
    fps: float,
    bin_cm: float = 2.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds spent in each ``bin_cm`` square: a 2-D histogram of the tracked frames.

    Each frame weighs its duration: ``1 / fps``, or, when the table's
    ``time_s`` are uneven (a variable-frame-rate video,
    :func:`openfield.timebase.uneven_times`), the time until the next frame
    (:func:`openfield.timebase.frame_durations`). So the squares add up to
    the time the animal was tracked.

    Returns
    -------
    seconds : numpy.ndarray
        ``(nx, ny)`` seconds per square (x first, as ``numpy.histogram2d``).
    x_edges, y_edges : numpy.ndarray
        The squares' edges (cm): the arena's floor, else the track's extent.
    """
    xy_all = frames[["x_cm", "y_cm"]].to_numpy(float)
    tracked = ~np.isnan(xy_all).any(axis=1)
    xy = xy_all[tracked]
    times = timebase.uneven_times(frames["time_s"]) if "time_s" in frames else None
    if arena_size_cm is not None:
        w, h = arena_size_cm
        xr_, yr_ = (0, w), (0, h)
    else:
        xr_ = (np.nanmin(xy[:, 0]), np.nanmax(xy[:, 0])) if len(xy) else (0, 1)
        yr_ = (np.nanmin(xy[:, 1]), np.nanmax(xy[:, 1])) if len(xy) else (0, 1)
    nx = max(1, int(np.ceil((xr_[1] - xr_[0]) / bin_cm)))
    ny = max(1, int(np.ceil((yr_[1] - yr_[0]) / bin_cm)))
    if times is None:  # a constant rate: frame counts / fps, as always
        counts, xe, ye = np.histogram2d(xy[:, 0], xy[:, 1], bins=[nx, ny], range=[xr_, yr_])
        return counts / fps, xe, ye
    weights = timebase.frame_durations(times)[tracked]
    return np.histogram2d(xy[:, 0], xy[:, 1], bins=[nx, ny], range=[xr_, yr_], weights=weights)


def heatmap_figure(
    frames: pd.DataFrame,
    arena_size_cm: tuple[float, float] | None,
    fps: float,
    bin_cm: float = 2.0,
    center_fraction: float = 0.5,
    title: str = "",
    zone_list: list[zones.Zone] | None = None,
) -> Any:
    """Occupancy: seconds spent in each ``bin_cm`` square (:func:`occupancy_s`), zones outlined (see
    :func:`trajectory_figure`)."""
    seconds, xe, ye = occupancy_s(frames, arena_size_cm, fps, bin_cm)
    fig, ax = plt.subplots(figsize=(6, 6))
    im = ax.imshow(seconds.T, origin="upper", extent=(xe[0], xe[-1], ye[-1], ye[0]),
                   cmap="magma", interpolation="nearest")
    fig.colorbar(im, ax=ax, label=f"time per {bin_cm:g} cm bin (s)", shrink=0.8)
    _arena_axes(ax, arena_size_cm, center_fraction, fill=False, zone_list=zone_list)
    ax.set_title(title or "Occupancy")
    return fig


def speed_figure(frames: pd.DataFrame, title: str = "", bouts: pd.DataFrame | None = None) -> Any:
    """Speed and acceleration over time, with moving periods (or, given ``bouts``, the bouts) shaded.

    Parameters
    ----------
    frames
        Per-frame table.
    title
        Figure title.
    bouts
        Per-bout table (``start_s``, ``end_s``): each bout shaded, two
        alternating shades so that bouts split at an arrest stay apart.
    """
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
    t = frames["time_s"].to_numpy(float)
    ax1.plot(*envelope(t, frames["speed_cm_s"].to_numpy(float)), lw=0.8, color="tab:blue")
    if bouts is not None:
        spans = [(float(a), float(b - a)) for a, b in zip(bouts["start_s"], bouts["end_s"], strict=True)]
        for k, alpha in ((0, 0.15), (1, 0.3)):
            ax1.broken_barh(spans[k::2], (0, 1), transform=ax1.get_xaxis_transform(), color="tab:green",
                            alpha=alpha, lw=0, label=f"{len(spans)} locomotor bouts" if k == 0 else None)
    else:
        ax1.broken_barh(_spans(t, frames["moving"].to_numpy(bool)), (0, 1), transform=ax1.get_xaxis_transform(),
                        color="tab:green", alpha=0.12, lw=0, label="moving")
    ax1.set_ylabel("speed (cm/s)")
    ax1.legend(loc="upper right", fontsize=8)
    tt, acc = envelope(t, frames["acceleration_cm_s2"].to_numpy(float))
    ax2.plot(tt, acc, lw=0.6, color="0.3")
    # the positive and negative parts clipped at 0, one polygon each: an envelope swings across 0 in every
    # bin, and `where=` would make a polygon per swing (thousands, ~0.2 s to build and draw)
    ax2.fill_between(tt, 0, np.maximum(acc, 0), color="tab:red", alpha=0.4, label="acceleration")
    ax2.fill_between(tt, 0, np.minimum(acc, 0), color="tab:blue", alpha=0.4, label="deceleration")
    ax2.axhline(0, color="black", lw=0.5)
    ax2.set_ylabel("acceleration (cm/s²)")
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="upper right", fontsize=8)
    ax1.set_title(title or "Speed and acceleration")
    return fig


def plain_text(text: object) -> str:
    """A name (a video's, a group's) as matplotlib shows it literally: each ``$`` escaped (no mathtext).

    Matplotlib reads the text between two ``$`` as math: ``cage$1_$`` would
    be parsed, and fail, as TeX. Escaped, it is drawn as typed.
    """
    return str(text).replace("$", r"\$")


def kinematics_figures(ds: Any, title: str = "") -> dict[str, Any]:
    """Trajectory, heat map, speed and bout figures of :func:`openfield.kinematics.analyze_pose`'s result.

    ``title`` (the video's name) is drawn as plain text (:func:`plain_text`).

    Returns
    -------
    dict
        ``trajectory``, ``heatmap``, ``speed`` (bouts shaded) and ``bouts``
        (peak speed against mean acceleration, a point per bout) ->
        matplotlib figure (the pipeline saves them as
        ``<stem>_<name>.png``; close them when done).
    """
    frames = frames_table(ds)
    table = bout_table(ds)
    arena = ds.attrs.get("arena_size_cm")
    arena = None if arena is None else tuple(arena)
    frac = float(ds.attrs.get("center_fraction", 0.5))
    zone_list = zones.from_records(ds.attrs.get("zones") or []) or None
    title = plain_text(title)
    return {
        "trajectory": trajectory_figure(frames, arena, frac, title, zone_list=zone_list),
        "heatmap": heatmap_figure(frames, arena, float(ds.attrs["fps"]), center_fraction=frac, title=title,
                                  zone_list=zone_list),
        "speed": speed_figure(frames, title, bouts=table),
        "bout_acceleration": plot_bouts(table, title=f"{title}: {len(table)} locomotor bouts" if title else None),
    }
