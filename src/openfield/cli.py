"""The ``openfield`` command line: one subcommand per pipeline stage.

Each stage's subcommand lives in a module of :mod:`openfield.commands` that
exposes ``register(subparsers)``; this module only assembles them, sets up
logging and turns :class:`~openfield.errors.OpenfieldError` into one line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from openfield import __version__
from openfield.errors import OpenfieldError

log = logging.getLogger("openfield")

#: Modules that add subcommands, in the order they appear in ``--help``.
COMMAND_MODULES = [
    "openfield.commands.calibrate",
    "openfield.commands.kinematics",
    "openfield.commands.track",
    "openfield.commands.run",
    "openfield.commands.demo",
    "openfield.commands.behavior",
    "openfield.commands.pose",
    "openfield.commands.study",
    "openfield.commands.draw",
]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="openfield",
        description="Open-field test measures from videos of a mouse.",
    )
    parser.add_argument("--version", action="version", version=f"openfield {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="more log messages")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def setup_logging(verbose: bool = False) -> None:
    """Send the package's log messages to stderr, INFO or DEBUG."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    int
        0 on success, 2 on a user-facing error (bad input), 130 on Ctrl-C.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except OpenfieldError as exc:
        if args.debug:
            raise
        print(f"openfield {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"openfield {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"openfield {args.command}: interrupted", file=sys.stderr)
        return 130


def console() -> None:
    """The ``openfield`` program: :func:`main` with one OpenBLAS thread, then an exit without the interpreter's
    teardown.

    Once the command has finished (its files written and closed, its
    workers joined), the interpreter's own teardown (freeing every module and
    object) costs ~0.3 s of CPU after a command that used the pose data; the
    log and the standard streams are flushed and the process ends at once.
    """
    # numpy's and scipy's OpenBLAS: one thread unless the user says otherwise (set before numpy loads). Its idle
    # threads spin: ~0.5 s of CPU and no wall time gained on an hour of pose (the matrices are (frames, 3) x
    # (3, 3) products and small systems); `--jobs N` workers are capped the same way (parallel.limit_threads).
    # Torch's own threads (DeepLabCut, the ViT) are not these.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
