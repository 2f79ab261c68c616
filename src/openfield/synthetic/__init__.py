"""Synthetic open-field data with known answers: the test-data factory, also the demo's data.

A trajectory of straight legs between waypoints, each with a trapezoidal
speed profile (constant acceleration, cruise, constant deceleration), or a
plan of minimum-jerk bouts, gives analytic distance, speed and
acceleration; a homography from arena centimetres to image pixels
(optionally tilted) and a simple mouse drawing (body and head ellipses,
thin tail) give images of known geometry; :func:`render_arenas_video` films
several open fields with one camera, a mouse on its own trajectory in each.
Used by the tests, the demo and the benchmarks.

One module per job:

- :mod:`~openfield.synthetic.trajectories`: legs with trapezoidal speed profiles (:func:`make_trajectory`);
- :mod:`~openfield.synthetic.bouts`: bout plans, minimum-jerk bouts with rests (:func:`make_bout_plan`);
- :mod:`~openfield.synthetic.rendering`: the camera homography, the mouse's shape and keypoints, frames;
- :mod:`~openfield.synthetic.observed`: what a pose tool would report (a pose Dataset, a noisy track);
- :mod:`~openfield.synthetic.truth`: the analytic measures (per frame, per bout, summaries), with numpy
  alone, not the package's measuring code;
- :mod:`~openfield.synthetic.video`: one open field filmed (:func:`render_video`);
- :mod:`~openfield.synthetic.arenas`: several open fields in one video (:func:`render_arenas_video`);
- :mod:`~openfield.synthetic.round_arena`: round (and rectangular) arenas with uneven light, bedding, a
  wall-hugging path, an empty start, several animals, and the zones' analytic truth (import it by name).

Why it is inside the installed package and not beside the tests: ``openfield demo`` (the README's first
command on a fresh clone, and a check that an installation works) renders its video and computes its
known answers with this factory at run time, from the installed package, where no ``tests/`` folder
exists; the tests and the benchmarks import the same functions, so the demo and the tests share one
factory. Like the demo, it writes its files itself (videos through
:class:`openfield.io.video_writer.VideoFileWriter`, tables and JSON through :mod:`openfield.io.files`):
the one stage allowed to (``tests/test_file_access.py``).
"""

from openfield.synthetic.arenas import ArenasVideo, arenas_layout, render_arenas_video
from openfield.synthetic.bouts import PEAK_ACC_FACTOR, TURN_S, Bout, bouts_trajectory, make_bout_plan
from openfield.synthetic.observed import observe_track, pose_from_trajectory
from openfield.synthetic.rendering import (
    BODY_HALF_LENGTH,
    BODY_HALF_WIDTH,
    HEAD_HALF_LENGTH,
    HEAD_HALF_WIDTH,
    NOSE,
    TAIL_LENGTH,
    TAIL_WIDTH,
    camera_homography,
    draw_animal,
    draw_floor,
    mouse_keypoints_cm,
    render_frame,
    shades,
    to_px,
)
from openfield.synthetic.trajectories import Leg, legs_trajectory, make_trajectory, trapezoid
from openfield.synthetic.truth import bouts_truth, bouts_truth_summary, in_center, truth_summary, truth_table
from openfield.synthetic.video import SyntheticVideo, render_video, write_video

__all__ = [
    "BODY_HALF_LENGTH",
    "BODY_HALF_WIDTH",
    "HEAD_HALF_LENGTH",
    "HEAD_HALF_WIDTH",
    "NOSE",
    "PEAK_ACC_FACTOR",
    "TAIL_LENGTH",
    "TAIL_WIDTH",
    "TURN_S",
    "ArenasVideo",
    "Bout",
    "Leg",
    "SyntheticVideo",
    "arenas_layout",
    "bouts_trajectory",
    "bouts_truth",
    "bouts_truth_summary",
    "camera_homography",
    "draw_animal",
    "draw_floor",
    "in_center",
    "legs_trajectory",
    "make_bout_plan",
    "make_trajectory",
    "mouse_keypoints_cm",
    "observe_track",
    "pose_from_trajectory",
    "render_arenas_video",
    "render_frame",
    "render_video",
    "shades",
    "to_px",
    "trapezoid",
    "truth_summary",
    "truth_table",
    "write_video",
]
