"""Drawing the mouse and the floor: the camera homography, the mouse's shape and keypoints, frames."""

from __future__ import annotations

import cv2
import numpy as np

#: Fractions of the nose-to-tail-base length ``L`` used to draw the mouse.
BODY_HALF_LENGTH = 0.36  # body ellipse semi-major axis; tail base at -0.36 L
BODY_HALF_WIDTH = 0.17
HEAD_HALF_LENGTH = 0.17
HEAD_HALF_WIDTH = 0.12
NOSE = 1.0 - BODY_HALF_LENGTH  # nose at +0.64 L from the body centre
TAIL_LENGTH = 0.9
TAIL_WIDTH = 0.05


def camera_homography(
    arena_size_cm: tuple[float, float],
    image_size: tuple[int, int] = (640, 480),
    margin_px: float = 40.0,
    tilt: float = 0.0,
) -> np.ndarray:
    """Homography from arena cm to image pixels.

    Parameters
    ----------
    arena_size_cm
        Floor width and height.
    image_size
        Image width and height in pixels.
    margin_px
        Space between the floor and the image edge (the walls are drawn there).
    tilt
        0 for a camera straight above; > 0 makes the far (top) edge shorter
        by that fraction, as a camera tilted towards the bottom edge sees it.

    Returns
    -------
    numpy.ndarray
        3x3 matrix mapping (x_cm, y_cm, 1) to pixels.
    """
    w, h = arena_size_cm
    iw, ih = image_size
    scale = min((iw - 2 * margin_px) / w, (ih - 2 * margin_px) / h)
    fw, fh = w * scale, h * scale
    x0, y0 = (iw - fw) / 2, (ih - fh) / 2
    inset = tilt * fw / 2
    dst = np.array([[x0 + inset, y0], [x0 + fw - inset, y0], [x0 + fw, y0 + fh], [x0, y0 + fh]], np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    return cv2.getPerspectiveTransform(src, dst).astype(float)


def mouse_keypoints_cm(body_cm: np.ndarray, heading_rad: np.ndarray, length_cm: float) -> dict[str, np.ndarray]:
    """True head (nose tip), body (centre) and tail (tail base) in arena cm.

    Vectorised over frames: ``body_cm`` is ``(n, 2)``, ``heading_rad`` ``(n,)``.
    """
    body = np.asarray(body_cm, float).reshape(-1, 2)
    u = np.c_[np.cos(heading_rad), np.sin(heading_rad)].reshape(-1, 2)
    return {
        "head": body + NOSE * length_cm * u,
        "body": body,
        "tail": body - BODY_HALF_LENGTH * length_cm * u,
    }


def _ellipse_cm(center: np.ndarray, u: np.ndarray, a: float, b: float, n: int = 72) -> np.ndarray:
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    v = np.array([-u[1], u[0]])
    return center + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)


def to_px(homography: np.ndarray, pts_cm: np.ndarray) -> np.ndarray:
    """Map ``(n, 2)`` arena-cm points to pixels through a 3x3 homography."""
    pts = np.asarray(pts_cm, float).reshape(-1, 2)
    homog = np.c_[pts, np.ones(len(pts))] @ np.asarray(homography, float).T
    return homog[:, :2] / homog[:, 2:3]


_SHIFT = 4  # sub-pixel drawing precision: 1/16 px


def _fill(img: np.ndarray, pts_px: np.ndarray, color: int | tuple[int, ...]) -> None:
    cv2.fillPoly(img, [np.round(pts_px * (1 << _SHIFT)).astype(np.int32)], color, cv2.LINE_AA, _SHIFT)


def render_frame(
    body_cm: tuple[float, float],
    heading_rad: float,
    arena_size_cm: tuple[float, float] = (40.0, 40.0),
    homography: np.ndarray | None = None,
    image_size: tuple[int, int] = (640, 480),
    animal: str = "dark",
    mouse_length_cm: float = 8.0,
    tail_bend: float = 0.3,
    noise_sd: float = 0.0,
    rng: np.random.Generator | None = None,
    draw_mouse: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draw one top-view frame: walls, floor and a mouse.

    Parameters
    ----------
    body_cm
        Body centre in arena cm.
    heading_rad
        Direction the nose points, in the arena frame (x right, y down).
    arena_size_cm
        Floor width and height.
    homography
        Arena cm -> pixels; default :func:`camera_homography` without tilt.
    image_size
        Width, height in pixels.
    animal
        ``"dark"`` (black mouse, white floor) or ``"light"`` (white mouse,
        dark floor).
    mouse_length_cm
        Nose-to-tail-base length.
    tail_bend
        Curvature of the tail (0 = straight).
    noise_sd
        Standard deviation of Gaussian pixel noise.
    rng
        Random generator for the noise.
    draw_mouse
        False gives the empty arena.

    Returns
    -------
    image : numpy.ndarray
        BGR ``uint8`` image.
    keypoints_px : dict
        ``head``, ``body``, ``tail`` pixel positions (the true values).
    """
    floor_c, wall_c, mouse_c = shades(animal)
    h_mat = camera_homography(arena_size_cm, image_size) if homography is None else np.asarray(homography)
    iw, ih = image_size
    img = np.full((ih, iw), wall_c, np.uint8)
    draw_floor(img, h_mat, arena_size_cm, floor_c)
    kp_cm = {k: val[0] for k, val in mouse_keypoints_cm(np.asarray(body_cm, float), np.array([heading_rad]),
                                                         mouse_length_cm).items()}
    if draw_mouse:
        draw_animal(img, h_mat, body_cm, heading_rad, mouse_length_cm, tail_bend, mouse_c)
    if noise_sd > 0:
        rng = rng or np.random.default_rng(0)
        img = np.clip(img + rng.normal(0, noise_sd, img.shape), 0, 255).astype(np.uint8)
    kp_px = {k: to_px(h_mat, val[None, :])[0] for k, val in kp_cm.items()}
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), kp_px


def shades(animal: str) -> tuple[int, int, int]:
    """Grey levels ``(floor, wall, mouse)`` of a ``"dark"`` (black mouse, white floor) or ``"light"`` animal."""
    if animal not in ("dark", "light"):
        raise ValueError(f"animal must be 'dark' or 'light', not {animal!r}")
    return (225, 95, 30) if animal == "dark" else (45, 130, 225)


def draw_floor(img: np.ndarray, homography: np.ndarray, arena_size_cm: tuple[float, float], shade: int) -> None:
    """Fill the floor ``[0, W] x [0, H]`` cm, mapped to pixels by ``homography``, on a grey image in place."""
    w, h = arena_size_cm
    _fill(img, to_px(np.asarray(homography, float), np.array([[0, 0], [w, 0], [w, h], [0, h]], float)), shade)


def draw_animal(
    img: np.ndarray,
    homography: np.ndarray,
    body_cm: tuple[float, float] | np.ndarray,
    heading_rad: float,
    mouse_length_cm: float,
    tail_bend: float,
    shade: int,
) -> None:
    """Draw the mouse (body and head ellipses, a thin bending tail) on a grey image in place.

    Parameters
    ----------
    img
        Grey ``uint8`` image, drawn on.
    homography
        Arena cm -> pixels.
    body_cm
        Body centre in arena cm.
    heading_rad
        Direction the nose points (arena frame).
    mouse_length_cm
        Nose-to-tail-base length ``L``.
    tail_bend
        Curvature of the tail (0 = straight).
    shade
        Grey level of the animal.
    """
    h_mat = np.asarray(homography, float)
    body = np.asarray(body_cm, float)
    u = np.array([np.cos(heading_rad), np.sin(heading_rad)])
    v = np.array([-u[1], u[0]])
    L = mouse_length_cm
    tail_base = body - BODY_HALF_LENGTH * L * u
    # tail: a thin band from the tail base, bending sideways
    s = np.linspace(0, TAIL_LENGTH * L, 24)
    centre = tail_base - np.outer(s, u) + np.outer(tail_bend * s**2 / (TAIL_LENGTH * L), v)
    half = TAIL_WIDTH * L / 2 * np.linspace(1, 0.4, len(s))
    band = np.r_[centre + half[:, None] * v, (centre - half[:, None] * v)[::-1]]
    _fill(img, to_px(h_mat, band), shade)
    _fill(img, to_px(h_mat, _ellipse_cm(body, u, BODY_HALF_LENGTH * L, BODY_HALF_WIDTH * L)), shade)
    head_c = body + (NOSE - HEAD_HALF_LENGTH) * L * u
    _fill(img, to_px(h_mat, _ellipse_cm(head_c, u, HEAD_HALF_LENGTH * L, HEAD_HALF_WIDTH * L)), shade)
