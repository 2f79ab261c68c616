"""Whole videos through the frame classifier: probabilities, then the shared timeline outputs.

A background thread decodes and crops frames (OpenCV) while the main
thread runs the model on the previous batch, so decoding and inference
overlap. The crops are the ones the model was trained on (its
``openfield_vit.json``). Probabilities are smoothed over time by a
centred sliding window, and the per-frame labels, bouts, totals and the
ethogram are written by :func:`openfield.behavior.timeline.write_behavior_outputs`,
the same implementation as the pose-based classifier.

:func:`predict_video` is the one function other stages call (``openfield
run --behavior-model DIR``).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from openfield.behavior.crops import Cropper, CropSettings
from openfield.errors import OpenfieldError
from openfield.io.files import write_json

log = logging.getLogger(__name__)

_DONE = object()


def smooth_probabilities(probabilities: np.ndarray, fps: float, window_s: float) -> np.ndarray:
    """Centred moving average of per-frame class probabilities.

    Parameters
    ----------
    probabilities
        ``(n_frames, n_classes)``.
    fps
        Frames per second.
    window_s
        Window length in seconds; it covers ``round(window_s * fps)``
        frames, made odd so it is centred (1 or less: no smoothing). At the
        ends, the average is over the frames inside the recording.

    Returns
    -------
    numpy.ndarray
        Same shape; rows still sum to 1.
    """
    p = np.asarray(probabilities, dtype=float)
    if window_s < 0:
        raise OpenfieldError(f"the smoothing window must be >= 0 s, got {window_s}")
    k = int(round(window_s * fps))
    if k <= 1 or len(p) == 0:
        return p.copy()
    k += 1 - k % 2
    half = k // 2
    c = np.cumsum(np.vstack([np.zeros((1, p.shape[1])), p]), axis=0)
    idx = np.arange(len(p))
    lo, hi = np.maximum(idx - half, 0), np.minimum(idx + half + 1, len(p))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def hold_probabilities(probabilities: np.ndarray, every: int, n_frames: int) -> np.ndarray:
    """Per-frame probabilities when only every ``every``-th frame was classified.

    Row ``j`` (frame ``j * every``) is held for frames ``j*every .. j*every
    + every - 1``; the result has ``n_frames`` rows.
    """
    p = np.repeat(np.asarray(probabilities, dtype=float), every, axis=0)
    if len(p) < n_frames:
        raise ValueError(f"{len(probabilities)} rows x {every} do not cover {n_frames} frames")
    return p[:n_frames]


def _frame_batches(
    video: Path,
    cropper: Cropper,
    batch_size: int,
    every: int,
    max_frames: int | None,
    centres: np.ndarray | None = None,
) -> Iterator[tuple[list[np.ndarray], int]]:
    """Yield ``(RGB crops, frames read so far)`` batches; runs in the decode thread.

    ``centres`` (``(n_frames, 2)``, NaN where unknown) places the crops, e.g. from pose.
    """
    cap = cv2.VideoCapture(str(video))
    try:
        if not cap.isOpened():
            raise OpenfieldError("cannot open as a video (corrupt or unknown format)", video)
        batch: list[np.ndarray] = []
        idx = 0
        while max_frames is None or idx < max_frames:
            if idx % every:
                if not cap.grab():
                    break
            else:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                centre = None
                if centres is not None and idx < len(centres):
                    centre = (float(centres[idx, 0]), float(centres[idx, 1]))
                batch.append(cv2.cvtColor(cropper(frame, centre), cv2.COLOR_BGR2RGB))
            idx += 1
            if len(batch) == batch_size:
                yield batch, idx
                batch = []
        if batch:
            yield batch, idx
        yield [], idx
    finally:
        cap.release()


def _prefetch(gen: Iterator[Any], depth: int = 3) -> Iterator[Any]:
    """Run a generator in a thread, ``depth`` items ahead; re-raise its errors here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in gen:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=work, daemon=True, name="openfield-decode")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


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
        has ``n_frames``, ``n_classified``, ``seconds`` and
        ``frames_per_s`` (frames of video per second of wall time).
    """
    from tqdm.auto import tqdm

    from openfield.behavior.vit import predict_batch, to_pixel_values
    from openfield.io.video import video_info

    video = Path(video_path)
    info = video_info(video)
    fps, n_total = info.fps, info.n_frames
    if every < 1:
        raise OpenfieldError(f"--every must be >= 1, got {every}")
    background = None
    if crop.mode == "animal":
        from openfield.io.images import video_background

        background = video_background(video)
    cropper = Cropper(crop, background)
    expected = min(n_total, max_frames) if max_frames else n_total
    t0 = time.perf_counter()
    probs, n_read = [], 0
    bar = tqdm(total=expected or None, desc=video.name, unit="frame", disable=not progress)
    for batch, n_read_now in _prefetch(_frame_batches(video, cropper, batch_size, every, max_frames, centres)):
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
        "seconds": seconds,
        "frames_per_s": n_read / seconds if seconds > 0 else float("nan"),
    }
    return p, fps, timing


def write_video_outputs(
    out_dir: str | os.PathLike[str],
    stem: str,
    probabilities: np.ndarray,
    classes: list[str],
    fps: float,
    window_s: float,
    min_bout_s: float,
    summary_extra: dict | None = None,
) -> dict[str, Path]:
    """Smooth raw per-frame probabilities and write the shared timeline outputs.

    The probabilities are averaged over a centred ``window_s`` window
    (:func:`smooth_probabilities`); each frame's label is then its most
    probable class, and bouts shorter than ``min_bout_s`` are merged into
    their neighbours by :func:`openfield.behavior.timeline.write_behavior_outputs`,
    which writes the per-frame table, bouts, summary and ethogram.

    summary_extra
        Columns put first in the summary row (``predict_video`` adds
        ``file``, the video's file name).

    Returns
    -------
    dict
        ``behavior``, ``bouts``, ``summary``, ``ethogram`` -> path.
    """
    from openfield.behavior.timeline import write_behavior_outputs

    probs = smooth_probabilities(probabilities, fps, window_s)
    return write_behavior_outputs(out_dir, stem, probs, classes, fps, min_bout_s, summary_extra=summary_extra)


def predict_video(
    video_path: str | os.PathLike[str],
    model_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    min_bout_s: float = 0.5,
    window_s: float = 0.5,
    batch_size: int = 0,
    device: str = "auto",
    every: int = 1,
    max_frames: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    pose: str | os.PathLike[str] | None = None,
) -> dict:
    """Rearing / grooming / normal over a whole video with a trained ViT.

    Writes, in ``out_dir``: ``<stem>_behavior.csv`` (``frame``, ``time_s``
    in s, ``label``, ``p_<class>`` smoothed probabilities),
    ``<stem>_bouts.csv`` (``behavior``, ``start_s``, ``end_s``,
    ``duration_s``, s), ``<stem>_behavior_summary.csv`` (``file``, the video's
    name, then time, fraction,
    number of bouts and latency of each behaviour), ``<stem>_ethogram.png``
    (all by :func:`openfield.behavior.timeline.write_behavior_outputs`) and
    ``<stem>_vit_predict.json`` (settings, totals and timing; written last).
    A re-run with the same settings returns the saved result.

    Parameters
    ----------
    video_path
        The video.
    model_dir
        A folder written by ``openfield behavior train``.
    out_dir
        Output folder.
    min_bout_s
        Bouts shorter than this are merged into their neighbours (s).
    window_s
        Centred moving-average window of the probabilities (s; 0: none).
    batch_size
        Frames per forward pass; 0: 64 on a GPU, 16 on CPU.
    device
        ``"auto"`` (CUDA with bf16/fp16 when present), ``"cpu"`` or ``"cuda"``.
    every
        Classify every n-th frame (the others take the last probabilities).
    max_frames
        Analyse only the first frames (None: all).
    overwrite
        Recompute even if the outputs exist.
    progress
        Show a progress bar.
    pose
        Optional DeepLabCut pose file of the video: its animal centre places
        the crops (as ``openfield behavior dataset --poses``); frames without
        a confident keypoint use the blob detector.

    Returns
    -------
    dict
        ``video``, ``fps``, ``n_frames``, the totals (``duration_s``,
        ``time_<b>_s``, ``fraction_<b>``, ``bouts_<b>``, ``latency_<b>_s``
        for each behaviour ``b`` such as rearing and grooming), ``timing``
        and ``paths`` (``behavior``, ``bouts``, ``summary``, ``ethogram``).

    Raises
    ------
    OpenfieldError
        Missing or unreadable video, missing model folder.
    """
    import json

    from openfield.behavior.vit import load_model, pick_device

    video, out = Path(video_path), Path(out_dir)
    if not video.exists():
        raise OpenfieldError("video not found", video)
    mdir = Path(model_dir)
    if not mdir.is_dir():
        raise OpenfieldError("model folder not found", mdir)
    stem = video.stem
    marker = out / f"{stem}_vit_predict.json"
    weights = sorted(mdir.glob("*.safetensors")) + sorted(mdir.glob("*.bin"))
    key = {
        "video": str(video.resolve()),
        "model": str(mdir.resolve()),
        "model_mtime": max((p.stat().st_mtime for p in weights), default=0.0),
        "min_bout_s": min_bout_s,
        "window_s": window_s,
        "every": every,
        "max_frames": max_frames,
        "pose": None if pose is None else str(Path(pose).resolve()),
    }
    if marker.exists() and not overwrite:
        done = json.loads(marker.read_text())
        if done.get("key") == key and all(Path(p).exists() for p in done.get("paths", {}).values()):
            log.info("%s: already analysed with these settings, skipped (%s)", stem, marker)
            return done
    dev = pick_device(device)
    model, processor, classes, info = load_model(mdir, dev)
    crop = CropSettings.from_dict(info.get("crop"))
    bs = batch_size or (64 if dev.type == "cuda" else 16)
    centres = None
    if pose is not None:
        from openfield.behavior.dataset import pose_centres

        centres = pose_centres(pose)
    raw, fps, timing = video_probabilities(
        video, model, processor, crop, dev, bs, every, max_frames, progress, centres
    )
    paths = write_video_outputs(out, stem, raw, classes, fps, window_s, min_bout_s, {"file": video.name})
    summary = pd.read_csv(paths["summary"]).iloc[0].to_dict()
    result = {k: (v.item() if hasattr(v, "item") else v) for k, v in summary.items()}
    result.update({
        "n_frames": timing["n_frames"],
        "classes": classes,
        "timing": timing,
        "device": str(dev),
        "paths": {k: str(v) for k, v in paths.items()},
        "key": key,
    })
    write_json(result, marker)
    log.info("%s: %d frames in %.1f s (%.1f frames/s on %s)", stem, timing["n_frames"],
             timing["seconds"], timing["frames_per_s"], dev)
    return result


def decode_rate(video_path: str | os.PathLike[str], max_frames: int | None = None) -> dict:
    """Plain OpenCV decoding speed of a video (frames per second), for comparison."""
    video = Path(video_path)
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise OpenfieldError("cannot open as a video (corrupt or unknown format)", video)
    t0, n = time.perf_counter(), 0
    try:
        while max_frames is None or n < max_frames:
            ok, _ = cap.read()
            if not ok:
                break
            n += 1
    finally:
        cap.release()
    seconds = time.perf_counter() - t0
    return {"n_frames": n, "seconds": seconds, "frames_per_s": n / seconds if seconds > 0 else float("nan")}
