"""The arena: its floor in the image, the map from pixels to centimetres, and how to find and calibrate it.

One module per job:

- :mod:`~openfield.arena.geometry`: the floor's shapes (rectangle, circle,
  polygon) as :class:`ArenaGeometry`, the arena JSON object
  (:func:`arena_from_dict`) and the maps from pixels to cm (homographies);
- :mod:`~openfield.arena.model`: :class:`Calibration`, the result of every
  calibration method;
- :mod:`~openfield.arena.zones`: zones as geometry in the arena's cm (the
  default zones of each shape, a lab's zones file, membership, entries);
- :mod:`~openfield.arena.detect`: one rectangular floor found in an image;
- :mod:`~openfield.arena.rectangle`: a rectangle's calibration from its
  corners (detected, given, or tracked in a pose file);
- :mod:`~openfield.arena.shape`: a floor of any shape (round ones too)
  found and calibrated;
- :mod:`~openfield.arena.multi`: several floors in one image;
- :mod:`~openfield.arena.reference`: the mouse-length and two-point methods;
- :mod:`~openfield.arena.draw`: pictures of what was found.

This package's namespace holds the data model (geometry and calibration);
the calibration stage's functions are gathered in :mod:`openfield.calibration`.
"""

from openfield.arena.geometry import (
    FILE_SHAPES,
    SHAPES,
    ArenaGeometry,
    apply_homography,
    arena_from_dict,
    circle_homography,
    ellipse_points,
    homography_from_corners,
    order_corners,
    polygon_area,
    polygon_homography,
    side_scales,
)
from openfield.arena.model import METHODS, Calibration

__all__ = [
    "FILE_SHAPES",
    "METHODS",
    "SHAPES",
    "ArenaGeometry",
    "Calibration",
    "apply_homography",
    "arena_from_dict",
    "circle_homography",
    "ellipse_points",
    "homography_from_corners",
    "order_corners",
    "polygon_area",
    "polygon_homography",
    "side_scales",
]
