"""The summary step: the one-row ``<stem>_summary.csv``, written last."""

from __future__ import annotations

from typing import Any

import pandas as pd

from openfield.io.files import write_csv
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import output_paths


def summary_step(ledger: Ledger, row: dict[str, Any], inputs: list[str]) -> tuple[str, dict[str, Any]]:
    """The one-row ``<stem>_summary.csv`` (written last: the video is finished).

    Parameters
    ----------
    row
        The row: the input's name first (``video`` or ``file``), then the
        kinematics summary and any behaviour totals.
    inputs
        Fingerprints of the steps whose values make the row.

    Returns
    -------
    fingerprint : str
        Covers every step before (the batch's files depend on it).
    row : dict
        The row.
    """
    path = output_paths(ledger.stem, ledger.out_dir)["summary"]
    fp = fingerprint("summary", {"columns": list(row)}, inputs=inputs)
    rec = ledger.current("summary", fp)
    if rec:
        return fp, rec["values"]
    write_csv(pd.DataFrame([row]), path)
    ledger.record("summary", fp, {"summary": path}, row)
    return fp, row
