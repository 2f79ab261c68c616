"""The one body-part vocabulary: names in pose files -> roles.

The classical tracker writes ``head``, ``body`` and ``tail``; DeepLabCut
projects use many spellings (``nose``/``snout``, ``bodycentre``,
``tailbase``/``tail_base`` ...). Every stage that needs a particular point
(kinematics' reference point, the behaviour features) asks this module, so a
tracker file and a DeepLabCut file with nose/bodycentre/tailbase are read the
same way.

Roles ``head`` ~ nose/snout/head, ``body`` ~ bodycentre/body/back (a bare
``centre`` is left out: DeepLabCut files use it for the arena's centre), ``tail``
~ tailbase/tail_base/tail are the three the tracker gives; the others (ears,
neck, sides, hips) come from richer DeepLabCut skeletons.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Role -> accepted body-part names (lower case), most specific first.
BODY_PART_ALIASES: dict[str, tuple[str, ...]] = {
    "nose": ("nose", "snout"),
    "head": ("headcentre", "headcenter", "head_centre", "head_center", "head"),
    "neck": ("neck",),
    "ear_left": ("earl", "leftear", "left_ear", "ear_left", "earleft"),
    "ear_right": ("earr", "rightear", "right_ear", "ear_right", "earright"),
    "body": ("bodycentre", "bodycenter", "body_centre", "body_center", "body", "centroid", "midbody",
             "back", "mid_back", "midback"),
    "side_left": ("bcl", "bodyl", "body_left", "leftside", "left_side", "side_left"),
    "side_right": ("bcr", "bodyr", "body_right", "rightside", "right_side", "side_right"),
    "hip_left": ("hipl", "lefthip", "left_hip", "hip_left"),
    "hip_right": ("hipr", "righthip", "right_hip", "hip_right"),
    "tailbase": ("tailbase", "tail_base", "tail-base", "tailstart", "tail"),
}

#: The classical tracker's three points and the roles they stand for: its ``head`` is the silhouette's front
#: tip (the nose), ``body`` its centre, ``tail`` the tail base. A richer pose is reduced to these by
#: :func:`openfield.behavior.roles.to_tracker_points`.
TRACKER_ROLES = {"head": "nose", "body": "body", "tail": "tailbase"}

#: The classical tracker's points, in the order it writes them (the one definition; the tracker, the run's
#: configuration and a new DeepLabCut project's default body parts use it).
TRACKER_KEYPOINTS: tuple[str, ...] = tuple(TRACKER_ROLES)


def resolve_body_parts(keypoints: Sequence[str]) -> dict[str, str]:
    """Map roles to a file's body-part names.

    Parameters
    ----------
    keypoints
        Body-part names of a pose file (any case).

    Returns
    -------
    dict
        Role -> body-part name as spelt in the file, for every role found.
        A tracker file (head, body, tail) gives ``{"head": "head", "body":
        "body", "tailbase": "tail"}``.

    Examples
    --------
    >>> resolve_body_parts(["Snout", "bodycentre", "tail_base"])
    {'nose': 'Snout', 'body': 'bodycentre', 'tailbase': 'tail_base'}
    """
    lower = {str(k).lower(): str(k) for k in keypoints}
    found: dict[str, str] = {}
    used: set[str] = set()
    for role, names in BODY_PART_ALIASES.items():
        for name in names:
            if name in lower and lower[name] not in used:
                found[role] = lower[name]
                used.add(lower[name])
                break
    return found


def find_role(keypoints: Sequence[str], role: str) -> str | None:
    """The body-part name that fills ``role`` (see :data:`BODY_PART_ALIASES`), or None."""
    if role not in BODY_PART_ALIASES:
        raise KeyError(f"unknown body-part role {role!r}; roles: {', '.join(BODY_PART_ALIASES)}")
    return resolve_body_parts(keypoints).get(role)
