"""Options shared by the ``openfield behavior`` actions, and the checks run before any work."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openfield.behavior.labels import read_labels
from openfield.commands.defaults import parameter_default
from openfield.errors import OpenfieldError

#: Import name -> what to install, for the optional libraries of the behaviour actions.
PACKAGES = {
    "sklearn": "scikit-learn",
    "joblib": "joblib",
    "skops": "skops",
    "threadpoolctl": "threadpoolctl",
    "torch": "torch",
    "transformers": "transformers",
}


def require(*modules: str, action: str) -> None:
    """Stop with one line naming what to install when an optional library is missing.

    Raises
    ------
    OpenfieldError
        E.g. ``behavior pose-train needs scikit-learn: pip install scikit-learn``.
    """
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        names = [PACKAGES.get(m, m) for m in missing]
        raise OpenfieldError(
            f"behavior {action} needs {', '.join(names)}, not installed: pip install {' '.join(names)}"
        )


def require_files(paths: Sequence[Path], what: str) -> None:
    """Stop before any work when an input file is missing or a folder."""
    for path in paths:
        if not Path(path).exists():
            raise OpenfieldError(f"{what} not found", path)
        if Path(path).is_dir():
            raise OpenfieldError(f"is a folder, expected a {what}", path)


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def nonneg_float(text: str) -> float:
    """argparse type: a number >= 0."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def fraction(low_open: bool = True, high_closed: bool = True) -> Any:
    """argparse type: a number in ``(0, 1]`` (or ``[0, 1)`` with ``low_open=False, high_closed=False``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
        low_ok = value > 0 if low_open else value >= 0
        high_ok = value <= 1 if high_closed else value < 1
        if not (low_ok and high_ok):
            span = f"{'(' if low_open else '['}0, 1{']' if high_closed else ')'}"
            raise argparse.ArgumentTypeError(f"must be in {span}, got {text}")
        return value

    parse.__name__ = "fraction"
    return parse


def int_at_least(low: int) -> Any:
    """argparse type: a whole number >= ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {text}")
        return value

    parse.__name__ = f"int>={low}"
    return parse


def add_label_options(p: argparse.ArgumentParser) -> None:
    """Options on reading interval labels (shared by every action that reads them)."""
    p.add_argument(
        "--label-map",
        action="append",
        default=[],
        metavar="NAME=CLASS",
        help="map a label name to a class (repeatable), any class name of letters, digits and _ (the model then "
        "learns those classes, e.g. Supported=supported_rearing); CLASS 'ignore' drops the rows. Defaults: "
        "Supported, Unsupported, rear* -> rearing; groom* -> grooming; Start/End, StartEnd, _DEFAULT ignored",
    )
    p.add_argument(
        "--unknown-labels",
        choices=("error", "other"),
        default=parameter_default(read_labels, "unknown"),
        help="label names not understood: stop with a list of them (default), or count them as other",
    )
    p.add_argument(
        "--labels-format",
        choices=("auto", "intervals", "boris", "frames"),
        default=parameter_default(read_labels, "fmt"),
        help="label file format: interval CSV, BORIS export (aggregated or tabular events, state events "
        "with start and stop), per-frame 0/1 table (one column per behaviour, as SimBA writes); default: "
        "detected from the file",
    )
    p.add_argument(
        "--crop-labels",
        action="store_true",
        help="accept labels that run past the end of the pose (scored on a longer video) and cut them",
    )


def add_arena_options(p: argparse.ArgumentParser) -> None:
    """Options locating the arena (for wall distances)."""
    p.add_argument(
        "--arena-size-cm",
        type=positive_float,
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


def required_fps(args: argparse.Namespace) -> float:
    """``--fps``, which DeepLabCut pose files need."""
    if args.fps is None:
        raise OpenfieldError("--fps is required: DeepLabCut pose files do not store the video's frame rate")
    return float(args.fps)


def arena_calibration(args: argparse.Namespace) -> Any:
    """The ``--calibration`` (checked to have an arena), or None; read before any work."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io.calibration import read_calibration

    if not args.calibration:
        return None
    cal = read_calibration(args.calibration)
    if not cal.has_arena:
        raise OpenfieldError("the calibration has no arena (use an 'arena' calibration)", args.calibration)
    return cal


def arena_for(ds: Any, calibration: Any, args: argparse.Namespace) -> Any:
    """The arena of one pose file from ``--calibration`` or ``--arena-size-cm`` with tracked corners."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.behavior.feature_arena import feature_arena

    size = tuple(args.arena_size_cm) if args.arena_size_cm else None
    return feature_arena(ds, calibration, size)
