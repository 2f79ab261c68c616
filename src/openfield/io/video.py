"""Reading videos frame by frame (never a whole video in memory), with clear errors.

:class:`VideoReader` is the one reader: it streams frames (every n-th, from
a start, up to a limit) and counts the frames read against the frames the
container announced and the frames that failed to decode; with ``gray=True``
it yields grey frames decoded from the video's luma plane
(:func:`luma_lut`), which skips the colour conversion.
:func:`video_background` is the median of frames sampled over a video.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from openfield.errors import OpenfieldError
from openfield.io.files import atomic_write
from openfield.io.formats import VIDEO_SUFFIXES
from openfield.io.timestamps import frame_timestamp_ms

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class VideoInfo:
    """What a video's container says about it.

    Attributes
    ----------
    path
        The video file.
    fps
        Frames per second.
    n_frames
        Frame count from the container (may be approximate for some codecs).
    width, height
        Frame size in pixels.
    """

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        """Length in seconds (``n_frames / fps``)."""
        return self.n_frames / self.fps


def is_video(path: str | os.PathLike[str]) -> bool:
    """True when the file name has a video extension."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


#: Threads of one decoder. One: the tracker decodes in a thread of its own beside the tracking (two busy threads
#: per video), so N videos on N cores keep N decoders busy, and FFmpeg's frame threads would only add their
#: hand-over (~20% more CPU per frame on the example video, the same frames).
DECODE_THREADS = 1


def _open(path: Path) -> cv2.VideoCapture:
    if not path.exists():
        raise OpenfieldError("video not found", path)
    if path.is_dir():
        raise OpenfieldError("is a folder, expected a video file", path)
    cap = cv2.VideoCapture(str(path), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, DECODE_THREADS])
    if not cap.isOpened():
        cap.release()
        raise OpenfieldError("cannot open as a video (corrupt or unknown format)", path)
    return cap


def video_info(path: str | os.PathLike[str], fps: float | None = None) -> VideoInfo:
    """Read a video's frame rate, frame count and size, and check a frame decodes.

    Parameters
    ----------
    path
        The video file.
    fps
        Frame rate to use instead of the container's (for files that do not
        store it).

    Returns
    -------
    VideoInfo

    Raises
    ------
    OpenfieldError
        When the file is missing, cannot be decoded, has no frames, or its
        frame rate is unknown and none was given.
    """
    path = Path(path)
    cap = _open(path)
    try:
        ok, frame = cap.read()
        if not ok or frame is None:
            raise OpenfieldError("the video has no readable frames (corrupt or empty file)", path)
        container_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    if fps is None:
        if not (np.isfinite(container_fps) and 0 < container_fps < 1000):
            raise OpenfieldError(
                f"frame rate unknown (the file reports {container_fps}); give it with --fps", path
            )
        if avi_header_fps(path) == 0.0:  # the decoder's rate is its default, not the file's
            raise OpenfieldError(
                f"frame rate unknown: the AVI header gives 0 frames/s (the decoder would assume "
                f"{container_fps:g}, and every time, speed and acceleration would follow that guess); "
                "give the true rate with --fps", path)
        fps = container_fps
    elif not fps > 0:
        raise OpenfieldError(f"fps must be positive, got {fps}", path)
    return VideoInfo(path=path, fps=float(fps), n_frames=max(n_frames, 1),
                     width=int(frame.shape[1]), height=int(frame.shape[0]))


def avi_header_fps(path: str | os.PathLike[str], head_bytes: int = 1 << 16) -> float | None:
    """The frame rate an AVI file's own header gives (0.0 when it gives none), or None if not an AVI.

    The video stream header (``strh`` of type ``vids``): ``dwRate /
    dwScale``; else the main header (``avih``): ``1e6 /
    dwMicroSecPerFrame``. When both are 0, decoders substitute a default
    (FFmpeg: 25 frames/s) and make up timestamps from it: this function
    tells that case (0.0) from a file that states its rate.

    Parameters
    ----------
    path
        The file (only its first ``head_bytes`` are read).
    head_bytes
        How much of the file holds the headers.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(head_bytes)
    except OSError:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        return None
    rate = 0.0
    at = head.find(b"strh")
    while at >= 0 and at + 40 <= len(head):
        if head[at + 8 : at + 12] == b"vids":
            scale, rate_num = struct.unpack_from("<II", head, at + 28)
            rate = rate_num / scale if scale and rate_num else 0.0
            break
        at = head.find(b"strh", at + 4)
    if rate > 0:
        return float(rate)
    at = head.find(b"avih")
    if at >= 0 and at + 12 <= len(head):
        (usec,) = struct.unpack_from("<I", head, at + 8)
        if usec:
            return 1e6 / usec
    return 0.0


class VideoReader:
    """Stream a video's frames, counting what was read against what the container announced.

    The one video reader of the package: frames are decoded one at a time
    (never a whole video in memory); frames skipped by ``every`` are grabbed
    but not converted into images. A frame that fails to decode in the middle
    of a file is skipped and counted (:attr:`frames_failed`), and reading
    goes on; a file that ends before the frame count its container announced
    (a copy cut short) stops early, and :attr:`truncated` says so.

    Parameters
    ----------
    path
        The video file.
    every
        Yield every ``every``-th frame (counted from ``start``).
    start
        Index of the first frame read (frames before it are grabbed, so the
        index stays exact also where seeking is not).
    limit
        Read at most this many frames of the video from ``start`` (yielded
        or skipped); None: to the end.
    max_failures
        Consecutive frames that fail to decode before the file is taken to
        end there (only inside the announced frame count).
    prefetch
        Decode in a background thread, up to this many frames ahead of the
        consumer (OpenCV decodes without holding the GIL, so decoding and
        the consumer's work overlap on two cores); 0: decode in the
        consumer's thread. The counters then run ahead of the frames
        consumed, and are final when the iteration ends.
    gray
        Yield grey ``uint8`` frames, the same as OpenCV's BGR-to-grey
        conversion of the decoded frames. Where the first frame shows that
        the decoder's luma plane maps onto that grey (:func:`luma_lut`), the
        luma plane is read and mapped, and the colour conversion (more than
        half of the cost of decoding yuv444p video, a fifth of yuv420p) is
        skipped; elsewhere the BGR frames are converted.
    map_luma
        With ``gray=True`` and a luma plane read: False hands over the luma
        plane itself, for the consumer to map only the pixels it looks at
        (:attr:`luma_lut`; the map is pointwise, so mapping a crop gives
        the crop of the mapped frame).

    Raises
    ------
    OpenfieldError
        When the file is missing, a folder or cannot be opened, when the
        arguments are out of range, and (while iterating) when the video
        yields no frame at all.

    Examples
    --------
    >>> reader = VideoReader("mouse.avi", every=2)  # doctest: +SKIP
    >>> for index, frame in reader:  # doctest: +SKIP
    ...     ...
    >>> reader.frames_read, reader.frames_expected, reader.frames_failed  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int = 1,
        start: int = 0,
        limit: int | None = None,
        max_failures: int = 8,
        prefetch: int = 0,
        gray: bool = False,
        map_luma: bool = True,
    ) -> None:
        if every < 1:
            raise OpenfieldError(f"every must be >= 1, got {every}")
        if start < 0:
            raise OpenfieldError(f"start must be >= 0, got {start}")
        if limit is not None and limit < 0:
            raise OpenfieldError(f"limit must be >= 0, got {limit}")
        self.path = Path(path)
        self.every, self.start, self.limit, self.max_failures = every, start, limit, max(1, max_failures)
        self.prefetch = max(0, int(prefetch))
        self.gray = gray
        self.map_luma = map_luma
        #: With ``gray=True``: the map from the video's luma to OpenCV's grey (:func:`luma_lut`), or None
        #: where the frames are converted from BGR.
        self.luma_lut = luma_lut(self.path) if gray else None
        #: The grey frames' source: ``"luma"`` (the decoder's luma plane; mapped unless ``map_luma`` is
        #: False), ``"bgr"`` (converted from BGR), or None for BGR frames.
        self.gray_source = None if not gray else "bgr" if self.luma_lut is None else "luma"
        cap = _open(self.path)
        try:
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            #: Frame count announced by the container (0 when it does not say).
            self.frames_expected = max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0), 0)
        finally:
            cap.release()
        #: Frames of the video passed so far (decoded or skipped by ``every``), from frame 0.
        self.frames_read = 0
        #: Frames yielded so far.
        self.frames_decoded = 0
        #: Frames that failed to decode in the middle of the file and were skipped.
        self.frames_failed = 0
        #: True once the stream ended before the announced frame count.
        self.truncated = False
        #: The decoder's presentation time (ms) of every frame passed so far (read or grabbed).
        self.timestamps_ms: list[float] = []

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(frame index, BGR uint8 frame)``; the counters are updated as it goes."""
        return prefetch(self._read(), self.prefetch) if self.prefetch else self._read()

    def _read(self) -> Iterator[tuple[int, np.ndarray]]:
        with _quiet_opencv() if self.luma_lut is not None else contextlib.nullcontext():
            yield from self._decode(self.luma_lut)

    def _decode(self, lut: np.ndarray | None) -> Iterator[tuple[int, np.ndarray]]:
        cap = _open(self.path)
        if lut is not None and not cap.set(cv2.CAP_PROP_CONVERT_RGB, 0):  # luma_lut's own test passed
            cap.release()
            raise OpenfieldError("the decoder stopped handing over the luma plane", self.path)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0) or None  # rows of the luma plane
        self.frames_read = self.frames_decoded = self.frames_failed = 0
        self.truncated = False
        self.timestamps_ms = []
        stop = None if self.limit is None else self.start + self.limit
        idx = 0
        pending = 0  # failures not yet known to be followed by a good frame
        try:
            while stop is None or idx < stop:
                keep = idx >= self.start and (idx - self.start) % self.every == 0
                if keep:
                    ok, frame = cap.read()
                    ok = ok and frame is not None
                else:
                    ok, frame = cap.grab(), None
                if not ok:
                    if not (self.frames_expected and idx < self.frames_expected):
                        break  # the end, where the container said
                    pending += 1
                    idx += 1
                    if pending >= self.max_failures:
                        break  # the file ends early
                    continue
                self.frames_failed += pending
                pending = 0
                idx += 1
                self.timestamps_ms.append(frame_timestamp_ms(cap))
                self.frames_read = idx
                if keep:
                    self.frames_decoded += 1
                    if lut is not None:
                        frame = cv2.LUT(frame[:height], lut) if self.map_luma else frame[:height]
                    elif self.gray:
                        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
                    yield idx - 1, frame
        finally:
            cap.release()
        if self.frames_read == 0 and stop != 0 and self.start == 0:
            raise OpenfieldError("the video has no readable frames (corrupt or empty file)", self.path)
        end = self.frames_expected if stop is None else min(self.frames_expected, stop)
        self.truncated = bool(self.frames_expected) and self.frames_read < end
        if self.truncated:
            log.warning("%s: read %d of the %d frames the file announces (truncated or damaged file)",
                        self.path, self.frames_read, self.frames_expected)
        if self.frames_failed:
            log.warning("%s: %d frame(s) could not be decoded and were skipped", self.path, self.frames_failed)

    def frames(self) -> Iterator[np.ndarray]:
        """The frames alone, without their index."""
        for _, frame in self:
            yield frame


_quiet_lock = threading.Lock()
_quiet_users = 0
_quiet_saved = 0


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """OpenCV logs errors only, while luma planes are read (it warns of the pixel format on every frame).

    OpenCV's log level is global: nested and concurrent readers share one
    quiet period, and the level in force before the first is restored
    after the last.
    """
    global _quiet_users, _quiet_saved
    with _quiet_lock:
        if _quiet_users == 0:
            _quiet_saved = cv2.utils.logging.getLogLevel()
            cv2.utils.logging.setLogLevel(min(_quiet_saved, cv2.utils.logging.LOG_LEVEL_ERROR))
        _quiet_users += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                cv2.utils.logging.setLogLevel(_quiet_saved)


def luma_lut(path: str | os.PathLike[str], max_error: float = 2.0) -> np.ndarray | None:
    """The map from the decoder's luma plane to OpenCV's grey, fitted on the first frame, or None.

    With ``CAP_PROP_CONVERT_RGB`` off, OpenCV's FFmpeg reader hands over the
    luma (Y) plane of planar YUV frames instead of converting them to BGR.
    OpenCV's grey is a linear function of it: ``1.164 (Y - 16)`` for
    limited-range video, ``Y`` for full range. The first frame is decoded
    both ways and a line fitted; the map is used only when the frame spans
    at least 64 grey levels and the mapped luma is within ``max_error`` grey
    levels of the converted grey in 99.9 % of the pixels (and within 12 in
    all). Otherwise (another pixel format, another backend, a flat first
    frame) None, and the caller converts BGR frames.

    Returns
    -------
    numpy.ndarray or None
        ``uint8`` lookup table of 256 entries (for :func:`cv2.LUT`).
    """
    path = Path(path)
    cap = _open(path)
    try:
        ok, frame = cap.read()
    finally:
        cap.release()
    if not ok or frame is None or frame.ndim != 3:
        return None
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    cap = _open(path)
    try:
        if not cap.set(cv2.CAP_PROP_CONVERT_RGB, 0):
            return None
        with _quiet_opencv():
            ok, raw = cap.read()
    finally:
        cap.release()
    if not ok or raw is None or raw.ndim != 2 or raw.dtype != np.uint8 or raw.shape[1] != gray.shape[1] \
            or raw.shape[0] < gray.shape[0]:
        return None
    y = raw[: gray.shape[0]].astype(np.float64).ravel()
    g = gray.astype(np.float64).ravel()
    if np.ptp(g) < 64 or np.ptp(y) < 64:
        return None
    slope, offset = np.polyfit(y, g, 1)
    if not 0.8 < slope < 1.4:
        return None
    lut = np.clip(np.round(slope * np.arange(256) + offset), 0, 255).astype(np.uint8)
    err = np.abs(lut[y.astype(np.intp)].astype(np.float64) - g)
    if np.percentile(err, 99.9) > max_error or err.max() > 12:
        return None
    return lut


_DONE = object()


def prefetch(items: Iterator[T], depth: int) -> Iterator[T]:
    """Run an iterator in a background thread, up to ``depth`` items ahead; its errors are raised here.

    Stopping early (``break``, ``close()``) stops the thread at its next item.
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)

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


def iter_frames(path: str | os.PathLike[str]) -> Iterator[np.ndarray]:
    """Yield the frames of a video one at a time (BGR ``uint8``); see :class:`VideoReader`.

    Raises
    ------
    OpenfieldError
        When the file cannot be opened or yields no frame at all.
    """
    yield from VideoReader(path).frames()


#: A frame at most this many frames ahead of the reader is reached by decoding the frames before it rather than
#: by seeking: a seek decodes from the key frame before its target, up to a key-frame interval (250 frames is
#: x264's default), so on a short video the samples cost less in one pass (the same frames: seeking is exact).
GRAB_RATHER_THAN_SEEK = 250


def sample_frames(path: str | os.PathLike[str], n_frames: int = 25, window: int | None = None) -> list[np.ndarray]:
    """Up to ``n_frames`` frames spread evenly over a video, or over its first ``window`` frames.

    Parameters
    ----------
    path
        The video file.
    n_frames
        How many frames.
    window
        None: spread over the whole video, each found by seeking (only
        those frames are read, but each seek costs up to a key-frame
        interval of decoding), or, when it lies at most
        :data:`GRAB_RATHER_THAN_SEEK` frames after the previous one, by
        decoding the frames between them. A number: every ``window // n_frames``-th of
        the first ``window`` frames, decoded in one sequential pass from the
        start (no seeking).

    Raises
    ------
    OpenfieldError
        When the file cannot be opened or none of the frames decodes.
    """
    path = Path(path)
    if n_frames < 1:
        raise OpenfieldError(f"n_frames must be >= 1, got {n_frames}")
    if window is not None:
        step = max(1, window // n_frames)
        return [frame for _, frame in VideoReader(path, every=step, limit=step * n_frames)]
    cap = _open(path)
    frames = []
    try:
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        indices = np.linspace(0, max(total - 1, 0), num=max(1, min(n_frames, total))).astype(int)
        at = 0  # the index of the frame the next read gives
        for idx in map(int, np.unique(indices)):
            if not 0 <= idx - at <= GRAB_RATHER_THAN_SEEK or not all(cap.grab() for _ in range(idx - at)):
                cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
            ok, frame = cap.read()
            at = idx + 1
            if ok and frame is not None:
                frames.append(frame)
    finally:
        cap.release()
    if not frames:
        raise OpenfieldError("the video has no readable frames", path)
    return frames


def video_background(path: str | os.PathLike[str], n_frames: int = 25, window: int | None = None) -> np.ndarray:
    """Per-pixel median of frames sampled by :func:`sample_frames` (the moving animal vanishes).

    ``window`` None samples the whole video by seeking; a number of frames
    samples the video's start in one sequential pass.
    """
    return np.median(np.stack(sample_frames(path, n_frames, window)), axis=0).astype(np.uint8)


def write_clip(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], n_frames: int, start: int = 0
) -> Path:
    """Copy ``n_frames`` frames of a video, from frame ``start``, to a new MP4 (atomically).

    Frames are read one by one (never the whole video in memory) and written
    with OpenCV's ``mp4v`` codec at the source's frame rate and size.

    Parameters
    ----------
    src
        The source video.
    dst
        The clip to write (``.mp4``).
    n_frames
        Number of frames, at least 1.
    start
        Index of the first frame.

    Returns
    -------
    Path
        ``dst``.

    Raises
    ------
    OpenfieldError
        Missing or unreadable source, or fewer frames than asked.
    """
    src, dst = Path(src), Path(dst)
    if n_frames < 1 or start < 0:
        raise OpenfieldError(f"a clip needs n_frames >= 1 and start >= 0, got {n_frames}, {start}")
    cap = _open(src)
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        if start:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        with atomic_write(dst) as tmp:
            writer = None
            try:
                for i in range(n_frames):
                    ok, frame = cap.read()
                    if not ok:
                        raise OpenfieldError(
                            f"has only {start + i} frames; a clip of {n_frames} from frame {start} was asked", src
                        )
                    if writer is None:
                        h, w = frame.shape[:2]
                        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                    writer.write(frame)
            finally:
                if writer is not None:
                    writer.release()
    finally:
        cap.release()
    return dst


def read_frame(path: str | os.PathLike[str], index: int, exact_within: int = 300) -> np.ndarray:
    """One frame of a video, by its 0-based index (the drawing page's scrubber).

    Frames up to ``exact_within`` are decoded from the start (exact whatever
    the container); later ones are found by seeking, which OpenCV's FFmpeg
    back end makes exact for the common containers and which costs a
    key-frame interval instead of the whole video's start.

    Raises
    ------
    OpenfieldError
        The file cannot be opened or the frame does not decode.
    """
    path = Path(path)
    if index < exact_within:
        for _, frame in VideoReader(path, start=index, limit=1):
            return frame
    else:
        cap = _open(path)
        try:
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
            ok, frame = cap.read()
        finally:
            cap.release()
        if ok and frame is not None:
            return frame
    raise OpenfieldError(f"frame {index} could not be read", path)
