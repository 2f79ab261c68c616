"""``openfield kinematics``: distance, speed, acceleration and zones from pose files."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from openfield.commands.options import add_kinematics_options, kinematics_config
from openfield.io.pose import SOURCE_SOFTWARE

log = logging.getLogger("openfield")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield kinematics``."""
    p = subparsers.add_parser(
        "kinematics", help="distance, speed, acceleration, zones (cm) from pose files (DeepLabCut, SLEAP...)",
        description="Per pose file: <stem>_kinematics.csv (per frame), <stem>_summary.csv and PNG plots; "
                    "with several files also summary_all.csv. A re-run redoes only files whose options or "
                    "inputs changed.",
    )
    p.add_argument("pose_files", nargs="+", type=Path, metavar="POSE_FILE",
                   help="pose files: DeepLabCut or LightningPose .csv/.h5, SLEAP .slp/.h5, Anipose .csv, NWB .nwb")
    p.add_argument("--source-software", choices=SOURCE_SOFTWARE, default=None,
                   help="the tool that wrote the pose files (default: told from each file's type and header)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--calibration", type=Path, help="calibration JSON (mouse_size.py / openfield calibrate)")
    src.add_argument("--arena-from-bodyparts", nargs=4, metavar=("TL", "TR", "BR", "BL"),
                     help="arena corners tracked in the pose file (needs --arena-size-cm)")
    p.add_argument("--arena-size-cm", nargs=2, type=float, metavar=("W", "H"))
    p.add_argument("--fps", type=float, required=True, help="frame rate of the video, > 0")
    p.add_argument("-o", "--output", type=Path, default=Path("result_acceleration"),
                   help="output folder (default result_acceleration/)")
    p.add_argument("--overwrite", action="store_true", help="recompute files that are up to date")
    add_kinematics_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every option, then process each pose file; summary_all.csv for several; exit 1 if one failed."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io.calibration import read_calibration
    from openfield.pipeline import PoseFilesConfig, run_pose_files

    config = PoseFilesConfig(
        fps=args.fps, kinematics=kinematics_config(args),
        calibration=read_calibration(args.calibration) if args.calibration else None,
        arena_bodyparts=tuple(args.arena_from_bodyparts) if args.arena_from_bodyparts else None,
        arena_size_cm=tuple(args.arena_size_cm) if args.arena_size_cm else None,
        plots=not args.no_plots, overwrite=args.overwrite, source_software=args.source_software,
    )
    results = run_pose_files(args.pose_files, args.output, config)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:  # (several files: each behind the batch's boundary; one file's error is the command's)
        print(f"openfield kinematics: FAILED {r.video}: {r.error}", file=sys.stderr)
    return 1 if failed else 0
