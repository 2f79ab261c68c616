"""Known-answer tests of the behaviour timeline: intervals -> frames, bouts, totals, probabilities -> labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior import labels as lb
from openfield.behavior import timeline as tl
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy


def _labels(rows, rater="r1"):
    df = pd.DataFrame(rows, columns=["start_s", "end_s", "behavior"])
    df["rater"] = rater
    return lb.labels_from_frame(df, source="labels.csv")


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


def test_frames_between_uses_the_centre_rule():
    assert tl.frames_between(0.26, 0.54, fps=10, n_frames=10) == slice(3, 5)
    assert tl.frames_between(60.0, None, fps=25, n_frames=1998) == slice(1500, 1998)
    assert tl.frames_between(100.0, None, fps=25, n_frames=1998) == slice(1998, 1998)


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


# --------------------------------------------------------------------------- probabilities -> timeline


def test_smooth_probabilities_known_values():
    p = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    s = tl.smooth_probabilities(p, fps=10, window_s=0.3)  # 3-frame centred window
    np.testing.assert_allclose(s[:, 0], [1 / 2, 2 / 3, 2 / 3, 2 / 3, 1 / 2])
    np.testing.assert_allclose(s.sum(axis=1), 1)
    np.testing.assert_array_equal(tl.smooth_probabilities(p, 10, 0.0), p)
    s4 = tl.smooth_probabilities(p, fps=10, window_s=0.4)  # 4 frames -> made odd: 5
    np.testing.assert_allclose(s4[2, 0], 3 / 5)
    with pytest.raises(OpenfieldError, match="window"):
        tl.smooth_probabilities(p, 10, -1)


def test_hold_probabilities():
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(tl.hold_probabilities(p, 3, 5)[:, 0], [1, 1, 1, 0, 0])


CLASSES = ["grooming", "normal", "rearing"]


def _onehot(labels, high=0.8):
    low = (1 - high) / (len(CLASSES) - 1)
    p = np.full((len(labels), len(CLASSES)), low)
    p[np.arange(len(labels)), [CLASSES.index(x) for x in labels]] = high
    return p


def test_known_probability_sequence_gives_known_bouts_and_totals():
    fps = 10.0
    labels = ["normal"] * 10 + ["rearing"] * 15 + ["normal"] * 5 + ["grooming"] * 20
    labels[17] = "grooming"  # a one-frame flicker: removed by the 0.3 s window
    labels[40:42] = ["rearing", "rearing"]  # a 0.2 s bout: survives the window, removed by min_bout_s
    timeline = tl.behavior_timeline(_onehot(labels), CLASSES, fps, min_bout_s=0.5, window_s=0.3)
    bouts = timeline.bouts()
    assert bouts.behavior.tolist() == ["normal", "rearing", "normal", "grooming"]
    np.testing.assert_allclose(bouts.start_s, [0.0, 1.0, 2.5, 3.0])
    np.testing.assert_allclose(bouts.end_s, [1.0, 2.5, 3.0, 5.0])
    np.testing.assert_allclose(bouts.duration_s, [1.0, 1.5, 0.5, 2.0])
    s = timeline.summary("syn", {"file": "syn.avi"})
    assert list(s)[:4] == ["file", "video", "fps", "min_bout_s"]
    assert s["time_rearing_s"] == pytest.approx(1.5) and s["bouts_rearing"] == 1 and s["latency_rearing_s"] == 1.0
    assert s["time_grooming_s"] == pytest.approx(2.0) and s["bouts_grooming"] == 1
    assert s["latency_grooming_s"] == pytest.approx(3.0) and s["duration_s"] == pytest.approx(5.0)
    assert "time_normal_s" not in s  # the background is not a behaviour
    per_frame = timeline.per_frame()
    assert per_frame.columns.tolist() == ["frame", "time_s", "label", "p_grooming", "p_normal", "p_rearing"]
    np.testing.assert_allclose(per_frame.time_s, np.arange(50) / fps)
    # the totals equal what the per-frame table counts
    assert (per_frame.label == "rearing").sum() / fps == pytest.approx(s["time_rearing_s"])
    # the stored probabilities are the smoothed ones: frame 17 is rearing after the 3-frame window
    assert per_frame.loc[17, "p_rearing"] == pytest.approx((0.8 + 0.1 + 0.8) / 3)


def _pose(n: int, fps: float) -> object:
    """A pose Dataset of ``n`` frames (three points at rest)."""
    return from_numpy(np.zeros((n, 3, 2)), None, ["head", "body", "tail"], fps=fps, source_file="m1_pose.csv")


def test_behavior_as_variables_of_the_recordings_dataset_on_its_time_axis():
    timeline = tl.behavior_timeline(_onehot(["normal"] * 4 + ["rearing"] * 6), CLASSES, 5.0, min_bout_s=0.0)
    pose = _pose(10, 5.0)
    ds = tl.add_behavior(pose, timeline, model="m.joblib")
    np.testing.assert_allclose(ds["time"], pose["time"])  # the pose's own axis: the two share it
    assert "position" in ds and ds["behavior"].dims == ("time",)
    assert ds["behavior"].values.tolist() == ["normal"] * 4 + ["rearing"] * 6
    assert ds["behavior_probability"].dims == ("time", "behavior_class")
    assert ds["behavior_probability"].sel(behavior_class="rearing").values[-1] == pytest.approx(0.8)
    attrs = ds["behavior"].attrs
    assert attrs["classes"] == CLASSES and attrs["behaviors"] == ["grooming", "rearing"]
    assert (attrs["fps"], attrs["min_bout_s"], attrs["model"]) == (5.0, 0.0, "m.joblib")
    assert "behavior" not in pose  # a new Dataset
    back = tl.timeline_from_dataset(ds)
    pd.testing.assert_frame_equal(back.per_frame(), timeline.per_frame())
    assert pd.Series(back.summary("v")).equals(pd.Series(timeline.summary("v")))  # NaN latency included
    # added again: replaced, not doubled
    again = tl.add_behavior(ds, tl.behavior_timeline(_onehot(["rearing"] * 10), CLASSES, 5.0, 0.0))
    assert again["behavior"].values.tolist() == ["rearing"] * 10 and again.sizes["behavior_class"] == 3


def test_behavior_dataset_keeps_a_trial_window_and_refuses_another_length():
    timeline = tl.behavior_timeline(_onehot(["normal"] * 4 + ["rearing"] * 6), CLASSES, 5.0, min_bout_s=0.0)
    part = timeline.window(2, 8)
    back = tl.timeline_from_dataset(tl.add_behavior(_pose(10, 5.0).isel(time=slice(2, 8)), part))
    pd.testing.assert_frame_equal(back.per_frame(), part.per_frame())
    assert back.per_frame()["frame"].tolist() == list(range(2, 8))
    with pytest.raises(OpenfieldError, match="behaviour has 10 frames, the recording 9"):
        tl.add_behavior(_pose(9, 5.0), timeline)
    with pytest.raises(OpenfieldError, match="no behaviour"):
        tl.timeline_from_dataset(_pose(9, 5.0))


def test_behavior_timeline_bad_settings():
    p = _onehot(["normal"] * 4)
    for fps in (0, -1, float("nan")):
        with pytest.raises(OpenfieldError, match="fps"):
            tl.behavior_timeline(p, CLASSES, fps, 0.0)
    with pytest.raises(OpenfieldError, match="minimum bout"):
        tl.behavior_timeline(p, CLASSES, 10.0, -0.1)


# --------------------------------------------------------------------------- a variable frame rate


def _alternating(n: int = 301) -> np.ndarray:
    """Frame times 20 and 40 ms apart by turns: frame i lasts 20 ms when even, 40 ms when odd (the last
    one, even, the median 30 ms)."""
    return np.r_[0.0, np.cumsum(np.where(np.arange(n - 1) % 2 == 0, 0.02, 0.04))]


def test_variable_frame_rate_bouts_and_totals_at_the_real_times():
    t = _alternating()
    labels = np.where(np.arange(len(t)) % 2 == 1, "rearing", "normal")  # rearing in the 40-ms frames
    timeline = tl.behavior_timeline(_onehot(labels), CLASSES, 25.0, min_bout_s=0.0, times_s=t + 3.0)
    assert timeline.fps == pytest.approx(1 / 0.03)  # the median rate replaces the one given
    s = timeline.summary("vfr")
    assert s["duration_s"] == pytest.approx(150 * 0.02 + 150 * 0.04 + 0.03)
    assert s["time_rearing_s"] == pytest.approx(150 * 0.04)  # 2/3 of every 60 ms
    assert s["fraction_rearing"] == pytest.approx(6.0 / 9.03)
    assert s["latency_rearing_s"] == pytest.approx(0.02) and s["bouts_rearing"] == 150
    assert abs(150 / timeline.fps - s["time_rearing_s"]) > 1.4  # frame counts / fps: 4.5 s
    bouts = timeline.bouts()
    np.testing.assert_allclose(bouts["start_s"][:4], [0.0, 0.02, 0.06, 0.08])
    np.testing.assert_allclose(bouts["end_s"][:4], [0.02, 0.06, 0.08, 0.12])
    assert bouts["end_s"].iloc[-1] == pytest.approx(9.03)
    assert bouts["duration_s"].sum() == pytest.approx(s["duration_s"])
    np.testing.assert_allclose(timeline.per_frame()["time_s"], t)  # made to start at 0
    ds = tl.add_behavior(_pose(len(t), 25.0), timeline)
    np.testing.assert_allclose(ds["behavior_time_s"], t)
    np.testing.assert_allclose(tl.timeline_from_dataset(ds).bouts()["end_s"], bouts["end_s"])


def test_variable_frame_rate_min_bout_in_seconds():
    t = _alternating(41)
    # frames 11-13 (40, 20, 40 ms: 0.1 s) and 24-26 (20, 40, 20 ms: 0.08 s): 3 frames each
    labels = np.array(["normal"] * 41, dtype=object)
    labels[11:14] = labels[24:27] = "rearing"
    out = tl.smooth_labels(labels, 1 / 0.03, 0.1, times_s=t)
    assert np.flatnonzero(out == "rearing").tolist() == [11, 12, 13]  # the 0.1-s bout kept, the 0.08-s one not
    # the frame count at the median rate (3 frames x 30 ms = 0.09 s) would drop both
    assert not (tl.smooth_labels(labels, 1 / 0.03, 0.1) == "rearing").any()


def test_variable_frame_rate_times_must_fit():
    p = _onehot(["normal"] * 4)
    with pytest.raises(OpenfieldError, match="3 frame times for 4 frames"):
        tl.behavior_timeline(p, CLASSES, 25.0, 0.0, times_s=[0.0, 0.02, 0.06])
    with pytest.raises(OpenfieldError, match="do not increase"):
        tl.behavior_timeline(p, CLASSES, 25.0, 0.0, times_s=[0.0, 0.02, 0.02, 0.06])
