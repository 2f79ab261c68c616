"""Training the pose classifier: features of labelled recordings, cross-validation, the final fit.

Labels are the majority of the raters (:mod:`openfield.behavior.labels`); the
held-out predictions are scored against each rater, the majority and the
body-length baseline (:mod:`openfield.behavior.length_baseline`) with
:func:`openfield.behavior.metrics.evaluate_frames`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from openfield.behavior.feature_arena import FeatureArena
from openfield.behavior.features import DEFAULT_WINDOWS_S, pose_features
from openfield.behavior.folds import block_folds
from openfield.behavior.labels import BACKGROUND_NAMES, DEFAULT_BEHAVIORS, majority_vote
from openfield.behavior.length_baseline import BASELINE_CLASS, fit_length_threshold, predict_length_threshold
from openfield.behavior.metrics import evaluate_frames
from openfield.behavior.pose import PoseBehaviorModel, full_probabilities, limit_threads, make_estimator
from openfield.behavior.roles import feature_roles
from openfield.behavior.settings import POSE_MODEL_DEFAULTS
from openfield.behavior.timeline import labels_from_probabilities, smooth_labels
from openfield.errors import OpenfieldError

log = logging.getLogger(__name__)

#: The classes the pose classifier predicts by default; ``other`` is the background.
CLASSES = (*DEFAULT_BEHAVIORS, "other")


@dataclass
class Recording:
    """One training recording: pose, arena, and per-rater per-frame labels."""

    name: str
    ds: xr.Dataset
    per_rater: dict[str, np.ndarray]
    arena: FeatureArena | None = None

    @property
    def majority(self) -> np.ndarray:
        """Majority of the raters (ties to the background class ``other``)."""
        return majority_vote(self.per_rater, tie="other")


def _recording_features(
    recs: Sequence[Recording],
    uses_arena: bool,
    windows_s: Sequence[float],
    min_likelihood: float,
    max_gap_s: float,
    extended: bool = False,
) -> list[pd.DataFrame]:
    feats = [pose_features(r.ds, r.arena if uses_arena else None, windows_s, min_likelihood, max_gap_s, extended)
             for r in recs]
    common = [c for c in feats[0].columns if all(c in f.columns for f in feats[1:])]
    dropped = sorted(set().union(*[set(f.columns) for f in feats]) - set(common))
    if dropped:
        log.info("features not computable in every recording, left out: %s", dropped[:10])
    return [f[common] for f in feats]


def train_pose_model(
    recordings: Sequence[Recording],
    classes: Sequence[str] = CLASSES,
    windows_s: Sequence[float] = DEFAULT_WINDOWS_S,
    n_blocks: int = POSE_MODEL_DEFAULTS["n_blocks"],
    min_bout_s: float = 0.2,
    min_likelihood: float = 0.5,
    max_gap_s: float = 0.5,
    seed: int = POSE_MODEL_DEFAULTS["seed"],
    n_threads: int = POSE_MODEL_DEFAULTS["n_threads"],
    extended: bool = False,
) -> tuple[PoseBehaviorModel, pd.DataFrame]:
    """Cross-validate, then fit the classifier on all frames (majority of the raters).

    Parameters
    ----------
    recordings
        Training recordings, each with one or more raters' labels.
    classes
        Output classes, any names (:func:`openfield.behavior.labels.model_classes`); the
        background-like one (``other``) labels unlabelled frames.
    windows_s, min_likelihood, max_gap_s
        Feature settings, see :func:`~openfield.behavior.features.pose_features`.
    n_blocks
        Contiguous time blocks for cross-validation of a single recording
        (several recordings: leave one recording out).
    min_bout_s
        Minimum bout applied to held-out predictions before scoring, and
        stored as the model's default.
    seed
        Random seed of the classifier.
    n_threads
        Threads for the classifier (see :func:`limit_threads`).
    extended
        Add the three-point features (:func:`~openfield.behavior.features.extended_features`).

    Returns
    -------
    tuple
        The model and the cross-validation table: :func:`~openfield.behavior.metrics.evaluate_frames`
        rows of the pooled held-out predictions of the model (``compared``
        = ``model``) and, for a model with a ``rearing`` class, of the body-length baseline (``baseline``) against
        each rater and the majority, plus the raters against each other
        on the same frames. The model's ``training["cv_confusion"]`` holds the
        held-out frames per majority class and model class (``{majority: {model: frames}}``).
    """
    if not recordings:
        raise OpenfieldError("no training recordings")
    classes = [str(c) for c in classes]
    uses_arena = all(r.arena is not None for r in recordings)
    if not uses_arena and any(r.arena is not None for r in recordings):
        log.warning("the arena is known for some recordings only: wall distances not used")
    feats = _recording_features(recordings, uses_arena, windows_s, min_likelihood, max_gap_s, extended)
    X = pd.concat(feats, ignore_index=True)
    y = np.concatenate([r.majority for r in recordings]).astype(str)
    present = [c for c in classes if (y == c).any()]
    for c in classes:
        if c not in present:
            log.warning("no %s frames in the training labels: the model cannot predict %s", c, c)
    if len(present) < 2:
        raise OpenfieldError(f"the training labels have a single class ({present}); nothing to learn")
    offsets = np.cumsum([0] + [len(f) for f in feats])
    groups = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    fps_list = [float(r.ds.attrs["fps"]) for r in recordings]
    gap = int(np.ceil(max(windows_s) / 2 * max(fps_list))) + 1
    folds = block_folds(groups, n_blocks, gap)
    background = next((c for c in classes if c in BACKGROUND_NAMES), classes[-1])
    oof_model = np.empty(len(y), dtype=object)
    # the body-length baseline calls rearing: only for a model that has the class
    baseline = BASELINE_CLASS if BASELINE_CLASS in classes else None
    oof_base = np.empty(len(y), dtype=object)
    for k, (train, test) in enumerate(folds):
        if len(np.unique(y[train])) < 2:
            raise OpenfieldError(
                f"cross-validation fold {k + 1} of {len(folds)} has training frames of one class only "
                f"({y[train][0]}): use fewer --cv-blocks, or more labelled recordings"
            )
        with limit_threads(n_threads):
            est = make_estimator(seed).fit(X.iloc[train], y[train])
        # smoothing within each recording's part of the test block
        fps_test = fps_list[int(np.searchsorted(offsets, test[0], side="right") - 1)]
        proba = full_probabilities(est, X.iloc[test], classes)
        oof_model[test] = labels_from_probabilities(proba, classes, fps_test, min_bout_s)
        if baseline:
            thr = fit_length_threshold(X["body_length_ratio"].to_numpy()[train], y[train])
            base = predict_length_threshold(X["body_length_ratio"].to_numpy()[test], thr, background)
            oof_base[test] = smooth_labels(base, fps_test, min_bout_s)
    per_rater_all: dict[str, list[np.ndarray]] = {}
    raters = sorted({r for rec in recordings for r in rec.per_rater})
    for rater in raters:
        per_rater_all[rater] = [rec.per_rater.get(rater) for rec in recordings]
    tables = []
    refs = {rater: np.concatenate(v) for rater, v in per_rater_all.items() if all(x is not None for x in v)}
    refs_with_majority = {**refs, "majority": y.astype(object)}
    for name, pred in (("model", oof_model), *((("baseline", oof_base),) if baseline else ())):
        t = evaluate_frames(pred, refs_with_majority, classes, pred_name=name)
        tables.append(t[t["kind"] == "prediction"])
    if len(refs) > 1:
        t = evaluate_frames(None, refs, classes)
        tables.append(t)
    cv_table = pd.concat(tables, ignore_index=True)
    cv_table.insert(0, "cv", "recordings" if len(recordings) > 1 else f"{n_blocks} time blocks")
    # which class the held-out frames of each majority class were called: {majority class: {model class: frames}}
    held_out = oof_model.astype(str)
    confusion = {t: {c: int(((y == t) & (held_out == c)).sum()) for c in classes} for t in classes}
    with limit_threads(n_threads):
        estimator = make_estimator(seed).fit(X, y)
    threshold = fit_length_threshold(X["body_length_ratio"].to_numpy(), y) if baseline else None
    roles = dict(
        feats[0].attrs.get("roles") or feature_roles([str(k) for k in recordings[0].ds["keypoints"].values])
    )
    for r in recordings[1:]:
        other = feature_roles([str(k) for k in r.ds["keypoints"].values])
        roles = {k: v for k, v in roles.items() if k in other}
    model = PoseBehaviorModel(
        estimator=estimator,
        classes=classes,
        feature_names=list(X.columns),
        roles=roles,
        uses_arena=uses_arena,
        windows_s=tuple(float(w) for w in windows_s),
        min_likelihood=min_likelihood,
        max_gap_s=max_gap_s,
        fps_trained=fps_list,
        min_bout_s=min_bout_s,
        baseline_threshold=threshold,
        extended_features=extended,
        cv=cv_table.to_dict("records"),
        training={
            "recordings": [r.name for r in recordings],
            "n_frames": int(len(y)),
            "frames_per_class": {c: int((y == c).sum()) for c in classes},
            "cv_confusion": confusion,
            "raters": raters,
        },
    )
    return model, cv_table
