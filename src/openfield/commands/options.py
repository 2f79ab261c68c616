"""Options shared by several subcommands, so that ``run`` and ``kinematics`` take the same ones."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from openfield.commands.defaults import shown
from openfield.kinematics import KinematicsConfig

#: Each kinematics option (its ``dest``) -> the field of :class:`~openfield.kinematics.KinematicsConfig` it sets:
#: the option's default is that field's (one place for the defaults).
OPTION_FIELDS = {
    "bodypart": "bodypart",
    "likelihood_cutoff": "likelihood_cutoff",
    "max_speed": "max_speed_cm_s",
    "max_gap": "max_gap_s",
    "smooth_window": "smooth_window_s",
    "moving_threshold": "moving_threshold_cm_s",
    "moving_min": "moving_min_s",
    "center_fraction": "center_fraction",
    "corner_cm": "corner_cm",
    "zones": "zones",
    "start": "start",
    "duration": "duration_s",
    "rotation_threshold": "rotation_threshold_deg",
    "immobile_threshold": "immobile_threshold_cm_s",
    "immobile_min": "immobile_min_s",
    "mobility_immobile": "mobility_immobile_pct",
    "mobility_highly_mobile": "mobility_highly_mobile_pct",
    "thigmotaxis_cm": "thigmotaxis_cm",
    "table_format": "table_format",
}


def config_default(field: str) -> Any:
    """The default of a :class:`~openfield.kinematics.KinematicsConfig` field."""
    return KinematicsConfig.__dataclass_fields__[field].default


def _shown(field: str) -> str:
    """A field's default as the help texts show it (``150``, ``0.25``, ``csv``)."""
    return shown(config_default(field))


def add_kinematics_options(parser: argparse.ArgumentParser) -> None:
    """Add every kinematics option (``--bodypart`` ... ``--no-plots``) to a subcommand."""
    g = parser.add_argument_group("kinematics (checked before any work)")
    g.add_argument("--bodypart", default=config_default("bodypart"),
                   help="reference point (default: body, else the animal's centroid)")
    g.add_argument("--likelihood-cutoff", type=float, default=config_default("likelihood_cutoff"),
                   help=f"points below it are gaps, 0 to 1 (default {_shown('likelihood_cutoff')})")
    g.add_argument("--max-speed", type=float, default=config_default("max_speed_cm_s"),
                   help=f"physical limit in cm/s, > 0 (default {_shown('max_speed_cm_s')})")
    g.add_argument("--max-gap", type=float, default=config_default("max_gap_s"),
                   help=f"longest gap interpolated, s, >= 0 (default {_shown('max_gap_s')})")
    g.add_argument("--smooth-window", type=float, default=config_default("smooth_window_s"),
                   help="Savitzky-Golay window, s, > 0 (default: none; a smoother fitted to the tracking noise "
                        "estimated from each recording)")
    g.add_argument("--moving-threshold", type=float, default=config_default("moving_threshold_cm_s"),
                   help=f"cm/s, >= 0 (default {_shown('moving_threshold_cm_s')})")
    g.add_argument("--moving-min", type=float, default=config_default("moving_min_s"),
                   help=f"shortest movement bout, s, >= 0 (default {_shown('moving_min_s')})")
    g.add_argument("--center-fraction", type=float, default=config_default("center_fraction"),
                   help="side of the centre square as a fraction of the arena side (a round arena: the centre "
                        "disk's diameter as a fraction of the arena's), between 0 and 1 "
                        f"(default {_shown('center_fraction')})")
    g.add_argument("--corner-cm", type=float, default=config_default("corner_cm"),
                   help="side of the four corner zones of a rectangular arena, cm, > 0 (default: the border's "
                        "width)")
    g.add_argument("--zones", type=Path, default=config_default("zones"), metavar="FILE.json",
                   help='custom zones added to the defaults: {"units": "cm"|"px", "zones": [{"name": ..., '
                        '"shape": "circle"|"polygon"|"rectangle", ...}]} (see docs/kinematics.md); checked '
                        "before any video is read")
    g.add_argument("--start", default=config_default("start"), metavar="S|auto",
                   help="trial start: seconds from the video's start, or auto (the first moment the animal has "
                        "been inside the arena for 1 s) (default: the first frame)")
    g.add_argument("--duration", type=float, default=config_default("duration_s"), metavar="S",
                   help="trial length in s, > 0; a video ending earlier is flagged short_recording "
                        "(default: to the end)")
    g.add_argument("--rotation-threshold", type=float, default=config_default("rotation_threshold_deg"),
                   help="a turn back of more than this many degrees restarts a rotation count, between 0 and "
                        f"360 (default {_shown('rotation_threshold_deg')})")
    g.add_argument("--immobile-threshold", type=float, default=config_default("immobile_threshold_cm_s"),
                   help="speed below which the animal is still, cm/s, > 0 "
                        f"(default {_shown('immobile_threshold_cm_s')})")
    g.add_argument("--immobile-min", type=float, default=config_default("immobile_min_s"),
                   help=f"shortest immobility episode, s, > 0 (default {_shown('immobile_min_s')})")
    g.add_argument("--mobility-immobile", type=float, default=config_default("mobility_immobile_pct"),
                   metavar="PCT",
                   help="mobility states from the classical tracker's outline: immobile below this per cent of "
                        f"the outline changed between frames, 0-100 (default {_shown('mobility_immobile_pct')}; "
                        "depends on the frame rate)")
    g.add_argument("--mobility-highly-mobile", type=float, default=config_default("mobility_highly_mobile_pct"),
                   metavar="PCT",
                   help="... highly mobile above this per cent, mobile between, from --mobility-immobile to 100 "
                        f"(default {_shown('mobility_highly_mobile_pct')})")
    g.add_argument("--thigmotaxis-cm", type=float, default=config_default("thigmotaxis_cm"),
                   help=f"distance from the wall counted as wall-hugging, cm, > 0 (default {_shown('thigmotaxis_cm')})")
    g.add_argument("--table-format", choices=("csv", "parquet"), default=config_default("table_format"),
                   help=f"per-frame table <stem>_kinematics.csv or .parquet (default {_shown('table_format')})")
    g.add_argument("--no-plots", action="store_true", help="do not draw the PNG plots")


def kinematics_config(args: argparse.Namespace) -> KinematicsConfig:
    """The checked :class:`KinematicsConfig` of the parsed options (raises OpenfieldError naming a bad one)."""
    from openfield.io.zones import read_zones  # the command's work, imported when it runs (the CLI builds every parser)

    values = {field: getattr(args, dest) for dest, field in OPTION_FIELDS.items()}
    if values["zones"] is not None:
        values["zones"] = read_zones(values["zones"])
    return KinematicsConfig(**values)
