"""The per-input boundary and the outcome record (issue 22)."""

import json

import pytest

from openfield.errors import OpenfieldError, OutputStorageError
from openfield.pipeline.boundary import error_log_path, guarded, one_line, record_outcome
from openfield.pipeline.ledger import STATE_DIR, Ledger, read_outcome, source_identity


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
