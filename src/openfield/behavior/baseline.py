"""A simple baseline for the frame classifier: logistic regression on small grey crops.

Any deep model should beat it; if it does not, the deep model learned
nothing the pixels did not already say. scikit-learn does the work.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import cv2
import numpy as np

from openfield.behavior.metrics import classification_metrics
from openfield.behavior.outputs import write_metrics
from openfield.errors import OpenfieldError
from openfield.io.behavior_dataset import read_manifest
from openfield.io.images import read_gray

log = logging.getLogger(__name__)


def image_features(files: list[str], size: int = 16) -> np.ndarray:
    """Grey images shrunk to ``size`` x ``size``, flattened, scaled to [0, 1].

    Raises
    ------
    OpenfieldError
        Naming an unreadable image.
    """
    out = np.empty((len(files), size * size), dtype=np.float32)
    for i, f in enumerate(files):
        img = read_gray(f)
        out[i] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA).ravel() / 255.0
    return out


def baseline_logistic(
    dataset_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    size: int = 16,
    c: float = 1.0,
) -> dict:
    """Train logistic regression (balanced class weights) on the train split; score the validation split.

    Parameters
    ----------
    dataset_dir
        Folder written by :func:`openfield.behavior.dataset.build_dataset`.
    out_dir
        If given, the metrics are written there with prefix ``baseline``.
    size
        Side of the downsampled grey image.
    c
        Inverse regularisation strength.

    Returns
    -------
    dict
        :func:`~openfield.behavior.metrics.classification_metrics` of the validation split.
    """
    from sklearn.linear_model import LogisticRegression  # lazy: scikit-learn is optional (the 'behavior' extra)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    manifest, _ = read_manifest(dataset_dir)
    tr, va = manifest[manifest["split"] == "train"], manifest[manifest["split"] == "val"]
    if tr.empty or va.empty:
        raise OpenfieldError("the baseline needs both training and validation images", dataset_dir)
    classes = sorted(manifest["label"].unique())
    clf = make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    )
    clf.fit(image_features(list(tr["file"]), size), tr["label"].to_numpy())
    pred = clf.predict(image_features(list(va["file"]), size))
    metrics = classification_metrics(va["label"], pred, classes)
    if out_dir is not None:
        metrics["paths"] = write_metrics(metrics, Path(out_dir), "baseline", "baseline (logistic regression)")
    log.info("baseline: validation macro-F1 %.3f, balanced accuracy %.3f",
             metrics["macro_f1"], metrics["balanced_accuracy"])
    return metrics
