"""DeepLabCut at run time: the one lazy import, quiet output, failures as one line.

The only module of openfield that imports ``deeplabcut`` (the other modules of
:mod:`openfield.pose.dlc` ask :func:`import_deeplabcut` for it or for one of its
submodules). DeepLabCut's printing goes to the ``openfield.pose.deeplabcut``
logger at DEBUG level; an exception from inside it becomes one
:class:`~openfield.errors.OpenfieldError` line (the original stays attached as
``__cause__``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
from collections.abc import Iterator
from typing import Any

from openfield.errors import OpenfieldError

#: DeepLabCut's own messages, at DEBUG (INFO for one line per training epoch).
dlc_log = logging.getLogger("openfield.pose.deeplabcut")

#: What to install when DeepLabCut is missing.
INSTALL_HINT = "pip install -r requirements.txt (or the 'pose' extra: pip install 'openfield[pose]')"


class LogStream(io.TextIOBase):
    """A text stream that turns each written line into a log record."""

    def __init__(self, logger: logging.Logger, level: int = logging.DEBUG) -> None:
        super().__init__()
        self._logger = logger
        self._level = level
        self._buffer = ""

    def writable(self) -> bool:  # noqa: D102
        return True

    def write(self, text: str) -> int:  # noqa: D102
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            if line.strip():
                self._logger.log(self._level, line.rstrip())
        return len(text)

    def flush(self) -> None:  # noqa: D102
        if self._buffer.strip():
            self._logger.log(self._level, self._buffer.rstrip())
        self._buffer = ""


class ForwardHandler(logging.Handler):
    """Send DeepLabCut's root-logger records to the openfield logger."""

    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102
        if record.name.startswith("openfield"):
            return  # ours already; forwarding would loop
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            level = record.levelno
        elif message.lstrip().startswith("Epoch "):
            level = logging.INFO  # one line per epoch: the loss, worth seeing
        else:
            level = logging.DEBUG
        dlc_log.log(level, message)


class OpenfieldOnly(logging.Handler):
    """Wrap a handler so that it only sees openfield's records (not DeepLabCut's)."""

    def __init__(self, inner: logging.Handler) -> None:
        super().__init__(inner.level)
        self.inner = inner

    def handle(self, record: logging.LogRecord) -> bool:  # noqa: D102
        if record.name.startswith("openfield"):
            return bool(self.inner.handle(record))
        return False

    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102
        self.inner.emit(record)


def import_deeplabcut(submodule: str | None = None) -> Any:
    """Import ``deeplabcut`` (slow: seconds) or one of its submodules.

    Parameters
    ----------
    submodule
        A dotted name inside the package (e.g.
        ``"pose_estimation_pytorch.apis.evaluation"``), or None for the package.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    OpenfieldError
        DeepLabCut cannot be imported; the message says what to install.
    """
    try:
        with contextlib.redirect_stdout(LogStream(dlc_log)):  # it prints while importing
            module = importlib.import_module("deeplabcut")
            return module if submodule is None else importlib.import_module(f"deeplabcut.{submodule}")
    except ImportError as exc:
        raise OpenfieldError(
            f"DeepLabCut 3 is needed for this step but cannot be imported ({exc}); "
            f"install it with: {INSTALL_HINT}"
        ) from exc


@contextlib.contextmanager
def dlc_session(what: str, path: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Run DeepLabCut code quietly and turn its failures into one clear line.

    DeepLabCut's ``print`` output goes to the ``openfield.pose.deeplabcut``
    logger; the root logger's handlers and level, which DeepLabCut's training
    replaces, are restored afterwards.

    Parameters
    ----------
    what
        What is being done, for the error message ("training", ...).
    path
        The file or folder the error names.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = LogStream(dlc_log)
    try:
        with contextlib.redirect_stdout(stream):
            yield
    except (OpenfieldError, KeyboardInterrupt):
        raise
    except Exception as exc:  # DeepLabCut raises anything; say what we were doing
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise OpenfieldError(
            f"DeepLabCut failed while {what}: {type(exc).__name__}" + (f": {detail}" if detail else ""),
            path,
        ) from exc
    finally:
        stream.flush()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


@contextlib.contextmanager
def patched(module: Any, name: str, value: Any) -> Iterator[None]:
    """Replace ``module.name`` by ``value`` for the duration of the block."""
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)
