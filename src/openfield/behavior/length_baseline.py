"""The pose classifier's baseline: a frame is ``rearing`` when the body looks short from above.

Any pose model must beat it (``openfield behavior pose-train`` scores both on the same held-out frames).
"""

from __future__ import annotations

import numpy as np

from openfield.errors import OpenfieldError

#: The class the body-length baseline calls (a model without it has no baseline).
BASELINE_CLASS = "rearing"


def fit_length_threshold(body_length_ratio: np.ndarray, y: np.ndarray, positive: str = "rearing") -> float:
    """Baseline: the relative body length below which a frame is called ``positive``.

    The threshold maximising the frame F1 of ``positive`` on the given frames.

    Parameters
    ----------
    body_length_ratio
        Per-frame body length over its median.
    y
        Per-frame labels.
    positive
        The class called when the body is short.

    Returns
    -------
    float
        The threshold.
    """
    r = np.asarray(body_length_ratio, dtype=float)
    truth = np.asarray(y) == positive
    ok = np.isfinite(r)
    if not ok.any():
        raise OpenfieldError("no frame has a body length: cannot fit the baseline")
    r, truth = r[ok], truth[ok]
    candidates = np.unique(np.quantile(r, np.linspace(0.01, 0.99, 99)))
    # F1 of all 99 candidate thresholds at once, vectorised (openfield.behavior.metrics scores one
    # labelling at a time; this is the same F1 = 2 TP / (predicted + true))
    called = r[None, :] < candidates[:, None]  # (thresholds, frames)
    tp = (called & truth).sum(axis=1)
    f1 = 2 * tp / np.maximum(called.sum(axis=1) + truth.sum(), 1)
    return float(candidates[int(np.argmax(f1))])


def predict_length_threshold(
    body_length_ratio: np.ndarray, threshold: float, background: str = "other", positive: str = "rearing"
) -> np.ndarray:
    """Labels of the baseline: ``positive`` where the relative body length is below the threshold."""
    r = np.asarray(body_length_ratio, dtype=float)
    return np.where(np.isfinite(r) & (r < threshold), positive, background).astype(object)
