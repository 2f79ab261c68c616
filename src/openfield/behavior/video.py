"""Whole videos through the frame classifier: per-frame class probabilities, then the timeline.

A background thread decodes (:mod:`openfield.io.video`) and crops frames
while the main thread runs the model on the previous batch, so decoding and
inference overlap. The crops are the ones the model was trained on (its
``openfield_vit.json``); a pose of the video can place them instead of the
blob detector.

:func:`classify_video` is the pure part: a video and a model in, a
:class:`~openfield.behavior.timeline.BehaviorTimeline` (smoothed
probabilities, labels, bouts, totals) out, nothing written. :func:`predict_video`
is the thin wrapper that also writes the files
(:mod:`openfield.behavior.outputs`), for ``openfield behavior predict`` and
``openfield run --behavior-model DIR``. Whether a video needs (re)computing is
the caller's decision.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm.auto import tqdm

from openfield.behavior import outputs
from openfield.behavior.crops import Cropper, CropSettings
from openfield.behavior.dataset import pose_centres
from openfield.behavior.settings import PREDICTION_DEFAULTS
from openfield.behavior.timeline import BehaviorTimeline, behavior_timeline, hold_probabilities
from openfield.behavior.vit import load_model, predict_batch, to_pixel_values
from openfield.device import pick_device
from openfield.errors import OpenfieldError
from openfield.io.video import VideoReader, prefetch, video_background, video_info

log = logging.getLogger(__name__)


def _frame_batches(
    reader: VideoReader,
    cropper: Cropper,
    batch_size: int,
    every: int,
    centres: np.ndarray | None = None,
) -> Iterator[tuple[list[np.ndarray], int]]:
    """Yield ``(RGB crops, frames read so far)`` batches; runs in the decode thread.

    Every frame is read (so the count of frames read is exact); every
    ``every``-th is cropped. ``centres`` (``(n_frames, 2)``, NaN where
    unknown) places the crops, e.g. from pose.
    """
    batch: list[np.ndarray] = []
    n_read = 0
    for idx, frame in reader:
        n_read = idx + 1
        if idx % every == 0:
            centre = None
            if centres is not None and idx < len(centres):
                centre = (float(centres[idx, 0]), float(centres[idx, 1]))
            batch.append(cv2.cvtColor(cropper(frame, centre), cv2.COLOR_BGR2RGB))
        if len(batch) == batch_size:
            yield batch, n_read
            batch = []
    if batch:
        yield batch, n_read
    yield [], n_read


def video_probabilities(
    video_path: str | os.PathLike[str],
    model: Any,
    processor: Any,
    crop: CropSettings,
    device: Any,
    batch_size: int = 32,
    every: int = 1,
    max_frames: int | None = None,
    progress: bool = True,
    centres: np.ndarray | None = None,
) -> tuple[np.ndarray, float, dict]:
    """Class probabilities of every frame of a video, streamed in batches.

    Parameters
    ----------
    video_path
        The video.
    model, processor
        From :func:`openfield.behavior.vit.load_model`.
    crop
        The crops the model was trained on.
    device
        Torch device.
    batch_size
        Frames per forward pass.
    every
        Classify every n-th frame and hold its probabilities for the frames
        in between (1: every frame).
    max_frames
        Stop after this many frames (the first part of the video); None: all.
    progress
        Show a tqdm progress bar.
    centres
        Per-frame animal centre ``(n_frames, 2)`` in pixels (e.g. from pose,
        :func:`openfield.behavior.dataset.pose_centres`); NaN rows and None
        use the blob detector.

    Returns
    -------
    tuple
        ``(probabilities (n_frames, n_classes), fps, timing)``; ``timing``
        has ``n_frames``, ``n_classified``, ``frames_failed`` (frames that
        failed to decode and were skipped), ``seconds`` and
        ``frames_per_s`` (frames of video per second of wall time).
    """
    video = Path(video_path)
    info = video_info(video)
    fps, n_total = info.fps, info.n_frames
    if every < 1:
        raise OpenfieldError(f"--every must be >= 1, got {every}")
    background = video_background(video) if crop.mode == "animal" else None
    cropper = Cropper(crop, background)
    expected = min(n_total, max_frames) if max_frames else n_total
    t0 = time.perf_counter()
    probs, n_read = [], 0
    bar = tqdm(total=expected or None, desc=video.name, unit="frame", disable=not progress)
    reader = VideoReader(video, limit=max_frames)
    for batch, n_read_now in prefetch(_frame_batches(reader, cropper, batch_size, every, centres), depth=3):
        if batch:
            probs.append(predict_batch(model, to_pixel_values(batch, processor), device))
        bar.update(n_read_now - n_read)
        n_read = n_read_now
    bar.close()
    seconds = time.perf_counter() - t0
    if not probs:
        raise OpenfieldError("the video has no readable frames", video)
    p = hold_probabilities(np.concatenate(probs), every, n_read)
    if cropper.n_missed:
        log.info("%s: animal not found in %d frame(s); the last position was used", video.name,
                 cropper.n_missed)
    timing = {
        "n_frames": int(n_read),
        "n_classified": int(sum(len(x) for x in probs)),
        "frames_failed": int(reader.frames_failed),
        "seconds": seconds,
        "frames_per_s": n_read / seconds if seconds > 0 else float("nan"),
    }
    return p, fps, timing


@dataclass
class VideoBehavior:
    """What :func:`classify_video` found in one video.

    Attributes
    ----------
    video
        The video file.
    timeline
        Smoothed probabilities, labels, bouts and totals.
    timing
        ``n_frames``, ``n_classified``, ``seconds``, ``frames_per_s``.
    device
        The torch device used.
    """

    video: Path
    timeline: BehaviorTimeline
    timing: dict
    device: str


def classify_video(
    video_path: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    min_bout_s: float = 0.5,
    window_s: float = 0.5,
    batch_size: int = 0,
    device: str = "auto",
    every: int = 1,
    max_frames: int | None = None,
    progress: bool = True,
    centres: np.ndarray | None = None,
    times_s: np.ndarray | None = None,
) -> VideoBehavior:
    """Rearing / grooming / normal in every frame of a video with a trained ViT; writes nothing.

    Parameters
    ----------
    video_path
        The video.
    model_dir
        A folder written by ``openfield behavior train``.
    min_bout_s
        Bouts shorter than this are merged into their neighbours (s).
    window_s
        Centred moving-average window of the probabilities (s; 0: none).
    batch_size
        Frames per forward pass; 0: 64 on a GPU, 16 on CPU.
    device
        ``"auto"`` (CUDA with bf16/fp16 when present), ``"cpu"`` or ``"cuda"``
        (:func:`openfield.device.pick_device`).
    every
        Classify every n-th frame (the others take the last probabilities).
    max_frames
        Analyse only the first frames (None: all).
    progress
        Show a progress bar.
    centres
        Per-frame animal centre ``(n_frames, 2)`` in pixels (e.g. from the
        run's pose); NaN rows and None use the blob detector.
    times_s
        The real time of each frame of a variable-frame-rate video (the
        timeline's time axis, :func:`~openfield.behavior.timeline.behavior_timeline`);
        None: frame / fps.

    Returns
    -------
    VideoBehavior

    Raises
    ------
    OpenfieldError
        Missing or unreadable video, missing model folder, bad settings.
    """
    video = Path(video_path)
    if not video.exists():
        raise OpenfieldError("video not found", video)
    mdir = Path(model_dir)
    if not mdir.is_dir():
        raise OpenfieldError("model folder not found", mdir)
    if min_bout_s < 0 or window_s < 0:
        raise OpenfieldError(f"min_bout_s and window_s must be >= 0, got {min_bout_s} and {window_s}")
    dev = pick_device(device)
    model, processor, classes, info = load_model(mdir, dev)
    crop = CropSettings.from_dict(info.get("crop"))
    bs = batch_size or (64 if dev.type == "cuda" else 16)
    raw, fps, timing = video_probabilities(
        video, model, processor, crop, dev, bs, every, max_frames, progress, centres
    )
    log.info("%s: %d frames in %.1f s (%.1f frames/s on %s)", video.stem, timing["n_frames"],
             timing["seconds"], timing["frames_per_s"], dev)
    if times_s is not None:  # a variable frame rate: its frames' real times (the frames classified)
        times_s = np.asarray(times_s, float)[: len(raw)]
        if len(times_s) != len(raw):
            log.warning("%s: %d frame times for %d frames: times from frame index / fps", video.name,
                        len(times_s), len(raw))
            times_s = None
    timeline = behavior_timeline(raw, classes, fps, min_bout_s, window_s, times_s=times_s)
    return VideoBehavior(video=video, timeline=timeline, timing=timing, device=str(dev))


def predict_video(
    video_path: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    min_bout_s: float = PREDICTION_DEFAULTS["min_bout_s"],
    window_s: float = PREDICTION_DEFAULTS["window_s"],
    batch_size: int = 0,
    device: str = "auto",
    every: int = PREDICTION_DEFAULTS["every"],
    max_frames: int | None = PREDICTION_DEFAULTS["max_frames"],
    progress: bool = True,
    pose: str | os.PathLike[str] | None = None,
    times_s: np.ndarray | None = None,
    window: tuple[int, int] | None = None,
) -> dict:
    """:func:`classify_video`, then write its files; always computes.

    Writes, in ``out_dir`` (:func:`openfield.behavior.outputs.write_timeline`):
    ``<stem>_behavior.csv`` (``frame``, ``time_s`` in s, ``label``,
    ``p_<class>`` smoothed probabilities), ``<stem>_bouts.csv``
    (``behavior``, ``start_s``, ``end_s``, ``duration_s``, s),
    ``<stem>_behavior_summary.csv`` (``file``, the video's name, then time,
    fraction, number of bouts and latency of each behaviour),
    ``<stem>_ethogram.png``, and last ``<stem>_vit_predict.json`` (the
    settings under ``key``, totals and timing).

    Parameters
    ----------
    video_path, model_dir, min_bout_s, window_s, batch_size, device, every, max_frames, progress
        See :func:`classify_video`.
    out_dir
        Output folder.
    pose
        Optional DeepLabCut pose file of the video: its animal centre places
        the crops (as ``openfield behavior dataset --poses``); frames without
        a confident keypoint use the blob detector.
    times_s
        See :func:`classify_video`.
    window
        The trial window's frames ``(first, stop)``: the files and totals
        hold those frames only, times from the window's start
        (:meth:`~openfield.behavior.timeline.BehaviorTimeline.window`).

    Returns
    -------
    dict
        ``video``, ``fps``, ``n_frames``, the totals (``duration_s``,
        ``time_<b>_s``, ``fraction_<b>``, ``bouts_<b>``, ``latency_<b>_s``
        for each behaviour ``b`` such as rearing and grooming), ``classes``,
        ``timing``, ``device``, ``paths`` and ``key`` (the settings).

    Raises
    ------
    OpenfieldError
        Missing or unreadable video, missing model folder.
    """
    key = outputs.prediction_settings(video_path, model_dir, min_bout_s, window_s, every, max_frames, pose)
    centres = None
    if pose is not None:
        centres = pose_centres(pose)
    found = classify_video(video_path, model_dir, min_bout_s, window_s, batch_size, device, every, max_frames,
                           progress, centres, times_s)
    stem = found.video.stem
    timeline = found.timeline if window is None else found.timeline.window(*window)
    paths, summary = outputs.write_timeline(out_dir, stem, timeline, {"file": found.video.name})
    result = {k: (v.item() if hasattr(v, "item") else v) for k, v in summary.items()}
    result.update({
        "n_frames": found.timing["n_frames"],
        "classes": found.timeline.classes,
        "timing": found.timing,
        "device": found.device,
        "paths": {k: str(v) for k, v in paths.items()},
        "key": key,
    })
    outputs.write_prediction_record(result, out_dir, stem)
    return result


def decode_rate(video_path: str | os.PathLike[str], max_frames: int | None = None) -> dict:
    """Plain decoding speed of a video (frames per second, :mod:`openfield.io.video`), for comparison."""
    t0, n = time.perf_counter(), 0
    for _ in VideoReader(video_path, limit=max_frames):
        n += 1
    seconds = time.perf_counter() - t0
    return {"n_frames": n, "seconds": seconds, "frames_per_s": n / seconds if seconds > 0 else float("nan")}
