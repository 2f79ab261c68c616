"""Atomic output files: write to a temporary file beside the target, then rename.

A crash or an interrupt never leaves a half-written result under the final
name, so "the output exists" can safely mean "this step is finished":

* the temporary file has a recognisable name,
  ``.<stem>.openfield-tmp-XXXXXXXX<suffix>`` (:data:`TEMP_MARKER`), so the
  leftovers of a run killed mid-write (SIGKILL, power cut) can be removed on
  the next start by :func:`openfield.io.lock.clean_stale_temporaries`, and nothing else ever is;
* the data are flushed to disk (``fsync``) before the rename and the folder
  after it, so a crash cannot leave a renamed but empty file;
* a full disk, a quota, a read-only file system or a missing permission
  raises :class:`~openfield.errors.OutputStorageError` (one line naming the
  folder and the cause) and leaves no partial file. A batch stops on it
  rather than failing every remaining video the same way.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from openfield.errors import OpenfieldError, OutputStorageError

log = logging.getLogger(__name__)

#: Part of every temporary file name written by :func:`atomic_write`; no other
#: file name contains it, so :func:`openfield.io.lock.clean_stale_temporaries` can recognise them.
TEMP_MARKER = ".openfield-tmp-"

#: A temporary's full name: a dot, the target's stem, the marker, 8 random
#: characters (``tempfile``'s alphabet) and the target's suffix.
TEMP_NAME = re.compile(r"^\..*" + re.escape(TEMP_MARKER) + r"[a-z0-9_]{8}(\.[^./\\]+)?$")

#: errno values that mean "this output folder cannot take the file"; they
#: become :class:`~openfield.errors.OutputStorageError`.
STORAGE_ERRNOS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "no permission to write there",
    errno.EPERM: "no permission to write there",
}

# stems longer than this (in UTF-8 bytes) are cut in the temporary name, so
# the marker and the random part still fit in a 255-byte file name
_MAX_STEM_BYTES = 160


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_temporary(path: str | os.PathLike[str]) -> bool:
    """True when ``path``'s name is one that :func:`atomic_write` gives its temporary files."""
    return TEMP_NAME.match(Path(path).name) is not None


def _temp_prefix(path: Path) -> str:
    stem = path.stem.encode("utf-8")[:_MAX_STEM_BYTES].decode("utf-8", "ignore")
    return f".{stem}{TEMP_MARKER}"


def _storage_error(exc: OSError, path: Path, tmp: Path | None = None) -> OutputStorageError | None:
    """The :class:`OutputStorageError` for ``exc``, or None when it is not a storage fault of ``folder``.

    An OSError that names a file elsewhere (an input, say) is left alone.
    """
    folder = path.parent
    if exc.errno not in STORAGE_ERRNOS:
        return None
    if exc.filename is not None:
        named = Path(os.fsdecode(exc.filename))
        if not (named in (tmp, path, folder) or named.parent == folder or named in folder.parents):
            return None
    cause = STORAGE_ERRNOS[exc.errno]
    detail = exc.strerror or os.strerror(exc.errno)
    return OutputStorageError(f"cannot write output: {cause} ({detail})", folder, errno=exc.errno)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows syncs only writable handles
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk, where the platform allows it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:  # Windows, or a folder that cannot be opened: nothing more to do
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems do not sync folders
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path; on success it is flushed to disk and renamed to ``path``.

    Parameters
    ----------
    path
        The final file name. Its folder is created if missing.

    Yields
    ------
    Path
        A temporary file in the same folder, named
        ``.<stem>.openfield-tmp-XXXXXXXX<suffix>`` (same suffix, so writers
        that look at the extension behave). It is removed if the block raises.

    Raises
    ------
    OutputStorageError
        When the folder cannot take the file (full disk, quota, read-only,
        no permission); nothing is left behind.
    """
    path = Path(path)
    folder = path.parent
    tmp_path: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=path.suffix, dir=folder)
        os.close(fd)
        tmp_path = Path(tmp)
        tmp_path.chmod(0o666 & ~_umask())  # mkstemp makes 0600; results are for the whole lab to read
        yield tmp_path
        _fsync_file(tmp_path)
        os.replace(tmp_path, path)
        _fsync_dir(folder)
    except OSError as exc:
        storage = _storage_error(exc, path, tmp_path)
        if storage is None:
            raise
        raise storage from exc
    finally:
        if tmp_path is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Write a table as CSV atomically (no index unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_write(path) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(path)


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write JSON atomically, indented for people to read."""
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n")
    return Path(path)


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """The JSON content of a file the user gave, or an error naming it: ``<what> not found`` (missing, or not a
    file) or ``<what> is not valid JSON (...)``."""
    path = Path(path)
    if not path.is_file():
        raise OpenfieldError(f"{what} not found", path)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"{what} is not valid JSON ({exc})", path) from exc


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt  # lazy: matplotlib only where a figure is drawn

    try:
        with atomic_write(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    finally:
        plt.close(fig)
    return Path(path)


def figure_png(fig: Any, dpi: int = 80) -> bytes:
    """A matplotlib figure as PNG bytes (for a page that embeds it), and close it."""
    import matplotlib.pyplot as plt  # lazy: matplotlib only where a figure is drawn

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()
