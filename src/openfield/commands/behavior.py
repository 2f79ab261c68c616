"""``openfield behavior ...``: rearing and grooming, trained on and evaluated against human labels.

Each action is a small function adding one sub-subcommand; :data:`ACTIONS`
lists them, so a new classifier adds its actions by appending to the list.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from openfield.commands.behavior_vit import add_dataset as add_vit_dataset
from openfield.commands.behavior_vit import add_predict as add_vit_predict
from openfield.commands.behavior_vit import add_train as add_vit_train
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- shared options


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def add_label_options(p: argparse.ArgumentParser) -> None:
    """Options on reading interval labels (shared by every action that reads them)."""
    p.add_argument(
        "--label-map",
        action="append",
        default=[],
        metavar="NAME=CLASS",
        help="map a label name to a class (repeatable); CLASS 'ignore' drops the rows. Defaults: "
        "Supported, Unsupported, rear* -> rearing; groom* -> grooming; Start/End, StartEnd, _DEFAULT ignored",
    )
    p.add_argument(
        "--unknown-labels",
        choices=("error", "other"),
        default="error",
        help="label names not understood: stop with a list of them (default), or count them as other",
    )
    p.add_argument(
        "--crop-labels",
        action="store_true",
        help="accept labels that run past the end of the pose (scored on a longer video) and cut them",
    )


def parse_label_map(items: Sequence[str]) -> dict[str, str | None]:
    """``["Sniff=other", "Start=ignore"]`` -> ``{"Sniff": "other", "Start": None}``."""
    out: dict[str, str | None] = {}
    for item in items:
        name, sep, cls = item.partition("=")
        if not sep or not name.strip() or not cls.strip():
            raise OpenfieldError(f"--label-map expects NAME=CLASS, got {item!r}")
        cls = cls.strip()
        out[name.strip()] = None if cls.lower() == "ignore" else cls
    return out


def add_arena_options(p: argparse.ArgumentParser) -> None:
    """Options locating the arena (for wall distances)."""
    p.add_argument(
        "--arena-size-cm",
        type=_positive_float,
        nargs=2,
        metavar=("W", "H"),
        help="floor size; with tracked corner points tl, tr, br, bl gives wall distances",
    )
    p.add_argument(
        "--calibration",
        type=Path,
        metavar="CAL.json",
        help="an arena calibration (openfield calibrate) used for every pose file",
    )


def _fps(args: argparse.Namespace) -> float:
    if args.fps is None:
        raise OpenfieldError("--fps is required: DeepLabCut pose files do not store the video's frame rate")
    return float(args.fps)


def _arena(ds: Any, args: argparse.Namespace) -> Any:
    from openfield.behavior.pose import arena_geometry
    from openfield.calibration import Calibration

    cal = Calibration.load(args.calibration) if args.calibration else None
    if cal is not None and not cal.has_arena:
        raise OpenfieldError("the calibration has no arena (use an 'arena' calibration)", args.calibration)
    size = tuple(args.arena_size_cm) if args.arena_size_cm else None
    return arena_geometry(ds, cal, size)


# --------------------------------------------------------------------------- pose-train


def add_pose_train(sub: argparse._SubParsersAction) -> None:
    """``behavior pose-train``."""
    p = sub.add_parser(
        "pose-train",
        help="train a rearing/grooming classifier on DeepLabCut pose and interval labels",
        description="Train a gradient-boosting classifier of rearing / grooming / other on per-frame pose "
        "features, with labels from one or more raters (trained on their majority). Cross-validation "
        "by recording, or by contiguous time blocks for a single recording, is reported against each "
        "rater, with a body-length-threshold baseline and the raters' own agreement.",
    )
    p.add_argument("pose", nargs="+", type=Path, metavar="POSE", help="DeepLabCut .csv/.h5 files")
    p.add_argument(
        "--labels",
        nargs="+",
        type=Path,
        required=True,
        metavar="LABELS",
        help="interval CSV (start_s, end_s, behavior[, rater]) per pose file, same order",
    )
    p.add_argument("--fps", type=_positive_float, help="frames per second of the videos (required)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.joblib")
    add_label_options(p)
    add_arena_options(p)
    p.add_argument(
        "--cv-blocks",
        type=int,
        default=5,
        help="time blocks for cross-validation of a single recording (default 5)",
    )
    p.add_argument(
        "--min-bout-s",
        type=_nonneg_float,
        default=0.4,
        help="shortest bout kept in predictions, s (default 0.4)",
    )
    p.add_argument("--threads", type=int, default=1, help="classifier threads (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_pose_train)


def run_pose_train(args: argparse.Namespace) -> int:
    """Train, cross-validate and save a pose behaviour model."""
    from openfield.behavior import pose as bp
    from openfield.behavior import timeline as tl
    from openfield.io.files import save_figure, write_csv
    from openfield.io.pose import read_dlc

    fps = _fps(args)
    if len(args.labels) != len(args.pose):
        raise OpenfieldError(
            f"{len(args.pose)} pose file(s) but {len(args.labels)} label file(s): give one label file per "
            "pose file, in the same order"
        )
    mapping = parse_label_map(args.label_map)
    recs = []
    for pose_path, label_path in zip(args.pose, args.labels, strict=True):
        ds = read_dlc(pose_path, fps=fps)
        labels = tl.read_interval_labels(label_path, mapping, unknown=args.unknown_labels)
        bad = sorted(set(labels["behavior"]) - set(bp.CLASSES) - tl.BACKGROUND_NAMES)
        if bad:
            raise OpenfieldError(f"classes {bad} are not among {list(bp.CLASSES)}", label_path)
        per_rater = tl.intervals_to_frames(
            labels,
            ds.sizes["time"],
            fps,
            background="other",
            beyond_end="crop" if args.crop_labels else "error",
        )
        recs.append(bp.Recording(pose_path.stem, ds, per_rater, _arena(ds, args)))
        log.info("%s: %d frames, raters %s", pose_path.name, ds.sizes["time"], ", ".join(per_rater))
    model, cv = bp.train_pose_model(
        recs, n_blocks=args.cv_blocks, min_bout_s=args.min_bout_s, seed=args.seed, n_threads=args.threads
    )
    out = Path(args.output)
    model.save(out)
    cv_csv = write_csv(cv, out.with_name(out.stem + "_cv.csv"))
    fig = tl.plot_evaluation(cv, title=f"held-out frames ({cv['cv'].iloc[0]})")
    cv_png = save_figure(fig, out.with_name(out.stem + "_cv.png"))
    for _, row in cv[(cv["class"] == "rearing") & (cv["kind"] == "prediction")].iterrows():
        log.info("cross-validated rearing F1, %s vs %s: %.3f", row["compared"], row["reference"], row["f1"])
    log.info("wrote %s, %s, %s", out, cv_csv, cv_png)
    return 0


# --------------------------------------------------------------------------- pose-predict


def add_pose_predict(sub: argparse._SubParsersAction) -> None:
    """``behavior pose-predict``."""
    p = sub.add_parser(
        "pose-predict",
        help="per-frame rearing/grooming, bouts and totals from pose with a trained model",
        description="Apply a pose-train model: writes OUT/<stem>_behavior.csv, <stem>_bouts.csv, "
        "<stem>_behavior_summary.csv, <stem>_ethogram.png per pose file and OUT/behavior_summary.csv.",
    )
    p.add_argument("pose", nargs="+", type=Path, metavar="POSE", help="DeepLabCut .csv/.h5 files")
    p.add_argument("--model", type=Path, required=True, metavar="MODEL.joblib")
    p.add_argument("--fps", type=_positive_float, help="frames per second of the videos (required)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="output folder")
    add_arena_options(p)
    p.add_argument(
        "--min-bout-s", type=_nonneg_float, default=None, help="shortest bout kept, s (default: the model's)"
    )
    p.add_argument("--threads", type=int, default=1, help="classifier threads (default 1)")
    p.set_defaults(func=run_pose_predict)


def run_pose_predict(args: argparse.Namespace) -> int:
    """Predict behaviour for each pose file and write the timeline outputs."""
    from openfield.behavior import timeline as tl
    from openfield.behavior.pose import PoseBehaviorModel
    from openfield.io.files import write_csv
    from openfield.io.pose import read_dlc

    fps = _fps(args)
    model = PoseBehaviorModel.load(args.model)
    if model.fps_trained and any(abs(fps - f) > 1e-6 for f in model.fps_trained):
        log.info(
            "model trained at %s fps, applied at %g fps (features are in seconds)",
            ", ".join(f"{f:g}" for f in model.fps_trained),
            fps,
        )
    min_bout = model.min_bout_s if args.min_bout_s is None else args.min_bout_s
    stems = [p.stem for p in args.pose]
    if len(set(stems)) != len(stems):
        raise OpenfieldError("two pose files have the same name; their outputs would overwrite each other")
    rows = []
    for path in args.pose:
        ds = read_dlc(path, fps=fps)
        proba = model.predict_proba(ds, _arena(ds, args) if model.uses_arena else None, args.threads)
        paths = tl.write_behavior_outputs(
            args.output, path.stem, proba, model.classes, fps, min_bout, summary_extra={"file": path.name}
        )
        rows.append(pd.read_csv(paths["summary"]))
        log.info("%s: wrote %s", path.name, ", ".join(p.name for p in paths.values()))
    write_csv(pd.concat(rows, ignore_index=True), Path(args.output) / "behavior_summary.csv")
    return 0


# --------------------------------------------------------------------------- evaluate


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
        type=_nonneg_float,
        default=0.0,
        help="score only frames from this time on (e.g. a held-out block), s",
    )
    p.add_argument("--end-s", type=_positive_float, default=None, help="score only frames before this time, s")
    add_label_options(p)
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Score a per-frame prediction against interval labels."""
    from openfield.behavior import timeline as tl
    from openfield.io.files import save_figure, write_csv

    pred, fps = tl.read_behavior_csv(args.pred)
    classes = [c[2:] for c in pred.columns if c.startswith("p_")]
    if not classes:
        classes = sorted(set(pred["label"]))
    background = next((c for c in classes if c in tl.BACKGROUND_NAMES), "other")
    labels = tl.read_interval_labels(args.labels, parse_label_map(args.label_map), unknown=args.unknown_labels)
    # label names that mean the background (other/normal/none) count as this prediction's background
    labels["behavior"] = [background if b in tl.BACKGROUND_NAMES else b for b in labels["behavior"]]
    unknown = sorted(set(labels["behavior"]) - set(classes))
    if unknown:
        raise OpenfieldError(
            f"the labels have classes {unknown} that the prediction does not ({classes}); map them with "
            "--label-map NAME=CLASS",
            args.labels,
        )
    per_rater = tl.intervals_to_frames(
        labels, len(pred), fps, background=background, beyond_end="crop" if args.crop_labels else "error"
    )
    raters = dict(per_rater)
    if len(per_rater) > 1:
        raters["majority"] = tl.majority_vote(per_rater, tie=background)
    span = tl.frames_between(args.start_s, args.end_s, fps, len(pred))
    if span.stop - span.start < 1:
        raise OpenfieldError(
            f"no frames between {args.start_s} s and {args.end_s} s (the prediction lasts {len(pred) / fps:.2f} s)",
            args.pred,
        )
    raters = {k: v[span] for k, v in raters.items()}
    log.info(
        "scoring frames %d to %d (%.2f s to %.2f s)",
        span.start,
        span.stop - 1,
        span.start / fps,
        span.stop / fps,
    )
    table = tl.evaluate_frames(pred["label"].to_numpy(dtype=object)[span], raters, classes)
    table = table[~((table["kind"] == "rater-vs-rater") & (table["compared"] == "majority"))]
    prefix = args.output or args.pred.with_name(args.pred.stem + "_evaluation")
    prefix = Path(prefix)
    csv_path = write_csv(table, prefix.with_name(prefix.name + ".csv"))
    png_path = save_figure(tl.plot_evaluation(table, title=args.pred.name), prefix.with_name(prefix.name + ".png"))
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
    log.info("wrote %s, %s", csv_path, png_path)
    return 0


# --------------------------------------------------------------------------- registration

#: The actions of ``openfield behavior``, in ``--help`` order; each adds one sub-subcommand.
ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_pose_train,
    add_pose_predict,
    add_evaluate,
    # the Vision Transformer frame classifier (openfield.commands.behavior_vit)
    add_vit_dataset,
    add_vit_train,
    add_vit_predict,
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``behavior`` command group and its actions."""
    p = subparsers.add_parser(
        "behavior",
        help="rearing and grooming: train, predict, evaluate against human raters",
        description="Rearing and grooming per frame, as bouts and totals, validated against human labels.",
    )
    sub = p.add_subparsers(dest="behavior_command", metavar="ACTION", required=True)
    for add in ACTIONS:
        add(sub)
