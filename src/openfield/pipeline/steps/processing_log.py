"""A recording's processing log, kept beside its step records: ``OUT/.openfield/log/<stem>.json``.

Each stage that makes or transforms the recording's Dataset appends a record
(:func:`openfield.provenance.log_step`: step, parameters, openfield version,
UTC datetime). The steps keep their records here by section (the pose step's,
the kinematics step's, the behaviour step's), each replaced when its step
runs again and kept when it is skipped, so the file always tells how the
outputs in the folder were made. ``log`` lists every record in the order the
stages ran; no output file's bytes change. Read it with :func:`read_processing_log`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from openfield.io.files import write_json
from openfield.io.names import processing_log_path
from openfield.pipeline.ledger import STATE_DIR, Ledger, plain

#: The sections, in the order their stages run.
SECTIONS = ("pose", "kinematics", "behavior")


def log_path(ledger: Ledger) -> Path:
    """The processing log of a ledger's recording (video, arena or pose file)."""
    return processing_log_path(ledger.path.parent, ledger.stem)


def read_processing_log(out_dir: str | os.PathLike[str], stem: str) -> dict[str, Any]:
    """A recording's processing log: ``{"stem", "log": [records in order], "steps": {section: [records]}}``.

    Empty (``{}``) when there is none, or it does not read.
    """
    path = processing_log_path(Path(out_dir) / STATE_DIR, stem)
    try:
        stored = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return stored if isinstance(stored, dict) else {}


def section(ledger: Ledger, name: str) -> list[dict[str, Any]]:
    """The records a step kept (:func:`keep_section`), or empty."""
    return list(read_processing_log(ledger.out_dir, ledger.stem).get("steps", {}).get(name) or [])


def keep_section(ledger: Ledger, name: str, records: list[dict[str, Any]]) -> Path:
    """Keep (replace) a step's records in the recording's processing log; the file is written atomically.

    Parameters
    ----------
    name
        One of :data:`SECTIONS`.
    records
        The step's records (:func:`openfield.provenance.log_record`), made JSON-ready here.
    """
    steps = dict(read_processing_log(ledger.out_dir, ledger.stem).get("steps") or {})
    steps[name] = json.loads(json.dumps(plain(list(records)), default=str))  # e.g. a zones file's objects as text
    ordered = {s: steps[s] for s in SECTIONS if s in steps}
    return write_json({"stem": ledger.stem, "log": [r for records in ordered.values() for r in records],
                       "steps": ordered}, log_path(ledger))
