"""``openfield behavior pose-train | pose-predict``: the classifier on pose features.

Arguments are parsed and checked here (before any work); features, training
and prediction are :mod:`openfield.behavior.pose`, files
:mod:`openfield.behavior.outputs`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.behavior.settings import POSE_MODEL_DEFAULTS
from openfield.commands.behavior_options import (
    add_arena_options,
    add_label_options,
    arena_calibration,
    arena_for,
    int_at_least,
    nonneg_float,
    positive_float,
    require,
    require_files,
    required_fps,
)
from openfield.errors import OpenfieldError
from openfield.io.names import BEHAVIOR_SUMMARY_TABLE, labeled_video_path

log = logging.getLogger(__name__)

#: Libraries the pose classifier needs.
POSE_PACKAGES = ("sklearn", "skops", "threadpoolctl")


# --------------------------------------------------------------------------- pose-train


def add_pose_train(sub: argparse._SubParsersAction) -> None:
    """``behavior pose-train``."""
    p = sub.add_parser(
        "pose-train",
        help="train a behaviour classifier (rearing/grooming, or the lab's own classes) on pose and labels",
        description="Train a gradient-boosting classifier on per-frame pose features, with labels from one or "
        "more raters (trained on their majority). The classes are those of the labels: rearing / grooming / "
        "other by default, or any names (--label-map Supported=supported_rearing ...; letters, digits and _), "
        "then other. Cross-validation "
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
        help="labels per pose file, same order: interval CSV (start_s, end_s, behavior[, rater]), BORIS export "
        "(aggregated or tabular events) or per-frame 0/1 table (see --labels-format)",
    )
    p.add_argument("--fps", type=positive_float, help="frames per second of the videos (required)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.joblib")
    add_label_options(p)
    add_arena_options(p)
    p.add_argument(
        "--cv-blocks",
        type=int_at_least(2),
        default=POSE_MODEL_DEFAULTS["n_blocks"],
        help=f"time blocks for cross-validation of a single recording (default {POSE_MODEL_DEFAULTS['n_blocks']})",
    )
    p.add_argument(
        "--min-bout-s",
        type=nonneg_float,
        default=0.4,
        help="shortest bout kept in predictions, s (default 0.4)",
    )
    p.add_argument("--threads", type=int_at_least(1), default=POSE_MODEL_DEFAULTS["n_threads"],
                   help=f"classifier threads (default {POSE_MODEL_DEFAULTS['n_threads']})")
    p.add_argument(
        "--extended-features",
        action="store_true",
        help="add the features meant for a head/body/tail pose (running-median body length, past/future "
        "length change, head motion around the body, corner geometry)",
    )
    add_silhouette_options(p, "with --extended-features, ")
    p.add_argument("--seed", type=int, default=POSE_MODEL_DEFAULTS["seed"])
    p.set_defaults(func=run_pose_train)


def add_silhouette_options(p: argparse.ArgumentParser, when: str = "") -> None:
    """``--silhouette TABLE...`` / ``--no-silhouette``: the tracker's silhouette tables beside the pose files."""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--silhouette",
        nargs="+",
        type=Path,
        metavar="TABLE",
        help="the classical tracker's silhouette table of each pose file, same order (default: "
        f"<stem>_silhouette.csv beside <stem>_pose.csv, when there); {when}its area, length and width per "
        "frame are features",
    )
    g.add_argument("--no-silhouette", action="store_true", help="ignore silhouette tables beside the pose files")


def silhouette_tables(args: argparse.Namespace) -> list[Path | None]:
    """Per pose file, its silhouette table: ``--silhouette``, else the one beside it if any (None: none).

    Raises
    ------
    OpenfieldError
        Not one ``--silhouette`` per pose file, or one of them missing.
    """
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.pipeline.paths import silhouette_path

    if args.no_silhouette:
        return [None] * len(args.pose)
    if args.silhouette:
        if len(args.silhouette) != len(args.pose):
            raise OpenfieldError(
                f"{len(args.pose)} pose file(s) but {len(args.silhouette)} --silhouette table(s): give one table "
                "per pose file, in the same order"
            )
        require_files(args.silhouette, "silhouette table")
        return list(args.silhouette)
    found = [silhouette_path(p) for p in args.pose]
    return [p if p.is_file() else None for p in found]


def run_pose_train(args: argparse.Namespace) -> int:
    """Train, cross-validate and save a pose behaviour model."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior import outputs
    from openfield.behavior import training as bp
    from openfield.behavior.labels import model_classes, parse_label_map, read_labels
    from openfield.behavior.silhouette import MEASURES as SILHOUETTE_MEASURES
    from openfield.behavior.silhouette import add_silhouette
    from openfield.behavior.timeline import intervals_to_frames
    from openfield.io.files import write_csv
    from openfield.io.pose import read_dlc
    from openfield.io.silhouette import read_silhouette

    fps = required_fps(args)
    require(*POSE_PACKAGES, action="pose-train")
    if len(args.labels) != len(args.pose):
        raise OpenfieldError(
            f"{len(args.pose)} pose file(s) but {len(args.labels)} label file(s): give one label file per "
            "pose file, in the same order"
        )
    require_files(args.pose, "pose file")
    require_files(args.labels, "label file")
    tables = silhouette_tables(args)
    if args.silhouette and not args.extended_features:
        raise OpenfieldError("--silhouette needs --extended-features (the silhouette features are among them)")
    if any(tables) and not args.extended_features:
        log.info("silhouette tables beside the pose files not used: they are features with --extended-features")

    mapping = parse_label_map(args.label_map)
    calibration = arena_calibration(args)
    read = []
    for pose_path, label_path, table in zip(args.pose, args.labels, tables, strict=True):
        ds = read_dlc(pose_path, fps=fps)
        if table is not None and args.extended_features:
            ds = add_silhouette(ds, read_silhouette(table, SILHOUETTE_MEASURES, ds.sizes["time"]))
        labels = read_labels(label_path, fps, ds.sizes["time"], mapping, args.unknown_labels, args.labels_format)
        model_classes(labels["behavior"], label_path)  # each file's names checked, naming the file
        read.append((pose_path, ds, labels))
    classes = model_classes(pd.concat([lab["behavior"] for _, _, lab in read]))
    recs = []
    for pose_path, ds, labels in read:
        per_rater = intervals_to_frames(
            labels,
            ds.sizes["time"],
            fps,
            background="other",
            beyond_end="crop" if args.crop_labels else "error",
        )
        recs.append(bp.Recording(pose_path.stem, ds, per_rater, arena_for(ds, calibration, args)))
        log.info("%s: %d frames, raters %s", pose_path.name, ds.sizes["time"], ", ".join(per_rater))
    log.info("classes: %s", ", ".join(classes))
    if args.extended_features and any(tables) and not all(tables):
        log.warning("silhouette tables for only some pose files: the silhouette features are left out")
    model, cv = bp.train_pose_model(
        recs, classes, n_blocks=args.cv_blocks, min_bout_s=args.min_bout_s, seed=args.seed, n_threads=args.threads,
        extended=args.extended_features,
    )
    out = Path(args.output)
    outputs.save_pose_model(model, out)
    title = f"held-out frames ({cv['cv'].iloc[0]})"
    written = outputs.write_evaluation(cv, out.with_name(out.stem + "_cv"), title=title)
    table = pd.DataFrame(model.training["cv_confusion"]).T.rename_axis(index="majority", columns="model")
    confusion = write_csv(table, out.with_name(out.stem + "_cv_confusion.csv"), index=True)
    for _, row in cv[cv["class"].isin(classes[:-1]) & (cv["kind"] == "prediction")].iterrows():
        log.info("cross-validated %s F1, %s vs %s: %.3f", row["class"], row["compared"], row["reference"], row["f1"])
    log.info("wrote %s, %s, %s, %s", out, written["csv"], written["png"], confusion)
    return 0


# --------------------------------------------------------------------------- convert-model


def add_convert_model(sub: argparse._SubParsersAction) -> None:
    """``behavior convert-model OLD --trust``."""
    p = sub.add_parser(
        "convert-model",
        help="convert an old pickle-based pose model (.joblib) you trust to the safe model format",
        description="Older openfield versions saved pose models as pickles, which run code when opened; "
        "models are now read only in a safe format (skops, with a fixed list of allowed types). This opens "
        "OLD as a pickle (so: only a file whose author you trust, hence --trust) and writes it in the safe "
        "format to -o (default: <OLD stem>_safe.joblib beside it).",
    )
    p.add_argument("old", type=Path, metavar="OLD", help="the pickle-based .joblib pose model")
    p.add_argument("-o", "--output", type=Path, metavar="NEW.joblib",
                   help="where to write the safe model (may be OLD itself, replaced)")
    p.add_argument("--trust", action="store_true",
                   help="required: you vouch for OLD (opening a pickle runs any code it holds)")
    p.set_defaults(func=run_convert_model)


def run_convert_model(args: argparse.Namespace) -> int:
    """Convert a trusted pickle-based pose model to the safe format."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior.model_files import convert_pickled_model

    if not args.trust:
        raise OpenfieldError(
            "convert-model opens the file as a pickle, which runs any code its author put in it: add --trust "
            "only if you trust where the file comes from", args.old)
    require("sklearn", "joblib", "skops", action="convert-model")
    new = args.output or args.old.with_name(args.old.stem + "_safe.joblib")
    convert_pickled_model(args.old, new)
    log.info("wrote %s (safe pose model)", new)
    return 0


# --------------------------------------------------------------------------- pose-predict


def add_pose_predict(sub: argparse._SubParsersAction) -> None:
    """``behavior pose-predict``."""
    p = sub.add_parser(
        "pose-predict",
        help="per-frame behaviour (the model's classes), bouts and totals from pose with a trained model",
        description="Apply a pose-train model: writes OUT/<stem>_behavior.csv, <stem>_bouts.csv, "
        "<stem>_behavior_summary.csv, <stem>_ethogram.png per pose file and OUT/behavior_summary.csv.",
    )
    p.add_argument("pose", nargs="+", type=Path, metavar="POSE", help="DeepLabCut .csv/.h5 files")
    p.add_argument("--model", type=Path, required=True, metavar="MODEL.joblib")
    p.add_argument("--fps", type=positive_float, help="frames per second of the videos (required)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="output folder")
    add_arena_options(p)
    p.add_argument(
        "--min-bout-s", type=nonneg_float, default=None, help="shortest bout kept, s (default: the model's)"
    )
    p.add_argument("--threads", type=int_at_least(1), default=POSE_MODEL_DEFAULTS["n_threads"],
                   help=f"classifier threads (default {POSE_MODEL_DEFAULTS['n_threads']})")
    p.add_argument(
        "--labeled-video",
        nargs="+",
        type=Path,
        metavar="VIDEO",
        help="the video of each pose file (same order): writes OUT/<stem>_labeled.mp4 with the pose and the "
        "behaviour (with its probability) drawn on each frame",
    )
    add_silhouette_options(p, "for a model trained with them, ")
    p.add_argument("--overwrite", action="store_true",
                   help="predict again pose files already predicted with these settings")
    p.set_defaults(func=run_pose_predict)


def run_pose_predict(args: argparse.Namespace) -> int:
    """Predict behaviour for each pose file and write the timeline outputs.

    Each pose file goes through :func:`openfield.pipeline.steps.behavior_predict.pose_behavior_step` (the step
    ``openfield run --behavior-model`` uses), resumed through the ledger ``OUT/.openfield/<stem>.json``; its
    labelled video is a step of its own (``labeled_video``), redone when the behaviour is.
    """
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior import outputs
    from openfield.io.pose import read_dlc
    from openfield.overlay import write_labeled_video
    from openfield.pipeline.ledger import Ledger, fingerprint
    from openfield.pipeline.paths import silhouette_path
    from openfield.pipeline.steps import given_calibration, pose_file_step
    from openfield.pipeline.steps.behavior_predict import pose_behavior_step

    fps = required_fps(args)
    require(*POSE_PACKAGES, action="pose-predict")
    stems = [p.stem for p in args.pose]
    if len(set(stems)) != len(stems):
        raise OpenfieldError("two pose files have the same name; their outputs would overwrite each other")
    require_files(args.pose, "pose file")
    videos = args.labeled_video or []
    if videos:
        if len(videos) != len(args.pose):
            raise OpenfieldError(
                f"{len(args.pose)} pose file(s) but {len(videos)} --labeled-video video(s): give one video per "
                "pose file, in the same order"
            )
        require_files(videos, "video")
    tables = silhouette_tables(args)

    model = outputs.load_pose_model(args.model)
    if model.uses_silhouette:
        lacking = [str(p) for p, t in zip(args.pose, tables, strict=True) if t is None]
        if lacking:
            raise OpenfieldError(
                f"the model was trained with the classical tracker's silhouette; no silhouette table for "
                f"{', '.join(lacking)} (looked for {silhouette_path(lacking[0]).name} beside it; or give --silhouette)",
                args.model,
            )
    calibration = arena_calibration(args)
    if model.fps_trained and any(abs(fps - f) > 1e-6 for f in model.fps_trained):
        log.info(
            "model trained at %s fps, applied at %g fps (features are in seconds)",
            ", ".join(f"{f:g}" for f in model.fps_trained),
            fps,
        )
    size = tuple(args.arena_size_cm) if args.arena_size_cm else None
    rows = []
    for i, (path, table) in enumerate(zip(args.pose, tables, strict=True)):
        ledger = Ledger(args.output, path.stem, args.overwrite)
        fp, _ = pose_behavior_step(
            ledger, args.model, path, pose_file_step(path, fps), fps, summary_extra={"file": path.name}, model=model,
            calibration=calibration, cal_fp=None if calibration is None else given_calibration(calibration),
            arena_size_cm=size, silhouette=table, min_bout_s=args.min_bout_s, threads=args.threads,
        )
        # the row as written (read back exactly: a skipped file's too)
        rows.append(pd.read_csv(ledger.output("behavior", "summary"), dtype={"file": str, "video": str},
                                float_precision="round_trip").iloc[0].to_dict())
        if videos:
            corners = None if calibration is None else calibration.floor_outline_px
            label_fp = fingerprint("labeled_video", {"fps": fps, "corners": corners}, inputs=[fp], sources=[videos[i]])
            if not ledger.current("labeled_video", label_fp):
                per_frame = pd.read_csv(ledger.output("behavior", "behavior"), dtype={"label": str},
                                        float_precision="round_trip")
                labels = per_frame["label"].astype(str).tolist()
                chosen = [model.classes.index(lab) for lab in labels]
                probabilities = per_frame[[f"p_{c}" for c in model.classes]].to_numpy()
                p_label = probabilities[np.arange(len(chosen)), chosen]
                made = write_labeled_video(videos[i], labeled_video_path(path.stem, args.output),
                                           read_dlc(path, fps=fps), labels, p_label, None, corners, fps)
                ledger.record("labeled_video", label_fp, {"labeled_video": made})
    outputs.write_summary_table(rows, Path(args.output) / BEHAVIOR_SUMMARY_TABLE)
    return 0
