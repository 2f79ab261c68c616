"""A thin wrapper around DeepLabCut 3 (PyTorch engine).

The only module of openfield that imports ``deeplabcut``; it does so inside
its functions, so ``import openfield`` and ``openfield --help`` stay fast.
It translates our arguments into DeepLabCut calls and DeepLabCut's outputs
into our pose data:

=========================  ===================================================
:func:`create_project`     a project with body parts head, body, tail and a
                           skeleton, directly in ``open_field_model/``
:func:`extract_frames`     k-means frame selection for labelling
:func:`label_frames`       DeepLabCut's napari labelling window
:func:`train`              training dataset (when missing), then training;
                           pretrained, local weights or from scratch
:func:`evaluate`           train/test RMSE in pixels, to a CSV
:func:`analyze_videos`     .h5 and .csv per video, filtering, labelled video
:func:`analyze_superanimal`  SuperAnimal-TopViewMouse, no training
:func:`repair_project`     a moved or copied project made usable again
=========================  ===================================================

Every function checks its inputs first and raises
:class:`~openfield.errors.OpenfieldError` naming the file and the problem;
an exception from inside DeepLabCut is turned into one such line too (the
original stays attached as ``__cause__``). DeepLabCut's printing is sent to
the ``openfield.pose.deeplabcut`` logger at DEBUG level; openfield logs
what matters at INFO.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import pandas as pd
import yaml

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write, write_csv

log = logging.getLogger(__name__)
_dlc_log = logging.getLogger("openfield.pose.deeplabcut")

#: Body parts of a new project (the original work's points).
DEFAULT_BODYPARTS = ("head", "body", "tail")
#: DeepLabCut's default network; with ImageNet weights the recommended choice.
DEFAULT_NET = "resnet_50"
#: Where the project lives in the repository (its contents are git-ignored).
DEFAULT_PROJECT_DIR = Path("open_field_model")
#: DeepLabCut's SuperAnimal model for top-view mice.
SUPERANIMAL_NAME = "superanimal_topviewmouse"
SUPERANIMAL_MODEL = "hrnet_w32"
SUPERANIMAL_DETECTOR = "fasterrcnn_resnet50_fpn_v2"
#: Filters :func:`analyze_videos` knows.
FILTERS = ("median", "openfield", "none")
DEVICES = ("auto", "cpu", "cuda")

_VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".mpg", ".mpeg", ".m4v")


# --------------------------------------------------------------------------- plumbing


class _LogStream(io.TextIOBase):
    """A text stream that turns each written line into a log record."""

    def __init__(self, logger: logging.Logger, level: int = logging.DEBUG) -> None:
        super().__init__()
        self._logger = logger
        self._level = level
        self._buffer = ""

    def writable(self) -> bool:  # noqa: D102
        return True

    def write(self, text: str) -> int:  # noqa: D102
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            if line.strip():
                self._logger.log(self._level, line.rstrip())
        return len(text)

    def flush(self) -> None:  # noqa: D102
        if self._buffer.strip():
            self._logger.log(self._level, self._buffer.rstrip())
        self._buffer = ""


class _ForwardHandler(logging.Handler):
    """Send DeepLabCut's root-logger records to the openfield logger."""

    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102
        if record.name.startswith("openfield"):
            return  # ours already; forwarding would loop
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            level = record.levelno
        elif message.lstrip().startswith("Epoch "):
            level = logging.INFO  # one line per epoch: the loss, worth seeing
        else:
            level = logging.DEBUG
        _dlc_log.log(level, message)


class _OpenfieldOnly(logging.Handler):
    """Wrap a handler so that it only sees openfield's records (not DeepLabCut's)."""

    def __init__(self, inner: logging.Handler) -> None:
        super().__init__(inner.level)
        self.inner = inner

    def handle(self, record: logging.LogRecord) -> bool:  # noqa: D102
        if record.name.startswith("openfield"):
            return bool(self.inner.handle(record))
        return False

    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102
        self.inner.emit(record)


@contextlib.contextmanager
def _dlc_session(what: str, path: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Run DeepLabCut code quietly and turn its failures into one clear line.

    DeepLabCut's ``print`` output goes to the ``openfield.pose.deeplabcut``
    logger; the root logger's handlers and level, which DeepLabCut's training
    replaces, are restored afterwards.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = _LogStream(_dlc_log)
    try:
        with contextlib.redirect_stdout(stream):
            yield
    except (OpenfieldError, KeyboardInterrupt):
        raise
    except Exception as exc:  # DeepLabCut raises anything; say what we were doing
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise OpenfieldError(
            f"DeepLabCut failed while {what}: {type(exc).__name__}" + (f": {detail}" if detail else ""),
            path,
        ) from exc
    finally:
        stream.flush()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def _import_dlc() -> Any:
    """Import deeplabcut (slow: seconds), with a clear message when it is absent."""
    if "deeplabcut" in sys.modules:
        return sys.modules["deeplabcut"]
    try:
        with contextlib.redirect_stdout(_LogStream(_dlc_log)):
            import deeplabcut
    except ImportError as exc:
        raise OpenfieldError(
            f"DeepLabCut 3 is needed for this step but cannot be imported ({exc}); "
            "install it with: pip install 'openfield[pose]'"
        ) from exc
    return deeplabcut


# --------------------------------------------------------------------------- checks


def resolve_device(device: str = "auto") -> str:
    """Turn ``auto``/``cpu``/``cuda`` into a torch device name.

    Parameters
    ----------
    device
        ``"auto"`` (a CUDA GPU when there is one, else the CPU), ``"cpu"``
        or ``"cuda"`` (also ``"cuda:N"``).

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda"``/``"cuda:N"``.

    Raises
    ------
    OpenfieldError
        For an unknown name, or ``cuda`` on a machine without a usable GPU.
    """
    import torch

    name = str(device).strip().lower()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise OpenfieldError(
                f"--device {device} was asked but PyTorch sees no CUDA GPU on this machine "
                "(torch.cuda.is_available() is False); use --device cpu or --device auto"
            )
        return name
    raise OpenfieldError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")


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
        Missing, a folder, or not readable as a video.
    """
    path = Path(path)
    if not path.exists():
        raise OpenfieldError("video not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a video file", path)
    cap = cv2.VideoCapture(str(path))
    try:
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None:
            raise OpenfieldError("cannot be read as a video (OpenCV decodes no frame from it)", path)
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        size = (frame.shape[1], frame.shape[0])
    finally:
        cap.release()
    return n_frames, fps, size


def _check_config(config: str | os.PathLike[str]) -> Path:
    """The config path, checked to exist and to be a DeepLabCut project config."""
    path = Path(config)
    if not path.exists():
        raise OpenfieldError("DeepLabCut project config not found", path)
    if path.is_dir():
        if (path / "config.yaml").exists():
            return (path / "config.yaml").resolve()
        raise OpenfieldError("is a folder without a config.yaml; give the project's config.yaml", path)
    _read_yaml(path, required=("Task", "scorer", "date", "bodyparts", "TrainingFraction"))
    return path.resolve()


def _read_yaml(path: Path, required: Sequence[str] = ()) -> dict[str, Any]:
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


def read_project_config(config: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a project's ``config.yaml`` as a plain dictionary (no side effects)."""
    return _read_yaml(_check_config(config))


def _labelled_folders(project: Path) -> list[Path]:
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
    path = _check_config(config)
    cfg = _read_yaml(path)
    project = path.parent
    bodyparts = [str(b) for b in cfg["bodyparts"]]
    counts: dict[str, int] = {}
    for folder in _labelled_folders(project):
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


# --------------------------------------------------------------------------- project


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
    path = _check_config(config)
    project = path.parent
    cfg = _read_yaml(path)
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
    for folder in _labelled_folders(project):
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
        dlc = _import_dlc()
        with _dlc_session("updating the project config", path):
            dlc.auxiliaryfunctions.edit_config(str(path), edits)

    models = project / "dlc-models-pytorch"
    for pcfg in sorted(models.glob("iteration-*/*/train/pytorch_config.yaml")) if models.is_dir() else []:
        data = _read_yaml(pcfg)
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
        Body-part names, at least one, all different.
    project_dir
        The project folder; created if missing. It may hold only a README.
    experimenter
        DeepLabCut's scorer name (labels are ``CollectedData_<experimenter>``).
    net
        Default network type (see :func:`available_nets`).
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
    dlc = _import_dlc()
    project.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".creating-", dir=project))
    try:
        with _dlc_session("creating the project", project):
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
    with _dlc_session("setting body parts", config):
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
    path = _check_config(config)
    repair_project(path)
    cfg = _read_yaml(path)
    videos = [Path(v) for v in (cfg.get("video_sets") or {})]
    present = [v for v in videos if v.exists()]
    if not present:
        raise OpenfieldError(
            "no video of the project's video_sets exists on this machine; add videos to videos/", path
        )
    for video in present:
        check_video(video)
    dlc = _import_dlc()
    if numframes is not None:
        if numframes < 1:
            raise OpenfieldError(f"numframes must be at least 1, got {numframes}")
        with _dlc_session("setting numframes2pick", path):
            dlc.auxiliaryfunctions.edit_config(str(path), {"numframes2pick": int(numframes)})
    import numpy as np

    np.random.seed(seed)
    with _dlc_session("extracting frames", path):
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
    path = _check_config(config)
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
    dlc = _import_dlc()
    with _dlc_session("opening the labelling window", path):
        dlc.label_frames(str(path))


# --------------------------------------------------------------------------- training


def available_nets() -> list[str]:
    """Network types DeepLabCut's PyTorch engine can train."""
    _import_dlc()
    from deeplabcut.pose_estimation_pytorch.config.utils import available_models

    return available_models()


def _train_fraction(cfg: dict[str, Any], trainingsetindex: int) -> float:
    fractions = cfg.get("TrainingFraction") or []
    if not 0 <= trainingsetindex < len(fractions):
        raise OpenfieldError(f"training set index {trainingsetindex} not in TrainingFraction {fractions}")
    return float(fractions[trainingsetindex])


def model_folder(config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0) -> Path:
    """The shuffle's model folder (``dlc-models-pytorch/iteration-N/...``)."""
    path = _check_config(config)
    cfg = _read_yaml(path)
    frac = _train_fraction(cfg, trainingsetindex)
    name = f"{cfg['Task']}{cfg['date']}-trainset{int(round(frac * 100))}shuffle{shuffle}"
    return path.parent / "dlc-models-pytorch" / f"iteration-{cfg.get('iteration', 0)}" / name


def snapshots(config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0) -> list[Path]:
    """The shuffle's trained snapshots, oldest first (``snapshot-NNN.pt``; not ``-best``)."""
    train_dir = model_folder(config, shuffle, trainingsetindex) / "train"
    found = [p for p in train_dir.glob("snapshot-*.pt") if p.stem.split("-")[-1].isdigit()]
    return sorted(found, key=lambda p: int(p.stem.split("-")[-1]))



def trained_snapshots(config: Path, shuffle: int = 1, trainingsetindex: int = 0) -> list[Path]:
    """:func:`snapshots`, with a clear error when the shuffle was never trained."""
    done = snapshots(config, shuffle, trainingsetindex)
    if not done:
        raise OpenfieldError(
            f"no trained network for shuffle {shuffle}: run 'openfield pose train --config {config}' first",
            model_folder(config, shuffle, trainingsetindex) / "train",
        )
    return done

def _snapshot_epoch(snapshot: Path) -> int:
    return int(snapshot.stem.split("-")[-1])


def create_training_dataset(
    config: str | os.PathLike[str], net: str | None = None, shuffle: int = 1, trainingsetindex: int = 0
) -> Path:
    """Create the shuffle's training dataset and model config when missing.

    Parameters
    ----------
    config
        The project's ``config.yaml``.
    net
        Network type; default the config's ``default_net_type``. An existing
        shuffle made with another network is an error (use a new shuffle).
    shuffle, trainingsetindex
        Which split.

    Returns
    -------
    Path
        The shuffle's ``pytorch_config.yaml``.
    """
    path = _check_config(config)
    repair_project(path)
    check_labels(path)
    cfg = _read_yaml(path)
    net = net or cfg.get("default_net_type") or DEFAULT_NET
    nets = available_nets()
    if net not in nets:
        raise OpenfieldError(
            f"unknown network {net!r}; DeepLabCut's PyTorch engine offers: {', '.join(nets)}"
        )
    pcfg = model_folder(path, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
    if pcfg.exists():
        existing = _read_yaml(pcfg).get("net_type")
        if existing != net:
            raise OpenfieldError(
                f"shuffle {shuffle} was created with network {existing!r}, not {net!r}; "
                f"pass another --shuffle to train {net}",
                pcfg,
            )
        return pcfg
    dlc = _import_dlc()
    with _dlc_session("creating the training dataset", path):
        dlc.create_training_dataset(
            str(path), Shuffles=[shuffle], net_type=net, userfeedback=False, engine=dlc.Engine.PYTORCH
        )
    if not pcfg.exists():
        raise OpenfieldError(f"DeepLabCut made no model config for shuffle {shuffle}", pcfg)
    log.info("training dataset created: shuffle %d, network %s", shuffle, net)
    return pcfg


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the Hugging Face hub can be reached (and offline mode is off)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _build_pose_model(pcfg: Path, pretrained: bool) -> Any:
    _import_dlc()
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict
    from deeplabcut.pose_estimation_pytorch.models import PoseModel

    model_cfg = read_config_as_dict(str(pcfg))
    return PoseModel.build(model_cfg["model"], pretrained_backbone=pretrained)


def _pretrained_available(pcfg: Path) -> tuple[bool, str]:
    """Whether ImageNet backbone weights can be loaded (from the cache or the hub)."""
    with contextlib.redirect_stdout(_LogStream(_dlc_log)):
        try:
            _build_pose_model(pcfg, pretrained=True)
        except Exception as exc:  # timm/hub raise many kinds; any means "not available"
            why = "no network or HF_HUB_OFFLINE=1" if not hub_reachable() else f"{type(exc).__name__}"
            return False, why
    return True, ""


def _backbone_module(model: Any) -> Any:
    """The network whose weights ImageNet files hold (timm's model inside ResNet backbones)."""
    return model.backbone.model if hasattr(model.backbone, "model") else model.backbone


def _initial_snapshot(
    pcfg: Path, weights: str | os.PathLike[str] | None, seed: int
) -> tuple[Path, bool]:
    """Write the weights training starts from; return it and whether to load its head.

    ``weights`` None: a randomly initialised model (seeded). A DeepLabCut
    snapshot (a dict with ``model``) is used as it is; any other state dict
    is taken as backbone weights (e.g. timm's ImageNet ResNet-50) and loaded
    into a fresh model's backbone.
    """
    import torch

    init_dir = pcfg.parent.parent / "init"
    if weights is not None:
        wpath = Path(weights)
        if not wpath.exists():
            raise OpenfieldError("weights file not found", wpath)
        try:
            if wpath.suffix == ".safetensors":
                from safetensors.torch import load_file

                state = load_file(str(wpath))
            else:
                state = torch.load(wpath, map_location="cpu", weights_only=True)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise OpenfieldError(f"cannot read as PyTorch weights ({why})", wpath) from exc
        if isinstance(state, dict) and isinstance(state.get("model"), dict):
            model = _build_pose_model(pcfg, pretrained=False)
            own = model.state_dict()
            same = all(k in own and own[k].shape == v.shape for k, v in state["model"].items())
            log.info("training starts from the DeepLabCut snapshot %s", wpath)
            return wpath, same
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
        if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
            raise OpenfieldError("not a PyTorch state dict or DeepLabCut snapshot", wpath)
        torch.manual_seed(seed)
        model = _build_pose_model(pcfg, pretrained=False)
        backbone = _backbone_module(model)
        own = backbone.state_dict()
        usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        if len(usable) < 0.5 * len(own):
            raise OpenfieldError(
                f"these weights do not fit the {_read_yaml(pcfg).get('net_type')} backbone "
                f"({len(usable)} of {len(own)} tensors match)",
                wpath,
            )
        backbone.load_state_dict(usable, strict=False)
        log.info("backbone weights loaded from %s (%d of %d tensors)", wpath, len(usable), len(own))
        out = init_dir / f"init-{wpath.stem}.pt"
    else:
        torch.manual_seed(seed)
        model = _build_pose_model(pcfg, pretrained=False)
        out = init_dir / f"init-scratch-seed{seed}.pt"
    init_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as tmp:
        torch.save({"model": model.state_dict(), "metadata": {"epoch": 0}}, tmp)
    return out, True


def train(
    config: str | os.PathLike[str],
    epochs: int | None = None,
    net: str | None = None,
    device: str = "auto",
    weights: str | os.PathLike[str] | None = None,
    from_scratch: bool = False,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int | None = None,
    save_epochs: int | None = None,
    seed: int = 42,
    crop_size: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train a network on the project's labelled frames.

    Creates the training dataset when missing, then trains with
    DeepLabCut's ``train_network``. Initial weights, in this order:
    ``weights`` (a local file), a random initialisation when
    ``from_scratch``, else ImageNet-pretrained backbone weights, which
    DeepLabCut fetches from the Hugging Face hub; when they can be neither
    found nor downloaded this stops with one line saying what to do.
    A shuffle that already has a snapshot of at least ``epochs`` epochs is
    not trained again.

    Parameters
    ----------
    config
        The project's ``config.yaml`` (a moved project is repaired first).
    epochs
        Epochs to train (default: the model config's, 200).
    net
        Network type (default: the config's ``default_net_type``).
    device
        ``auto``, ``cpu`` or ``cuda``.
    weights
        Local weights to start from: a DeepLabCut snapshot or backbone
        weights (e.g. timm's ImageNet ResNet-50 ``.pth``/``.safetensors``).
    from_scratch
        Start from a randomly initialised model (no download).
    shuffle, trainingsetindex
        Which split.
    batch_size, save_epochs
        Override the model config's.
    seed
        Seed of the initialisation and of DeepLabCut's training.
    crop_size
        Side in pixels of the square crops training samples around the
        labels (DeepLabCut's default 448). Smaller trains faster on a CPU
        (256: about 3x); inference still sees whole frames.
    overrides
        Further model-config updates, DeepLabCut's dot-separated keys
        (e.g. ``{"runner.optimizer.params.lr": 1e-3}``).

    Returns
    -------
    Path
        The last snapshot written.
    """
    path = _check_config(config)
    dev = resolve_device(device)
    if epochs is not None and epochs < 1:
        raise OpenfieldError(f"epochs must be at least 1, got {epochs}")
    if weights is not None and from_scratch:
        raise OpenfieldError("give either --weights or --from-scratch, not both")
    pcfg = create_training_dataset(path, net=net, shuffle=shuffle, trainingsetindex=trainingsetindex)
    model_cfg = _read_yaml(pcfg)
    n_epochs = int(epochs or model_cfg.get("train_settings", {}).get("epochs", 200))
    done = snapshots(path, shuffle, trainingsetindex)
    if done and _snapshot_epoch(done[-1]) >= n_epochs:
        log.info("already trained (%s); not training again", done[-1].name)
        return done[-1]

    if weights is not None or from_scratch:
        init, load_head = _initial_snapshot(pcfg, weights, seed)
    else:
        ok, why = _pretrained_available(pcfg)
        if not ok:
            raise OpenfieldError(
                f"ImageNet-pretrained weights for {model_cfg.get('net_type')} cannot be downloaded ({why}); "
                "train from a local weights file with --weights PATH, "
                "or from a random start with --from-scratch"
            )
        init, load_head = None, True
        log.info("training from ImageNet-pretrained backbone weights")
    if init is not None and weights is None:
        log.info("training from scratch (randomly initialised model, seed %d)", seed)

    updates: dict[str, Any] = {"train_settings.seed": seed}
    if crop_size is not None:
        if crop_size < 32:
            raise OpenfieldError(f"crop size must be at least 32 px, got {crop_size}")
        updates["data.train.crop_sampling.width"] = int(crop_size)
        updates["data.train.crop_sampling.height"] = int(crop_size)
    updates.update(overrides or {})
    save_every = save_epochs or min(int(model_cfg["runner"]["snapshots"]["save_epochs"]), n_epochs)
    log.info("training %s for %d epoch(s) on %s", model_cfg.get("net_type"), n_epochs, dev)
    _import_dlc()
    from deeplabcut.pose_estimation_pytorch.apis import training as dlc_training

    user_handlers = list(logging.getLogger().handlers)

    def _log_to_file(filepath: Path) -> None:
        # DeepLabCut would replace the root logger's handlers and print to the console;
        # keep its train.txt and send the rest to our logger instead.
        root = logging.getLogger()
        file_handler = logging.FileHandler(filepath, mode="a")
        file_handler.setFormatter(logging.Formatter("%(asctime)-15s %(message)s", "%Y-%m-%d %H:%M:%S"))
        file_handler.addFilter(lambda record: not record.name.startswith("openfield"))  # no echo
        root.handlers[:] = [file_handler, _ForwardHandler()] + [_OpenfieldOnly(h) for h in user_handlers]
        root.setLevel(logging.INFO)

    with (
        _dlc_session("training", pcfg),
        _patched(dlc_training, "setup_file_logging", _log_to_file),
    ):
        dlc_training.train_network(
            str(path),
            shuffle=shuffle,
            trainingsetindex=trainingsetindex,
            device=dev,
            snapshot_path=None if init is None else str(init),
            load_head_weights=load_head,
            epochs=n_epochs,
            save_epochs=save_every,
            batch_size=batch_size,
            pytorch_cfg_updates=updates,
        )
    done = snapshots(path, shuffle, trainingsetindex)
    if not done:
        raise OpenfieldError("training ended without writing a snapshot", pcfg.parent)
    log.info("trained: %s", done[-1])
    return done[-1]


@contextlib.contextmanager
def _patched(module: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


# --------------------------------------------------------------------------- evaluation

EVALUATION_COLUMNS = [
    "shuffle",
    "training_fraction",
    "net_type",
    "epochs",
    "n_train_images",
    "n_test_images",
    "pcutoff",
    "train_rmse_px",
    "test_rmse_px",
    "train_rmse_pcutoff_px",
    "test_rmse_pcutoff_px",
]


def evaluate(
    config: str | os.PathLike[str],
    shuffle: int = 1,
    trainingsetindex: int = 0,
    device: str = "auto",
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Evaluate the last snapshot: train and test RMSE in pixels.

    RMSE is DeepLabCut's: the mean Euclidean distance between predicted and
    labelled points over all labelled (image, body part) pairs; the
    ``_pcutoff`` variants count only predictions with likelihood at least
    the config's ``pcutoff``.

    Parameters
    ----------
    config
        The project's ``config.yaml``.
    shuffle, trainingsetindex
        Which split.
    device
        ``auto``, ``cpu`` or ``cuda``.
    out
        CSV to write; default ``evaluation.csv`` in the project folder.

    Returns
    -------
    pandas.DataFrame
        One row, the columns of :data:`EVALUATION_COLUMNS`.
    """
    path = _check_config(config)
    dev = resolve_device(device)
    repair_project(path)
    done = trained_snapshots(path, shuffle, trainingsetindex)
    cfg = _read_yaml(path)
    frac = _train_fraction(cfg, trainingsetindex)
    epoch = _snapshot_epoch(done[-1])
    pcfg = model_folder(path, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
    _import_dlc()
    from deeplabcut.pose_estimation_pytorch.apis.evaluation import evaluate_network

    with _dlc_session("evaluating", path):
        evaluate_network(
            str(path), shuffles=[shuffle], trainingsetindex=trainingsetindex, snapshotindex=-1, device=dev
        )
    combined = path.parent / "evaluation-results-pytorch" / f"iteration-{cfg.get('iteration', 0)}"
    combined = combined / "CombinedEvaluation-results.csv"
    if not combined.exists():
        raise OpenfieldError("DeepLabCut wrote no evaluation results", combined)
    scores = pd.read_csv(combined)
    scores.columns = [c.lstrip("%") for c in scores.columns]
    row = scores[
        (scores["Shuffle number"] == shuffle)
        & ((scores["Training dataset"] - frac).abs() < 1e-9)
        & (scores["Training epochs"] == epoch)
    ]
    if row.empty:
        raise OpenfieldError(f"no evaluation row for shuffle {shuffle}, epoch {epoch}", combined)
    r = row.iloc[-1]
    n_train, n_test = _split_sizes(path, cfg, frac, shuffle)
    result = pd.DataFrame(
        [
            {
                "shuffle": shuffle,
                "training_fraction": frac,
                "net_type": _read_yaml(pcfg).get("net_type"),
                "epochs": epoch,
                "n_train_images": n_train,
                "n_test_images": n_test,
                "pcutoff": float(r["pcutoff"]),
                "train_rmse_px": float(r["train rmse"]),
                "test_rmse_px": float(r["test rmse"]),
                "train_rmse_pcutoff_px": float(r["train rmse_pcutoff"]),
                "test_rmse_pcutoff_px": float(r["test rmse_pcutoff"]),
            }
        ],
        columns=EVALUATION_COLUMNS,
    )
    out_path = Path(out) if out is not None else path.parent / "evaluation.csv"
    write_csv(result, out_path)
    log.info(
        "evaluation (%s, %d epochs): train RMSE %.2f px, test RMSE %.2f px "
        "(p-cutoff %.2f: %.2f / %.2f px) -> %s",
        result.at[0, "net_type"],
        epoch,
        result.at[0, "train_rmse_px"],
        result.at[0, "test_rmse_px"],
        result.at[0, "pcutoff"],
        result.at[0, "train_rmse_pcutoff_px"],
        result.at[0, "test_rmse_pcutoff_px"],
        out_path,
    )
    return result


def _split_sizes(path: Path, cfg: dict[str, Any], frac: float, shuffle: int) -> tuple[int, int]:
    folder = path.parent / "training-datasets" / f"iteration-{cfg.get('iteration', 0)}"
    folder = folder / f"UnaugmentedDataSet_{cfg['Task']}{cfg['date']}"
    doc = folder / f"Documentation_data-{cfg['Task']}_{int(round(frac * 100))}shuffle{shuffle}.pickle"
    if not doc.exists():
        return -1, -1
    data = pd.read_pickle(doc)
    return len(data[1]), len(data[2])


def evaluation_predictions(
    config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, list[int], list[int]]:
    """The last evaluation's predictions, the labels and the train/test split.

    For checking :func:`evaluate`'s figures independently.

    Returns
    -------
    tuple
        ``(predictions, labels, train_indices, test_indices)``: predictions
        with columns ``(bodyparts, coords)`` (x, y, likelihood) and labels
        with ``(bodyparts, coords)`` (x, y), both indexed like the labels
        table of the training dataset.
    """
    path = _check_config(config)
    cfg = _read_yaml(path)
    frac = _train_fraction(cfg, trainingsetindex)
    epoch = _snapshot_epoch(snapshots(path, shuffle, trainingsetindex)[-1])
    folder = model_folder(path, shuffle, trainingsetindex)
    eval_dir = path.parent / "evaluation-results-pytorch" / f"iteration-{cfg.get('iteration', 0)}"
    eval_dir = eval_dir / folder.name
    found = sorted(eval_dir.glob(f"DLC_*shuffle{shuffle}_snapshot_{epoch:03d}.h5")) + sorted(
        eval_dir.glob(f"DLC_*shuffle{shuffle}_snapshot_{epoch}.h5")
    )
    if not found:
        raise OpenfieldError(f"no evaluation predictions for epoch {epoch}: run evaluate first", eval_dir)
    pred = pd.read_hdf(found[0])
    pred = pred.droplevel([lvl for lvl in ("scorer", "individuals") if lvl in pred.columns.names], axis=1)
    ds_dir = path.parent / "training-datasets" / f"iteration-{cfg.get('iteration', 0)}"
    ds_dir = ds_dir / f"UnaugmentedDataSet_{cfg['Task']}{cfg['date']}"
    labels = pd.read_hdf(ds_dir / f"CollectedData_{cfg['scorer']}.h5")
    extra = [lvl for lvl in ("scorer", "individuals") if lvl in labels.columns.names]
    labels = labels.droplevel(extra, axis=1)
    doc = pd.read_pickle(
        ds_dir / f"Documentation_data-{cfg['Task']}_{int(round(frac * 100))}shuffle{shuffle}.pickle"
    )
    return pred, labels, [int(i) for i in doc[1]], [int(i) for i in doc[2]]


# --------------------------------------------------------------------------- analysis


def clean_pose(
    ds: Any, likelihood_cutoff: float, max_gap_s: float = 0.5, smooth_window_s: float = 0.25
) -> Any:
    """openfield's cleaning of every body part of a pose dataset (in pixels).

    Per body part: points with likelihood below ``likelihood_cutoff`` are
    dropped, interior gaps up to ``max_gap_s`` are filled linearly, and each
    stretch is smoothed (Savitzky-Golay, order 2, ``smooth_window_s``) with
    :mod:`openfield.cleaning`. Likelihoods are kept. (Jump removal needs a
    speed limit in cm/s and so waits for the calibration, in the kinematics.)

    Parameters
    ----------
    ds
        Pose dataset (:func:`openfield.io.read_dlc`) with ``attrs['fps']``.
    likelihood_cutoff, max_gap_s, smooth_window_s
        The cleaning's settings.

    Returns
    -------
    xarray.Dataset
        A cleaned copy.
    """
    from openfield import cleaning

    fps = ds.attrs.get("fps")
    if not fps:
        raise OpenfieldError("the pose dataset has no fps; cleaning needs it", ds.attrs.get("source_file"))
    out = ds.copy(deep=True)
    window = cleaning.window_frames(smooth_window_s, fps, 2)
    max_gap = int(round(max_gap_s * fps))
    for ind in range(ds.sizes["individuals"]):
        for kp in range(ds.sizes["keypoints"]):
            xy = ds["position"].isel(individuals=ind, keypoints=kp).transpose("time", "space").values
            lik = ds["confidence"].isel(individuals=ind, keypoints=kp).values
            xy = cleaning.mask_low_likelihood(xy, lik, likelihood_cutoff)
            xy, _ = cleaning.interpolate_gaps(xy, max_gap)
            xy = cleaning.smooth(xy, window, 2)
            out["position"][:, :, kp, ind] = xy
    return out



def _check_videos(videos: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, float]]:
    if isinstance(videos, str | os.PathLike):
        videos = [videos]
    if not videos:
        raise OpenfieldError("give at least one video")
    out = []
    for video in videos:
        _, fps, _ = check_video(video)
        out.append((Path(video).resolve(), fps))
    return out


def analyze_videos(
    videos: Sequence[str | os.PathLike[str]],
    config_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    batch_size: int = 8,
    device: str = "auto",
    filter: str = "median",
    labeled_video: bool = False,
) -> list[Path]:
    """Track the body parts in videos with the project's trained network.

    Writes into ``out_dir``, per video, DeepLabCut's ``<video><scorer>.h5``
    and ``.csv`` (x, y in pixels and likelihood per body part and frame),
    with ``filter="median"`` also the median-filtered
    ``<video><scorer>_filtered.h5/.csv`` (DeepLabCut's ``filterpredictions``,
    window 5 frames), with ``filter="openfield"`` instead
    ``<video><scorer>_cleaned.h5/.csv`` (:func:`clean_pose` with the
    config's ``pcutoff``), and with ``labeled_video`` a video with the points
    drawn on. Each video is analysed in a temporary folder and its files
    moved into ``out_dir`` when complete, so a finished output is never
    partial; a video whose output exists is skipped.

    This is what ``openfield run --pose dlc --dlc-config CFG`` calls.

    Parameters
    ----------
    videos
        Video files.
    config_path
        The project's ``config.yaml`` (a moved project is repaired first).
    out_dir
        Output folder (created).
    shuffle, trainingsetindex
        Which trained network.
    batch_size
        Frames per forward pass.
    device
        ``auto``, ``cpu`` or ``cuda``.
    filter
        ``"median"``, ``"openfield"`` or ``"none"``.
    labeled_video
        Also write a labelled video.

    Returns
    -------
    list of Path
        One pose file per video, in order: the filtered (or cleaned)
        ``.h5``, or the raw one with ``filter="none"``. Read it with
        :func:`openfield.io.read_dlc`.
    """
    path = _check_config(config_path)
    checked = _check_videos(videos)
    dev = resolve_device(device)
    if filter not in FILTERS:
        raise OpenfieldError(f"unknown filter {filter!r}: use one of {', '.join(FILTERS)}")
    if batch_size < 1:
        raise OpenfieldError(f"batch size must be at least 1, got {batch_size}")
    repair_project(path)
    trained_snapshots(path, shuffle, trainingsetindex)  # a clear error when there is none
    cfg = _read_yaml(path)
    frac = _train_fraction(cfg, trainingsetindex)
    dlc = _import_dlc()
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_scorer_name
    from deeplabcut.pose_estimation_pytorch.apis.videos import analyze_videos as dlc_analyze_videos

    with _dlc_session("naming the network", path):
        scorer = get_scorer_name(
            dlc.auxiliaryfunctions.read_config(str(path)), shuffle, frac, snapshot_index=-1
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for video, fps in checked:
        stem = f"{video.stem}{scorer}"
        suffix = {"median": "_filtered", "openfield": "_cleaned", "none": ""}[filter]
        final = out / f"{stem}{suffix}.h5"
        wanted_video = labeled_video and not any(out.glob(f"{stem}*_labeled.mp4"))
        if final.exists() and not wanted_video:
            log.info("already analysed, skipped: %s", final)
            results.append(final)
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f".analyzing-{video.stem}-", dir=out))
        try:
            for existing in out.glob(f"{stem}*"):
                if existing.is_file():
                    shutil.copy2(existing, tmp / existing.name)
            log.info("analysing %s (batch size %d, %s)", video.name, batch_size, dev)
            with _dlc_session(f"analysing {video.name}", video):
                dlc_analyze_videos(
                    str(path),
                    [str(video)],
                    shuffle=shuffle,
                    trainingsetindex=trainingsetindex,
                    destfolder=str(tmp),
                    batch_size=batch_size,
                    device=dev,
                    save_as_csv=True,
                    snapshot_index=-1,
                )
                if not (tmp / f"{stem}.h5").exists():
                    raise OpenfieldError(f"DeepLabCut wrote no {stem}.h5", tmp)
                if filter == "median":
                    dlc.filterpredictions(
                        str(path),
                        [str(video)],
                        shuffle=shuffle,
                        trainingsetindex=trainingsetindex,
                        filtertype="median",
                        windowlength=5,
                        destfolder=str(tmp),
                        save_as_csv=True,
                    )
                if filter == "openfield":
                    _write_cleaned(tmp / f"{stem}.h5", tmp / f"{stem}_cleaned.h5", fps,
                                   float(cfg.get("pcutoff") or 0.6))
                if labeled_video:
                    dlc.create_labeled_video(
                        str(path),
                        [str(video)],
                        shuffle=shuffle,
                        trainingsetindex=trainingsetindex,
                        destfolder=str(tmp),
                        filtered=filter == "median",
                        save_frames=False,
                    )
            # everything but the pose .h5 first: its presence marks the video as done
            files = sorted(tmp.iterdir(), key=lambda p: p.name == final.name)
            for item in files:
                if item.is_file():
                    os.replace(item, out / item.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not final.exists():
            raise OpenfieldError(f"analysis finished without {final.name}", out)
        log.info("pose written: %s", final)
        results.append(final)
    return results


def _write_cleaned(raw: Path, dst: Path, fps: float, cutoff: float) -> None:
    """Clean a DeepLabCut .h5 with :func:`clean_pose`; write .h5 and .csv beside it."""
    from openfield.io import read_dlc
    from openfield.io.pose import to_dlc_dataframe

    cleaned = clean_pose(read_dlc(raw, fps=fps), cutoff)
    df = to_dlc_dataframe(cleaned)
    with atomic_write(dst.with_suffix(".csv")) as tmp:
        df.to_csv(tmp)
    with atomic_write(dst) as tmp:
        df.to_hdf(tmp, key="df_with_missing", mode="w")


def labeled_videos(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Labelled videos written by :func:`analyze_videos` in ``out_dir``."""
    return sorted(Path(out_dir).glob("*_labeled.mp4"))


def analyze_superanimal(
    videos: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model_name: str = SUPERANIMAL_MODEL,
    detector_name: str = SUPERANIMAL_DETECTOR,
    batch_size: int = 8,
    device: str = "auto",
    labeled_video: bool = False,
) -> list[Path]:
    """Track a mouse with DeepLabCut's SuperAnimal-TopViewMouse (no training).

    The model's weights come from the Hugging Face hub on first use (then
    DeepLabCut keeps them in its ``modelzoo/checkpoints``); without network
    and without them this stops with one clear line. The output is reduced
    to one animal and written as ``<video>_superanimal_topviewmouse.h5/.csv``
    (DeepLabCut layout, the model's 27 body parts) in ``out_dir``.

    Returns
    -------
    list of Path
        One ``.h5`` per video, readable with :func:`openfield.io.read_dlc`.
    """
    checked = _check_videos(videos)
    dev = resolve_device(device)
    dlc = _import_dlc()
    from deeplabcut.pose_estimation_pytorch.modelzoo.utils import get_super_animal_snapshot_path

    models = (model_name, detector_name)
    needed = [get_super_animal_snapshot_path(SUPERANIMAL_NAME, m, download=False) for m in models]
    missing = [p for p in needed if not p.exists()]
    if missing:
        if not hub_reachable():
            raise OpenfieldError(
                f"SuperAnimal-TopViewMouse weights ({', '.join(p.name for p in missing)}) are not on this "
                "machine and cannot be downloaded (no network or HF_HUB_OFFLINE=1); run once with network, "
                "or train a project model with 'openfield pose train'"
            )
        with _dlc_session("downloading SuperAnimal-TopViewMouse weights"):
            for m in (model_name, detector_name):
                get_super_animal_snapshot_path(SUPERANIMAL_NAME, m, download=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for video, _fps in checked:
        final = out / f"{video.stem}_{SUPERANIMAL_NAME}.h5"
        if final.exists():
            log.info("already analysed, skipped: %s", final)
            results.append(final)
            continue
        tmp = Path(tempfile.mkdtemp(prefix=f".superanimal-{video.stem}-", dir=out))
        try:
            with _dlc_session(f"analysing {video.name} with SuperAnimal-TopViewMouse", video):
                dlc.video_inference_superanimal(
                    [str(video)],
                    superanimal_name=SUPERANIMAL_NAME,
                    model_name=model_name,
                    detector_name=detector_name,
                    dest_folder=str(tmp),
                    batch_size=batch_size,
                    device=dev,
                    max_individuals=1,
                    create_labeled_video=labeled_video,
                    plot_bboxes=False,
                )
            produced = sorted(tmp.glob(f"{video.stem}*.h5"))
            if not produced:
                raise OpenfieldError("SuperAnimal inference wrote no .h5", tmp)
            df = pd.read_hdf(produced[0])
            if "individuals" in (df.columns.names or []):
                first = df.columns.get_level_values("individuals")[0]
                df = df.xs(first, axis=1, level="individuals", drop_level=True)
            with atomic_write(final.with_suffix(".csv")) as t:
                df.to_csv(t)
            for item in tmp.glob("*.mp4"):
                os.replace(item, out / item.name)
            with atomic_write(final) as t:
                df.to_hdf(t, key="df_with_missing", mode="w")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results.append(final)
    return results
