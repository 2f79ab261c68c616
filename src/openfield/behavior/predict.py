"""A pose classifier applied to a recording: its behaviour added to the recording's Dataset.

The one function that turns a pose Dataset and a trained
:class:`~openfield.behavior.pose.PoseBehaviorModel` into behaviour: class
probabilities per frame, labels with short bouts removed
(:func:`openfield.behavior.timeline.behavior_timeline`), put on the Dataset's
``time`` axis (:func:`openfield.behavior.timeline.add_behavior`) with a
``behavior`` record in its processing log. Pure: a Dataset in, a Dataset out.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from openfield.behavior.feature_arena import FeatureArena
from openfield.behavior.pose import PoseBehaviorModel
from openfield.behavior.timeline import add_behavior, behavior_timeline
from openfield.provenance import log_step


def predict_behavior(
    ds: xr.Dataset,
    model: PoseBehaviorModel,
    fps: float,
    arena: FeatureArena | None = None,
    times_s: np.ndarray | None = None,
    model_name: str = "",
    n_threads: int = 1,
) -> xr.Dataset:
    """The recording's Dataset with the model's behaviour on its ``time`` axis.

    Parameters
    ----------
    ds
        Pose Dataset (``openfield.io.pose``; with ``silhouette`` for a model
        trained with the tracker's silhouette).
    model
        The trained model.
    fps
        Frames per second of the recording.
    arena
        The arena, for a model using wall distances.
    times_s
        The frames' real times of a variable-frame-rate recording (see
        :func:`~openfield.behavior.timeline.behavior_timeline`); None: frame / ``fps``.
    model_name
        How the model is named in the Dataset (its file name).
    n_threads
        Threads for the classifier.

    Returns
    -------
    xarray.Dataset
        ``ds`` plus ``behavior``, ``behavior_probability`` (and
        ``behavior_time_s``) (:func:`~openfield.behavior.timeline.add_behavior`),
        its log ending with a ``behavior`` record (model, min bout, classes).

    Raises
    ------
    OpenfieldError
        The pose lacks what the model needs (:meth:`PoseBehaviorModel.features`).
    """
    proba = model.predict_proba(ds, arena, n_threads)
    timeline = behavior_timeline(proba, model.classes, fps, model.min_bout_s, times_s=times_s)
    out = add_behavior(ds, timeline, model=model_name)
    return log_step(out, "behavior", {"model": model_name, "min_bout_s": float(model.min_bout_s),
                                      "classes": list(model.classes)})
