"""What the classical tracker tells besides the poses, as a typed contract (:class:`TrackerInfo`).

The tracker returns a pose Dataset (:func:`openfield.tracking.track_video`);
what it found out on the way (the animal's polarity, the threshold, the
contrast, the ``several_animals`` share, what the video's reader counted,
how the background was made) travels with it in ``ds.attrs``, as the
movement data model keeps provenance. :class:`TrackerInfo` names and types
those attributes once: the tracker writes them with
:meth:`TrackerInfo.to_attrs`, and whoever reads them (the pipeline's
tracking steps, the tests) reads them with :func:`tracker_info`, which
fails with one line naming the attribute that is missing or of the wrong
type. The attributes are not written to any file (the pose CSV holds the
positions only).
"""

from __future__ import annotations

import ast
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import xarray as xr

from openfield.errors import OpenfieldError
from openfield.tracking.config import TrackerConfig

#: The attributes that only a video's tracking has (from its reader): all present or none.
VIDEO_KEYS = ("frames_expected", "frames_read", "frames_failed", "background", "arena", "timestamps_ms")


@dataclass(frozen=True)
class TrackerInfo:
    """What one arena's tracking found out besides the poses.

    Attributes
    ----------
    config
        The options the tracker ran with (``attrs["tracker_config"]``, the
        ``repr`` of their dictionary).
    animal
        The animal's polarity: ``"dark"`` (on a light floor) or ``"light"``;
        ``"auto"`` when it was to be found and no animal was ever seen.
    threshold
        The foreground threshold, grey levels of difference from the
        background (0.0 when it was to be found and no animal was ever seen).
    contrast
        The animal's difference from the floor, grey levels: the median over
        the frames it was found in; None when it was found in none (the
        quality check's ``low_contrast`` flag).
    several_animals_fraction
        The share of the checked frames (every
        :data:`~openfield.tracking.several.SEVERAL_CHECK_EVERY` th with the
        animal found) in which the floor held two or more animal-sized blobs;
        None when no frame was checked (the ``several_animals`` flag).
    frames_expected
        The container's frame count (:class:`openfield.io.video.VideoReader`);
        this and the five attributes below only from a video
        (:func:`~openfield.tracking.track_video`), None from
        :func:`~openfield.tracking.track_frames`.
    frames_read
        Frames decoded and tracked.
    frames_failed
        Frames that could not be decoded and were skipped.
    background
        How the background model was made: ``"first <S> s"`` (the window at the
        video's start) or ``"sampled over the whole video"``.
    arena
        The arena's 1-based number in the video (1 with one arena).
    timestamps_ms
        The decoder's time of every frame read, ms (float array, one per
        frame read): the frame times of a variable-frame-rate video.
    """

    config: TrackerConfig
    animal: str
    threshold: float
    contrast: float | None
    several_animals_fraction: float | None
    frames_expected: int | None = None
    frames_read: int | None = None
    frames_failed: int | None = None
    background: str | None = None
    arena: int | None = None
    timestamps_ms: np.ndarray | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        given = [k for k in VIDEO_KEYS if getattr(self, k) is not None]
        if given and len(given) != len(VIDEO_KEYS):
            missing = [k for k in VIDEO_KEYS if k not in given]
            raise OpenfieldError(f"tracker info: a video's {', '.join(VIDEO_KEYS)} come together; "
                                 f"{', '.join(missing)} missing")

    @property
    def from_video(self) -> bool:
        """Whether the info holds a video reader's counts (:data:`VIDEO_KEYS`)."""
        return self.frames_read is not None

    def to_attrs(self) -> dict[str, Any]:
        """The Dataset attributes, in the order the tracker has always written them."""
        attrs: dict[str, Any] = {
            "tracker_config": str(asdict(self.config)),
            "animal": self.animal,
            "threshold": self.threshold,
            "contrast": self.contrast,
            "several_animals_fraction": self.several_animals_fraction,
        }
        if self.from_video:
            attrs.update(frames_expected=self.frames_expected, frames_read=self.frames_read,
                         frames_failed=self.frames_failed, background=self.background, arena=self.arena,
                         timestamps_ms=self.timestamps_ms)
        return attrs

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any], source: Any = None) -> TrackerInfo:
        """Read the info back from a Dataset's attributes, checking each.

        Parameters
        ----------
        attrs
            The tracker's pose Dataset's ``attrs``.
        source
            Named in the error message (the video).

        Raises
        ------
        OpenfieldError
            An attribute missing or of the wrong type, named (a pose that the
            classical tracker did not make has none of them).
        """
        for key in ("tracker_config", "animal", "threshold", "contrast", "several_animals_fraction"):
            if key not in attrs:
                raise OpenfieldError(f"the pose has no tracker attribute {key!r} (not made by the classical "
                                     "tracker?)", source)
        video = {k: attrs.get(k) for k in VIDEO_KEYS}
        if any(v is not None for v in video.values()):
            for k, v in video.items():
                if v is None:
                    raise OpenfieldError(f"the tracker's attributes lack {k!r} (a video's {', '.join(VIDEO_KEYS)} "
                                         "come together)", source)
            video = {"frames_expected": _integer(attrs, "frames_expected", source),
                     "frames_read": _integer(attrs, "frames_read", source),
                     "frames_failed": _integer(attrs, "frames_failed", source),
                     "background": _text(attrs, "background", source),
                     "arena": _integer(attrs, "arena", source),
                     "timestamps_ms": _times(attrs, "timestamps_ms", source)}
        animal = _text(attrs, "animal", source)
        if animal not in ("dark", "light", "auto"):
            raise OpenfieldError(f"tracker attribute 'animal' must be dark, light or auto, not {animal!r}", source)
        return cls(config=_config(attrs, source), animal=animal, threshold=_real(attrs, "threshold", source),
                   contrast=_real(attrs, "contrast", source, optional=True),
                   several_animals_fraction=_real(attrs, "several_animals_fraction", source, optional=True),
                   **video)


def tracker_info(ds: xr.Dataset) -> TrackerInfo:
    """The :class:`TrackerInfo` of a pose Dataset the classical tracker made (see :meth:`TrackerInfo.from_attrs`)."""
    return TrackerInfo.from_attrs(ds.attrs, ds.attrs.get("source_file"))


def _wrong(key: str, expected: str, value: Any, source: Any) -> OpenfieldError:
    return OpenfieldError(f"tracker attribute {key!r} must be {expected}, not {value!r}", source)


def _integer(attrs: Mapping[str, Any], key: str, source: Any) -> int:
    value = attrs[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _wrong(key, "an integer", value, source)
    return int(value)


def _real(attrs: Mapping[str, Any], key: str, source: Any, optional: bool = False) -> Any:
    value = attrs[key]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _wrong(key, "a number" + (" or None" if optional else ""), value, source)
    return float(value)


def _text(attrs: Mapping[str, Any], key: str, source: Any) -> str:
    value = attrs[key]
    if not isinstance(value, str):
        raise _wrong(key, "text", value, source)
    return value


def _times(attrs: Mapping[str, Any], key: str, source: Any) -> np.ndarray:
    try:
        times = np.asarray(attrs[key], dtype=float)
    except (TypeError, ValueError):
        raise _wrong(key, "a list of times in ms", attrs[key], source) from None
    if times.ndim != 1:
        raise _wrong(key, "a list of times in ms (one dimension)", attrs[key], source)
    return times


def _config(attrs: Mapping[str, Any], source: Any) -> TrackerConfig:
    text = _text(attrs, "tracker_config", source)
    try:
        options = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise _wrong("tracker_config", "the options' dictionary", text, source) from None
    known = {f.name for f in fields(TrackerConfig)}
    if not isinstance(options, dict) or set(options) != known:
        raise _wrong("tracker_config", f"a dictionary of {', '.join(sorted(known))}", text, source)
    return TrackerConfig(**options)
