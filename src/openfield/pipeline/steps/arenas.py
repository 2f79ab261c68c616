"""The arenas of a multi-arena video: found once, recorded in the video's and each arena's ledger."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from openfield import calibration as calibration_mod
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration, write_calibration
from openfield.io.images import write_png
from openfield.io.video import video_background
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.pipeline.paths import arena_stem, arenas_image_path, output_paths, silhouette_path
from openfield.pipeline.steps.labeled_video import labeled_video_path

log = logging.getLogger(__name__)


def arenas_step(
    ledger: Ledger,
    video: Path,
    arena_size_cm: tuple[float, float] | None,
    n: int | None,
    corners: list[np.ndarray] | None = None,
    given: list[Calibration] | None = None,
) -> tuple[list[Calibration], str]:
    """A video's arenas, found once on its median background (or given) -> per arena ``<stem>_a<K>_calibration.json``,
    and ``<stem>_arenas.png`` (the background with the numbered arenas drawn).

    Recorded in the video's own ledger (``<stem>``) as the step ``arenas``.
    When it finds fewer arenas than the run before recorded (``--arenas 4``,
    then corners of 2), the arenas that no longer exist lose their outputs
    and records (:func:`remove_arenas`).

    Parameters
    ----------
    arena_size_cm
        Every arena's floor size (not used with ``given``).
    n
        How many arenas the video must hold; None: as many as are found.
    corners
        The arenas' corners given by hand (one ``(4, 2)`` array per arena):
        no detection.
    given
        The arenas' calibrations (``--calibration`` of several arenas):
        used as they are.

    Returns
    -------
    calibrations : list of Calibration
        One per arena, numbered row-major from the top-left (index 0 = arena 1).
    fingerprint : str

    Raises
    ------
    OpenfieldError
        Naming the video: not the expected number of arenas (how many were
        found and where), or none found.
    """
    settings: dict[str, Any] = {"given": [c.to_dict() for c in given]} if given is not None else {
        "arena_size_cm": list(arena_size_cm or ()), "arenas": n,
        "corners": None if corners is None else [np.asarray(c).tolist() for c in corners]}
    fp = fingerprint("arenas", settings, sources=[video])
    rec = ledger.current("arenas", fp)
    if rec:
        return [read_calibration(ledger.output("arenas", f"calibration_a{k}"))
                for k in range(1, int(rec["values"]["arenas"]) + 1)], fp
    background = video_background(video)
    if given is not None:
        cals = list(given)
    else:
        assert arena_size_cm is not None
        try:
            cals = calibration_mod.calibrate_arenas([background], arena_size_cm, n=n, corners_px=corners,
                                                    names=[str(video)])
        except OpenfieldError as exc:
            raise OpenfieldError(f"{exc.message} (looked on the video's median background)", video) from exc
    outputs: dict[str, Path] = {}
    for k, cal in enumerate(cals, 1):
        path = output_paths(arena_stem(ledger.stem, k), ledger.out_dir)["calibration"]
        outputs[f"calibration_a{k}"] = write_calibration(cal, path)
    image = calibration_mod.draw_arenas(background, [c.floor_outline_px for c in cals])
    outputs["arenas_image"] = write_png(image, arenas_image_path(ledger.stem, ledger.out_dir))
    previous = int(ledger.records.get("arenas", {}).get("values", {}).get("arenas") or 0)
    if previous > len(cals):  # before the record is replaced: it names their files
        remove_arenas(ledger, list(range(len(cals) + 1, previous + 1)))
    ledger.record("arenas", fp, outputs, {"arenas": len(cals)})
    how = "found" if given is None and corners is None else "given"
    log.info("%s: %d arena(s) %s, %s px/cm", video.name, len(cals), how, ", ".join(f"{c.px_per_cm:.2f}" for c in cals))
    return cals, fp


def remove_arenas(ledger: Ledger, arenas: list[int]) -> list[Path]:
    """Delete what arenas of a video that no longer exist left in the output folder, and their records.

    For each arena K: every output its own ledger (``<stem>_a<K>``)
    recorded, its calibration and pose as the video's ledger recorded them,
    its silhouette table, the files a step of it would write (see
    :func:`openfield.pipeline.paths.output_paths`, also when a killed run
    did not record them) and its record ``OUT/.openfield/<stem>_a<K>.json``.
    Only these exact names: another video's files (``<stem>_a3_x.mp4``'s) are
    never touched. One log line names the arenas.

    Parameters
    ----------
    ledger
        The video's ledger (``<stem>``), before its ``arenas`` record is replaced.
    arenas
        The numbers of the arenas gone.

    Returns
    -------
    list of Path
        The files deleted (records included).
    """
    removed = []
    for k in arenas:
        unit = Ledger(ledger.out_dir, arena_stem(ledger.stem, k))
        files = {unit.out_dir / name for rec in unit.records.values() for name in rec.get("outputs", {}).values()}
        for step, key in (("arenas", f"calibration_a{k}"), ("arena_tracking", f"pose_a{k}")):
            if key in ledger.records.get(step, {}).get("outputs", {}):
                files.add(ledger.output(step, key))
        standard = output_paths(unit.stem, unit.out_dir)
        files |= {*standard.values(), standard["kinematics"].with_suffix(".parquet"),
                  silhouette_path(standard["pose"]), labeled_video_path(unit), unit.path}
        for path in sorted(files):
            if path.is_file():
                path.unlink()
                removed.append(path)
    log.warning("%s: arena(s) %s no longer found: removed the outputs and records of %s (%d files)", ledger.stem,
                ", ".join(map(str, arenas)), ", ".join(arena_stem(ledger.stem, k) for k in arenas), len(removed))
    return removed


def arena_part_step(ledger: Ledger, step: str, fp: str, outputs: dict[str, Path],
                    values: dict[str, Any] | None = None) -> str:
    """Record in an arena's own ledger (``<stem>_a<K>``) its part of a video-wide step (calibration, pose).

    The video-wide steps (:func:`arenas_step`, :func:`arena_tracking_step`)
    made the files; recording them here too makes each arena's ledger
    complete, as a single-arena video's: the steps after read their inputs
    from it (the labelled video, ``openfield behavior``). Recorded only when
    not already current.

    Returns
    -------
    str
        ``fp``.
    """
    if not ledger.current(step, fp):
        ledger.record(step, fp, outputs, values, timed=False)  # the video's own steps did (and timed) the work
    return fp
