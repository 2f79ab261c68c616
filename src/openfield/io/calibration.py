"""Reading and writing the calibration JSON file.

The file is :meth:`openfield.arena.model.Calibration.to_dict` as JSON; the
conversions stay in :mod:`openfield.arena.model`, the file handling is here.
A video of several arenas has one calibration per arena in one file,
``{"arenas": [<calibration>, ...]}`` (arena 1 first).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from openfield.arena.geometry import ArenaGeometry, arena_from_dict
from openfield.arena.model import Calibration
from openfield.errors import OpenfieldError
from openfield.io.files import read_json, write_json


def write_calibration(cal: Calibration, path: str | os.PathLike[str]) -> Path:
    """Write a calibration JSON atomically.

    Parameters
    ----------
    cal
        The calibration.
    path
        Output file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return write_json(cal.to_dict(), path)


def write_calibrations(cals: list[Calibration], path: str | os.PathLike[str]) -> Path:
    """Write the calibrations of several arenas to one JSON file atomically.

    Parameters
    ----------
    cals
        One calibration per arena, arena 1 first.
    path
        Output file: ``{"arenas": [<calibration>, ...]}``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not cals:
        raise OpenfieldError("no arena calibration to write", path)
    return write_json({"arenas": [c.to_dict() for c in cals]}, path)


def _load(path: Path) -> Any:
    return read_json(path, "calibration file")


def _arenas(d: Any, path: Path) -> list[Calibration] | None:
    """The calibrations of a multi-arena file, or None for a single-arena file."""
    if not (isinstance(d, dict) and "arenas" in d):
        return None
    arenas = d["arenas"]
    if not isinstance(arenas, list) or not arenas:
        raise OpenfieldError('"arenas" must be a non-empty list of calibrations', path)
    cals = []
    for k, entry in enumerate(arenas, start=1):
        try:
            cals.append(Calibration.from_dict(entry))
        except OpenfieldError as exc:
            raise OpenfieldError(f"arena {k}: {exc.message}", path) from exc
    return cals


def read_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a calibration JSON written by :func:`write_calibration` (or by hand).

    Parameters
    ----------
    path
        The JSON file. A multi-arena file (:func:`write_calibrations`) is
        accepted only when it holds one arena.

    Returns
    -------
    Calibration
        The calibration, validated.

    Raises
    ------
    OpenfieldError
        One line naming the file when it is missing, not JSON, lacks or
        has malformed fields, or holds several arenas.
    """
    path = Path(path)
    d = _load(path)
    cals = _arenas(d, path)
    if cals is None:
        return Calibration.from_dict(d, path)
    if len(cals) > 1:
        raise OpenfieldError(
            f"calibration file holds {len(cals)} arenas; this step takes one arena's calibration "
            "(read it with read_calibrations, or run with --arenas)", path,
        )
    return cals[0]


def read_calibrations(path: str | os.PathLike[str]) -> list[Calibration]:
    """Read a calibration file of one or several arenas.

    Parameters
    ----------
    path
        A multi-arena file (:func:`write_calibrations`) or a single-arena
        one (:func:`write_calibration`).

    Returns
    -------
    list of Calibration
        Arena 1 first; a single-arena file gives a list of one.

    Raises
    ------
    OpenfieldError
        One line naming the file (and the arena) when it is missing, not
        JSON, or a calibration in it lacks or has malformed fields.
    """
    path = Path(path)
    d = _load(path)
    cals = _arenas(d, path)
    return [Calibration.from_dict(d, path)] if cals is None else cals


def read_arena(path: str | os.PathLike[str]) -> ArenaGeometry:
    """The floor given by hand (``--arena FILE.json``): an arena JSON object.

    Checked by :func:`openfield.arena.geometry.arena_from_dict`, the one definition of a valid arena.

    A calibration file (``<stem>_calibration.json``) is accepted too: its
    ``"arena"`` object is used.

    Raises
    ------
    OpenfieldError
        Naming the file: absent, not JSON, or not an arena (unknown shape,
        missing or malformed fields).
    """
    path = Path(path)
    d = read_json(path, "arena file")
    if isinstance(d, dict) and "arena" in d and d["arena"] is None:
        raise OpenfieldError("the calibration file holds no arena", path)
    return arena_from_dict(d, path)


def read_arena_corners(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """Read arena corners given by hand: ``{"arenas": [[[x, y] x 4], ...]}`` or a bare list of arenas.

    Parameters
    ----------
    path
        JSON file. Each arena is four ``[x, y]`` pixel corners (any order);
        the arenas' order in the file is their numbering. The
        ``<name>_arenas.json`` of :func:`openfield.synthetic.render_arenas_video`
        is such a file.

    Returns
    -------
    list of numpy.ndarray
        One ``(4, 2)`` float array per arena, as given.

    Raises
    ------
    OpenfieldError
        Naming the file (and the arena) when it is missing, not JSON, empty,
        or an arena is not four finite ``[x, y]`` numbers enclosing an area
        (checked by :func:`openfield.arena.geometry.arena_from_dict`, as a
        rectangle arena given by hand).
    """
    path = Path(path)
    data = read_json(path, "arena corners file")
    arenas = data.get("arenas") if isinstance(data, dict) else data
    if not isinstance(arenas, list):
        raise OpenfieldError(
            'arena corners file must be {"arenas": [[[x, y], [x, y], [x, y], [x, y]], ...]} '
            "or a list of such arenas", path,
        )
    if not arenas:
        raise OpenfieldError("arena corners file lists no arena", path)
    out = []
    for k, arena in enumerate(arenas, start=1):
        if not isinstance(arena, list) or len(arena) != 4:
            got = f"{len(arena)} points" if isinstance(arena, list) else f"a {type(arena).__name__}"
            raise OpenfieldError(f"arena {k} has {got}; each arena needs its 4 corners as [x, y]", path)
        try:  # the one check of a rectangle's corners
            arena_from_dict({"shape": "rectangle", "corners_px": arena})
        except OpenfieldError as exc:
            raise OpenfieldError(f"arena {k}: {exc.message}", path) from None
        out.append(np.array(arena, dtype=float))
    return out
