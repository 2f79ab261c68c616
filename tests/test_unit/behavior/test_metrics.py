"""Precision, recall, F1 and confusion against hand-computed answers (the one metrics module)."""

from __future__ import annotations

import numpy as np
import pytest

from openfield.behavior import metrics as bm
from openfield.errors import OpenfieldError


def test_evaluate_frames_hand_made_f1():
    ref = np.array(["r"] * 4 + ["o"] * 6, dtype=object)
    pred = np.array(["r", "r", "r", "o", "r", "r", "o", "o", "o", "o"], dtype=object)
    rater2 = np.array(["r"] * 4 + ["o"] * 5 + ["r"], dtype=object)
    table = bm.evaluate_frames(pred, {"A": ref, "B": rater2}, classes=["r", "g", "o"])
    row = table[(table["reference"] == "A") & (table["class"] == "r")].iloc[0]
    # TP 3, FP 2, FN 1: precision 3/5, recall 3/4, F1 = 2*3/(2*3+2+1) = 6/9
    assert row["kind"] == "prediction"
    assert row["precision"] == pytest.approx(0.6)
    assert row["recall"] == pytest.approx(0.75)
    assert row["f1"] == pytest.approx(6 / 9)
    assert row["n_reference"] == 4 and row["n_compared"] == 5
    # nobody scored g: undefined, not 0 or 1
    g = table[(table["reference"] == "A") & (table["class"] == "g")].iloc[0]
    assert np.isnan(g["f1"])
    # the human ceiling: A vs B on r: TP 4, FP 1, FN 0 -> 8/9
    hum = table[(table["kind"] == "rater-vs-rater") & (table["class"] == "r")]
    assert len(hum) == 1 and hum.iloc[0]["f1"] == pytest.approx(8 / 9)


def test_evaluate_frames_length_mismatch():
    with pytest.raises(OpenfieldError, match="different lengths"):
        bm.evaluate_frames(np.array(["r"] * 3), {"A": np.array(["r"] * 4)}, ["r"])


def test_metrics_known_answer():
    y_true = ["a", "a", "a", "a", "b", "b", "c", "c", "c", "c"]
    y_pred = ["a", "a", "a", "b", "b", "c", "c", "c", "c", "a"]
    m = bm.classification_metrics(y_true, y_pred, ["a", "b", "c"])
    t = m["per_class"].set_index("class")
    # a: 3 of 4 predicted a are right (precision 3/4), 3 of 4 true a found (recall 3/4)
    assert t.loc["a", "precision"] == pytest.approx(0.75) and t.loc["a", "recall"] == pytest.approx(0.75)
    # b: predicted twice, once right; 1 of 2 found
    assert t.loc["b", "precision"] == pytest.approx(0.5) and t.loc["b", "recall"] == pytest.approx(0.5)
    # c: predicted 4 times, 3 right; 3 of 4 found
    assert t.loc["c", "f1"] == pytest.approx(0.75)
    assert m["macro_f1"] == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    assert m["balanced_accuracy"] == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    assert m["accuracy"] == pytest.approx(0.7)
    np.testing.assert_array_equal(m["confusion"].to_numpy(), [[3, 1, 0], [0, 1, 1], [1, 0, 3]])
    assert t["support"].tolist() == [4, 2, 4]
