"""Options shared by several subcommands, so that ``run`` and ``kinematics`` take the same ones."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parsers are built without importing the stages (scipy and all)
    from openfield.kinematics import KinematicsConfig


def add_kinematics_options(parser: argparse.ArgumentParser) -> None:
    """Add every kinematics option (``--bodypart`` ... ``--no-plots``) to a subcommand."""
    g = parser.add_argument_group("kinematics (checked before any work)")
    g.add_argument("--bodypart", help="reference point (default: body, else the animal's centroid)")
    g.add_argument("--likelihood-cutoff", type=float, default=0.6,
                   help="points below it are gaps, 0 to 1 (default 0.6)")
    g.add_argument("--max-speed", type=float, default=150.0, help="physical limit in cm/s, > 0 (default 150)")
    g.add_argument("--max-gap", type=float, default=0.5,
                   help="longest gap interpolated, s, >= 0 (default 0.5)")
    g.add_argument("--smooth-window", type=float, default=None,
                   help="Savitzky-Golay window, s, > 0 (default: none; a smoother fitted to the tracking noise "
                        "estimated from each recording)")
    g.add_argument("--moving-threshold", type=float, default=2.0, help="cm/s, >= 0 (default 2)")
    g.add_argument("--moving-min", type=float, default=0.25,
                   help="shortest movement bout, s, >= 0 (default 0.25)")
    g.add_argument("--center-fraction", type=float, default=0.5,
                   help="side of the centre square as a fraction of the arena side (a round arena: the centre "
                        "disk's diameter as a fraction of the arena's), between 0 and 1 (default 0.5)")
    g.add_argument("--corner-cm", type=float, default=None,
                   help="side of the four corner zones of a rectangular arena, cm, > 0 (default: the border's "
                        "width)")
    g.add_argument("--zones", type=Path, default=None, metavar="FILE.json",
                   help='custom zones added to the defaults: {"units": "cm"|"px", "zones": [{"name": ..., '
                        '"shape": "circle"|"polygon"|"rectangle", ...}]} (see docs/kinematics.md); checked '
                        "before any video is read")
    g.add_argument("--start", default=None, metavar="S|auto",
                   help="trial start: seconds from the video's start, or auto (the first moment the animal has "
                        "been inside the arena for 1 s) (default: the first frame)")
    g.add_argument("--duration", type=float, default=None, metavar="S",
                   help="trial length in s, > 0; a video ending earlier is flagged short_recording "
                        "(default: to the end)")
    g.add_argument("--rotation-threshold", type=float, default=90.0,
                   help="a turn back of more than this many degrees restarts a rotation count, between 0 and "
                        "360 (default 90)")
    g.add_argument("--immobile-threshold", type=float, default=1.75,
                   help="speed below which the animal is still, cm/s, > 0 (default 1.75)")
    g.add_argument("--immobile-min", type=float, default=2.0,
                   help="shortest immobility episode, s, > 0 (default 2)")
    g.add_argument("--mobility-immobile", type=float, default=4.0, metavar="PCT",
                   help="mobility states from the classical tracker's outline: immobile below this per cent of "
                        "the outline changed between frames, 0-100 (default 4; depends on the frame rate)")
    g.add_argument("--mobility-highly-mobile", type=float, default=10.0, metavar="PCT",
                   help="... highly mobile above this per cent, mobile between, from --mobility-immobile to 100 "
                        "(default 10)")
    g.add_argument("--thigmotaxis-cm", type=float, default=8.0,
                   help="distance from the wall counted as wall-hugging, cm, > 0 (default 8)")
    g.add_argument("--table-format", choices=("csv", "parquet"), default="csv",
                   help="per-frame table <stem>_kinematics.csv or .parquet (default csv)")
    g.add_argument("--no-plots", action="store_true", help="do not draw the PNG plots")


def kinematics_config(args: argparse.Namespace) -> KinematicsConfig:
    """The checked :class:`KinematicsConfig` of the parsed options (raises OpenfieldError naming a bad one)."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io.zones import read_zones
    from openfield.kinematics import KinematicsConfig

    return KinematicsConfig(
        bodypart=args.bodypart, likelihood_cutoff=args.likelihood_cutoff, max_speed_cm_s=args.max_speed,
        max_gap_s=args.max_gap, smooth_window_s=args.smooth_window,
        moving_threshold_cm_s=args.moving_threshold, moving_min_s=args.moving_min,
        center_fraction=args.center_fraction, table_format=args.table_format,
        corner_cm=args.corner_cm, zones=read_zones(args.zones) if args.zones is not None else None,
        start=args.start, duration_s=args.duration,
        rotation_threshold_deg=args.rotation_threshold, immobile_threshold_cm_s=args.immobile_threshold,
        immobile_min_s=args.immobile_min, thigmotaxis_cm=args.thigmotaxis_cm,
        mobility_immobile_pct=args.mobility_immobile, mobility_highly_mobile_pct=args.mobility_highly_mobile,
    )
