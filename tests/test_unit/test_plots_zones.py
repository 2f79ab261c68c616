"""The zones drawn on the trajectory and heat map: every zone where it is, named."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from openfield import plots
from openfield.arena import zones


def _frames(n=300, fps=30.0):
    t = np.arange(n) / fps
    return pd.DataFrame({"time_s": t, "x_cm": 20 + 10 * np.cos(t), "y_cm": 20 + 10 * np.sin(t)})


def _patch_rings(ax):
    return {p.get_label(): np.asarray(p.get_xy()) for p in ax.patches}


@pytest.mark.parametrize("kind", ["trajectory", "heatmap"])
def test_round_arena_and_custom_zones_are_drawn_in_place(kind):
    custom = zones.to_cm(zones.parse({"zones": [
        {"name": "object", "shape": "circle", "center": [30, 12], "radius": 4},
        {"name": "quadrant", "shape": "polygon", "points": [[0, 20], [20, 20], [20, 40], [0, 40]]}]}))
    zl = zones.arena_zones("circle", (40, 40), 0.5, custom=custom)
    frames = _frames()
    fig = (plots.trajectory_figure(frames, (40, 40), zone_list=zl) if kind == "trajectory"
           else plots.heatmap_figure(frames, (40, 40), 30.0, zone_list=zl))
    ax = fig.axes[0]
    rings = _patch_rings(ax)
    assert {"centre zone", "object", "quadrant"} <= set(rings)
    r_centre = np.hypot(*(rings["centre zone"] - 20).T)
    assert np.allclose(r_centre, 10, atol=1e-6)  # diameter 0.5 x 40, centred on (20, 20)
    assert np.allclose(np.hypot(*(rings["object"] - [30, 12]).T), 4, atol=1e-6)
    (floor,) = [np.c_[ln.get_xdata(), ln.get_ydata()] for ln in ax.lines if ln.get_linewidth() == 2]
    assert np.allclose(np.hypot(*(floor - 20).T), 20, atol=1e-6)  # the round wall, not a square
    assert {t.get_text() for t in ax.texts} >= {"object", "quadrant"}
    plt.close(fig)


def test_rectangle_draws_the_corners():
    zl = zones.arena_zones("rectangle", (40, 40), 0.5, corner_cm=5)
    fig = plots.trajectory_figure(_frames(), (40, 40), zone_list=zl)
    corners = [np.asarray(p.get_xy()) for p in fig.axes[0].patches if p.get_linestyle() == ":"]
    assert len(corners) == 4
    assert sorted((c.min(axis=0).tolist(), c.max(axis=0).tolist()) for c in corners)[0] == ([0, 0], [5, 5])
    plt.close(fig)
