"""Default settings of the ViT behaviour prediction, in a module that imports nothing.

:mod:`openfield.pipeline.steps.vit_predict` (which fingerprints a prediction by the settings that differ from
these) and the ``behavior predict`` command's options (their defaults) read them here, so that building the
command line's parser imports no pipeline.
"""

from __future__ import annotations

from typing import Any

#: Prediction options that enter the ``behavior`` fingerprint only when they differ from these (the fingerprint
#: of a default prediction is the one ``openfield run --behavior-model`` has always recorded).
PREDICTION_DEFAULTS: dict[str, Any] = {"min_bout_s": 0.5, "window_s": 0.5, "every": 1, "max_frames": None}

__all__ = ["PREDICTION_DEFAULTS"]
