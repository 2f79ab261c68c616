"""Pixels to centimetres: the calibration stage's functions, from the arena, a mouse of known length, or two points.

Three methods, one result, :class:`~openfield.arena.model.Calibration`, saved
as a small JSON file (:mod:`openfield.io.calibration`) that the kinematics
step reads:

``arena``
    The floor (found automatically, or given) and its real size give a map
    from image pixels to arena centimetres: a homography for a rectangle's
    four corners (a tilted camera is corrected), an affine map for a round
    floor (an ellipse in the image), the bounding box for a polygon.
``mouse``
    The nose-to-tail-base length of a segmented mouse in pixels, divided by
    its known length in cm.
``points``
    Two pixel points and the real distance between them.

The work is done in the :mod:`openfield.arena` package, one module per job;
this module gathers the stage's entry points for the command line, the
pipeline and the notebooks. They take and return numpy arrays; reading
images and writing files happen in :mod:`openfield.io`.
"""

from openfield.arena.detect import detect_arena
from openfield.arena.draw import draw_arenas, draw_calibration
from openfield.arena.geometry import apply_homography, homography_from_corners, side_scales
from openfield.arena.model import METHODS, Calibration
from openfield.arena.multi import calibrate_arenas, detect_arenas, number_arenas
from openfield.arena.rectangle import calibrate_arena, calibrate_from_bodyparts
from openfield.arena.reference import calibrate_mouse, calibrate_points, measure_mouse
from openfield.arena.shape import DETECT_SHAPES, SHAPE_MIN_IOU, calibrate_floor, detect_arena_shape

__all__ = [
    "DETECT_SHAPES",
    "METHODS",
    "SHAPE_MIN_IOU",
    "Calibration",
    "apply_homography",
    "calibrate_arena",
    "calibrate_arenas",
    "calibrate_floor",
    "calibrate_from_bodyparts",
    "calibrate_mouse",
    "calibrate_points",
    "detect_arena",
    "detect_arena_shape",
    "detect_arenas",
    "draw_arenas",
    "draw_calibration",
    "homography_from_corners",
    "measure_mouse",
    "number_arenas",
    "side_scales",
]
