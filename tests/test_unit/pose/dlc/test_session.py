"""DeepLabCut's output sent to logging, its failures and its absence as one clear line."""

from __future__ import annotations

import logging
import sys

import pytest

from openfield.errors import OpenfieldError
from openfield.pose.dlc import session


def test_log_stream_sends_lines_to_the_logger(caplog):
    stream = session.LogStream(logging.getLogger("openfield.test"), logging.INFO)
    with caplog.at_level(logging.INFO, logger="openfield.test"):
        stream.write("first line\nsecond ")
        stream.write("line\n\n")
        stream.write("tail")
        stream.flush()
    assert [r.getMessage() for r in caplog.records] == ["first line", "second line", "tail"]


def test_session_turns_a_failure_into_one_line_and_restores_the_root_logger(tmp_path):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with pytest.raises(OpenfieldError) as info, session.dlc_session("doing a thing", tmp_path):
        print("DeepLabCut chatter")  # goes to the log, not stdout
        root.handlers[:] = []  # as DeepLabCut's training does
        root.setLevel(logging.CRITICAL)
        raise ValueError("bad shape\nmore detail")
    assert str(info.value) == f"{tmp_path}: DeepLabCut failed while doing a thing: ValueError: bad shape"
    assert isinstance(info.value.__cause__, ValueError)
    assert root.handlers == handlers and root.level == level


def test_missing_deeplabcut_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "deeplabcut", None)  # as if it were not installed
    with pytest.raises(OpenfieldError, match=r"DeepLabCut 3 is needed.*pip install -r requirements.txt"):
        session.import_deeplabcut()
    with pytest.raises(OpenfieldError, match=r"'pose' extra"):
        session.import_deeplabcut("pose_estimation_pytorch.apis.training")
