"""Label files of human raters read as tables, with errors naming the file.

What the tables mean (interval tables, BORIS exports, per-frame 0/1 tables) and how they become labels is
:mod:`openfield.behavior.labels`; this module only reads the files.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from openfield.errors import OpenfieldError


def read_label_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A CSV of behaviour intervals as a table.

    Raises
    ------
    OpenfieldError
        Naming the file: not found, a folder, empty, not a CSV table.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("label file not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a CSV of behaviour intervals", path)
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise OpenfieldError("label file is empty", path) from exc
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read as a CSV table ({exc})", path) from exc


def read_label_rows(path: str | os.PathLike[str]) -> list[list[str]]:
    """The file's rows as lists of cells (tab- or comma-separated, whichever the file uses).

    Raises
    ------
    OpenfieldError
        Naming the file: not text, or empty.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OpenfieldError(f"cannot read as a text table ({exc})", path) from exc
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise OpenfieldError("label file is empty", path)
    delimiter = "\t" if sum("\t" in line for line in lines) > sum("," in line for line in lines) / 2 else ","
    return [[c.strip() for c in row] for row in csv.reader(lines, delimiter=delimiter)]


def read_frame_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A per-frame label table (tab-separated when its first line has a tab, else comma-separated).

    Raises
    ------
    OpenfieldError
        Naming the file: not a table.
    """
    path = Path(path)
    try:
        first = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
        return pd.read_csv(path, sep="\t" if "\t" in first else ",")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"cannot read as a CSV table ({exc})", path) from exc
