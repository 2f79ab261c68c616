"""A classical, DeepLabCut-free tracker: head, body and tail base from the animal's blob.

In the spirit of ezTrack. The per-frame steps use the shared animal
segmenter (:mod:`openfield.segmentation`); the choice of the head over
time is in :mod:`openfield.orientation`. Per frame:

1. **Foreground.** For a video, the difference from a background model (the
   per-pixel median of frames in which the moving animal vanishes: frames
   spread over the first ``background_window_s`` seconds, decoded by the same
   pass that then tracks; frames spread over the whole video, found by
   seeking, when the animal did not move enough in that window), signed by
   the animal's polarity (dark animal on a light floor or the reverse),
   thresholded once per video (Otsu on the first frame's difference, or a
   given threshold). Frames are decoded in a background thread, ahead of
   the tracking. For a single image there is no background model: the
   floor is a smooth surface fitted to the image's floor pixels
   (:func:`openfield.segmentation.floor_model`).
2. **Blob.** Inside the arena floor (polygon from the calibration or found
   on the background, widened by a margin), the largest blob of plausible
   size; after the first detection only a window around the last position is
   searched (cheaper than decoding the frame), with a full-frame search when
   the animal is not found there.
3. **Body.** The centroid of the trunk: the pixels at least
   ``trunk_fraction`` as far from the outline as the thickest point (the
   distance transform). This leaves out the thin tail and also the narrower
   head, which would pull a plain blob centroid forwards (by about 9 px,
   0.11 body lengths, on the synthetic mouse).
4. **Ends.** A morphological opening by a disc of ``opening_fraction`` of
   the half-width removes the tail; the two ends of what remains along its
   principal axis are the nose and the tail base. What the opening removed
   (the tail) says which end is the tail base.
5. **Which end is the head, over time**: :func:`openfield.orientation.orient`.

The likelihood of the body is the blob's quality: its area against the
running median area (a blob merged with a shadow or cut in half scores low)
times its contrast against the threshold. Frames where no plausible blob is
found get NaN and likelihood 0.

Only the frame being processed is in memory; per frame a few numbers are
kept (the ends, the body, the cues) for the orientation pass at the end.

The package, one module per job:

- :mod:`~openfield.tracking.config`: the options (:class:`TrackerConfig`) and the names of what it writes;
- :mod:`~openfield.tracking.frame`: per-frame detection (:class:`FrameTracker`: blob, outline, ends);
- :mod:`~openfield.tracking.several`: counting animal-sized blobs (the ``several_animals`` check);
- :mod:`~openfield.tracking.arena_track`: one arena's tracker over a stream of frames and its pose dataset
  (:class:`ArenaTrack`, :func:`track_frames`);
- :mod:`~openfield.tracking.background`: the background model (window samples, ghosts of a resting animal);
- :mod:`~openfield.tracking.arenas`: the arenas' floor masks and boxes (:func:`arena_masks`);
- :mod:`~openfield.tracking.video`: the streaming driver, one decoding pass for a video's arenas
  (:func:`track_video`, :func:`track_video_arenas`);
- :mod:`~openfield.tracking.image`: a single image (:func:`track_image`);
- :mod:`~openfield.tracking.result`: what the tracker tells besides the poses, typed (:class:`TrackerInfo`).

The stage takes and returns data (frames, arrays, Datasets); it opens a video only through
:class:`openfield.io.video.VideoReader`.
"""

from openfield.segmentation import arena_mask
from openfield.tracking.arena_track import ArenaTrack, track_frames
from openfield.tracking.arenas import arena_masks
from openfield.tracking.config import KEYPOINTS, SCORER, SILHOUETTE_MEASURES, TrackerConfig
from openfield.tracking.frame import FrameTracker
from openfield.tracking.image import tail_ray_cue, track_image
from openfield.tracking.result import TrackerInfo, tracker_info
from openfield.tracking.video import DECODE_AHEAD, decode_ahead, track_video, track_video_arenas

__all__ = [
    "DECODE_AHEAD",
    "KEYPOINTS",
    "SCORER",
    "SILHOUETTE_MEASURES",
    "ArenaTrack",
    "FrameTracker",
    "TrackerConfig",
    "TrackerInfo",
    "arena_mask",
    "arena_masks",
    "decode_ahead",
    "tail_ray_cue",
    "track_frames",
    "track_image",
    "track_video",
    "track_video_arenas",
    "tracker_info",
]
