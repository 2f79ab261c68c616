"""Score a per-frame behaviour prediction against human raters (and the raters against each other).

What ``openfield behavior evaluate`` does, callable from a notebook: the
prediction is a per-frame table (``label`` and ``p_<class>`` columns, as in
``<stem>_behavior.csv``), the raters' intervals a label table
(:func:`openfield.behavior.labels.read_interval_labels`); scores come from
:func:`openfield.behavior.metrics.evaluate_frames`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from openfield.behavior.labels import BACKGROUND_NAMES, background_class, majority_vote
from openfield.behavior.metrics import evaluate_frames
from openfield.behavior.timeline import frames_between, intervals_to_frames
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)


def prediction_classes(prediction: pd.DataFrame) -> list[str]:
    """The classes of a per-frame prediction: its ``p_<class>`` columns, else the labels it uses."""
    classes = [str(c)[2:] for c in prediction.columns if str(c).startswith("p_")]
    return classes or sorted(set(prediction["label"].astype(str)))


def evaluate_prediction(
    prediction: pd.DataFrame,
    fps: float,
    labels: pd.DataFrame,
    start_s: float = 0.0,
    end_s: float | None = None,
    crop_labels: bool = False,
) -> pd.DataFrame:
    """Frame-level precision, recall and F1 of a prediction against each rater and their majority.

    Label names meaning the background (other/normal/none) count as the
    prediction's background class. With two or more raters, their majority
    (ties to the background) is one more reference, and the raters are also
    scored against each other on the same frames (the human ceiling).

    Parameters
    ----------
    prediction
        Per-frame table with ``label`` (and ``p_<class>`` columns naming the classes).
    fps
        Frames per second of the prediction.
    labels
        Interval labels (:func:`~openfield.behavior.labels.read_interval_labels`).
    start_s, end_s
        Score only the frames whose centres lie in ``[start_s, end_s)``
        (``end_s`` None: to the end), e.g. a held-out block.
    crop_labels
        Accept intervals past the end of the prediction and cut them
        (labels scored on a longer video).

    Returns
    -------
    pandas.DataFrame
        :func:`~openfield.behavior.metrics.evaluate_frames` rows; the majority
        appears only as a reference of the prediction.

    Raises
    ------
    OpenfieldError
        Label classes the prediction does not have; no frame in the span;
        intervals past the end (unless ``crop_labels``).
    """
    classes = prediction_classes(prediction)
    background = background_class(classes)
    source = labels.attrs.get("source_file")
    labels = labels.copy()
    labels.attrs["source_file"] = source
    labels["behavior"] = [background if b in BACKGROUND_NAMES else b for b in labels["behavior"]]
    unknown = sorted(set(labels["behavior"]) - set(classes))
    if unknown:
        raise OpenfieldError(
            f"the labels have classes {unknown} that the prediction does not ({classes}); map them with "
            "--label-map NAME=CLASS",
            source,
        )
    n = len(prediction)
    per_rater = intervals_to_frames(
        labels, n, fps, background=background, beyond_end="crop" if crop_labels else "error"
    )
    raters = dict(per_rater)
    if len(per_rater) > 1:
        raters["majority"] = majority_vote(per_rater, tie=background)
    span = frames_between(start_s, end_s, fps, n)
    if span.stop - span.start < 1:
        raise OpenfieldError(
            f"no frames between {start_s} s and {end_s} s (the prediction lasts {n / fps:.2f} s)",
            prediction.attrs.get("source_file"),
        )
    log.info("scoring frames %d to %d (%.2f s to %.2f s)", span.start, span.stop - 1, span.start / fps,
             span.stop / fps)
    raters = {k: v[span] for k, v in raters.items()}
    table = evaluate_frames(np.asarray(prediction["label"], dtype=object)[span], raters, classes)
    return table[~((table["kind"] == "rater-vs-rater") & (table["compared"] == "majority"))].reset_index(drop=True)
