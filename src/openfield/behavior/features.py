"""Per-frame posture and movement features of one recording, for the pose classifier.

The approach of DLCAnalyzer and SimBA: describe each frame by the animal's
posture and movement around it (body length, head-to-body geometry, speeds,
likelihoods, distance to the walls, each summarised over rolling windows
reaching into the past and the future).

Units: lengths are in units of the animal's median body length in the
recording (so features do not depend on the camera's zoom), speeds in body
lengths per second, angles in degrees, wall distances in cm, windows in
seconds (so a model works at any frame rate). Pure functions: a pose Dataset
in, a DataFrame out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from openfield.arena import apply_homography
from openfield.behavior.feature_arena import FeatureArena, floor_wall_distance
from openfield.behavior.roles import HEAD_ROLES, anchor_points, feature_roles, required_roles_message
from openfield.behavior.silhouette import silhouette_features
from openfield.errors import OpenfieldError

#: Default rolling windows (s), centred on the frame: half in the past, half in the future.
DEFAULT_WINDOWS_S = (0.2, 0.5, 1.0, 2.0)


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
    arena: FeatureArena | None = None,
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
        :func:`~openfield.behavior.feature_arena.floor_wall_distance`; the wall contact of supported rearing); then
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
    anchors = anchor_points(points)
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
    arena: FeatureArena | None = None,
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
