"""Reading and writing files: pose files of every tool, calibration JSON, atomic outputs."""

from openfield.io.calibration import read_calibration, read_calibrations, write_calibration, write_calibrations
from openfield.io.files import atomic_write, save_figure, write_csv, write_json
from openfield.io.images import read_image
from openfield.io.pose import (
    ARENA_KEYPOINTS,
    SOURCE_SOFTWARE,
    from_numpy,
    read_dlc,
    read_pose,
    write_dlc_csv,
)
from openfield.io.video import video_background

__all__ = [
    "ARENA_KEYPOINTS",
    "SOURCE_SOFTWARE",
    "atomic_write",
    "from_numpy",
    "read_calibration",
    "read_calibrations",
    "read_dlc",
    "read_image",
    "read_pose",
    "video_background",
    "save_figure",
    "write_csv",
    "write_calibration",
    "write_calibrations",
    "write_dlc_csv",
    "write_json",
]
