"""Where a run's time went: the steps' timings summed over its videos, as a table (``openfield run -v``).

Every step a video ran is timed in its record
(:class:`openfield.pipeline.ledger.Ledger`: wall-clock and CPU seconds of the
process that ran it); :func:`timing_table` adds them up per step over a
batch's results, and :func:`format_timings` lays the table out with the
whole run's own wall and CPU seconds, so that what lies outside the steps
(starting Python and importing, starting the workers, the batch's summary
and report) shows too. docs/scaling.md explains how to read it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: A :class:`openfield.pipeline.run.VideoResult` (its ``timings``, ``arena_results``); named here, not imported:
#: the pipeline's run module imports this one.
VideoResult = Any

log = logging.getLogger(__name__)

#: The columns of :func:`timing_table`.
TIMING_COLUMNS = ("step", "runs", "wall_s", "cpu_s", "cpu_share")


def _units(results: Iterable[VideoResult]) -> Iterable[VideoResult]:
    for r in results:
        yield r
        yield from r.arenas


def timing_table(results: Iterable[VideoResult], extra: Mapping[str, Mapping[str, Any]] | None = None
                 ) -> list[dict[str, Any]]:
    """The steps' timings summed over a batch, one row per step (and per timed part of a step).

    Parameters
    ----------
    results
        The batch's results; each one's (and each of its arenas')
        ``timings``: step -> ``{"wall_s", "cpu_s"[, "parts"]}``.
    extra
        More timed steps that belong to no video (the batch's summary and
        report, ``"batch"``), as ``timings`` holds them.

    Returns
    -------
    list of dict
        In the order the steps first appear: ``step`` (a part as
        ``"<step>: <part>"``, right after its step), ``runs`` (how many
        videos or arenas ran it), ``wall_s`` and ``cpu_s`` (sums, s), and
        ``cpu_share`` (the step's CPU seconds over those of all steps, a
        part's over the same total; 0 when no CPU time was counted).
    """
    sums: dict[str, dict[str, float]] = {}

    def add(name: str, timing: Mapping[str, Any]) -> None:
        row = sums.setdefault(name, {"runs": 0, "wall_s": 0.0, "cpu_s": 0.0})
        row["runs"] += 1
        row["wall_s"] += float(timing.get("wall_s", 0.0))
        row["cpu_s"] += float(timing.get("cpu_s", 0.0))

    timed = [r.timings for r in _units(results)] + ([extra] if extra else [])
    for timings in timed:
        for step, timing in timings.items():
            add(step, timing)
            for part, part_timing in (timing.get("parts") or {}).items():
                add(f"{step}: {part}", part_timing)
    total = sum(v["cpu_s"] for k, v in sums.items() if ": " not in k)
    return [{"step": k, "runs": int(v["runs"]), "wall_s": round(v["wall_s"], 3), "cpu_s": round(v["cpu_s"], 3),
             "cpu_share": round(v["cpu_s"] / total, 4) if total > 0 else 0.0} for k, v in sums.items()]


@dataclass(frozen=True)
class RunClock:
    """The whole run's clocks, taken when it starts (:meth:`start`) and read at its end (:meth:`stop`).

    Attributes
    ----------
    wall
        ``time.perf_counter()`` at the start.
    cpu
        This process's CPU seconds at the start (``os.times()``: what
        starting Python and the imports cost before the run began).
    children_cpu
        CPU seconds of this process's finished children at the start.
    """

    wall: float
    cpu: float
    children_cpu: float

    @classmethod
    def start(cls) -> RunClock:
        """The clocks now."""
        t = os.times()
        return cls(time.perf_counter(), t.user + t.system, t.children_user + t.children_system)

    def stop(self) -> dict[str, float]:
        """``wall_s`` and ``cpu_s`` since :meth:`start` (this process and its finished workers), and
        ``startup_cpu_s``: this process's CPU seconds before the start (interpreter and imports)."""
        t = os.times()
        cpu = t.user + t.system - self.cpu + t.children_user + t.children_system - self.children_cpu
        return {"wall_s": round(time.perf_counter() - self.wall, 3), "cpu_s": round(cpu, 3),
                "startup_cpu_s": round(self.cpu, 3)}


def format_timings(rows: list[dict[str, Any]], run: Mapping[str, float] | None = None) -> str:
    """The table of :func:`timing_table` as text lines, with the whole run's seconds below it.

    Parameters
    ----------
    rows
        :func:`timing_table`'s rows.
    run
        :meth:`RunClock.stop`'s ``wall_s``, ``cpu_s`` and ``startup_cpu_s``;
        then a line says how much of the run's CPU the steps do not account
        for (worker start-up, the batch's own work, waiting).

    Returns
    -------
    str
    """
    lines = [f"{'step':<28} {'runs':>5} {'wall s':>9} {'CPU s':>9} {'CPU %':>6}"]
    for r in rows:
        lines.append(f"{r['step']:<28} {r['runs']:>5d} {r['wall_s']:>9.2f} {r['cpu_s']:>9.2f} "
                     f"{100 * r['cpu_share']:>6.1f}")
    if run is not None:
        steps_cpu = sum(r["cpu_s"] for r in rows if ": " not in r["step"])
        lines.append(f"whole run: {run['wall_s']:.2f} s wall, {run['cpu_s']:.2f} s CPU (this process and its "
                     f"workers), of which outside the steps {max(0.0, run['cpu_s'] - steps_cpu):.2f} s; "
                     f"before it (Python start and imports): {run['startup_cpu_s']:.2f} s CPU")
    return "\n".join(lines)


def log_timings(results: Iterable[VideoResult], run: Mapping[str, float] | None = None,
                extra: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Log (DEBUG: shown by ``-v``) where the run's time went; return :func:`timing_table`'s rows."""
    rows = timing_table(results, extra)
    if rows and log.isEnabledFor(logging.DEBUG):
        log.debug("where the time went (steps that ran, summed over the videos):\n%s", format_timings(rows, run))
    return rows
