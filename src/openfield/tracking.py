"""A classical, DeepLabCut-free tracker: head, body and tail base from the animal's blob.

In the spirit of ezTrack. Per frame:

1. **Foreground.** For a video, the difference from a background model (the
   per-pixel median of frames spread over the video, in which the moving
   animal vanishes), signed by the animal's polarity (dark animal on a light
   floor or the reverse), thresholded once per video (Otsu on the first
   frame's difference, or a given threshold). For a single image there is no
   background model: the floor is estimated by a grey-level closing (dark
   animal) or opening (light animal) wider than the animal, which erases the
   animal and keeps uneven lighting.
2. **Blob.** Inside the arena floor (polygon from the calibration or found
   on the background, widened by a margin), the largest blob of plausible
   size; after the first detection only a window around the last position is
   searched (cheaper than decoding the frame), with a full-frame search when
   the animal is not found there.
3. **Body.** The centroid of the trunk: the pixels at least
   ``trunk_fraction`` as far from the outline as the thickest point (the
   distance transform). This leaves out the thin tail and also the narrower
   head, which would pull a plain blob centroid forwards (by about 9 px,
   0.11 body lengths, on the synthetic mouse).
4. **Ends.** A morphological opening by a disc of ``opening_fraction`` of
   the half-width removes the tail; the two ends of what remains along its
   principal axis are the nose and the tail base. What the opening removed
   (the tail) says which end is the tail base.
5. **Which end is the head, over time.** A two-state hidden Markov model
   over the whole recording: the state is which end is the head; each frame
   gives evidence from the direction of motion (when the animal moves faster
   than ``min_speed_body_lengths_s``) and from the tail; a switch of ends
   between consecutive frames costs in proportion to how far the labelled
   ends would jump. The Viterbi path gives the head, so the head stays on
   the same end through pauses; the posterior probability of the chosen
   state goes into the head and tail likelihoods.

The likelihood of the body is the blob's quality: its area against the
running median area (a blob merged with a shadow or cut in half scores low)
times its contrast against the threshold. Frames where no plausible blob is
found get NaN and likelihood 0.

Only the frame being processed is in memory; per frame a few numbers are
kept (the ends, the body, the cues) for the orientation pass at the end.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from openfield.calibration import detect_arena
from openfield.errors import OpenfieldError
from openfield.io.images import video_background
from openfield.io.pose import from_numpy, write_dlc_csv
from openfield.io.video import iter_frames, video_info

log = logging.getLogger(__name__)

#: Body parts written by the tracker, in this order.
KEYPOINTS = ("head", "body", "tail")
#: Scorer name in the DeepLabCut-layout CSV.
SCORER = "openfield-classic"


@dataclass(frozen=True)
class TrackerConfig:
    """Options of the classical tracker.

    Attributes
    ----------
    animal
        ``"dark"`` (dark animal, light floor), ``"light"`` or ``"auto"``.
    threshold
        Foreground threshold in grey levels of difference from the
        background; None picks it by Otsu's method on the first frame.
    background_frames
        Frames spread over the video whose median is the background.
    arena_margin_fraction
        The arena floor polygon is widened by this fraction of its shorter
        side (a rearing animal's head leans over the wall).
    min_area_px
        Smallest blob taken for the animal.
    max_area_fraction
        Largest blob, as a fraction of the arena area.
    trunk_fraction
        Pixels at least this fraction of the maximum distance to the
        outline make the trunk, whose centroid is the body point.
    opening_fraction
        Radius of the opening that removes the tail, as a fraction of the
        blob's half-width.
    search_body_lengths
        Half-size of the search window around the previous position, in
        body lengths (plus 20 px).
    downsample, downsample_min_length_px
        Work at half resolution when the animal (without tail) is at least
        this long in pixels: as accurate, four times fewer pixels.
    motion_window_s
        Half-width of the centred difference that gives the velocity.
    min_speed_body_lengths_s, full_speed_body_lengths_s
        Below the first speed the motion says nothing about the head; at
        the second it counts fully.
    motion_weight, tail_weight, continuity_weight
        Weights of the three kinds of evidence for the head's end.
    """

    animal: str = "auto"
    threshold: float | None = None
    background_frames: int = 25
    arena_margin_fraction: float = 0.04
    min_area_px: int = 30
    max_area_fraction: float = 0.15
    trunk_fraction: float = 0.7
    opening_fraction: float = 0.4
    search_body_lengths: float = 1.0
    downsample: bool = True
    downsample_min_length_px: float = 90.0
    motion_window_s: float = 0.1
    min_speed_body_lengths_s: float = 0.5
    full_speed_body_lengths_s: float = 2.0
    motion_weight: float = 1.0
    tail_weight: float = 0.5
    continuity_weight: float = 2.0

    def __post_init__(self) -> None:
        if self.animal not in ("auto", "dark", "light"):
            raise OpenfieldError(f"animal must be auto, dark or light, not {self.animal!r}")
        if self.threshold is not None and not 0 < self.threshold < 255:
            raise OpenfieldError(f"threshold must be between 0 and 255 grey levels, got {self.threshold}")


@dataclass
class BlobMeasure:
    """What one frame's blob gives, in image pixels.

    Attributes
    ----------
    body
        Trunk centroid ``(2,)``.
    ends
        The two ends of the tail-less blob along its axis ``(2, 2)``;
        ``ends[0]`` lies on the positive side of the axis. The tail base
        is one of them.
    tips
        The same two ends on the blob without its tail but with its
        points (the opening blunts the snout); the nose is one of them.
    tail_cue
        In [-1, 1]: > 0 when the removed tail lies towards ``ends[0]``
        (weighted by how much tail there is), 0 when there is none.
    area
        Blob area in px (tail included).
    length
        Distance between the two ends.
    half_width
        Maximum distance from the outline (the trunk's half-width).
    contrast
        Mean foreground difference over the blob, grey levels.
    """

    body: np.ndarray
    ends: np.ndarray
    tips: np.ndarray
    tail_cue: float
    area: float
    length: float
    half_width: float
    contrast: float


# --------------------------------------------------------------------------- per frame

_KERNELS: dict[int, np.ndarray] = {}


def _disc(radius: int) -> np.ndarray:
    if radius not in _KERNELS:
        _KERNELS[radius] = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return _KERNELS[radius]


def _to_gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def measure_component(mask: np.ndarray, diff: np.ndarray | None, config: TrackerConfig) -> BlobMeasure | None:
    """Body, ends and tail cue of one blob.

    Parameters
    ----------
    mask
        ``uint8`` image, non-zero on the blob only (a crop is fine).
    diff
        Foreground difference image of the same shape (for the contrast),
        or None.
    config
        Tracker options.

    Returns
    -------
    BlobMeasure or None
        None when the blob is too thin to have a trunk.
    """
    m = np.pad((mask > 0).astype(np.uint8), 2)
    dist = cv2.distanceTransform(m, cv2.DIST_L2, 5)
    dmax = float(dist.max())
    if dmax < 1.0:
        return None
    core = (dist >= config.trunk_fraction * dmax).astype(np.uint8)
    mo = cv2.moments(core, binaryImage=True)
    body = np.array([mo["m10"] / mo["m00"], mo["m01"] / mo["m00"]])
    radius = max(1, int(round(config.opening_fraction * dmax)))
    opened = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disc(radius))
    if not opened.any():
        opened = m
    mo = cv2.moments(opened, binaryImage=True)
    c = np.array([mo["m10"] / mo["m00"], mo["m01"] / mo["m00"]])
    theta = 0.5 * np.arctan2(2 * mo["mu11"], mo["mu20"] - mo["mu02"])
    u = np.array([np.cos(theta), np.sin(theta)])
    ys, xs = np.nonzero(opened)
    pts = np.c_[xs, ys].astype(float)
    proj = (pts - c) @ u
    pmax, pmin = proj.max(), proj.min()
    ends = np.array([pts[proj >= pmax - 1.5].mean(axis=0), pts[proj <= pmin + 1.5].mean(axis=0)])
    # the tips: the blob's own pixels up to the opening's radius beyond the tail-less ends and
    # within its width (the opening blunts the snout; the tail reaches much further)
    ys, xs = np.nonzero(m)
    tpts = np.c_[xs, ys].astype(float)
    tproj = (tpts - c) @ u
    perp = np.abs((tpts - c) @ np.array([-u[1], u[0]]))
    width = np.abs((pts - c) @ np.array([-u[1], u[0]])).max() + 1.0
    keep = (tproj <= pmax + radius + 1) & (tproj >= pmin - radius - 1) & (perp <= width)
    tpts, tproj = tpts[keep], tproj[keep]
    tips = np.array([tpts[tproj >= tproj.max() - 1.5].mean(axis=0), tpts[tproj <= tproj.min() + 1.5].mean(axis=0)])
    # what the opening removed, beyond a one-pixel rim, is the tail (and blur fringes)
    resid = cv2.bitwise_and(m, cv2.bitwise_not(cv2.dilate(opened, _disc(1))))
    tail_cue = 0.0
    n, _, stats, cents = cv2.connectedComponentsWithStats(resid, connectivity=8)
    if n > 1:
        half_len = max(0.5 * (pmax - pmin), 1.0)
        areas = stats[1:, cv2.CC_STAT_AREA].astype(float)
        extent = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]).astype(float)
        side = np.clip((cents[1:] - c) @ u / half_len, -1.0, 1.0)  # where along the axis each piece is
        long_ = extent >= 0.35 * (pmax - pmin)
        # long thin pieces are the tail: it lies towards the tail base
        tail = float(np.sum(side[long_] * np.minimum(1.0, areas[long_] / (0.5 * dmax**2))))
        # short pieces are ears and snout (a tail-less blob loses them to the opening): head side
        short = ~long_ & (areas >= 3)
        head = float(np.sum(side[short] * areas[short]) / (0.15 * dmax**2)) if short.any() else 0.0
        tail_cue = float(np.clip(tail - 0.5 * np.clip(head, -1.0, 1.0), -1.0, 1.0))
    area = float(np.count_nonzero(m))
    contrast = float(diff[mask > 0].mean()) if diff is not None else float("nan")
    offset = np.array([2.0, 2.0])
    return BlobMeasure(body=body - offset, ends=ends - offset, tips=tips - offset, tail_cue=tail_cue, area=area,
                       length=float(np.linalg.norm(ends[0] - ends[1])), half_width=dmax, contrast=contrast)


def _largest_plausible(
    fg: np.ndarray, min_area: float, max_area: float, by: str = "area"
) -> tuple[np.ndarray, tuple] | None:
    """The largest connected blob with ``min_area <= area <= max_area``: (its mask, bbox).

    ``by="area"`` takes the largest blob; ``by="thickness"`` the thickest
    (largest distance from its outline), which prefers the animal over
    long thin strips such as wall edges.
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if n < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    ok = (areas >= min_area) & (areas <= max_area)
    if not ok.any():
        return None
    score = areas.astype(float)
    if by == "thickness":
        dist = cv2.distanceTransform(fg, cv2.DIST_L2, 3)
        score = np.full(len(areas), -1.0)
        for k in 1 + np.flatnonzero(ok):
            x, y, w, h = (int(v) for v in stats[k, :4])
            score[k - 1] = float(dist[y:y + h, x:x + w][labels[y:y + h, x:x + w] == k].max())
    k = 1 + int(np.argmax(np.where(ok, score, -1)))
    x, y, w, h = (int(v) for v in stats[k, :4])
    sub = (labels[y:y + h, x:x + w] == k).astype(np.uint8)
    return sub, (x, y, w, h)


def arena_mask(shape: tuple[int, int], corners_px: np.ndarray | None, margin_fraction: float) -> np.ndarray:
    """Mask (uint8 0/255) of the arena floor polygon widened by a margin.

    Parameters
    ----------
    shape
        Image height and width.
    corners_px
        Floor corners ``(4, 2)``, or None for the whole image.
    margin_fraction
        Widening as a fraction of the polygon's shorter side.
    """
    h, w = shape
    if corners_px is None:
        return np.full((h, w), 255, np.uint8)
    mask = np.zeros((h, w), np.uint8)
    c = np.asarray(corners_px, dtype=float).reshape(4, 2)
    cv2.fillPoly(mask, [np.round(c).astype(np.int32)], 255)
    sides = np.linalg.norm(np.roll(c, -1, axis=0) - c, axis=1)
    r = int(round(margin_fraction * sides.min()))
    if r > 0:
        mask = cv2.dilate(mask, _disc(r))
    return mask


def _otsu(values: np.ndarray) -> float:
    values = np.clip(values, 0, 255).astype(np.uint8).reshape(-1, 1)
    t, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return float(t)


def _polarity(gray: np.ndarray, background: np.ndarray, mask: np.ndarray, threshold: float | None) -> str:
    """Dark or light animal: the sign of the strong differences from the background."""
    d = gray.astype(np.int16) - background.astype(np.int16)
    inside = mask > 0
    t = threshold if threshold is not None else max(_otsu(np.abs(d[inside])), 10.0)
    strong = d[inside & (np.abs(d) > t)]
    return "dark" if np.sum(strong < 0) >= np.sum(strong > 0) else "light"


class FrameTracker:
    """Stateful per-frame blob finder for one video (the streaming part).

    Parameters
    ----------
    background
        Grey background image (animal absent).
    floor_mask
        ``uint8`` mask where the animal may be.
    config
        Tracker options.
    """

    def __init__(
        self, background: np.ndarray, floor_mask: np.ndarray, config: TrackerConfig, select: str = "area"
    ) -> None:
        self.select = select
        self.background = _to_gray(background)
        self.mask = floor_mask
        self.config = config
        self.animal = config.animal
        self.threshold = config.threshold
        self.max_area = config.max_area_fraction * float(np.count_nonzero(floor_mask))
        self.areas: deque[float] = deque(maxlen=51)
        self.lengths: deque[float] = deque(maxlen=51)
        self.prev: np.ndarray | None = None
        self.full_searches = 0
        self.scale = 1
        self.background_small = self.background
        self.mask_small = self.mask

    def _setup(self, gray: np.ndarray) -> None:
        if self.animal == "auto":
            self.animal = _polarity(gray, self.background, self.mask, self.threshold)
            log.debug("animal polarity: %s", self.animal)
        if self.threshold is None:
            d = self._diff(gray, self.background)
            self.threshold = max(_otsu(d[self.mask > 0]), 12.0)
            log.debug("foreground threshold: %.1f grey levels", self.threshold)

    def _diff(self, gray: np.ndarray, bg: np.ndarray) -> np.ndarray:
        return cv2.subtract(bg, gray) if self.animal == "dark" else cv2.subtract(gray, bg)

    def _search(self, frame: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> BlobMeasure | None:
        crop = frame[y0:y1, x0:x1]
        gray = _to_gray(crop)
        k = self.scale
        if k > 1:  # a large animal: work at half resolution (4x fewer pixels, still ~60 px long)
            gray = cv2.resize(gray, (gray.shape[1] // k, gray.shape[0] // k), interpolation=cv2.INTER_AREA)
            ys, xs = slice(y0 // k, y0 // k + gray.shape[0]), slice(x0 // k, x0 // k + gray.shape[1])
            bg, mask = self.background_small[ys, xs], self.mask_small[ys, xs]
        else:
            bg, mask = self.background[y0:y1, x0:x1], self.mask[y0:y1, x0:x1]
        diff = self._diff(gray, bg)
        _, fg = cv2.threshold(diff, self.threshold, 255, cv2.THRESH_BINARY)
        fg = cv2.bitwise_and(fg, mask)
        if self.select == "thickness":
            fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, _disc(1))  # drop 1-2 px lines, edges and noise
        expected = float(np.median(self.areas)) if self.areas else None
        lo = self.config.min_area_px if expected is None else max(self.config.min_area_px, 0.3 * expected)
        hi = self.max_area if expected is None else min(self.max_area, 3.0 * expected)
        found = _largest_plausible(fg, lo / k**2, hi / k**2, self.select)
        if found is None:
            return None
        sub, (x, y, w, h) = found
        blob = measure_component(sub, diff[y:y + h, x:x + w], self.config)
        if blob is None:
            return None
        shift = np.array([x, y], dtype=float)
        origin = np.array([x0, y0], dtype=float)
        # a half-resolution pixel i covers full-resolution pixels k*i .. k*i + k-1
        blob.body = origin + k * (blob.body + shift) + (k - 1) / 2
        blob.ends = origin + k * (blob.ends + shift) + (k - 1) / 2
        blob.tips = origin + k * (blob.tips + shift) + (k - 1) / 2
        blob.area *= k**2
        blob.length *= k
        blob.half_width *= k
        return blob

    def _set_scale(self, length: float) -> None:
        k = 2 if self.config.downsample and length >= self.config.downsample_min_length_px else 1
        if k != self.scale:
            self.scale = k
            h, w = self.background.shape
            self.background_small = cv2.resize(self.background, (w // k, h // k), interpolation=cv2.INTER_AREA)
            self.mask_small = cv2.resize(self.mask, (w // k, h // k), interpolation=cv2.INTER_NEAREST)
            log.debug("animal %.0f px long: working at 1/%d resolution", length, k)

    def update(self, frame: np.ndarray) -> tuple[BlobMeasure | None, float]:
        """Find the animal in one frame.

        Parameters
        ----------
        frame
            BGR or grey frame.

        Returns
        -------
        blob : BlobMeasure or None
            None when no plausible blob is found.
        quality : float
            Blob quality in [0, 1] (0 when not found).
        """
        if self.animal == "auto" or self.threshold is None:
            self._setup(_to_gray(frame))
        h, w = frame.shape[:2]
        blob = None
        if self.prev is not None and self.lengths:
            r = int(self.config.search_body_lengths * np.median(self.lengths) + 20)
            px, py = int(self.prev[0]), int(self.prev[1])
            # even corners, so that half-resolution crops line up with the half-resolution background
            x0, y0 = max(px - r, 0) & ~1, max(py - r, 0) & ~1
            x1, y1 = min(px + r, w), min(py + r, h)
            blob = self._search(frame, x0, y0, x1, y1)
        if blob is None:
            self.full_searches += 1
            blob = self._search(frame, 0, 0, w, h)
        if blob is None:
            return None, 0.0
        if not self.lengths:
            self._set_scale(blob.length)
        expected = float(np.median(self.areas)) if self.areas else blob.area
        self.areas.append(blob.area)
        self.lengths.append(blob.length)
        self.prev = blob.body
        area_score = min(blob.area / expected, expected / blob.area)
        contrast_score = float(np.clip(blob.contrast / (2.0 * self.threshold), 0.0, 1.0))
        return blob, float(area_score * contrast_score)


# --------------------------------------------------------------------------- orientation


def _logsumexp2(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def orient(
    body: np.ndarray,
    ends: np.ndarray,
    tail_cue: np.ndarray,
    fps: float | None,
    config: TrackerConfig,
    tips: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decide, for every frame, which end of the animal is the head.

    Parameters
    ----------
    body
        ``(T, 2)`` body points (NaN where not found).
    ends
        ``(T, 2, 2)`` the two ends per frame.
    tail_cue
        ``(T,)`` tail evidence (> 0: the tail is towards ``ends[:, 0]``).
    fps
        Frame rate; None (single images) means no motion evidence.
    config
        Weights and speed limits.
    tips
        ``(T, 2, 2)`` pointed ends in the same order as ``ends``; the head
        is taken from them (default: ``ends``).

    Returns
    -------
    head, tail : numpy.ndarray
        ``(T, 2)`` each, NaN where not found: the head from ``tips``, the
        tail base from ``ends``.
    probability : numpy.ndarray
        ``(T,)`` posterior probability of the chosen end (0 where not found).
    """
    n = len(body)
    head = np.full((n, 2), np.nan)
    tail = np.full((n, 2), np.nan)
    prob = np.zeros(n)
    valid = np.flatnonzero(np.isfinite(body[:, 0]) & np.isfinite(ends).all(axis=(1, 2)))
    if len(valid) == 0:
        return head, tail, prob
    e = ends[valid]
    axis = e[:, 0] - e[:, 1]
    lengths = np.linalg.norm(axis, axis=1)
    body_length = float(np.median(lengths)) or 1.0
    cost = np.zeros((len(valid), 2))  # state 0: head = ends[0]; state 1: head = ends[1]
    tc = np.nan_to_num(tail_cue[valid])
    cost[:, 0] += config.tail_weight * np.clip(tc, 0, None)
    cost[:, 1] += config.tail_weight * np.clip(-tc, 0, None)
    if fps:
        k = max(1, int(round(config.motion_window_s * fps)))
        b = body.copy()
        ahead = np.full_like(b, np.nan)
        behind = np.full_like(b, np.nan)
        ahead[:-k] = b[k:]
        behind[k:] = b[:-k]
        vel = (ahead - behind) * fps / (2 * k)
        v = vel[valid]
        speed = np.linalg.norm(v, axis=1)
        cosang = np.einsum("ij,ij->i", v, axis) / np.maximum(speed * lengths, 1e-9)
        lo = config.min_speed_body_lengths_s * body_length
        hi = config.full_speed_body_lengths_s * body_length
        weight = config.motion_weight * np.clip((speed - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
        weight = np.nan_to_num(weight)
        cosang = np.nan_to_num(cosang)
        cost[:, 0] += weight * (1 - cosang)
        cost[:, 1] += weight * (1 + cosang)
    # transitions between consecutive found frames: cost of how far the labelled ends jump
    trans = np.zeros((len(valid), 2, 2))  # [t, previous state, state]
    if len(valid) > 1:
        prev, cur = e[:-1], e[1:]
        for sp in (0, 1):
            for s in (0, 1):
                jump = (np.linalg.norm(cur[:, s] - prev[:, sp], axis=1)
                        + np.linalg.norm(cur[:, 1 - s] - prev[:, 1 - sp], axis=1))
                trans[1:, sp, s] = config.continuity_weight * jump / body_length
        trans[1:] -= trans[1:].min(axis=(1, 2), keepdims=True)
    log_e = -cost
    log_t = -trans
    m = len(valid)
    # Viterbi
    score = log_e[0].copy()
    back = np.zeros((m, 2), dtype=np.int8)
    for t in range(1, m):
        cand = score[:, None] + log_t[t]
        back[t] = np.argmax(cand, axis=0)
        score = cand.max(axis=0) + log_e[t]
    states = np.zeros(m, dtype=int)
    states[-1] = int(np.argmax(score))
    for t in range(m - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    # forward-backward for the posterior of each frame's state
    fwd = np.zeros((m, 2))
    bwd = np.zeros((m, 2))
    fwd[0] = log_e[0] - _logsumexp2(log_e[0], 0)
    for t in range(1, m):
        f = _logsumexp2(fwd[t - 1][:, None] + log_t[t], 0) + log_e[t]
        fwd[t] = f - _logsumexp2(f, 0)
    for t in range(m - 2, -1, -1):
        bb = _logsumexp2(log_t[t + 1] + (log_e[t + 1] + bwd[t + 1])[None, :], 1)
        bwd[t] = bb - _logsumexp2(bb, 0)
    post = fwd + bwd
    post = np.exp(post - _logsumexp2(post, 1)[:, None])
    idx = np.arange(m)
    tp = e if tips is None else tips[valid]
    head[valid] = tp[idx, states]
    tail[valid] = e[idx, 1 - states]
    prob[valid] = post[idx, states]
    return head, tail, prob


# --------------------------------------------------------------------------- whole videos and images


def track_frames(
    frames: Iterable[np.ndarray],
    background: np.ndarray,
    floor_mask: np.ndarray,
    fps: float | None,
    config: TrackerConfig | None = None,
    n_frames: int | None = None,
    progress: bool = False,
    desc: str = "tracking",
    source_file: str | None = None,
) -> xr.Dataset:
    """Track the animal through a stream of frames.

    Parameters
    ----------
    frames
        Iterable of BGR (or grey) frames; consumed one at a time.
    background
        Background image of the same size.
    floor_mask
        Where the animal may be (see :func:`arena_mask`).
    fps
        Frame rate (for the motion evidence and the time axis).
    config
        Tracker options.
    n_frames
        Expected number of frames, for the progress bar.
    progress
        Show a tqdm progress bar.
    desc
        Progress bar label.
    source_file
        Recorded in the dataset's attributes.

    Returns
    -------
    xarray.Dataset
        Pose dataset with keypoints head, body, tail (pixels) and their
        likelihoods; scorer ``openfield-classic``.
    """
    config = config or TrackerConfig()
    tracker = FrameTracker(background, floor_mask, config)
    bodies, ends, tips, cues, quality = [], [], [], [], []
    nan2 = np.full(2, np.nan)
    for frame in tqdm(frames, total=n_frames, disable=not progress, desc=desc, unit="frame", leave=False):
        blob, q = tracker.update(frame)
        if blob is None:
            bodies.append(nan2)
            ends.append(np.full((2, 2), np.nan))
            tips.append(np.full((2, 2), np.nan))
            cues.append(0.0)
        else:
            bodies.append(blob.body)
            ends.append(blob.ends)
            tips.append(blob.tips)
            cues.append(blob.tail_cue)
        quality.append(q)
    if not bodies:
        raise OpenfieldError("no frames to track", source_file)
    body = np.array(bodies)
    head, tail, prob = orient(body, np.array(ends), np.array(cues), fps, config, tips=np.array(tips))
    q = np.array(quality)
    position = np.stack([head, body, tail], axis=1)
    confidence = np.stack([q * prob, q, q * prob], axis=1)
    n_missing = int(np.isnan(body[:, 0]).sum())
    if n_missing:
        log.info("%s: no animal found in %d of %d frames", source_file or "video", n_missing, len(body))
    log.debug("full-frame searches: %d of %d frames", tracker.full_searches, len(body))
    ds = from_numpy(position, confidence, list(KEYPOINTS), fps=fps, source_file=source_file,
                    source_software="openfield-classic", scorer=SCORER)
    ds.attrs["tracker_config"] = str(asdict(config))
    ds.attrs["animal"] = tracker.animal
    ds.attrs["threshold"] = float(tracker.threshold or 0.0)
    return ds


def track_video(
    path: str | os.PathLike[str],
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
    fps: float | None = None,
    progress: bool = True,
) -> xr.Dataset:
    """Track the animal in a video, streaming it frame by frame.

    Parameters
    ----------
    path
        The video.
    config
        Tracker options.
    arena_corners_px
        Floor corners (tl, tr, br, bl) in pixels, e.g. from a calibration;
        None: found on the background image, or the whole image when that
        fails (with a warning).
    fps
        Frame rate if the container does not store it.
    progress
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        See :func:`track_frames`.
    """
    config = config or TrackerConfig()
    info = video_info(path, fps)
    background = video_background(path, n_frames=config.background_frames)
    if arena_corners_px is None:
        try:
            arena_corners_px = detect_arena(background)
        except OpenfieldError as exc:
            log.warning("%s: %s; searching the whole image for the animal", path, exc.message)
    mask = arena_mask(background.shape[:2], arena_corners_px, config.arena_margin_fraction)
    return track_frames(iter_frames(path), background, mask, info.fps, config, n_frames=info.n_frames,
                        progress=progress, desc=Path(path).name, source_file=str(path))


def image_background(gray: np.ndarray, floor_mask: np.ndarray, animal: str) -> np.ndarray:
    """Floor estimate of a single image: a smooth surface fitted to the floor's pixels.

    A quadratic in x and y, fitted by least squares to the pixels inside
    the floor mask on the floor's side of Otsu's threshold (the animal and
    dark marks left out), models uneven lighting such as vignetting.

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
    t = _otsu(g[inside])
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


def tail_ray_cue(diff: np.ndarray, floor_mask: np.ndarray, blob: BlobMeasure) -> float:
    """Which end the faint tail leaves from: the foreground just beyond each end.

    The tail is paler than the body and mostly below the blob's threshold,
    but still differs from the floor. Beyond each end, along the axis from
    0.1 to 0.6 body lengths and across +-0.2 body lengths (the tail curves),
    the strongest difference at each distance is averaged; outside the
    floor counts as 0 (a wall beyond the nose is not a tail).

    Parameters
    ----------
    diff
        Foreground difference image (animal brighter).
    floor_mask
        Where the floor is.
    blob
        The animal.

    Returns
    -------
    float
        In [-1, 1]; > 0 when the tail is towards ``blob.ends[0]``.
    """
    e = blob.ends
    length = max(blob.length, 1.0)
    centre = 0.5 * (e[0] + e[1])
    along = np.linspace(0.1, 0.6, 11) * length
    across = np.linspace(-0.2, 0.2, 9) * length
    h, w = diff.shape
    scores = []
    for end in e:
        u = (end - centre) / max(float(np.linalg.norm(end - centre)), 1e-9)
        v = np.array([-u[1], u[0]])
        pts = end + along[:, None, None] * u + across[None, :, None] * v
        x = np.clip(np.round(pts[..., 0]).astype(int), 0, w - 1)
        y = np.clip(np.round(pts[..., 1]).astype(int), 0, h - 1)
        vals = np.where(floor_mask[y, x] > 0, diff[y, x], 0).astype(float)
        scores.append(vals.max(axis=1).mean())
    a, b = scores
    return float((a - b) / (a + b)) if a + b > 0 else 0.0


def track_image(
    image: np.ndarray,
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
) -> dict[str, np.ndarray | float]:
    """Track the animal in a single image (no background model, no motion).

    The floor is estimated from the image itself (:func:`image_background`)
    and the head is told from the tail base by the animal's shape alone: the
    pieces the opening removes (:func:`measure_component`) and the faint
    tail beyond one end (:func:`tail_ray_cue`).

    Parameters
    ----------
    image
        BGR or grey image.
    config
        Tracker options.
    arena_corners_px
        Floor corners; None: found on the image (whole image if that fails).

    Returns
    -------
    dict
        ``head``, ``body``, ``tail`` (pixel ``(2,)``, NaN if not found),
        ``likelihood`` (body quality) and ``head_probability``.
    """
    config = config or TrackerConfig()
    gray = _to_gray(image)
    animal = config.animal
    if animal == "auto":
        t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        animal = "dark" if np.median(gray) > t else "light"
    if arena_corners_px is None:
        try:
            arena_corners_px = detect_arena(image)
        except OpenfieldError:
            arena_corners_px = None
    # a narrow margin: without a background model the walls beside the floor would count as foreground
    mask = arena_mask(gray.shape, arena_corners_px, 0.25 * config.arena_margin_fraction)
    background = image_background(gray, mask, animal)
    diff = cv2.subtract(background, gray) if animal == "dark" else cv2.subtract(gray, background)
    if config.threshold is None:
        # two Otsu levels: floor | walls, marks and tail | animal (walls near the floor's edge
        # differ from the fitted floor about half as much as a dark animal does)
        values = diff[mask > 0]
        t1 = max(_otsu(values), 12.0)
        threshold = max(_otsu(values[values > t1]), t1) if np.count_nonzero(values > t1) > 10 else t1
    else:
        threshold = config.threshold
    cfg = TrackerConfig(**{**asdict(config), "animal": animal, "threshold": threshold})
    tracker = FrameTracker(background, mask, cfg, select="thickness")
    blob, q = tracker.update(gray)
    nan2 = np.full(2, np.nan)
    if blob is None:
        return {"head": nan2, "body": nan2, "tail": nan2, "likelihood": 0.0, "head_probability": 0.0}
    cue = float(np.clip(blob.tail_cue + 0.5 * tail_ray_cue(diff, mask, blob), -1.0, 1.0))
    head, tail, prob = orient(blob.body[None], blob.ends[None], np.array([cue]), None, cfg, tips=blob.tips[None])
    return {"head": head[0], "body": blob.body, "tail": tail[0], "likelihood": q,
            "head_probability": float(prob[0])}


def pose_path(video: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path:
    """Where :func:`track_video_to_file` writes a video's pose: ``OUT/<stem>_pose.csv``."""
    return Path(out_dir) / f"{Path(video).stem}_pose.csv"


def track_video_to_file(
    video: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    config: TrackerConfig | None = None,
    arena_corners_px: np.ndarray | None = None,
    fps: float | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> Path:
    """Track a video and write ``OUT/<stem>_pose.csv`` (DeepLabCut layout), atomically.

    An existing output is kept (the work is done) unless ``overwrite``.

    Returns
    -------
    Path
        The pose CSV.
    """
    out = pose_path(video, out_dir)
    if out.exists() and not overwrite:
        log.info("%s exists; skipping tracking", out)
        return out
    ds = track_video(video, config, arena_corners_px, fps, progress)
    write_dlc_csv(ds, out, scorer=SCORER)
    log.info("wrote %s", out)
    return out
