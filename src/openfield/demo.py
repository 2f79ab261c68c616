"""The built-in demo: a synthetic video with known answers through the main job.

:func:`run_demo` renders a video with :func:`openfield.synthetic.render_video`
(dark mouse, motion blur, pixel noise, slightly tilted camera) of a mouse
moving in minimum-jerk locomotor bouts (cruising 0.3-1 s at their peak speed) with rests between
(:func:`openfield.synthetic.make_bout_plan`), runs
:func:`openfield.pipeline.run_videos` on it exactly as ``openfield run VIDEO
--arena-size-cm W H`` would (arena found on the video, classical tracker),
and compares every measure with its analytic value: whole-recording
measures from the exact trajectory (:func:`openfield.synthetic.truth_summary`:
analytic speeds and accelerations, true positions for distance and zones;
the mean acceleration and deceleration average the analytic acceleration
over the frames where it is positive / negative, i.e. the bouts' rise and
fall phases), bout measures from the bout plan
(:func:`openfield.synthetic.bouts_truth`). A third column,
``exact_track``, runs the true positions through the same calibration and
kinematics: the difference between ``measured`` and ``exact_track`` is the
tracker's part of the error, the rest is how the kinematics step defines
and smooths a measure.

:func:`run_demo_arenas` (``openfield demo --arenas N``) does the same for
one camera filming N open fields (:func:`openfield.synthetic.render_arenas_video`:
rows x columns of boxes, a mouse in each on its own path, one box slightly
rotated), run as ``openfield run VIDEO --arenas N --arena-size-cm W H``
would, and compares each arena's measures with that arena's own truth.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError
from openfield.io.calibration import read_calibration
from openfield.io.files import write_csv
from openfield.io.names import REPORT, output_paths
from openfield.kinematics import KinematicsConfig, analyze_pose, summarize
from openfield.kinematics import bout_table as kinematics_bout_table
from openfield.pipeline import RunConfig, run_videos
from openfield.pipeline.ledger import Ledger, fingerprint
from openfield.synthetic import (
    bouts_trajectory,
    bouts_truth,
    bouts_truth_summary,
    make_bout_plan,
    pose_from_trajectory,
    render_arenas_video,
    render_video,
    truth_summary,
)

log = logging.getLogger(__name__)

#: Measures compared with the ground truth, and their units (every one is printed and tested).
COMPARED = {
    "distance_cm": "cm",
    "mean_speed_cm_s": "cm/s",
    "max_speed_cm_s": "cm/s",
    "mean_acceleration_cm_s2": "cm/s²",
    "mean_deceleration_cm_s2": "cm/s²",
    "time_moving_s": "s",
    "time_center_s": "s",
    "time_border_s": "s",
    "center_entries": "",
    "latency_center_s": "s",
    "locomotor_bouts": "",
    "mean_bout_acceleration_cm_s2": "cm/s²",
    "mean_bout_deceleration_cm_s2": "cm/s²",
    "mean_bout_peak_acceleration_cm_s2": "cm/s²",
    "mean_bout_peak_deceleration_cm_s2": "cm/s²",
    "mean_bout_cruise_s": "s",
}

DEMO_NAME = "demo_mouse"

#: The kind of motion of the demo video (re-rendered when an older video has another).
MOTION = "minimum_jerk"
#: The single-arena demo's motion as recorded with its video: its bouts cruise (issue 25), so a video rendered
#: before them is rendered again.
DEMO_MOTION = "minimum_jerk_cruise"

#: Ranges of the bouts' rise and fall times, cruises at their peak speed and rests (s;
#: :func:`openfield.synthetic.make_bout_plan`): seven bouts, each with a cruise, in the 20-s video.
PHASE_S = (0.4, 1.0)
CRUISE_S = (0.3, 1.0)
PAUSE_S = (0.8, 1.5)

#: Rest before the first bout (s).
START_PAUSE_S = 1.0


def _mean(values: pd.Series) -> float:
    """Mean of a column of numbers (NaN when empty)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(float)
    return float(v.mean()) if len(v) else float("nan")


def run_demo(
    out_dir: str | os.PathLike[str],
    duration_s: float = 20.0,
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    seed: int = 3,
    progress: bool = True,
) -> tuple[pd.DataFrame, Path]:
    """Render the demo video (unless rendered with these settings: the ledger), run the main job, compare.

    Parameters
    ----------
    out_dir
        Folder: the video and its truth go to ``video/``, the results to
        ``results/``.
    duration_s, fps, image_size, arena_size_cm, seed
        Of the synthetic video.
    progress
        Show progress bars.

    Returns
    -------
    table : pandas.DataFrame
        ``measure, unit, measured, true, error, error_percent,
        exact_track`` (also written as ``results/demo_vs_truth.csv``).
    report : Path
        The HTML report.
    """
    out_dir = Path(out_dir)
    video_dir, results_dir = out_dir / "video", out_dir / "results"
    video = video_dir / f"{DEMO_NAME}.mp4"
    truth_path = video_dir / f"{DEMO_NAME}_truth.csv"
    geometry_path = video_dir / f"{DEMO_NAME}_arena.json"
    bouts_truth_path = video_dir / f"{DEMO_NAME}_bouts_truth.csv"
    # rendered again only when one of these changed (or a file is missing): the ledger's resume, as every step
    settings = {"duration_s": duration_s, "fps": fps, "image_size": list(image_size),
                "arena_size_cm": list(arena_size_cm), "seed": seed, "motion": DEMO_MOTION, "phase_s": PHASE_S,
                "cruise_s": CRUISE_S, "pause_s": PAUSE_S, "start_pause_s": START_PAUSE_S, "tilt": 0.1,
                "animal": "dark", "motion_blur": True, "noise_sd": 4.0}
    ledger = Ledger(video_dir, DEMO_NAME)
    fp = fingerprint("render", settings)
    if not ledger.current("render", fp):
        log.info("rendering a %.0f s synthetic video in %s", duration_s, video_dir)
        plan, start = make_bout_plan(duration_s, arena_size_cm, seed, phase_s=PHASE_S, pause_s=PAUSE_S,
                                     cruise_s=CRUISE_S)
        trajectory = bouts_trajectory(plan, fps, start, START_PAUSE_S)
        render_video(video_dir, DEMO_NAME, trajectory=trajectory, fps=fps, arena_size_cm=arena_size_cm,
                     image_size=image_size, tilt=0.1, animal="dark", motion_blur=True, noise_sd=4.0, seed=seed,
                     progress=progress, motion=DEMO_MOTION)
        write_csv(bouts_truth(plan, start, START_PAUSE_S, arena_size_cm).round(6), bouts_truth_path)
        ledger.record("render", fp, {"video": video, "truth": truth_path, "geometry": geometry_path,
                                     "bouts_truth": bouts_truth_path})
    geometry = json.loads(geometry_path.read_text())
    size = tuple(geometry["arena_size_cm"])
    results = run_videos([video], results_dir, RunConfig(arena_size_cm=size, progress=progress))
    if results[0].summary is None:
        raise RuntimeError(f"the demo video failed: {results[0].error}")
    measured = results[0].summary
    truth_table = pd.read_csv(truth_path)
    truth = truth_summary(truth_table, geometry["fps"], size)
    truth.update(bouts_truth_summary(pd.read_csv(bouts_truth_path, keep_default_na=False)))
    # the exact positions through the same calibration and kinematics: what a perfect tracker would give
    exact_pose = pose_from_trajectory(truth_table.rename(columns={"body_x_cm": "x_cm", "body_y_cm": "y_cm"}),
                                      np.array(geometry["homography"]), size, geometry["fps"],
                                      geometry["mouse_length_cm"], with_corners=False)
    calibration = read_calibration(output_paths(DEMO_NAME, results_dir)["calibration"])
    perfect_ds = analyze_pose(exact_pose, calibration, KinematicsConfig(), geometry["fps"])
    perfect = summarize(perfect_ds)
    # the bouts' mean cruise, from the per-bout tables
    bouts_truth_table = pd.read_csv(bouts_truth_path, keep_default_na=False)
    measured = {**measured, "mean_bout_cruise_s": _mean(
        pd.read_csv(output_paths(DEMO_NAME, results_dir)["locomotor_bouts"])["cruise_s"])}
    truth["mean_bout_cruise_s"] = _mean(bouts_truth_table["cruise_s"])
    perfect["mean_bout_cruise_s"] = _mean(kinematics_bout_table(perfect_ds)["cruise_s"])
    rows = []
    for key, unit in COMPARED.items():
        m, t, p = float(measured[key]), float(truth[key]), float(perfect[key])
        err = m - t
        pct = 100 * err / t if t else np.nan
        rows.append({"measure": key, "unit": unit, "measured": m, "true": t, "error": err, "error_percent": pct,
                     "exact_track": p})
    table = pd.DataFrame(rows).round(4)  # as written, so the printed table is the written one
    write_csv(table, results_dir / "demo_vs_truth.csv")
    return table, results_dir / REPORT


#: Measures compared per arena in the multi-arena demo (the truth of
#: :func:`openfield.synthetic.truth_summary`; its paths have no bout plan).
ARENA_COMPARED = {
    "distance_cm": "cm",
    "mean_speed_cm_s": "cm/s",
    "max_speed_cm_s": "cm/s",
    "time_moving_s": "s",
    "time_center_s": "s",
    "time_border_s": "s",
    "center_entries": "",
    "latency_center_s": "s",
}

DEMO_ARENAS_NAME = "demo_arenas"


def arena_grid(n: int) -> tuple[int, int]:
    """Rows and columns of a rig of ``n`` boxes: as square as ``n`` allows (4: 2 x 2, 6: 2 x 3, 3: 1 x 3)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise OpenfieldError(f"--arenas must be a whole number of at least 1, got {n!r}")
    rows = max(r for r in range(1, int(np.sqrt(n)) + 1) if n % r == 0)
    return rows, n // rows


def run_demo_arenas(
    out_dir: str | os.PathLike[str],
    n_arenas: int = 4,
    duration_s: float = 20.0,
    fps: float = 30.0,
    arena_size_cm: tuple[float, float] = (30.0, 30.0),
    seed: int = 3,
    progress: bool = True,
) -> tuple[pd.DataFrame, Path]:
    """Render a video of ``n_arenas`` open fields (unless rendered with these settings), run the job, compare.

    Parameters
    ----------
    out_dir
        Folder: the video and its truths go to ``video/``, the results to
        ``results/``.
    n_arenas
        Boxes in the rig (:func:`arena_grid`); the second is rotated by 3°.
    duration_s, fps, arena_size_cm, seed
        Of the synthetic video.
    progress
        Show progress bars.

    Returns
    -------
    table : pandas.DataFrame
        ``arena, measure, unit, measured, true, error, error_percent`` (also
        written as ``results/demo_arenas_vs_truth.csv``).
    report : Path
        The HTML report.

    Raises
    ------
    OpenfieldError
        ``n_arenas`` not a whole number >= 2, or the video failed.
    """
    if isinstance(n_arenas, int) and not isinstance(n_arenas, bool) and n_arenas < 2:
        raise OpenfieldError(f"demo --arenas needs at least 2 arenas (1 is the plain demo), got {n_arenas}")
    rows, cols = arena_grid(n_arenas)
    out_dir = Path(out_dir)
    video_dir, results_dir = out_dir / "video", out_dir / "results"
    video = video_dir / f"{DEMO_ARENAS_NAME}.mp4"
    geometry_path = video_dir / f"{DEMO_ARENAS_NAME}_arenas.json"
    rotation = [3.0 if k == 1 else 0.0 for k in range(n_arenas)]
    # rendered again only when one of these changed (or a file is missing): the ledger's resume, as every step
    settings = {"rows": rows, "cols": cols, "duration_s": duration_s, "fps": fps,
                "arena_size_cm": list(arena_size_cm), "seed": seed, "motion": MOTION, "noise_sd": 4.0,
                "rotation_deg": rotation}
    ledger = Ledger(video_dir, DEMO_ARENAS_NAME)
    fp = fingerprint("render", settings)
    if not ledger.current("render", fp):
        log.info("rendering a %.0f s synthetic video of %d x %d arenas in %s", duration_s, rows, cols, video_dir)
        render_arenas_video(video_dir, DEMO_ARENAS_NAME, rows, cols, arena_size_cm=arena_size_cm, fps=fps,
                            duration_s=duration_s, rotation_deg=rotation, seed=seed, motion=MOTION, noise_sd=4.0,
                            progress=progress)
        truths = [f for f in json.loads(geometry_path.read_text())["truth_files"] if f]
        ledger.record("render", fp, {"video": video, "geometry": geometry_path,
                                     **{f"truth_{k}": video_dir / f for k, f in enumerate(truths, 1)}})
    geometry = json.loads(geometry_path.read_text())
    size = tuple(geometry["arena_size_cm"])
    config = RunConfig(arena_size_cm=size, arenas=n_arenas, progress=progress)
    results = run_videos([video], results_dir, config)
    if results[0].status == "failed":
        raise OpenfieldError(f"the demo video failed: {results[0].error}", video)
    table_rows = []
    for unit, truth_file in zip(results[0].arenas, geometry["truth_files"], strict=True):
        truth = truth_summary(pd.read_csv(video_dir / truth_file), geometry["fps"], size)
        for key, u in ARENA_COMPARED.items():
            m, t = float(unit.summary[key]), float(truth[key])
            table_rows.append({"arena": unit.arena, "measure": key, "unit": u, "measured": m, "true": t,
                               "error": m - t, "error_percent": 100 * (m - t) / t if t else np.nan})
    table = pd.DataFrame(table_rows)
    write_csv(table.round(4), results_dir / "demo_arenas_vs_truth.csv")
    return table, results_dir / REPORT
