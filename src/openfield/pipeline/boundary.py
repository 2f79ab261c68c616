"""The one boundary around each input of a batch: any exception becomes that input's failure.

A batch never dies of one input. :func:`guarded` runs one video's (or pose
file's) work and turns what it raises into a one-line cause:

- an :class:`~openfield.errors.OpenfieldError` (bad input, a refused step):
  its message;
- any other exception (a bug, a library's surprise on an odd file): its type
  and first line, ``(unexpected; traceback in OUT/.openfield/<stem>.error.log)``;
  the full traceback is written there and logged at DEBUG (``-v``).

An :class:`~openfield.errors.OutputStorageError` (full disk, read-only
folder) and ``KeyboardInterrupt`` still stop the batch: they concern every
later input too. The outcome (``done``/``failed``, the error, the input
files' identities) is kept in the input's step record
(:meth:`openfield.pipeline.ledger.Ledger.set_outcome`), which a study reads
to leave out results whose input failed last time or changed since.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from openfield.errors import OpenfieldError, OutputStorageError
from openfield.io.files import atomic_write
from openfield.pipeline.ledger import STATE_DIR, Ledger

log = logging.getLogger(__name__)

T = TypeVar("T")


def one_line(exc: BaseException) -> str:
    """An exception as one line: an OpenfieldError's message, else ``Type: first line``."""
    if isinstance(exc, OpenfieldError):
        text = exc.message if exc.path else str(exc)
    else:
        first = next((line for line in str(exc).splitlines() if line.strip()), "")
        text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return " ".join(text.split())


def error_log_path(out_dir: str | Path, stem: str) -> Path:
    """Where an input's unexpected failure keeps its traceback: ``OUT/.openfield/<stem>.error.log``."""
    return Path(out_dir) / STATE_DIR / f"{stem}.error.log"


def guarded(work: Callable[[], T], name: str, out_dir: str | Path, stem: str) -> tuple[T | None, str | None]:
    """Run one input's work; return ``(result, None)``, or ``(None, one-line cause)`` when it raised.

    Parameters
    ----------
    work
        The input's work (no arguments).
    name
        How messages name the input (its file name).
    out_dir, stem
        Where an unexpected failure's traceback is written (:func:`error_log_path`).

    Raises
    ------
    OutputStorageError
        The output folder cannot take a file: the batch must stop.
    """
    try:
        return work(), None
    except OutputStorageError:
        raise
    except OpenfieldError as exc:
        cause = one_line(exc)
        log.error("%s: %s", name, cause)
        log.debug("%s", traceback.format_exc())
        return None, cause
    except Exception as exc:  # noqa: BLE001 - the boundary: any exception is this input's failure
        cause = unexpected_cause(exc, name, out_dir, stem)
        log.error("%s: %s", name, cause)
        return None, cause


def unexpected_cause(exc: BaseException, name: str, out_dir: str | Path, stem: str) -> str:
    """An unexpected exception's one-line cause; its traceback written to :func:`error_log_path` and logged (DEBUG).

    Call it from the ``except`` block that caught ``exc``.
    """
    text = "".join(traceback.format_exception(exc))
    path = error_log_path(out_dir, stem)
    try:
        with atomic_write(path) as tmp:
            tmp.write_text(f"{name}\n{text}", encoding="utf-8")
        where = f"traceback in {path}"
    except (OpenfieldError, OSError):  # (the output folder's own trouble is reported by the next write)
        where = "run with -v for the traceback"
    log.debug("%s", text)
    return f"{one_line(exc)} (unexpected error; {where})"


def record_outcome(out_dir: str | Path, stem: str, error: str | None, sources: Sequence[str | Path]) -> None:
    """Keep how an input's run ended in its step record (``done``, or ``failed`` with the error)."""
    Ledger(Path(out_dir), stem).set_outcome("failed" if error else "done", error, sources)
