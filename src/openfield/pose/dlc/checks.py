"""Input checks shared by the DeepLabCut steps: videos, project configs, labels, network.

Each check raises :class:`~openfield.errors.OpenfieldError` naming the file
and the problem, before DeepLabCut is imported or any work is done.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from openfield.errors import OpenfieldError
from openfield.io.video import video_info

#: Keys without which a ``config.yaml`` is not a usable DeepLabCut project config.
REQUIRED_CONFIG_KEYS = ("Task", "scorer", "date", "bodyparts", "TrainingFraction")


def check_video(path: str | os.PathLike[str]) -> tuple[int, float, tuple[int, int]]:
    """Check that a video exists and can be decoded.

    Parameters
    ----------
    path
        The video file.

    Returns
    -------
    tuple
        ``(n_frames, fps, (width, height))``.

    Raises
    ------
    OpenfieldError
        Missing, a folder, not readable as a video, or its frame rate unknown.
    """
    info = video_info(path)  # the package's one check of a video (io.video)
    return info.n_frames, info.fps, (info.width, info.height)


def check_videos(videos: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, float]]:
    """Check every video (:func:`check_video`); return ``(resolved path, fps)`` pairs."""
    if isinstance(videos, str | os.PathLike):
        videos = [videos]
    if not videos:
        raise OpenfieldError("give at least one video")
    out = []
    for video in videos:
        _, fps, _ = check_video(video)
        out.append((Path(video).resolve(), fps))
    return out


def read_yaml(path: Path, required: Sequence[str] = ()) -> dict[str, Any]:
    """Read a YAML mapping; ``required`` keys must be present and non-empty."""
    try:
        data = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"not a valid YAML file ({exc})", path) from exc
    if not isinstance(data, dict):
        raise OpenfieldError("not a DeepLabCut project config (no YAML mapping inside)", path)
    missing = [k for k in required if data.get(k) in (None, "", [])]
    if missing:
        raise OpenfieldError(f"not a usable DeepLabCut project config: missing {', '.join(missing)}", path)
    return data


def check_config(config: str | os.PathLike[str]) -> Path:
    """The config path, checked to exist and to be a DeepLabCut project config.

    A project folder holding a ``config.yaml`` is accepted too.
    """
    path = Path(config)
    if not path.exists():
        raise OpenfieldError("DeepLabCut project config not found", path)
    if path.is_dir():
        if (path / "config.yaml").exists():
            return (path / "config.yaml").resolve()
        raise OpenfieldError("is a folder without a config.yaml; give the project's config.yaml", path)
    read_yaml(path, required=REQUIRED_CONFIG_KEYS)
    return path.resolve()


def read_project_config(config: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a project's ``config.yaml`` as a plain dictionary (no side effects)."""
    return read_yaml(check_config(config))


def labelled_folders(project: Path) -> list[Path]:
    """The project's ``labeled-data`` folders (not DeepLabCut's ``*_labeled`` check images)."""
    root = project / "labeled-data"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith("_labeled"))


def check_labels(config: str | os.PathLike[str]) -> dict[str, int]:
    """Check the labelled frames against the config's body parts.

    Parameters
    ----------
    config
        The project's ``config.yaml``.

    Returns
    -------
    dict
        Number of labelled frames per ``labeled-data`` folder.

    Raises
    ------
    OpenfieldError
        No labelled frames at all, or a body part named in the config that
        the labels do not have (naming the labels file).
    """
    path = check_config(config)
    cfg = read_yaml(path)
    project = path.parent
    bodyparts = [str(b) for b in cfg["bodyparts"]]
    counts: dict[str, int] = {}
    for folder in labelled_folders(project):
        h5 = folder / f"CollectedData_{cfg['scorer']}.h5"
        if not h5.exists():
            continue
        try:
            df = pd.read_hdf(h5)
        except (ValueError, KeyError, OSError, ImportError) as exc:
            raise OpenfieldError(f"cannot read the labels ({exc})", h5) from exc
        if not isinstance(df, pd.DataFrame) or "bodyparts" not in (df.columns.names or []):
            raise OpenfieldError("not a DeepLabCut labels table (no 'bodyparts' column level)", h5)
        labelled = list(dict.fromkeys(df.columns.get_level_values("bodyparts")))
        missing = [b for b in bodyparts if b not in labelled]
        if missing:
            raise OpenfieldError(
                f"body part(s) {', '.join(missing)} named in {path.name} are absent from the labels "
                f"(labelled: {', '.join(labelled)}); fix the config's bodyparts or label them",
                h5,
            )
        counts[folder.name] = int(df.notna().any(axis=1).sum())
    if not counts or sum(counts.values()) == 0:
        raise OpenfieldError(
            f"no labelled frames (no labeled-data/*/CollectedData_{cfg['scorer']}.h5 with labels): "
            "run 'openfield pose extract' and 'openfield pose label' first",
            project / "labeled-data",
        )
    return counts


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the Hugging Face hub can be reached (and offline mode is off)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def check_at_least(value: int | None, minimum: int, name: str, unit: str = "") -> None:
    """Refuse ``value`` below ``minimum`` (None means "the default" and passes).

    Parameters
    ----------
    value
        The option's value.
    minimum
        The smallest allowed value.
    name
        The option's name for the message (``"--epochs"``, ``"batch_size"``).
    unit
        Unit shown after the numbers (e.g. ``" px"``).
    """
    if value is not None and value < minimum:
        raise OpenfieldError(f"{name} must be at least {minimum}{unit}, got {value}{unit}")
