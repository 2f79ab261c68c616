"""The typed options of the pipeline, checked when made (so notebooks get the same checks as the CLI)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from openfield.arena import ArenaGeometry, arena_from_dict, zones
from openfield.arena.zones import parse
from openfield.behavior.outputs import behavior_model_kind, load_pose_model, model_behaviors
from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.calibration import Calibration
from openfield.errors import OpenfieldError
from openfield.io.behavior import check_model_folder
from openfield.io.pose import SOURCE_SOFTWARE
from openfield.kinematics import KinematicsConfig, arena_zone_list
from openfield.pose.dlc.checks import read_project_config
from openfield.tracking import TrackerConfig

POSE_METHODS = ("classic", "dlc")


def behavior_columns(behaviors: Sequence[str]) -> list[str]:
    """The summary columns of a behaviour model's classes: ``time_<b>_s``, ``bouts_<b>``, ``latency_<b>_s`` each."""
    return [f"{m}_{b}{u}" for b in behaviors for m, u in (("time", "_s"), ("bouts", ""), ("latency", "_s"))]


#: Behaviour columns of the default classes (rearing, grooming); a model's own are :func:`behavior_columns`
#: of its classes (:attr:`RunConfig.behavior_columns`).
BEHAVIOR_COLUMNS = behavior_columns(("rearing", "grooming"))


def check_fps(fps: float | None, required: bool = False) -> None:
    """Refuse a frame rate that is not a positive number (``--fps``)."""
    if fps is None:
        if required:
            raise OpenfieldError("--fps is required (the video's frame rate)")
        return
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"--fps must be a positive number (frames per second), got {fps!r}")


def check_arena_size(size: tuple[float, float] | None) -> tuple[float, float] | None:
    """Refuse a floor size that is not two positive numbers (``--arena-size-cm W H``)."""
    if size is None:
        return None
    if len(size) != 2 or not all(math.isfinite(v) and v > 0 for v in size):
        raise OpenfieldError(f"--arena-size-cm must be two positive numbers W H in cm, got {tuple(size)}")
    return float(size[0]), float(size[1])


def check_arenas(arenas: int | str | None) -> int | str | None:
    """Refuse a number of arenas that is not a whole number of at least 1 or ``"auto"`` (``--arenas``)."""
    if arenas is None or arenas == "auto":
        return arenas
    if isinstance(arenas, bool) or not isinstance(arenas, (int, np.integer)) or arenas < 1:
        raise OpenfieldError(f"--arenas must be a whole number of at least 1, or auto, got {arenas!r}")
    return int(arenas)


def check_arena_corners(corners: Sequence[Any] | None) -> list[np.ndarray] | None:
    """Refuse hand-given arena corners that are not, per arena, four finite (x, y) points (``--arena-corners``)."""
    if corners is None:
        return None
    out = []
    for k, c in enumerate(corners, 1):
        a = np.asarray(c, dtype=float)
        if a.shape != (4, 2) or not np.isfinite(a).all():
            raise OpenfieldError(f"--arena-corners: arena {k} must have four finite (x, y) corners, "
                                 f"got an array of shape {a.shape}")
        out.append(a)
    if not out:
        raise OpenfieldError("--arena-corners: no arena given")
    return out


def check_zones(kinematics: KinematicsConfig, calibration: Calibration | list[Calibration] | None,
                arena_size_cm: tuple[float, float] | None, arena_diameter_cm: float | None = None) -> None:
    """Check ``--zones`` and ``--corner-cm`` against every arena known before any video is read.

    With calibrations, each one's arena (its shape, and the mapping of zones
    in pixels); else, for zones in cm, a rectangular floor of
    ``arena_size_cm`` (a round one of ``arena_diameter_cm``). Arenas found later (per video) are checked when
    their video is analysed (:func:`openfield.kinematics.analyze_pose`).

    Raises
    ------
    OpenfieldError
        Naming the zones file: a zone outside the arena, or ``--corner-cm``
        too large or on a round arena.
    """
    if kinematics.zones is None and kinematics.corner_cm is None:
        return
    cals = calibration if isinstance(calibration, list) else [] if calibration is None else [calibration]
    for cal in cals:
        if cal.has_arena:
            arena_zone_list(cal, kinematics, None)
    size = arena_size_cm if arena_size_cm is not None else (
        None if arena_diameter_cm is None else (arena_diameter_cm, arena_diameter_cm))
    if not cals and size is not None and (kinematics.zones is None or kinematics.zones.units == "cm"):
        custom = zones.to_cm(kinematics.zones) if kinematics.zones is not None else []
        shape = "rectangle" if arena_size_cm is not None else "circle"
        zones.arena_zones(shape, size, kinematics.center_fraction, kinematics.corner_cm,
                          custom=custom, source=kinematics.zones.source if kinematics.zones is not None else None)


def check_jobs(jobs: int) -> None:
    """Refuse a number of parallel videos that is not a whole number of at least 1 (``--jobs``)."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise OpenfieldError(f"--jobs must be a whole number of at least 1 (videos at the same time), got {jobs!r}")


@dataclass
class RunConfig:
    """Everything ``openfield run`` needs besides the videos.

    Attributes
    ----------
    calibration
        One calibration for all videos, or None to find the arena in each
        video (then ``arena_size_cm`` is required). A list (one per arena,
        arena 1 first; :func:`openfield.io.calibration.read_calibrations`):
        the multi-arena path with these arenas in every video.
    arena_size_cm
        Floor width and height in cm, for per-video arena detection (of
        every arena, with several).
    arenas
        How many open fields each video holds: None or 1, one (the
        single-arena path, ``<stem>_*`` outputs); N >= 2 or ``"auto"``
        (as many as are found), each video's arenas are found once on its
        median background, tracked in one pass, and each is analysed as
        its own unit ``<stem>_a<K>`` (K = 1, 2... row-major from the
        top-left). Needs ``arena_size_cm`` or a list of calibrations;
        refused with a single calibration, ``pose="dlc"`` or a behaviour ViT.
    arena_shape
        The detector for each video's floor: ``"auto"`` (fit a rectangle and
        a circle, keep the better), ``"rectangle"`` or ``"circle"``;
        ``arena_diameter_cm`` alone implies ``"circle"``.
    arena_diameter_cm
        A round floor's diameter in cm (instead of ``arena_size_cm``).
    arena
        The floor given by hand (``--arena FILE.json``,
        :func:`openfield.arena.arena_from_dict`), used in every video
        instead of detection, with ``arena_size_cm`` (rectangle, polygon)
        or ``arena_diameter_cm`` (circle).
    arena_corners
        The arenas' floor corners given by hand, one ``(4, 2)`` array of
        pixels per arena (:func:`openfield.io.calibration.read_arena_corners`):
        used for every video instead of detection; implies the multi-arena
        path (``arenas``, when a number, must equal their count).
    pose
        ``"classic"`` (built-in tracker) or ``"dlc"`` (DeepLabCut).
    dlc_config
        DeepLabCut project ``config.yaml`` for ``pose="dlc"``.
    fps
        Frame rate to use instead of the videos' own.
    tracker, kinematics
        Options of those steps.
    plots
        Write the PNG plots (and show them in the report).
    behavior_model
        A pose classifier (``.joblib`` from ``openfield behavior
        pose-train``), fed the pose the run produces, or the folder of a
        trained behaviour ViT (``openfield behavior train``), whose crops
        are centred on that pose; when given, rearing and grooming time,
        bouts and latency join each video's summary and the ethogram joins
        the report. A pose classifier needing body parts the run's pose
        lacks is refused here, before any video.
    labeled_video
        Also write ``<stem>_labeled.mp4``: the pose, the zone and (with a
        behaviour model) the behaviour and its probability drawn on each
        frame (:mod:`openfield.overlay`).
    progress
        Show progress bars.
    overwrite
        Redo every step even where it is up to date (a changed option
        already redoes the steps it affects).
    jobs
        Videos processed at the same time, each in its own worker process
        (:mod:`openfield.pipeline.parallel`); 1: one after another in this
        process. The results do not depend on it.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a
        ``distributed.Client``: the videos are processed on that cluster's
        workers instead (``jobs`` is then not used).
    video_settings
        Per video (its path as given by :func:`~openfield.pipeline.paths.find_videos`,
        as a string), the values of its settings file merged with the
        command line (:func:`openfield.io.settings.video_settings`):
        ``animal`` and ``arena_size_cm`` replace the run's for that video,
        ``settings_file`` names the file (``""``: none). A video absent
        from it uses the run's options.
    settings_file
        The settings file used for the video this config was made for by
        :meth:`for_video` (``""``: none); the summary's ``settings_file``.

    Raises
    ------
    OpenfieldError
        A value out of range, or a missing companion option, naming the
        option.
    """

    calibration: Calibration | list[Calibration] | None = None
    arena_size_cm: tuple[float, float] | None = None
    arenas: int | str | None = None
    arena_corners: list[np.ndarray] | None = None
    arena_shape: str = "auto"
    arena_diameter_cm: float | None = None
    arena: ArenaGeometry | None = None
    pose: str = "classic"
    dlc_config: Path | None = None
    fps: float | None = None
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    plots: bool = True
    behavior_model: Path | None = None
    labeled_video: bool = False
    progress: bool = True
    overwrite: bool = False
    jobs: int = 1
    scheduler: Any = None
    video_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings_file: str = ""
    #: The behaviours the model predicts (its classes but the background), read when it is checked.
    behaviors: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        check_jobs(self.jobs)
        if isinstance(self.scheduler, str) and not self.scheduler.strip():
            raise OpenfieldError("--scheduler must be a Dask scheduler address such as tcp://host:8786, got ''")
        if self.pose not in POSE_METHODS:
            raise OpenfieldError(f"--pose must be one of {', '.join(POSE_METHODS)}, not {self.pose!r}")
        sized = bool(self.video_settings) and all(v.get("arena_size_cm") or v.get("arena_diameter_cm")
                                                  for v in self.video_settings.values())
        if (self.calibration is None and self.arena_size_cm is None and self.arena_diameter_cm is None
                and not sized):
            raise OpenfieldError("give --calibration CAL.json, --arena-size-cm W H (a rectangular floor) or "
                                 "--arena-diameter-cm D (a round floor), or the size in every video's settings file")
        self.arena_size_cm = check_arena_size(self.arena_size_cm)
        self._check_arena_shape()
        check_zones(self.kinematics, self.calibration, self.arena_size_cm, self.arena_diameter_cm)
        check_fps(self.fps)
        if self.pose == "dlc" and self.dlc_config is None:
            raise OpenfieldError("--pose dlc needs --dlc-config path/to/config.yaml")
        self.arenas = check_arenas(self.arenas)
        self.arena_corners = check_arena_corners(self.arena_corners)
        kind = None
        if self.behavior_model is not None:
            kind = behavior_model_kind(Path(self.behavior_model))
        if self.multi_arena:
            self._check_multi_arena(kind)  # the options first, then the model's content
        if self.behavior_model is not None:
            check_behavior_model(Path(self.behavior_model), self.pose_keypoints(), silhouette=self.pose == "classic")
            self.behaviors = model_behaviors(Path(self.behavior_model))

    @property
    def behavior_columns(self) -> list[str]:
        """The summary columns the behaviour model adds (none without one): :func:`behavior_columns`."""
        return behavior_columns(self.behaviors) if self.behavior_model is not None else []

    def _check_arena_shape(self) -> None:
        """The floor's shape, size and hand-given outline agree, or an error naming the options."""
        if self.arena_shape not in ("auto", "rectangle", "circle"):
            raise OpenfieldError(f"--arena-shape must be auto, rectangle or circle, not {self.arena_shape!r}")
        if self.arena_diameter_cm is not None:
            d = check_arena_size((self.arena_diameter_cm, self.arena_diameter_cm))
            self.arena_diameter_cm = None if d is None else d[0]
            if self.arena_size_cm is not None:
                raise OpenfieldError("give --arena-size-cm W H (a rectangular floor) or --arena-diameter-cm D (a "
                                     "round floor), not both")
            if self.arena_shape == "rectangle":
                raise OpenfieldError("--arena-diameter-cm is a round floor's size; with --arena-shape rectangle "
                                     "give --arena-size-cm W H")
            self.arena_shape = "circle"
        elif self.arena_shape == "circle" and self.calibration is None:
            raise OpenfieldError("--arena-shape circle needs the floor's diameter: --arena-diameter-cm D")
        if self.arena_size_cm is not None and self.arena_shape == "auto" and self.arena is None:
            self.arena_shape = "rectangle"  # a width and a height: a rectangular floor (as before shapes)
        if self.arena is not None:
            if self.calibration is not None:
                raise OpenfieldError("--arena gives the floor by hand; --calibration already holds one: give one")
            if self.arena.shape == "circle" and self.arena_diameter_cm is None:
                raise OpenfieldError("the --arena file gives a round floor: give its diameter with "
                                     "--arena-diameter-cm D")
            if self.arena.shape != "circle" and self.arena_size_cm is None:
                raise OpenfieldError(f"the --arena file gives a {self.arena.shape} floor: give its size with "
                                     "--arena-size-cm W H")
        if (self.arena_diameter_cm is not None or self.arena is not None) and self.multi_arena:
            raise OpenfieldError("several arenas per video (--arenas) are rectangular floors found in each video; "
                                 "--arena-diameter-cm and --arena are for one arena per video")

    def for_video(self, video: str | Path) -> RunConfig:
        """These options with the video's own settings file applied (:func:`openfield.io.settings.video_settings`).

        The file's ``animal``, ``arena_size_cm`` / ``arena_diameter_cm``,
        ``arena`` (the floor by hand), ``zones`` and trial ``start`` /
        ``duration`` replace the run's (an option given on the command line
        that contradicts the file was refused when the settings were read).

        Returns
        -------
        RunConfig
            ``self`` for a video without settings; otherwise a checked copy
            with the video's values and ``settings_file``.
        """
        opts = self.video_settings.get(str(Path(video)))
        if not opts or not opts.get("settings_file"):
            return self
        source = str(opts["settings_file"])
        changes: dict[str, Any] = {"settings_file": source}
        if opts.get("animal") is not None:
            changes["tracker"] = replace(self.tracker, animal=opts["animal"])
        if opts.get("arena_size_cm") is not None:
            changes["arena_size_cm"] = tuple(opts["arena_size_cm"])
        if opts.get("arena_diameter_cm") is not None:
            changes["arena_diameter_cm"] = float(opts["arena_diameter_cm"])
        if opts.get("arena") is not None and self.arena is None:
            changes["arena"] = arena_from_dict(opts["arena"], source)
        kin: dict[str, Any] = {}
        if opts.get("zones") is not None and self.kinematics.zones is None:
            kin["zones"] = parse(opts["zones"], source)
        if opts.get("start") is not None:
            kin["start"] = opts["start"]
        if opts.get("duration") is not None:
            kin["duration_s"] = float(opts["duration"])
        if kin:
            changes["kinematics"] = replace(self.kinematics, **kin)
        return replace(self, **changes)

    @property
    def multi_arena(self) -> bool:
        """True for the multi-arena path (``arenas`` N >= 2 or ``"auto"``, corners or calibrations per arena)."""
        return (self.arena_corners is not None or isinstance(self.calibration, list)
                or self.arenas not in (None, 1))

    @property
    def n_arenas(self) -> int | None:
        """The number of arenas expected per video (None: as many as are found)."""
        if self.arena_corners is not None:
            return len(self.arena_corners)
        if isinstance(self.calibration, list):
            return len(self.calibration)
        return self.arenas if isinstance(self.arenas, int) else None

    def _check_multi_arena(self, behavior_kind: str | None) -> None:
        """Refuse the options the multi-arena path cannot honour, each with what to do instead."""
        if isinstance(self.calibration, Calibration):
            raise OpenfieldError("--calibration holds one arena; with --arenas give a calibration file of every "
                                 "arena (openfield calibrate arena --arenas N) or --arena-size-cm W H (the arenas "
                                 "are found in each video)")
        if self.calibration is not None and self.arena_corners is not None:
            raise OpenfieldError("--arena-corners goes with --arena-size-cm W H, not with --calibration (which "
                                 "already holds the arenas' corners)")
        if self.pose == "dlc":
            raise OpenfieldError("--pose dlc tracks one animal in the whole image; with several arenas use "
                                 "--pose classic (one animal tracked per arena)")
        if behavior_kind == "vit":
            raise OpenfieldError("a behaviour ViT writes its files per video, not per arena; with --arenas use a "
                                 "pose classifier (.joblib, openfield behavior pose-train)")
        given = self.n_arenas
        if isinstance(self.arenas, int) and given is not None and self.arenas != given:
            source = "--arena-corners file" if self.arena_corners is not None else "--calibration file"
            raise OpenfieldError(f"--arenas {self.arenas} but the {source} gives {given} arena(s)")

    def pose_keypoints(self) -> list[str]:
        """The body parts the run's pose will have: the tracker's, or those of the DeepLabCut config."""
        if self.pose == "classic":
            return list(TRACKER_KEYPOINTS)
        assert self.dlc_config is not None
        cfg = read_project_config(self.dlc_config)
        parts = cfg.get("multianimalbodyparts") or cfg.get("bodyparts") or []
        return [str(b) for b in parts] + [str(b) for b in cfg.get("uniquebodyparts") or []]


def check_behavior_model(path: Path, keypoints: list[str], silhouette: bool = False) -> str:
    """Refuse a behaviour model that does not exist, or a pose classifier needing body parts the pose lacks.

    Parameters
    ----------
    path
        ``--behavior-model``: a ``.joblib`` pose classifier or a ViT folder.
    keypoints
        The body parts the run's pose will have.
    silhouette
        Whether the run's pose comes with the tracker's silhouette (``--pose classic``).

    Returns
    -------
    str
        ``"pose"`` or ``"vit"``.

    Raises
    ------
    OpenfieldError
        Naming the model: not found, not a model, a pickle, a ViT folder without safetensors weights,
        or the missing body parts.
    """
    kind = behavior_model_kind(path)
    if kind == "vit":
        check_model_folder(path)  # weights in safetensors, readable: once, before the batch
    if kind == "pose":
        model = load_pose_model(path)  # (a clear error without the 'behavior' extra)
        missing = model.missing_body_parts(keypoints)
        if missing:
            raise OpenfieldError(
                f"--behavior-model needs body parts the run's pose lacks: {', '.join(missing)} "
                f"(the pose has {', '.join(keypoints)})",
                path,
            )
        if model.uses_silhouette and not silhouette:
            raise OpenfieldError("--behavior-model was trained with the classical tracker's silhouette, which a "
                                 "DeepLabCut pose lacks: use --pose classic, or a model trained without it", path)
    return kind


@dataclass
class PoseFilesConfig:
    """Everything ``openfield kinematics`` needs besides the pose files.

    Attributes
    ----------
    fps
        Frame rate of the videos the pose files come from.
    calibration
        Calibration for all files; or give ``arena_bodyparts`` and
        ``arena_size_cm`` to calibrate each file from arena corners tracked
        in it.
    arena_bodyparts, arena_size_cm
        Corner body parts (tl, tr, br, bl) and floor size in cm.
    kinematics
        Kinematics options.
    plots
        Write the PNG plots.
    progress
        Show a progress bar over the files.
    overwrite
        Redo files that are up to date.
    source_software
        The tool that wrote the pose files (:data:`openfield.io.pose.SOURCE_SOFTWARE`: DeepLabCut, SLEAP,
        LightningPose, Anipose, NWB); None tells it from each file.

    Raises
    ------
    OpenfieldError
        A value out of range, or a missing companion option, naming the
        option.
    """

    fps: float
    calibration: Calibration | None = None
    arena_bodyparts: tuple[str, str, str, str] | None = None
    arena_size_cm: tuple[float, float] | None = None
    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    plots: bool = True
    progress: bool = True
    overwrite: bool = False
    source_software: str | None = None

    def __post_init__(self) -> None:
        check_fps(self.fps, required=True)
        if self.source_software is not None and self.source_software not in SOURCE_SOFTWARE:
            raise OpenfieldError(f"--source-software must be one of {', '.join(SOURCE_SOFTWARE)}, "
                                 f"got {self.source_software!r}")
        self.arena_size_cm = check_arena_size(self.arena_size_cm)
        if self.arena_bodyparts is not None:
            if len(self.arena_bodyparts) != 4:
                raise OpenfieldError("--arena-from-bodyparts needs four body parts TL TR BR BL")
            if self.arena_size_cm is None:
                raise OpenfieldError("--arena-from-bodyparts needs --arena-size-cm W H")
            self.arena_bodyparts = tuple(self.arena_bodyparts)  # type: ignore[assignment]
        if (self.calibration is None) == (self.arena_bodyparts is None):
            raise OpenfieldError("give either --calibration or --arena-from-bodyparts (one of them)")
        check_zones(self.kinematics, self.calibration, self.arena_size_cm)
