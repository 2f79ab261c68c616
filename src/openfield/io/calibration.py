"""Reading and writing the calibration JSON file.

The file is :meth:`openfield.calibration.Calibration.to_dict` as JSON; the
conversions stay in :mod:`openfield.calibration`, the file handling is here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.files import write_json


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


def read_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a calibration JSON written by :func:`write_calibration` (or by hand).

    Parameters
    ----------
    path
        The JSON file.

    Returns
    -------
    Calibration
        The calibration, validated.

    Raises
    ------
    OpenfieldError
        One line naming the file when it is missing, not JSON, or lacks or
        has malformed fields.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("calibration file not found", path)
    try:
        d = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"calibration file is not valid JSON ({exc})", path) from exc
    return Calibration.from_dict(d, path)
