"""The settings file beside a video: ``<stem>.openfield.json`` (arena, zones, trial window, animal, size).

The file is what ``openfield draw`` (and the notebook widget) write when a
person sets a video up by eye, and what ``openfield run`` reads beside each
video without being told::

    {"arena": {"shape": "circle", "center_px": [320, 240], "radius_px": 200},
     "zones": {"units": "px", "zones": [{"name": "object", "shape": "circle",
                                         "center": [300, 200], "radius": 20}]},
     "trial": {"start_s": 2.5, "duration_s": 300},
     "animal": "dark",
     "arena_diameter_cm": 40}

Every key is optional. ``arena`` and ``zones`` are exactly the objects that
``--arena FILE.json`` and ``--zones FILE.json`` take; ``trial.start_s`` is a
number of seconds or ``"auto"``; ``arena_size_cm`` is ``[W, H]`` (a
rectangle or polygon floor) and ``arena_diameter_cm`` ``D`` (a round one),
never both. :class:`VideoSettings` holds it, checked once where it is read;
:func:`merge_settings` combines it with the options given on the command line
and refuses a contradiction, naming the file and the option.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openfield.arena.geometry import arena_from_dict
from openfield.arena.zones import parse
from openfield.errors import OpenfieldError
from openfield.io.files import write_json

log = logging.getLogger(__name__)

#: The settings file's name is the video's stem followed by this suffix.
SETTINGS_SUFFIX = ".openfield.json"

ANIMALS = ("dark", "light", "auto")
_KEYS = ("arena", "zones", "trial", "animal", "arena_size_cm", "arena_diameter_cm")

#: The command-line option of each :class:`VideoSettings` field that ``openfield run`` takes.
OPTIONS = {
    "arena": "--arena",
    "zones": "--zones",
    "start": "--start",
    "duration": "--duration",
    "animal": "--animal",
    "arena_size_cm": "--arena-size-cm",
    "arena_diameter_cm": "--arena-diameter-cm",
}


def settings_path(video: str | os.PathLike[str]) -> Path:
    """The settings file of a video: ``<folder>/<stem>.openfield.json``."""
    video = Path(video)
    return video.with_name(video.stem + SETTINGS_SUFFIX)


def _number(value: Any, what: str, path: Path | None, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OpenfieldError(f"{what} must be a finite number, got {value!r}", path)
    if positive and not value > 0:
        raise OpenfieldError(f"{what} must be positive, got {value!r}", path)
    if minimum is not None and value < minimum:
        raise OpenfieldError(f"{what} must be at least {minimum}, got {value!r}", path)
    return float(value)


def check_arena(arena: Any, path: Path | None = None) -> dict[str, Any]:
    """Check an arena object (``--arena`` / the settings file's ``arena``) and return it with float values.

    The one check of an arena object is :func:`openfield.arena.geometry.arena_from_dict`
    (a circle, an ellipse, a rectangle of 4 corners or a polygon of 3 or more;
    also accepted wrapped as ``{"arena": {...}}``); the object returned is
    the geometry's own (:meth:`~openfield.arena.geometry.ArenaGeometry.to_dict`:
    a rectangle's corners ordered top-left, top-right, bottom-right,
    bottom-left).

    Parameters
    ----------
    arena
        The arena object.
    path
        The file it comes from, named in errors.

    Raises
    ------
    OpenfieldError
        Naming the file and the field (``arena: ...``) and what is wrong.
    """
    try:
        return arena_from_dict(arena).to_dict()
    except OpenfieldError as exc:
        raise OpenfieldError(f"arena: {exc.message}", path) from None


def check_zones(zones: Any, path: Path | None = None) -> dict[str, Any]:
    """Check a zones object (``--zones`` / the settings file's ``zones``) and return it with float values.

    The one check of a zones object is :func:`openfield.arena.zones.parse` (the
    format of ``--zones FILE.json``); the object returned is the parsed zones'
    own (:meth:`openfield.arena.zones.ZoneSet.to_dict`: ``units`` always given, a
    rectangle as the polygon of its corners, as the drawing tool shows it).
    Where a zone lies relative to the arena is checked by the zones stage,
    which knows the calibration.

    Raises
    ------
    OpenfieldError
        Naming the file and the field (``zones: ...``): unknown units or
        shape, a bad or duplicate name, a missing or bad value.
    """
    try:
        return parse(zones).to_dict()
    except OpenfieldError as exc:
        raise OpenfieldError(f"zones: {exc.message}", path) from None


@dataclass(frozen=True)
class VideoSettings:
    """One video's settings, checked: what its ``<stem>.openfield.json`` says (every field optional).

    The fields are named as ``openfield run``'s options (``--arena``,
    ``--zones``, ``--start``, ``--duration``, ``--animal``,
    ``--arena-size-cm``, ``--arena-diameter-cm``), so a value can be put
    where the option's would go.

    Attributes
    ----------
    arena
        The arena object (:func:`check_arena`), or None.
    zones
        The zones object (:func:`check_zones`), or None.
    start
        Trial start in seconds from the video's start, or ``"auto"``; None: not set.
    duration
        Trial length in seconds; None: to the end of the video.
    animal
        ``"dark"``, ``"light"`` or ``"auto"``; None: not set.
    arena_size_cm
        ``(W, H)`` of a rectangle or polygon floor, cm.
    arena_diameter_cm
        Diameter of a round floor, cm.
    path
        The file these came from (None for settings made in memory).
    """

    arena: dict[str, Any] | None = None
    zones: dict[str, Any] | None = None
    start: float | str | None = None
    duration: float | None = None
    animal: str | None = None
    arena_size_cm: tuple[float, float] | None = None
    arena_diameter_cm: float | None = None
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        p = self.path
        if self.arena is not None:
            object.__setattr__(self, "arena", check_arena(self.arena, p))
        if self.zones is not None:
            object.__setattr__(self, "zones", check_zones(self.zones, p))
        if self.start is not None and self.start != "auto":
            object.__setattr__(self, "start", _number(self.start, "trial start_s (or \"auto\")", p, minimum=0))
        if self.duration is not None:
            object.__setattr__(self, "duration", _number(self.duration, "trial duration_s", p, positive=True))
        if self.animal is not None and self.animal not in ANIMALS:
            raise OpenfieldError(f"animal must be one of {', '.join(ANIMALS)}, got {self.animal!r}", p)
        if self.arena_size_cm is not None:
            size = self.arena_size_cm
            if not isinstance(size, (list, tuple)) or len(size) != 2:
                raise OpenfieldError(f"arena_size_cm must be [W, H] in cm, got {size!r}", p)
            object.__setattr__(self, "arena_size_cm",
                               tuple(_number(v, "arena_size_cm", p, positive=True) for v in size))
        if self.arena_diameter_cm is not None:
            object.__setattr__(self, "arena_diameter_cm",
                               _number(self.arena_diameter_cm, "arena_diameter_cm", p, positive=True))
        if self.arena_size_cm is not None and self.arena_diameter_cm is not None:
            raise OpenfieldError("give arena_size_cm (a rectangle) or arena_diameter_cm (a circle), not both", p)
        shape = (self.arena or {}).get("shape")
        if shape in ("circle", "ellipse") and self.arena_size_cm is not None:
            raise OpenfieldError(f"a {shape} arena has a diameter: give arena_diameter_cm, not arena_size_cm", p)
        if shape in ("rectangle", "polygon") and self.arena_diameter_cm is not None:
            raise OpenfieldError(f"a {shape} arena has a width and height: give arena_size_cm [W, H], "
                                 "not arena_diameter_cm", p)

    @property
    def start_s(self) -> float | str | None:
        """The trial start (the file's ``trial.start_s``)."""
        return self.start

    @property
    def duration_s(self) -> float | None:
        """The trial length (the file's ``trial.duration_s``)."""
        return self.duration

    def options(self) -> dict[str, Any]:
        """The values set, by option field name (``arena``, ``zones``, ``start``, ...); unset ones left out."""
        return {k: getattr(self, k) for k in OPTIONS if getattr(self, k) is not None}

    def to_dict(self) -> dict[str, Any]:
        """The file's JSON object (unset values left out)."""
        d: dict[str, Any] = {}
        if self.arena is not None:
            d["arena"] = self.arena
        if self.zones is not None:
            d["zones"] = self.zones
        trial = {k: v for k, v in (("start_s", self.start), ("duration_s", self.duration)) if v is not None}
        if trial:
            d["trial"] = trial
        if self.animal is not None:
            d["animal"] = self.animal
        if self.arena_size_cm is not None:
            d["arena_size_cm"] = list(self.arena_size_cm)
        if self.arena_diameter_cm is not None:
            d["arena_diameter_cm"] = self.arena_diameter_cm
        return d

    @classmethod
    def from_dict(cls, d: Any, path: str | os.PathLike[str] | None = None) -> VideoSettings:
        """Settings from the file's JSON object.

        Raises
        ------
        OpenfieldError
            Naming the file: not an object, an unknown key (a typo would
            otherwise be ignored silently), or a bad value.
        """
        p = None if path is None else Path(path)
        if not isinstance(d, dict):
            raise OpenfieldError(f"a settings file must hold a JSON object, got {type(d).__name__}", p)
        unknown = sorted(set(d) - set(_KEYS))
        if unknown:
            raise OpenfieldError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(_KEYS)})", p)
        trial = d.get("trial") or {}
        if not isinstance(trial, dict) or set(trial) - {"start_s", "duration_s"}:
            raise OpenfieldError(f"trial must be {{\"start_s\": S or \"auto\", \"duration_s\": D}}, got {trial!r}", p)
        size = d.get("arena_size_cm")
        return cls(arena=d.get("arena"), zones=d.get("zones"), start=trial.get("start_s"),
                   duration=trial.get("duration_s"), animal=d.get("animal"),
                   arena_size_cm=tuple(size) if isinstance(size, list) else size,
                   arena_diameter_cm=d.get("arena_diameter_cm"), path=p)


def read_settings(path: str | os.PathLike[str]) -> VideoSettings:
    """Read and check a settings file.

    Raises
    ------
    OpenfieldError
        Naming the file: unreadable, not JSON, or a bad value.
    """
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OpenfieldError(f"cannot read the settings file ({exc.strerror or exc})", path) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OpenfieldError(f"not a JSON settings file ({exc})", path) from exc
    return VideoSettings.from_dict(d, path)


def find_settings(video: str | os.PathLike[str]) -> VideoSettings | None:
    """The settings file beside a video, read and checked; None when there is none."""
    path = settings_path(video)
    return read_settings(path) if path.is_file() else None


def write_settings(settings: VideoSettings, path: str | os.PathLike[str]) -> Path:
    """Write a settings file atomically (the values are checked when the settings are made)."""
    return write_json(settings.to_dict(), path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def merge_settings(settings: VideoSettings | None, explicit: dict[str, Any],
                   ignore_settings_files: bool = False) -> dict[str, Any]:
    """Combine a video's settings file with the options given on the command line.

    Parameters
    ----------
    settings
        The video's settings (:func:`find_settings`), or None.
    explicit
        The options the person gave, by field name (``animal``,
        ``arena_size_cm``, ``arena``, ``zones``, ``start``, ``duration``,
        ``arena_diameter_cm``); None (or absent) for an option not given.
    ignore_settings_files
        ``--ignore-settings-files``: the file is not used at all.

    Returns
    -------
    dict
        Every field either gives (the option's value where both agree),
        unset fields left out.

    Raises
    ------
    OpenfieldError
        An option that contradicts the file (or a size option of the other
        shape: ``--arena-size-cm`` against a file's ``arena_diameter_cm``),
        naming the file and the option.
    """
    given = {k: v for k, v in explicit.items() if v is not None}
    unknown = sorted(set(given) - set(OPTIONS))
    if unknown:
        raise ValueError(f"not settings fields: {unknown}")
    if settings is None or ignore_settings_files:
        return given
    from_file = settings.options()
    for key, value in given.items():
        if key in from_file and not _same(value, from_file[key]):
            raise OpenfieldError(
                f"{OPTIONS[key]} {_show(value)} contradicts the settings file's {key} {_show(from_file[key])}; "
                "change one, or pass --ignore-settings-files", settings.path)
    for mine, theirs in (("arena_size_cm", "arena_diameter_cm"), ("arena_diameter_cm", "arena_size_cm")):
        if mine in given and theirs in from_file:
            raise OpenfieldError(
                f"{OPTIONS[mine]} {_show(given[mine])} contradicts the settings file's {theirs} "
                f"{_show(from_file[theirs])} (another arena shape); change one, or pass --ignore-settings-files",
                settings.path)
    return {**from_file, **given}


#: The fields ``openfield run`` uses from a settings file today; the others are logged as not used.
RUN_USES = tuple(OPTIONS)


def video_settings(videos: list[Path], explicit: dict[str, Any], ignore_settings_files: bool = False,
                   used: tuple[str, ...] = RUN_USES) -> dict[str, dict[str, Any]]:
    """Each video's settings file (if any) merged with the command line, before any video is read.

    Parameters
    ----------
    videos
        The run's videos.
    explicit
        The options the person gave, by field name (None: not given).
    ignore_settings_files
        ``--ignore-settings-files``: no file is read.
    used
        The fields the run applies; a file's other fields are named in a
        warning (they are not silently taken as applied).

    Returns
    -------
    dict
        Per video (``str(path)``): the merged values (:func:`merge_settings`)
        and ``settings_file``, the file's path (``""``: none). "settings
        from FILE" is logged for each file used.

    Raises
    ------
    OpenfieldError
        A bad settings file, or an option contradicting one (naming both).
    """
    out = {}
    for video in videos:
        found = None if ignore_settings_files else find_settings(video)
        merged = merge_settings(found, explicit, ignore_settings_files)
        if found is not None:
            log.info("%s: settings from %s", Path(video).name, found.path)
            unused = [OPTIONS[k] for k in found.options() if k not in used]
            if unused:
                log.warning("%s: %s not applied by this version of openfield run", found.path, ", ".join(unused))
        out[str(Path(video))] = {**merged, "settings_file": str(found.path) if found is not None else ""}
    return out
