"""``openfield behavior pose-predict`` and ``openfield run --behavior-model`` share one prediction step
(:func:`openfield.pipeline.steps.behavior_predict.pose_behavior_step`), resumed through the ledger: a re-run does no
work (the pose reader monkeypatched to fail), a changed option or input, a deleted output and --overwrite redo it.

The pose classifier is the tiny one of test_run_behavior_pose (trained in a second on a synthetic pose)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from test_run_behavior_pose import FPS, labelled_pose, train_model

import openfield.overlay
from openfield import synthetic
from openfield.behavior import outputs
from openfield.behavior.timeline import behavior_timeline
from openfield.cli import main
from openfield.io.calibration import read_calibration
from openfield.io.pose import read_dlc, write_dlc_csv
from openfield.io.video import video_info
from openfield.pipeline import Ledger
from openfield.pipeline.steps import behavior_predict as bpredict
from openfield.pipeline.steps import frame_times_file


def _touch_later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


class Reads:
    """Counts the step's pose reads (the work starts there); ``forbid``: a read fails the test."""

    def __init__(self, monkeypatch):
        self.n, self.forbid = 0, False
        monkeypatch.setattr(bpredict, "read_dlc", self)

    def __call__(self, *args, **kwargs):
        if self.forbid:
            raise AssertionError("the prediction ran though its record is up to date")
        self.n += 1
        return read_dlc(*args, **kwargs)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("video")
    return synthetic.render_video(folder, "mouse", fps=FPS, duration_s=3, image_size=(320, 240), seed=5).video


def test_pose_predict_resumes(video, tmp_path, monkeypatch):
    model = train_model(tmp_path / "m.joblib")
    ds, _ = labelled_pose(("head", "body", "tail"), n=video_info(video).n_frames, seed=2)
    pose = write_dlc_csv(ds, tmp_path / "mouse.csv")
    out = tmp_path / "out"
    args = ["behavior", "pose-predict", str(pose), "--model", str(model), "--fps", str(FPS), "-o", str(out)]
    reads = Reads(monkeypatch)
    assert main(args) == 0 and reads.n == 1
    # the outputs are the classifier's timeline (nothing else in between)
    loaded = outputs.load_pose_model(model)
    expected = behavior_timeline(loaded.predict_proba(read_dlc(pose, fps=FPS)), loaded.classes, FPS,
                                 loaded.min_bout_s)
    written = pd.read_csv(out / "mouse_behavior.csv")
    assert written["label"].tolist() == list(expected.labels)
    np.testing.assert_allclose(written[[f"p_{c}" for c in loaded.classes]].to_numpy(), expected.probabilities,
                               rtol=1e-12)
    summary = (out / "behavior_summary.csv").read_bytes()
    assert pd.read_csv(out / "behavior_summary.csv")["file"].tolist() == ["mouse.csv"]

    reads.forbid = True
    assert main(args) == 0  # the same: skipped, the summary table written from the recorded row
    assert (out / "behavior_summary.csv").read_bytes() == summary
    reads.forbid = False
    assert main([*args, "--min-bout-s", "0.3"]) == 0 and reads.n == 2  # an option changed
    assert main([*args, "--min-bout-s", "0.3"]) == 0 and reads.n == 2
    (out / "mouse_ethogram.png").unlink()  # an output deleted
    assert main([*args, "--min-bout-s", "0.3"]) == 0 and reads.n == 3
    assert main([*args, "--min-bout-s", "0.3", "--overwrite"]) == 0 and reads.n == 4
    _touch_later(pose)  # the pose file replaced
    assert main([*args, "--min-bout-s", "0.3"]) == 0 and reads.n == 5
    _touch_later(model)  # the model retrained
    assert main([*args, "--min-bout-s", "0.3"]) == 0 and reads.n == 6
    assert main(args) == 0 and reads.n == 7
    assert (out / "behavior_summary.csv").read_bytes() == summary  # back to the first settings: the same table

    # the labelled video: a step of its own, redone when the behaviour is
    drawn = []
    real = openfield.overlay.write_labeled_video

    def counting(*a, **k):
        drawn.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(openfield.overlay, "write_labeled_video", counting)
    labelled = [*args, "--labeled-video", str(video)]
    assert main(labelled) == 0 and len(drawn) == 1 and reads.n == 7  # the behaviour kept, the video drawn
    assert main(labelled) == 0 and len(drawn) == 1
    assert main([*labelled, "--min-bout-s", "0.3"]) == 0 and len(drawn) == 2 and reads.n == 8
    assert (out / "mouse_labeled.mp4").stat().st_size > 0


def test_the_run_and_the_command_share_the_step(video, tmp_path, monkeypatch):
    """After `openfield run --behavior-model`, the shared step given the run's pose, calibration and frame rate
    finds its record up to date: the run's behaviour step and the command's are one step."""
    model = train_model(tmp_path / "m.joblib")
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), "--arena-size-cm", "40", "40", "--behavior-model",
                 str(model)]) == 0
    ledger = Ledger(out, "mouse")
    reads = Reads(monkeypatch)
    reads.forbid = True
    fp, values = bpredict.pose_behavior_step(
        ledger, model, ledger.output("pose", "pose"), ledger.records["pose"]["fingerprint"],
        ledger.records["kinematics"]["values"]["fps"], summary_extra={"file": video.name},
        calibration=read_calibration(ledger.output("calibration", "calibration")),
        cal_fp=ledger.records["calibration"]["fingerprint"], frame_times=frame_times_file(ledger))
    assert fp == ledger.records["behavior"]["fingerprint"]
    assert values == ledger.records["behavior"]["values"]
