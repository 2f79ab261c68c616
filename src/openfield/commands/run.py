"""``openfield run``: videos -> calibration, pose, kinematics, plots, batch summary and HTML report."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from openfield.commands.options import add_kinematics_options, kinematics_config

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
    cal = p.add_mutually_exclusive_group(required=True)
    cal.add_argument("--calibration", type=Path, help="one calibration JSON for all videos")
    cal.add_argument("--arena-size-cm", nargs=2, type=float, metavar=("W", "H"),
                     help="floor size; the arena is found in each video")
    p.add_argument("--pose", choices=("classic", "dlc"), default="classic",
                   help="classical tracker (default) or DeepLabCut")
    p.add_argument("--dlc-config", type=Path, help="DeepLabCut config.yaml (for --pose dlc)")
    p.add_argument("--fps", type=float, help="frame rate, if the video files do not store it")
    p.add_argument("--animal", choices=("auto", "dark", "light"), default="auto")
    p.add_argument("--behavior-model", type=Path, metavar="DIR",
                   help="trained behaviour ViT (openfield behavior train): adds rearing/grooming to the summary")
    p.add_argument("--overwrite", action="store_true",
                   help="redo every step, even those whose options and inputs did not change")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="videos processed at the same time, each in its own process (default: the number of "
                        "cores; 1: one after another)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="process the videos on a Dask cluster (e.g. tcp://host:8786; see docs/run.md) "
                        "instead of local processes")
    add_kinematics_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every option, run the batch; exit 1 when some video failed."""
    from openfield.calibration import Calibration
    from openfield.pipeline import RunConfig, run_videos
    from openfield.pipeline.parallel import available_cores
    from openfield.tracking import TrackerConfig

    config = RunConfig(
        calibration=Calibration.load(args.calibration) if args.calibration else None,
        arena_size_cm=tuple(args.arena_size_cm) if args.arena_size_cm else None,
        pose=args.pose, dlc_config=args.dlc_config, fps=args.fps,
        tracker=TrackerConfig(animal=args.animal), kinematics=kinematics_config(args),
        plots=not args.no_plots, overwrite=args.overwrite, behavior_model=args.behavior_model,
        jobs=available_cores() if args.jobs is None else args.jobs, scheduler=args.scheduler,
    )
    results = run_videos(args.inputs, args.output, config)
    failed = [r for r in results if r.status == "failed"]
    done = len(results) - len(failed)
    print(f"{done} of {len(results)} video(s) analysed -> {args.output / 'summary_all.csv'}, "
          f"{args.output / 'report.html'}")
    for r in failed:
        print(f"openfield run: FAILED {r.video}: {r.error}", file=sys.stderr)
    return 1 if failed else 0
