"""What the drawing page shows and saves, without the web server: videos, their pictures, the detected arena.

A :class:`DrawSession` holds the videos it was given (the only files whose
settings it writes), computes each one's background frame and detected arena
once, decodes frame N for the trial-start scrubber, finds the animal in a
frame (the tracker's first result) and writes ``<stem>.openfield.json``
through :mod:`openfield.io.settings`, which checks every value.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from openfield.arena.shape import detect_arena_shape
from openfield.errors import OpenfieldError
from openfield.io.settings import VideoSettings, check_arena, find_settings, settings_path, write_settings
from openfield.io.video import VideoInfo, read_frame, video_background, video_info
from openfield.segmentation import segment_animal

log = logging.getLogger(__name__)


def detect_arena_object(image: np.ndarray) -> dict[str, Any]:
    """The arena object found in an image (:func:`openfield.arena.shape.detect_arena_shape`, ``auto``).

    Returns
    -------
    dict
        An arena object (:func:`openfield.io.settings.check_arena`): a
        circle (or ellipse), or a rectangle's corners.

    Raises
    ------
    OpenfieldError
        When no arena is found.
    """
    found = detect_arena_shape(image, shape="auto").to_dict()
    if found["shape"] == "rectangle":
        found["corners_px"] = [[round(float(x), 2), round(float(y), 2)] for x, y in found["corners_px"]]
    return check_arena(found)


def default_arena(width: int, height: int) -> dict[str, Any]:
    """A rectangle inset 10% from the image's edges, to drag into place when no arena is found."""
    mx, my = 0.1 * width, 0.1 * height
    return {"shape": "rectangle",
            "corners_px": [[mx, my], [width - mx, my], [width - mx, height - my], [mx, height - my]]}


def arena_outline(arena: dict[str, Any], n: int = 90) -> np.ndarray:
    """The arena's outline as an ``(N, 2)`` pixel polygon (circles and ellipses sampled at ``n`` points)."""
    arena = check_arena(arena)
    if arena["shape"] in ("rectangle", "polygon"):
        return np.asarray(arena["corners_px"], float)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    cx, cy = arena["center_px"]
    if arena["shape"] == "circle":
        a = b = arena["radius_px"]
        angle = 0.0
    else:
        (a, b), angle = arena["axes_px"], np.deg2rad(arena["angle_deg"])
    x, y = a * np.cos(t), b * np.sin(t)
    return np.column_stack([cx + x * np.cos(angle) - y * np.sin(angle), cy + x * np.sin(angle) + y * np.cos(angle)])


def arena_floor_mask(shape: tuple[int, int], arena: dict[str, Any]) -> np.ndarray:
    """``uint8`` 0/255 mask of the arena's floor in an image of ``shape`` (height, width)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(arena_outline(arena)).astype(np.int32)], 255)
    return mask


def find_animal(frame: np.ndarray, arena: dict[str, Any] | None, animal: str = "auto") -> dict[str, Any]:
    """The tracker's view of one frame: the animal's outline and body point inside the arena's floor.

    Parameters
    ----------
    frame
        A BGR frame.
    arena
        The arena object (the floor searched), or None for the whole image.
    animal
        ``"dark"``, ``"light"`` or ``"auto"``.

    Returns
    -------
    dict
        ``outline``: the animal's contour ``[[x, y], ...]`` in pixels
        (:func:`openfield.segmentation.segment_animal`), ``body``: its
        centroid, ``area_px``; or ``error`` with the reason none was found.
    """
    floor = None if arena is None else arena_floor_mask(frame.shape[:2], arena)
    try:
        mask = segment_animal(frame, animal, floor)
    except OpenfieldError as exc:
        return {"error": str(exc)}
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return {"error": "no animal found"}
    c = max(contours, key=cv2.contourArea)
    m = cv2.moments(c)
    area = float(m["m00"])
    body = [m["m10"] / area, m["m01"] / area] if area > 0 else c[:, 0].mean(axis=0).tolist()
    return {"outline": c[:, 0].astype(float).tolist(), "body": [float(v) for v in body], "area_px": area}


def encode_image(image: np.ndarray, ext: str = ".png") -> bytes:
    """PNG (or JPEG, ``ext=".jpg"``) bytes of an image."""
    ok, buf = cv2.imencode(ext, image)
    if not ok:
        raise OpenfieldError(f"could not encode an image as {ext}")
    return buf.tobytes()


@dataclass
class _Video:
    path: Path
    info: VideoInfo
    background: np.ndarray | None = None
    detected: dict[str, Any] | None = None
    detect_error: str = ""


class DrawSession:
    """The videos of one ``openfield draw`` page and what it may do with them.

    Parameters
    ----------
    videos
        The video files (already expanded from folders); their settings
        files are the only files this session writes.
    background_frames
        Frames sampled for each background (median).

    Raises
    ------
    OpenfieldError
        No video, or a video that cannot be opened.
    """

    def __init__(self, videos: Sequence[str | os.PathLike[str]], background_frames: int = 15) -> None:
        if not videos:
            raise OpenfieldError("no video to draw on")
        self._videos = [_Video(Path(v), video_info(v)) for v in videos]
        self.background_frames = background_frames

    def __len__(self) -> int:
        return len(self._videos)

    def video(self, index: int) -> _Video:
        """The video at ``index`` (0-based); IndexError outside the list."""
        if not 0 <= index < len(self._videos):
            raise IndexError(index)
        return self._videos[index]

    def _background(self, v: _Video) -> np.ndarray:
        if v.background is None:
            v.background = video_background(v.path, self.background_frames)
            try:
                v.detected = detect_arena_object(v.background)
            except OpenfieldError as exc:
                v.detect_error = str(exc)
                log.info("%s: %s", v.path.name, exc)
        return v.background

    def videos(self) -> list[dict[str, Any]]:
        """Each video's name, size and whether a settings file is beside it."""
        return [{"index": i, "name": v.path.name, "has_settings": settings_path(v.path).is_file()}
                for i, v in enumerate(self._videos)]

    def state(self, index: int) -> dict[str, Any]:
        """What the page needs to edit one video: its frame size and timing, the file's settings, the arena found.

        Returns
        -------
        dict
            ``name``, ``width``, ``height``, ``fps``, ``n_frames``,
            ``settings_file`` (its name), ``settings`` (the file's object, or
            None; ``settings_error`` when it is unreadable), ``detected``
            (the arena object found on the background, or a default
            rectangle to drag) and ``detect_error``.
        """
        v = self.video(index)
        self._background(v)
        out: dict[str, Any] = {
            "index": index, "name": v.path.name, "width": v.info.width, "height": v.info.height,
            "fps": v.info.fps, "n_frames": v.info.n_frames, "settings_file": settings_path(v.path).name,
            "settings": None, "settings_error": "",
            "detected": v.detected or default_arena(v.info.width, v.info.height), "detect_error": v.detect_error,
        }
        try:
            found = find_settings(v.path)
        except OpenfieldError as exc:
            out["settings_error"] = str(exc)
        else:
            out["settings"] = found.to_dict() if found is not None else None
        return out

    def background_png(self, index: int) -> bytes:
        """The video's background frame (median of sampled frames) as PNG."""
        return encode_image(self._background(self.video(index)))

    def frame(self, index: int, number: int) -> np.ndarray:
        """Frame ``number`` (0-based) of a video.

        Raises
        ------
        OpenfieldError
            A frame number outside the video, or one that does not decode.
        """
        v = self.video(index)
        if not 0 <= number < max(v.info.n_frames, 1):
            raise OpenfieldError(f"frame {number} is outside the video (0 to {v.info.n_frames - 1})", v.path)
        return read_frame(v.path, number)

    def frame_jpeg(self, index: int, number: int) -> bytes:
        """Frame ``number`` as JPEG (the trial-start scrubber)."""
        return encode_image(self.frame(index, number), ".jpg")

    def animal(self, index: int, number: int, arena: dict[str, Any] | None, animal: str = "auto") -> dict[str, Any]:
        """:func:`find_animal` on frame ``number`` of a video."""
        if animal not in ("auto", "dark", "light"):
            raise OpenfieldError(f"animal must be auto, dark or light, not {animal!r}")
        return find_animal(self.frame(index, number), None if arena is None else check_arena(arena), animal)

    def save(self, index: int, doc: Any) -> Path:
        """Check a settings object and write it as the video's ``<stem>.openfield.json``.

        Raises
        ------
        OpenfieldError
            A bad value (nothing written), naming the file.
        """
        path = settings_path(self.video(index).path)
        settings = VideoSettings.from_dict(doc, path)
        write_settings(settings, path)
        log.info("settings -> %s", path)
        return path

    def save_all(self, doc: Any, current: int | None = None) -> list[Path]:
        """Write one rig's settings (fixed camera) beside every video of the session.

        The arena, zones, size and animal of ``doc`` go to every video; the
        ``current`` video (the one on the page) takes ``doc`` whole, each
        other video keeps the trial window of its own file (a start is per
        recording) and takes ``doc``'s only where it has none.

        Raises
        ------
        OpenfieldError
            A bad value: nothing is written.
        """
        VideoSettings.from_dict(doc)  # every value checked before any file is written
        paths = []
        for i, v in enumerate(self._videos):
            mine = dict(doc)
            try:
                own = find_settings(v.path)
            except OpenfieldError:
                own = None
            if i != current and own is not None and "trial" in own.to_dict():
                mine["trial"] = own.to_dict()["trial"]
            paths.append(self.save(i, mine))
        return paths
