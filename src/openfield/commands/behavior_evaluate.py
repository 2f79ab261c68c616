"""``openfield behavior evaluate``: a per-frame prediction against human raters.

The scoring is :func:`openfield.behavior.evaluate.evaluate_prediction` (a
notebook calls the same); this module parses the arguments, reads the inputs
and writes the table and figure through :mod:`openfield.behavior.outputs`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openfield.behavior.evaluate import evaluate_prediction
from openfield.commands.behavior_options import (
    add_label_options,
    nonneg_float,
    positive_float,
    require,
    require_files,
)
from openfield.commands.defaults import parameter_default
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)


def add_evaluate(sub: argparse._SubParsersAction) -> None:
    """``behavior evaluate``."""
    p = sub.add_parser(
        "evaluate",
        help="frame-level precision, recall, F1 of a prediction against each rater",
        description="Compare OUT/<stem>_behavior.csv with interval labels of one or more raters; "
        "also scores the raters against each other on the same frames (the human ceiling).",
    )
    p.add_argument(
        "--pred",
        type=Path,
        required=True,
        metavar="BEHAVIOR.csv",
        help="a <stem>_behavior.csv written by a predict action",
    )
    p.add_argument("--labels", type=Path, required=True, metavar="LABELS")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="PREFIX",
        help="writes PREFIX.csv and PREFIX.png (default: <pred without .csv>_evaluation)",
    )
    p.add_argument(
        "--start-s",
        type=nonneg_float,
        default=parameter_default(evaluate_prediction, "start_s"),
        help="score only frames from this time on (e.g. a held-out block), s",
    )
    p.add_argument("--end-s", type=positive_float, default=parameter_default(evaluate_prediction, "end_s"),
                   help="score only frames before this time, s")
    add_label_options(p)
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Score a per-frame prediction against interval labels."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior import outputs
    from openfield.behavior.labels import parse_label_map, read_labels

    if args.end_s is not None and args.end_s <= args.start_s:
        raise OpenfieldError(f"--end-s ({args.end_s}) must be after --start-s ({args.start_s})")
    require("sklearn", action="evaluate")
    require_files([args.labels], "label file")

    mapping = parse_label_map(args.label_map)
    pred, fps = outputs.read_behavior_csv(args.pred)
    labels = read_labels(args.labels, fps, len(pred), mapping, args.unknown_labels, args.labels_format)
    table = evaluate_prediction(pred, fps, labels, args.start_s, args.end_s, crop_labels=args.crop_labels)
    prefix = Path(args.output or args.pred.with_name(args.pred.stem + "_evaluation"))
    written = outputs.write_evaluation(table, prefix, title=args.pred.name)
    for _, row in table.iterrows():
        log.info(
            "%-14s %-10s vs %-10s %-9s P %.3f R %.3f F1 %.3f",
            row["kind"],
            row["compared"],
            row["reference"],
            row["class"],
            row["precision"],
            row["recall"],
            row["f1"],
        )
    log.info("wrote %s, %s", written["csv"], written["png"])
    return 0
