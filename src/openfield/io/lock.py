"""One run at a time per output folder: a lock file holding the owner's PID, host and start time.

``with FolderLock(out):`` takes ``OUT/.openfield.lock``. A second run on the
same folder refuses at once with a message naming the holder (PID, host,
start time), or waits up to ``wait_s`` seconds for it. The lock is released
on leaving the block, also on an exception.

On POSIX the lock is an ``fcntl.flock`` on that file, which the kernel drops
when the holding process dies, so even a SIGKILL cannot leave the folder
locked; the file's content (a small JSON record) is only for messages. A
record left by a process that died is reported as a stale lock taken over,
with a warning. Where ``flock`` is unavailable (Windows, some network file
systems) the record itself is the lock: it is created exclusively, and taken
over when its PID no longer runs on this host.

Locks are re-entrant within a process: a nested ``FolderLock`` on a folder
this process already holds just counts, so the command line and the batch
runner can both take it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from openfield.errors import OpenfieldError
from openfield.io.files import TEMP_NAME, _storage_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: The lock file's name inside the output folder.
LOCK_NAME = ".openfield.lock"

#: errno values of ``flock`` meaning "not supported here": fall back to the record.
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL}

#: Seconds an empty lock record is taken as being written (fallback without ``flock`` only).
RECORD_GRACE_S = 5.0

_held: dict[Path, FolderLock] = {}
_held_guard = threading.Lock()


def _raise_storage(exc: OSError, path: Path) -> None:
    """Raise ``exc`` as an :class:`~openfield.errors.OutputStorageError` when it is one, else as it is."""
    storage = _storage_error(exc, path)
    if storage is None:
        raise exc
    raise storage from exc


class FolderLockedError(OpenfieldError):
    """Another live process holds the output folder's lock.

    Attributes
    ----------
    holder
        Its record: ``pid``, ``host``, ``started`` (ISO time, UTC) and
        ``command``, as far as known.
    """

    def __init__(self, message: str, path: str | os.PathLike[str], holder: dict[str, Any]) -> None:
        super().__init__(message, path)
        self.holder = holder


def lock_path(folder: str | os.PathLike[str]) -> Path:
    """The lock file of an output folder."""
    return Path(folder) / LOCK_NAME


def _record() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "",
    }


def read_lock_record(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The record in a folder's lock file; empty when there is none or it cannot be read."""
    try:
        text = lock_path(folder).read_text(encoding="utf-8")
        record = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


#: Seconds a refused run waits for the holder's record: a run that has just taken the lock writes its PID a
#: moment later (between the two, the record is empty).
RECORD_SETTLE_S = 1.0


def _holder_record(folder: str | os.PathLike[str], settle_s: float = RECORD_SETTLE_S) -> dict[str, Any]:
    """The lock holder's record, waiting up to ``settle_s`` for a holder that has not written it yet."""
    deadline = time.monotonic() + settle_s
    record = read_lock_record(folder)
    while not record.get("pid") and time.monotonic() < deadline:
        time.sleep(0.02)
        record = read_lock_record(folder)
    return record


def pid_alive(pid: int) -> bool:
    """True when a process with this PID runs on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def _describe(record: dict[str, Any]) -> str:
    if not record.get("pid"):
        return "no details recorded yet"
    text = f"PID {record['pid']} on {record.get('host', '?')}"
    if record.get("started"):
        text += f", since {record['started']}"
    if record.get("command"):
        text += f": {record['command']}"
    return text


def _record_is_stale(record: dict[str, Any], age_s: float) -> bool:
    """True when the record's process is known dead (same host, PID not running).

    An empty or unreadable record is stale once older than :data:`RECORD_GRACE_S`
    (its writer died before finishing it; a younger one may be being written).
    """
    pid = record.get("pid")
    if not isinstance(pid, int):
        return age_s > RECORD_GRACE_S
    return record.get("host") == socket.gethostname() and not pid_alive(pid)


class FolderLock:
    """Exclusive use of an output folder by this process (a context manager).

    Parameters
    ----------
    folder
        The output folder.
    wait_s
        How long to wait for another run to finish before refusing; 0
        refuses at once.
    poll_s
        Time between two attempts while waiting.
    create
        Create the folder if missing (otherwise a missing folder is an error).

    Raises
    ------
    FolderLockedError
        On entering, when another live process holds the folder (after
        ``wait_s``); the message names its PID, host and start time.
    OutputStorageError
        When the lock file cannot be written (read-only folder, full disk).

    Examples
    --------
    >>> with FolderLock(out_dir):  # doctest: +SKIP
    ...     clean_stale_temporaries(out_dir)
    ...     run_the_batch()
    """

    def __init__(self, folder: str | os.PathLike[str], wait_s: float = 0.0, poll_s: float = 0.2,
                 create: bool = True) -> None:
        if wait_s < 0 or poll_s <= 0:
            raise OpenfieldError(f"lock wait must be >= 0 and poll > 0, got {wait_s}, {poll_s}")
        self.folder = Path(folder)
        self.wait_s = float(wait_s)
        self.poll_s = float(poll_s)
        self.create = create
        self.path = lock_path(self.folder)
        self._fd: int | None = None
        self._depth = 0
        self._owner: FolderLock | None = None  # the outer lock, when this one is nested

    # -- acquiring -------------------------------------------------------------------------------
    def _key(self) -> Path:
        return self.folder.resolve()

    def acquire(self) -> FolderLock:
        """Take the lock (see the class); returns ``self``."""
        if self.create:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                _raise_storage(exc, self.path)
        elif not self.folder.is_dir():
            raise OpenfieldError("output folder not found", self.folder)
        key = self._key()
        with _held_guard:
            outer = _held.get(key)
            if outer is not None:
                outer._depth += 1
                self._owner = outer
                return self
        deadline = time.monotonic() + self.wait_s
        try:
            while True:
                previous = self._try_acquire()
                if previous is not None:
                    break
                if time.monotonic() >= deadline:
                    holder = _holder_record(self.folder)
                    waited = f" after waiting {self.wait_s:g} s" if self.wait_s else ""
                    raise FolderLockedError(
                        f"in use by another openfield run ({_describe(holder)}){waited}; wait for it to "
                        "finish or choose another output folder", self.folder, holder)
                time.sleep(self.poll_s)
        except OSError as exc:
            _raise_storage(exc, self.path)
        if previous:
            pid = previous.get("pid")
            why = "no longer running" if isinstance(pid, int) and not pid_alive(pid) else "no longer holding it"
            log.warning("%s: taking over a stale lock left by %s (%s)", self.folder, _describe(previous), why)
        self._write_record()
        self._depth = 1
        with _held_guard:
            _held[key] = self
        return self

    def _try_acquire(self) -> dict[str, Any] | None:
        """One attempt: the previous (stale) record, ``{}`` if none, or None when busy."""
        if fcntl is not None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                created = True
            except FileExistsError:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                created = False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            except OSError as exc:
                if exc.errno not in _NO_FLOCK:
                    os.close(fd)
                    raise
                log.debug("%s: flock not supported here (%s), using the PID record", self.path, exc)
                if created:  # created exclusively: the record file is ours
                    self._fd = fd
                    return {}
                os.close(fd)
                return self._try_acquire_record()
            # the holder before us may have removed the file on release: lock the file at the path
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                return self._try_acquire()
            self._fd = fd
            text = os.read(fd, 65536).decode("utf-8", "replace")
            try:
                previous = json.loads(text) if text.strip() else {}
            except ValueError:
                previous = {"unreadable": True}
            return previous if isinstance(previous, dict) else {}
        return self._try_acquire_record()

    def _try_acquire_record(self) -> dict[str, Any] | None:
        """The fallback without ``flock``: an exclusively created record file."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            record = read_lock_record(self.folder)
            try:
                age_s = time.time() - os.stat(self.path).st_mtime
            except FileNotFoundError:
                return self._try_acquire_record()
            if not _record_is_stale(record, age_s):
                return None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            previous = self._try_acquire_record()
            return None if previous is None else (record or {"unreadable": True})
        self._fd = fd
        return {}

    def _write_record(self) -> None:
        assert self._fd is not None
        data = (json.dumps(_record()) + "\n").encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, data)
        os.fsync(self._fd)

    # -- releasing -------------------------------------------------------------------------------
    def release(self) -> None:
        """Give the lock back (the file is removed when the outermost holder leaves)."""
        if self._owner is not None:
            self._owner._depth -= 1
            self._owner = None
            return
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        with _held_guard:
            _held.pop(self._key(), None)
        # remove the file while still holding it, so no one can lock a file that is going away
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None or self._owner is not None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def held_by_this_process(folder: str | os.PathLike[str]) -> bool:
    """True when this process holds ``folder``'s lock."""
    with _held_guard:
        return Path(folder).resolve() in _held


def forget_inherited_locks() -> None:
    """In a process forked from a lock holder: close its copies of the held locks' files and forget them.

    A forked child inherits the parent's open lock files, and an ``flock``
    lasts while any copy is open: without this, a worker would keep its
    parent's folder locked after the parent died, and would believe it held
    the lock itself. The locks stay the parent's. (Only for a freshly forked
    child: in the holder itself this would drop its locks.)
    """
    with _held_guard:
        for lock in _held.values():
            if lock._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(lock._fd)
                lock._fd = None
        _held.clear()


def is_locked_by_other(folder: str | os.PathLike[str]) -> bool:
    """True when another live process holds ``folder``'s lock (checked without waiting)."""
    folder = Path(folder)
    if not lock_path(folder).exists() or held_by_this_process(folder):
        return False
    try:
        with FolderLock(folder, wait_s=0.0, create=False):
            return False
    except FolderLockedError:
        return True
    except OpenfieldError:  # cannot even open the lock file (read-only): no run can be writing there
        return False


@contextlib.contextmanager
def claim_output_folder(folder: str | os.PathLike[str], wait_s: float = 0.0) -> Iterator[FolderLock]:
    """Lock an output folder for a run and remove what killed runs left in it.

    The one call a command that writes into ``folder`` needs: it takes the
    folder's :class:`FolderLock` (refusing or waiting as that does), then
    removes stale temporary files (:func:`clean_stale_temporaries`),
    and releases the lock when the block ends, also on an exception.

    Parameters
    ----------
    folder
        The output folder (created if missing).
    wait_s
        How long to wait for another run on the folder before refusing.

    Yields
    ------
    FolderLock
        The held lock.

    Raises
    ------
    FolderLockedError
        Another live run holds the folder.
    OutputStorageError
        The folder cannot be created or written.
    """
    with FolderLock(folder, wait_s=wait_s) as lock:
        removed = clean_stale_temporaries(folder)
        if removed:
            log.warning("%s: removed %d temporary file(s) left by an interrupted run", folder, len(removed))
        yield lock


def clean_stale_temporaries(folder: str | os.PathLike[str], recursive: bool = True) -> list[Path]:
    """Remove the temporary files that runs killed mid-write left in an output folder.

    Only files whose names match :data:`TEMP_NAME` (what :func:`openfield.io.files.atomic_write`
    creates) are removed; nothing else is touched, symbolic links to folders
    are not followed, and a sub-folder locked by a running process (see
    :mod:`openfield.io.lock`) is left alone. Nothing is removed while another
    live process holds ``folder``'s lock, since its temporaries are in use:
    call this at the start of a run, while holding the folder's lock.

    Parameters
    ----------
    folder
        The output folder (missing: nothing to do).
    recursive
        Also clean its sub-folders.

    Returns
    -------
    list of Path
        The files removed, sorted.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    try:
        with FolderLock(folder, wait_s=0.0, create=False):
            removed = []
            for root, dirs, files in os.walk(folder):
                here = Path(root)
                for name in sorted(files):
                    if TEMP_NAME.match(name) and not (here / name).is_symlink():
                        try:
                            (here / name).unlink()
                        except FileNotFoundError:
                            continue
                        except OSError as exc:
                            log.warning("%s: cannot remove this temporary file (%s)", here / name, exc.strerror)
                            continue
                        removed.append(here / name)
                if not recursive:
                    break
                dirs[:] = [d for d in dirs if not is_locked_by_other(here / d)]
    except FolderLockedError as exc:
        log.warning("%s: not removing temporary files, the folder is in use (%s)", folder, exc.message)
        return []
    for p in removed:
        log.info("removed a temporary file left by an interrupted run: %s", p)
    return sorted(removed)
