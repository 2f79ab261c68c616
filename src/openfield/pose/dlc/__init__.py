"""A thin wrapper around DeepLabCut 3 (PyTorch engine), one module per job.

It translates our arguments into DeepLabCut calls and DeepLabCut's outputs
into our pose data:

==============================  ================================================
:mod:`~.project`                :func:`create_project` (body parts head, body,
                                tail and a skeleton, directly in
                                ``open_field_model/``), :func:`extract_frames`
                                (k-means), :func:`label_frames` (napari),
                                :func:`repair_project` (a moved project), where
                                the models and snapshots live
:mod:`~.training`               :func:`train`: training dataset when missing,
                                then training; pretrained, local weights or
                                from scratch
:mod:`~.evaluation`             :func:`evaluate`: train/test RMSE in pixels, to
                                a CSV
:mod:`~.analysis`               :func:`analyze_videos`: .h5 and .csv per video,
                                filtering (:func:`clean_pose`), labelled video
                                (:func:`label_videos`)
:mod:`~.superanimal`            :func:`analyze_superanimal`:
                                SuperAnimal-TopViewMouse, no training
:mod:`~.checks`                 input checks shared by the steps
:mod:`~.session`                the one lazy ``import deeplabcut``, its output
                                sent to logging, its failures as one line
==============================  ================================================

Every function checks its inputs first and raises
:class:`~openfield.errors.OpenfieldError` naming the file and the problem;
an exception from inside DeepLabCut is turned into one such line too.
Importing this package does not import DeepLabCut (only
:mod:`~.session` does, when a step runs). Each function does its work every
time it is called: whether a step needs to run (resume) is decided by
:mod:`openfield.pipeline.dlc` through the ledger.
"""

from openfield.pose.dlc.analysis import FILTERS, analyze_videos, clean_pose, label_videos, labeled_videos
from openfield.pose.dlc.checks import check_labels, check_video, hub_reachable, read_project_config
from openfield.pose.dlc.evaluation import EVALUATION_COLUMNS, evaluate, evaluation_predictions
from openfield.pose.dlc.project import (
    DEFAULT_BODYPARTS,
    DEFAULT_NET,
    DEFAULT_PROJECT_DIR,
    create_project,
    extract_frames,
    has_display,
    label_frames,
    model_folder,
    repair_project,
    snapshots,
    trained_snapshots,
)
from openfield.pose.dlc.superanimal import (
    SUPERANIMAL_DETECTOR,
    SUPERANIMAL_MODEL,
    SUPERANIMAL_NAME,
    analyze_superanimal,
)
from openfield.pose.dlc.training import available_nets, create_training_dataset, train

__all__ = [
    "DEFAULT_BODYPARTS",
    "DEFAULT_NET",
    "DEFAULT_PROJECT_DIR",
    "EVALUATION_COLUMNS",
    "FILTERS",
    "SUPERANIMAL_DETECTOR",
    "SUPERANIMAL_MODEL",
    "SUPERANIMAL_NAME",
    "analyze_superanimal",
    "analyze_videos",
    "available_nets",
    "check_labels",
    "check_video",
    "clean_pose",
    "create_project",
    "create_training_dataset",
    "evaluate",
    "evaluation_predictions",
    "extract_frames",
    "has_display",
    "hub_reachable",
    "label_frames",
    "label_videos",
    "labeled_videos",
    "model_folder",
    "read_project_config",
    "repair_project",
    "snapshots",
    "train",
    "trained_snapshots",
]
