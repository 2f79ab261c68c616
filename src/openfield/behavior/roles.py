"""Body-part roles of the pose features: which points a pose file has, and the anchors built from them.

The roles are those of the one body-part vocabulary, :mod:`openfield.bodyparts`
(names in a file -> ``nose``, ``head``, ``body``, ``tailbase`` ...); this module
adds the features' view of them: the tracker's ``head`` as the front point
(:data:`openfield.bodyparts.TRACKER_ROLES`), the front/head/body/rear anchors
whatever skeleton a file has, and a richer pose reduced to the tracker's three
points. Pure functions on names, arrays and xarray Datasets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from openfield.bodyparts import TRACKER_ROLES, resolve_body_parts
from openfield.errors import OpenfieldError

#: Roles of the head, whose likelihoods are features (they drop when a top view loses the head).
HEAD_ROLES = ("nose", "head", "ear_left", "ear_right")


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
        front = TRACKER_ROLES["head"]  # the tracker's head point stands for the nose
        roles = {(front if r == "head" else r): k for r, k in roles.items()}
    return roles


def _pair_mid(points: dict[str, np.ndarray], a: str, b: str) -> np.ndarray | None:
    if a in points and b in points:
        return (points[a] + points[b]) / 2
    return points.get(a, points.get(b))


def anchor_points(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
