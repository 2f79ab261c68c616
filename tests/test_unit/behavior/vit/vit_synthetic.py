"""Synthetic data for the ViT frame classifier tests: videos and images with a known answer.

Everything is made here, in ``tmp_path`` folders: grey "floors" with a dark
disc for a mouse (known centre), uniform dark / mid / bright frames for a
learnable three-class toy task, and a tiny ViT (2 layers, width 32, 32 px)
trained on it in a few seconds on CPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np

#: Toy classes and their grey level; the model must tell them apart.
TOY_LEVELS = {"grooming": 30, "normal": 128, "rearing": 230}


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float) -> Path:
    """Write BGR frames as a Motion-JPEG AVI (always available in OpenCV)."""
    frames = list(frames)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG videos here"
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def mouse_frame(
    shape: tuple[int, int], centre: tuple[float, float], floor: int = 200, mouse: int = 40, radius: int = 8
) -> np.ndarray:
    """Grey floor with a dark disc (the mouse) at ``centre`` = (x, y)."""
    img = np.full((*shape, 3), floor, np.uint8)
    cv2.circle(img, (int(round(centre[0])), int(round(centre[1]))), radius, (mouse, mouse, mouse), -1)
    return img


def toy_frame(label: str, rng: np.random.Generator, size: int = 48) -> np.ndarray:
    """A uniform frame of the class's grey level with a little noise."""
    level = TOY_LEVELS[label]
    noise = rng.integers(-8, 9, size=(size, size, 1))
    return np.clip(level + noise, 0, 255).astype(np.uint8).repeat(3, axis=2)


def make_toy_folders(root: Path, sources: Sequence[str] = ("a", "b", "c", "d"), per_source: int = 6) -> Path:
    """``root/<class>/<source>_<i>.png`` for every toy class and source."""
    rng = np.random.default_rng(1)
    for label in TOY_LEVELS:
        d = root / label
        d.mkdir(parents=True, exist_ok=True)
        for s in sources:
            for i in range(per_source):
                cv2.imwrite(str(d / f"{s}_{i:04d}.png"), toy_frame(label, rng))
    return root


def tiny_settings(**kw):
    """A ViT small enough to train in seconds on CPU."""
    from openfield.behavior.vit import TrainSettings

    base = dict(from_scratch=True, layers=2, hidden_size=32, image_size=32, patch_size=8, epochs=8,
                batch_size=8, learning_rate=1e-3, device="cpu", augment=False, seed=0, patience=8)
    base.update(kw)
    return TrainSettings(**base)
