"""The steps of the pipeline, each deciding by its fingerprint whether to run or to read back.

Every step has the same shape: compute its fingerprint
(:func:`openfield.pipeline.ledger.fingerprint`) from its settings, the
fingerprints of what it consumes and its source files; if the
:class:`~openfield.pipeline.ledger.Ledger` holds that fingerprint with all
outputs present, return what was recorded; else call the stage function
(a pure function of a stage module), write its outputs atomically through
:mod:`openfield.io`, and record them. Stage functions are called through
their modules (``tracking.track_video``, ``kinematics.analyze_pose``...),
so a test can count the calls.

One module per step (or per closely related group):

- :mod:`~openfield.pipeline.steps.calibration`: the arena of a video;
- :mod:`~openfield.pipeline.steps.arenas`: a multi-arena video's arenas;
- :mod:`~openfield.pipeline.steps.tracking`: the classical tracker's pose, and the frame times;
- :mod:`~openfield.pipeline.steps.pose`: DeepLabCut's pose, or a pose file;
- :mod:`~openfield.pipeline.steps.kinematics`: the per-frame table, bouts and plots;
- :mod:`~openfield.pipeline.steps.quality`: the QC record;
- :mod:`~openfield.pipeline.steps.behavior`: the behaviour model on the run's pose;
- :mod:`~openfield.pipeline.steps.labeled_video`: the labelled videos;
- :mod:`~openfield.pipeline.steps.summary`: the one-row summary, last.

The pipeline (:mod:`openfield.pipeline.run`) calls them through this
package (``steps.kinematics_step``...).
"""

from openfield.pipeline.paths import PLOTS
from openfield.pipeline.steps.arenas import arena_part_step, arenas_step, remove_arenas
from openfield.pipeline.steps.behavior import behavior_step
from openfield.pipeline.steps.calibration import calibration_step, given_calibration
from openfield.pipeline.steps.kinematics import kinematics_step
from openfield.pipeline.steps.labeled_video import arena_labeled_video_step, labeled_video_path, labeled_video_step
from openfield.pipeline.steps.pose import dlc_pose_step, pose_file_step
from openfield.pipeline.steps.quality import ARENA_OUTSIDE_TOLERANCE_PX, arena_outside_image, quality_step
from openfield.pipeline.steps.summary import summary_step
from openfield.pipeline.steps.tracking import (
    arena_tracking_step,
    frame_times_file,
    frame_times_step,
    tracker_pose_step,
    write_frame_times,
)

__all__ = [
    "ARENA_OUTSIDE_TOLERANCE_PX",
    "PLOTS",
    "arena_labeled_video_step",
    "arena_outside_image",
    "arena_part_step",
    "arena_tracking_step",
    "arenas_step",
    "behavior_step",
    "calibration_step",
    "dlc_pose_step",
    "frame_times_file",
    "frame_times_step",
    "given_calibration",
    "kinematics_step",
    "labeled_video_path",
    "labeled_video_step",
    "pose_file_step",
    "quality_step",
    "remove_arenas",
    "summary_step",
    "tracker_pose_step",
    "write_frame_times",
]
