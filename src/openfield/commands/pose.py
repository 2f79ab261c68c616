"""``openfield pose``: DeepLabCut project, training, evaluation and video analysis.

Subcommands map one to one to :mod:`openfield.pose.dlc`; training and
analysis go through :mod:`openfield.pipeline.dlc`, which skips what the
ledger records as done with the same settings (``--overwrite`` redoes it).
DeepLabCut is imported only when a subcommand runs, so ``openfield --help``
stays fast.
Every numeric option is checked before any work (:func:`check_options`): a
bad value is one line on stderr naming the option and its allowed range.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from openfield.commands.defaults import parameter_default, shown
from openfield.device import DEVICES
from openfield.errors import OpenfieldError
from openfield.pose import dlc
from openfield.pose.dlc.analysis import analyze_videos
from openfield.pose.dlc.evaluation import evaluate
from openfield.pose.dlc.project import create_project
from openfield.pose.dlc.training import train

log = logging.getLogger("openfield")

#: Smallest allowed value of each integer option, and its unit.
OPTION_MINIMA = {
    "numframes": (1, ""),
    "epochs": (1, ""),
    "shuffle": (1, ""),
    "batch_size": (1, ""),
    "save_epochs": (1, ""),
    "crop_size": (32, " px"),
}


#: The functions of :mod:`openfield.pose.dlc` that each ``pose`` step's options feed (through
#: :mod:`openfield.pipeline.dlc` for ``train`` and ``analyze``): an option's default is its parameter's there.
#: Taken from the modules that define them (a test that replaces ``dlc.train`` leaves the defaults alone).
STEP_FUNCTIONS = {"create": create_project, "train": train, "evaluate": evaluate, "analyze": analyze_videos}

#: Each step's options (their ``dest``) whose defaults are the parameters of the same name of its function.
STEP_OPTIONS = {"create": ("bodyparts", "project_dir", "experimenter", "net"), "train": ("device", "shuffle"),
                "evaluate": ("shuffle", "device"), "analyze": ("batch_size", "device", "shuffle", "filter")}


def _default(step: str, name: str) -> object:
    return parameter_default(STEP_FUNCTIONS[step], name)


def check_options(args: argparse.Namespace) -> None:
    """Refuse out-of-range option values before any work.

    Raises
    ------
    OpenfieldError
        ``--OPTION must be at least N, got V`` for the first bad value.
    """
    for dest, (minimum, unit) in OPTION_MINIMA.items():
        value = getattr(args, dest, None)
        if value is not None and value < minimum:
            option = "--" + dest.replace("_", "-")
            raise OpenfieldError(f"{option} must be at least {minimum}{unit}, got {value}{unit}")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield pose`` and its subcommands."""
    p = subparsers.add_parser(
        "pose",
        help="DeepLabCut: create a project, label, train, evaluate, analyse videos",
        description="Pose estimation with DeepLabCut 3 (PyTorch engine). The project lives in "
        "open_field_model/ by default.",
    )
    sub = p.add_subparsers(dest="pose_command", metavar="STEP", required=True)

    c = sub.add_parser("create", help="a new project (body parts head, body, tail by default)")
    c.add_argument("name", help="project (task) name")
    c.add_argument("--videos", nargs="+", type=Path, required=True, metavar="VIDEO")
    c.add_argument("--bodyparts", nargs="+", default=list(_default("create", "bodyparts")), metavar="NAME")
    c.add_argument("-d", "--project-dir", type=Path, default=_default("create", "project_dir"),
                   help=f"project folder (default {shown(_default('create', 'project_dir'))}/)")
    c.add_argument("--experimenter", default=_default("create", "experimenter"), help="scorer name of the labels")
    c.add_argument("--net", default=_default("create", "net"),
                   help=f"default network (default {shown(_default('create', 'net'))})")
    c.add_argument("--link-videos", action="store_true", help="link the videos instead of copying them")
    c.set_defaults(func=run_create)

    e = sub.add_parser("extract", help="pick frames to label (k-means)")
    e.add_argument("--config", type=Path, required=True, help="the project's config.yaml")
    e.add_argument("--numframes", type=int, help="frames per video (default: config's numframes2pick)")
    e.set_defaults(func=run_extract)

    la = sub.add_parser("label", help="open DeepLabCut's napari labelling window (needs a display)")
    la.add_argument("--config", type=Path, required=True)
    la.set_defaults(func=run_label)

    t = sub.add_parser("train", help="create the training dataset when missing, then train")
    t.add_argument("--config", type=Path, required=True)
    t.add_argument("--epochs", type=int, help="epochs (default: the model config's, 200)")
    t.add_argument("--net", help="network type, e.g. resnet_50, cspnext_s, hrnet_w32 (default: config's)")
    t.add_argument("--device", default=_default("train", "device"), choices=DEVICES)
    start = t.add_mutually_exclusive_group()
    start.add_argument("--weights", type=Path,
                       help="local weights to start from: DeepLabCut snapshot or backbone state dict")
    start.add_argument("--from-scratch", action="store_true",
                       help="start from a randomly initialised model (no download)")
    t.add_argument("--shuffle", type=int, default=_default("train", "shuffle"))
    t.add_argument("--batch-size", type=int)
    t.add_argument("--save-epochs", type=int, help="epochs between snapshots")
    t.add_argument("--crop-size", type=int,
                   help="side of the training crops in px (DeepLabCut's 448; 256 trains ~3x faster on a CPU)")
    t.add_argument("--overwrite", action="store_true",
                   help="train again even if the shuffle is trained with these settings")
    t.set_defaults(func=run_train)

    ev = sub.add_parser("evaluate", help="train and test RMSE (px) of the last snapshot, to a CSV")
    ev.add_argument("--config", type=Path, required=True)
    ev.add_argument("--shuffle", type=int, default=_default("evaluate", "shuffle"))
    ev.add_argument("--device", default=_default("evaluate", "device"), choices=DEVICES)
    ev.add_argument("-o", "--output", type=Path, help="CSV (default: evaluation.csv in the project)")
    ev.set_defaults(func=run_evaluate)

    a = sub.add_parser("analyze", help="track the body parts in videos: .h5/.csv per video")
    a.add_argument("videos", nargs="+", type=Path, metavar="VIDEO")
    model = a.add_mutually_exclusive_group(required=True)
    model.add_argument("--config", type=Path, help="the trained project's config.yaml")
    model.add_argument("--superanimal", action="store_true",
                       help="DeepLabCut's SuperAnimal-TopViewMouse instead of a trained project")
    a.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    a.add_argument("--batch-size", type=int, default=_default("analyze", "batch_size"))
    a.add_argument("--device", default=_default("analyze", "device"), choices=DEVICES)
    a.add_argument("--shuffle", type=int, default=_default("analyze", "shuffle"))
    a.add_argument("--filter", default=_default("analyze", "filter"), choices=["median", "openfield", "none"],
                   help="DeepLabCut's median filter over 5 frames (default), openfield's cleaning "
                        "(likelihood cut-off, gaps, smoothing), or none")
    a.add_argument("--labeled-video", action="store_true", help="also write a video with the points drawn")
    a.add_argument("--overwrite", action="store_true",
                   help="analyse again videos already analysed with these settings")
    a.set_defaults(func=run_analyze)


def run_create(args: argparse.Namespace) -> int:
    """``openfield pose create``."""
    check_options(args)
    config = dlc.create_project(args.name, args.videos, args.bodyparts, args.project_dir,
                                experimenter=args.experimenter, net=args.net, copy_videos=not args.link_videos)
    print(config)
    return 0


def run_extract(args: argparse.Namespace) -> int:
    """``openfield pose extract``."""
    check_options(args)
    for folder in dlc.extract_frames(args.config, args.numframes):
        print(folder)
    return 0


def run_label(args: argparse.Namespace) -> int:
    """``openfield pose label``."""
    check_options(args)
    dlc.label_frames(args.config)
    return 0


def run_train(args: argparse.Namespace) -> int:
    """``openfield pose train``."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.pipeline.dlc import train_network

    check_options(args)
    snapshot = train_network(args.config, epochs=args.epochs, net=args.net, device=args.device,
                             weights=args.weights, from_scratch=args.from_scratch, shuffle=args.shuffle,
                             batch_size=args.batch_size, save_epochs=args.save_epochs,
                             crop_size=args.crop_size, overwrite=args.overwrite)
    print(snapshot)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """``openfield pose evaluate``: print the table and write the CSV."""
    check_options(args)
    result = dlc.evaluate(args.config, shuffle=args.shuffle, device=args.device, out=args.output)
    print(result.T.to_string(header=False))
    return 0


def run_analyze(args: argparse.Namespace) -> int:
    """``openfield pose analyze``."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.pipeline.dlc import analyze_dlc_videos, analyze_superanimal_videos

    check_options(args)
    if args.superanimal:
        paths = analyze_superanimal_videos(args.videos, args.output, batch_size=args.batch_size,
                                           device=args.device, labeled_video=args.labeled_video,
                                           overwrite=args.overwrite)
    else:
        paths = analyze_dlc_videos(args.videos, args.config, args.output, shuffle=args.shuffle,
                                   batch_size=args.batch_size, device=args.device, filter=args.filter,
                                   labeled_video=args.labeled_video, overwrite=args.overwrite)
    for path in paths:
        print(path)
    return 0
