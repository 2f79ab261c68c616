"""The result of every calibration method: :class:`Calibration`, pixels to centimetres.

A small JSON file holds it (:meth:`Calibration.to_dict`, read and written by
:mod:`openfield.io.calibration`); the methods that make it are in
:mod:`openfield.calibration`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from openfield import __version__
from openfield.arena.geometry import ArenaGeometry, apply_homography, arena_from_dict
from openfield.errors import OpenfieldError

METHODS = ("arena", "mouse", "points")
_REQUIRED_FIELDS = ("method", "px_per_cm", "homography", "arena_corners_px")


@dataclass
class Calibration:
    """A pixel-to-centimetre calibration.

    Attributes
    ----------
    method
        ``"arena"``, ``"mouse"`` or ``"points"``.
    px_per_cm
        Pixels per centimetre (mean scale; with a homography, the mean over
        the arena's four sides).
    homography
        3x3 matrix mapping pixel ``(x, y, 1)`` to arena cm, or None.
    arena_corners_px
        Floor corners in pixels, ordered top-left, top-right, bottom-right,
        bottom-left (4x2), or None.
    arena_size_cm
        Floor width and height in cm, or None.
    measurements
        One record per reference image (what was measured there).
    inputs
        The arguments the calibration was made from.
    residual
        How well the inputs agree (e.g. relative spread of px/cm).
    software_version
        openfield version that wrote it.
    arena
        The floor's geometry in the image (:class:`openfield.arena.ArenaGeometry`):
        a rectangle (made from ``arena_corners_px`` when not given), a circle
        or a polygon; None without an arena.
    """

    method: str
    px_per_cm: float
    homography: np.ndarray | None = None
    arena_corners_px: np.ndarray | None = None
    arena_size_cm: tuple[float, float] | None = None
    measurements: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    residual: dict[str, Any] = field(default_factory=dict)
    software_version: str = __version__
    arena: ArenaGeometry | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OpenfieldError(f"unknown calibration method {self.method!r}; use one of {METHODS}")
        if not (np.isfinite(self.px_per_cm) and self.px_per_cm > 0):
            raise OpenfieldError(f"px_per_cm must be a positive number, got {self.px_per_cm}")
        if self.homography is not None:
            self.homography = np.asarray(self.homography, dtype=float).reshape(3, 3)
        if self.arena_corners_px is not None:
            self.arena_corners_px = np.asarray(self.arena_corners_px, dtype=float).reshape(4, 2)
        if self.arena_size_cm is not None:
            self.arena_size_cm = (float(self.arena_size_cm[0]), float(self.arena_size_cm[1]))
        if self.arena is None and self.arena_corners_px is not None:
            self.arena = ArenaGeometry("rectangle", corners_px=self.arena_corners_px)

    @property
    def shape(self) -> str | None:
        """The floor's shape: ``"rectangle"``, ``"circle"``, ``"polygon"``, or None without an arena."""
        return None if self.arena is None else self.arena.shape

    @property
    def polygon_cm(self) -> np.ndarray | None:
        """A polygon floor's corners in arena cm (None for any other shape)."""
        if self.arena is None or self.arena.shape != "polygon" or self.homography is None:
            return None
        return apply_homography(self.homography, self.arena.corners_px)

    @property
    def floor_outline_px(self) -> np.ndarray | None:
        """The floor's outline in the image, a closed polygon ``(N, 2)`` in px (None without an arena)."""
        return None if self.arena is None else self.arena.outline_px()

    @property
    def has_arena(self) -> bool:
        """True when arena cm coordinates (and so zones) are available."""
        return self.homography is not None and self.arena_size_cm is not None

    def px_to_cm(self, points_px: np.ndarray) -> np.ndarray:
        """Map pixel coordinates to cm.

        Parameters
        ----------
        points_px
            Array ``(..., 2)`` of pixel x, y; NaN stays NaN.

        Returns
        -------
        numpy.ndarray
            Same shape, in arena cm when there is a homography, else
            pixels divided by ``px_per_cm`` (origin at the image corner).
        """
        pts = np.asarray(points_px, dtype=float)
        if self.homography is None:
            return pts / self.px_per_cm
        return apply_homography(self.homography, pts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        arena = self.arena
        self.arena = None  # asdict would copy its arrays; written as its JSON object below
        try:
            d = asdict(self)
        finally:
            self.arena = arena
        for key in ("homography", "arena_corners_px"):
            value = getattr(self, key)
            d[key] = None if value is None else np.asarray(value).tolist()
        d["arena_size_cm"] = None if self.arena_size_cm is None else list(self.arena_size_cm)
        d["shape"] = self.shape
        d["arena"] = None if arena is None else arena.to_dict()
        if arena is not None and arena.shape == "circle":
            d["center_px"] = list(arena.center_px)  # type: ignore[arg-type]
            d["radius_px"] = arena.radius_px
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: str | os.PathLike[str] | None = None) -> Calibration:
        """Build from a dictionary, naming what is missing or wrong."""
        if not isinstance(d, dict):
            raise OpenfieldError("calibration must be a JSON object", path)
        missing = [k for k in _REQUIRED_FIELDS if k not in d]
        if missing:
            raise OpenfieldError(f"calibration file is missing field(s): {', '.join(missing)}", path)
        try:
            return cls(
                method=d["method"],
                px_per_cm=float(d["px_per_cm"]),
                homography=d["homography"],
                arena_corners_px=d["arena_corners_px"],
                arena_size_cm=d.get("arena_size_cm"),
                measurements=list(d.get("measurements") or []),
                inputs=dict(d.get("inputs") or {}),
                residual=dict(d.get("residual") or {}),
                software_version=str(d.get("software_version", "unknown")),
                arena=None if d.get("arena") is None else arena_from_dict(d["arena"], path),
            )
        except OpenfieldError as exc:
            raise OpenfieldError(exc.message, path) from exc
        except (TypeError, ValueError) as exc:
            raise OpenfieldError(f"calibration file has a malformed field ({exc})", path) from exc
