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


def test_speed_figure_of_an_hour_draws_every_extreme_and_one_fill_per_sign():
    """The decimated traces (an hour at 30 fps) keep the full traces' maximum and minimum, spikes included;
    acceleration and deceleration are one polygon each (the envelope crosses 0 in every bin)."""
    rng = np.random.default_rng(3)
    n = 108_000
    t = np.arange(n) / 30.0
    speed = np.abs(rng.normal(5, 3, n))
    speed[54_321] = 90.0  # a one-frame spike
    speed[[100, 90_000]] = [0.0, 0.0]
    acc = rng.normal(0, 20, n)
    acc[[7, 77_777]] = [-700.0, 650.0]
    acc[1000:1500] = np.nan  # untracked: a gap
    frames = pd.DataFrame({"time_s": t, "speed_cm_s": speed, "acceleration_cm_s2": acc, "moving": speed > 2})
    fig = plots.speed_figure(frames)
    ax1, ax2 = fig.axes[:2]
    (line,) = ax1.lines
    drawn = np.asarray(line.get_ydata(), float)
    assert len(drawn) <= 2 * (plots.TRACE_BINS + 1) < n
    assert np.nanmax(drawn) == 90.0 and np.nanmin(drawn) == 0.0
    acc_drawn = np.asarray(ax2.lines[0].get_ydata(), float)
    assert np.nanmax(acc_drawn) == 650.0 and np.nanmin(acc_drawn) == -700.0
    assert np.isnan(acc_drawn).any()  # the gap stays a gap
    up, down = ax2.collections
    assert [c.get_label() for c in (up, down)] == ["acceleration", "deceleration"]
    up_y = np.concatenate([p.vertices[:, 1] for p in up.get_paths()])
    down_y = np.concatenate([p.vertices[:, 1] for p in down.get_paths()])
    assert up_y.min() == 0.0 and up_y.max() == 650.0
    assert down_y.max() == 0.0 and down_y.min() == -700.0
    assert len(up.get_paths()) == len(down.get_paths()) == 2  # before and after the gap
    plt.close(fig)


def _two_squares(times):
    """The animal in the square (1, 1) cm at even frames, (5, 1) at odd ones, in a 10 x 4 cm arena."""
    n = len(times)
    odd = np.arange(n) % 2 == 1
    return pd.DataFrame({"time_s": times, "x_cm": np.where(odd, 5.0, 1.0), "y_cm": np.full(n, 1.0)}), odd


def test_heat_map_weighs_each_frame_by_its_duration_at_a_variable_frame_rate():
    # frames 20 and 40 ms apart by turns: the odd (40-ms) frames hold 6 of the 9.03 s
    t = np.r_[0.0, np.cumsum(np.where(np.arange(300) % 2 == 0, 0.02, 0.04))]
    frames, _ = _two_squares(t)
    frames.loc[10, "x_cm"] = np.nan  # an untracked frame (20 ms) counts nowhere
    fps = 1 / 0.03
    seconds, xe, ye = plots.occupancy_s(frames, (10.0, 4.0), fps, bin_cm=2.0)
    assert seconds.shape == (5, 2) and xe.tolist() == [0, 2, 4, 6, 8, 10]
    assert seconds[0, 0] == pytest.approx(150 * 0.02 + 0.03 - 0.02)  # even frames, the last one 30 ms
    assert seconds[2, 0] == pytest.approx(150 * 0.04)  # odd frames
    assert seconds.sum() == pytest.approx(9.03 - 0.02)
    assert abs(150 / fps - seconds[2, 0]) > 1.4  # frame counts / fps: 4.5 s, wrong
    fig = plots.heatmap_figure(frames, (10.0, 4.0), fps)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), seconds.T)
    plt.close("all")


def test_heat_map_of_a_constant_rate_is_frame_counts_over_fps():
    fps = 30.0
    frames, odd = _two_squares(np.round(np.arange(301) / fps, 4))  # as the per-frame table is written
    seconds, _, _ = plots.occupancy_s(frames, (10.0, 4.0), fps)
    counts, _, _ = np.histogram2d(frames["x_cm"], frames["y_cm"], bins=[5, 2], range=[(0, 10), (0, 4)])
    np.testing.assert_array_equal(seconds, counts / fps)  # bit for bit
    assert seconds[2, 0] == odd.sum() / fps and seconds.sum() == pytest.approx(301 / fps)


def test_kinematics_heat_map_of_a_variable_frame_rate_adds_up_to_the_duration():
    from openfield.calibration import Calibration
    from openfield.io import from_numpy
    from openfield.kinematics import analyze_pose, summarize

    rng = np.random.default_rng(2)
    t = np.r_[0.0, np.cumsum(rng.choice([0.02, 0.04], 599))]
    xy = np.c_[20 + 10 * np.cos(t), 20 + 10 * np.sin(t)]  # px = cm
    ds = analyze_pose(from_numpy(xy[:, None, :], np.ones((len(t), 1)), ["body"], fps=30.0),
                      Calibration(method="points", px_per_cm=1.0), fps=30.0, times_s=t)
    fig = plots.kinematics_figures(ds)["heatmap"]
    total = float(np.sum(fig.axes[0].images[0].get_array()))
    assert total == pytest.approx(summarize(ds)["duration_s"], abs=1e-9)
    assert abs(len(t) / summarize(ds)["fps"] - total) > 1.0  # frame counts / fps would not
    plt.close("all")
