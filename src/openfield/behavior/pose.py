"""Rearing and grooming from DeepLabCut pose: per-frame features and a scikit-learn classifier.

The approach of DLCAnalyzer and SimBA: describe each frame by the animal's
posture and movement around it (body length, head-to-body geometry, speeds,
likelihoods, distance to the walls, each summarised over rolling windows
reaching into the past and the future) and learn the behaviour from human
labels with gradient-boosted trees.

Body parts are recognised by name (case-insensitive, common DeepLabCut
spellings, the one vocabulary of :mod:`openfield.bodyparts`) into *roles*
(:func:`feature_roles`); whatever roles a file has are used. A model
remembers the roles and features it was trained with and refuses a pose file
that lacks them.

Units: lengths are in units of the animal's median body length in the
recording (so features do not depend on the camera's zoom), speeds in body
lengths per second, angles in degrees, wall distances in cm, windows in
seconds (so a model works at any frame rate).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
import xarray as xr
from threadpoolctl import threadpool_limits

from openfield import __version__, zones
from openfield.behavior.labels import BACKGROUND_NAMES, majority_vote
from openfield.behavior.metrics import evaluate_frames
from openfield.behavior.silhouette import silhouette_features
from openfield.behavior.timeline import labels_from_probabilities, smooth_labels
from openfield.bodyparts import TRACKER_ROLES, resolve_body_parts
from openfield.calibration import Calibration, apply_homography, homography_from_corners, side_scales
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

#: The classes the pose classifier predicts; ``other`` is the background.
CLASSES = ("rearing", "grooming", "other")

#: The class the body-length baseline calls (a model without it has no baseline).
BASELINE_CLASS = "rearing"

#: Roles of the head, whose likelihoods are features (they drop when a top view loses the head).
HEAD_ROLES = ("nose", "head", "ear_left", "ear_right")

#: Default rolling windows (s), centred on the frame: half in the past, half in the future.
DEFAULT_WINDOWS_S = (0.2, 0.5, 1.0, 2.0)

#: Arena corner body-part names, in the order top-left, top-right, bottom-right, bottom-left.
CORNER_NAMES = (("tl", "arena_tl"), ("tr", "arena_tr"), ("br", "arena_br"), ("bl", "arena_bl"))


# --------------------------------------------------------------------------- body parts


def feature_roles(keypoints: Sequence[str]) -> dict[str, str]:
    """Map the roles the features use to a pose file's body-part names.

    The roles are those of the one body-part vocabulary
    (:func:`openfield.bodyparts.resolve_body_parts`), with one rule of the
    features: a file whose only head point is ``head`` (the tracker's, the
    tip of the animal's front end, or a DeepLabCut ``headcentre`` without
    nose, neck or ears) has it as the front point, role ``nose``. So the tracker's
    head/body/tail and a nose/bodycentre/tailbase file at the same
    coordinates give the same features, under the same names.

    Parameters
    ----------
    keypoints
        Body-part names of a pose file.

    Returns
    -------
    dict
        Role -> body-part name, for every role found.
    """
    roles = resolve_body_parts(keypoints)
    if "head" in roles and not any(r in roles for r in ("nose", "neck", "ear_left", "ear_right")):
        roles = {("nose" if r == "head" else r): k for r, k in roles.items()}
    return roles


def _pair_mid(points: dict[str, np.ndarray], a: str, b: str) -> np.ndarray | None:
    if a in points and b in points:
        return (points[a] + points[b]) / 2
    return points.get(a, points.get(b))


def _anchor_points(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Front, head, body and rear points from whatever roles exist (n_frames x 2 each)."""
    ears = _pair_mid(points, "ear_left", "ear_right")
    hips = _pair_mid(points, "hip_left", "hip_right")
    anchors: dict[str, np.ndarray] = {}
    for name, order in {
        "front": (points.get("nose"), points.get("head"), ears, points.get("neck")),
        "headpt": (points.get("head"), ears, points.get("nose"), points.get("neck")),
        "rear": (points.get("tailbase"), hips, points.get("body")),
        "bodypt": (points.get("body"), hips, points.get("neck")),
    }.items():
        for p in order:
            if p is not None:
                anchors[name] = p
                break
    if ears is not None:
        anchors["ears"] = ears
    if hips is not None:
        anchors["hips"] = hips
    return anchors


def to_tracker_points(ds: xr.Dataset, keep: Sequence[str] = ("tl", "tr", "br", "bl")) -> xr.Dataset:
    """A richer pose reduced to the classical tracker's ``head, body, tail`` (nose, body centre, tail base).

    So that a model for the tracker's pose can be trained on DeepLabCut-labelled data
    (e.g. OFT_38's nose -> head, bodycentre -> body, tailbase -> tail).

    Parameters
    ----------
    ds
        Pose dataset with a nose (or snout), a body centre and a tail base.
    keep
        Other points kept under their own names when present (the arena corners, by default).

    Raises
    ------
    OpenfieldError
        One of the three roles is missing.
    """
    roles = resolve_body_parts([str(k) for k in ds["keypoints"].values])
    missing = [r for r in TRACKER_ROLES.values() if r not in roles]
    if missing:
        raise OpenfieldError(f"cannot reduce to head, body, tail: no {', '.join(missing)} point",
                             ds.attrs.get("source_file"))
    names = {roles[r]: t for t, r in TRACKER_ROLES.items()}
    kept = [str(k) for k in ds["keypoints"].values if str(k) in keep]
    out = ds.sel(keypoints=[*names, *kept])
    return out.assign_coords(keypoints=[*names.values(), *kept])


def required_roles_message(found: Mapping[str, str]) -> str | None:
    """Why a set of roles cannot give a body length, or None when it can."""
    has_front = any(r in found for r in ("nose", "head", "ear_left", "ear_right", "neck"))
    has_rear = any(r in found for r in ("tailbase", "hip_left", "hip_right", "body"))
    if has_front and has_rear:
        return None
    return (
        "needs at least one head point (nose, head centre, ears or neck) and one rear point "
        "(tail base, hips or body centre) to measure body length; found "
        f"{sorted(found.values()) or 'none of them'}"
    )


# --------------------------------------------------------------------------- arena


def floor_of(shape: str, size_cm: tuple[float, float], polygon_cm: Sequence[Sequence[float]] | None = None) -> Any:
    """The arena's floor in cm, a shapely geometry (:func:`openfield.zones.floor_geometry`)."""
    return zones.floor_geometry(shape, size_cm, polygon_cm)


def floor_wall_distance(points_cm: np.ndarray, floor: Any) -> np.ndarray:
    """Distance (cm) of arena-cm points ``(..., 2)`` to the floor's edge (the wall), any floor shape.

    Positive inside the floor, negative outside; NaN stays NaN.

    Parameters
    ----------
    points_cm
        Points in arena cm.
    floor
        The floor, a shapely polygon (:func:`floor_of`).
    """
    p = np.asarray(points_cm, dtype=float)
    flat = p.reshape(-1, 2)
    ok = np.isfinite(flat).all(axis=1)
    out = np.full(len(flat), np.nan)
    if ok.any():
        x, y = flat[ok, 0], flat[ok, 1]
        d = shapely.distance(shapely.points(x, y), floor.boundary)
        out[ok] = np.where(shapely.contains_xy(floor, x, y), d, -d)
    return out.reshape(p.shape[:-1])


@dataclass
class ArenaGeometry:
    """Where the arena floor is: pixel -> arena-cm homography, floor size (cm), shape and scale (px/cm).

    ``px_per_cm`` (the calibration's, or the mean of the tracked floor's
    sides) turns the tracker's silhouette into cm; None leaves those features out.
    ``shape`` is the arena's (the arena contract: ``rectangle``, ``circle``,
    ``polygon`` with ``polygon_cm``); the wall is the edge of :attr:`floor`.
    """

    homography: np.ndarray
    size_cm: tuple[float, float]
    source: str = ""
    px_per_cm: float | None = None
    shape: str = "rectangle"
    polygon_cm: list[list[float]] | None = None

    @property
    def floor(self) -> Any:
        """The floor in arena cm, a shapely geometry (:func:`floor_of`)."""
        return floor_of(self.shape, self.size_cm, self.polygon_cm)

    def wall_distance_cm(self, points_px: np.ndarray) -> np.ndarray:
        """Distance (cm) of pixel points ``(..., 2)`` to the nearest wall; negative outside the floor."""
        return floor_wall_distance(apply_homography(self.homography, points_px), self.floor)


def wall_distance(points_cm: np.ndarray, size_cm: tuple[float, float]) -> np.ndarray:
    """Distance (cm) of arena-cm points ``(..., 2)`` to the nearest side of a W x H floor.

    Arena cm have the origin at the floor's top-left corner; points outside
    the floor get a negative distance. NaN stays NaN. (Rectangles only: any
    shape is :func:`floor_wall_distance`.)
    """
    p = np.asarray(points_cm, dtype=float)
    w, h = size_cm
    return np.minimum(np.minimum(p[..., 0], w - p[..., 0]), np.minimum(p[..., 1], h - p[..., 1]))


def arena_from_pose(ds: xr.Dataset, size_cm: tuple[float, float], min_likelihood: float = 0.9) -> ArenaGeometry | None:
    """Arena from tracked corner points (``tl``, ``tr``, ``br``, ``bl``), or None if not tracked.

    Each corner is the median of its confident positions over the recording.

    Raises
    ------
    OpenfieldError
        When the corners are tracked but one is never confidently seen.
    """
    names = {str(k).lower(): str(k) for k in ds["keypoints"].values}
    chosen = []
    for options in CORNER_NAMES:
        hit = next((names[o] for o in options if o in names), None)
        if hit is None:
            return None
        chosen.append(hit)
    corners = []
    for kp in chosen:
        xy = ds["position"].sel(keypoints=kp).isel(individuals=0).transpose("time", "space").values
        conf = ds["confidence"].sel(keypoints=kp).isel(individuals=0).values
        good = (conf >= min_likelihood) & np.isfinite(xy).all(axis=1)
        if not good.any():
            raise OpenfieldError(
                f"arena corner {kp!r} is never tracked with likelihood >= {min_likelihood}",
                ds.attrs.get("source_file"),
            )
        corners.append(np.median(xy[good], axis=0))
    corners_arr = np.array(corners)
    return ArenaGeometry(
        homography_from_corners(corners_arr, size_cm),
        (float(size_cm[0]), float(size_cm[1])),
        source="tracked corners",
        px_per_cm=float(side_scales(corners_arr, size_cm).mean()),
    )


def arena_geometry(
    ds: xr.Dataset,
    calibration: Calibration | None = None,
    arena_size_cm: tuple[float, float] | None = None,
) -> ArenaGeometry | None:
    """The arena of a recording: from a calibration with an arena, else tracked corners and a size.

    Parameters
    ----------
    ds
        Pose dataset.
    calibration
        An arena calibration (:class:`~openfield.calibration.Calibration`).
    arena_size_cm
        Floor width and height, needed with tracked corners.

    Returns
    -------
    ArenaGeometry or None
        None when neither is available.
    """
    if calibration is not None and calibration.has_arena:
        return ArenaGeometry(np.asarray(calibration.homography), calibration.arena_size_cm, "calibration",
                             float(calibration.px_per_cm), shape=str(getattr(calibration, "shape", "rectangle")),
                             polygon_cm=getattr(calibration, "polygon_cm", None))
    if arena_size_cm is not None:
        geo = arena_from_pose(ds, arena_size_cm)
        if geo is None:
            log.info(
                "%s: no tracked arena corners (tl, tr, br, bl): wall distance not used",
                ds.attrs.get("source_file"),
            )
        return geo
    return None


# --------------------------------------------------------------------------- features


def _clean_positions(pos: np.ndarray, conf: np.ndarray, min_likelihood: float, max_gap: int) -> np.ndarray:
    """NaN for unlikely points, then linear interpolation over gaps of at most ``max_gap`` frames."""
    pos = pos.copy()
    pos[conf < min_likelihood] = np.nan
    n, k, _ = pos.shape
    df = pd.DataFrame(pos.reshape(n, k * 2))
    if max_gap > 0:
        df = df.interpolate(limit=max_gap, limit_area="inside")
    return df.to_numpy().reshape(n, k, 2)


def _angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle (degrees) between vectors ``(n, 2)``."""
    cross = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    dot = (u * v).sum(axis=1)
    return np.degrees(np.abs(np.arctan2(cross, dot)))


def _rolling(base: pd.DataFrame, fps: float, windows_s: Sequence[float]) -> pd.DataFrame:
    """Centred mean and standard deviation over each window."""
    out = {}
    for w in windows_s:
        n = max(2, int(round(w * fps)))
        roll = base.rolling(n, center=True, min_periods=1)
        mean, std = roll.mean(), roll.std()
        for c in base.columns:
            out[f"{c}_mean_{w:g}s"] = mean[c].to_numpy()
            out[f"{c}_std_{w:g}s"] = std[c].to_numpy()
    return pd.DataFrame(out, index=base.index)


def pose_features(
    ds: xr.Dataset,
    arena: ArenaGeometry | None = None,
    windows_s: Sequence[float] = DEFAULT_WINDOWS_S,
    min_likelihood: float = 0.5,
    max_gap_s: float = 0.5,
    extended: bool = False,
) -> pd.DataFrame:
    """Per-frame posture and movement features of one recording.

    Parameters
    ----------
    ds
        Pose dataset (``openfield.io.pose``) with ``attrs["fps"]``.
    arena
        Arena geometry for wall distances (cm); None to leave them out.
    windows_s
        Rolling windows (s), centred on each frame; each base feature gets
        its mean and standard deviation over each window.
    min_likelihood
        Positions with a lower DeepLabCut likelihood are treated as missing
        (likelihoods themselves are kept as features).
    max_gap_s
        Missing positions are interpolated across gaps up to this long.
    extended
        Add the features meant for a three-point pose (head, body, tail;
        :func:`extended_features`) and, when ``ds`` has the tracker's
        ``silhouette``, its features
        (:func:`openfield.behavior.silhouette.silhouette_features`; in cm
        with an arena that knows ``px_per_cm``).

    Returns
    -------
    pandas.DataFrame
        One row per frame. Base columns (present when their body parts are):
        ``body_length_ratio`` (front-to-rear length over its median),
        ``dist_<a>_<b>`` (body lengths), ``ear_span``, ``hip_span``,
        ``body_width`` (left to right side of the body; body lengths),
        ``body_aspect`` (width over relative length), ``head_body_angle_deg`` (bend of the head off the
        body axis), ``speed_<role>`` (body lengths/s), ``likelihood_<role>``
        (head points), ``nose_wall_cm``, ``body_wall_cm`` and, with a head
        point besides the front one, ``head_wall_cm`` (distances to the
        wall, the edge of the arena's floor of any shape:
        :func:`floor_wall_distance`; the wall contact of supported rearing); then
        ``<base>_mean_<w>s`` and ``<base>_std_<w>s`` for each window.
        ``attrs`` hold ``roles`` (role -> body part) and
        ``median_body_length_px``.

    Raises
    ------
    OpenfieldError
        fps missing; body parts insufficient for a body length; no frame
        with both ends of the body tracked.
    """
    source = ds.attrs.get("source_file")
    fps = ds.attrs.get("fps")
    if fps is None or not fps > 0:
        raise OpenfieldError("the frame rate is unknown: give --fps (features are computed in seconds)", source)
    fps = float(fps)
    roles = feature_roles([str(k) for k in ds["keypoints"].values])
    problem = required_roles_message(roles)
    if problem:
        raise OpenfieldError(problem, source)
    kp_names = [roles[r] for r in roles]
    pos = ds["position"].isel(individuals=0).sel(keypoints=kp_names).transpose("time", "keypoints", "space").values
    conf = ds["confidence"].isel(individuals=0).sel(keypoints=kp_names).transpose("time", "keypoints").values
    pos = _clean_positions(pos, conf, min_likelihood, int(round(max_gap_s * fps)))
    if arena is not None:
        # lengths on the floor plane: a tilted camera no longer makes the body look longer in one
        # part of the arena than in another
        pos = apply_homography(arena.homography, pos)
    points = {r: pos[:, i] for i, r in enumerate(roles)}
    anchors = _anchor_points(points)
    length = np.linalg.norm(anchors["front"] - anchors["rear"], axis=1)
    valid = np.isfinite(length) & (length > 0)
    if not valid.any():
        raise OpenfieldError("no frame has both the head and the rear of the body tracked", source)
    med = float(np.median(length[valid]))

    base: dict[str, np.ndarray] = {"body_length_ratio": length / med}
    heads = [
        (n, p)
        for n, p in (
            ("nose", points.get("nose")),
            ("head", points.get("head")),
            ("ears", anchors.get("ears")),
            ("neck", points.get("neck")),
        )
        if p is not None
    ]
    bodies = [
        (n, p)
        for n, p in (
            ("body", points.get("body")),
            ("hips", anchors.get("hips")),
            ("tailbase", points.get("tailbase")),
        )
        if p is not None
    ]
    for hn, hp in heads:
        for bn, bp in bodies:
            base[f"dist_{hn}_{bn}"] = np.linalg.norm(hp - bp, axis=1) / med
    if "ear_left" in points and "ear_right" in points:
        base["ear_span"] = np.linalg.norm(points["ear_left"] - points["ear_right"], axis=1) / med
    if "side_left" in points and "side_right" in points:
        # the body seen from above gets rounder when the animal rears: width up, length down
        base["body_width"] = np.linalg.norm(points["side_left"] - points["side_right"], axis=1) / med
        base["body_aspect"] = base["body_width"] / base["body_length_ratio"]
    if "hip_left" in points and "hip_right" in points:
        base["hip_span"] = np.linalg.norm(points["hip_left"] - points["hip_right"], axis=1) / med
    if "bodypt" in anchors:
        body_axis = anchors["bodypt"] - anchors["rear"]
        head_dir = anchors["front"] - anchors["bodypt"]
        if np.nanmax(np.abs(body_axis)) > 0 and np.nanmax(np.abs(head_dir)) > 0:
            base["head_body_angle_deg"] = _angle_deg(body_axis, head_dir)
    for role, p in points.items():
        base[f"speed_{role}"] = (
            np.linalg.norm(np.gradient(p, axis=0), axis=1) * fps / med if len(p) > 1 else np.full(len(p), np.nan)
        )
    for i, role in enumerate(roles):
        if role in HEAD_ROLES:
            base[f"likelihood_{role}"] = conf[:, i]
    if arena is not None:
        floor = arena.floor  # the wall is the floor's edge, whatever the arena's shape
        base["nose_wall_cm"] = floor_wall_distance(anchors["front"], floor)
        base["body_wall_cm"] = floor_wall_distance(anchors.get("bodypt", anchors["rear"]), floor)
        if "headpt" in anchors and anchors["headpt"] is not anchors["front"]:
            # the head's wall contact (supported rearing: forepaws and head at the wall)
            base["head_wall_cm"] = floor_wall_distance(anchors["headpt"], floor)
    if extended:
        base.update(extended_features(anchors, length / med, fps, arena))
        if "silhouette" in ds:
            base.update(silhouette_features(ds["silhouette"], fps, None if arena is None else arena.px_per_cm))
    base_df = pd.DataFrame(base)
    feats = pd.concat([base_df, _rolling(base_df, fps, windows_s)], axis=1)
    feats = feats.astype(np.float32)
    feats.attrs["roles"] = dict(roles)
    feats.attrs["median_body_length_px"] = med
    return feats


def extended_features(
    anchors: Mapping[str, np.ndarray],
    length_ratio: np.ndarray,
    fps: float,
    arena: ArenaGeometry | None = None,
    median_window_s: float = 10.0,
    shift_s: float = 0.5,
) -> dict[str, np.ndarray]:
    """Features that work with head, body and tail only (``pose_features(..., extended=True)``).

    Parameters
    ----------
    anchors
        ``front``, ``rear`` and (if any) ``bodypt`` positions ``(n, 2)``, in
        the units of ``pose_features`` (pixels, or arena cm with an arena).
    length_ratio
        Front-to-rear length over its median.
    fps
        Frames per second.
    arena
        With an arena (positions then in cm): corner features.
    median_window_s
        Window of the animal's own running median body length (s).
    shift_s
        Lag of the past and future changes (s).

    Returns
    -------
    dict
        ``length_vs_running_median`` (length over its running median: a
        rearing mouse seen from above shortens against its own recent
        posture), ``length_change_past``/``length_change_future`` (length now
        minus ``shift_s`` ago, in ``shift_s`` minus now), ``dist_body_tail``
        (body lengths), ``head_rel_speed`` (speed of the front point around
        the body point, body lengths/s: high while grooming or scanning),
        ``body_still_head_moving`` (``head_rel_speed / (body speed + 0.1)``:
        large when the body is still and the head moves around it, as in
        grooming), and with an arena ``front_corner_cm`` (distance of the
        front point to the nearest corner) and ``front_minus_body_wall_cm``
        (negative when the head is nearer the wall than the body).
    """
    n = len(length_ratio)
    med = pd.Series(length_ratio).rolling(max(3, int(round(median_window_s * fps))), center=True,
                                          min_periods=1).median().to_numpy()
    lag = max(1, int(round(shift_s * fps)))
    series = pd.Series(length_ratio)
    out = {
        "length_vs_running_median": length_ratio / med,
        "length_change_past": (series - series.shift(lag)).to_numpy(),
        "length_change_future": (series.shift(-lag) - series).to_numpy(),
    }
    front, rear = anchors["front"], anchors["rear"]
    scale = np.nanmedian(np.linalg.norm(front - rear, axis=1))
    body = anchors.get("bodypt")
    if body is not None and body is not rear and n > 1:
        out["dist_body_tail"] = np.linalg.norm(body - rear, axis=1) / scale
        rel = front - body
        rel_speed = np.linalg.norm(np.gradient(rel, axis=0), axis=1) * fps / scale
        body_speed = np.linalg.norm(np.gradient(body, axis=0), axis=1) * fps / scale
        out["head_rel_speed"] = rel_speed
        out["body_still_head_moving"] = rel_speed / (body_speed + 0.1)
    if arena is not None:
        floor = arena.floor
        if arena.shape == "rectangle":  # a round arena has no corners
            w, h = arena.size_cm
            corners = np.array([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
            out["front_corner_cm"] = np.min(np.linalg.norm(front[:, None, :] - corners[None], axis=2), axis=1)
        out["front_minus_body_wall_cm"] = (floor_wall_distance(front, floor)
                                           - floor_wall_distance(body if body is not None else rear, floor))
    return out


# --------------------------------------------------------------------------- baseline


def fit_length_threshold(body_length_ratio: np.ndarray, y: np.ndarray, positive: str = "rearing") -> float:
    """Baseline: the relative body length below which a frame is called ``positive``.

    The threshold maximising the frame F1 of ``positive`` on the given frames.

    Parameters
    ----------
    body_length_ratio
        Per-frame body length over its median.
    y
        Per-frame labels.
    positive
        The class called when the body is short.

    Returns
    -------
    float
        The threshold.
    """
    r = np.asarray(body_length_ratio, dtype=float)
    truth = np.asarray(y) == positive
    ok = np.isfinite(r)
    if not ok.any():
        raise OpenfieldError("no frame has a body length: cannot fit the baseline")
    r, truth = r[ok], truth[ok]
    candidates = np.unique(np.quantile(r, np.linspace(0.01, 0.99, 99)))
    # F1 of all 99 candidate thresholds at once, vectorised (openfield.behavior.metrics scores one
    # labelling at a time; this is the same F1 = 2 TP / (predicted + true))
    called = r[None, :] < candidates[:, None]  # (thresholds, frames)
    tp = (called & truth).sum(axis=1)
    f1 = 2 * tp / np.maximum(called.sum(axis=1) + truth.sum(), 1)
    return float(candidates[int(np.argmax(f1))])


def predict_length_threshold(
    body_length_ratio: np.ndarray, threshold: float, background: str = "other", positive: str = "rearing"
) -> np.ndarray:
    """Labels of the baseline: ``positive`` where the relative body length is below the threshold."""
    r = np.asarray(body_length_ratio, dtype=float)
    return np.where(np.isfinite(r) & (r < threshold), positive, background).astype(object)


# --------------------------------------------------------------------------- model


def limit_threads(n_threads: int = 1) -> Any:
    """Context manager capping the OpenMP/BLAS threads of scikit-learn.

    Gradient boosting's OpenMP threads spin while they wait; on a machine
    whose cores are busy with other work, more threads than free cores make
    a fit tens of times slower, so the default is one thread.
    """
    return threadpool_limits(limits=max(1, int(n_threads)))


class BalancedClassifier:
    """A classifier whose probabilities are re-weighted as if every class were equally frequent.

    The wrapped estimator is fitted on the frames as they are; its
    probabilities are then divided by each class's training frequency and
    renormalised (the Bayes correction for a change of class priors). This
    has the effect of ``class_weight="balanced"`` (rare behaviours are not
    drowned by the background) without scikit-learn's weighted feature
    binning, which is tens of times slower.

    Parameters
    ----------
    estimator
        An unfitted scikit-learn classifier with ``predict_proba``.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> BalancedClassifier:
        """Fit the estimator and record the class frequencies."""
        self.estimator.fit(X, y)
        self.classes_ = self.estimator.classes_
        y = np.asarray(y)
        self.class_prior_ = np.array([(y == c).mean() for c in self.classes_])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities under equal class priors."""
        p = self.estimator.predict_proba(X) / self.class_prior_
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Most probable class under equal class priors."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def make_estimator(seed: int = 0) -> BalancedClassifier:
    """The classifier: histogram gradient boosting (handles missing points), balanced over classes."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # lazy: scikit-learn is optional (the 'behavior' extra)

    return BalancedClassifier(
        HistGradientBoostingClassifier(
            learning_rate=0.1,
            max_iter=100,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    )


def full_probabilities(estimator: Any, features: pd.DataFrame, classes: Sequence[str]) -> np.ndarray:
    """Class probabilities ``(n_frames, len(classes))``; classes never seen in training get 0."""
    proba = estimator.predict_proba(features)
    out = np.zeros((len(features), len(classes)))
    for j, c in enumerate(estimator.classes_):
        out[:, list(classes).index(str(c))] = proba[:, j]
    return out


def block_folds(groups: Sequence[np.ndarray], n_blocks: int, gap_frames: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation folds that never mix frames of one time block between train and test.

    With several recordings, each recording is one fold (leave one
    recording out). With one, it is cut into ``n_blocks`` contiguous time
    blocks, each the test set once; training frames within ``gap_frames``
    of the test block are left out, so that rolling windows do not leak.

    Parameters
    ----------
    groups
        Per recording, an array of its frame indices in the stacked data.
    n_blocks
        Blocks for a single recording.
    gap_frames
        Frames dropped either side of a test block.

    Returns
    -------
    list
        ``(train_index, test_index)`` pairs into the stacked frames.
    """
    if len(groups) > 1:
        all_idx = np.concatenate(groups)
        return [(np.setdiff1d(all_idx, g), g) for g in groups]
    idx = groups[0]
    n = len(idx)
    if n_blocks < 2 or n < 2 * n_blocks:
        raise OpenfieldError(f"cannot cut {n} frames into {n_blocks} cross-validation blocks")
    edges = np.linspace(0, n, n_blocks + 1).round().astype(int)
    folds = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        train = np.r_[idx[: max(0, a - gap_frames)], idx[min(n, b + gap_frames) :]]
        folds.append((train, idx[a:b]))
    return folds


@dataclass
class PoseBehaviorModel:
    """A trained pose classifier and everything needed to apply it to another recording.

    Attributes
    ----------
    estimator
        The fitted scikit-learn classifier.
    classes
        Output classes, in probability-column order.
    feature_names
        Feature columns the estimator expects.
    roles
        Role -> body-part name in the training data (the roles are required).
    uses_arena
        Whether wall distances are features (the arena must then be known).
    windows_s, min_likelihood, max_gap_s
        Feature settings (times in seconds, so any fps works).
    fps_trained
        Frame rates of the training recordings (for information).
    min_bout_s
        Default minimum bout for predictions.
    baseline_threshold
        Body-length-ratio threshold of the baseline fitted on the same data.
    cv
        Cross-validation summary (records of :func:`~openfield.behavior.metrics.evaluate_frames`).
    training
        Provenance: files, frames per class, label mapping.
    """

    estimator: Any
    classes: list[str]
    feature_names: list[str]
    roles: dict[str, str]
    uses_arena: bool
    windows_s: tuple[float, ...] = DEFAULT_WINDOWS_S
    min_likelihood: float = 0.5
    max_gap_s: float = 0.5
    fps_trained: list[float] = field(default_factory=list)
    min_bout_s: float = 0.2
    baseline_threshold: float | None = None
    cv: list[dict[str, Any]] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    software_version: str = __version__
    extended_features: bool = False

    def missing_body_parts(self, keypoints: Sequence[str]) -> list[str]:
        """The body parts the model needs that ``keypoints`` lack, as ``"name (role)"``; empty when none.

        Lets a caller refuse a pose before any work (e.g. a tracker pose for a
        model trained on ears and hips).
        """
        found = feature_roles(keypoints)
        return [f"{self.roles[r]} ({r})" for r in self.roles if r not in found]

    @property
    def uses_silhouette(self) -> bool:
        """Whether the model was trained with the tracker's silhouette (:mod:`openfield.behavior.silhouette`).

        Such a model needs the pose's ``<stem>_silhouette.csv``; a DeepLabCut pose has none.
        """
        return any(f.startswith("silhouette_") for f in self.feature_names)

    def features(self, ds: xr.Dataset, arena: ArenaGeometry | None = None) -> pd.DataFrame:
        """The model's features of a recording, checking its body parts and arena fit.

        Raises
        ------
        OpenfieldError
            Naming the file: body parts the model needs are missing, or the
            model uses wall distances and no arena is known.
        """
        source = ds.attrs.get("source_file")
        missing = self.missing_body_parts([str(k) for k in ds["keypoints"].values])
        if missing:
            raise OpenfieldError(
                f"the model was trained on body parts this pose file lacks: {', '.join(missing)}; "
                f"it has {sorted(str(k) for k in ds['keypoints'].values)}",
                source,
            )
        if self.uses_silhouette and "silhouette" not in ds:
            raise OpenfieldError(
                "the model was trained with the classical tracker's silhouette (area, length, width per frame), "
                "which this pose lacks: give its silhouette table (<stem>_silhouette.csv, written beside the "
                "tracker's pose), or use a model trained without silhouette tables",
                source,
            )
        if self.uses_arena and arena is None:
            raise OpenfieldError(
                "the model uses the distance to the walls, but this recording's arena is unknown: give "
                "--arena-size-cm (with tracked corners tl, tr, br, bl) or --calibration",
                source,
            )
        feats = pose_features(
            ds, arena if self.uses_arena else None, self.windows_s, self.min_likelihood, self.max_gap_s,
            self.extended_features,
        )
        absent = [f for f in self.feature_names if f not in feats.columns]
        if absent:
            raise OpenfieldError(f"cannot compute the model's features {absent[:5]}...", source)
        return feats[self.feature_names]

    def predict_proba(self, ds: xr.Dataset, arena: ArenaGeometry | None = None, n_threads: int = 1) -> np.ndarray:
        """Class probabilities ``(n_frames, n_classes)`` of a recording."""
        feats = self.features(ds, arena)
        with limit_threads(n_threads):
            return full_probabilities(self.estimator, feats, self.classes)


@dataclass
class Recording:
    """One training recording: pose, arena, and per-rater per-frame labels."""

    name: str
    ds: xr.Dataset
    per_rater: dict[str, np.ndarray]
    arena: ArenaGeometry | None = None

    @property
    def majority(self) -> np.ndarray:
        """Majority of the raters (ties to the background class ``other``)."""
        return majority_vote(self.per_rater, tie="other")


def _recording_features(
    recs: Sequence[Recording],
    uses_arena: bool,
    windows_s: Sequence[float],
    min_likelihood: float,
    max_gap_s: float,
    extended: bool = False,
) -> list[pd.DataFrame]:
    feats = [pose_features(r.ds, r.arena if uses_arena else None, windows_s, min_likelihood, max_gap_s, extended)
             for r in recs]
    common = [c for c in feats[0].columns if all(c in f.columns for f in feats[1:])]
    dropped = sorted(set().union(*[set(f.columns) for f in feats]) - set(common))
    if dropped:
        log.info("features not computable in every recording, left out: %s", dropped[:10])
    return [f[common] for f in feats]


def train_pose_model(
    recordings: Sequence[Recording],
    classes: Sequence[str] = CLASSES,
    windows_s: Sequence[float] = DEFAULT_WINDOWS_S,
    n_blocks: int = 5,
    min_bout_s: float = 0.2,
    min_likelihood: float = 0.5,
    max_gap_s: float = 0.5,
    seed: int = 0,
    n_threads: int = 1,
    extended: bool = False,
) -> tuple[PoseBehaviorModel, pd.DataFrame]:
    """Cross-validate, then fit the classifier on all frames (majority of the raters).

    Parameters
    ----------
    recordings
        Training recordings, each with one or more raters' labels.
    classes
        Output classes, any names (:func:`openfield.behavior.labels.model_classes`); the
        background-like one (``other``) labels unlabelled frames.
    windows_s, min_likelihood, max_gap_s
        Feature settings, see :func:`pose_features`.
    n_blocks
        Contiguous time blocks for cross-validation of a single recording
        (several recordings: leave one recording out).
    min_bout_s
        Minimum bout applied to held-out predictions before scoring, and
        stored as the model's default.
    seed
        Random seed of the classifier.
    n_threads
        Threads for the classifier (see :func:`limit_threads`).
    extended
        Add the three-point features (:func:`extended_features`).

    Returns
    -------
    tuple
        The model and the cross-validation table: :func:`~openfield.behavior.metrics.evaluate_frames`
        rows of the pooled held-out predictions of the model (``compared``
        = ``model``) and, for a model with a ``rearing`` class, of the body-length baseline (``baseline``) against
        each rater and the majority, plus the raters against each other
        on the same frames. The model's ``training["cv_confusion"]`` holds the
        held-out frames per majority class and model class (``{majority: {model: frames}}``).
    """
    if not recordings:
        raise OpenfieldError("no training recordings")
    classes = [str(c) for c in classes]
    uses_arena = all(r.arena is not None for r in recordings)
    if not uses_arena and any(r.arena is not None for r in recordings):
        log.warning("the arena is known for some recordings only: wall distances not used")
    feats = _recording_features(recordings, uses_arena, windows_s, min_likelihood, max_gap_s, extended)
    X = pd.concat(feats, ignore_index=True)
    y = np.concatenate([r.majority for r in recordings]).astype(str)
    present = [c for c in classes if (y == c).any()]
    for c in classes:
        if c not in present:
            log.warning("no %s frames in the training labels: the model cannot predict %s", c, c)
    if len(present) < 2:
        raise OpenfieldError(f"the training labels have a single class ({present}); nothing to learn")
    offsets = np.cumsum([0] + [len(f) for f in feats])
    groups = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    fps_list = [float(r.ds.attrs["fps"]) for r in recordings]
    gap = int(np.ceil(max(windows_s) / 2 * max(fps_list))) + 1
    folds = block_folds(groups, n_blocks, gap)
    background = next((c for c in classes if c in BACKGROUND_NAMES), classes[-1])
    oof_model = np.empty(len(y), dtype=object)
    # the body-length baseline calls rearing: only for a model that has the class
    baseline = BASELINE_CLASS if BASELINE_CLASS in classes else None
    oof_base = np.empty(len(y), dtype=object)
    for k, (train, test) in enumerate(folds):
        if len(np.unique(y[train])) < 2:
            raise OpenfieldError(
                f"cross-validation fold {k + 1} of {len(folds)} has training frames of one class only "
                f"({y[train][0]}): use fewer --cv-blocks, or more labelled recordings"
            )
        with limit_threads(n_threads):
            est = make_estimator(seed).fit(X.iloc[train], y[train])
        # smoothing within each recording's part of the test block
        fps_test = fps_list[int(np.searchsorted(offsets, test[0], side="right") - 1)]
        proba = full_probabilities(est, X.iloc[test], classes)
        oof_model[test] = labels_from_probabilities(proba, classes, fps_test, min_bout_s)
        if baseline:
            thr = fit_length_threshold(X["body_length_ratio"].to_numpy()[train], y[train])
            base = predict_length_threshold(X["body_length_ratio"].to_numpy()[test], thr, background)
            oof_base[test] = smooth_labels(base, fps_test, min_bout_s)
    per_rater_all: dict[str, list[np.ndarray]] = {}
    raters = sorted({r for rec in recordings for r in rec.per_rater})
    for rater in raters:
        per_rater_all[rater] = [rec.per_rater.get(rater) for rec in recordings]
    tables = []
    refs = {rater: np.concatenate(v) for rater, v in per_rater_all.items() if all(x is not None for x in v)}
    refs_with_majority = {**refs, "majority": y.astype(object)}
    for name, pred in (("model", oof_model), *((("baseline", oof_base),) if baseline else ())):
        t = evaluate_frames(pred, refs_with_majority, classes, pred_name=name)
        tables.append(t[t["kind"] == "prediction"])
    if len(refs) > 1:
        t = evaluate_frames(None, refs, classes)
        tables.append(t)
    cv_table = pd.concat(tables, ignore_index=True)
    cv_table.insert(0, "cv", "recordings" if len(recordings) > 1 else f"{n_blocks} time blocks")
    # which class the held-out frames of each majority class were called: {majority class: {model class: frames}}
    held_out = oof_model.astype(str)
    confusion = {t: {c: int(((y == t) & (held_out == c)).sum()) for c in classes} for t in classes}
    with limit_threads(n_threads):
        estimator = make_estimator(seed).fit(X, y)
    threshold = fit_length_threshold(X["body_length_ratio"].to_numpy(), y) if baseline else None
    roles = dict(
        feats[0].attrs.get("roles") or feature_roles([str(k) for k in recordings[0].ds["keypoints"].values])
    )
    for r in recordings[1:]:
        other = feature_roles([str(k) for k in r.ds["keypoints"].values])
        roles = {k: v for k, v in roles.items() if k in other}
    model = PoseBehaviorModel(
        estimator=estimator,
        classes=classes,
        feature_names=list(X.columns),
        roles=roles,
        uses_arena=uses_arena,
        windows_s=tuple(float(w) for w in windows_s),
        min_likelihood=min_likelihood,
        max_gap_s=max_gap_s,
        fps_trained=fps_list,
        min_bout_s=min_bout_s,
        baseline_threshold=threshold,
        extended_features=extended,
        cv=cv_table.to_dict("records"),
        training={
            "recordings": [r.name for r in recordings],
            "n_frames": int(len(y)),
            "frames_per_class": {c: int((y == c).sum()) for c in classes},
            "cv_confusion": confusion,
            "raters": raters,
        },
    )
    return model, cv_table
