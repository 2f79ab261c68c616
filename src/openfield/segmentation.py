"""One animal segmenter: the foreground, the animal's blob and its measures.

Used by the three places that look for the animal in an image: the mouse
calibration (:func:`openfield.calibration.measure_mouse`), the classical
tracker (:mod:`openfield.tracking`) and the behaviour crops
(:mod:`openfield.behavior.crops`). Each step is a small pure function of
numpy arrays, and the callers differ only in the parameters they pass:

1. **Polarity.** A dark animal on a light floor or the reverse:
   :func:`floor_polarity` (one image: the floor covers most of it) or
   :func:`background_polarity` (the sign of the strong differences from a
   background model).
2. **Foreground.** Inside the arena floor (:func:`arena_mask`), either the
   difference from a background model (:func:`difference`; the background
   is a median of frames, :func:`median_background`, or for one image a
   smooth floor fitted to it, :func:`floor_model`, with its two-level
   threshold, :func:`image_foreground`), or the contrast with the floor's colour
   (:func:`floor_contrast`), thresholded (:func:`threshold`, with
   :func:`otsu_level`) and cleaned by a morphological opening
   (:func:`open_mask`, :func:`disc`).
3. **Blob.** The largest (or thickest) connected component of a plausible
   size, optionally not touching the image edge and not spanning most of it
   (:func:`largest_component`).
4. **Measures.** Centroid, area, the trunk's centroid, the two ends along
   the principal axis, length, width and which end the tail leaves from
   (:func:`measure_animal`).

:func:`segment_animal` strings them together for a single image without a
video (the mouse calibration; the crops' last resort); the tracker's
:class:`openfield.tracking.FrameTracker` for the frames of a video.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from openfield.errors import OpenfieldError

#: The animal's contrast with the floor: ``dark`` animal on a light floor, ``light``, or ``auto``.
POLARITIES = ("auto", "dark", "light")

_DISCS: dict[int, np.ndarray] = {}


def check_polarity(animal: str) -> str:
    """Return ``animal`` if it is one of :data:`POLARITIES`, else raise a clear error."""
    if animal not in POLARITIES:
        raise OpenfieldError(f"animal must be auto, dark or light, not {animal!r}")
    return animal


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grey ``uint8`` image of a BGR or grey one (a grey image is returned as is)."""
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def disc(radius: int) -> np.ndarray:
    """Elliptic structuring element of ``2 * radius + 1`` pixels (cached)."""
    if radius not in _DISCS:
        _DISCS[radius] = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return _DISCS[radius]


def otsu_level(values: np.ndarray) -> float:
    """Otsu's threshold of grey values (any shape; clipped to 0-255)."""
    values = np.clip(values, 0, 255).astype(np.uint8).reshape(-1, 1)
    t, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return float(t)


# --------------------------------------------------------------------------- polarity


def floor_polarity(gray: np.ndarray) -> str:
    """``"dark"`` when the image's median is above Otsu's split (a light floor), else ``"light"``.

    The floor covers most of an open-field image, so the median is the
    floor's side of the split and the animal is on the other.
    """
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return "dark" if np.median(gray) > t else "light"


def background_polarity(
    gray: np.ndarray, background: np.ndarray, mask: np.ndarray, threshold: float | None = None
) -> str:
    """Dark or light animal: the sign of the strong differences from the background inside ``mask``.

    Strong means above ``threshold`` (default: Otsu's level of the absolute
    differences, at least 10 grey levels).
    """
    d = gray.astype(np.int16) - background.astype(np.int16)
    inside = mask > 0
    t = threshold if threshold is not None else max(otsu_level(np.abs(d[inside])), 10.0)
    strong = d[inside & (np.abs(d) > t)]
    return "dark" if np.sum(strong < 0) >= np.sum(strong > 0) else "light"


# --------------------------------------------------------------------------- foreground


def difference(gray: np.ndarray, background: np.ndarray, animal: str) -> np.ndarray:
    """Foreground difference from the background, ``uint8``, large where the animal is.

    Parameters
    ----------
    gray, background
        Grey images of the same size.
    animal
        ``"dark"``: background minus image (saturating at 0); ``"light"``:
        image minus background; ``"any"``: the absolute difference (either
        sign counts, e.g. when the polarity is checked by another step).
    """
    if animal == "dark":
        return cv2.subtract(background, gray)
    if animal == "light":
        return cv2.subtract(gray, background)
    if animal == "any":
        return cv2.absdiff(gray, background)
    raise OpenfieldError(f"difference polarity must be dark, light or any, not {animal!r}")


def floor_contrast(image: np.ndarray, animal: str = "auto") -> tuple[np.ndarray, str]:
    """Colour distance from the floor, on the animal's side of its brightness (``uint8``).

    The floor's colour is the image's median in CIE Lab (after a 5x5 blur);
    each pixel's distance from it counts only when the pixel is darker than
    the floor (``animal="dark"``) or lighter (``"light"``); ``"auto"`` takes
    a dark animal when the floor is lighter than mid-grey.

    Returns
    -------
    contrast : numpy.ndarray
        ``uint8`` distance image.
    animal : str
        The polarity used.
    """
    check_polarity(animal)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    lab = cv2.cvtColor(cv2.GaussianBlur(image, (5, 5), 0), cv2.COLOR_BGR2LAB).astype(np.float32)
    floor = np.median(lab.reshape(-1, 3), axis=0)
    dist = np.sqrt(((lab - floor) ** 2).sum(axis=2))
    if animal == "auto":
        animal = "dark" if floor[0] > 127 else "light"
    wrong_side = lab[..., 0] >= floor[0] if animal == "dark" else lab[..., 0] <= floor[0]
    dist[wrong_side] = 0
    return np.clip(dist, 0, 255).astype(np.uint8), animal


def threshold(diff: np.ndarray, level: float | None = None, min_level: float = 0.0) -> np.ndarray:
    """Binary mask (``uint8`` 0/255) of ``diff > level``.

    ``level`` None takes Otsu's level of ``diff``, raised to ``min_level``.
    """
    if level is None:
        level = max(otsu_level(diff), min_level)
    _, mask = cv2.threshold(diff, level, 255, cv2.THRESH_BINARY)
    return mask


def open_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """Morphological opening by a disc: removes lines and specks thinner than ``2 * radius + 1`` px."""
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, disc(radius)) if radius > 0 else mask


def median_background(frames: Sequence[np.ndarray], n: int = 25) -> np.ndarray | None:
    """Per-pixel median of up to ``n`` frames spread evenly over ``frames`` (the moving animal vanishes).

    Returns None when there are fewer than 5 frames or their sizes differ:
    the median of a few frames would still contain the animal.
    """
    if len(frames) < 5 or len({f.shape for f in frames}) != 1:
        return None
    pick = np.unique(np.linspace(0, len(frames) - 1, num=min(n, len(frames))).astype(int))
    return np.median(np.stack([frames[i] for i in pick]), axis=0).astype(np.uint8)


def remove_ghosts(
    frames: Sequence[np.ndarray],
    background: np.ndarray,
    level: float,
    animal: str,
    mask: np.ndarray | None = None,
    min_fraction: float = 0.2,
) -> tuple[np.ndarray, int]:
    """The background with what an animal left in it replaced by the floor seen in the other frames.

    An animal that sat in one place (or laid its tail there) in more than
    half of the sampled frames stays in their median: a "ghost" that the
    tracker takes for floor, so that the animal passing over it loses part
    of its outline. The frames in which it had gone show the floor there,
    on the other side of the median from the animal (lighter than the
    median for a dark animal). A pixel where at least ``min_fraction`` of
    the frames (and 3) lie more than ``level`` grey levels on the floor's
    side of the median takes the median of those frames. The animal's
    passing (on the animal's side) and pixels that never change are left
    alone.

    Parameters
    ----------
    frames
        The grey frames whose median is ``background`` (same size).
    background
        Their per-pixel median (``uint8``).
    level
        Grey levels: a difference beyond this is not noise (the tracker's
        lowest foreground threshold).
    animal
        ``"dark"`` (a dark animal on a lighter floor) or ``"light"``.
    mask
        Where to look (an arena's floor, ``uint8``); None: everywhere. Keep
        it off the floor's edges, which may flicker or move with the camera.
    min_fraction
        Fraction of the frames that must show the floor at a pixel.

    Returns
    -------
    background : numpy.ndarray
        ``uint8``, a new image (the input is not changed).
    n_fixed : int
        Pixels replaced.
    """
    if animal not in ("dark", "light"):
        raise OpenfieldError(f"remove_ghosts needs a dark or light animal, not {animal!r}")
    out = background.copy()
    if len(frames) < 5:
        return out, 0
    need = max(3, int(np.ceil(min_fraction * len(frames))))
    count = np.zeros(background.shape[:2], np.uint8)
    for f in frames:  # frames on the floor's side of the median by more than the level
        side = cv2.subtract(f, background) if animal == "dark" else cv2.subtract(background, f)
        count += side > level
    ghost = (count >= need).astype(np.uint8) * np.uint8(255)
    if mask is not None:
        ghost = cv2.bitwise_and(ghost, mask)
    if not ghost.any():
        return out, 0
    ys, xs = np.nonzero(ghost)
    values = np.stack([f[ys, xs] for f in frames]).astype(float)  # (frames, ghost pixels)
    median = background[ys, xs].astype(float)
    floor_side = values - median > level if animal == "dark" else median - values > level
    out[ys, xs] = np.round(np.nanmedian(np.where(floor_side, values, np.nan), axis=0)).astype(np.uint8)
    return out, len(ys)


def floor_model(gray: np.ndarray, floor_mask: np.ndarray, animal: str) -> np.ndarray:
    """Floor estimate of a single image: a smooth surface fitted to the floor's pixels.

    A quadratic in x and y, fitted by least squares to the pixels inside
    the floor mask on the floor's side of Otsu's threshold (the animal and
    dark marks left out), models uneven lighting such as vignetting. It is
    the background model of an image without a video.

    Parameters
    ----------
    gray
        Grey image.
    floor_mask
        Where the floor is (uint8).
    animal
        ``"dark"`` (the floor is the bright class) or ``"light"``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` background of the image's size.
    """
    h, w = gray.shape
    step = 4
    g = gray[::step, ::step].astype(float)
    inside = floor_mask[::step, ::step] > 0
    t = otsu_level(g[inside])
    floor = inside & ((g > t) if animal == "dark" else (g < t))
    ys, xs = np.nonzero(floor)
    if len(xs) < 10:
        return np.full_like(gray, int(np.median(gray)))

    def design(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = x / w, y / h
        return np.c_[np.ones_like(x), x, y, x * x, x * y, y * y]

    coef, *_ = np.linalg.lstsq(design(xs * step, ys * step), g[ys, xs], rcond=None)
    # evaluate on the coarse grid and resize: the surface is smooth
    hs, ws = g.shape
    yy, xx = np.mgrid[0:hs, 0:ws]
    small = (design(xx.ravel() * float(step), yy.ravel() * float(step)) @ coef).reshape(hs, ws)
    bg = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(bg, 0, 255).astype(np.uint8)


def arena_mask(shape: tuple[int, int], corners_px: np.ndarray | None, margin_fraction: float) -> np.ndarray:
    """Mask (uint8 0/255) of the arena floor polygon widened by a margin.

    Parameters
    ----------
    shape
        Image height and width.
    corners_px
        Floor outline ``(N, 2)``: the 4 corners of a rectangle, a polygon's
        corners, or the points of a round floor's outline; None for the
        whole image.
    margin_fraction
        Widening as a fraction of the polygon's shorter side (of a
        quadrilateral: its shortest side; of any other outline: the short
        side of its smallest enclosing rectangle, a round floor's diameter);
        negative: narrowing.
    """
    h, w = shape
    if corners_px is None:
        return np.full((h, w), 255, np.uint8)
    mask = np.zeros((h, w), np.uint8)
    c = np.asarray(corners_px, dtype=float).reshape(-1, 2)
    cv2.fillPoly(mask, [np.round(c).astype(np.int32)], 255)
    if len(c) == 4:
        short = float(np.linalg.norm(np.roll(c, -1, axis=0) - c, axis=1).min())
    else:
        short = float(min(cv2.minAreaRect(c.astype(np.float32))[1]))
    r = int(round(margin_fraction * short))
    if r > 0:
        mask = cv2.dilate(mask, disc(r))
    elif r < 0:
        mask = cv2.erode(mask, disc(-r))
    return mask


# --------------------------------------------------------------------------- the blob


@dataclass
class Component:
    """One connected blob of a mask.

    Attributes
    ----------
    mask
        ``uint8`` 0/1 crop of the blob, its bounding box's size.
    bbox
        ``(x, y, width, height)`` of the crop in the image.
    area
        Pixels.
    centroid
        ``(x, y)`` in image pixels.
    """

    mask: np.ndarray
    bbox: tuple[int, int, int, int]
    area: int
    centroid: np.ndarray

    def full_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The blob as a ``uint8`` 0/255 mask of the whole image."""
        out = np.zeros(shape, np.uint8)
        x, y, w, h = self.bbox
        out[y:y + h, x:x + w][self.mask > 0] = 255
        return out


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components with their statistics: ``cv2.connectedComponentsWithStats``'s four results.

    By Grana's block-based algorithm: on the small crops the tracker labels
    every frame it is three times faster than OpenCV's default (Spaghetti),
    whose statistics pass dominates there.
    """
    return cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)


def largest_component(
    mask: np.ndarray,
    min_area: float = 0,
    max_area: float = np.inf,
    by: str = "area",
    exclude_edge: bool = False,
    max_span: float = 1.0,
) -> Component | None:
    """The largest plausible connected blob of a binary mask (8-connected), or None.

    Parameters
    ----------
    mask
        ``uint8`` image, non-zero on the foreground.
    min_area, max_area
        Plausible blob area in pixels (droppings and noise are smaller; the
        floor or a lighting change larger).
    by
        ``"area"`` takes the largest blob; ``"thickness"`` the thickest
        (largest distance from its outline), which prefers the animal over
        long thin strips such as wall edges.
    exclude_edge
        Leave out blobs touching the image border (walls, the area outside
        the arena); an animal at the edge is then lost.
    max_span
        Leave out blobs wider or taller than this fraction of the image
        (walls and shadows along an edge).

    Returns
    -------
    Component or None
    """
    if by not in ("area", "thickness"):
        raise OpenfieldError(f"blob selection must be 'area' or 'thickness', not {by!r}")
    h, w = mask.shape[:2]
    n, labels, stats, centroids = components(mask)
    if n < 2:
        return None
    x, y, bw, bh, areas = (stats[1:, i] for i in range(5))
    ok = (areas >= min_area) & (areas <= max_area)
    if exclude_edge:
        ok &= ~((x == 0) | (y == 0) | (x + bw >= w) | (y + bh >= h))
    if max_span < 1.0:
        ok &= ~((bw > max_span * w) | (bh > max_span * h))
    if not ok.any():
        return None
    score = areas.astype(float)
    if by == "thickness":
        dist = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 3)
        score = np.full(len(areas), -1.0)
        for k in 1 + np.flatnonzero(ok):
            bx, by_, bw_, bh_ = (int(v) for v in stats[k, :4])
            score[k - 1] = float(dist[by_:by_ + bh_, bx:bx + bw_][labels[by_:by_ + bh_, bx:bx + bw_] == k].max())
    k = 1 + int(np.argmax(np.where(ok, score, -1)))
    bx, by_, bw_, bh_ = (int(v) for v in stats[k, :4])
    sub = (labels[by_:by_ + bh_, bx:bx + bw_] == k).astype(np.uint8)
    return Component(mask=sub, bbox=(bx, by_, bw_, bh_), area=int(stats[k, cv2.CC_STAT_AREA]),
                     centroid=np.asarray(centroids[k], dtype=float))


# --------------------------------------------------------------------------- measures


@dataclass
class AnimalMeasure:
    """What one blob gives, in the pixels of the mask it was measured on.

    Attributes
    ----------
    body
        Trunk centroid ``(2,)``: the pixels at least ``trunk_fraction`` as
        far from the outline as the thickest point (leaves out the tail and
        the narrower head).
    centre
        Centroid of the blob without its tail ``(2,)``.
    ends
        The two ends of the tail-less blob along its axis ``(2, 2)`` (the
        mean of its pixels within 1.5 px of each extreme); ``ends[0]`` lies
        on the positive side of the axis. The tail base is one of them.
    tips
        The same two ends on the blob without its tail but with its points
        (the opening blunts the snout); the nose is one of them.
    axis
        Unit vector of the principal axis ``(2,)``, towards ``ends[0]``.
    tail_cue
        In [-1, 1]: > 0 when the removed tail lies towards ``ends[0]``
        (weighted by how much tail there is), 0 when there is none.
    area
        Blob area in px (tail included).
    length
        Distance between the two ends.
    extent
        Extent of the tail-less blob along its axis, from pixel centre to
        pixel centre (nose to tail base).
    width
        Extent of the tail-less blob across its axis.
    half_width
        Maximum distance from the outline (the trunk's half-width).
    contrast
        Mean foreground difference over the blob (NaN without one).
    """

    body: np.ndarray
    centre: np.ndarray
    ends: np.ndarray
    tips: np.ndarray
    axis: np.ndarray
    tail_cue: float
    area: float
    length: float
    extent: float
    width: float
    half_width: float
    contrast: float

    def shifted(self, offset: np.ndarray, scale: float = 1.0) -> AnimalMeasure:
        """The measure in other pixels: ``offset + scale * p + (scale - 1) / 2`` for each point.

        A pixel ``i`` of an image shrunk by ``scale`` covers pixels
        ``scale * i .. scale * i + scale - 1`` of the original.
        """
        off = np.asarray(offset, dtype=float) + (scale - 1) / 2

        def move(p: np.ndarray) -> np.ndarray:
            return off + scale * p

        return AnimalMeasure(
            body=move(self.body), centre=move(self.centre), ends=move(self.ends), tips=move(self.tips),
            axis=self.axis, tail_cue=self.tail_cue, area=self.area * scale**2, length=self.length * scale,
            extent=self.extent * scale, width=self.width * scale, half_width=self.half_width * scale,
            contrast=self.contrast,
        )


def _pixels(mask: np.ndarray) -> np.ndarray:
    """``(n, 2)`` float ``(x, y)`` of a ``uint8`` mask's non-zero pixels, in row-major order (``np.nonzero``'s)."""
    pts = cv2.findNonZero(mask)
    return np.empty((0, 2)) if pts is None else pts.reshape(-1, 2).astype(float)


def _mean_where(pts: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The mean point of ``pts[keep]`` (``np.mean``'s value without its overhead on a few points)."""
    sel = pts[keep]
    return sel.sum(axis=0) / len(sel)


def measure_animal(
    mask: np.ndarray,
    diff: np.ndarray | None = None,
    trunk_fraction: float = 0.7,
    opening_fraction: float = 0.4,
    largest_piece: bool = False,
) -> AnimalMeasure | None:
    """Body, ends, size and tail cue of one blob.

    The tail is far thinner than the body: an opening with a disc of
    ``opening_fraction`` of the body's half-width removes it and leaves the
    body and head (their rounded ends survive an opening by a disc smaller
    than their own curvature). What remains gives the axis, the ends, the
    length and the width; what the opening removed says where the tail is.

    Parameters
    ----------
    mask
        ``uint8`` image, non-zero on the blob only (a crop is fine).
    diff
        Foreground difference image of the same shape (for the contrast),
        or None.
    trunk_fraction
        Pixels at least this fraction of the maximum distance to the
        outline make the trunk.
    opening_fraction
        Radius of the opening that removes the tail, as a fraction of the
        half-width. The tracker takes 0.4 (a cleaner tail cue); the mouse
        calibration 0.35, which keeps more of the snout's point in the
        nose-to-tail-base length it measures.
    largest_piece
        Measure only the largest piece left by the opening (the mouse
        calibration: a stray fragment must not lengthen the animal); the
        tracker keeps every piece, which its accuracy figures were set with.

    Returns
    -------
    AnimalMeasure or None
        None when the blob is too thin to have a trunk.
    """
    pad = 2
    m = cv2.copyMakeBorder((mask > 0).astype(np.uint8), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    dist = cv2.distanceTransform(m, cv2.DIST_L2, 5)
    dmax = float(dist.max())
    if dmax < 1.0:
        return None
    core = (dist >= trunk_fraction * dmax).astype(np.uint8)
    mo = cv2.moments(core, binaryImage=True)
    body = np.array([mo["m10"] / mo["m00"], mo["m01"] / mo["m00"]])
    radius = max(1, int(round(opening_fraction * dmax)))
    opened = cv2.morphologyEx(m, cv2.MORPH_OPEN, disc(radius))
    if not opened.any():
        opened = m
    elif largest_piece:
        piece = largest_component(opened)
        if piece is not None:
            x, y, w, h = piece.bbox
            opened = np.zeros_like(m)
            opened[y:y + h, x:x + w] = piece.mask
    mo = cv2.moments(opened, binaryImage=True)
    c = np.array([mo["m10"] / mo["m00"], mo["m01"] / mo["m00"]])
    theta = 0.5 * np.arctan2(2 * mo["mu11"], mo["mu20"] - mo["mu02"])
    u = np.array([np.cos(theta), np.sin(theta)])
    normal = np.array([-u[1], u[0]])
    frame = np.array([u, normal]).T  # pixel offsets from the centroid -> (along the axis, across it)
    pts = _pixels(opened)
    proj, across = ((pts - c) @ frame).T
    pmax, pmin = proj.max(), proj.min()
    ends = np.array([_mean_where(pts, proj >= pmax - 1.5), _mean_where(pts, proj <= pmin + 1.5)])
    # the tips: the blob's own pixels up to the opening's radius beyond the tail-less ends and
    # within its width (the opening blunts the snout; the tail reaches much further)
    tpts = _pixels(m)
    tproj, perp = ((tpts - c) @ frame).T
    half_across = max(across.max(), -across.min()) + 1.0
    keep = (tproj <= pmax + radius + 1) & (tproj >= pmin - radius - 1) & (np.abs(perp) <= half_across)
    tpts, tproj = tpts[keep], tproj[keep]
    tips = np.array([_mean_where(tpts, tproj >= tproj.max() - 1.5), _mean_where(tpts, tproj <= tproj.min() + 1.5)])
    # what the opening removed, beyond a one-pixel rim, is the tail (and blur fringes)
    resid = cv2.bitwise_and(m, cv2.bitwise_not(cv2.dilate(opened, disc(1))))
    tail_cue = 0.0
    n, _, stats, cents = components(resid)
    if n > 1:  # a few pieces: plain Python numbers cost less than numpy's calls on them
        span = float(pmax - pmin)
        half_len = max(0.5 * span, 1.0)
        ux, uy, cx, cy = float(u[0]), float(u[1]), float(c[0]), float(c[1])
        tail = head = 0.0
        for (_, _, w, h, a), (px, py) in zip(stats[1:].tolist(), cents[1:].tolist(), strict=True):
            side = min(max(((px - cx) * ux + (py - cy) * uy) / half_len, -1.0), 1.0)  # where along the axis
            if max(w, h) >= 0.35 * span:  # long thin pieces are the tail: it lies towards the tail base
                tail += side * min(1.0, a / (0.5 * dmax**2))
            elif a >= 3:  # short pieces are ears and snout (a tail-less blob loses them to the opening): head side
                head += side * a
        head /= 0.15 * dmax**2
        tail_cue = min(max(tail - 0.5 * min(max(head, -1.0), 1.0), -1.0), 1.0)
    area = float(np.count_nonzero(m))
    contrast = float(cv2.mean(diff, mask=m[pad:-pad, pad:-pad])[0]) if diff is not None else float("nan")
    offset = np.array([pad, pad], dtype=float)
    return AnimalMeasure(
        body=body - offset, centre=c - offset, ends=ends - offset, tips=tips - offset, axis=u,
        tail_cue=tail_cue, area=area, length=float(np.linalg.norm(ends[0] - ends[1])),
        extent=float(pmax - pmin), width=float(across.max() - across.min()), half_width=dmax,
        contrast=contrast,
    )


# --------------------------------------------------------------------------- one image, no background


def refine_outline(gray: np.ndarray, blob: np.ndarray, animal: str) -> np.ndarray:
    """Re-threshold a blob half-way between the animal's and the floor's own brightness next to it.

    The outline then sits where pixels are half covered (a global split
    also sees the walls and is off for the animal). Returns a ``uint8``
    0/255 mask of the refined blob (the one overlapping ``blob`` most), or
    ``blob`` when nothing is left.
    """
    ring = cv2.dilate(blob, np.ones((9, 9), np.uint8)) & ~cv2.dilate(blob, np.ones((5, 5), np.uint8))
    animal_level = float(np.median(gray[blob > 0]))
    floor_level = float(np.median(gray[ring > 0]))
    mid = (animal_level + floor_level) / 2
    local = (gray < mid) if animal == "dark" else (gray > mid)
    near = cv2.dilate(blob, np.ones((7, 7), np.uint8)) > 0
    refined = (local & near).astype(np.uint8) * 255
    n, labels, _, _ = cv2.connectedComponentsWithStats(refined, connectivity=8)
    if n < 2:
        return blob
    overlap = np.bincount(labels[blob > 0], minlength=n)
    overlap[0] = 0
    return np.where(labels == int(np.argmax(overlap)), 255, 0).astype(np.uint8)


def image_foreground(
    gray: np.ndarray, floor_mask: np.ndarray, animal: str, level: float | None = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Background, difference and threshold of a single image (no video to take a median from).

    The background is :func:`floor_model`; the threshold, unless given, is
    the second of two Otsu levels of the difference inside the floor
    (floor | walls, marks and tail | animal: walls near the floor's edge
    differ from the fitted floor about half as much as a dark animal does),
    at least 12 grey levels.

    Returns
    -------
    background, diff : numpy.ndarray
        ``uint8`` images.
    level : float
        Foreground threshold in grey levels.
    """
    background = floor_model(gray, floor_mask, animal)
    diff = difference(gray, background, animal)
    if level is None:
        values = diff[floor_mask > 0]
        t1 = max(otsu_level(values), 12.0)
        level = max(otsu_level(values[values > t1]), t1) if np.count_nonzero(values > t1) > 10 else t1
    return background, diff, float(level)


def segment_animal(
    image: np.ndarray,
    animal: str = "auto",
    floor_mask: np.ndarray | None = None,
    min_area: int = 20,
    max_area_fraction: float = 0.25,
) -> np.ndarray:
    """Binary mask (``uint8`` 0/255) of the animal in one image, without a background model.

    The floor is modelled by a smooth surface fitted to the image's floor
    pixels (:func:`floor_model`, which absorbs uneven lighting); the
    difference from it is split at two Otsu levels (floor | walls, marks
    and tail | animal), and the thickest blob of plausible size is the
    animal (thin wall edges lose), its outline refined half-way between the
    animal's and the floor's brightness (:func:`refine_outline`). Without a
    floor mask, blobs touching the image edge (walls, the room) are left out.

    Parameters
    ----------
    image
        BGR or grey top-view image.
    animal
        ``"dark"`` (dark mouse on a light floor), ``"light"`` or ``"auto"``
        (:func:`floor_polarity`).
    floor_mask
        ``uint8`` mask of the arena floor (:func:`arena_mask`), or None for
        the whole image.
    min_area
        Smallest blob in pixels.
    max_area_fraction
        Largest blob as a fraction of the image (the floor is not the animal).

    Raises
    ------
    OpenfieldError
        When no blob qualifies.
    """
    check_polarity(animal)
    gray = to_gray(image)
    h, w = gray.shape
    if animal == "auto":
        animal = floor_polarity(gray)
    mask = np.full((h, w), 255, np.uint8) if floor_mask is None else floor_mask
    _, diff, level = image_foreground(gray, mask, animal)
    fg = open_mask(cv2.bitwise_and(threshold(diff, level), mask), 1)
    blob = largest_component(fg, min_area, max_area_fraction * h * w, by="thickness",
                             exclude_edge=floor_mask is None)
    if blob is None:
        raise OpenfieldError(f"no {animal} animal found (no contrasting blob on the floor)")
    return refine_outline(gray, blob.full_mask((h, w)), animal)
