"""``openfield study``: group statistics, bins, workbook and report from finished results."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield study``."""
    p = subparsers.add_parser(
        "study", help="compare groups of animals: design sheet, time bins, statistics, workbook, report",
        description="Reads the results folders of 'openfield run' or 'openfield kinematics' and a design sheet "
                    "(one row per animal: video, group, ...); writes design.csv, videos.csv, bins.csv, groups.csv, "
                    "groups_bins.csv, stats.csv, study.xlsx, study.html and study.json in STUDY_DIR.",
    )
    p.add_argument("results_dirs", nargs="+", type=Path, metavar="RESULTS_DIR")
    p.add_argument("--design", type=Path, required=True, metavar="DESIGN",
                   help="design sheet .csv or .xlsx: columns video, group; optional subject, dose, sex, ...")
    p.add_argument("--bin-min", type=float, help="time bins of this many minutes from each recording's start")
    p.add_argument("--control", help="reference group: Dunnett's test against it (default: all pairs)")
    p.add_argument("--measures", help="comma-separated measures to test (default: every summary measure)")
    p.add_argument("--allow-missing", action="store_true",
                   help="go on without design rows that have no results (they are listed in the report)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="STUDY_DIR", help="study folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the study and write its outputs."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.pipeline.study import write_study

    measures = [m.strip() for m in args.measures.split(",") if m.strip()] if args.measures else None
    write_study(args.results_dirs, args.design, args.output, bin_min=args.bin_min, control=args.control,
                measures=measures, allow_missing=args.allow_missing)
    return 0
