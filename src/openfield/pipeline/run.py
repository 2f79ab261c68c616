"""The pipeline's entry points: videos or pose files in, every measure and a report out, resumable.

Per video, in ``OUT`` (``<stem>`` is the video's name without extension):

1. calibration: the given one, or the arena found on the video's median
   background with the given floor size -> ``<stem>_calibration.json``;
2. pose: the classical tracker -> ``<stem>_pose.csv``, or DeepLabCut
   (``pose="dlc"``) -> its ``.h5``;
3. kinematics -> ``<stem>_kinematics.csv`` and the PNG plots;
4. behaviour (with a model) -> ``<stem>_behavior.csv``, bouts, ethogram;
5. summary -> ``<stem>_summary.csv``.

With several open fields per video (``RunConfig.arenas``), the arenas are
found once and tracked in one pass, then each arena K goes through steps 3-5
as its own unit ``<stem>_a<K>`` (:func:`process_arenas`).

Each step runs only when its settings fingerprint changed or an output is
missing (:mod:`openfield.pipeline.ledger`); every file is written
atomically. A video that fails is reported and the others go on. Finally
``summary_all.csv`` and ``report.html`` are written for the batch.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from openfield.calibration import Calibration
from openfield.errors import OpenfieldError, OutputStorageError
from openfield.io.lock import claim_output_folder
from openfield.io.video import VideoInfo, video_info
from openfield.kinematics import SUMMARY_COLUMNS, summary_row
from openfield.pipeline import steps
from openfield.pipeline.boundary import guarded, record_outcome, unexpected_cause
from openfield.pipeline.config import PoseFilesConfig, RunConfig, check_fps
from openfield.pipeline.ledger import STATE_DIR, Ledger, fingerprint
from openfield.pipeline.outputs import write_batch_summary, write_report
from openfield.pipeline.paths import LABELED_SUFFIX, arena_stem, check_unique_stems, output_paths
from openfield.pipeline.timings import RunClock, log_timings
from openfield.quality import QC_COLUMNS
from openfield.report import is_empty_arena, result_label
from openfield.tracking import TrackerConfig

log = logging.getLogger(__name__)


@dataclass
class VideoResult:
    """Outcome of one video (or pose file).

    Attributes
    ----------
    video
        The input file.
    status
        ``"done"`` (some step ran now), ``"skipped"`` (every step was up to
        date) or ``"failed"``.
    summary
        The summary row (None when failed, or when no summary is made).
    error
        The error message when failed.
    steps_run
        The steps that ran, in order.
    outputs
        Main output files by name (e.g. ``pose``).
    fingerprint
        The summary step's fingerprint (covers every step before it).
    qc_message
        Why the video is flagged (every QC flag's reason with its numbers;
        empty when none); the flags are the summary's ``qc_flags``.
    arena
        The arena's number (1-based, row-major from the top-left) when this
        is one arena of a multi-arena video, else None.
    arenas
        For a multi-arena video: one result per arena (its own ``summary``
        is then None); empty otherwise. :func:`openfield.report.result_units` flattens them.
    timings
        The wall and CPU seconds of each step that ran (step ->
        ``{"wall_s", "cpu_s"[, "parts"]}``, as its record keeps them);
        :func:`openfield.pipeline.timings.timing_table` sums them over a batch.
    """

    video: Path
    status: str
    summary: dict[str, Any] | None = None
    error: str | None = None
    steps_run: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    fingerprint: str | None = None
    qc_message: str = ""
    arena: int | None = None
    arenas: list[VideoResult] = field(default_factory=list)
    timings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How the console and the report name it: the video's file name, with ``arena K`` for an arena."""
        return result_label(self)

    @property
    def empty_arena(self) -> bool:
        """True for an arena where no animal was found in any frame (QC flag ``empty_arena``)."""
        return is_empty_arena(self)

    @property
    def qc_flags(self) -> str:
        """The summary's ``qc_flags`` (empty when none, or without a summary)."""
        flags = (self.summary or {}).get("qc_flags", "")
        return flags if isinstance(flags, str) else ""


def _status(ledger: Ledger) -> str:
    return "done" if ledger.ran else "skipped"


def process_video(video: str | os.PathLike[str], out_dir: str | os.PathLike[str], config: RunConfig) -> VideoResult:
    """Calibration, pose, kinematics, behaviour and summary of one video, each step only if needed.

    With several arenas (``config.multi_arena``) see :func:`process_arenas`.

    Parameters
    ----------
    video
        The video file.
    out_dir
        Output folder.
    config
        Run options.

    Returns
    -------
    VideoResult
        ``status`` "done" or "skipped".

    Raises
    ------
    OpenfieldError
        When this video cannot be processed (:func:`openfield.pipeline.batch.run_videos` goes on with the others).
    """
    video, out_dir = Path(video), Path(out_dir)
    config = config.for_video(video)
    if config.multi_arena:
        return process_arenas(video, out_dir, config)
    ledger = Ledger(out_dir, video.stem, config.overwrite)
    info = video_info(video, config.fps)
    if isinstance(config.calibration, Calibration):
        cal, cal_fp = config.calibration, steps.given_calibration(config.calibration)
    else:
        cal, cal_fp = steps.calibration_step(ledger, video, config.arena_size_cm, config.arena_shape,
                                             config.arena_diameter_cm, config.arena)
    if config.pose == "classic":
        pose_fp, pose_path = steps.tracker_pose_step(ledger, video, config.tracker, cal, cal_fp, info.fps,
                                                     config.progress)
    else:
        assert config.dlc_config is not None
        pose_fp, pose_path = steps.dlc_pose_step(ledger, video, Path(config.dlc_config))
        steps.frame_times_step(ledger, video)  # DeepLabCut read the video itself: its counts and times
    reader = dict(ledger.records.get("pose" if config.pose == "classic" else "frame_times", {}).get("values", {}))
    fp, row, qc = _measure(ledger, video, info, config, cal, cal_fp, pose_fp, pose_path, reader,
                           {"video": video.name})
    _log_result(video.name, ledger, row)
    return VideoResult(video, _status(ledger), row, steps_run=list(ledger.ran),
                       outputs={**output_paths(video.stem, out_dir), "pose": pose_path}, fingerprint=fp,
                       qc_message=qc.get("qc_message", ""), timings=ledger.timings())


def _measure(ledger: Ledger, video: Path, info: VideoInfo, config: RunConfig, cal: Calibration, cal_fp: str,
             pose_fp: str, pose_path: Path, reader: dict[str, Any], names: dict[str, Any]
             ) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Kinematics, quality, behaviour, labelled video and summary of one video's pose.

    Returns
    -------
    fingerprint : str
        The summary step's.
    row : dict
        The summary row: ``names`` (``video``), the measures, QC and behaviour columns.
    qc : dict
        The quality step's values.
    """
    inputs, row, qc = _analyse(ledger, video, info, config, cal, cal_fp, pose_fp, pose_path, reader, names)
    if config.labeled_video:
        steps.labeled_video_step(ledger, video, info.fps, cal, [pose_fp, *inputs], config.progress)
    fp, row = steps.summary_step(ledger, with_settings_file(row, config), [*inputs, f"settings {config.settings_file}"])
    return fp, row, qc


def _analyse(ledger: Ledger, video: Path, info: VideoInfo, config: RunConfig, cal: Calibration, cal_fp: str,
             pose_fp: str, pose_path: Path, reader: dict[str, Any], names: dict[str, Any]
             ) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """Kinematics, quality and behaviour of one animal's pose (a video or an arena).

    Returns
    -------
    inputs : list of str
        The fingerprints of the kinematics, quality and (if any) behaviour steps.
    row : dict
        The summary row: ``names`` (``video``, and ``arena``), the measures, QC and behaviour columns.
    qc : dict
        The quality step's values.
    """
    kin_fp, summary = steps.kinematics_step(ledger, pose_path, info.fps, cal, config.kinematics, [pose_fp, cal_fp],
                                            plot=config.plots, frame_times=steps.frame_times_file(ledger))
    require_positions(summary, pose_path)
    qc_fp, qc = steps.quality_step(ledger, summary, info.fps, cal, reader, (info.width, info.height),
                                   [pose_fp, kin_fp])
    row = {**names, **summary_row(summary)}
    row.update({k: qc[k] for k in QC_COLUMNS if k not in row})
    inputs = [kin_fp, qc_fp]
    if config.behavior_model is not None:
        beh_fp, totals = steps.behavior_step(ledger, video, Path(config.behavior_model), config.progress,
                                             pose=pose_path, pose_fp=pose_fp, cal=cal, cal_fp=cal_fp, fps=info.fps,
                                             trial=(summary.get("cleaning") or {}).get("trial"))
        row.update({k: totals.get(k, float("nan")) for k in config.behavior_columns})
        inputs.append(beh_fp)
    return inputs, row, qc


def with_settings_file(row: dict[str, Any], config: RunConfig) -> dict[str, Any]:
    """The summary row with ``settings_file``: the name of the video's settings file used (``""``: none)."""
    return {**row, "settings_file": Path(config.settings_file).name if config.settings_file else ""}


def require_positions(kinematics_values: dict[str, Any], source: Path) -> None:
    """Refuse a recording whose reference point has no position in any frame (never "0 cm").

    Parameters
    ----------
    kinematics_values
        The kinematics step's values (its ``cleaning`` report:
        ``frames``, ``untracked_frames``, ``reference_point``).
    source
        The pose file, named in the message.

    Raises
    ------
    OpenfieldError
        Every frame lacks the reference point's position.
    """
    report = kinematics_values.get("cleaning") or {}
    frames, untracked = report.get("frames"), report.get("untracked_frames")
    if frames is not None and untracked is not None and int(frames) > 0 and int(untracked) >= int(frames):
        raise OpenfieldError(
            f"the reference point {report.get('reference_point', '?')!r} has no position in any of the "
            f"{int(frames)} frames: nothing to measure (the animal was never found, or choose another "
            "--bodypart)", source)


#: The largest arena side accepted (cm): 10 m; a larger one is a typing error (and would not fit in memory).
MAX_ARENA_SIDE_CM = 1000.0


def check_arena_size_cm(size: Any, what: str = "--arena-size-cm") -> None:
    """Refuse an arena size that is not a plausible floor, before anything is allocated from it.

    Raises
    ------
    OpenfieldError
        A side not finite, not above 0, or above :data:`MAX_ARENA_SIDE_CM`.
    """
    if size is None:
        return
    sides = [float(v) for v in size]
    if not all(math.isfinite(v) and 0 < v <= MAX_ARENA_SIDE_CM for v in sides):
        raise OpenfieldError(f"{what} {' '.join(f'{v:g}' for v in sides)}: each side must be a number of cm above "
                             f"0 and at most {MAX_ARENA_SIDE_CM:g} (an open field's floor, e.g. 40 40)")


def _log_result(name: str, ledger: Ledger, row: dict[str, Any]) -> None:
    if ledger.ran:
        log.info("%s: %.1f cm in %.1f s, mean speed %.2f cm/s (ran: %s)", name, row["distance_cm"],
                 row["duration_s"], row["mean_speed_cm_s"], ", ".join(ledger.ran))
    else:
        log.info("%s: every step up to date, skipped", name)


def process_arenas(video: Path, out_dir: Path, config: RunConfig) -> VideoResult:
    """A video holding several open fields: arenas once, one tracking pass, then each arena as its own unit.

    In the video's own ledger (``<stem>``): the arenas, found on the median
    background with ``config.arena_size_cm`` (or given by hand, or their
    calibrations given), and the one
    tracking pass for all of them. Then each arena K is analysed exactly as
    a single-arena video is (:func:`_analyse`), under its own stem and
    ledger ``<stem>_a<K>``, so each resumes on its own; with
    ``config.labeled_video``, the arenas' labelled videos (each its own box)
    are written in one more decode of the video
    (:func:`steps.arena_labeled_video_step`), before the summaries. An arena
    where the animal is found in no frame gets a summary row with NaN
    measures and the QC flag ``empty_arena`` (:func:`empty_arena_row`), not
    a failure (and no labelled video).

    Returns
    -------
    VideoResult
        ``arenas`` holds one result per arena (in arena order; ``summary``
        of each has ``arena`` after ``video``); its own ``summary`` is None.

    Raises
    ------
    OpenfieldError
        Not the expected number of arenas (how many were found, and where),
        or another reason this video cannot be processed.
    """
    ledger = Ledger(out_dir, video.stem, config.overwrite)
    info = video_info(video, config.fps)
    given = config.calibration if isinstance(config.calibration, list) else None
    cals, arenas_fp = steps.arenas_step(ledger, video, config.arena_size_cm, config.n_arenas, config.arena_corners,
                                        given)
    track_fp, pose_paths, readers = steps.arena_tracking_step(ledger, video, config.tracker, cals, arenas_fp,
                                                              info.fps, config.progress)
    frame_times = steps.frame_times_file(ledger)  # a variable frame rate's timestamps, shared by the arenas
    times = {"frame_times": frame_times} if frame_times is not None else {}
    measured = []
    for k, (cal, pose_path, reader) in enumerate(zip(cals, pose_paths, readers, strict=True), 1):
        unit = Ledger(out_dir, arena_stem(video.stem, k), config.overwrite)
        cal_fp = steps.arena_part_step(unit, "calibration", fingerprint("calibration", {"arena": k}, [arenas_fp]),
                                       {"calibration": ledger.output("arenas", f"calibration_a{k}")})
        reader = {key: v for key, v in reader.items() if key != "empty"}
        pose_fp = steps.arena_part_step(unit, "pose", fingerprint("pose", {"arena": k}, [track_fp]),
                                        {"pose": pose_path, **times}, reader)
        names = {"video": video.name, "arena": k}
        if readers[k - 1].get("empty"):
            measured.append(_ArenaUnit(k, unit, cal, pose_path, pose_fp, [pose_fp],
                                       empty_arena_row(names, info.fps, cal, reader, config), EMPTY_ARENA_MESSAGE,
                                       empty=True))
        else:
            inputs, row, qc = _analyse(unit, video, info, config, cal, cal_fp, pose_fp, pose_path, reader, names)
            measured.append(_ArenaUnit(k, unit, cal, pose_path, pose_fp, inputs, row, qc.get("qc_message", "")))
    labeled = [m for m in measured if not m.empty] if config.labeled_video else []
    if labeled:  # every arena's box in one decode
        steps.arena_labeled_video_step([m.unit for m in labeled], video, info.fps, [m.cal for m in labeled],
                                       [[m.pose_fp, *m.inputs] for m in labeled], (info.width, info.height),
                                       config.progress)
    units = []
    for m in measured:
        fp, row = steps.summary_step(m.unit, with_settings_file(m.row, config),
                                     [*m.inputs, f"settings {config.settings_file}"])
        if m.empty:
            log.warning("%s arena %d: empty: no animal found in any frame", video.name, m.arena)
        else:
            _log_result(f"{video.name} arena {m.arena}", m.unit, row)
        units.append(VideoResult(video, _status(m.unit), row, steps_run=list(m.unit.ran),
                                 outputs={**output_paths(m.unit.stem, out_dir), "pose": m.pose_path}, fingerprint=fp,
                                 qc_message=m.qc_message, arena=m.arena, timings=m.unit.timings()))
    ran = [*ledger.ran, *(f"a{u.arena}:{s}" for u in units for s in u.steps_run)]
    fp = fingerprint("arenas_video", {}, inputs=[u.fingerprint or "" for u in units])
    return VideoResult(video, "done" if ran else "skipped", steps_run=ran,
                       outputs={"arenas_image": ledger.output("arenas", "arenas_image")}, fingerprint=fp,
                       arenas=units, timings=ledger.timings())


@dataclass
class _ArenaUnit:
    """One arena of :func:`process_arenas` between its analysis and its summary."""

    arena: int
    unit: Ledger
    cal: Calibration
    pose_path: Path
    pose_fp: str
    inputs: list[str]  # the summary step's: kinematics, quality, behaviour (an empty arena: its pose)
    row: dict[str, Any]
    qc_message: str
    empty: bool = False  # no animal in any frame: no measures, no labelled video


#: Why an empty arena is flagged (its ``qc_message``).
EMPTY_ARENA_MESSAGE = "empty_arena: no animal found in any frame of this arena"


def empty_arena_row(names: dict[str, Any], fps: float, cal: Calibration, reader: dict[str, Any],
                    config: RunConfig) -> dict[str, Any]:
    """The summary row of an arena with no animal: NaN measures, the QC flag ``empty_arena``.

    What describes the recording stays filled in: ``duration_s`` (frames
    read / fps), ``fps``, ``px_per_cm``, ``calibration_method``, the frame
    counts, ``fraction_missing`` 1 (no frame has a position),
    ``fraction_interpolated`` 0 and ``jumps_removed`` 0. The row has the
    columns of a non-empty arena's, in the same order.
    """
    frames = reader.get("frames_read")
    row: dict[str, Any] = {**names, **dict.fromkeys(SUMMARY_COLUMNS, float("nan"))}
    row.update(duration_s=float(frames) / fps if frames else float("nan"), fps=fps, px_per_cm=cal.px_per_cm,
               calibration_method=cal.method, fraction_missing=1.0, fraction_interpolated=0.0)
    qc = {"frames_expected": reader.get("frames_expected"), "frames_read": frames, "jumps_removed": 0,
          "tracking_noise_cm": float("nan"), "qc_flags": "empty_arena"}
    row.update({k: qc.get(k, float("nan")) for k in QC_COLUMNS if k not in row})
    if config.behavior_model is not None:
        row.update(dict.fromkeys(config.behavior_columns, float("nan")))
    return row


def check_output_folder(out_dir: str | os.PathLike[str]) -> None:
    """Refuse an output folder that is an existing file (before any work), naming it.

    Raises
    ------
    OpenfieldError
        ``-o`` names a file.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OpenfieldError("-o/--output names an existing file, not a folder: give a folder (it is created if "
                             "missing)", out_dir)


#: What the run writes beside the video whose name it takes: never an input of a later run.
OWN_VIDEO_SUFFIX = LABELED_SUFFIX


def own_outputs(out_dir: str | os.PathLike[str]) -> set[Path]:
    """Every file the step records of ``out_dir`` name as an output (resolved paths)."""
    out_dir = Path(out_dir)
    found: set[Path] = set()
    for record in sorted((out_dir / STATE_DIR).glob("*.json")) if (out_dir / STATE_DIR).is_dir() else []:
        try:
            steps_ = json.loads(record.read_text()).get("steps", {})
            names = [n for rec in steps_.values() for n in rec.get("outputs", {}).values()]
        except (OSError, ValueError, AttributeError, TypeError):
            continue
        found.update((out_dir / str(n)).resolve() for n in names)
    return found


def without_own_outputs(videos: list[Path], out_dir: str | os.PathLike[str]) -> list[Path]:
    """The inputs less what a run wrote: files recorded as outputs in ``out_dir``, and ``<stem>_labeled.*``.

    A ``<stem>_labeled.<ext>`` is left out when the video ``<stem>`` is an
    input too (so a run whose ``-o`` is its input folder, run twice, still
    takes only the recordings), or when it lies in ``out_dir``.

    Raises
    ------
    OpenfieldError
        Nothing is left.
    """
    out_dir = Path(out_dir).resolve()
    recorded = own_outputs(out_dir)
    stems = {v.stem for v in videos}
    kept, dropped = [], []
    for v in videos:
        labeled = v.stem.endswith(OWN_VIDEO_SUFFIX) and (
            v.stem[: -len(OWN_VIDEO_SUFFIX)] in stems or v.resolve().parent == out_dir)
        (dropped if v.resolve() in recorded or labeled else kept).append(v)
    if dropped:
        log.info("left out %d file(s) this program wrote (not recordings): %s", len(dropped),
                 ", ".join(v.name for v in dropped))
    if not kept:
        raise OpenfieldError("no videos to process: the only video files given are outputs of openfield run "
                             f"({', '.join(v.name for v in dropped)})")
    return kept


#: The stem of the batch's own step record (``OUT/.openfield/__batch__.json``).
BATCH_STEM = "__batch__"


def _batch_outputs(out_dir: Path, results: list[VideoResult], name_column: str, overwrite: bool,
                   report: bool) -> dict[str, dict[str, Any]]:
    """``summary_all.csv`` (and ``report.html``), unless every input and outcome is as last time.

    Returns
    -------
    dict
        The batch step's timing (``{"batch": {"wall_s", "cpu_s"}}``) when it ran, else empty.
    """
    ledger = Ledger(out_dir, BATCH_STEM, overwrite)
    fp = fingerprint("batch", {"name_column": name_column, "report": report},
                     inputs=[r.fingerprint or f"{r.status} {r.video} {r.error}" for r in results])
    if ledger.current("batch", fp):
        log.info("%s: batch summary and report up to date", out_dir)
        return {}
    outputs = {}
    table = write_batch_summary(out_dir, results, name_column)
    if table is not None:
        outputs["summary_all"] = table
    if report:
        outputs["report"] = write_report(out_dir, results)
    ledger.record("batch", fp, outputs)
    return ledger.timings()


def process_pose_file(pose_file: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                      config: PoseFilesConfig) -> VideoResult:
    """Kinematics, plots and summary of one pose file (the file is the pose step), each only if needed.

    Returns
    -------
    VideoResult
        ``status`` "done" or "skipped"; ``summary`` has ``file`` first.
    """
    pose_file, out_dir = Path(pose_file), Path(out_dir)
    ledger = Ledger(out_dir, pose_file.stem, config.overwrite)
    pose_fp = steps.pose_file_step(pose_file, config.fps, config.source_software)
    cal_fp = steps.given_calibration(config.calibration) if config.calibration is not None else None
    kin_fp, summary = steps.kinematics_step(
        ledger, pose_file, config.fps, config.calibration, config.kinematics,
        [pose_fp] + ([cal_fp] if cal_fp else []), plot=config.plots,
        arena_bodyparts=config.arena_bodyparts, arena_size_cm=config.arena_size_cm,
        source_software=config.source_software,
    )
    require_positions(summary, pose_file)
    fp, row = steps.summary_step(ledger, {"file": pose_file.name, **summary_row(summary)},
                                 [kin_fp])
    if ledger.ran:
        log.info("%s: %.1f cm in %.1f s, mean speed %.2f cm/s -> %s", pose_file.name, row["distance_cm"],
                 row["duration_s"], row["mean_speed_cm_s"], out_dir)
    else:
        log.info("%s: up to date, skipped", pose_file.name)
    return VideoResult(pose_file, _status(ledger), row, steps_run=list(ledger.ran),
                       outputs=output_paths(pose_file.stem, out_dir), fingerprint=fp, timings=ledger.timings())


def run_pose_files(
    pose_files: list[str | os.PathLike[str]], out_dir: str | os.PathLike[str], config: PoseFilesConfig,
    wait_s: float = 0.0,
) -> list[VideoResult]:
    """Kinematics of pose files; ``summary_all.csv`` when there are several.

    Every file is checked to exist before any work. With one file, its
    error is the command's (raised). With several, each file runs behind
    the batch's boundary (:func:`openfield.pipeline.boundary.guarded`): one
    that fails, for any reason, is ``failed`` with its one-line cause and
    the others go on; ``summary_all.csv`` holds the others. The batch holds
    the output folder's lock (see :func:`openfield.pipeline.batch.run_videos`).

    Returns
    -------
    list of VideoResult
        One per file, in order.
    """
    clock = RunClock.start()
    check_output_folder(out_dir)
    check_arena_size_cm(config.arena_size_cm)
    files = [Path(p) for p in pose_files]
    for path in files:
        if not path.exists():
            raise OpenfieldError("file not found", path)
    check_unique_stems(files)
    with claim_output_folder(out_dir, wait_s):
        results = []
        for path in tqdm(files, desc="kinematics", unit="file", disable=not config.progress or len(files) < 2):
            if len(files) == 1:  # its error is the command's: one line, whatever raised it
                try:
                    result = process_pose_file(path, out_dir, config)
                except OutputStorageError:
                    raise
                except OpenfieldError as exc:
                    record_outcome(out_dir, path.stem, exc.message if exc.path else str(exc), [path])
                    raise
                except Exception as exc:  # noqa: BLE001 - the boundary
                    cause = unexpected_cause(exc, path.name, out_dir, path.stem)
                    record_outcome(out_dir, path.stem, cause, [path])
                    raise OpenfieldError(cause, path) from exc
            else:
                done, error = guarded(lambda p=path: process_pose_file(p, out_dir, config), path.name, out_dir,
                                      path.stem)
                result = done if done is not None else VideoResult(path, "failed", error=error)
            record_outcome(out_dir, path.stem, result.error, [path])
            results.append(result)
        batch = _batch_outputs(Path(out_dir), results, "file", config.overwrite, report=False) if len(files) > 1 \
            else {}
    log_timings(results, clock.stop(), batch)
    return results


def track_videos(
    videos: list[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    tracker: TrackerConfig | None = None,
    calibration: Calibration | None = None,
    fps: float | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> list[VideoResult]:
    """The pose step alone with the classical tracker: ``OUT/<stem>_pose.csv`` per video.

    Parameters
    ----------
    videos
        Video files.
    out_dir
        Output folder.
    tracker
        Tracker options.
    calibration
        Its arena corners limit the search; None: the arena is found on each
        video's background, else the whole image is searched.
    fps
        Frame rate if the files do not store it.
    overwrite
        Track again videos that are up to date.
    progress
        Show progress bars.

    Returns
    -------
    list of VideoResult
        ``outputs["pose"]`` the pose CSV; failed videos reported, the others go on.
    """
    check_fps(fps)
    tracker = tracker or TrackerConfig()
    cal_fp = steps.given_calibration(calibration) if calibration is not None else None
    results = []
    check_output_folder(out_dir)
    with claim_output_folder(out_dir):
        for video in map(Path, videos):
            def track(video: Path = video) -> VideoResult:
                ledger = Ledger(Path(out_dir), video.stem, overwrite)
                fps_used = video_info(video, fps).fps
                _, path = steps.tracker_pose_step(ledger, video, tracker, calibration, cal_fp, fps_used, progress)
                return VideoResult(video, _status(ledger), steps_run=list(ledger.ran), outputs={"pose": path},
                                   timings=ledger.timings())

            result, error = guarded(track, video.name, out_dir, video.stem)  # any exception: this video's failure
            results.append(result if result is not None else VideoResult(video, "failed", error=error))
    return results
