"""The pipeline's typed options refuse bad values when made (notebooks get the CLI's checks)."""

import pytest

from openfield.errors import OpenfieldError
from openfield.pipeline import PoseFilesConfig, RunConfig


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "give --calibration CAL.json, --arena-size-cm W H"),
    ({"arena_size_cm": (0, 40)}, "--arena-size-cm must be two positive numbers"),
    ({"arena_size_cm": (40, float("nan"))}, "--arena-size-cm must be two positive numbers"),
    ({"arena_size_cm": (40, 40), "fps": 0}, "--fps must be a positive number"),
    ({"arena_size_cm": (40, 40), "fps": -30.0}, "--fps must be a positive number"),
    ({"arena_size_cm": (40, 40), "pose": "sleap"}, "--pose must be one of classic, dlc"),
    ({"arena_size_cm": (40, 40), "pose": "dlc"}, "--pose dlc needs --dlc-config"),
])
def test_run_config_refuses(kwargs, message):
    with pytest.raises(OpenfieldError, match=message.replace("(", ".").replace(")", ".")):
        RunConfig(**kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fps": 0, "arena_bodyparts": ("tl", "tr", "br", "bl"), "arena_size_cm": (42, 42)},
     "--fps must be a positive number"),
    ({"fps": None, "arena_bodyparts": ("tl", "tr", "br", "bl"), "arena_size_cm": (42, 42)}, "--fps is required"),
    ({"fps": 25, "arena_bodyparts": ("tl", "tr", "br", "bl")}, "--arena-from-bodyparts needs --arena-size-cm"),
    ({"fps": 25, "arena_bodyparts": ("tl", "tr"), "arena_size_cm": (42, 42)}, "needs four body parts"),
    ({"fps": 25}, "give either --calibration or --arena-from-bodyparts"),
])
def test_pose_files_config_refuses(kwargs, message):
    with pytest.raises(OpenfieldError, match=message):
        PoseFilesConfig(**kwargs)
