"""Atomic writes leave either the whole file or nothing."""

import os
import stat

import pandas as pd
import pytest

from openfield.io import atomic_write, write_csv


def test_write_csv_creates_folder_and_file(tmp_path):
    out = write_csv(pd.DataFrame({"a": [1, 2]}), tmp_path / "sub" / "t.csv")
    assert pd.read_csv(out)["a"].tolist() == [1, 2]
    assert [p.name for p in out.parent.iterdir()] == ["t.csv"]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "t.csv"
    with pytest.raises(RuntimeError), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        out = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


# --- recognisable temporaries, flushing, storage faults (issue 16) -------------------------------

import errno  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from openfield.errors import OpenfieldError, OutputStorageError  # noqa: E402
from openfield.io import files as files_mod  # noqa: E402
from openfield.io import lock as lock_mod  # noqa: E402
from openfield.io.files import TEMP_MARKER, is_temporary, write_json  # noqa: E402
from openfield.io.lock import clean_stale_temporaries  # noqa: E402


def test_temporary_names_are_recognisable(tmp_path):
    with atomic_write(tmp_path / "v4_heatmap.png") as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".v4_heatmap" + TEMP_MARKER) and tmp.suffix == ".png"
        assert is_temporary(tmp)
    for name in ("v4_heatmap.png", ".v4_heatmap.png", ".v4_heatmap.li4rxtqq.png", "x.openfield-tmp-abcd1234.png",
                 ".x.openfield-tmp-abc.png", ".openfield.lock"):
        assert not is_temporary(name), name


def test_a_long_name_still_gets_a_temporary(tmp_path):
    target = tmp_path / ("é" * 120 + ".csv")  # 240 bytes: the temporary's stem is cut to fit 255
    write_csv(pd.DataFrame({"a": [1]}), target)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def _plant(folder, name):
    p = folder / name
    p.write_text("left by a killed run")
    return p


def test_clean_stale_temporaries_removes_only_temporaries(tmp_path):
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    stale = [_plant(out, ".m1_pose.openfield-tmp-abcd_123.csv"), _plant(out, ".m1_heatmap.openfield-tmp-zz99yy88.png"),
             _plant(out / "sub", ".clip.openfield-tmp-a1b2c3d4.mp4"), _plant(out, ".noext.openfield-tmp-a1b2c3d4")]
    keep = [_plant(out, "m1_pose.csv"), _plant(out, ".hidden"), _plant(out, ".m1_heatmap.li4rxtqq.png"),
            _plant(out, "notes.openfield-tmp-abcd1234.txt"), _plant(out / "sub", "data.csv")]
    important = _plant(tmp_path, "important.csv")
    link = out / ".link.openfield-tmp-abcdefgh.csv"
    link.symlink_to(important)  # a link named like a temporary: neither it nor its target goes
    removed = clean_stale_temporaries(out)
    assert removed == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in keep) and important.exists() and link.is_symlink()
    assert clean_stale_temporaries(out) == []
    assert clean_stale_temporaries(tmp_path / "missing") == []
    # not recursive: the sub-folder is left alone
    s = _plant(out / "sub", ".b.openfield-tmp-abcdefgh.csv")
    top = _plant(out, ".t.openfield-tmp-abcdefgh.csv")
    assert clean_stale_temporaries(out, recursive=False) == [top] and s.exists()


_HOLD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lock", sys.argv[2])  # without openfield.io's imports
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)
with lock.FolderLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def _holder(folder):
    """A child process holding ``folder``'s lock until its stdin gets a line."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(folder), lock_mod.__file__], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _env():
    env = dict(os.environ)
    src = str(__import__("pathlib").Path(files_mod.__file__).parents[2])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_clean_stale_temporaries_waits_for_no_live_holder(tmp_path, caplog):
    live = _plant(tmp_path, ".m.openfield-tmp-abcdefgh.csv")
    locked_sub = tmp_path / "other run"
    locked_sub.mkdir()
    theirs = _plant(locked_sub, ".n.openfield-tmp-abcdefgh.csv")
    proc = _holder(tmp_path)
    try:
        assert clean_stale_temporaries(tmp_path) == []  # another live run owns the folder
        assert live.exists() and "in use" in caplog.text
    finally:
        proc.communicate("\n", timeout=30)
    proc = _holder(locked_sub)
    try:  # the folder is free, but a live run holds a sub-folder: its temporaries stay
        assert clean_stale_temporaries(tmp_path) == [live]
        assert theirs.exists()
    finally:
        proc.communicate("\n", timeout=30)
    assert clean_stale_temporaries(tmp_path) == [theirs]


def test_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else os.fstat(fd).st_size))
        real_fsync(fd)

    def replace(a, b):
        events.append(("replace", os.path.basename(b)))
        real_replace(a, b)

    monkeypatch.setattr(files_mod.os, "fsync", fsync)
    monkeypatch.setattr(files_mod.os, "replace", replace)
    write_json({"a": 1}, tmp_path / "x.json")
    size = (tmp_path / "x.json").stat().st_size
    assert events == [("fsync", size), ("replace", "x.json"), ("fsync", "dir")]


def _half_then(err):
    def to_csv(self, path, **kwargs):
        with open(path, "w") as fh:
            fh.write("a\n1\n")  # half of the table made it
        raise OSError(err, os.strerror(err))
    return to_csv


@pytest.mark.parametrize("err, cause", [(errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "quota"),
                                        (errno.EROFS, "read-only")])
def test_storage_fault_is_one_clear_error_and_leaves_no_partial_file(tmp_path, monkeypatch, err, cause):
    out = tmp_path / "out folder"
    old = write_csv(pd.DataFrame({"a": [7]}), out / "t.csv")  # an earlier, complete result
    monkeypatch.setattr(pd.DataFrame, "to_csv", _half_then(err))
    with pytest.raises(OutputStorageError) as info:
        write_csv(pd.DataFrame({"a": [1, 2]}), out / "t.csv")
    with pytest.raises(OutputStorageError):
        write_csv(pd.DataFrame({"a": [1, 2]}), out / "new.csv")
    exc = info.value
    assert isinstance(exc, OpenfieldError) and exc.errno == err and exc.path == str(out)
    assert str(exc).startswith(f"{out}: cannot write output: ") and cause in str(exc) and "\n" not in str(exc)
    assert [p.name for p in out.iterdir()] == ["t.csv"]  # no temporary, no new file
    monkeypatch.undo()
    assert pd.read_csv(old)["a"].tolist() == [7]  # the earlier result is untouched


def test_a_fault_while_flushing_also_leaves_nothing(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files_mod.os, "fsync", full)
    with pytest.raises(OutputStorageError, match="disk is full"):
        write_json({"a": 1}, tmp_path / "x.json")
    assert list(tmp_path.iterdir()) == []


def test_an_error_about_another_file_is_not_a_storage_fault(tmp_path):
    with pytest.raises(PermissionError), atomic_write(tmp_path / "x.csv"):
        raise PermissionError(errno.EACCES, "Permission denied", "/somewhere/else/input.avi")
    with pytest.raises(OSError, match="I/O"), atomic_write(tmp_path / "x.csv"):
        raise OSError(errno.EIO, "I/O error")
    assert list(tmp_path.iterdir()) == []


def test_read_only_output_folder(tmp_path, monkeypatch):
    out = tmp_path / "read only"
    out.mkdir()
    out.chmod(0o555)
    try:
        probe = out / "probe"
        try:
            probe.write_text("x")
            writable = True  # root (as in CI): permissions do not stop writes
            probe.unlink()
        except PermissionError:
            writable = False
        if writable:  # simulate what the kernel does for an ordinary user
            def denied(*args, **kwargs):
                raise PermissionError(errno.EACCES, "Permission denied", str(out / ".x.openfield-tmp-aaaaaaaa.csv"))
            monkeypatch.setattr(files_mod.tempfile, "mkstemp", denied)
        with pytest.raises(OutputStorageError) as info:
            write_csv(pd.DataFrame({"a": [1]}), out / "t.csv")
        assert str(info.value) == f"{out}: cannot write output: no permission to write there (Permission denied)"
        assert list(out.iterdir()) == []
        # a folder that cannot even be created under it
        with pytest.raises(OutputStorageError, match="no permission"):
            if writable:
                def no_mkdir(self, *args, **kwargs):
                    raise PermissionError(errno.EACCES, "Permission denied", str(self))
                monkeypatch.setattr(files_mod.Path, "mkdir", no_mkdir)
            write_csv(pd.DataFrame({"a": [1]}), out / "sub" / "t.csv")
    finally:
        out.chmod(0o755)


def test_paths_with_spaces_non_ascii_and_symlinks(tmp_path):
    real = tmp_path / "Résultats souris 日本"
    real.mkdir()
    link = tmp_path / "link to results"
    link.symlink_to(real, target_is_directory=True)
    out = write_csv(pd.DataFrame({"µ": [1.5]}), link / "souris é 1.csv")
    assert (real / "souris é 1.csv").read_text(encoding="utf-8") == "µ\n1.5\n"
    assert pd.read_csv(out)["µ"].tolist() == [1.5]
    stale = _plant(real, ".souris é 1.openfield-tmp-abcdefgh.csv")
    assert clean_stale_temporaries(link) == [link / stale.name]
    assert [p.name for p in real.iterdir()] == ["souris é 1.csv"]


def test_a_temporary_that_cannot_be_removed_is_reported_and_skipped(tmp_path, monkeypatch, caplog):
    a = _plant(tmp_path, ".a.openfield-tmp-abcdefgh.csv")
    b = _plant(tmp_path, ".b.openfield-tmp-abcdefgh.csv")
    real_unlink = files_mod.Path.unlink

    def unlink(self, *args, **kwargs):
        if self.name == a.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(files_mod.Path, "unlink", unlink)
    assert clean_stale_temporaries(tmp_path) == [b]
    assert a.exists() and "cannot remove this temporary file (Permission denied)" in caplog.text
