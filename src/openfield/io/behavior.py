"""Behaviour files read and written by :mod:`openfield.io`: a ViT model folder's record."""

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
