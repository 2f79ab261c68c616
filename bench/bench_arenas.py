"""Benchmark: several arenas in one video cost little more than one (issue 13: 4 arenas <= 1.5x one).

Run from the repository root::

    PYTHONPATH=src python bench/bench_arenas.py [--duration 60] [--repeat 3]

A synthetic 2 x 2 video (four 30 x 30 cm boxes, a mouse in each, 624 x 624
px, 30 fps; :func:`openfield.synthetic.render_arenas_video`) is tracked
with :func:`openfield.tracking.track_video_arenas` given only arena 1, then
given all four; a plain OpenCV decoding pass of the same file runs in the
same round for scale. Rounds alternate, best of ``--repeat``; each ratio is
of timings in the same round (the machine is shared: absolute times are
noisy). The four arenas' body RMSE against their truth is printed too.
Prints a Markdown table for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="video length, s")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {cv2.getNumberOfCPUs()} CPU cores, "
          f"OpenCV {cv2.__version__}, {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        av = synthetic.render_arenas_video(Path(tmp), "grid", rows=2, cols=2, fps=30, duration_s=args.duration,
                                           seed=7)
        one, four, plain = [], [], []
        for _ in range(args.repeat):
            plain.append(plain_decode(av.path))
            t0 = time.perf_counter()
            track_video_arenas(av.path, av.corners_px[:1], progress=False)
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            datasets = track_video_arenas(av.path, av.corners_px, progress=False)
            four.append(time.perf_counter() - t0)
        rmse = []
        for ds, truth in zip(datasets, av.truths, strict=True):
            body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
            err = np.linalg.norm(body - truth[["body_x_px", "body_y_px"]].to_numpy(), axis=1)
            rmse.append(float(np.sqrt(np.mean(err**2))))
    rows = {
        "frames": av.n_frames,
        "image": f"{av.image_size[0]}x{av.image_size[1]}",
        "plain decoding (BGR), s": min(plain),
        "1 arena tracked, s": min(one),
        "4 arenas tracked, s": min(four),
        "**4 arenas / 1 arena**": min(f / o for f, o in zip(four, one, strict=True)),
        "1 arena / plain decoding": min(o / p for o, p in zip(one, plain, strict=True)),
        "4 arenas / plain decoding": min(f / p for f, p in zip(four, plain, strict=True)),
        "body RMSE per arena, px": ", ".join(f"{r:.2f}" for r in rmse),
    }
    print("\n| 2 x 2 arenas, one video | value |\n|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
