"""The settings fingerprint and the per-video step records, on small files."""

import json
import os

from openfield.pipeline import STATE_DIR, Ledger, fingerprint


def test_fingerprint_follows_settings_inputs_and_sources(tmp_path):
    src = tmp_path / "video.mp4"
    src.write_bytes(b"frames")
    base = fingerprint("kinematics", {"center_fraction": 0.5}, inputs=["pose-fp"], sources=[src])
    assert base == fingerprint("kinematics", {"center_fraction": 0.5}, inputs=["pose-fp"], sources=[src])
    assert base != fingerprint("kinematics", {"center_fraction": 0.3}, inputs=["pose-fp"], sources=[src])
    assert base != fingerprint("kinematics", {"center_fraction": 0.5}, inputs=["other-pose"], sources=[src])
    assert base != fingerprint("plots", {"center_fraction": 0.5}, inputs=["pose-fp"], sources=[src])
    st = src.stat()
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # the video was replaced
    assert base != fingerprint("kinematics", {"center_fraction": 0.5}, inputs=["pose-fp"], sources=[src])
    # a missing source is a state of its own, not an error (the step that reads it says what is wrong)
    assert fingerprint("pose", {}, sources=[tmp_path / "nope.yaml"]) != fingerprint("pose", {})


def test_ledger_records_and_decides(tmp_path):
    out = tmp_path / "out"
    ledger = Ledger(out, "mouse")
    assert ledger.current("pose", "fp1") is None  # never run
    (out / "mouse_pose.csv").parent.mkdir()
    (out / "mouse_pose.csv").write_text("x")
    ledger.record("pose", "fp1", {"pose": out / "mouse_pose.csv"}, {"n": 3})
    assert ledger.ran == ["pose"]
    saved = json.loads((out / STATE_DIR / "mouse.json").read_text())
    assert saved["steps"]["pose"]["outputs"] == {"pose": "mouse_pose.csv"}
    again = Ledger(out, "mouse")  # a new run reads the record back
    assert again.current("pose", "fp1")["values"] == {"n": 3}
    assert again.output("pose", "pose") == out / "mouse_pose.csv"
    assert again.current("pose", "fp2") is None  # settings changed
    assert Ledger(out, "mouse", overwrite=True).current("pose", "fp1") is None  # forced
    (out / "mouse_pose.csv").unlink()
    assert Ledger(out, "mouse").current("pose", "fp1") is None  # an output is missing
    (out / STATE_DIR / "mouse.json").write_text("{not json")
    assert Ledger(out, "mouse").records == {}  # an unreadable record redoes everything
