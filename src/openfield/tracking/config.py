"""The classical tracker's options and the names of what it writes."""

from __future__ import annotations

from dataclasses import dataclass

from openfield.bodyparts import TRACKER_KEYPOINTS
from openfield.errors import OpenfieldError

#: Body parts written by the tracker, in this order (:data:`openfield.bodyparts.TRACKER_KEYPOINTS`).
KEYPOINTS = TRACKER_KEYPOINTS
#: Scorer name in the DeepLabCut-layout CSV.
SCORER = "openfield-classic"

#: The lowest foreground threshold taken from Otsu's method, grey levels.
MIN_THRESHOLD = 12.0

#: The silhouette measures :func:`track_frames` keeps per frame (``ds["silhouette"]``); ``outline_change`` is
#: :func:`openfield.mobility.outline_change` of the blob and the previous frame's (NaN where either is missing).
SILHOUETTE_MEASURES = ("area_px", "length_px", "width_px", "outline_change")


@dataclass(frozen=True)


class TrackerConfig:
    """Options of the classical tracker.

    Attributes
    ----------
    animal
        ``"dark"`` (dark animal, light floor), ``"light"`` or ``"auto"``.
    threshold
        Foreground threshold in grey levels of difference from the
        background; None picks it by Otsu's method on the first frame.
    background_frames
        Frames whose median is the background.
    background_window_s
        The background frames are spread over the video's first seconds,
        decoded in the tracking pass itself (no seeking); when the animal
        is not found in at least 80% of them (it sat still), they are
        spread over the whole video instead. 0: always the whole video.
    arena_margin_fraction
        The arena floor polygon is widened by this fraction of its shorter
        side (a rearing animal's head leans over the wall).
    min_area_px
        Smallest blob taken for the animal.
    max_area_fraction
        Largest blob, as a fraction of the arena area.
    trunk_fraction
        Pixels at least this fraction of the maximum distance to the
        outline make the trunk, whose centroid is the body point.
    opening_fraction
        Radius of the opening that removes the tail, as a fraction of the
        blob's half-width.
    search_body_lengths
        Half-size of the search window around the previous position, in
        body lengths (plus 20 px).
    downsample, downsample_min_length_px
        Work at half resolution when the animal (without tail) is at least
        this long in pixels: as accurate, four times fewer pixels.
    motion_window_s
        Half-width of the centred difference that gives the velocity.
    min_speed_body_lengths_s, full_speed_body_lengths_s
        Below the first speed the motion says nothing about the head; at
        the second it counts fully.
    motion_weight, tail_weight, continuity_weight
        Weights of the three kinds of evidence for the head's end.
    """

    animal: str = "auto"
    threshold: float | None = None
    background_frames: int = 25
    background_window_s: float = 20.0
    arena_margin_fraction: float = 0.04
    min_area_px: int = 30
    max_area_fraction: float = 0.15
    trunk_fraction: float = 0.7
    opening_fraction: float = 0.4
    search_body_lengths: float = 1.0
    downsample: bool = True
    downsample_min_length_px: float = 90.0
    motion_window_s: float = 0.1
    min_speed_body_lengths_s: float = 0.5
    full_speed_body_lengths_s: float = 2.0
    motion_weight: float = 1.0
    tail_weight: float = 0.5
    continuity_weight: float = 2.0

    def __post_init__(self) -> None:
        if self.animal not in ("auto", "dark", "light"):
            raise OpenfieldError(f"animal must be auto, dark or light, not {self.animal!r}")
        if self.background_window_s < 0:
            raise OpenfieldError(f"background window must be >= 0 s, got {self.background_window_s}")
        if self.threshold is not None and not 0 < self.threshold < 255:
            raise OpenfieldError(f"threshold must be between 0 and 255 grey levels, got {self.threshold}")
