"""The output-folder lock: one run per folder, a clear refusal naming the holder, stale locks taken over."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import openfield.io.lock as lock_mod
from openfield.errors import OpenfieldError
from openfield.io.lock import (
    LOCK_NAME,
    FolderLock,
    FolderLockedError,
    held_by_this_process,
    is_locked_by_other,
    read_lock_record,
)

SRC = str(Path(lock_mod.__file__).parents[2])

HOLD = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lock", {lock_mod.__file__!r})  # without openfield.io's imports
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
with lock.FolderLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def holder(folder, code=HOLD):
    """A child process holding ``folder``'s lock until a line arrives on its stdin."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_records_the_holder_and_goes_away(tmp_path):
    out = tmp_path / "out"
    with FolderLock(out) as lk:
        assert lk.held and held_by_this_process(out)
        rec = read_lock_record(out)
        assert rec["pid"] == os.getpid() and rec["host"] == socket.gethostname()
        assert time.strptime(rec["started"], "%Y-%m-%dT%H:%M:%SZ")
    assert not lk.held and not held_by_this_process(out)
    assert list(out.iterdir()) == []  # no lock file left after a clean exit


def test_released_on_an_exception(tmp_path):
    with pytest.raises(RuntimeError), FolderLock(tmp_path):
        raise RuntimeError("boom")
    assert not (tmp_path / LOCK_NAME).exists()
    with FolderLock(tmp_path, wait_s=0):
        pass


def test_reentrant_in_one_process(tmp_path):
    with FolderLock(tmp_path), FolderLock(tmp_path) as inner:
        assert inner.held
    assert not held_by_this_process(tmp_path)
    with FolderLock(tmp_path) as outer:
        with FolderLock(tmp_path):
            pass
        assert outer.held and (tmp_path / LOCK_NAME).exists()  # the inner exit keeps the outer's lock


def test_second_process_is_refused_with_the_holders_pid(tmp_path):
    proc = holder(tmp_path)
    try:
        with pytest.raises(FolderLockedError) as info, FolderLock(tmp_path):
            pass
        msg = str(info.value)
        assert msg.startswith(f"{tmp_path}: in use by another openfield run (PID {proc.pid} on "
                              f"{socket.gethostname()}, since ")
        assert "choose another output folder" in msg and "\n" not in msg
        assert info.value.holder["pid"] == proc.pid
        assert isinstance(info.value, OpenfieldError)
        assert is_locked_by_other(tmp_path)
        t0 = time.monotonic()
        with pytest.raises(FolderLockedError, match=r"after waiting 0.5 s"):
            FolderLock(tmp_path, wait_s=0.5, poll_s=0.05).acquire()
        assert time.monotonic() - t0 >= 0.5
    finally:
        proc.communicate("\n", timeout=30)
    assert not is_locked_by_other(tmp_path)


def test_waits_for_the_holder_to_finish(tmp_path):
    proc = holder(tmp_path)
    proc.stdin.write("\n")
    proc.stdin.flush()  # the holder finishes while we wait
    with FolderLock(tmp_path, wait_s=30, poll_s=0.05):
        assert read_lock_record(tmp_path)["pid"] == os.getpid()
    proc.wait(timeout=30)


def test_a_killed_holder_leaves_a_stale_lock_that_is_taken_over(tmp_path, caplog):
    proc = holder(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert read_lock_record(tmp_path)["pid"] == proc.pid  # the record stays...
    with FolderLock(tmp_path):  # ...but the kernel dropped the flock
        assert read_lock_record(tmp_path)["pid"] == os.getpid()
    assert f"taking over a stale lock left by PID {proc.pid}" in caplog.text
    assert "no longer running" in caplog.text


def test_stale_record_of_a_dead_pid(tmp_path, caplog):
    pid = dead_pid()
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": socket.gethostname(),
                                                  "started": "2026-11-29T10:00:00Z"}))
    with FolderLock(tmp_path):
        pass
    assert f"stale lock left by PID {pid} on {socket.gethostname()}, since 2026-11-29T10:00:00Z" in caplog.text


def test_without_flock_the_record_is_the_lock(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(lock_mod, "fcntl", None)  # Windows, or a file system without flock
    proc = holder(tmp_path)  # the child uses flock, and writes its record
    try:
        with pytest.raises(FolderLockedError, match=f"PID {proc.pid} "):
            FolderLock(tmp_path).acquire()
    finally:
        proc.communicate("\n", timeout=30)
    other = {"pid": os.getppid(), "host": "another-pc", "started": "2026-11-29T10:00:00Z"}
    (tmp_path / LOCK_NAME).write_text(json.dumps(other))
    with pytest.raises(FolderLockedError, match="on another-pc"):  # cannot check a PID on another host
        FolderLock(tmp_path).acquire()
    pid = dead_pid()
    (tmp_path / LOCK_NAME).write_text(json.dumps({**other, "pid": pid, "host": socket.gethostname()}))
    with FolderLock(tmp_path):
        assert read_lock_record(tmp_path)["pid"] == os.getpid()
        with pytest.raises(FileExistsError):  # held: created exclusively
            os.open(tmp_path / LOCK_NAME, os.O_CREAT | os.O_EXCL)
    assert f"stale lock left by PID {pid}" in caplog.text
    assert not (tmp_path / LOCK_NAME).exists()


def test_flock_not_supported_falls_back(tmp_path, monkeypatch):
    import errno

    def no_flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_mod.fcntl, "flock", no_flock)
    with FolderLock(tmp_path):
        assert read_lock_record(tmp_path)["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_symlinked_and_non_ascii_folder_is_one_lock(tmp_path):
    real = tmp_path / "Sortie souris é 日本"
    real.mkdir()
    link = tmp_path / "link to out"
    link.symlink_to(real, target_is_directory=True)
    proc = holder(link)
    try:
        with pytest.raises(FolderLockedError, match=f"PID {proc.pid}"):
            FolderLock(real).acquire()
    finally:
        proc.communicate("\n", timeout=30)
    with FolderLock(real), FolderLock(link) as nested:  # the same folder: re-entrant
        assert nested.held


def test_bad_options(tmp_path):
    with pytest.raises(OpenfieldError, match="lock wait"):
        FolderLock(tmp_path, wait_s=-1)
    with pytest.raises(OpenfieldError, match="output folder not found"):
        FolderLock(tmp_path / "missing", create=False).acquire()


def test_claim_output_folder_locks_and_cleans(tmp_path, caplog):
    from openfield.io.lock import claim_output_folder

    out = tmp_path / "new out"
    with claim_output_folder(out):
        assert held_by_this_process(out)
    stale = out / ".m_pose.openfield-tmp-abcdefgh.csv"
    stale.write_text("half")
    (out / "m_pose.csv").write_text("done")
    with pytest.raises(KeyError), claim_output_folder(out):
        assert not stale.exists() and (out / "m_pose.csv").exists()
        raise KeyError("crash")
    assert not held_by_this_process(out) and sorted(p.name for p in out.iterdir()) == ["m_pose.csv"]
    assert "removed 1 temporary file(s) left by an interrupted run" in caplog.text
    stale.write_text("half")
    proc = holder(out)
    try:
        with pytest.raises(FolderLockedError), claim_output_folder(out):
            pass
        assert stale.exists()  # refused: nothing touched
    finally:
        proc.communicate("\n", timeout=30)


def test_a_read_only_folder_is_a_storage_error(tmp_path, monkeypatch):
    import errno

    from openfield.errors import OutputStorageError

    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).endswith(LOCK_NAME):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(lock_mod.os, "open", read_only)
    with pytest.raises(OutputStorageError, match=r"cannot write output: the file system is read-only") as info:
        FolderLock(tmp_path).acquire()
    assert info.value.path == str(tmp_path)
    (tmp_path / LOCK_NAME).write_text("")
    assert not is_locked_by_other(tmp_path)  # nobody can be writing there


FORKED_HOLDER = f"""
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location("lock", {lock_mod.__file__!r})
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
held = lock.FolderLock(sys.argv[1]).__enter__()
ready, done = os.pipe()
child = os.fork()
if child == 0:  # a worker forked from the lock holder
    if sys.argv[2] == "forget":
        lock.forget_inherited_locks()
        assert not lock.held_by_this_process(sys.argv[1])
    os.write(done, b"1")
    time.sleep(60)
    os._exit(0)
os.read(ready, 1)  # the child is past its start
print("locked", child, flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("forget", [True, False], ids=["forgets", "keeps"])
def test_a_forked_worker_lets_its_parents_lock_go(tmp_path, forget):
    """A child forked from the holder keeps an flock alive after the holder dies, unless it forgets the lock it
    inherited (as ``--jobs`` workers do): then a SIGKILLed batch leaves its folder free at once."""
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", FORKED_HOLDER, str(tmp_path), "forget" if forget else "keep"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    word, child = proc.stdout.readline().split()
    assert word == "locked"
    try:
        assert is_locked_by_other(tmp_path)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if forget:
            with FolderLock(tmp_path, wait_s=0) as lk:  # free although the forked child still runs
                assert lk.held
        else:
            with pytest.raises(FolderLockedError):
                FolderLock(tmp_path, wait_s=0).__enter__()
    finally:
        os.kill(int(child), signal.SIGKILL)
