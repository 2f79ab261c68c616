"""Whole-video prediction: smoothing and bout arithmetic with known answers, streaming, re-runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from vit_synthetic import toy_frame, write_video

from openfield.behavior.video import (
    hold_probabilities,
    predict_video,
    smooth_probabilities,
    write_video_outputs,
)
from openfield.errors import OpenfieldError

CLASSES = ["grooming", "normal", "rearing"]


def _onehot(labels, high=0.8):
    low = (1 - high) / (len(CLASSES) - 1)
    p = np.full((len(labels), len(CLASSES)), low)
    p[np.arange(len(labels)), [CLASSES.index(x) for x in labels]] = high
    return p


def test_smooth_probabilities_known_values():
    p = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    s = smooth_probabilities(p, fps=10, window_s=0.3)  # 3-frame centred window
    np.testing.assert_allclose(s[:, 0], [1 / 2, 2 / 3, 2 / 3, 2 / 3, 1 / 2])
    np.testing.assert_allclose(s.sum(axis=1), 1)
    np.testing.assert_array_equal(smooth_probabilities(p, 10, 0.0), p)
    s4 = smooth_probabilities(p, fps=10, window_s=0.4)  # 4 frames -> made odd: 5
    np.testing.assert_allclose(s4[2, 0], 3 / 5)
    with pytest.raises(OpenfieldError, match="window"):
        smooth_probabilities(p, 10, -1)


def test_hold_probabilities():
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(hold_probabilities(p, 3, 5)[:, 0], [1, 1, 1, 0, 0])


def test_known_probability_sequence_gives_known_bouts(tmp_path):
    fps = 10.0
    labels = ["normal"] * 10 + ["rearing"] * 15 + ["normal"] * 5 + ["grooming"] * 20
    labels[17] = "grooming"  # a one-frame flicker: removed by the 0.3 s window
    labels[40:42] = ["rearing", "rearing"]  # a 0.2 s bout: survives the window, removed by min_bout_s
    paths = write_video_outputs(tmp_path, "syn", _onehot(labels), CLASSES, fps, window_s=0.3, min_bout_s=0.5)
    bouts = pd.read_csv(paths["bouts"])
    assert bouts.behavior.tolist() == ["normal", "rearing", "normal", "grooming"]
    np.testing.assert_allclose(bouts.start_s, [0.0, 1.0, 2.5, 3.0])
    np.testing.assert_allclose(bouts.end_s, [1.0, 2.5, 3.0, 5.0])
    np.testing.assert_allclose(bouts.duration_s, [1.0, 1.5, 0.5, 2.0])
    s = pd.read_csv(paths["summary"]).iloc[0]
    assert s.time_rearing_s == pytest.approx(1.5) and s.bouts_rearing == 1 and s.latency_rearing_s == 1.0
    assert s.time_grooming_s == pytest.approx(2.0) and s.bouts_grooming == 1
    assert s.latency_grooming_s == pytest.approx(3.0) and s.duration_s == pytest.approx(5.0)
    per_frame = pd.read_csv(paths["behavior"])
    assert per_frame.columns.tolist() == ["frame", "time_s", "label", "p_grooming", "p_normal", "p_rearing"]
    np.testing.assert_allclose(per_frame.time_s, np.arange(50) / fps, atol=1e-6)
    assert paths["ethogram"].stat().st_size > 0


def _segment_video(path, segments, fps=10.0, seed=0):
    rng = np.random.default_rng(seed)
    frames = [toy_frame(label, rng) for label, n in segments for _ in range(n)]
    return write_video(path, frames, fps)


def test_predict_video_end_to_end(toy_model, tmp_path):
    video = _segment_video(tmp_path / "clip.avi", [("normal", 10), ("rearing", 12), ("normal", 6), ("grooming", 8)])
    out = tmp_path / "out"
    r = predict_video(video, toy_model["model"], out, min_bout_s=0.3, window_s=0.0, batch_size=5,
                      device="cpu", progress=False)
    assert r["n_frames"] == 36 and r["fps"] == pytest.approx(10.0)
    bouts = pd.read_csv(out / "clip_bouts.csv")
    assert bouts.behavior.tolist() == ["normal", "rearing", "normal", "grooming"]
    np.testing.assert_allclose(bouts.start_s, [0.0, 1.0, 2.2, 2.8], atol=1e-6)
    np.testing.assert_allclose(bouts.end_s, [1.0, 2.2, 2.8, 3.6], atol=1e-6)
    assert r["time_rearing_s"] == pytest.approx(1.2) and r["bouts_rearing"] == 1
    assert r["latency_grooming_s"] == pytest.approx(2.8) and r["time_grooming_s"] == pytest.approx(0.8)
    per_frame = pd.read_csv(out / "clip_behavior.csv")
    assert len(per_frame) == 36 and per_frame.frame.tolist() == list(range(36))
    # a re-run with the same settings is skipped; the marker records it
    mtime = (out / "clip_behavior.csv").stat().st_mtime_ns
    again = predict_video(video, toy_model["model"], out, min_bout_s=0.3, window_s=0.0, progress=False)
    assert (out / "clip_behavior.csv").stat().st_mtime_ns == mtime and again["time_rearing_s"] == r["time_rearing_s"]
    assert json.loads((out / "clip_vit_predict.json").read_text())["n_frames"] == 36
    summary = pd.read_csv(out / "clip_behavior_summary.csv")
    assert summary.columns[:2].tolist() == ["file", "video"] and summary.file[0] == "clip.avi"


def test_predict_every_nth_and_first_frames(toy_model, tmp_path):
    video = _segment_video(tmp_path / "clip.avi", [("normal", 10), ("rearing", 10)])
    r = predict_video(video, toy_model["model"], tmp_path / "a", every=5, window_s=0, min_bout_s=0,
                      device="cpu", progress=False)
    assert r["timing"]["n_classified"] == 4 and r["n_frames"] == 20
    assert r["time_rearing_s"] == pytest.approx(1.0)
    r = predict_video(video, toy_model["model"], tmp_path / "b", max_frames=12, window_s=0, min_bout_s=0,
                      device="cpu", progress=False)
    assert r["n_frames"] == 12 and r["time_rearing_s"] == pytest.approx(0.2)


def test_predict_bad_inputs(toy_model, tmp_path):
    video = _segment_video(tmp_path / "c.avi", [("normal", 3)])
    with pytest.raises(OpenfieldError, match="no_model: model folder not found"):
        predict_video(video, tmp_path / "no_model", tmp_path)
    with pytest.raises(OpenfieldError, match="video not found"):
        predict_video(tmp_path / "missing.mp4", toy_model["model"], tmp_path)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(OpenfieldError, match="bad.mp4: cannot open as a video"):
        predict_video(bad, toy_model["model"], tmp_path, progress=False)


def test_pose_centres_place_the_crops(tmp_path):
    from vit_synthetic import mouse_frame

    from openfield.behavior.crops import Cropper, CropSettings
    from openfield.behavior.dataset import pose_centres
    from openfield.behavior.video import _frame_batches
    from openfield.io.pose import from_numpy, write_dlc_csv

    video = write_video(tmp_path / "m.avi", [mouse_frame((60, 80), (20, 30), radius=6)] * 4, 10.0)
    # pose: frames 0-1 put the animal at (60, 40) (snout and tail base around it), frames 2-3 unknown
    pos = np.full((4, 2, 2), np.nan)
    pos[:2, 0], pos[:2, 1] = (55, 40), (65, 40)
    write_dlc_csv(from_numpy(pos, np.where(np.isnan(pos[..., 0]), 0.0, 0.9), ["snout", "tailbase"], fps=10.0),
                  tmp_path / "m.csv")
    centres = pose_centres(tmp_path / "m.csv")
    np.testing.assert_allclose(centres[:2], [[60, 40], [60, 40]])
    assert np.isnan(centres[2:]).all()
    crops = [c for batch, _ in _frame_batches(video, Cropper(CropSettings(size_px=10)), 8, 1, None, centres)
             for c in batch]
    assert len(crops) == 4
    assert crops[0][5, 5, 0] > 150 and crops[1][5, 5, 0] > 150  # floor at the pose centre
    assert crops[2][5, 5, 0] < 100 and crops[3][5, 5, 0] < 100  # no pose: the detector finds the disc
