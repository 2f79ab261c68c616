"""``openfield demo``: a synthetic video with known answers through ``openfield run``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("openfield")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield demo``."""
    p = subparsers.add_parser(
        "demo", help="render a synthetic video, run the main job on it, compare with the ground truth",
        description="Renders a 20 s synthetic open-field video (dark mouse moving in minimum-jerk locomotor "
                    "bouts, motion blur, noise, slightly tilted camera), runs `openfield run` on it with the "
                    "classical tracker and prints each measure next to its analytic value.",
    )
    p.add_argument("-o", "--output", type=Path, default=Path("demo_output"), help="folder (default demo_output/)")
    p.add_argument("--duration", type=float, default=20.0,
                   help="video length in seconds (default 20; shorter videos have few bouts, so their bout "
                        "means are less precise)")
    p.add_argument("--arenas", type=int, metavar="N",
                   help="render N open fields filmed by one camera instead (4: a 2 x 2 rig, one box slightly "
                        "rotated, a mouse in each), run `openfield run --arenas N` and print each arena's measures "
                        "next to its own truth")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Render, run, compare; print the table."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.demo import run_demo, run_demo_arenas

    if args.arenas is not None and args.arenas != 1:
        table, report = run_demo_arenas(args.output, n_arenas=args.arenas, duration_s=args.duration)
        legend = ("measured: each arena's row of summary_all.csv (one tracking pass for all arenas, each arena with "
                  "its own calibration);\ntrue: that arena's mouse, from its exact trajectory (analytic speeds, "
                  "true positions).")
    else:
        table, report = run_demo(args.output, duration_s=args.duration)
        legend = ("measured: from the video (classical tracker); true: analytic (speeds and accelerations of the "
                  "minimum-jerk bouts, true positions, the bout plan);\nexact_track: the true positions through the "
                  "same kinematics, so measured - exact_track is the tracker's part of the error.")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\n{legend}")
    print(f"\nreport: {report}")
    return 0
