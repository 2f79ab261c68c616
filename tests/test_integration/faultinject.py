"""Fault injection for whole commands: kill a run at random moments, resume it, compare the outputs.

Used by ``test_fault_injection.py``; meant for any command that writes an
output folder (``openfield run``, ``openfield study`` ...):

* :func:`run_and_kill` starts a command and SIGKILLs it after a delay (no
  clean-up code of the process runs, as after a power cut or the OOM killer);
* :func:`kill_and_resume` does that at several seeded random moments, each
  time starting the command again, then lets it finish;
* :func:`compare_output_folders` lists every difference between two output
  folders: tables equal to 1e-9 (pandas), images present and decodable,
  JSON equal but for time stamps, HTML equal but for time stamps, folder
  names and embedded images; other files byte for byte.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.io.files import is_temporary
from openfield.io.lock import LOCK_NAME

SRC = Path(__file__).resolve().parents[2] / "src"

#: JSON keys whose values are moments in time, not results.
TIME_KEYS = {"created", "date", "datetime", "timestamp", "started", "finished", "generated", "time_created", "timing"}

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?")
_DATA_URI = re.compile(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")


def openfield_command(*args: str) -> list[str]:
    """``python -m openfield ARGS`` with this interpreter."""
    return [sys.executable, "-m", "openfield", *args]


def command_env() -> dict[str, str]:
    """The environment for a command: this checkout's sources first, headless plots, offline."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(MPLBACKEND="Agg", HF_HUB_OFFLINE="1")
    return env


@dataclass
class Attempt:
    """One start of the command.

    Attributes
    ----------
    delay_s
        When it was to be killed (None: let finish).
    killed
        True when it was still running and got SIGKILL.
    returncode
        Its exit status (negative: the signal).
    outputs
        The output folder's files right after it ended (for messages).
    """

    delay_s: float | None
    killed: bool
    returncode: int
    outputs: list[str]


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def run_and_kill(cmd: Sequence[str], out_dir: Path, delay_s: float | None, timeout_s: float = 600,
                 cwd: Path | None = None) -> Attempt:
    """Run ``cmd``; SIGKILL it after ``delay_s`` seconds if still running (None: wait for it).

    Raises
    ------
    subprocess.TimeoutExpired
        When an unkilled run lasts longer than ``timeout_s``.
    """
    proc = subprocess.Popen(list(cmd), env=command_env(), cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    killed = False
    try:
        if delay_s is not None:
            try:
                proc.wait(timeout=delay_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the command and anything it started
                killed = True
        _, err = proc.communicate(timeout=timeout_s)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if not killed and proc.returncode not in (0, 1):
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return Attempt(delay_s, killed, proc.returncode, _listing(out_dir))


def timed_run(cmd: Sequence[str], out_dir: Path) -> float:
    """Run ``cmd`` to the end; return its wall time in seconds."""
    t0 = time.monotonic()
    run_and_kill(cmd, out_dir, None)
    return time.monotonic() - t0


def kill_and_resume(cmd: Sequence[str], out_dir: Path, duration_s: float, n_kills: int = 3, seed: int = 0,
                    span: tuple[float, float] = (0.2, 1.0)) -> list[Attempt]:
    """Kill ``cmd`` ``n_kills`` times at seeded random moments, restarting it each time, then let it finish.

    Parameters
    ----------
    cmd
        The command; it must resume from what is in ``out_dir``.
    out_dir
        Its output folder.
    duration_s
        How long an uninterrupted run takes here (:func:`timed_run`); the
        kill moments are drawn as fractions of it.
    n_kills
        Number of kills.
    seed
        Seed of the moments.
    span
        Range of the fractions.

    Returns
    -------
    list of Attempt
        The killed starts and the final one.
    """
    rng = random.Random(seed)
    attempts = [run_and_kill(cmd, out_dir, rng.uniform(*span) * duration_s) for _ in range(n_kills)]
    attempts.append(run_and_kill(cmd, out_dir, None))
    return attempts


def temporaries(folder: Path) -> list[Path]:
    """The temporary files of atomic writes under ``folder``."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_temporary(p))


def _strip_times(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items() if k not in TIME_KEYS}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


def _normalise_text(text: str, folder: Path) -> str:
    for form in {str(folder), str(folder.resolve())}:
        text = text.replace(form, "<OUT>")
    text = _DATA_URI.sub("data:image", text)
    return _STAMP.sub("<TIME>", text)


def _compare_file(a: Path, b: Path, folder_a: Path, folder_b: Path, atol: float) -> str | None:
    suffix = a.suffix.lower()
    if suffix == ".csv":
        ta, tb = pd.read_csv(a), pd.read_csv(b)
        try:
            pd.testing.assert_frame_equal(ta, tb, check_exact=False, rtol=0, atol=atol)
        except AssertionError as exc:
            return str(exc).splitlines()[0] + " " + " ".join(str(exc).split())[:300]
        return None
    if suffix in (".png", ".jpg", ".jpeg"):
        import cv2

        bad = [p.name for p in (a, b) if cv2.imread(str(p)) is None]
        return f"unreadable image(s) {bad}" if bad else None
    if suffix == ".json":
        ja, jb = (_strip_times(json.loads(p.read_text(encoding="utf-8"))) for p in (a, b))
        return None if _json_close(ja, jb, atol) else "JSON differs"
    if suffix in (".html", ".htm", ".txt", ".md", ".log"):
        ta_, tb_ = (_normalise_text(p.read_text(encoding="utf-8"), f) for p, f in ((a, folder_a), (b, folder_b)))
        ia, ib = (len(_DATA_URI.findall(p.read_text(encoding="utf-8"))) for p in (a, b))
        if ia != ib:
            return f"{ia} vs {ib} embedded images"
        return None if ta_ == tb_ else "text differs"
    return None if a.read_bytes() == b.read_bytes() else "bytes differ"


def _json_close(a: object, b: object, atol: float) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_close(a[k], b[k], atol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_close(x, y, atol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return bool(np.isclose(a, b, rtol=0, atol=atol, equal_nan=True))
    return a == b


def compare_output_folders(a: Path, b: Path, atol: float = 1e-9,
                           ignore: Sequence[str] = (LOCK_NAME,)) -> list[str]:
    """Every difference between two output folders, as lines (empty: the same results).

    Temporary files of atomic writes and ``ignore``\\ d names are left out of
    the comparison (check them with :func:`temporaries`).
    """
    def files(folder: Path) -> set[str]:
        return {str(p.relative_to(folder)) for p in folder.rglob("*")
                if p.is_file() and not is_temporary(p) and p.name not in ignore}

    fa, fb = files(a), files(b)
    diffs = [f"only in {a.name}: {n}" for n in sorted(fa - fb)] + [f"only in {b.name}: {n}" for n in sorted(fb - fa)]
    for name in sorted(fa & fb):
        why = _compare_file(a / name, b / name, a, b, atol)
        if why:
            diffs.append(f"{name}: {why}")
    return diffs
