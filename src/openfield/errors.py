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
