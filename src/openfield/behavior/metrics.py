"""The one metrics module: precision, recall, F1, confusion of behaviour labels.

Two views of the same scores, both computed by scikit-learn's metric
functions:

- frame timelines (:func:`evaluate_frames`): a prediction against each
  human rater and the raters against each other (the human ceiling), one
  row per comparison and class;
- labelled samples, e.g. the images of a validation split
  (:func:`classification_metrics`): per-class scores, macro-F1, balanced
  accuracy and the confusion matrix.

scikit-learn is imported inside the functions (an optional dependency of the
package; a missing one is named with what to install).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from openfield.errors import OpenfieldError


def _sklearn_metrics() -> Any:
    try:
        from sklearn import metrics  # lazy: scikit-learn is optional (the 'behavior' extra)
    except ImportError as exc:  # pragma: no cover - scikit-learn is in requirements.txt
        raise OpenfieldError(
            f"scikit-learn is needed to score behaviour ({exc}); install it: pip install scikit-learn"
        ) from exc
    return metrics


def frame_scores(reference: np.ndarray, compared: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """Precision, recall and F1 of each class (one-vs-rest) of ``compared`` against ``reference``.

    Parameters
    ----------
    reference
        Per-frame labels taken as truth.
    compared
        Per-frame labels scored, same length.
    classes
        Classes to score.

    Returns
    -------
    pandas.DataFrame
        ``class``, ``precision``, ``recall``, ``f1``, ``n_reference`` and
        ``n_compared`` (frames of the class in each); a score with a zero
        denominator is NaN.
    """
    metrics = _sklearn_metrics()
    reference = np.asarray(reference, dtype=str)
    compared = np.asarray(compared, dtype=str)
    p, r, f, s = metrics.precision_recall_fscore_support(
        reference, compared, labels=list(classes), zero_division=np.nan
    )
    n_pred = [(compared == c).sum() for c in classes]
    return pd.DataFrame(
        {
            "class": list(classes),
            "precision": p,
            "recall": r,
            "f1": f,
            "n_reference": s.astype(int),
            "n_compared": np.asarray(n_pred, dtype=int),
        }
    )


def evaluate_frames(
    pred: np.ndarray | None,
    per_rater: Mapping[str, np.ndarray],
    classes: Sequence[str],
    pred_name: str = "prediction",
) -> pd.DataFrame:
    """Frame-level precision, recall and F1 per class: prediction vs raters, raters vs raters.

    Parameters
    ----------
    pred
        Predicted per-frame labels, or ``None`` for the raters only.
    per_rater
        Rater -> per-frame labels, same length as ``pred``.
    classes
        Classes to score (one-vs-rest each).
    pred_name
        Name of the prediction in the ``compared`` column.

    Returns
    -------
    pandas.DataFrame
        One row per (comparison, class): ``kind`` (``"prediction"`` or
        ``"rater-vs-rater"``, the human ceiling), ``reference`` (the rater
        taken as truth), ``compared``, ``class``, ``precision``, ``recall``,
        ``f1``, ``n_reference`` and ``n_compared`` (frames of the class),
        ``n_frames``. Rater pairs appear once (F1 is symmetric; precision
        and recall swap). A score with a zero denominator is NaN (e.g.
        grooming when nobody scored any).
    """
    raters = list(per_rater)
    lengths = {len(v) for v in per_rater.values()} | ({len(pred)} if pred is not None else set())
    if len(lengths) > 1:
        raise OpenfieldError(f"the label sequences have different lengths: {sorted(lengths)} frames")
    tables = []
    if pred is not None:
        for r in raters:
            t = frame_scores(per_rater[r], pred, classes)
            t.insert(0, "compared", pred_name)
            t.insert(0, "reference", r)
            t.insert(0, "kind", "prediction")
            tables.append(t)
    for i, a in enumerate(raters):
        for b in raters[i + 1 :]:
            t = frame_scores(per_rater[a], per_rater[b], classes)
            t.insert(0, "compared", b)
            t.insert(0, "reference", a)
            t.insert(0, "kind", "rater-vs-rater")
            tables.append(t)
    if not tables:
        raise OpenfieldError("nothing to compare: give a prediction or at least two raters")
    out = pd.concat(tables, ignore_index=True)
    out["n_frames"] = int(next(iter(lengths)))
    return out



def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> dict:
    """Per-class precision, recall, F1; macro-F1; balanced accuracy; confusion matrix.

    Parameters
    ----------
    y_true, y_pred
        True and predicted class names.
    classes
        Class order of the tables.

    Returns
    -------
    dict
        ``per_class`` (DataFrame: ``class, precision, recall, f1,
        support``), ``macro_f1``, ``balanced_accuracy``, ``accuracy``,
        ``confusion`` (DataFrame, rows true class, columns predicted), ``n``.
        Macro-F1 averages the classes present in ``y_true``; a class never
        predicted has precision 0.

    Raises
    ------
    OpenfieldError
        When there is nothing to score.
    """
    metrics = _sklearn_metrics()
    y_true = np.asarray(y_true, dtype=str)
    y_pred = np.asarray(y_pred, dtype=str)
    classes = [str(c) for c in classes]
    if len(y_true) == 0:
        raise OpenfieldError("no images to evaluate (is the validation split empty?)")
    p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    present = [c for c in classes if c in set(y_true)]
    per_class = pd.DataFrame({"class": classes, "precision": p, "recall": r, "f1": f, "support": s})
    cm = metrics.confusion_matrix(y_true, y_pred, labels=classes)
    return {
        "per_class": per_class,
        "macro_f1": float(metrics.f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(y_true, y_pred)),
        "accuracy": float(metrics.accuracy_score(y_true, y_pred)),
        "confusion": pd.DataFrame(cm, index=pd.Index(classes, name="true"), columns=classes),
        "n": int(len(y_true)),
    }


def metrics_summary(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready summary of :func:`classification_metrics`: the scores, per-class rows, the confusion."""
    summary = {k: metrics[k] for k in ("macro_f1", "balanced_accuracy", "accuracy", "n")}
    summary["per_class"] = metrics["per_class"].to_dict(orient="records")
    summary["confusion"] = {
        "classes": list(metrics["confusion"].columns),
        "matrix": metrics["confusion"].to_numpy().tolist(),
    }
    return summary
