"""Several arena floors in one image (a rig of open fields filmed by one camera): found, numbered, calibrated.

Every floor region of :func:`openfield.arena.detect.detect_arena`'s
segmentations is kept, numbered row-major from the image's top-left, and
calibrated on its own (one homography per floor).
"""

from __future__ import annotations

import cv2
import numpy as np

from openfield.arena.detect import floor_masks, image_names, open_mask, quad_from_contour
from openfield.arena.geometry import order_corners, side_scales
from openfield.arena.model import Calibration
from openfield.arena.rectangle import arena_calibration, check_arena_size, median_corners
from openfield.errors import OpenfieldError
from openfield.segmentation import to_gray


def detect_arenas(
    image: np.ndarray,
    n: int | None = None,
    floor: str = "auto",
    min_area_fraction: float = 0.01,
    similar_area: float = 0.4,
) -> list[np.ndarray]:
    """Find every arena floor in a top-view image of several open fields.

    The segmentations of :func:`detect_arena` are used, but every region
    is kept (not only the largest), including floors seen inside a light
    surround; each becomes a sub-pixel quadrilateral as in
    :func:`detect_arena`. Floors are numbered row-major from the image's
    top-left (:func:`number_arenas`).

    Parameters
    ----------
    image
        BGR or grey image (a video's median background is best: no animals).
    n
        How many arenas there are; None finds out (the segmentation with the
        most plausible floors). With ``n``, a segmentation that finds exactly
        ``n`` is preferred, and finding another number is an error.
    floor
        ``"light"``, ``"dark"`` or ``"auto"`` (see :func:`detect_arena`).
    min_area_fraction
        Smallest floor area accepted, as a fraction of the image.
    similar_area
        Floors smaller than this fraction of the largest floor found are
        left out (the boxes of one rig are the same size).

    Returns
    -------
    list of numpy.ndarray
        One ``(4, 2)`` array of corners per arena (top-left, top-right,
        bottom-right, bottom-left, px), arena 1 first.

    Raises
    ------
    OpenfieldError
        ``n < 1``; no floor found; or ``n`` given and another number found
        (the message says how many and where their centres are).
    """
    if n is not None and (isinstance(n, bool) or int(n) != n or n < 1):
        raise OpenfieldError(f"the number of arenas must be a whole number >= 1 (or auto), not {n!r}")
    if floor not in ("auto", "light", "dark"):
        raise OpenfieldError(f"floor must be auto, light or dark, not {floor!r}")
    gray = cv2.GaussianBlur(to_gray(image), (5, 5), 0)
    found = [_quads_from_mask(mask, min_area_fraction, similar_area) for mask in floor_masks(gray, floor)]
    found = [f for f in found if f]
    if not found:
        expected = "" if n is None else f"expected {n} arena{'s' if n != 1 else ''}, found none: "
        raise OpenfieldError(
            f"{expected}arena not found: no four-cornered floor contrasting with its surround "
            f"(at least {min_area_fraction:.0%} of the image, not running along the image border); "
            "give the corners with --arena-corners"
        )
    exact = [f for f in found if len(f) == n]
    best = max(exact or found, key=lambda f: (len(f), sum(a for _, a in f)))
    quads = number_arenas([q for q, _ in best])
    if n is not None and len(quads) != n:
        centres = ", ".join(f"({c[0]:.0f}, {c[1]:.0f})" for c in (q.mean(axis=0) for q in quads))
        raise OpenfieldError(
            f"expected {n} arena{'s' if n != 1 else ''}, found {len(quads)} "
            f"(centre{'s' if len(quads) != 1 else ''} at {centres} px); check the image, the number of "
            "arenas, or give the corners with --arena-corners"
        )
    return quads


def _quads_from_mask(
    mask: np.ndarray, min_area_fraction: float, similar_area: float
) -> list[tuple[np.ndarray, float]]:
    """Every region of a mask that is a plausible floor, as (corners, area)."""
    # CCOMP: the outer boundary of every region, also of a floor inside a hole of a light surround
    contours, hierarchy = cv2.findContours(open_mask(mask), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return []
    outer = [c for c, hier in zip(contours, hierarchy[0], strict=True) if hier[3] < 0]
    quads = [q for q in (quad_from_contour(c, mask.shape, min_area_fraction) for c in outer) if q is not None]
    if not quads:
        return []
    largest = max(a for _, a in quads)
    return [(q, a) for q, a in quads if a >= similar_area * largest]


def number_arenas(corners: list[np.ndarray]) -> list[np.ndarray]:
    """Order arenas row-major from the image's top-left: by rows of centre y, then by x.

    Centres whose y differ by less than half the median floor height are in
    the same row, so a slightly rotated or tilted rig still groups by rows.

    Parameters
    ----------
    corners
        One ``(4, 2)`` array per arena.

    Returns
    -------
    list of numpy.ndarray
        The same arrays, arena 1 (top-left) first.
    """
    if not corners:
        return []
    centres = np.array([np.asarray(c, float).mean(axis=0) for c in corners])
    heights = np.array([np.ptp(np.asarray(c, float)[:, 1]) for c in corners])
    tolerance = 0.5 * float(np.median(heights))
    rows: list[list[int]] = []
    for i in np.argsort(centres[:, 1], kind="stable"):
        if rows and abs(centres[i, 1] - np.mean(centres[rows[-1], 1])) < tolerance:
            rows[-1].append(int(i))
        else:
            rows.append([int(i)])
    order = [i for row in rows for i in sorted(row, key=lambda j: centres[j, 0])]
    return [np.asarray(corners[i], float) for i in order]


def calibrate_arenas(
    images: list[np.ndarray],
    arena_size_cm: tuple[float, float],
    n: int | None = None,
    corners_px: list[np.ndarray] | None = None,
    floor: str = "auto",
    names: list[str] | None = None,
) -> list[Calibration]:
    """Calibrate every arena of a multi-arena image: one homography per floor.

    Parameters
    ----------
    images
        Reference images (top view of all arenas; a video's median
        background); ignored when ``corners_px`` is given.
    arena_size_cm
        Floor width (along the top edge) and height of every arena, in cm.
    n
        How many arenas (None: as many as found, see :func:`detect_arenas`).
    corners_px
        Corners given by hand, one ``(4, 2)`` per arena, in the arenas'
        numbering order (each arena's corners in any order); skips
        detection.
    floor
        Passed to :func:`detect_arenas`.
    names
        Labels of the images (file names).

    Returns
    -------
    list of Calibration
        Arena 1 first; each maps pixels to that arena's own cm (origin at
        its floor's top-left corner), so a rotated or tilted box is
        corrected on its own. ``inputs`` has ``arena`` (1-based) and
        ``n_arenas``; with several images, each arena's corners are the
        per-corner median and ``residual["corner_spread_px"]`` the largest
        distance of an image's corner from it.
    """
    check_arena_size(arena_size_cm)
    w, h = arena_size_cm
    names = image_names(images, names)
    if corners_px is not None:
        if n is not None and len(corners_px) != n:
            raise OpenfieldError(f"expected {n} arenas, but {len(corners_px)} are given by their corners")
        if not len(corners_px):
            raise OpenfieldError("no arena corners given")
        per_image = [[order_corners(np.asarray(c, dtype=float)) for c in corners_px]]
        sources = ["given corners"]
    else:
        if not images:
            raise OpenfieldError("arena calibration needs at least one image or --arena-corners")
        per_image = []
        for name, image in zip(names, images, strict=True):
            try:
                per_image.append(detect_arenas(image, n=n, floor=floor))
            except OpenfieldError as exc:
                raise OpenfieldError(exc.message, name) from exc
            if len(per_image[-1]) != len(per_image[0]):
                raise OpenfieldError(
                    f"{len(per_image[-1])} arenas found here but {len(per_image[0])} in {names[0]}; "
                    "give --arenas N", name,
                )
        sources = names
    n_found = len(per_image[0])
    cals = []
    for k in range(n_found):
        measurements = [{"image": src, "arena": k + 1, "corners_px": quads[k].tolist(),
                         "px_per_cm": float(side_scales(quads[k], arena_size_cm).mean())}
                        for src, quads in zip(sources, per_image, strict=True)]
        corners, spread = median_corners([quads[k] for quads in per_image])
        inputs = {"arena_size_cm": [float(w), float(h)], "floor": floor, "corners_given": corners_px is not None,
                  "images": names, "arena": k + 1, "n_arenas": n_found}
        cals.append(arena_calibration(corners, arena_size_cm, measurements, spread, inputs))
    return cals
