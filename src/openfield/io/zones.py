"""Reading a zones file (``--zones FILE.json``): the JSON, checked by :func:`openfield.arena.zones.parse`."""

from __future__ import annotations

import os
from pathlib import Path

from openfield.arena.zones import ZoneSet, parse
from openfield.io.files import read_json


def read_zones(path: str | os.PathLike[str]) -> ZoneSet:
    """Read and check a zones file.

    Parameters
    ----------
    path
        The JSON file (format: :mod:`openfield.arena.zones`).

    Returns
    -------
    ZoneSet
        The zones in the file's units (map them with
        :func:`openfield.arena.zones.to_cm`).

    Raises
    ------
    OpenfieldError
        One line naming the file: missing, not JSON, or any problem
        :func:`openfield.arena.zones.parse` finds.
    """
    path = Path(path)
    return parse(read_json(path, "zones file"), str(path))
