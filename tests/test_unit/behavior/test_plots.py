"""Behaviour figures: what each draws is checked against the data it was given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import metrics as bm
from openfield.behavior import plots as bplots


def test_ethogram_draws_each_bout_where_it_is():
    fps = 10.0
    labels = np.array(["other"] * 5 + ["rearing"] * 10 + ["other"] * 5 + ["grooming"] * 4, dtype=object)
    rater = np.array(["other"] * 6 + ["rearing"] * 9 + ["other"] * 9, dtype=object)
    fig = bplots.plot_ethogram(labels, fps, ["rearing", "grooming", "other"], references={"Ann": rater})
    ax = fig.axes[0]
    # one bar collection per (row, behaviour) present: prediction rearing, prediction grooming, Ann rearing
    spans = sorted(
        (round(float(x), 6), round(float(w), 6), round(float(y), 6))
        for coll in ax.collections
        for path in coll.get_paths()
        for (x, y), w in [(path.vertices.min(axis=0), np.ptp(path.vertices[:, 0]))]
    )
    assert spans == [(0.5, 1.0, -0.4), (0.6, 0.9, 0.6), (2.0, 0.4, -0.4)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["prediction", "Ann"]
    assert ax.get_xlim() == (0.0, 2.4)


def test_evaluation_bars_are_the_f1_of_the_table():
    ref = np.array(["r"] * 4 + ["o"] * 6, dtype=object)
    pred = np.array(["r", "r", "r", "o", "r", "r", "o", "o", "o", "o"], dtype=object)
    table = bm.evaluate_frames(pred, {"A": ref}, classes=["r", "o"])
    fig = bplots.plot_evaluation(table)
    assert len(fig.axes) == 2
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == [table.loc[table["class"] == "r", "f1"].iloc[0]]


def test_confusion_figure_writes_the_counts():
    confusion = pd.DataFrame([[3, 1], [0, 2]], index=pd.Index(["a", "b"], name="true"), columns=["a", "b"])
    fig = bplots.plot_confusion(confusion, "t")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["3", "1", "0", "2"]


def test_ethogram_of_a_variable_frame_rate_at_the_real_times():
    t = np.r_[0.0, np.cumsum(np.where(np.arange(9) % 2 == 0, 0.02, 0.04))]  # 10 frames, 20/40 ms by turns
    labels = np.array(["other"] * 3 + ["rearing"] * 4 + ["other"] * 3, dtype=object)
    fig = bplots.plot_ethogram(labels, 1 / 0.03, ["rearing", "other"], np.zeros((10, 2)), times_s=t)
    ax = fig.axes[0]
    (path,) = [p for c in ax.collections for p in c.get_paths()]
    # frames 3-6: from frame 3 (0.08 s) to frame 7 (0.20 s)
    assert path.vertices[:, 0].min() == pytest.approx(0.08) and path.vertices[:, 0].max() == pytest.approx(0.20)
    assert ax.get_xlim()[1] == pytest.approx(0.28)  # to the end of the last frame: 0.26 s + the median 20 ms
    np.testing.assert_allclose(fig.axes[1].lines[0].get_xdata(), t)
