"""Reading a zones file (``--zones FILE.json``): the JSON, checked by :func:`openfield.zones.parse`."""

from __future__ import annotations

import os
from pathlib import Path

from openfield.io.files import read_json
from openfield.zones import ZoneSet, parse


def read_zones(path: str | os.PathLike[str]) -> ZoneSet:
    """Read and check a zones file.

    Parameters
    ----------
    path
        The JSON file (format: :mod:`openfield.zones`).

    Returns
    -------
    ZoneSet
        The zones in the file's units (map them with
        :func:`openfield.zones.to_cm`).

    Raises
    ------
    OpenfieldError
        One line naming the file: missing, not JSON, or any problem
        :func:`openfield.zones.parse` finds.
    """
    path = Path(path)
    return parse(read_json(path, "zones file"), str(path))
