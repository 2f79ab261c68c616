"""Known-answer tests of the behaviour timeline: labels -> frames, votes, bouts, totals, F1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import timeline as tl
from openfield.errors import OpenfieldError


def _labels(rows, rater="r1"):
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "behavior"])
    df["rater"] = rater
    return tl.labels_from_frame(df, source="labels.csv")


# --------------------------------------------------------------------------- reading labels


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
    df = tl.read_interval_labels(path)
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
    assert tl.read_interval_labels(path)["rater"].tolist() == ["scorer_b"]


def test_unknown_names_are_all_listed(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("start_s,end_s,behavior\n1,2,Sniffing\n3,4,Supported\n5,6,Digging\n7,8,Sniffing\n")
    with pytest.raises(OpenfieldError) as exc:
        tl.read_interval_labels(path)
    msg = str(exc.value)
    assert str(path) in msg and "['Digging', 'Sniffing']" in msg
    # explicit mapping or "unknown=other" accept them
    df = tl.read_interval_labels(path, mapping={"sniffing": "other", "Digging": None})
    assert df["behavior"].tolist() == ["other", "rearing", "other"]
    df = tl.read_interval_labels(path, unknown="other")
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
        tl.read_interval_labels(path)
    assert str(path) in str(exc.value) and expected in str(exc.value)


def test_labels_of_several_recordings_in_one_file_are_refused(tmp_path):
    path = tmp_path / "all.csv"
    path.write_text("ID,start_s,end_s,behavior\nOFT_38,1,2,Supported\nOFT_39,1,2,Supported\n")
    with pytest.raises(OpenfieldError, match="holds 2 recordings"):
        tl.read_interval_labels(path)


def test_missing_label_file(tmp_path):
    with pytest.raises(OpenfieldError, match="label file not found"):
        tl.read_interval_labels(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- frames


@pytest.mark.parametrize("fps", [10.0, 25.0, 29.97, 30.0])
def test_intervals_to_frames_centre_rule_at_any_fps(fps):
    start, end = 1.23, 2.71
    df = _labels([(start, end, "Supported")])
    frames = tl.intervals_to_frames(df, n_frames=int(4 * fps), fps=fps)["r1"]
    centres = (np.arange(len(frames)) + 0.5) / fps
    expected = np.where((centres >= start) & (centres < end), "rearing", "other")
    assert (frames == expected).all()
    # an interval of duration d labels round(d * fps) frames, within one
    assert abs((frames == "rearing").sum() - (end - start) * fps) <= 1


def test_intervals_to_frames_known_frames_at_non_integer_times():
    # fps 10: frame i covers [0.1 i, 0.1 i + 0.1), centre 0.1 i + 0.05
    df = _labels([(0.26, 0.54, "Supported"), (0.55, 0.7, "Grooming")])
    frames = tl.intervals_to_frames(df, n_frames=10, fps=10)["r1"]
    # rearing: centres 0.35, 0.45 inside [0.26, 0.54); 0.25 is not, 0.55 is not
    # grooming: centres 0.55, 0.65 inside [0.55, 0.70)
    assert frames.tolist() == ["other"] * 3 + ["rearing"] * 2 + ["grooming"] * 2 + ["other"] * 3


def test_exact_half_frame_goes_to_the_interval_starting_in_it():
    # 1.02 s * 25 fps = frame 25.5: frame 25's centre (1.02 s) is the start
    df = _labels([(1.02, 1.10, "Supported")])
    frames = tl.intervals_to_frames(df, n_frames=40, fps=25)["r1"]
    assert np.flatnonzero(frames == "rearing").tolist() == [25, 26]


def test_later_interval_wins_an_overlap_and_background_names_paint_background():
    df = _labels([(0.0, 0.6, "Supported"), (0.4, 0.8, "Grooming"), (0.1, 0.2, "other")])
    frames = tl.intervals_to_frames(df, n_frames=10, fps=10, background="normal")["r1"]
    assert frames.tolist() == ["rearing", "normal", "rearing", "rearing"] + ["grooming"] * 4 + ["normal"] * 2


def test_labels_past_the_end_error_or_crop():
    df = _labels([(1.0, 2.0, "Supported"), (9.0, 12.0, "Supported")])
    with pytest.raises(OpenfieldError) as exc:
        tl.intervals_to_frames(df, n_frames=50, fps=10)
    assert "labels.csv" in str(exc.value) and "past the end" in str(exc.value)
    frames = tl.intervals_to_frames(df, n_frames=50, fps=10, beyond_end="crop")["r1"]
    assert (frames == "rearing").sum() == 10


def test_fps_missing_is_an_error():
    df = _labels([(1.0, 2.0, "Supported")])
    for fps in (None, 0, -25):
        with pytest.raises(OpenfieldError, match="frame rate"):
            tl.intervals_to_frames(df, n_frames=50, fps=fps)


def test_several_raters_each_get_frames():
    df = pd.concat([_labels([(0.0, 0.3, "Supported")], "a"), _labels([(0.1, 0.5, "Supported")], "b")])
    per = tl.intervals_to_frames(df, n_frames=6, fps=10)
    assert per["a"].tolist() == ["rearing"] * 3 + ["other"] * 3
    assert per["b"].tolist() == ["other"] + ["rearing"] * 4 + ["other"]


# --------------------------------------------------------------------------- majority


def test_majority_vote_three_raters():
    per = {
        "a": np.array(["r", "r", "g", "o", "o"], dtype=object),
        "b": np.array(["r", "o", "g", "g", "o"], dtype=object),
        "c": np.array(["o", "o", "r", "g", "r"], dtype=object),
    }
    assert tl.majority_vote(per).tolist() == ["r", "o", "g", "g", "o"]


def test_majority_vote_ties():
    per = {"a": np.array(["r", "o", "g"], dtype=object), "b": np.array(["o", "r", "g"], dtype=object)}
    assert tl.majority_vote(per).tolist() == ["r", "o", "g"]  # first rater wins ties
    assert tl.majority_vote(per, tie="o").tolist() == ["o", "o", "g"]
    per3 = {**per, "c": np.array(["g", "g", "r"], dtype=object)}
    assert tl.majority_vote(per3).tolist() == ["r", "o", "g"]


# --------------------------------------------------------------------------- bouts


def _seq(spec):
    return np.array([lab for lab, n in spec for _ in range(n)], dtype=object)


def test_find_bouts_known_sequence():
    labels = _seq([("o", 3), ("r", 5), ("o", 2), ("g", 10)])
    b = tl.find_bouts(labels, fps=10)
    assert b["behavior"].tolist() == ["o", "r", "o", "g"]
    np.testing.assert_allclose(b["start_s"], [0.0, 0.3, 0.8, 1.0])
    np.testing.assert_allclose(b["end_s"], [0.3, 0.8, 1.0, 2.0])
    np.testing.assert_allclose(b["duration_s"], [0.3, 0.5, 0.2, 1.0])
    assert b["duration_s"].sum() == pytest.approx(len(labels) / 10)


def test_behavior_totals_known_sequence():
    labels = _seq([("o", 3), ("r", 5), ("o", 2), ("r", 4), ("o", 6)])
    tot = tl.behavior_totals(tl.find_bouts(labels, fps=2), duration_s=10.0, behaviors=["r", "g"])
    assert tot["time_r_s"] == pytest.approx(4.5)
    assert tot["bouts_r"] == 2
    assert tot["latency_r_s"] == pytest.approx(1.5)
    assert tot["fraction_r"] == pytest.approx(0.45)
    assert tot["time_g_s"] == 0 and tot["bouts_g"] == 0 and np.isnan(tot["latency_g_s"])


def test_smooth_labels_removes_short_bouts():
    # at 10 fps, min 0.3 s = 3 frames
    labels = _seq([("o", 5), ("r", 1), ("o", 4), ("r", 6), ("g", 2), ("r", 5), ("o", 2), ("g", 8)])
    out = tl.smooth_labels(labels, fps=10, min_bout_s=0.3)
    # the lone r joins its agreeing o neighbours; g (2) between r's becomes r;
    # then the o (2) between r (13) and g (8) joins the longer neighbour, r
    assert out.tolist() == _seq([("o", 10), ("r", 15), ("g", 8)]).tolist()
    assert len(out) == len(labels)
    assert tl.smooth_labels(labels, fps=10, min_bout_s=0).tolist() == labels.tolist()


def test_smooth_labels_edges_and_fps():
    labels = _seq([("r", 1), ("o", 20), ("g", 2)])
    assert tl.smooth_labels(labels, fps=25, min_bout_s=0.1).tolist() == ["o"] * 23
    # a bout exactly min_bout_s long is kept (3 frames at 30 fps = 0.1 s)
    labels = _seq([("o", 10), ("r", 3), ("o", 10)])
    assert (tl.smooth_labels(labels, fps=30, min_bout_s=0.1) == "r").sum() == 3


# --------------------------------------------------------------------------- evaluation


def test_evaluate_frames_hand_made_f1():
    ref = np.array(["r"] * 4 + ["o"] * 6, dtype=object)
    pred = np.array(["r", "r", "r", "o", "r", "r", "o", "o", "o", "o"], dtype=object)
    rater2 = np.array(["r"] * 4 + ["o"] * 5 + ["r"], dtype=object)
    table = tl.evaluate_frames(pred, {"A": ref, "B": rater2}, classes=["r", "g", "o"])
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
    fig = tl.plot_evaluation(table)
    assert len(fig.axes) == 3


def test_evaluate_frames_length_mismatch():
    with pytest.raises(OpenfieldError, match="different lengths"):
        tl.evaluate_frames(np.array(["r"] * 3), {"A": np.array(["r"] * 4)}, ["r"])


# --------------------------------------------------------------------------- outputs


def test_write_behavior_outputs_round_trip(tmp_path):
    fps = 10.0
    n = 50
    classes = ["rearing", "grooming", "normal"]
    truth = _seq([("normal", 12), ("rearing", 8), ("normal", 1), ("rearing", 9), ("grooming", 20)])
    prob = np.full((n, 3), 0.1)
    prob[np.arange(n), [classes.index(c) for c in truth]] = 0.8
    paths = tl.write_behavior_outputs(tmp_path, "vid", prob, classes, fps, min_bout_s=0.3)
    assert sorted(p.name for p in paths.values()) == [
        "vid_behavior.csv",
        "vid_behavior_summary.csv",
        "vid_bouts.csv",
        "vid_ethogram.png",
    ]
    per = pd.read_csv(paths["behavior"])
    assert list(per.columns) == ["frame", "time_s", "label", "p_rearing", "p_grooming", "p_normal"]
    np.testing.assert_allclose(per["time_s"], np.arange(n) / fps)
    # the 1-frame normal gap between two rearing bouts is smoothed away
    assert per["label"].tolist() == _seq([("normal", 12), ("rearing", 18), ("grooming", 20)]).tolist()
    bouts = pd.read_csv(paths["bouts"])
    assert list(bouts.columns) == ["behavior", "start_s", "end_s", "duration_s"]
    assert bouts["behavior"].tolist() == ["normal", "rearing", "grooming"]
    summary = pd.read_csv(paths["summary"])
    assert len(summary) == 1 and summary["video"].iloc[0] == "vid"
    assert summary["time_rearing_s"].iloc[0] == pytest.approx(1.8)
    assert summary["bouts_rearing"].iloc[0] == 1
    assert summary["latency_rearing_s"].iloc[0] == pytest.approx(1.2)
    assert summary["time_grooming_s"].iloc[0] == pytest.approx(2.0)
    assert "time_normal_s" not in summary.columns
    df, got_fps = tl.read_behavior_csv(paths["behavior"])
    assert got_fps == pytest.approx(fps)


def test_frames_between_uses_the_centre_rule():
    assert tl.frames_between(0.26, 0.54, fps=10, n_frames=10) == slice(3, 5)
    assert tl.frames_between(60.0, None, fps=25, n_frames=1998) == slice(1500, 1998)
    assert tl.frames_between(100.0, None, fps=25, n_frames=1998) == slice(1998, 1998)


def test_summary_extra_columns_come_first(tmp_path):
    prob = np.tile([0.9, 0.1], (20, 1))
    paths = tl.write_behavior_outputs(
        tmp_path, "m1", prob, ["rearing", "other"], 10.0, 0.0, summary_extra={"file": "m1.csv"}
    )
    summary = pd.read_csv(paths["summary"])
    assert list(summary.columns[:2]) == ["file", "video"] and summary["file"].iloc[0] == "m1.csv"
    assert summary["time_rearing_s"].iloc[0] == pytest.approx(2.0)
