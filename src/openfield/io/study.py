"""A study's files: the design sheet read, the results' tables read, the study's outputs written."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from openfield.errors import OpenfieldError


def read_design_sheet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A design sheet (``.csv`` or ``.xlsx``) as a table of strings, as in the file (checked by
    :func:`openfield.study.design.read_design`).

    Raises
    ------
    OpenfieldError
        Naming the file: missing, another type, unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("design sheet not found", path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str)
        elif path.suffix.lower() == ".csv":
            df = pd.read_csv(path, dtype=str, skipinitialspace=True)
        else:
            raise OpenfieldError("the design sheet must be a .csv or .xlsx file", path)
    except (ValueError, ImportError, pd.errors.ParserError) as exc:
        if isinstance(exc, OpenfieldError):
            raise
        raise OpenfieldError(f"cannot read the design sheet ({exc})", path) from exc
    return df


def read_result_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A results table of a run (``.csv`` or ``.parquet``).

    Raises
    ------
    OpenfieldError
        Naming the file: unreadable.
    """
    path = Path(path)
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise OpenfieldError(f"cannot read ({exc})", path) from exc
