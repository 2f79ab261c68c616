"""Behaviour files read by :mod:`openfield.io`: a ViT model folder (checked without loading it) and its record."""

from __future__ import annotations

import json
import os
from pathlib import Path

from openfield.errors import OpenfieldError

#: The openfield part of a ViT model folder, written last (its presence means training finished).
MODEL_INFO = "openfield_vit.json"


def read_model_info(model_dir: str | os.PathLike[str]) -> dict:
    """``openfield_vit.json`` of a model folder, or ``{}`` for a plain checkpoint."""
    path = Path(model_dir) / MODEL_INFO
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise OpenfieldError(f"not valid JSON ({exc})", path) from exc


#: Weight files that are pickles (``torch.save``): never loaded, their folder refused.
PICKLED_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl", "*.pickle")


def check_model_folder(model_dir: str | os.PathLike[str]) -> list[str]:
    """Check a model folder without loading it: safetensors weights that open, and its classes.

    Run once before a batch (``openfield run --behavior-model``,
    ``behavior predict``), so a bad folder fails the set-up, not each video.
    Needs neither torch nor transformers.

    Parameters
    ----------
    model_dir
        A folder written by :func:`openfield.behavior.outputs.write_training`
        (or any image-classification model folder).

    Returns
    -------
    list of str
        The classes, from ``config.json``'s ``id2label`` in output order.

    Raises
    ------
    OpenfieldError
        Naming the folder or file: missing, no or unreadable ``config.json``
        or ``id2label``, weights in a pickle format (``pytorch_model.bin``
        and the like, which run code when loaded), no ``.safetensors``
        weights, or weights whose header does not read.
    """
    try:
        from safetensors import safe_open  # lazy: optional (the 'behavior' extra)
    except ImportError as exc:
        raise OpenfieldError(f"a ViT model needs the 'behavior' extra ({exc}): pip install openfield[behavior]",
                             model_dir) from exc

    d = Path(model_dir)
    if not d.is_dir():
        raise OpenfieldError("model folder not found", d)
    config = d / "config.json"
    if not config.exists():
        raise OpenfieldError("not a model folder (no config.json): train one with `openfield behavior train`", d)
    try:
        cfg = json.loads(config.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OpenfieldError(f"cannot read the model's config ({exc})", config) from exc
    pickled = sorted({p.name for pattern in PICKLED_WEIGHTS for p in d.glob(pattern)})
    if pickled:
        raise OpenfieldError(
            f"weights in a pickle format ({', '.join(pickled)}), which can run code when loaded: openfield loads "
            "safetensors weights only (model.safetensors; in a session you trust, save the model again with "
            "save_pretrained(folder, safe_serialization=True) and remove the pickle)", d)
    weights = sorted(d.glob("*.safetensors"))
    if not weights:
        raise OpenfieldError("no weights (model.safetensors) in the model folder", d)
    for w in weights:
        try:
            with safe_open(str(w), framework="numpy") as f:
                n_tensors = len(list(f.keys()))
        except Exception as exc:  # safetensors raises its own error types on a damaged header
            raise OpenfieldError(f"cannot read the weights ({type(exc).__name__}: {exc})", w) from exc
        if n_tensors == 0:
            raise OpenfieldError("the weights file holds no tensors", w)
    id2label = cfg.get("id2label") if isinstance(cfg, dict) else None
    try:
        return [str(id2label[str(i)]) for i in range(len(id2label))]  # type: ignore[index,arg-type]
    except (KeyError, TypeError) as exc:
        raise OpenfieldError("config.json has no id2label 0..n-1 (the classes)", config) from exc
