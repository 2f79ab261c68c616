"""Benchmark: several arenas in one video cost little more than one (issue 13: 4 arenas <= 1.5x one).

Run from the repository root::

    PYTHONPATH=src python bench/bench_arenas.py [--duration 60] [--repeat 3] [--px-per-cm 8 16]

A synthetic 2 x 2 video (four 30 x 30 cm boxes, a mouse in each, 30 fps,
MPEG-4; :func:`openfield.synthetic.render_arenas_video`), at 8 px/cm (624 x
624 px, the tests' footage: an 8-cm mouse 64 px long) and at 16 px/cm
(1248 x 1248 px, about what a 4-box rig filmed in HD gives), as rendered
and re-encoded as H.264 (what cameras write; with imageio-ffmpeg's ffmpeg,
where it is installed), is tracked
with :func:`openfield.tracking.track_video_arenas` given only arena 1, then
given all four; a plain OpenCV decoding pass of the same file runs in the
same round for scale. Rounds alternate; each ratio is of the best of
``--repeat`` rounds of each (the machine is shared: absolute times are
noisy). The four arenas' body RMSE against their truth is printed too.
With the sample data (``--sample-data``), the real ``dlc_openfield`` video
is also tiled 2 x 2 (1280 x 960 H.264) and tracked as 1 arena and as 4.
Prints a Markdown table for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from openfield import synthetic
from openfield.tracking import track_video_arenas


def plain_decode(video: Path) -> float:
    """Seconds of a plain OpenCV decoding pass (BGR frames)."""
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    while cap.read()[0]:
        pass
    cap.release()
    return time.perf_counter() - t0


def to_h264(src: Path, dst: Path) -> Path | None:
    """The video re-encoded as H.264 (yuv420p, as cameras write it) with imageio-ffmpeg's ffmpeg, if installed."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(src), "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(dst)], check=True)
    return dst


def time_video(video: Path, corners: list[np.ndarray], truths: list, repeat: int) -> dict[str, object]:
    """Time plain decoding, 1 arena and 4 arenas on one video, alternating, best of ``repeat``."""
    one, four, plain = [], [], []
    for _ in range(repeat):
        plain.append(plain_decode(video))
        t0 = time.perf_counter()
        track_video_arenas(video, corners[:1], progress=False)
        one.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        datasets = track_video_arenas(video, corners, progress=False)
        four.append(time.perf_counter() - t0)
    rmse = []
    for ds, truth in zip(datasets, truths, strict=True):
        body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
        err = np.linalg.norm(body - truth[["body_x_px", "body_y_px"]].to_numpy(), axis=1)
        rmse.append(float(np.sqrt(np.mean(err**2))))
    return {
        "plain decoding (BGR), s": min(plain),
        "1 arena tracked, s": min(one),
        "4 arenas tracked, s": min(four),
        "**4 arenas / 1 arena**": min(four) / min(one),
        "1 arena / plain decoding": min(one) / min(plain),
        "4 arenas / plain decoding": min(four) / min(plain),
        "body RMSE per arena, px": ", ".join(f"{r:.2f}" for r in rmse),
    }


def one_scale(px_per_cm: float, duration: float, repeat: int) -> dict[str, dict[str, object]]:
    """Render the 2 x 2 video at ``px_per_cm``; time it as rendered (MPEG-4) and re-encoded as H.264."""
    with tempfile.TemporaryDirectory() as tmp:
        av = synthetic.render_arenas_video(Path(tmp), "grid", rows=2, cols=2, fps=30, duration_s=duration,
                                           seed=7, px_per_cm=px_per_cm)
        videos = {"MPEG-4 (as rendered)": av.path}
        h264 = to_h264(av.path, Path(tmp) / "grid_h264.mp4")
        if h264 is not None:
            videos["H.264"] = h264
        size = f"{av.image_size[0]}x{av.image_size[1]}, {av.n_frames} frames"
        return {f"{name}, {size}": time_video(path, av.corners_px, av.truths, repeat)
                for name, path in videos.items()}


def real_tiles(sample: Path, repeat: int) -> dict[str, object] | None:
    """The real example video four times, 2 x 2 (1280 x 960 H.264, ffmpeg's xstack): 1 arena against 4."""
    from openfield.calibration import detect_arena
    from openfield.io.video import video_background

    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    video = sample / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    corners = detect_arena(video_background(video))
    h, w = cv2.VideoCapture(str(video)).read()[1].shape[:2]
    arenas = [corners + [dx, dy] for dy in (0, h) for dx in (0, w)]
    with tempfile.TemporaryDirectory() as tmp:
        tiled = Path(tmp) / "m3v1_2x2.mp4"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *sum([["-i", str(video)]] * 4, []),
                        "-filter_complex", "[0][1][2][3]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(tiled)],
                       check=True)
        one, four, plain = [], [], []
        for _ in range(repeat):
            plain.append(plain_decode(tiled))
            t0 = time.perf_counter()
            alone = track_video_arenas(tiled, arenas[:1], progress=False)[0]
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            datasets = track_video_arenas(tiled, arenas, progress=False)
            four.append(time.perf_counter() - t0)
    ref = alone["position"].sel(keypoints="body").values
    spread = max(float(np.nanmax(np.abs(ds["position"].sel(keypoints="body").values - ref
                                        - np.asarray(arenas[k][0] - arenas[0][0])[:, None])))
                 for k, ds in enumerate(datasets))
    return {
        "frames": int(alone.sizes["time"]),
        "plain decoding (BGR), s": min(plain),
        "1 arena tracked, s": min(one),
        "4 arenas tracked, s": min(four),
        "**4 arenas / 1 arena**": min(four) / min(one),
        "1 arena / plain decoding": min(one) / min(plain),
        "4 arenas / plain decoding": min(four) / min(plain),
        "largest difference of a tile's body from tile 1's, px": spread,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="video length, s")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--px-per-cm", type=float, nargs="+", default=[8.0, 16.0])
    ap.add_argument("--sample-data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
                    help="with dlc_openfield/: also its real video tiled 2 x 2")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {cv2.getNumberOfCPUs()} CPU cores, "
          f"OpenCV {cv2.__version__}, {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}")
    for px_per_cm in args.px_per_cm:
        for name, rows in one_scale(px_per_cm, args.duration, args.repeat).items():
            print(f"\n| 2 x 2 arenas, {px_per_cm:g} px/cm, {name} | value |\n|---|---|")
            for k, v in rows.items():
                print(f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |")
    video = args.sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    tiles = real_tiles(args.sample_data, args.repeat) if video.exists() else None
    if tiles is not None:
        print("\n| the real example video tiled 2 x 2, 1280x960 H.264 | value |\n|---|---|")
        for k, v in tiles.items():
            print(f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
