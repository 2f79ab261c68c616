"""Synthetic animals for the study tests: pose files of two groups, one moving 1.6x more."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from openfield import synthetic
from openfield.io import write_dlc_csv

ARENA = (40.0, 40.0)
FPS = 15.0
DURATION_S = 50.0  # with 15 s bins: 15, 15, 15 and a partial 5 s
SPEED_UP = 1.6


def animal_pose(seed: int, speed_factor: float, duration_s: float = DURATION_S):
    """Pose of a mouse following ``make_trajectory(seed)`` played ``speed_factor`` times faster."""
    base = synthetic.make_trajectory(fps=FPS, duration_s=speed_factor * duration_s + 2, arena_size_cm=ARENA, seed=seed)
    t = np.arange(int(duration_s * FPS)) / FPS
    src = np.arange(len(base)) / FPS
    traj = pd.DataFrame({c: np.interp(speed_factor * t, src, base[c].to_numpy())
                         for c in ("x_cm", "y_cm", "heading_rad")})
    h = synthetic.camera_homography(ARENA, (640, 480), tilt=0.1)
    return synthetic.pose_from_trajectory(traj, h, ARENA, FPS, with_corners=True)


def write_study_inputs(folder: Path, n_per_group: int = 6) -> tuple[list[Path], Path]:
    """Pose files ``mouseNN DLC_...csv`` (vehicle: normal speed; drug: 1.6x) and a design sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    poses, rows = [], []
    for i in range(2 * n_per_group):
        group = "vehicle" if i < n_per_group else "drug"
        pose = folder / f"mouse{i:02d}DLC_resnet50_testJan1shuffle1_1000.csv"
        write_dlc_csv(animal_pose(100 + i, SPEED_UP if group == "drug" else 1.0), pose, scorer="DLC_resnet50_test")
        poses.append(pose)
        rows.append({"video": f"mouse{i:02d}.mp4", "group": group, "subject": f"M{i:02d}",
                     "sex": "F" if i % 2 else "M"})
    design = folder / "design.csv"
    pd.DataFrame(rows).to_csv(design, index=False)
    return poses, design


def kinematics_args(poses: list[Path], out: Path) -> list[str]:
    """``openfield kinematics`` arguments for these pose files."""
    return ["kinematics", *map(str, poses), "--arena-from-bodyparts", "tl", "tr", "br", "bl",
            "--arena-size-cm", str(ARENA[0]), str(ARENA[1]), "--fps", str(FPS), "--no-plots", "-o", str(out)]
