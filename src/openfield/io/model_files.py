"""Pose behaviour model files that load without running code: the skops zip read and written.

A pose model (``openfield behavior pose-train``) is a zip file written by
skops (https://skops.readthedocs.io): a dictionary of the classifier and the
model's settings (:mod:`openfield.behavior.model_files` makes it and builds the
model back). Loading checks every type in the file against an explicit list
(:data:`TRUSTED_TYPES`, on top of the scikit-learn, numpy and Python built-in
types skops trusts) before building anything; a file naming any other type is
refused, naming it. A pickle (older openfield versions wrote one, joblib) is
recognised by its first bytes (not a zip) and refused before it is opened.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write

#: Kind stored in a pose model file, checked when it is read back.
POSE_MODEL_KIND = "openfield.behavior.pose model"

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


def write_model_payload(payload: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a model's dictionary (``kind`` :data:`POSE_MODEL_KIND`) with skops, atomically."""
    sio = _skops()
    with atomic_write(path) as tmp:
        sio.dump(payload, tmp)
    return Path(path)


def read_model_payload(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the dictionary of a model file, refusing a pickle before opening it.

    Raises
    ------
    OpenfieldError
        Naming the file: missing, a folder, a pickle (with the conversion
        command), a type outside the trusted list, not an openfield pose model.
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
    return payload


def read_pickled_payload(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Unpickle an old (pickle-based) model file's dictionary: this runs the pickle, only for a trusted file.

    Raises
    ------
    OpenfieldError
        Naming the file: missing, already safe, unreadable, or not an openfield pose model.
    """
    import joblib  # lazy: joblib is optional (the 'behavior' extra)

    path = Path(path)
    if not path.is_file():
        raise OpenfieldError("model file not found", path)
    if not is_pickle_file(path):
        raise OpenfieldError("already a safe model file: nothing to convert", path)
    try:
        payload = joblib.load(path)
    except Exception as exc:  # pickle raises many types on a foreign file
        raise OpenfieldError(f"cannot read as a joblib model file ({type(exc).__name__}: {exc})", path) from exc
    if not isinstance(payload, dict) or payload.get("kind") != POSE_MODEL_KIND:
        raise OpenfieldError("not an openfield pose behaviour model (made by 'behavior pose-train')", path)
    return payload
