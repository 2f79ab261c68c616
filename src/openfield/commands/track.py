"""``openfield track``: the classical tracker on videos -> DeepLabCut-layout pose CSVs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("openfield")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield track``."""
    p = subparsers.add_parser(
        "track", help="track head, body and tail base with the classical (DeepLabCut-free) tracker",
        description="Per video: OUT/<video stem>_pose.csv in DeepLabCut layout (scorer openfield-classic, "
                    "body parts head, body, tail; likelihood = blob quality). A video tracked before with the "
                    "same options is not tracked again.",
    )
    p.add_argument("videos", nargs="+", type=Path, metavar="VIDEO")
    p.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    p.add_argument("--calibration", type=Path,
                   help="calibration JSON whose arena corners limit the search (default: arena found on "
                        "each video's background, else the whole image)")
    p.add_argument("--animal", choices=("auto", "dark", "light"), default="auto",
                   help="dark animal on a light floor, or the reverse (default: auto)")
    p.add_argument("--threshold", type=float, help="foreground threshold, grey levels (default: Otsu)")
    p.add_argument("--fps", type=float, help="frame rate, if the video file does not store it")
    p.add_argument("--overwrite", action="store_true", help="track again videos that are up to date")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Track each video; a failure is reported and the others go on."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io.calibration import read_calibration
    from openfield.pipeline import track_videos
    from openfield.tracking import TrackerConfig

    config = TrackerConfig(animal=args.animal, threshold=args.threshold)
    calibration = read_calibration(args.calibration) if args.calibration else None
    results = track_videos(args.videos, args.output, config, calibration, args.fps, overwrite=args.overwrite)
    for r in results:
        if r.status != "failed":
            print(r.outputs["pose"])
    return 1 if any(r.status == "failed" for r in results) else 0
