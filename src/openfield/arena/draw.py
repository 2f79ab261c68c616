"""Pictures of a calibration: what was detected (corners, floor outline, measured axis), drawn on a copy of an image.

They return BGR images; writing them is the caller's (the command line's
``--show``, the pipeline).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from openfield.arena.model import Calibration


def draw_calibration(image: np.ndarray, cal: Calibration, measurement: dict[str, Any] | None = None) -> np.ndarray:
    """Draw what was detected (corners, floor outline, measured axis) on a copy of the image."""
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    corners = None
    if measurement and "corners_px" in measurement:
        corners = np.asarray(measurement["corners_px"])
    elif cal.arena_corners_px is not None:
        corners = cal.arena_corners_px
    if corners is None and cal.arena is not None:
        outline = cal.arena.outline_px()
        cv2.polylines(out, [np.round(outline).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), 2)
        if cal.arena.shape == "circle":
            cx, cy = cal.arena.center_px  # type: ignore[misc]
            cv2.drawMarker(out, (int(round(cx)), int(round(cy))), (0, 200, 0), cv2.MARKER_CROSS, 16, 2)
    if corners is not None:
        cv2.polylines(out, [np.round(corners).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), 2)
        for label, (x, y) in zip(("TL", "TR", "BR", "BL"), corners, strict=True):
            cv2.circle(out, (int(round(x)), int(round(y))), 6, (0, 200, 0), -1)
            cv2.putText(out, label, (int(x) + 8, int(y) + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 120, 255), 2)
    if measurement and "axis_endpoints_px" in measurement:
        (x1, y1), (x2, y2) = measurement["axis_endpoints_px"]
        cv2.line(out, (int(x1), int(y1)), (int(x2), int(y2)), (0, 0, 255), 2)
        cv2.putText(out, f"{measurement['length_px']:.1f} px", (int(x2) + 5, int(y2)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
    text = f"{cal.method}: {cal.px_per_cm:.3f} px/cm"
    cv2.putText(out, text, (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 0, 0), 2)
    return out


def draw_arenas(
    image: np.ndarray, corners_list: list[np.ndarray], labels: list[str] | None = None
) -> np.ndarray:
    """Draw each arena's outline and its number at its centre on a copy of the image.

    Parameters
    ----------
    image
        BGR or grey image.
    corners_list
        One ``(4, 2)`` array of corners per arena, arena 1 first.
    labels
        Text per arena; default its number ``1..N``.

    Returns
    -------
    numpy.ndarray
        BGR image.
    """
    out = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    labels = labels or [str(k) for k in range(1, len(corners_list) + 1)]
    scale = max(0.6, min(out.shape[:2]) / 400)
    thick = max(2, int(round(scale * 2)))
    for corners, label in zip(corners_list, labels, strict=True):
        c = np.asarray(corners, float).reshape(-1, 2)
        cv2.polylines(out, [np.round(c).astype(np.int32).reshape(-1, 1, 2)], True, (0, 0, 255), thick)
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        cx, cy = c.mean(axis=0)
        org = (int(round(cx - tw / 2)), int(round(cy + th / 2)))
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick + 3, cv2.LINE_AA)
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (200, 0, 0), thick, cv2.LINE_AA)
    return out
