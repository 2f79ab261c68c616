"""The calibration step: the arena of a video found on its median background, or given."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from openfield import calibration as calibration_mod
from openfield.arena import ArenaGeometry
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration, write_calibration
from openfield.io.video import video_background
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import output_paths

log = logging.getLogger(__name__)


def given_calibration(cal: Calibration) -> str:
    """The fingerprint of a calibration given by the user (its content, wherever it came from)."""
    return fingerprint("calibration", {"given": cal.to_dict()})


def calibration_step(
    ledger: Ledger,
    video: Path,
    arena_size_cm: tuple[float, float] | None,
    shape: str = "rectangle",
    diameter_cm: float | None = None,
    arena: ArenaGeometry | None = None,
) -> tuple[Calibration, str]:
    """The arena found on the video's median background (or given by hand) -> ``<stem>_calibration.json``.

    Parameters
    ----------
    arena_size_cm
        A rectangular (or polygon) floor's size.
    shape
        The detector: ``"rectangle"``, ``"circle"`` or ``"auto"``
        (:func:`openfield.calibration.detect_arena_shape`).
    diameter_cm
        A round floor's diameter.
    arena
        The floor given by hand: no detection.

    Returns
    -------
    calibration : Calibration
    fingerprint : str
    """
    path = output_paths(ledger.stem, ledger.out_dir)["calibration"]
    settings: dict[str, Any] = {"arena_size_cm": None if arena_size_cm is None else list(arena_size_cm)}
    if shape != "rectangle" or diameter_cm is not None or arena is not None:  # only then: a rectangle keeps its fp
        settings.update(shape=shape, diameter_cm=diameter_cm, arena=None if arena is None else arena.to_dict())
    fp = fingerprint("calibration", settings, sources=[video])
    if ledger.current("calibration", fp):
        return read_calibration(path), fp
    if arena is not None:
        cal = calibration_mod.calibrate_floor([], arena_size_cm=arena_size_cm, diameter_cm=diameter_cm, arena=arena)
    else:
        background = video_background(video)
        try:
            if shape == "rectangle":
                assert arena_size_cm is not None
                cal = calibration_mod.calibrate_arena([background], arena_size_cm, names=[str(video)])
            else:
                cal = calibration_mod.calibrate_floor([background], shape, arena_size_cm, diameter_cm,
                                                      names=[str(video)])
        except OpenfieldError as exc:
            raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    write_calibration(cal, path)
    ledger.record("calibration", fp, {"calibration": path})
    log.info("%s: arena %s (%s), %.2f px/cm -> %s", video.name, "given" if arena is not None else "found",
             cal.shape, cal.px_per_cm, path.name)
    return cal, fp
