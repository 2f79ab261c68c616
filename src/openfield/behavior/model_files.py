"""Pose behaviour models as the dictionary their files hold, and back (the files: :mod:`openfield.io.model_files`).

A pose model (``openfield behavior pose-train``) is a zip file written by
skops (https://skops.readthedocs.io): the gradient-boosting classifier as
skops' description of its arrays and parameters, plus the model's settings
(classes, features, body parts, cross-validation) as JSON. Loading checks
every type in the file against an explicit list (:data:`openfield.io.model_files.TRUSTED_TYPES`, on
top of the scikit-learn, numpy and Python built-in types skops trusts) before
building anything; a file naming any other type is refused, naming it.

The extension stays ``.joblib``, which users know. Older openfield versions
wrote a pickle there (joblib), and unpickling a file runs whatever code its
author put in it: such a file is recognised by its first bytes (not a zip)
and refused before it is opened, with the conversion
``openfield behavior convert-model OLD --trust`` (:func:`convert_pickled_model`)
for files the user vouches for.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from openfield.behavior.pose import BalancedClassifier, PoseBehaviorModel
from openfield.errors import OpenfieldError
from openfield.io.model_files import POSE_MODEL_KIND, read_model_payload, read_pickled_payload, write_model_payload

#: Version of the file layout (1: the pickled dictionary of openfield <= 0.x; 2: skops + JSON).
FORMAT_VERSION = 2


def _jsonable(value: Any) -> Any:
    """Model settings as JSON values (tuples as lists, numpy scalars as numbers, NaN as None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def save_model_file(model: Any, path: str | os.PathLike[str]) -> Path:
    """Write a :class:`~openfield.behavior.pose.PoseBehaviorModel` as a safe model file (atomically).

    Parameters
    ----------
    model
        The model; its ``estimator`` a :class:`~openfield.behavior.pose.BalancedClassifier`.
    path
        Output file (``.joblib`` by convention).

    Returns
    -------
    Path
        ``path``.
    """
    settings = {k: v for k, v in model.__dict__.items() if k != "estimator"}
    balanced = model.estimator
    payload = {
        "kind": POSE_MODEL_KIND,
        "format_version": FORMAT_VERSION,
        "settings_json": json.dumps(_jsonable(settings)),
        "estimator": balanced.estimator,
        "class_prior": np.asarray(balanced.class_prior_, dtype=float),
    }
    return write_model_payload(payload, path)


def load_model_file(path: str | os.PathLike[str]) -> Any:
    """Read a model written by :func:`save_model_file`, refusing a pickle before opening it.

    Returns
    -------
    openfield.behavior.pose.PoseBehaviorModel

    Raises
    ------
    OpenfieldError
        Naming the file: missing, a folder, a pickle (with the conversion
        command), a type outside the trusted list, not an openfield pose
        model, or one from an incompatible version.
    """
    path = Path(path)
    payload = read_model_payload(path)
    return _model_from_payload(payload, path)


def _model_from_payload(payload: dict, path: Path) -> Any:
    if payload.get("format_version") != FORMAT_VERSION:
        raise OpenfieldError(f"model file format {payload.get('format_version')} (this openfield reads "
                             f"{FORMAT_VERSION}): train it again", path)
    try:
        settings = json.loads(payload["settings_json"])
        balanced = BalancedClassifier(payload["estimator"])
        balanced.classes_ = balanced.estimator.classes_
        balanced.class_prior_ = np.asarray(payload["class_prior"], dtype=float)
        settings["windows_s"] = tuple(settings.get("windows_s", ()))
        for rec in settings.get("cv", []):
            rec.update({k: math.nan for k, v in rec.items() if v is None})
        return PoseBehaviorModel(estimator=balanced, **settings)
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise OpenfieldError(f"model file from an incompatible openfield version ({exc})", path) from exc


def convert_pickled_model(old: str | os.PathLike[str], new: str | os.PathLike[str]) -> Path:
    """Unpickle an old (pickle-based) pose model the user vouches for and write it as a safe model file.

    This runs the pickle: call it only for a file whose author is trusted
    (``openfield behavior convert-model OLD --trust``).

    Parameters
    ----------
    old
        The pickle-based ``.joblib`` of an older openfield.
    new
        The safe model file to write (may be ``old``: replaced atomically).

    Returns
    -------
    Path
        ``new``.

    Raises
    ------
    OpenfieldError
        ``old`` missing, already safe, unreadable, or not an openfield pose model.
    """
    old, new = Path(old), Path(new)
    payload = read_pickled_payload(old)
    payload = {k: v for k, v in payload.items() if k != "kind"}
    try:
        model = PoseBehaviorModel(**payload)
    except TypeError as exc:
        raise OpenfieldError(f"model file from an incompatible openfield version ({exc})", old) from exc
    return save_model_file(model, new)
