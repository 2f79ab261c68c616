"""Small synthetic videos for the ``openfield draw`` tests: a round and a rectangular floor, a dark mouse moving."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = (320, 240)  # width, height
FPS = 20.0
ROUND = {"center": (160, 120), "radius": 100}
RECT = {"corners": [(50, 30), (270, 30), (270, 210), (50, 210)]}


def _mouse(frame: np.ndarray, k: int, n: int, centre: tuple[float, float], reach: float) -> None:
    """A dark ellipse (the mouse) on a circle of radius ``reach`` around ``centre``, frame ``k`` of ``n``."""
    t = 2 * np.pi * k / n
    x, y = centre[0] + reach * np.cos(t), centre[1] + reach * np.sin(t)
    angle = np.degrees(t) + 90
    cv2.ellipse(frame, (round(x), round(y)), (12, 6), angle, 0, 360, (40, 40, 40), -1, cv2.LINE_AA)


def render(path: Path, shape: str = "round", n_frames: int = 40) -> Path:
    """Write an mp4v video: a light floor (disk or rectangle) on a dark surround, a dark mouse going round."""
    w, h = SIZE
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (w, h))
    assert writer.isOpened()
    try:
        for k in range(n_frames):
            frame = np.full((h, w, 3), 35, np.uint8)
            if shape == "round":
                cv2.circle(frame, ROUND["center"], ROUND["radius"], (205, 205, 205), -1, cv2.LINE_AA)
                _mouse(frame, k, n_frames, ROUND["center"], 50)
            else:
                cv2.fillPoly(frame, [np.array(RECT["corners"], np.int32)], (205, 205, 205))
                _mouse(frame, k, n_frames, (160, 120), 50)
            writer.write(frame)
    finally:
        writer.release()
    return path
