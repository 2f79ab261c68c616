"""A DeepLabCut project: create it, repair it, pick and label frames; where its models live.

The project's ``config.yaml`` sits directly in ``open_field_model/`` (not in
DeepLabCut's dated sub-folder). A project moved or copied to another machine
is repaired (its stale paths fixed) before each step uses it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from openfield.bodyparts import BODY_PART_ALIASES, TRACKER_KEYPOINTS, resolve_body_parts
from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.pose.dlc.checks import check_config, check_video, labelled_folders, read_yaml
from openfield.pose.dlc.session import dlc_session, import_deeplabcut

log = logging.getLogger(__name__)

#: Body parts of a new project: the classical tracker's points (:data:`openfield.bodyparts.TRACKER_KEYPOINTS`).
DEFAULT_BODYPARTS = TRACKER_KEYPOINTS
#: DeepLabCut's default network; with ImageNet weights the recommended choice.
DEFAULT_NET = "resnet_50"
#: Where the project lives in the repository (its contents are git-ignored).
DEFAULT_PROJECT_DIR = Path("open_field_model")


def repair_project(config: str | os.PathLike[str]) -> list[str]:
    """Make a moved or copied project usable: fix its stale paths.

    - ``project_path`` is set to the folder holding ``config.yaml``;
    - a ``video_sets`` entry whose file is gone is pointed at the file of the
      same name in the project's ``videos/`` when there is one;
    - a ``labeled-data`` folder without a ``video_sets`` entry gets one
      (``videos/<folder>.mp4``, the crop from its images' size): DeepLabCut
      finds labelled frames through these entries;
    - ``project_path`` and ``pose_config_path`` in the shuffles'
      ``pytorch_config.yaml`` files are updated.

    Parameters
    ----------
    config
        The project's ``config.yaml``.

    Returns
    -------
    list of str
        What was changed, one line each (empty when nothing was stale).
    """
    path = check_config(config)
    project = path.parent
    cfg = read_yaml(path)
    changes: list[str] = []
    edits: dict[str, Any] = {}
    if "multianimalproject" in cfg and cfg["multianimalproject"] is None:
        edits["multianimalproject"] = False  # empty in old configs; DeepLabCut warns at every read
        changes.append("multianimalproject empty -> false")
    if str(cfg.get("project_path")) != str(project):
        edits["project_path"] = str(project)
        changes.append(f"project_path {cfg.get('project_path')!r} -> {str(project)!r}")

    video_sets = dict(cfg.get("video_sets") or {})
    new_sets: dict[str, Any] = {}
    for video, settings in video_sets.items():
        video_path = Path(str(video))
        if not video_path.exists():
            local = project / "videos" / video_path.name
            if local.exists() or local.is_symlink():
                changes.append(f"video {video} -> {local}")
                video_path = local
            elif (project / "labeled-data" / video_path.stem).is_dir():
                # labels without their video: keep the entry, under this project
                video_path = local
            else:
                changes.append(f"dropped video entry {video} (no such file, no labels)")
                continue
        new_sets[str(video_path)] = settings
    stems = {Path(v).stem for v in new_sets}
    for folder in labelled_folders(project):
        if folder.name in stems:
            continue
        images = sorted(folder.glob("*.png")) + sorted(folder.glob("*.jpg"))
        if not images:
            continue
        img = cv2.imread(str(images[0]))
        if img is None:
            raise OpenfieldError("cannot read this labelled image", images[0])
        candidates = [p for p in (project / "videos").glob(f"{folder.name}.*")] if (
            project / "videos"
        ).is_dir() else []
        video_path = candidates[0] if candidates else project / "videos" / f"{folder.name}.mp4"
        new_sets[str(video_path)] = {"crop": f"0, {img.shape[1]}, 0, {img.shape[0]}"}
        changes.append(f"video entry {video_path} added for labeled-data/{folder.name}")
    if new_sets != video_sets:
        edits["video_sets"] = new_sets
    if edits:
        dlc = import_deeplabcut()
        with dlc_session("updating the project config", path):
            dlc.auxiliaryfunctions.edit_config(str(path), edits)

    models = project / "dlc-models-pytorch"
    for pcfg in sorted(models.glob("iteration-*/*/train/pytorch_config.yaml")) if models.is_dir() else []:
        data = read_yaml(pcfg)
        meta = data.get("metadata") or {}
        want = {"project_path": str(project), "pose_config_path": str(pcfg)}
        if any(meta.get(k) not in (None, v) for k, v in want.items()):
            meta.update({k: v for k, v in want.items() if k in meta})
            data["metadata"] = meta
            with atomic_write(pcfg) as tmp:
                tmp.write_text(yaml.safe_dump(data, sort_keys=False))
            changes.append(f"paths in {pcfg.relative_to(project)} updated")
    for line in changes:
        log.info("project %s: %s", project.name, line)
    return changes


def create_project(
    name: str,
    videos: Sequence[str | os.PathLike[str]],
    bodyparts: Sequence[str] = DEFAULT_BODYPARTS,
    project_dir: str | os.PathLike[str] = DEFAULT_PROJECT_DIR,
    experimenter: str = "openfield",
    net: str = DEFAULT_NET,
    copy_videos: bool = True,
) -> Path:
    """Create a DeepLabCut project directly in ``project_dir``.

    The project's ``config.yaml`` sits in ``project_dir`` itself (not in a
    dated sub-folder as DeepLabCut would make): body parts ``bodyparts``, a
    skeleton joining them in order, the PyTorch engine and ``net`` as the
    default network. A folder that already holds a project is left as it is
    (a re-run skips finished work).

    Parameters
    ----------
    name
        The task name (DeepLabCut's ``Task``).
    videos
        Videos to label frames from; copied (or linked) into ``videos/``.
    bodyparts
        Body-part names, at least one, all different. Names that
        :mod:`openfield.bodyparts` knows (e.g. head/nose, body/bodycentre,
        tail/tailbase) are found by the kinematics and behaviour stages; a
        warning is logged when none of them is a body centre.
    project_dir
        The project folder; created if missing. It may hold only a README.
    experimenter
        DeepLabCut's scorer name (labels are ``CollectedData_<experimenter>``).
    net
        Default network type (see :func:`~openfield.pose.dlc.training.available_nets`).
    copy_videos
        Copy the videos (True, the project can be moved) or link them.

    Returns
    -------
    Path
        The project's ``config.yaml``.
    """
    bodyparts = [str(b).strip() for b in bodyparts]
    if not bodyparts or any(not b for b in bodyparts):
        raise OpenfieldError("give at least one body part, none empty")
    if len(set(bodyparts)) != len(bodyparts):
        raise OpenfieldError(f"body parts must all differ: {bodyparts}")
    if not str(name).strip() or any(c in str(name) for c in "/\\ "):
        raise OpenfieldError(f"project name {name!r} must be one word without slashes")
    roles = resolve_body_parts(bodyparts)
    if "body" not in roles:
        log.warning(
            "no body part of %s is a body centre openfield recognises (%s); the kinematics will "
            "need their reference point named",
            ", ".join(bodyparts),
            ", ".join(BODY_PART_ALIASES["body"][:4]),
        )
    project = Path(project_dir).resolve()
    config = project / "config.yaml"
    if config.exists():
        log.info("project already exists, kept as it is: %s", config)
        repair_project(config)
        return config
    if not videos:
        raise OpenfieldError("give at least one video (--videos)")
    for video in videos:
        check_video(video)
    if project.exists() and any(p.name != "README.md" for p in project.iterdir()):
        raise OpenfieldError("folder is not empty and holds no config.yaml; choose another -d", project)
    dlc = import_deeplabcut()
    project.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".creating-", dir=project))
    try:
        with dlc_session("creating the project", project):
            made = dlc.create_new_project(
                str(name),
                str(experimenter),
                [str(Path(v).resolve()) for v in videos],
                working_directory=str(staging),
                copy_videos=copy_videos,
            )
        if not made or str(made) == "nothingcreated":
            raise OpenfieldError("DeepLabCut created no project (no valid video given)", project)
        made_dir = Path(made).parent
        for item in made_dir.iterdir():
            os.replace(item, project / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    skeleton = [[a, b] for a, b in zip(bodyparts[:-1], bodyparts[1:], strict=True)]
    with dlc_session("setting body parts", config):
        dlc.auxiliaryfunctions.edit_config(
            str(config),
            {
                "bodyparts": bodyparts,
                "skeleton": skeleton,
                "default_net_type": net,
                "engine": "pytorch",
                "project_path": str(project),
            },
        )
    repair_project(config)
    log.info("created DeepLabCut project %s with body parts %s", config, ", ".join(bodyparts))
    return config


def extract_frames(
    config: str | os.PathLike[str], numframes: int | None = None, seed: int = 0
) -> list[Path]:
    """Pick frames to label from each video by k-means clustering.

    Parameters
    ----------
    config
        The project's ``config.yaml``.
    numframes
        Frames per video (default: the config's ``numframes2pick``).
    seed
        Seed of the random generators, for a reproducible choice.

    Returns
    -------
    list of Path
        The ``labeled-data`` folders holding extracted frames.
    """
    path = check_config(config)
    repair_project(path)
    cfg = read_yaml(path)
    videos = [Path(v) for v in (cfg.get("video_sets") or {})]
    present = [v for v in videos if v.exists()]
    if not present:
        raise OpenfieldError(
            "no video of the project's video_sets exists on this machine; add videos to videos/", path
        )
    for video in present:
        check_video(video)
    dlc = import_deeplabcut()
    if numframes is not None:
        if numframes < 1:
            raise OpenfieldError(f"numframes must be at least 1, got {numframes}")
        with dlc_session("setting numframes2pick", path):
            dlc.auxiliaryfunctions.edit_config(str(path), {"numframes2pick": int(numframes)})
    np.random.seed(seed)
    with dlc_session("extracting frames", path):
        dlc.extract_frames(str(path), mode="automatic", algo="kmeans", userfeedback=False, crop=False)
    folders = [path.parent / "labeled-data" / v.stem for v in present]
    out = [f for f in folders if f.is_dir() and any(f.glob("*.png"))]
    log.info("extracted frames into %s", ", ".join(str(f) for f in out))
    return out


def has_display() -> bool:
    """True when a GUI window can be opened (a display on Linux; always elsewhere)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def label_frames(config: str | os.PathLike[str]) -> None:
    """Open DeepLabCut's napari labelling window on the project's frames.

    Raises
    ------
    OpenfieldError
        No display (a server or CI) or napari not installed.
    """
    path = check_config(config)
    if not has_display():
        raise OpenfieldError(
            "labelling opens DeepLabCut's napari window, but there is no display here "
            "(DISPLAY/WAYLAND_DISPLAY unset); label on a machine with a screen, then copy labeled-data/ back"
        )
    try:
        import napari  # noqa: F401
    except ImportError as exc:
        raise OpenfieldError(
            "labelling needs napari and napari-deeplabcut: pip install 'deeplabcut[gui]'"
        ) from exc
    repair_project(path)
    dlc = import_deeplabcut()
    with dlc_session("opening the labelling window", path):
        dlc.label_frames(str(path))


# --------------------------------------------------------------------------- where the models live


def train_fraction(cfg: dict[str, Any], trainingsetindex: int) -> float:
    """The config's training fraction number ``trainingsetindex``."""
    fractions = cfg.get("TrainingFraction") or []
    if not 0 <= trainingsetindex < len(fractions):
        raise OpenfieldError(f"training set index {trainingsetindex} not in TrainingFraction {fractions}")
    return float(fractions[trainingsetindex])


def model_folder(config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """The shuffle's model folder (``dlc-models-pytorch/iteration-N/...``)."""
    path = check_config(config)
    cfg = read_yaml(path)
    frac = train_fraction(cfg, trainingsetindex)
    name = f"{cfg['Task']}{cfg['date']}-trainset{int(round(frac * 100))}shuffle{shuffle}"
    return path.parent / "dlc-models-pytorch" / f"iteration-{cfg.get('iteration', 0)}" / name


def snapshots(config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0) -> list[Path]:
    """The shuffle's trained snapshots, oldest first (``snapshot-NNN.pt``; not ``-best``)."""
    train_dir = model_folder(config, shuffle, trainingsetindex) / "train"
    found = [p for p in train_dir.glob("snapshot-*.pt") if p.stem.split("-")[-1].isdigit()]
    return sorted(found, key=snapshot_epoch)


def trained_snapshots(config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0) -> list[Path]:
    """:func:`snapshots`, with a clear error when the shuffle was never trained."""
    done = snapshots(config, shuffle, trainingsetindex)
    if not done:
        raise OpenfieldError(
            f"no trained network for shuffle {shuffle}: run 'openfield pose train --config {config}' first",
            model_folder(config, shuffle, trainingsetindex) / "train",
        )
    return done


def snapshot_epoch(snapshot: Path) -> int:
    """The epoch of a ``snapshot-NNN.pt`` file."""
    return int(snapshot.stem.split("-")[-1])
