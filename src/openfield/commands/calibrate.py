"""``openfield calibrate`` (and ``mouse_size.py``): pixels per cm from reference images."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import cv2
import numpy as np

from openfield import calibration as cal_mod
from openfield.arena.rectangle import calibrate_arena
from openfield.arena.reference import calibrate_mouse
from openfield.commands.defaults import parameter_default, shown
from openfield.errors import OpenfieldError

DEFAULT_OUTPUT = Path("images_for_openCV") / "calibration.json"

#: ``--floor`` and ``calibrate mouse --animal``: the defaults of the functions they feed, taken from the
#: modules that define them (not through :mod:`openfield.calibration`, whose names tests replace).
FLOOR_DEFAULT = parameter_default(calibrate_arena, "floor")
ANIMAL_DEFAULT = parameter_default(calibrate_mouse, "animal")

log = logging.getLogger("openfield")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by ``openfield calibrate`` and ``mouse_size.py``."""
    methods = parser.add_subparsers(dest="method", metavar="METHOD", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"calibration JSON to write (default {DEFAULT_OUTPUT})")
    common.add_argument("--show", action="store_true",
                        help="also write a PNG per image of what was detected, next to the JSON")

    arena = methods.add_parser("arena", parents=[common], help="from the arena floor of known size (best)",
                               description="Detect the floor's four corners (or take --corners) and store "
                                           "px/cm and the pixel -> arena cm homography.")
    arena.add_argument("images", nargs="*", type=Path, metavar="IMAGE",
                       help="top-view images of the arena (a video gives its median background)")
    size = arena.add_mutually_exclusive_group(required=True)
    size.add_argument("--arena-size-cm", nargs=2, type=float, metavar=("W", "H"),
                      help="a rectangular floor's width (along the top edge as seen in the image) and height (or "
                           "a polygon's bounding box, with --arena)")
    size.add_argument("--arena-diameter-cm", type=float, metavar="D", help="a round floor's diameter")
    arena.add_argument("--arena-shape", choices=["auto", "rectangle", "circle"], default=None,
                       help="the floor's detector (default: rectangle with --arena-size-cm, circle with "
                            "--arena-diameter-cm; auto fits both and keeps the better)")
    arena.add_argument("--arena", type=Path, metavar="FILE.json", dest="arena_file",
                       help="the floor by hand instead of detection: a circle (center_px, radius_px), an ellipse "
                            "(center_px, axes_px, angle_deg), a rectangle or a polygon (corners_px)")
    arena.add_argument("--corners", nargs=8, type=float, metavar="XY",
                       help="the four corners in pixels, x1 y1 ... x4 y4 (any order), instead of detection")
    arena.add_argument("--floor", choices=["auto", "light", "dark"], default=FLOOR_DEFAULT,
                       help=f"floor brighter or darker than its surround (default {shown(FLOOR_DEFAULT)})")
    arena.add_argument("--arenas", type=arena_count, metavar="N|auto",
                       help="several open fields in view: find N floors (or as many as there are: auto), "
                            "numbered row by row from the top-left, and write one calibration per arena")
    arena.add_argument("--arena-corners", type=Path, metavar="FILE.json",
                       help='several arenas\' corners by hand, {"arenas": [[[x, y] x 4], ...]} in px, '
                            "instead of detection (implies --arenas)")

    mouse = methods.add_parser("mouse", parents=[common], help="from a mouse of known length",
                               description="Measure the animal's nose-to-tail-base length (tail removed) in "
                                           "each image; px/cm is the median over images.")
    mouse.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    mouse.add_argument("--mouse-length-cm", type=float, required=True,
                       help="the animal's nose-to-tail-base length in cm")
    mouse.add_argument("--animal", choices=["auto", "dark", "light"], default=ANIMAL_DEFAULT,
                       help=f"dark animal on a light floor, or the reverse (default {shown(ANIMAL_DEFAULT)})")

    points = methods.add_parser("points", parents=[common], help="from two points a known distance apart")
    points.add_argument("images", nargs="*", type=Path, metavar="IMAGE",
                        help="optional image to draw the points on with --show")
    points.add_argument("--points", nargs=4, type=float, required=True, metavar=("X1", "Y1", "X2", "Y2"))
    points.add_argument("--distance-cm", type=float, required=True)


def arena_count(text: str) -> int | str:
    """``--arenas``: a whole number >= 1, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        n = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be a whole number of arenas or 'auto', got {text!r}") from exc
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 arena (or 'auto'), got {text}")
    return n


def _run_arenas(args: argparse.Namespace, images: list, names: list[str]) -> int:
    """``calibrate arena --arenas N|auto`` / ``--arena-corners``: one calibration per arena in one file."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io import atomic_write
    from openfield.io.calibration import read_arena_corners, write_calibrations

    if args.corners is not None:
        raise OpenfieldError("--corners is for one arena; give several arenas' corners with --arena-corners")
    if args.arena_size_cm is None or args.arena_file is not None or args.arena_shape not in (None, "rectangle"):
        raise OpenfieldError("several arenas (--arenas, --arena-corners) are rectangular floors: give "
                             "--arena-size-cm W H, without --arena-diameter-cm, --arena-shape or --arena")
    n = None if args.arenas in (None, "auto") else int(args.arenas)
    corners = None if args.arena_corners is None else read_arena_corners(args.arena_corners)
    try:
        cals = cal_mod.calibrate_arenas(images, tuple(args.arena_size_cm), n, corners, args.floor, names)
    except OpenfieldError as exc:
        if corners is None or exc.path is not None:
            raise
        raise OpenfieldError(exc.message, args.arena_corners) from exc
    write_calibrations(cals, args.output)
    print(f"arena: {len(cals)} arenas -> {args.output}")
    for k, cal in enumerate(cals, start=1):
        print(f"  arena {k}: {cal.px_per_cm:.4f} px/cm")
    if args.show:
        for i, (name, image) in enumerate(zip(names, images, strict=True)):
            quads = [cal.arena_corners_px if corners is not None else cal.measurements[i]["corners_px"]
                     for cal in cals]
            out = args.output.parent / f"{args.output.stem}_{Path(name).stem}.png"
            with atomic_write(out) as tmp:
                cv2.imwrite(str(tmp), cal_mod.draw_arenas(image, quads))
            print(f"  check: {out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a calibration and write its JSON (and PNGs with --show)."""
    # the command's work, imported when it runs: the CLI imports every command module to build its parser
    from openfield.io import atomic_write, read_image
    from openfield.io.calibration import read_arena, write_calibration

    if args.show and not args.images:
        raise OpenfieldError("--show needs an image to draw on")
    images = [read_image(p) for p in args.images]
    names = [str(p) for p in args.images]
    if args.method == "arena" and (args.arenas is not None or args.arena_corners is not None):
        return _run_arenas(args, images, names)
    if args.method == "arena":
        size = None if args.arena_size_cm is None else tuple(args.arena_size_cm)
        shape = args.arena_shape or ("circle" if args.arena_diameter_cm is not None else "rectangle")
        if args.arena_file is not None or shape != "rectangle" or args.arena_diameter_cm is not None:
            if args.corners is not None:
                raise OpenfieldError("--corners is a rectangle's; with --arena or --arena-diameter-cm give the "
                                     "floor with --arena FILE.json")
            given = None if args.arena_file is None else read_arena(args.arena_file)
            cal = cal_mod.calibrate_floor([] if given is not None else images, shape, size,
                                          args.arena_diameter_cm, given, args.floor, names)
        else:
            corners = None if args.corners is None else np.array(args.corners, float).reshape(4, 2)
            cal = cal_mod.calibrate_arena(images, size, corners, args.floor, names)
    elif args.method == "mouse":
        cal = cal_mod.calibrate_mouse(images, args.mouse_length_cm, args.animal, names)
    else:
        p = args.points
        cal = cal_mod.calibrate_points((p[0], p[1]), (p[2], p[3]), args.distance_cm)
        cal.measurements[0]["axis_endpoints_px"] = [[p[0], p[1]], [p[2], p[3]]]
        cal.measurements[0]["length_px"] = cal.measurements[0]["distance_px"]
    write_calibration(cal, args.output)
    print(f"{args.method}: {cal.px_per_cm:.4f} px/cm -> {args.output}")
    if args.show:
        for i, (name, image) in enumerate(zip(names, images, strict=True)):
            m = cal.measurements[i] if i < len(cal.measurements) else None
            if args.method == "points":
                m = cal.measurements[0]
            out = args.output.parent / f"{args.output.stem}_{Path(name).stem}.png"
            with atomic_write(out) as tmp:
                cv2.imwrite(str(tmp), cal_mod.draw_calibration(image, cal, m))
            print(f"  check: {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``openfield calibrate``."""
    parser = subparsers.add_parser(
        "calibrate", help="pixels per cm from reference images (same as mouse_size.py)",
        description="Calibrate pixels to cm from the arena, a mouse of known length, or two points.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
