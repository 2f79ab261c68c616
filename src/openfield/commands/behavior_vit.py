"""``openfield behavior dataset | train | predict``: the Vision Transformer frame classifier.

These three sub-subcommands are added to the ``behavior`` group of
:mod:`openfield.commands.behavior` (its ``ACTIONS`` list holds
:func:`add_dataset`, :func:`add_train` and :func:`add_predict`). Heavy
libraries (torch, transformers) are imported only when a command runs, after
the arguments are checked; a missing one is named with what to install.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openfield.behavior.crops import CropSettings
from openfield.behavior.dataset import DatasetSettings
from openfield.behavior.settings import PREDICTION_DEFAULTS
from openfield.behavior.vit import TrainSettings
from openfield.commands.behavior_options import fraction, int_at_least, nonneg_float, require, require_files
from openfield.commands.defaults import field_default, shown
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

#: Each option of ``behavior dataset`` (its ``dest``) -> the settings class and field it sets: its default is
#: that field's (:class:`~openfield.behavior.dataset.DatasetSettings`, its crop's
#: :class:`~openfield.behavior.crops.CropSettings`).
DATASET_OPTIONS: dict[str, tuple[type, str]] = {
    "panels": (DatasetSettings, "panels"),
    "every": (DatasetSettings, "every"),
    "crop": (CropSettings, "mode"),
    "crop_fraction": (CropSettings, "size_fraction"),
    "crop_size": (CropSettings, "size_px"),
    "animal": (CropSettings, "animal"),
    "val_fraction": (DatasetSettings, "val_fraction"),
    "split_by": (DatasetSettings, "split_by"),
    "seed": (DatasetSettings, "seed"),
}

#: Each option of ``behavior train`` (its ``dest``) -> the field of :class:`~openfield.behavior.vit.TrainSettings`
#: it sets: its default is that field's.
TRAIN_OPTIONS = {
    "checkpoint": "checkpoint",
    "layers": "layers",
    "hidden_size": "hidden_size",
    "image_size": "image_size",
    "patch_size": "patch_size",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "patience": "patience",
    "balance": "balance",
    "seed": "seed",
    "device": "device",
}

#: The options of ``behavior predict`` whose defaults are :data:`~openfield.behavior.settings.PREDICTION_DEFAULTS`
#: (the same names).
PREDICT_OPTIONS = ("min_bout_s", "window_s", "every", "max_frames")


def _dataset(dest: str) -> object:
    return field_default(*DATASET_OPTIONS[dest])


def _train(dest: str) -> object:
    return field_default(TrainSettings, TRAIN_OPTIONS[dest])


#: Libraries the Vision Transformer actions need.
VIT_PACKAGES = ("torch", "transformers", "sklearn")


def add_dataset(group: argparse._SubParsersAction) -> None:
    """Add ``openfield behavior dataset``."""
    p = group.add_parser(
        "dataset",
        help="build an image dataset (class folders) for the ViT classifier",
        description=(
            "Build a folder-per-class image dataset from class folders (--folders), videos with "
            "interval labels (--videos ... --labels ...) and/or clips named by class (--clips). "
            "Frames are cropped around the mouse (or kept whole with --crop full) and split into "
            "train / validation by source (video, clip panel), never by frame."
        ),
    )
    p.add_argument("-o", "--output", required=True, type=Path, help="dataset folder to write")
    p.add_argument("--folders", type=Path, help="root of <class>/*.png folders")
    p.add_argument("--videos", nargs="+", type=Path, default=[], help="videos with interval labels")
    p.add_argument("--labels", nargs="+", type=Path, default=[],
                   help="one CSV (start_s, end_s, behavior) per video, same order")
    p.add_argument("--poses", nargs="+", type=Path, default=[],
                   help="optional DeepLabCut pose CSV per video to centre the crops")
    p.add_argument("--clips", nargs="+", type=Path,
                   help="a folder of clips, or clip files; the class comes from the file name")
    p.add_argument("--panels", type=int_at_least(1), default=_dataset("panels"),
                   help=f"side-by-side panels in each clip, each its own source (default {shown(_dataset('panels'))})")
    p.add_argument("--every", type=int_at_least(1), default=_dataset("every"),
                   help=f"keep every n-th video frame (default {shown(_dataset('every'))}: all)")
    p.add_argument("--crop", choices=["animal", "full"], default=_dataset("crop"),
                   help="square around the mouse (default) or the full frame")
    p.add_argument("--crop-fraction", type=fraction(), default=_dataset("crop_fraction"),
                   help="side of the crop as a fraction of the frame's shorter side "
                        f"(default {shown(_dataset('crop_fraction'))})")
    p.add_argument("--crop-size", type=int_at_least(0), default=_dataset("crop_size"),
                   help="side of the crop in pixels (overrides the fraction)")
    p.add_argument("--animal", choices=["auto", "dark", "light"], default=_dataset("animal"),
                   help="the mouse's contrast with the floor, for the blob detector")
    p.add_argument("--val-fraction", type=fraction(low_open=False, high_closed=False), default=_dataset("val_fraction"),
                   help=f"fraction of the sources of each class kept for validation "
                        f"(default {shown(_dataset('val_fraction'))})")
    p.add_argument("--split-by", choices=["source", "clip"], default=_dataset("split_by"),
                   help="unit of the split: a source (video / clip panel) or a whole clip")
    p.add_argument("--seed", type=int, default=_dataset("seed"), help="seed of the split")
    p.add_argument("--overwrite", action="store_true", help="build again even if built with these settings")
    p.set_defaults(func=run_dataset)


def add_train(group: argparse._SubParsersAction) -> None:
    """Add ``openfield behavior train``."""
    p = group.add_parser(
        "train",
        help="fine-tune a Vision Transformer on a dataset",
        description=(
            "Fine-tune a ViT (Hugging Face transformers) on a dataset from `openfield behavior dataset`; "
            "early stopping on validation macro-F1; writes the model and the training logs, curves and "
            "validation metrics (per-class precision/recall/F1, macro-F1, balanced accuracy, confusion)."
        ),
    )
    p.add_argument("dataset", type=Path, help="dataset folder")
    p.add_argument("-o", "--output", type=Path, default=Path("fine_tuning_ViT/model"),
                   help="model folder (default fine_tuning_ViT/model)")
    p.add_argument("--training-dir", type=Path,
                   help="logs and curves (default: 'training' beside the model folder)")
    p.add_argument("--checkpoint", default=_train("checkpoint"),
                   help=f"hub id or local checkpoint (default {_train('checkpoint')})")
    p.add_argument("--from-scratch", action="store_true",
                   help="build a new ViT from a config (no download; see --layers, --hidden-size, --image-size)")
    p.add_argument("--layers", type=int_at_least(1), default=_train("layers"),
                   help=f"from scratch: transformer layers (default {shown(_train('layers'))})")
    p.add_argument("--hidden-size", type=int_at_least(1), default=_train("hidden_size"),
                   help=f"from scratch: width (default {shown(_train('hidden_size'))})")
    p.add_argument("--image-size", type=int_at_least(1), default=_train("image_size"),
                   help=f"from scratch: input side in pixels (default {shown(_train('image_size'))})")
    p.add_argument("--patch-size", type=int_at_least(0), default=_train("patch_size"),
                   help="from scratch: patch side (default image size / 8)")
    p.add_argument("--epochs", type=int_at_least(1), default=_train("epochs"),
                   help=f"most epochs (default {shown(_train('epochs'))})")
    p.add_argument("--batch-size", type=int_at_least(0), default=_train("batch_size"),
                   help="default 64 on GPU, 16 on CPU")
    p.add_argument("--lr", type=nonneg_float, default=_train("lr"),
                   help="learning rate (default 3e-4 scratch, 5e-5 fine-tune)")
    p.add_argument("--patience", type=int_at_least(1), default=_train("patience"),
                   help=f"stop after this many epochs without a better validation macro-F1 "
                        f"(default {shown(_train('patience'))})")
    p.add_argument("--balance", choices=["weights", "sampler", "none"], default=_train("balance"),
                   help="class imbalance: weighted loss (default), balanced sampling, or none")
    p.add_argument("--no-augment", action="store_true", help="no flips / rotations / brightness changes")
    p.add_argument("--baseline", action="store_true",
                   help="also score a logistic-regression baseline on the same split")
    p.add_argument("--seed", type=int, default=_train("seed"))
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=_train("device"))
    p.add_argument("--overwrite", action="store_true",
                   help="train again even if the model is trained with these settings on this dataset")
    p.set_defaults(func=run_train)


def add_predict(group: argparse._SubParsersAction) -> None:
    """Add ``openfield behavior predict``."""
    p = group.add_parser(
        "predict",
        help="rearing / grooming / normal over whole videos with a trained ViT",
        description=(
            "Classify every frame of each video (streamed in batches, the training crops), smooth, and "
            "write <stem>_behavior.csv, <stem>_bouts.csv, <stem>_behavior_summary.csv and "
            "<stem>_ethogram.png."
        ),
    )
    p.add_argument("videos", nargs="+", type=Path, help="video file(s)")
    p.add_argument("--model", required=True, type=Path, help="model folder from `openfield behavior train`")
    p.add_argument("-o", "--output", required=True, type=Path, help="output folder")
    p.add_argument("--min-bout-s", type=nonneg_float, default=PREDICTION_DEFAULTS["min_bout_s"],
                   help="bouts shorter than this are merged into their neighbours "
                        f"(default {shown(PREDICTION_DEFAULTS['min_bout_s'])} s)")
    p.add_argument("--window-s", type=nonneg_float, default=PREDICTION_DEFAULTS["window_s"],
                   help="moving-average window of the probabilities "
                        f"(default {shown(PREDICTION_DEFAULTS['window_s'])} s; 0: none)")
    p.add_argument("--every", type=int_at_least(1), default=PREDICTION_DEFAULTS["every"],
                   help="classify every n-th frame, holding the result in between "
                        f"(default {shown(PREDICTION_DEFAULTS['every'])})")
    p.add_argument("--max-frames", type=int_at_least(1), default=PREDICTION_DEFAULTS["max_frames"],
                   help="analyse only the first N frames")
    p.add_argument("--poses", nargs="+", type=Path, default=[],
                   help="optional DeepLabCut pose CSV per video (same order) to centre the crops")
    p.add_argument("--batch-size", type=int_at_least(0), default=0, help="default 64 on GPU, 16 on CPU")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--overwrite", action="store_true",
                   help="analyse again videos already analysed with these settings")
    p.set_defaults(func=run_predict)


def run_dataset(args: argparse.Namespace) -> int:
    """Run ``openfield behavior dataset``."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.pipeline.vit import dataset_step

    clips = args.clips
    if clips is not None and len(clips) == 1 and clips[0].is_dir():
        clips = clips[0]
    settings = DatasetSettings(
        every=args.every,
        panels=args.panels,
        crop=CropSettings(mode=args.crop, size_fraction=args.crop_fraction, size_px=args.crop_size,
                          animal=args.animal),
        val_fraction=args.val_fraction,
        split_by=args.split_by,
        seed=args.seed,
    )
    manifest = dataset_step(
        args.output, folders=args.folders, videos=args.videos, labels=args.labels, clips=clips,
        poses=args.poses, settings=settings, overwrite=args.overwrite,
    )
    counts = manifest.groupby(["split", "label"]).size().unstack(fill_value=0)
    print(f"{args.output}: {len(manifest)} images\n{counts.to_string()}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Run ``openfield behavior train``."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior.baseline import baseline_logistic
    from openfield.pipeline.vit import training_step

    require(*VIT_PACKAGES, action="train")
    settings = TrainSettings(
        checkpoint=args.checkpoint,
        from_scratch=args.from_scratch,
        layers=args.layers,
        hidden_size=args.hidden_size,
        image_size=args.image_size,
        patch_size=args.patch_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        patience=args.patience,
        balance=args.balance,
        augment=not args.no_augment,
        seed=args.seed,
        device=args.device,
    )
    training_dir = args.training_dir or args.output.resolve().parent / "training"
    info = training_step(args.dataset, args.output, training_dir, settings, overwrite=args.overwrite)
    val = info.get("val") or {}
    if val:
        per_class = ", ".join(f"{c} {f:.3f}" for c, f in val["f1"].items())
        print(f"validation macro-F1 {val['macro_f1']:.3f} (F1: {per_class}), "
              f"balanced accuracy {val['balanced_accuracy']:.3f}; model in {args.output}")
    if args.baseline:
        m = baseline_logistic(args.dataset, training_dir)
        per_class = ", ".join(f"{c} {f:.3f}" for c, f in zip(m["per_class"]["class"], m["per_class"]["f1"],
                                                              strict=True))
        print(f"baseline (logistic regression) macro-F1 {m['macro_f1']:.3f} (F1: {per_class}), "
              f"balanced accuracy {m['balanced_accuracy']:.3f}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Run ``openfield behavior predict``: :func:`openfield.pipeline.steps.vit_predict.vit_prediction_step` per video.

    A video whose ledger records these settings (and whose outputs are there) is skipped.
    """
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    import pandas as pd

    # (the same: the command's work)
    from openfield.io.behavior import check_model_folder
    from openfield.pipeline.ledger import Ledger
    from openfield.pipeline.steps.vit_predict import vit_prediction_step

    if args.poses and len(args.poses) != len(args.videos):
        raise OpenfieldError(
            f"{len(args.videos)} video(s) but {len(args.poses)} pose file(s): give one per video or none"
        )
    require_files(args.videos, "video")
    require_files(args.poses, "pose file")
    if not args.model.is_dir():
        raise OpenfieldError("model folder not found", args.model)
    require(*VIT_PACKAGES, action="predict")
    check_model_folder(args.model)  # safetensors weights that open: once, before any video

    for i, video in enumerate(args.videos):
        ledger = Ledger(args.output, video.stem, args.overwrite)
        vit_prediction_step(
            ledger, video, args.model, min_bout_s=args.min_bout_s, window_s=args.window_s,
            batch_size=args.batch_size, device=args.device, every=args.every, max_frames=args.max_frames,
            pose=args.poses[i] if args.poses else None,
        )
        r = pd.read_csv(ledger.output("behavior", "summary")).iloc[0]
        behaviors = [c[len("time_"):-len("_s")] for c in r.index if c.startswith("time_") and c.endswith("_s")]
        totals = ", ".join(f"{b}: {r[f'time_{b}_s']:.1f} s in {r[f'bouts_{b}']} bouts" for b in behaviors)
        print(f"{video.name}: {r['duration_s']:.1f} s analysed; {totals}; outputs in {args.output}")
    return 0
