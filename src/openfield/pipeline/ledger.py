"""One resume mechanism: a settings fingerprint per step, kept per video in ``OUT/.openfield/<stem>.json``.

A step's fingerprint is the SHA-256 of its name, its settings (as JSON),
the openfield version, the fingerprints of the steps it consumes, and for
source files (the video, a user's pose file, a DeepLabCut config, a model's
files) their resolved path, size and modification time. A step runs when its
fingerprint differs from the recorded one or one of its recorded outputs is
missing (or when asked to overwrite); otherwise it is skipped and what it
produced is read back. So changing a kinematics option redoes kinematics
and what follows, never tracking.

Each step run is timed (:attr:`Ledger.records`' ``timing``): the wall-clock
seconds and this process's CPU seconds (every thread's, the decoding
thread's included) from the moment :meth:`Ledger.current` found the step out
of date to its :meth:`Ledger.record`, plus any ``parts`` a step timed inside
itself (:meth:`Ledger.part`, e.g. the kinematics' plots).
:func:`openfield.pipeline.timings.timing_table` sums them over a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from openfield import __version__
from openfield.io.files import write_json

log = logging.getLogger(__name__)

#: Folder of the per-video step records, inside the output folder.
STATE_DIR = ".openfield"


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (numpy scalars and arrays, paths and tuples made plain)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, os.PathLike):
        return str(value)
    return value


def source_identity(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Resolved path, size and modification time (ns) of a source file (``missing`` when absent)."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return {"path": str(p), "missing": True}
    return {"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def content_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes: the identity of a source that may be rewritten unchanged (a new modification
    time, the same content), e.g. a dataset's manifest; ``"missing"`` when absent."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def fingerprint(
    step: str,
    settings: Mapping[str, Any],
    inputs: Iterable[str] = (),
    sources: Iterable[str | os.PathLike[str]] = (),
) -> str:
    """The fingerprint of a step (see the module docstring).

    Parameters
    ----------
    step
        The step's name.
    settings
        Its options (JSON-ready after :func:`plain`).
    inputs
        Fingerprints of the steps whose results it consumes.
    sources
        Files it reads that no step made.

    Returns
    -------
    str
        A hex SHA-256.
    """
    payload = {"step": step, "settings": plain(settings), "openfield_version": __version__,
               "inputs": list(inputs), "sources": [source_identity(s) for s in sources]}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class Ledger:
    """The step records of one video (or pose file) in one output folder.

    Attributes
    ----------
    out_dir
        The output folder.
    stem
        The video's (or pose file's) name without extension.
    overwrite
        Treat every step as changed.
    records
        Step name -> ``{"fingerprint", "outputs" (name -> file name in
        out_dir, or its path relative to out_dir for a file elsewhere),
        "values" (small JSON results such as a summary row),
        "datetime"}``.
    ran
        Steps run by this process, in order.
    outcome
        How the input's last run ended (:meth:`set_outcome`): ``status``
        ``"done"`` or ``"failed"``, ``error``, ``sources`` (the input files'
        identities then) and ``datetime``; empty before the first. A study
        reads it (:func:`read_outcome`) to refuse results whose input failed
        last time or has changed since.
    """

    out_dir: Path
    stem: str
    overwrite: bool = False
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    outcome: dict[str, Any] = field(default_factory=dict)
    _started: dict[str, tuple[float, float]] = field(default_factory=dict, init=False, repr=False)
    _parts: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if self.path.exists():
            try:
                stored = json.loads(self.path.read_text())
                self.records = dict(stored.get("steps", {}))
                self.outcome = dict(stored.get("outcome", {}))
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError, ValueError):
                log.warning("%s: unreadable step record, every step is redone", self.path)
                self.records, self.outcome = {}, {}

    @property
    def path(self) -> Path:
        """The record file, ``OUT/.openfield/<stem>.json``."""
        return self.out_dir / STATE_DIR / f"{self.stem}.json"

    def current(self, step: str, fp: str) -> dict[str, Any] | None:
        """The record of ``step`` if it is up to date (same fingerprint, outputs present), else None."""
        rec = self.records.get(step)
        if self.overwrite or rec is None or rec.get("fingerprint") != fp or not all(
                (self.out_dir / name).exists() for name in rec.get("outputs", {}).values()):
            self._started[step] = clocks()  # the step runs from here: timed until its record
            self._parts.pop(step, None)
            return None
        log.debug("%s: %s unchanged, skipped", self.stem, step)
        return rec

    def output(self, step: str, name: str) -> Path:
        """A recorded output of a step."""
        return self.out_dir / self.records[step]["outputs"][name]

    def record(self, step: str, fp: str, outputs: Mapping[str, Path], values: Mapping[str, Any] | None = None,
               timed: bool = True) -> None:
        """Store that ``step`` finished with fingerprint ``fp`` (the record file is written atomically).

        Its ``timing`` runs from when :meth:`current` found it out of date
        (absent when this ledger never did, or with ``timed`` False: a step
        whose work another step did and timed).
        """
        rec: dict[str, Any] = {
            "fingerprint": fp,
            "outputs": {k: self._relative(p) for k, p in outputs.items()},
            "values": plain(dict(values or {})),
            "datetime": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        started = self._started.pop(step, None)
        if started is not None and timed:
            rec["timing"] = elapsed(started)
            parts = self._parts.pop(step, None)
            if parts:
                rec["timing"]["parts"] = parts
        self.records[step] = rec
        self.ran.append(step)
        self._write()

    def _relative(self, path: str | os.PathLike[str]) -> str:
        """An output's name as recorded: its path relative to :attr:`out_dir` (its name when it is inside)."""
        try:
            return Path(os.path.relpath(Path(path), self.out_dir)).as_posix()
        except ValueError:  # another drive
            return str(Path(path).resolve())

    @contextmanager
    def part(self, step: str, name: str) -> Iterator[None]:
        """Time a part of a running step (wall and CPU seconds), kept in the step's ``timing["parts"][name]``.

        Parts of the same name add up.
        """
        started = clocks()
        try:
            yield
        finally:
            took = elapsed(started)
            total = self._parts.setdefault(step, {}).setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0})
            for key in ("wall_s", "cpu_s"):
                total[key] = round(total[key] + took[key], 4)

    def timings(self) -> dict[str, dict[str, Any]]:
        """The ``timing`` of each step this process ran (:attr:`ran`), by step name."""
        return {step: dict(self.records[step]["timing"]) for step in self.ran
                if "timing" in self.records.get(step, {})}

    def set_outcome(self, status: str, error: str | None = None,
                    sources: Iterable[str | os.PathLike[str]] = ()) -> None:
        """Record how this run of the input ended (``"done"`` or ``"failed"``), with its sources' identities.

        Nothing is written when the record already says the same (a re-run with every step up to date).
        """
        outcome = {"status": status, "error": error, "sources": [source_identity(s) for s in sources]}
        if {k: self.outcome.get(k) for k in outcome} == outcome:
            return
        self.outcome = {**outcome, "datetime": datetime.now(UTC).isoformat(timespec="seconds")}
        self._write()

    def _write(self) -> None:
        state = {"stem": self.stem, "openfield_version": __version__, "steps": self.records}
        if self.outcome:
            state["outcome"] = self.outcome
        write_json(state, self.path)


def clocks() -> tuple[float, float]:
    """Now: (wall-clock seconds, this process's CPU seconds, all its threads), for :func:`elapsed`."""
    return time.perf_counter(), time.process_time()


def elapsed(started: tuple[float, float]) -> dict[str, float]:
    """``{"wall_s", "cpu_s"}`` since ``started`` (:func:`clocks`), rounded to 0.1 ms."""
    wall, cpu = clocks()
    return {"wall_s": round(wall - started[0], 4), "cpu_s": round(cpu - started[1], 4)}


def read_outcome(out_dir: str | os.PathLike[str], stem: str) -> dict[str, Any] | None:
    """The recorded outcome of an input's last run in ``out_dir`` (see :attr:`Ledger.outcome`); None if none.

    Reads the record only (nothing is written).
    """
    path = Path(out_dir) / STATE_DIR / f"{stem}.json"
    try:
        outcome = json.loads(path.read_text()).get("outcome")
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return None
    return dict(outcome) if isinstance(outcome, dict) else None
