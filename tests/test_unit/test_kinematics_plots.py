"""Plots of long recordings: decimated traces keep every extreme; the figures of a kinematics result."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from openfield import plots


def test_envelope_keeps_every_minimum_and_maximum():
    rng = np.random.default_rng(0)
    n = 108_001
    t = np.arange(n) / 30.0
    y = rng.normal(0, 1, n)
    y[5000:5300] = np.nan  # a gap longer than a bin stays a gap
    y[77_777] = 50.0
    tt, yy = plots.envelope(t, y, bins=1000)
    assert len(tt) == len(yy) <= 2 * 1001
    assert np.nanmax(yy) == 50.0 and np.nanmin(yy) == np.nanmin(y)
    k = int(np.ceil(n / 1000))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        lo = np.nanmin(y[:k * (n // k)].reshape(-1, k), axis=1)
    np.testing.assert_array_equal(yy[0::2][: len(lo)], lo)  # each bin's minimum, in time order
    assert np.all(np.diff(tt) >= 0)
    assert np.isnan(yy).any()
    short_t, short_y = plots.envelope(t[:100], y[:100], bins=1000)
    np.testing.assert_array_equal(short_y, y[:100])  # short traces unchanged


def test_speed_figure_shades_each_bout():
    t = np.arange(300) / 30.0
    frames = pd.DataFrame({"time_s": t, "speed_cm_s": np.abs(np.sin(t)) * 10,
                           "acceleration_cm_s2": np.cos(t), "moving": np.sin(t) > 0.2})
    bouts = pd.DataFrame({"start_s": [1.0, 4.0, 7.0], "end_s": [2.0, 5.5, 8.0]})
    fig = plots.speed_figure(frames, bouts=bouts)
    ax = fig.axes[0]
    assert len(ax.collections) == 2  # two shades, alternating
    assert [len(c.get_paths()) for c in ax.collections] == [2, 1]  # bouts 1 and 3, then bout 2
    assert "3 locomotor bouts" in [tx.get_text() for tx in ax.get_legend().get_texts()]
    moving = plots.speed_figure(frames)
    assert sum(len(c.get_paths()) for c in moving.axes[0].collections) == 2  # the two runs of moving frames
    plt.close("all")
