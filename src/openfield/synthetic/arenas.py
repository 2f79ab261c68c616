"""Several open fields filmed by one camera, a mouse on its own trajectory in each (:func:`render_arenas_video`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.io.files import write_csv, write_json
from openfield.synthetic.rendering import camera_homography, draw_animal, draw_floor, shades, to_px
from openfield.synthetic.trajectories import make_trajectory
from openfield.synthetic.truth import truth_table
from openfield.synthetic.video import write_video


@dataclass(frozen=True)
class ArenasVideo:
    """What :func:`render_arenas_video` wrote and the truth of each arena.

    Attributes
    ----------
    path
        The mp4.
    fps
        Frame rate.
    n_frames
        Number of frames.
    arena_size_cm
        Floor width and height of every arena.
    image_size
        Width, height in px.
    corners_px
        Per arena, its floor corners ``(4, 2)`` in px (top-left, top-right,
        bottom-right, bottom-left of the arena's own frame), numbered
        row-major from the image's top-left: arena 1 is ``corners_px[0]``.
    truths
        Per arena, the :func:`truth_table` of its mouse (cm in that arena's
        own frame, px in the image), or None for an empty arena.
    homographies
        Per arena, its cm -> px homography.
    geometry
        ``<name>_arenas.json``: ``arenas`` (the corners, a valid
        ``--arena-corners`` file), ``arena_size_cm``, ``image_size``,
        ``homographies``, ``truth_files`` and the rendering settings.
    truth_paths
        Per arena, ``<name>_arena<k>_truth.csv``, or None for an empty arena.
    """

    path: Path
    fps: float
    n_frames: int
    arena_size_cm: tuple[float, float]
    image_size: tuple[int, int]
    corners_px: list[np.ndarray]
    truths: list[pd.DataFrame | None]
    homographies: list[np.ndarray]
    geometry: Path
    truth_paths: list[Path | None] = field(default_factory=list)


def arenas_layout(
    rows: int,
    cols: int,
    arena_size_cm: tuple[float, float],
    gap_cm: float = 6.0,
    rotation_deg: Sequence[float] | None = None,
    image_size: tuple[int, int] | None = None,
    px_per_cm: float = 8.0,
    tilt: float = 0.0,
    margin_cm: float | None = None,
) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Homographies (arena cm -> px) of ``rows x cols`` arenas seen by one camera.

    The arenas sit on a grid ``gap_cm`` apart (wall and gap between floors),
    with ``margin_cm`` around the outside; arena ``k`` is turned by
    ``rotation_deg[k]`` about its centre (clockwise on screen for positive
    degrees). One camera homography (:func:`camera_homography`) maps the
    whole rig to the image.

    Parameters
    ----------
    rows, cols
        Grid of arenas; numbered row-major from the top-left.
    arena_size_cm
        Floor width and height of each arena.
    gap_cm
        Distance between neighbouring floors.
    rotation_deg
        One angle per arena (``rows * cols``), or None for none.
    image_size
        Width, height in px; None: the rig at ``px_per_cm``, rounded up to
        an even number of pixels.
    px_per_cm
        Scale when ``image_size`` is None.
    tilt
        Camera tilt (see :func:`camera_homography`).
    margin_cm
        From the outer floors to the image edge; None: ``gap_cm``.

    Returns
    -------
    homographies : list of numpy.ndarray
        One 3x3 matrix per arena, row-major.
    image_size : tuple
        Width, height in px.
    """
    if rows < 1 or cols < 1:
        raise ValueError(f"rows and cols must be >= 1, got {rows} x {cols}")
    n = rows * cols
    angles = np.zeros(n) if rotation_deg is None else np.asarray(rotation_deg, float)
    if angles.shape != (n,):
        raise ValueError(f"rotation_deg needs one angle per arena ({n}), got {len(angles)}")
    w, h = arena_size_cm
    m = gap_cm if margin_cm is None else margin_cm
    rig = (cols * w + (cols - 1) * gap_cm + 2 * m, rows * h + (rows - 1) * gap_cm + 2 * m)
    if image_size is None:
        image_size = (2 * int(np.ceil(rig[0] * px_per_cm / 2)), 2 * int(np.ceil(rig[1] * px_per_cm / 2)))
    rig_to_px = camera_homography(rig, image_size, margin_px=0.0, tilt=tilt)
    homs = []
    for k in range(n):
        r, c = divmod(k, cols)
        centre = np.array([m + c * (w + gap_cm) + w / 2, m + r * (h + gap_cm) + h / 2])
        a = np.deg2rad(angles[k])
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        arena_to_rig = np.eye(3)
        arena_to_rig[:2, :2] = rot
        arena_to_rig[:2, 2] = centre - rot @ np.array([w / 2, h / 2])
        homs.append(rig_to_px @ arena_to_rig)
    return homs, (int(image_size[0]), int(image_size[1]))


def render_arenas_video(
    out_dir: Any,
    name: str = "arenas",
    rows: int = 2,
    cols: int = 2,
    arena_size_cm: tuple[float, float] = (30.0, 30.0),
    fps: float = 30.0,
    duration_s: float = 10.0,
    image_size: tuple[int, int] | None = None,
    rotation_deg: Sequence[float] | None = None,
    empty: Sequence[int] = (),
    gap_cm: float = 6.0,
    animal: str = "dark",
    seed: int = 0,
    motion: str = "trapezoid",
    progress: bool = False,
    mouse_length_cm: float = 8.0,
    noise_sd: float = 0.0,
    px_per_cm: float = 8.0,
    tilt: float = 0.0,
    margin_cm: float | None = None,
) -> ArenasVideo:
    """Render one camera's video of ``rows x cols`` open fields, a mouse in each, with the truth per arena.

    Each arena has its own floor (light floor and dark walls for a dark
    animal, the reverse for a light one; the gaps between boxes are wall),
    its own trajectory (:func:`make_trajectory` with seed ``seed * 1000 +
    k``) and its own homography (:func:`arenas_layout`): a rotated box has
    its own cm frame. Frames are drawn on a pre-drawn background and written
    one at a time.

    Parameters
    ----------
    out_dir
        Folder for ``<name>.mp4``, ``<name>_arenas.json`` and
        ``<name>_arena<k>_truth.csv`` (created; each written atomically).
    name
        File stem.
    rows, cols
        Grid of arenas, numbered row-major from the top-left (1 = top-left).
    arena_size_cm
        Floor width and height of each arena.
    fps, duration_s
        Frame rate and length; the video has ``round(duration_s * fps)``
        frames.
    image_size
        Width, height in px; None (default): computed from the layout at
        ``px_per_cm`` (2 x 2 arenas of 30 cm, 6 cm gaps: 624 x 624 px).
    rotation_deg
        Per-arena rotation in degrees (``rows * cols`` values) or None.
    empty
        1-based numbers of arenas without a mouse.
    gap_cm
        Between floors (and around the outside unless ``margin_cm``).
    animal
        ``"dark"`` or ``"light"``.
    seed
        Seed of the trajectories and the noise.
    motion
        ``"trapezoid"`` or ``"minimum_jerk"`` (see :func:`make_trajectory`).
    progress
        Show a progress bar.
    mouse_length_cm
        Nose-to-tail-base length.
    noise_sd
        Gaussian pixel noise (grey levels).
    px_per_cm
        Scale when ``image_size`` is None.
    tilt
        Camera tilt over the whole rig (see :func:`camera_homography`).
    margin_cm
        From the outer floors to the image edge; None: ``gap_cm``.

    Returns
    -------
    ArenasVideo
        The files, the corners and the per-arena truth.
    """
    n_arenas = rows * cols
    bad = [k for k in empty if not 1 <= int(k) <= n_arenas]
    if bad:
        raise ValueError(f"empty arenas must be numbered 1..{n_arenas}, got {bad}")
    floor_c, wall_c, mouse_c = shades(animal)
    homs, image_size = arenas_layout(rows, cols, arena_size_cm, gap_cm, rotation_deg, image_size, px_per_cm, tilt,
                                     margin_cm)
    w, h = arena_size_cm
    corners = [to_px(hm, np.array([[0, 0], [w, 0], [w, h], [0, h]], float)) for hm in homs]
    iw, ih = image_size
    background = np.full((ih, iw), wall_c, np.uint8)
    covered = np.zeros((ih, iw), np.uint8)
    for hm, c in zip(homs, corners, strict=True):
        if c.min() < 0 or c[:, 0].max() > iw - 1 or c[:, 1].max() > ih - 1:
            raise ValueError(f"an arena does not fit in the {iw} x {ih} image; give a larger image_size")
        one = np.zeros_like(covered)
        draw_floor(one, hm, arena_size_cm, 1)
        covered += one
        draw_floor(background, hm, arena_size_cm, floor_c)
    if covered.max() > 1:
        raise ValueError("arenas overlap: increase gap_cm or reduce rotation_deg")

    n = int(round(duration_s * fps))
    truths: list[pd.DataFrame | None] = []
    trajectories: list[pd.DataFrame | None] = []
    for k in range(n_arenas):
        if k + 1 in {int(e) for e in empty}:
            truths.append(None)
            trajectories.append(None)
            continue
        traj = make_trajectory(fps=fps, duration_s=duration_s, arena_size_cm=arena_size_cm,
                               seed=seed * 1000 + k, motion=motion).iloc[:n].reset_index(drop=True)
        trajectories.append(traj)
        truths.append(truth_table(traj, homs[k], mouse_length_cm))
    rng = np.random.default_rng(seed)

    def frames() -> Iterator[np.ndarray]:
        for i in tqdm(range(n), disable=not progress, desc=f"rendering {name}", unit="frame", leave=False):
            img = background.copy()
            for k, traj in enumerate(trajectories):
                if traj is None:
                    continue
                bend = 0.3 * np.sin(2 * np.pi * i / fps / 1.7 + k)
                draw_animal(img, homs[k], (traj["x_cm"].iat[i], traj["y_cm"].iat[i]),
                            float(traj["heading_rad"].iat[i]), mouse_length_cm, bend, mouse_c)
            if noise_sd > 0:
                img = np.clip(img + rng.normal(0, noise_sd, img.shape), 0, 255).astype(np.uint8)
            yield cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video_path = write_video(out_dir / f"{name}.mp4", frames(), fps, image_size)
    truth_paths: list[Path | None] = [
        None if t is None else write_csv(t.round(4), out_dir / f"{name}_arena{k + 1}_truth.csv")
        for k, t in enumerate(truths)
    ]
    geometry = {
        "arenas": [c.tolist() for c in corners],
        "arena_size_cm": [float(w), float(h)],
        "image_size": [int(iw), int(ih)],
        "homographies": [hm.tolist() for hm in homs],
        "rows": int(rows),
        "cols": int(cols),
        "gap_cm": float(gap_cm),
        "margin_cm": float(gap_cm if margin_cm is None else margin_cm),
        "rotation_deg": None if rotation_deg is None else [float(a) for a in rotation_deg],
        "empty": sorted(int(e) for e in empty),
        "truth_files": [None if p is None else p.name for p in truth_paths],
        "fps": float(fps),
        "n_frames": int(n),
        "animal": animal,
        "mouse_length_cm": float(mouse_length_cm),
        "noise_sd": float(noise_sd),
        "tilt": float(tilt),
        "seed": int(seed),
        "motion": motion,
    }
    json.dumps(geometry)  # fail here, not half-way through writing, if something is not JSON
    geometry_path = write_json(geometry, out_dir / f"{name}_arenas.json")
    return ArenasVideo(path=video_path, fps=float(fps), n_frames=n, arena_size_cm=(float(w), float(h)),
                       image_size=image_size, corners_px=corners, truths=truths, homographies=homs,
                       geometry=geometry_path, truth_paths=truth_paths)
