"""The study as an Excel workbook (openpyxl): one sheet per table, units in the headers."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: Column-name endings and their units, longest first.
_UNITS = [("_deg_cm", "°/cm"), ("_deg_s", "°/s"), ("_deg", "°"), ("_cm_s2", "cm/s²"), ("_cm_s", "cm/s"), ("_cm", "cm"),
          ("_min", "min"), ("_s", "s")]


def unit(column: str) -> str:
    """The unit a column's name ends with (``distance_cm`` -> ``cm``), or ``""``."""
    if column.endswith("entries") or column.startswith(("bouts_", "n_")) or column in ("n", "n_a", "n_b"):
        return "count"
    for end, u in _UNITS:
        if column.endswith(end):
            return u
    return ""


def header(column: str) -> str:
    """A workbook header: the column name with its unit, e.g. ``distance_cm (cm)``."""
    u = unit(column)
    return f"{column} ({u})" if u else column


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx file with one sheet per table.

    Each sheet has the units in its header row (:func:`header`), the header
    row frozen and bold, and columns wide enough for their contents. Every
    text cell is text: one starting with ``=`` (``+``, ``-``, ``@``: the
    spreadsheet programs' formula starts) is never written as a formula.
    """
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        heads = [header(str(c)) for c in df.columns]
        ws.append(heads)
        for cell in ws[1]:
            if cell.data_type == "f":
                cell.data_type = "s"
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # text that looks like a formula stays text (no formula injection)
                    cell.data_type = "s"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for j, col in enumerate(df.columns, start=1):
            texts = [heads[j - 1], *(_text(v) for v in df[col].head(200))]
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, max(map(len, texts)) + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v: object) -> object:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def _text(v: object) -> str:
    v = _cell(v)
    if v is None:
        return ""
    return f"{v:.4g}" if isinstance(v, float) else str(v)
