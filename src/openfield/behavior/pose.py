"""The pose behaviour model: a scikit-learn classifier on pose features, and what it needs to apply it.

:class:`PoseBehaviorModel` remembers the roles and features it was trained
with and refuses a pose file that lacks them; its estimator is a
:class:`BalancedClassifier` around gradient-boosted trees
(:func:`make_estimator`). Training is :mod:`openfield.behavior.training`, the
features :mod:`openfield.behavior.features`, model files
:mod:`openfield.behavior.model_files`.

The module keeps its name because model files name it: the kind stored in a
model file (:data:`openfield.io.model_files.POSE_MODEL_KIND`), and older
pickle-based files (``behavior convert-model``) refer to
``openfield.behavior.pose.BalancedClassifier``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from openfield import __version__
from openfield.behavior.feature_arena import FeatureArena
from openfield.behavior.features import DEFAULT_WINDOWS_S, pose_features
from openfield.behavior.roles import feature_roles
from openfield.errors import OpenfieldError


def limit_threads(n_threads: int = 1) -> Any:
    """Context manager capping the OpenMP/BLAS threads of scikit-learn.

    Gradient boosting's OpenMP threads spin while they wait; on a machine
    whose cores are busy with other work, more threads than free cores make
    a fit tens of times slower, so the default is one thread.
    """
    return threadpool_limits(limits=max(1, int(n_threads)))


class BalancedClassifier:
    """A classifier whose probabilities are re-weighted as if every class were equally frequent.

    The wrapped estimator is fitted on the frames as they are; its
    probabilities are then divided by each class's training frequency and
    renormalised (the Bayes correction for a change of class priors). This
    has the effect of ``class_weight="balanced"`` (rare behaviours are not
    drowned by the background) without scikit-learn's weighted feature
    binning, which is tens of times slower.

    Parameters
    ----------
    estimator
        An unfitted scikit-learn classifier with ``predict_proba``.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> BalancedClassifier:
        """Fit the estimator and record the class frequencies."""
        self.estimator.fit(X, y)
        self.classes_ = self.estimator.classes_
        y = np.asarray(y)
        self.class_prior_ = np.array([(y == c).mean() for c in self.classes_])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities under equal class priors."""
        p = self.estimator.predict_proba(X) / self.class_prior_
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Most probable class under equal class priors."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def make_estimator(seed: int = 0) -> BalancedClassifier:
    """The classifier: histogram gradient boosting (handles missing points), balanced over classes."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # lazy: scikit-learn is optional (the 'behavior' extra)

    return BalancedClassifier(
        HistGradientBoostingClassifier(
            learning_rate=0.1,
            max_iter=100,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        )
    )


def full_probabilities(estimator: Any, features: pd.DataFrame, classes: Sequence[str]) -> np.ndarray:
    """Class probabilities ``(n_frames, len(classes))``; classes never seen in training get 0."""
    proba = estimator.predict_proba(features)
    out = np.zeros((len(features), len(classes)))
    for j, c in enumerate(estimator.classes_):
        out[:, list(classes).index(str(c))] = proba[:, j]
    return out


@dataclass
class PoseBehaviorModel:
    """A trained pose classifier and everything needed to apply it to another recording.

    Attributes
    ----------
    estimator
        The fitted scikit-learn classifier.
    classes
        Output classes, in probability-column order.
    feature_names
        Feature columns the estimator expects.
    roles
        Role -> body-part name in the training data (the roles are required).
    uses_arena
        Whether wall distances are features (the arena must then be known).
    windows_s, min_likelihood, max_gap_s
        Feature settings (times in seconds, so any fps works).
    fps_trained
        Frame rates of the training recordings (for information).
    min_bout_s
        Default minimum bout for predictions.
    baseline_threshold
        Body-length-ratio threshold of the baseline fitted on the same data.
    cv
        Cross-validation summary (records of :func:`~openfield.behavior.metrics.evaluate_frames`).
    training
        Provenance: files, frames per class, label mapping.
    """

    estimator: Any
    classes: list[str]
    feature_names: list[str]
    roles: dict[str, str]
    uses_arena: bool
    windows_s: tuple[float, ...] = DEFAULT_WINDOWS_S
    min_likelihood: float = 0.5
    max_gap_s: float = 0.5
    fps_trained: list[float] = field(default_factory=list)
    min_bout_s: float = 0.2
    baseline_threshold: float | None = None
    cv: list[dict[str, Any]] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    software_version: str = __version__
    extended_features: bool = False

    def missing_body_parts(self, keypoints: Sequence[str]) -> list[str]:
        """The body parts the model needs that ``keypoints`` lack, as ``"name (role)"``; empty when none.

        Lets a caller refuse a pose before any work (e.g. a tracker pose for a
        model trained on ears and hips).
        """
        found = feature_roles(keypoints)
        return [f"{self.roles[r]} ({r})" for r in self.roles if r not in found]

    @property
    def uses_silhouette(self) -> bool:
        """Whether the model was trained with the tracker's silhouette (:mod:`openfield.behavior.silhouette`).

        Such a model needs the pose's ``<stem>_silhouette.csv``; a DeepLabCut pose has none.
        """
        return any(f.startswith("silhouette_") for f in self.feature_names)

    def features(self, ds: xr.Dataset, arena: FeatureArena | None = None) -> pd.DataFrame:
        """The model's features of a recording, checking its body parts and arena fit.

        Raises
        ------
        OpenfieldError
            Naming the file: body parts the model needs are missing, or the
            model uses wall distances and no arena is known.
        """
        source = ds.attrs.get("source_file")
        missing = self.missing_body_parts([str(k) for k in ds["keypoints"].values])
        if missing:
            raise OpenfieldError(
                f"the model was trained on body parts this pose file lacks: {', '.join(missing)}; "
                f"it has {sorted(str(k) for k in ds['keypoints'].values)}",
                source,
            )
        if self.uses_silhouette and "silhouette" not in ds:
            raise OpenfieldError(
                "the model was trained with the classical tracker's silhouette (area, length, width per frame), "
                "which this pose lacks: give its silhouette table (<stem>_silhouette.csv, written beside the "
                "tracker's pose), or use a model trained without silhouette tables",
                source,
            )
        if self.uses_arena and arena is None:
            raise OpenfieldError(
                "the model uses the distance to the walls, but this recording's arena is unknown: give "
                "--arena-size-cm (with tracked corners tl, tr, br, bl) or --calibration",
                source,
            )
        feats = pose_features(
            ds, arena if self.uses_arena else None, self.windows_s, self.min_likelihood, self.max_gap_s,
            self.extended_features,
        )
        absent = [f for f in self.feature_names if f not in feats.columns]
        if absent:
            raise OpenfieldError(f"cannot compute the model's features {absent[:5]}...", source)
        return feats[self.feature_names]

    def predict_proba(self, ds: xr.Dataset, arena: FeatureArena | None = None, n_threads: int = 1) -> np.ndarray:
        """Class probabilities ``(n_frames, n_classes)`` of a recording."""
        feats = self.features(ds, arena)
        with limit_threads(n_threads):
            return full_probabilities(self.estimator, feats, self.classes)
