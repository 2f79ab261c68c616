"""Default settings of the behaviour classifiers, in a module that imports nothing.

The modules that use them (:mod:`openfield.pipeline.steps.vit_predict`, which fingerprints a prediction by
the settings that differ from :data:`PREDICTION_DEFAULTS`; :mod:`openfield.behavior.training` and
:mod:`openfield.pipeline.steps.behavior_predict` for :data:`POSE_MODEL_DEFAULTS`) and the ``behavior``
commands' options (their defaults) read them here, so that building the command line's parser imports no
pipeline and no learner.
"""

from __future__ import annotations

from typing import Any

#: Prediction options that enter the ``behavior`` fingerprint only when they differ from these (the fingerprint
#: of a default prediction is the one ``openfield run --behavior-model`` has always recorded).
PREDICTION_DEFAULTS: dict[str, Any] = {"min_bout_s": 0.5, "window_s": 0.5, "every": 1, "max_frames": None}

#: The pose classifier's training and prediction settings that the ``behavior pose-train`` / ``pose-predict``
#: options set: cross-validation time blocks of a single recording, the classifier's seed and its threads
#: (:func:`openfield.behavior.training.train_pose_model`, :func:`openfield.pipeline.steps.behavior_predict.
#: pose_behavior_step`).
POSE_MODEL_DEFAULTS: dict[str, Any] = {"n_blocks": 5, "seed": 0, "n_threads": 1}

__all__ = ["POSE_MODEL_DEFAULTS", "PREDICTION_DEFAULTS"]
