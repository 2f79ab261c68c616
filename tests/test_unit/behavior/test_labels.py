"""Known-answer tests of behaviour labels: reading interval files, name mapping, majority of raters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import labels as lb
from openfield.errors import OpenfieldError


def _labels(rows, rater="r1"):
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "behavior"])
    df["rater"] = rater
    return lb.labels_from_frame(df, source="labels.csv")


def test_read_interval_labels_maps_default_names(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(
        "ID,rater,start_s,end_s,behavior\n"
        "a,Jin,0.0,1.0,Start/End\n"
        "a,Jin,1.0,2.0,Supported\n"
        "a,Jin,2.0,3.0,Unsupported\n"
        "a,Ann,0.5,1.5,Rearing_wall\n"
        "a,Ann,3.0,4.0,grooming\n"
        "a,Ann,0.0,0.1,_DEFAULT\n"
        "a,Ann,4.0,4.5,StartEnd\n"
        "a,Ann,5.0,6.0,other\n"
    )
    df = lb.read_interval_labels(path)
    assert list(df.columns) == ["start_s", "end_s", "behavior", "rater", "label"]
    assert df.attrs["source_file"] == str(path)
    got = sorted(zip(df["rater"], df["start_s"], df["behavior"], strict=True))
    assert got == [
        ("Ann", 0.5, "rearing"),
        ("Ann", 3.0, "grooming"),
        ("Ann", 5.0, "other"),
        ("Jin", 1.0, "rearing"),
        ("Jin", 2.0, "rearing"),
    ]


def test_read_interval_labels_without_rater_uses_file_stem(tmp_path):
    path = tmp_path / "scorer_b.csv"
    path.write_text("start_s,end_s,behavior\n1,2,Supported\n")
    assert lb.read_interval_labels(path)["rater"].tolist() == ["scorer_b"]


def test_unknown_names_are_all_listed(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("start_s,end_s,behavior\n1,2,Sniffing\n3,4,Supported\n5,6,Digging\n7,8,Sniffing\n")
    with pytest.raises(OpenfieldError) as exc:
        lb.read_interval_labels(path)
    msg = str(exc.value)
    assert str(path) in msg and "['Digging', 'Sniffing']" in msg
    # explicit mapping or "unknown=other" accept them
    df = lb.read_interval_labels(path, mapping={"sniffing": "other", "Digging": None})
    assert df["behavior"].tolist() == ["other", "rearing", "other"]
    df = lb.read_interval_labels(path, unknown="other")
    assert df["behavior"].tolist() == ["other", "rearing", "other", "other"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start,end_s,behavior\n1,2,Supported\n", "missing column(s) start_s"),
        ("start_s,end_s,behavior\n3,2,Supported\n", "end before they start"),
        ("start_s,end_s,behavior\n1,x,Supported\n", "non-numeric"),
        ("start_s,end_s,behavior\n1,2,StartEnd\n", "no behaviour intervals"),
        ("", "empty"),
    ],
)
def test_bad_label_files_name_the_file_and_problem(tmp_path, text, expected):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(OpenfieldError) as exc:
        lb.read_interval_labels(path)
    assert str(path) in str(exc.value) and expected in str(exc.value)


def test_labels_of_several_recordings_in_one_file_are_refused(tmp_path):
    path = tmp_path / "all.csv"
    path.write_text("ID,start_s,end_s,behavior\nOFT_38,1,2,Supported\nOFT_39,1,2,Supported\n")
    with pytest.raises(OpenfieldError, match="holds 2 recordings"):
        lb.read_interval_labels(path)


def test_missing_label_file(tmp_path):
    with pytest.raises(OpenfieldError, match="label file not found"):
        lb.read_interval_labels(tmp_path / "nope.csv")


def test_majority_vote_three_raters():
    per = {
        "a": np.array(["r", "r", "g", "o", "o"], dtype=object),
        "b": np.array(["r", "o", "g", "g", "o"], dtype=object),
        "c": np.array(["o", "o", "r", "g", "r"], dtype=object),
    }
    assert lb.majority_vote(per).tolist() == ["r", "o", "g", "g", "o"]


def test_majority_vote_ties():
    per = {"a": np.array(["r", "o", "g"], dtype=object), "b": np.array(["o", "r", "g"], dtype=object)}
    assert lb.majority_vote(per).tolist() == ["r", "o", "g"]  # first rater wins ties
    assert lb.majority_vote(per, tie="o").tolist() == ["o", "o", "g"]
    per3 = {**per, "c": np.array(["g", "g", "r"], dtype=object)}
    assert lb.majority_vote(per3).tolist() == ["r", "o", "g"]


def test_parse_label_map():
    assert lb.parse_label_map(["Sniff=other", " Start = IGNORE "]) == {"Sniff": "other", "Start": None}
    for bad in ("Sniff", "=other", "Sniff="):
        with pytest.raises(OpenfieldError, match="NAME=CLASS"):
            lb.parse_label_map([bad])


def test_background_and_behaviours_of_a_class_list():
    assert lb.default_behaviors(["rearing", "grooming", "normal"]) == ["rearing", "grooming"]
    assert lb.background_class(["rearing", "grooming", "normal"]) == "normal"
    assert lb.background_class(["rearing", "grooming"]) == "other"


def test_model_classes_from_the_labels():
    """Default names keep today's classes; a lab's own names become the classes, in order, then other."""
    from openfield.behavior.labels import model_classes

    assert model_classes(["rearing", "other"]) == ["rearing", "grooming", "other"]
    assert model_classes(["grooming", "rearing", "none"]) == ["rearing", "grooming", "other"]
    assert model_classes(["supported_rearing", "other", "unsupported_rearing", "supported_rearing", "grooming"]) == [
        "supported_rearing", "unsupported_rearing", "grooming", "other"]
    assert model_classes(["freezing"]) == ["freezing", "other"]
    with pytest.raises(OpenfieldError, match="'sniff it'.*letters, digits and _") as exc:
        model_classes(["sniff it"], "labels.csv")
    assert "labels.csv" in str(exc.value)
    with pytest.raises(OpenfieldError, match="clash with the kinematics column time_center_s"):
        model_classes(["center"])
