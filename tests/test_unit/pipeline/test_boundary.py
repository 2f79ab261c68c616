"""The per-input boundary and the outcome record (issue 22)."""

import json
import os

import pytest

from openfield.errors import OpenfieldError, OutputStorageError
from openfield.pipeline.boundary import error_log_path, guarded, one_line, record_outcome
from openfield.pipeline.ledger import STATE_DIR, Ledger, read_outcome, source_identity
from openfield.pipeline.run import without_own_outputs


def test_one_line_causes():
    assert one_line(OpenfieldError("bad thing", "/x/v.mp4")) == "bad thing"
    assert one_line(ValueError("first\n\n  second")) == "ValueError: first"
    assert one_line(MemoryError()) == "MemoryError"


def test_guarded_turns_any_exception_into_a_failure(tmp_path):
    assert guarded(lambda: 42, "v.mp4", tmp_path, "v") == (42, None)
    assert guarded(lambda: (_ for _ in ()).throw(OpenfieldError("no frames", "v.mp4")), "v.mp4", tmp_path,
                   "v") == (None, "no frames")

    def bug():
        return {}["missing"]

    result, cause = guarded(bug, "v.mp4", tmp_path, "v")
    assert result is None and cause.startswith("KeyError: 'missing' (unexpected error; traceback in ")
    text = error_log_path(tmp_path, "v").read_text()
    assert text.startswith("v.mp4\nTraceback") and "def bug" not in text and "bug" in text


def test_storage_errors_and_interrupts_still_stop_the_batch(tmp_path):
    with pytest.raises(OutputStorageError):
        guarded(lambda: (_ for _ in ()).throw(OutputStorageError("disk full", tmp_path)), "v", tmp_path, "v")
    with pytest.raises(KeyboardInterrupt):
        guarded(lambda: (_ for _ in ()).throw(KeyboardInterrupt()), "v", tmp_path, "v")


def test_outcome_is_kept_beside_the_steps(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x" * 10)
    ledger = Ledger(tmp_path, "v")
    ledger.record("pose", "fp1", {})
    record_outcome(tmp_path, "v", None, [video])
    out = read_outcome(tmp_path, "v")
    assert out["status"] == "done" and out["sources"] == [source_identity(video)]
    Ledger(tmp_path, "v").record("kinematics", "fp2", {})  # a later step keeps the outcome
    state = json.loads((tmp_path / STATE_DIR / "v.json").read_text())
    assert set(state["steps"]) == {"pose", "kinematics"} and state["outcome"]["status"] == "done"
    record_outcome(tmp_path, "v", "cannot open", [video])
    assert read_outcome(tmp_path, "v")["error"] == "cannot open"
    assert read_outcome(tmp_path, "nothing") is None


def test_a_run_never_takes_its_own_outputs(tmp_path):
    videos = [tmp_path / n for n in ("m.mp4", "m_labeled.mp4", "x_labeled.mp4", "other.avi")]
    for v in videos:
        v.write_bytes(b"v")
    Ledger(tmp_path, "other").record("labeled_video", "fp", {"labeled_video": tmp_path / "other.avi"})
    # -o elsewhere: only m_labeled (its video m is an input) is left out; x_labeled has no x: a user's video
    assert without_own_outputs(videos, tmp_path / "elsewhere") == [videos[0], videos[2], videos[3]]
    # -o this folder: its records name other.avi as an output, and *_labeled in it are the run's own
    assert without_own_outputs(videos, tmp_path) == [videos[0]]
    with pytest.raises(OpenfieldError, match="only video files given are outputs"):
        without_own_outputs([videos[1]], tmp_path)


def test_an_unchanged_outcome_is_not_rewritten(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    record_outcome(tmp_path, "v", None, [video])
    path = tmp_path / STATE_DIR / "v.json"
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    record_outcome(tmp_path, "v", None, [video])
    assert path.stat().st_mtime_ns == before - 10**9
    record_outcome(tmp_path, "v", "now broken", [video])
    assert path.stat().st_mtime_ns != before - 10**9
