"""Plots people look at: trajectory with zones, occupancy heat map, speed and acceleration.

Each function takes a per-frame kinematics table and returns a matplotlib
figure (no display needed: matplotlib falls back to Agg without one, and
notebooks show the figures inline); :func:`kinematics_figures` makes the
three of a kinematics result. Saving them is the pipeline's job.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from openfield import zones


def _arena_axes(ax: Any, arena_size_cm: tuple[float, float] | None, center_fraction: float,
                fill: bool = True) -> None:
    if arena_size_cm is not None:
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
) -> Any:
    """Path of the reference point over the arena, coloured by time, with the zones."""
    fig, ax = plt.subplots(figsize=(6, 6))
    _arena_axes(ax, arena_size_cm, center_fraction)
    ax.plot(frames["x_cm"], frames["y_cm"], color="0.6", lw=0.6, zorder=1)
    sc = ax.scatter(frames["x_cm"], frames["y_cm"], c=frames["time_s"], s=2, cmap="viridis", zorder=2)
    fig.colorbar(sc, ax=ax, label="time (s)", shrink=0.8)
    ax.set_title(title or "Trajectory")
    if arena_size_cm is not None:
        ax.legend(loc="upper right", fontsize=8)
    return fig


def heatmap_figure(
    frames: pd.DataFrame,
    arena_size_cm: tuple[float, float] | None,
    fps: float,
    bin_cm: float = 2.0,
    center_fraction: float = 0.5,
    title: str = "",
) -> Any:
    """Occupancy: seconds spent in each ``bin_cm`` square."""
    xy = frames[["x_cm", "y_cm"]].dropna().to_numpy()
    if arena_size_cm is not None:
        w, h = arena_size_cm
        xr_, yr_ = (0, w), (0, h)
    else:
        xr_ = (np.nanmin(xy[:, 0]), np.nanmax(xy[:, 0])) if len(xy) else (0, 1)
        yr_ = (np.nanmin(xy[:, 1]), np.nanmax(xy[:, 1])) if len(xy) else (0, 1)
    nx = max(1, int(np.ceil((xr_[1] - xr_[0]) / bin_cm)))
    ny = max(1, int(np.ceil((yr_[1] - yr_[0]) / bin_cm)))
    counts, xe, ye = np.histogram2d(xy[:, 0], xy[:, 1], bins=[nx, ny], range=[xr_, yr_])
    fig, ax = plt.subplots(figsize=(6, 6))
    im = ax.imshow(counts.T / fps, origin="upper", extent=(xe[0], xe[-1], ye[-1], ye[0]),
                   cmap="magma", interpolation="nearest")
    fig.colorbar(im, ax=ax, label=f"time per {bin_cm:g} cm bin (s)", shrink=0.8)
    _arena_axes(ax, arena_size_cm, center_fraction, fill=False)
    ax.set_title(title or "Occupancy")
    return fig


def speed_figure(frames: pd.DataFrame, title: str = "") -> Any:
    """Speed and acceleration over time, with moving periods shaded."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
    t = frames["time_s"].to_numpy()
    ax1.plot(t, frames["speed_cm_s"], lw=0.8, color="tab:blue")
    moving = frames["moving"].to_numpy(bool)
    ax1.fill_between(t, 0, 1, where=moving, transform=ax1.get_xaxis_transform(), color="tab:green",
                     alpha=0.12, label="moving", step="mid")
    ax1.set_ylabel("speed (cm/s)")
    ax1.legend(loc="upper right", fontsize=8)
    acc = frames["acceleration_cm_s2"].to_numpy()
    ax2.plot(t, acc, lw=0.6, color="0.3")
    ax2.fill_between(t, 0, acc, where=acc > 0, color="tab:red", alpha=0.4, label="acceleration")
    ax2.fill_between(t, 0, acc, where=acc < 0, color="tab:blue", alpha=0.4, label="deceleration")
    ax2.axhline(0, color="black", lw=0.5)
    ax2.set_ylabel("acceleration (cm/s²)")
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="upper right", fontsize=8)
    ax1.set_title(title or "Speed and acceleration")
    return fig


def kinematics_figures(ds: Any, title: str = "") -> dict[str, Any]:
    """Trajectory, heat map and speed figures of :func:`openfield.kinematics.analyze_pose`'s result.

    Returns
    -------
    dict
        ``trajectory``, ``heatmap``, ``speed`` -> matplotlib figure (the
        pipeline saves them as ``<stem>_<name>.png``; close them when done).
    """
    from openfield.kinematics import frames_table

    frames = frames_table(ds)
    arena = ds.attrs.get("arena_size_cm")
    arena = None if arena is None else tuple(arena)
    frac = float(ds.attrs.get("center_fraction", 0.5))
    return {
        "trajectory": trajectory_figure(frames, arena, frac, title),
        "heatmap": heatmap_figure(frames, arena, float(ds.attrs["fps"]), center_fraction=frac, title=title),
        "speed": speed_figure(frames, title),
    }
