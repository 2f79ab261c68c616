"""One place owns files: output names, atomic writes, and when each step runs.

Stage modules (calibration, tracking, kinematics, plots, report, behaviour)
take and return data; this package reads their inputs, decides from a
settings fingerprint per step (:mod:`openfield.pipeline.ledger`) which steps
must run, writes their outputs atomically and isolates per-video failures.
``openfield run``, ``openfield kinematics``, ``openfield track`` and the
notebooks call the functions below.

- :func:`run_videos` (videos -> every measure, ``summary_all.csv``,
  ``report.html``) with :class:`RunConfig`;
- :func:`run_pose_files` (DeepLabCut pose files -> kinematics) with
  :class:`PoseFilesConfig`;
- :func:`track_videos` (the classical tracker alone);
- :func:`process_video`, :func:`process_pose_file`: one input.

The other long commands resume through the same ledger: :mod:`openfield.pipeline.dlc`
(``openfield pose train | analyze``; imported when used),
:mod:`openfield.pipeline.vit` (``openfield behavior dataset | train |
predict``; imported when used) and
:mod:`openfield.pipeline.steps.behavior_predict` (``openfield behavior
pose-predict``, and the pose classifier of ``run --behavior-model``).
"""

from openfield.pipeline.batch import run_videos
from openfield.pipeline.config import BEHAVIOR_COLUMNS, POSE_METHODS, PoseFilesConfig, RunConfig
from openfield.pipeline.ledger import STATE_DIR, Ledger, fingerprint
from openfield.pipeline.outputs import write_batch_summary, write_report
from openfield.pipeline.paths import find_videos, output_paths
from openfield.pipeline.run import (
    VideoResult,
    process_pose_file,
    process_video,
    run_pose_files,
    track_videos,
)
from openfield.report import result_units

__all__ = [
    "BEHAVIOR_COLUMNS",
    "POSE_METHODS",
    "STATE_DIR",
    "Ledger",
    "PoseFilesConfig",
    "RunConfig",
    "VideoResult",
    "find_videos",
    "fingerprint",
    "output_paths",
    "process_pose_file",
    "process_video",
    "result_units",
    "run_pose_files",
    "run_videos",
    "track_videos",
    "write_batch_summary",
    "write_report",
]
