"""Whole-video prediction: known bouts from a synthetic video, streaming, the files, re-runs of the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from vit_synthetic import toy_frame, write_video

from openfield.behavior.video import classify_video, predict_video
from openfield.cli import main
from openfield.errors import OpenfieldError


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
    record = json.loads((out / "clip_vit_predict.json").read_text())
    assert record["n_frames"] == 36 and record["key"]["min_bout_s"] == 0.3
    summary = pd.read_csv(out / "clip_behavior_summary.csv")
    assert summary.columns[:2].tolist() == ["file", "video"] and summary.file[0] == "clip.avi"
    # the pure part gives the same timeline without writing anything
    found = classify_video(video, toy_model["model"], min_bout_s=0.3, window_s=0.0, batch_size=7,
                           device="cpu", progress=False)
    assert found.timeline.labels.tolist() == per_frame.label.tolist()
    assert found.timeline.totals()["time_rearing_s"] == pytest.approx(1.2)


def test_predict_command_skips_finished_videos_and_redoes_changed_ones(toy_model, tmp_path, capsys):
    video = _segment_video(tmp_path / "clip.avi", [("normal", 6), ("rearing", 6)])
    out = tmp_path / "out"
    args = ["behavior", "predict", str(video), "--model", str(toy_model["model"]), "-o", str(out),
            "--device", "cpu", "--window-s", "0"]
    assert main(args) == 0
    per_frame = out / "clip_behavior.csv"
    first = per_frame.stat().st_mtime_ns
    assert main(args) == 0  # same settings: skipped
    assert per_frame.stat().st_mtime_ns == first
    assert "1.2 s analysed" in capsys.readouterr().out
    assert main([*args, "--min-bout-s", "0.2"]) == 0  # an option changed: redone
    second = per_frame.stat().st_mtime_ns
    assert second != first
    assert main([*args, "--min-bout-s", "0.2", "--overwrite"]) == 0  # forced
    assert per_frame.stat().st_mtime_ns != second
    # a direct call always computes (whether to run is the caller's decision)
    before = per_frame.stat().st_mtime_ns
    predict_video(video, toy_model["model"], out, min_bout_s=0.2, window_s=0, device="cpu", progress=False)
    assert per_frame.stat().st_mtime_ns != before


def test_predict_every_nth_and_first_frames(toy_model, tmp_path):
    video = _segment_video(tmp_path / "clip.avi", [("normal", 10), ("rearing", 10)])
    r = predict_video(video, toy_model["model"], tmp_path / "a", every=5, window_s=0, min_bout_s=0,
                      device="cpu", progress=False)
    assert r["timing"]["n_classified"] == 4 and r["n_frames"] == 20
    assert r["time_rearing_s"] == pytest.approx(1.0)
    r = predict_video(video, toy_model["model"], tmp_path / "b", max_frames=12, window_s=0, min_bout_s=0,
                      device="cpu", progress=False)
    assert r["n_frames"] == 12 and r["time_rearing_s"] == pytest.approx(0.2)


def test_predict_on_the_frame_times_of_a_variable_frame_rate(toy_model, tmp_path, caplog):
    video = _segment_video(tmp_path / "clip.avi", [("normal", 10), ("rearing", 10)])
    t = np.r_[0.0, np.cumsum(np.where(np.arange(19) % 2 == 0, 0.02, 0.04))]  # 20 and 40 ms by turns
    r = predict_video(video, toy_model["model"], tmp_path / "a", window_s=0, min_bout_s=0, device="cpu",
                      progress=False, times_s=t)
    # frames 10-19: 5 x 20 ms + 4 x 40 ms + the last, the median 20 ms; from frame 10, at 0.3 s
    assert r["time_rearing_s"] == pytest.approx(0.28) and r["latency_rearing_s"] == pytest.approx(0.30)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "a" / "clip_behavior.csv")["time_s"], t)
    first = predict_video(video, toy_model["model"], tmp_path / "b", max_frames=12, window_s=0, min_bout_s=0,
                          device="cpu", progress=False, times_s=t)  # the times of the frames classified
    assert first["time_rearing_s"] == pytest.approx(0.02 + 0.02)  # frames 10 and 11; the last: the median
    short = predict_video(video, toy_model["model"], tmp_path / "c", window_s=0, min_bout_s=0, device="cpu",
                          progress=False, times_s=t[:15])
    assert short["time_rearing_s"] == pytest.approx(1.0) and "15 frame times for 20 frames" in caplog.text


def test_predict_bad_inputs(toy_model, tmp_path):
    video = _segment_video(tmp_path / "c.avi", [("normal", 3)])
    with pytest.raises(OpenfieldError, match="no_model: model folder not found"):
        predict_video(video, tmp_path / "no_model", tmp_path)
    with pytest.raises(OpenfieldError, match="must be >= 0"):
        classify_video(video, toy_model["model"], min_bout_s=-1)
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
    from openfield.io.video import VideoReader

    video = write_video(tmp_path / "m.avi", [mouse_frame((60, 80), (20, 30), radius=6)] * 4, 10.0)
    # pose: frames 0-1 put the animal at (60, 40) (snout and tail base around it), frames 2-3 unknown
    pos = np.full((4, 2, 2), np.nan)
    pos[:2, 0], pos[:2, 1] = (55, 40), (65, 40)
    write_dlc_csv(from_numpy(pos, np.where(np.isnan(pos[..., 0]), 0.0, 0.9), ["snout", "tailbase"], fps=10.0),
                  tmp_path / "m.csv")
    centres = pose_centres(tmp_path / "m.csv")
    np.testing.assert_allclose(centres[:2], [[60, 40], [60, 40]])
    assert np.isnan(centres[2:]).all()
    crops = [c for batch, _ in _frame_batches(VideoReader(video), Cropper(CropSettings(size_px=10)), 8, 1, centres)
             for c in batch]
    assert len(crops) == 4
    assert crops[0][5, 5, 0] > 150 and crops[1][5, 5, 0] > 150  # floor at the pose centre
    assert crops[2][5, 5, 0] < 100 and crops[3][5, 5, 0] < 100  # no pose: the detector finds the disc
