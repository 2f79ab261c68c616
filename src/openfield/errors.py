"""The one exception type that the command line turns into a one-line message."""

from __future__ import annotations

from os import PathLike


class OpenfieldError(ValueError):
    """Bad input or a failed step, with a message a user can act on.

    Parameters
    ----------
    message
        What is wrong, in the user's words.
    path
        The file the problem is in, if any; it is put first in the message.
    """

    def __init__(self, message: str, path: str | PathLike[str] | None = None) -> None:
        self.path = None if path is None else str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class OutputStorageError(OpenfieldError):
    """The output folder cannot take a file: full disk, quota, read-only, no permission.

    Unlike other :class:`OpenfieldError`\\ s, which concern one input, this one
    concerns every later output too: a batch stops on it instead of failing
    each remaining video the same way.

    Parameters
    ----------
    message
        The cause, in the user's words.
    path
        The output folder.
    errno
        The operating system's error number (``errno.ENOSPC``, ...), if known.
    """

    def __init__(self, message: str, path: str | PathLike[str] | None = None, errno: int | None = None) -> None:
        super().__init__(message, path)
        self.errno = errno
