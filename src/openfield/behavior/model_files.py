"""Pose behaviour model files that load without running code.

A pose model (``openfield behavior pose-train``) is a zip file written by
skops (https://skops.readthedocs.io): the gradient-boosting classifier as
skops' description of its arrays and parameters, plus the model's settings
(classes, features, body parts, cross-validation) as JSON. Loading checks
every type in the file against an explicit list (:data:`TRUSTED_TYPES`, on
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
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from openfield.behavior.pose import BalancedClassifier, PoseBehaviorModel
from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write

#: Kind stored in a pose model file, checked when it is read back.
POSE_MODEL_KIND = "openfield.behavior.pose model"

#: Version of the file layout (1: the pickled dictionary of openfield <= 0.x; 2: skops + JSON).
FORMAT_VERSION = 2

#: Types a model file may hold besides those skops trusts by default (scikit-learn estimators,
#: numpy arrays and dtypes, Python built-ins): the trees of the histogram gradient boosting.
TRUSTED_TYPES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)

#: What the refusal of a pickle says to do.
CONVERT_HINT = ("if you trust its author, convert it once with 'openfield behavior convert-model {path} --trust' "
                "(writes a safe copy beside it), or train it again with 'openfield behavior pose-train'")


def _skops() -> Any:
    try:
        import skops.io as sio  # lazy: skops is optional (the 'behavior' extra)
    except ImportError as exc:  # the behaviour extra
        raise ImportError(f"{exc}: pose models are read and written with skops (pip install openfield[behavior])"
                          ) from exc
    return sio


def is_pickle_file(path: str | os.PathLike[str]) -> bool:
    """Whether a model file is not a safe (zip) model: a joblib pickle, or anything else but a zip.

    Reads the first bytes only; never unpickles.
    """
    return not zipfile.is_zipfile(path)


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
    sio = _skops()
    settings = {k: v for k, v in model.__dict__.items() if k != "estimator"}
    balanced = model.estimator
    payload = {
        "kind": POSE_MODEL_KIND,
        "format_version": FORMAT_VERSION,
        "settings_json": json.dumps(_jsonable(settings)),
        "estimator": balanced.estimator,
        "class_prior": np.asarray(balanced.class_prior_, dtype=float),
    }
    with atomic_write(path) as tmp:
        sio.dump(payload, tmp)
    return Path(path)


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
    if not path.exists():
        raise OpenfieldError("model file not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a .joblib pose model (made by 'behavior pose-train')", path)
    if is_pickle_file(path):
        raise OpenfieldError(
            "not a safe model file: a pickle (older openfield models, or any other joblib file), which could run "
            "code when opened, so it is not opened; " + CONVERT_HINT.format(path=path),
            path,
        )
    sio = _skops()
    try:
        found = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a zip that is not a skops file: many error types
        raise OpenfieldError(f"cannot read as a pose model file ({type(exc).__name__}: {exc})", path) from exc
    untrusted = sorted(set(found) - set(TRUSTED_TYPES))
    if untrusted:
        raise OpenfieldError(f"the model file holds types openfield does not trust ({', '.join(untrusted)}): "
                             "not opened", path)
    try:
        payload = sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise OpenfieldError(f"cannot read as a pose model file ({type(exc).__name__}: {exc})", path) from exc
    if not isinstance(payload, dict) or payload.get("kind") != POSE_MODEL_KIND:
        raise OpenfieldError("not an openfield pose behaviour model (made by 'behavior pose-train')", path)
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
    import joblib  # lazy: joblib is optional (the 'behavior' extra)

    old, new = Path(old), Path(new)
    if not old.is_file():
        raise OpenfieldError("model file not found", old)
    if not is_pickle_file(old):
        raise OpenfieldError("already a safe model file: nothing to convert", old)
    try:
        payload = joblib.load(old)
    except Exception as exc:  # pickle raises many types on a foreign file
        raise OpenfieldError(f"cannot read as a joblib model file ({type(exc).__name__}: {exc})", old) from exc
    if not isinstance(payload, dict) or payload.get("kind") != POSE_MODEL_KIND:
        raise OpenfieldError("not an openfield pose behaviour model (made by 'behavior pose-train')", old)
    payload = {k: v for k, v in payload.items() if k != "kind"}
    try:
        model = PoseBehaviorModel(**payload)
    except TypeError as exc:
        raise OpenfieldError(f"model file from an incompatible openfield version ({exc})", old) from exc
    return save_model_file(model, new)
