"""``openfield kinematics``: distance, speed, acceleration and zones from pose files."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("openfield")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield kinematics``."""
    p = subparsers.add_parser(
        "kinematics", help="distance, speed, acceleration, zones (cm) from DeepLabCut pose files",
        description="Per pose file: <stem>_kinematics.csv (per frame), <stem>_summary.csv and PNG plots; "
                    "with several files also summary_all.csv.",
    )
    p.add_argument("pose_files", nargs="+", type=Path, metavar="POSE_FILE", help="DeepLabCut .csv or .h5")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--calibration", type=Path, help="calibration JSON (mouse_size.py / openfield calibrate)")
    src.add_argument("--arena-from-bodyparts", nargs=4, metavar=("TL", "TR", "BR", "BL"),
                     help="arena corners tracked in the pose file (needs --arena-size-cm)")
    p.add_argument("--arena-size-cm", nargs=2, type=float, metavar=("W", "H"))
    p.add_argument("--fps", type=float, required=True, help="frame rate of the video")
    p.add_argument("-o", "--output", type=Path, default=Path("result_acceleration"),
                   help="output folder (default result_acceleration/)")
    p.add_argument("--bodypart", help="reference point (default: body, else the animal's centroid)")
    p.add_argument("--likelihood-cutoff", type=float, default=0.6)
    p.add_argument("--max-speed", type=float, default=150.0, help="physical limit in cm/s (default 150)")
    p.add_argument("--max-gap", type=float, default=0.5, help="longest gap interpolated, s (default 0.5)")
    p.add_argument("--smooth-window", type=float, default=0.25, help="Savitzky-Golay window, s (default 0.25)")
    p.add_argument("--moving-threshold", type=float, default=2.0, help="cm/s (default 2)")
    p.add_argument("--moving-min", type=float, default=0.25, help="shortest movement bout, s (default 0.25)")
    p.add_argument("--center-fraction", type=float, default=0.5,
                   help="side of the centre square as a fraction of the arena side (default 0.5)")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--overwrite", action="store_true", help="recompute files already done")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Process each pose file; write summary_all.csv for several."""
    import pandas as pd
    from tqdm import tqdm

    from openfield.calibration import Calibration
    from openfield.errors import OpenfieldError
    from openfield.io import write_csv
    from openfield.kinematics import KinematicsConfig, process_pose_file

    if args.fps is not None and not args.fps > 0:
        raise OpenfieldError(f"--fps must be a positive number, got {args.fps}")
    if not 0 < args.center_fraction < 1:
        raise OpenfieldError(f"--center-fraction must be between 0 and 1, got {args.center_fraction}")
    if args.arena_from_bodyparts and not args.arena_size_cm:
        raise OpenfieldError("--arena-from-bodyparts needs --arena-size-cm W H")
    calibration = Calibration.load(args.calibration) if args.calibration else None
    config = KinematicsConfig(
        bodypart=args.bodypart, likelihood_cutoff=args.likelihood_cutoff, max_speed_cm_s=args.max_speed,
        max_gap_s=args.max_gap, smooth_window_s=args.smooth_window,
        moving_threshold_cm_s=args.moving_threshold, moving_min_s=args.moving_min,
        center_fraction=args.center_fraction,
    )
    for path in args.pose_files:  # fail fast on a missing file, before any work
        if not path.exists():
            raise OpenfieldError("file not found", path)
    for path in tqdm(args.pose_files, desc="kinematics", unit="file", disable=len(args.pose_files) < 2):
        process_pose_file(
            path, args.output, calibration, args.fps, config,
            arena_bodyparts=tuple(args.arena_from_bodyparts) if args.arena_from_bodyparts else None,
            arena_size_cm=tuple(args.arena_size_cm) if args.arena_size_cm else None,
            plots=not args.no_plots, overwrite=args.overwrite,
        )
    if len(args.pose_files) > 1:
        rows = [pd.read_csv(args.output / f"{p.stem}_summary.csv") for p in args.pose_files]
        write_csv(pd.concat(rows, ignore_index=True), args.output / "summary_all.csv")
        log.info("batch summary: %s", args.output / "summary_all.csv")
    return 0
