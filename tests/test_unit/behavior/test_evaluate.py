"""A per-frame prediction scored against raters (what `openfield behavior evaluate` does), without files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import labels as lb
from openfield.behavior.evaluate import evaluate_prediction, prediction_classes
from openfield.errors import OpenfieldError


def _prediction(classes=("rearing", "grooming", "normal"), n=50):
    prob = np.tile([0.1, 0.1, 0.8], (n, 1))
    prob[10:20] = [0.8, 0.1, 0.1]  # rearing 1.0-2.0 s at 10 fps
    table = pd.DataFrame({"frame": np.arange(n), "time_s": np.arange(n) / 10.0})
    table["label"] = np.asarray(classes, dtype=object)[prob.argmax(axis=1)]
    for i, c in enumerate(classes):
        table[f"p_{c}"] = prob[:, i]
    return table


def _raters(text, mapping=None):
    rows = [line.split(",") for line in text.strip().splitlines()]
    return lb.labels_from_frame(pd.DataFrame(rows[1:], columns=rows[0]), source="labels.csv", mapping=mapping)


def test_prediction_against_two_raters_and_their_majority():
    labels = _raters("rater,start_s,end_s,behavior\nA,1.0,2.0,Supported\nA,3,4,other\nB,1.5,2.5,Supported\n")
    table = evaluate_prediction(_prediction(), 10.0, labels)
    assert prediction_classes(_prediction()) == ["rearing", "grooming", "normal"]
    f1 = table[(table["class"] == "rearing") & (table["kind"] == "prediction")].set_index("reference")["f1"]
    assert f1["A"] == pytest.approx(1.0)
    assert f1["B"] == pytest.approx(0.5)  # TP 5, FP 5, FN 5
    # majority of two raters, ties to the background: rearing only where both say so, 1.5-2.0 s
    assert f1["majority"] == pytest.approx(2 * 5 / (2 * 5 + 5))
    human = table[(table["class"] == "rearing") & (table["kind"] == "rater-vs-rater")]
    assert len(human) == 1 and human["f1"].iloc[0] == pytest.approx(0.5)
    assert set(table["class"]) == {"rearing", "grooming", "normal"}


def test_only_frames_of_the_span_are_scored():
    labels = _raters("rater,start_s,end_s,behavior\nA,1.0,2.0,Supported\n")
    table = evaluate_prediction(_prediction(), 10.0, labels, start_s=1.5)
    row = table[(table["class"] == "rearing")].iloc[0]
    assert row["n_frames"] == 35 and row["n_reference"] == 5 and row["f1"] == pytest.approx(1.0)
    with pytest.raises(OpenfieldError, match="no frames between 9.0 s"):
        evaluate_prediction(_prediction(), 10.0, labels, start_s=9.0)


def test_label_classes_the_prediction_lacks_are_refused():
    labels = _raters("start_s,end_s,behavior,rater\n1,2,Supported,A\n3,4,digging,A\n", {"digging": "digging"})
    with pytest.raises(OpenfieldError, match=r"labels.csv: the labels have classes \['digging'\]"):
        evaluate_prediction(_prediction(), 10.0, labels)
