"""One synthetic open field filmed: the mp4, its truth table and its geometry (:func:`render_video`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from openfield.io.files import write_csv, write_json
from openfield.io.video_writer import VideoFileWriter
from openfield.synthetic.rendering import camera_homography, render_frame, to_px
from openfield.synthetic.trajectories import make_trajectory
from openfield.synthetic.truth import truth_table


@dataclass(frozen=True)
class SyntheticVideo:
    """The files written by :func:`render_video`.

    Attributes
    ----------
    video
        The mp4.
    truth
        Ground-truth CSV: per frame ``frame, time_s``, the trajectory's
        ``speed_cm_s, acceleration_cm_s2, phase``, and ``head_x_px,
        head_y_px, body_x_px, ..., tail_y_cm`` (head = nose tip, body =
        body centre, tail = tail base).
    geometry
        JSON with ``arena_size_cm``, ``image_size``, ``homography``
        (cm -> px), ``arena_corners_px`` (tl, tr, br, bl), ``fps``,
        ``n_frames``, ``animal``, ``mouse_length_cm``, ``tilt``,
        ``motion_blur``, ``noise_sd``.
    """

    video: Any
    truth: Any
    geometry: Any


def write_video(path: Any, frames: Iterable[np.ndarray], fps: float, image_size: tuple[int, int]) -> Path:
    """Write BGR frames to an mp4 atomically, one at a time (never all in memory).

    Through :class:`openfield.io.video_writer.VideoFileWriter` (OpenCV's ``mp4v``), as the labelled videos.

    Parameters
    ----------
    path
        The mp4 to write.
    frames
        BGR ``uint8`` images of ``image_size`` (an iterator: each is written
        and dropped).
    fps
        Frame rate.
    image_size
        Width, height in px.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    size = tuple(int(s) for s in image_size)
    with VideoFileWriter(path, fps) as out:
        for frame in frames:
            if frame.shape[1::-1] != size:
                raise ValueError(f"a frame of {frame.shape[1]}x{frame.shape[0]} px in a {size[0]}x{size[1]} video")
            out.write(frame)
    return Path(path)


def render_video(
    out_dir: Any,
    name: str = "synthetic",
    trajectory: pd.DataFrame | None = None,
    fps: float = 30.0,
    duration_s: float = 10.0,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    image_size: tuple[int, int] = (640, 480),
    tilt: float = 0.0,
    animal: str = "dark",
    mouse_length_cm: float = 8.0,
    motion_blur: bool = False,
    noise_sd: float = 0.0,
    seed: int = 0,
    progress: bool = False,
    motion: str = "trapezoid",
) -> SyntheticVideo:
    """Render a top-view video of a mouse along a known trajectory, with its ground truth.

    Frames are written one at a time (never held together). With
    ``motion_blur``, each frame is the mean of 5 renderings spread over
    half the frame interval (a 1/(2 fps) exposure) along the path; the true
    positions are those at the middle of the exposure. The tail sways
    (its bend varies over time), so the animal's outline is not rigid.

    Parameters
    ----------
    out_dir
        Folder for ``<name>.mp4``, ``<name>_truth.csv`` and
        ``<name>_arena.json`` (created; each written atomically).
    name
        File stem.
    trajectory
        From :func:`make_trajectory`; default: ``make_trajectory(fps,
        duration_s, arena_size_cm, seed)``.
    fps, duration_s, arena_size_cm
        Used when ``trajectory`` is None (fps is always the video's rate).
    image_size
        Width, height in px.
    tilt
        Camera tilt (see :func:`camera_homography`); 0 looks straight down.
    animal
        ``"dark"`` or ``"light"``.
    mouse_length_cm
        Nose-to-tail-base length.
    motion_blur
        Average sub-frame renderings over the exposure.
    noise_sd
        Gaussian pixel noise (grey levels), seeded by ``seed``.
    seed
        Seed of the trajectory and the noise.
    progress
        Show a progress bar.
    motion
        Kind of motion when ``trajectory`` is None (see :func:`make_trajectory`); recorded in
        ``<name>_arena.json`` (say which kind a given ``trajectory`` is).

    Returns
    -------
    SyntheticVideo
        Paths of the three files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if trajectory is None:
        trajectory = make_trajectory(fps=fps, duration_s=duration_s, arena_size_cm=arena_size_cm, seed=seed,
                                     motion=motion)
    hom = camera_homography(arena_size_cm, image_size, margin_px=0.08 * min(image_size), tilt=tilt)
    rng = np.random.default_rng(seed)
    xy = trajectory[["x_cm", "y_cm"]].to_numpy(float)
    heading = trajectory["heading_rad"].to_numpy(float)
    t = trajectory["time_s"].to_numpy(float)
    n = len(trajectory)
    offsets = np.linspace(-0.25, 0.25, 5) if motion_blur else np.zeros(1)  # in frames
    video_path = out_dir / f"{name}.mp4"

    def frames() -> Iterator[np.ndarray]:
        for i in tqdm(range(n), disable=not progress, desc=f"rendering {name}", unit="frame", leave=False):
            bend = 0.3 * np.sin(2 * np.pi * t[i] / 1.7)
            acc = np.zeros((image_size[1], image_size[0], 3), np.float32)
            for off in offsets:
                j = float(np.clip(i + off, 0, n - 1))
                j0 = int(np.floor(j))
                j1 = min(j0 + 1, n - 1)
                f = j - j0
                pos = (1 - f) * xy[j0] + f * xy[j1]
                img, _ = render_frame(tuple(pos), float(heading[i]), arena_size_cm, hom, image_size, animal,
                                      mouse_length_cm, tail_bend=bend)
                acc += img
            frame = acc / len(offsets)
            if noise_sd > 0:
                frame += rng.normal(0, noise_sd, frame.shape[:2])[..., None].astype(np.float32)
            yield np.clip(np.round(frame), 0, 255).astype(np.uint8)

    write_video(video_path, frames(), fps, image_size)
    truth_path = write_csv(truth_table(trajectory, hom, mouse_length_cm).round(4), out_dir / f"{name}_truth.csv")
    w, h = arena_size_cm
    corners = to_px(hom, np.array([[0, 0], [w, 0], [w, h], [0, h]], float))
    geometry = {
        "arena_size_cm": [float(w), float(h)],
        "image_size": [int(image_size[0]), int(image_size[1])],
        "homography": hom.tolist(),
        "arena_corners_px": corners.tolist(),
        "fps": float(fps),
        "n_frames": int(n),
        "animal": animal,
        "mouse_length_cm": float(mouse_length_cm),
        "tilt": float(tilt),
        "motion_blur": bool(motion_blur),
        "noise_sd": float(noise_sd),
        "seed": int(seed),
        "motion": motion,
    }
    json.dumps(geometry)  # fail here, not half-way through writing, if something is not JSON
    geometry_path = write_json(geometry, out_dir / f"{name}_arena.json")
    return SyntheticVideo(video=video_path, truth=truth_path, geometry=geometry_path)
