"""``openfield run``: videos -> calibration, pose, kinematics, plots, batch summary and HTML report."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from openfield.commands.options import add_kinematics_options, kinematics_config
from openfield.errors import OpenfieldError

log = logging.getLogger("openfield")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield run``."""
    p = subparsers.add_parser(
        "run", help="the main job: every measure and a report from videos (resumable)",
        description="Per video: calibration, pose (classical tracker or DeepLabCut), kinematics and plots; "
                    "then OUT/summary_all.csv and OUT/report.html. A re-run redoes only the steps whose "
                    "options or inputs changed; a broken video is reported and the others go on.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="VIDEO_OR_FOLDER")
    p.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    cal = p.add_mutually_exclusive_group()
    cal.add_argument("--calibration", type=Path,
                     help="one calibration JSON for all videos (with --arenas: a file of every arena's, from "
                          "openfield calibrate arena --arenas N)")
    cal.add_argument("--arena-size-cm", nargs=2, type=float, metavar=("W", "H"),
                     help="a rectangular floor's size (or a polygon's bounding box, with --arena); the arena is "
                          "found in each video (one of --calibration, --arena-size-cm, --arena-diameter-cm or the "
                          "size in each video's settings file is needed)")
    cal.add_argument("--arena-diameter-cm", type=float, metavar="D",
                     help="a round floor's diameter; the round arena is found in each video")
    p.add_argument("--arena-shape", choices=("auto", "rectangle", "circle"), default=None,
                   help="the floor's detector: auto fits a rectangle and a circle and keeps the better (default: "
                        "implied by --arena-size-cm, rectangle, or --arena-diameter-cm, circle)")
    p.add_argument("--arena", type=Path, metavar="FILE.json", dest="arena_file",
                   help="the floor by hand, used for every video instead of finding it: {\"shape\": \"circle\", "
                        "\"center_px\": [x, y], \"radius_px\": r}, an ellipse (center_px, axes_px, angle_deg), or "
                        "{\"shape\": \"rectangle\"|\"polygon\", \"corners_px\": [[x, y], ...]}")
    arenas = p.add_argument_group("several open fields in one video")
    arenas.add_argument("--arenas", type=arenas_arg, metavar="N|auto",
                        help="each video holds N arenas (or auto: as many as are found), numbered row-major from "
                             "the top-left; each is tracked and analysed on its own, files <stem>_a<K>_*, one row "
                             "per arena in summary_all.csv (needs --arena-size-cm W H, the size of each floor; "
                             "default 1: one arena)")
    arenas.add_argument("--arena-corners", type=Path, metavar="FILE.json",
                        help="the arenas' floor corners by hand (one list of four [x, y] px per arena, used for "
                             "every video) instead of finding them")
    p.add_argument("--pose", choices=("classic", "dlc"), default="classic",
                   help="classical tracker (default) or DeepLabCut")
    p.add_argument("--dlc-config", type=Path, help="DeepLabCut config.yaml (for --pose dlc)")
    p.add_argument("--fps", type=float, help="frame rate, if the video files do not store it")
    p.add_argument("--animal", choices=("auto", "dark", "light"),
                   help="the animal is darker or lighter than the floor (default: auto, or the settings file's)")
    p.add_argument("--threshold", type=float, metavar="GREY",
                   help="the classical tracker's foreground threshold in grey levels (default: Otsu on the first "
                        "frame with an animal; lower it for an animal that segments in pieces, e.g. seen from below)")
    p.add_argument("--ignore-settings-files", action="store_true",
                   help="do not read the <stem>.openfield.json settings file beside each video (openfield draw "
                        "writes them; by default each video's is used, and an option contradicting it is an "
                        "error)")
    p.add_argument("--behavior-model", type=Path, metavar="MODEL",
                   help="pose classifier (.joblib, openfield behavior pose-train) fed the run's pose, or a "
                        "behaviour ViT folder (openfield behavior train): adds the model's behaviours "
                        "(rearing/grooming, or its own classes) to the summary, "
                        "<stem>_behavior.csv, <stem>_bouts.csv and the ethogram")
    p.add_argument("--labeled-video", action="store_true",
                   help="also write OUT/<stem>_labeled.mp4: the pose, the zone and the behaviour (with its "
                        "probability) drawn on each frame")
    p.add_argument("--overwrite", action="store_true",
                   help="redo every step, even those whose options and inputs did not change")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="videos processed at the same time, each in its own process (default: the number of "
                        "cores; 1: one after another)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="process the videos on a Dask cluster (e.g. tcp://host:8786; see docs/run.md) "
                        "instead of local processes")
    p.add_argument("--wait-s", type=float, default=0.0, metavar="S",
                   help="if another run holds the output folder, wait up to S seconds for it (default: refuse)")
    study = p.add_argument_group("study (at the end of the run: openfield study on this run's results, into "
                                 "OUT/study)")
    study.add_argument("--design", type=Path, metavar="DESIGN",
                       help="design sheet .csv or .xlsx (video, group, ...): also write the study outputs")
    study.add_argument("--bin-min", type=float, metavar="M", help="time bins of M minutes (with --design)")
    study.add_argument("--control", metavar="GROUP", help="reference group (with --design)")
    study.add_argument("--allow-missing", action="store_true",
                       help="with --design: go on without design rows whose video failed or is absent")
    add_kinematics_options(p)
    p.set_defaults(func=run)


def arenas_arg(text: str) -> int | str:
    """``--arenas``: ``auto`` or a whole number (its range is checked by the pipeline's options)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number of arenas or auto, not {text!r}") from None


def check_study_options(args: argparse.Namespace) -> None:
    """Refuse study options that cannot work, before any video is processed.

    Raises
    ------
    OpenfieldError
        ``--bin-min``/``--control`` without ``--design``, a bin length that is not positive, or a design sheet
        that cannot be read (missing file, no ``video``/``group`` column, duplicate rows), or a control group
        absent from it.
    """
    if args.design is None:
        if args.bin_min is not None or args.control is not None or args.allow_missing:
            raise OpenfieldError("--bin-min, --control and --allow-missing need --design DESIGN.csv")
        return
    # the study's work (its statistics: scipy.stats, statsmodels; ~0.5 s), imported only for a study
    from openfield.study.design import read_design

    if args.bin_min is not None and not args.bin_min > 0:
        raise OpenfieldError(f"--bin-min must be a positive number of minutes, got {args.bin_min}")
    design = read_design(args.design)
    if args.control is not None and args.control not in set(design["group"].astype(str)):
        groups = ", ".join(sorted(set(design["group"].astype(str))))
        raise OpenfieldError(f"--control {args.control!r} is not a group of the design (groups: {groups})",
                             args.design)


def _start(text: str | None) -> float | str | None:
    """``--start`` as a settings file holds it: a number of seconds, or ``"auto"``."""
    if text is None or str(text).strip().lower() == "auto":
        return None if text is None else "auto"
    try:
        return float(text)
    except ValueError:
        return text  # refused by the kinematics options with its own message


def run(args: argparse.Namespace) -> int:
    """Check every option, run the batch; exit 1 when some video failed."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io.calibration import read_arena, read_arena_corners, read_calibration, read_calibrations
    from openfield.io.files import atomic_write, read_json
    from openfield.io.settings import video_settings
    from openfield.pipeline import RunConfig, result_units, run_videos
    from openfield.pipeline.boundary import error_log_path, one_line
    from openfield.pipeline.config import check_jobs
    from openfield.pipeline.parallel import available_cores
    from openfield.pipeline.paths import BATCH_SUMMARY, REPORT, find_videos
    from openfield.report import result_stem
    from openfield.tracking import TrackerConfig

    check_jobs(available_cores() if args.jobs is None else args.jobs)  # before the videos are looked for
    check_study_options(args)
    corners = None
    if args.arena_corners is not None:
        corners = read_arena_corners(args.arena_corners)
    calibration = None
    if args.calibration is not None:  # with --arenas N, a file of every arena's calibration
        several = args.arenas not in (None, 1)
        calibration = read_calibrations(args.calibration) if several else read_calibration(args.calibration)
    arena = None
    if args.arena_file is not None:
        arena = read_arena(args.arena_file)
    kinematics = kinematics_config(args)  # checks the --zones file before its JSON is compared with settings files
    explicit = {"animal": args.animal, "arena_size_cm": tuple(args.arena_size_cm) if args.arena_size_cm else None,
                "arena_diameter_cm": args.arena_diameter_cm,
                "arena": None if arena is None else arena.to_dict(),
                "zones": None if args.zones is None else read_json(args.zones, "zones file"),
                "start": _start(args.start), "duration": args.duration}
    per_video = video_settings(find_videos(args.inputs), explicit, args.ignore_settings_files)
    config = RunConfig(
        calibration=calibration,
        arena_size_cm=tuple(args.arena_size_cm) if args.arena_size_cm else None,
        arenas=args.arenas, arena_corners=corners,
        arena_shape=args.arena_shape or "auto", arena_diameter_cm=args.arena_diameter_cm, arena=arena,
        pose=args.pose, dlc_config=args.dlc_config, fps=args.fps,
        tracker=TrackerConfig(animal=args.animal or "auto", threshold=args.threshold), kinematics=kinematics,
        plots=not args.no_plots, overwrite=args.overwrite, behavior_model=args.behavior_model,
        labeled_video=args.labeled_video,
        jobs=available_cores() if args.jobs is None else args.jobs, scheduler=args.scheduler,
        video_settings=per_video,
    )
    results = run_videos(args.inputs, args.output, config, wait_s=args.wait_s)
    failed = [r for r in results if r.status == "failed"]
    done = len(results) - len(failed)
    units = result_units(results)
    arenas = [u for u in units if u.arena is not None]
    empty = [u for u in arenas if u.empty_arena]
    in_arenas = f" ({len(arenas)} arenas, {len(empty)} empty)" if arenas else ""
    written = [args.output / BATCH_SUMMARY] if any(u.summary is not None for u in units) else []
    where = ", ".join(map(str, [*written, args.output / REPORT]))
    print(f"{done} of {len(results)} video(s) analysed{in_arenas} -> {where}"
          + ("" if written else f" (no {BATCH_SUMMARY}: no video finished)"))
    for r in failed:
        print(f"openfield run: FAILED {r.video}: {r.error}", file=sys.stderr)
    for r in empty:
        print(f"openfield run: {r.label}: empty, no animal found in any frame (qc_flags empty_arena, no measures)",
              file=sys.stderr)
    flagged = [r for r in units if r.qc_flags and not r.empty_arena]
    if flagged:
        print(f"openfield run: {len(flagged)} {'arena' if arenas else 'video'}(s) flagged by the quality checks "
              "(see the report's QC table):", file=sys.stderr)
    for r in flagged:
        print(f"openfield run: check {r.label}: {r.qc_flags} ({r.qc_message})", file=sys.stderr)
    if args.design is not None:
        study_dir = args.output / "study"
        this_run = {result_stem(u): u.error or "" for u in units}  # the study reads only this run's results
        this_run.update({Path(r.video).stem: r.error or "" for r in failed})
        # the study's work (its statistics: scipy.stats, statsmodels; ~0.5 s), imported only for a study
        from openfield.pipeline.study import write_study

        try:
            write_study([args.output], args.design, study_dir, bin_min=args.bin_min, control=args.control,
                        allow_missing=args.allow_missing, this_run=this_run)
        except OpenfieldError:
            raise
        except Exception as exc:  # noqa: BLE001 - the videos' outputs are written: one line, the traceback kept
            path = error_log_path(args.output, "study")
            with atomic_write(path) as tmp:
                tmp.write_text(traceback.format_exc(), encoding="utf-8")
            print(f"openfield run: the study failed: {one_line(exc)} (unexpected error; traceback in {path}); "
                  "the videos' outputs are written", file=sys.stderr)
            return 1
        print(f"study -> {study_dir / 'study.html'}, {study_dir / 'study.xlsx'}")
    return 1 if failed else 0
