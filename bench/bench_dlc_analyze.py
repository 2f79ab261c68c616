"""Speed of ``openfield pose analyze`` (DeepLabCut inference) next to plain video decoding.

Usage::

    HF_HUB_OFFLINE=1 PYTHONPATH=src nice -n 10 python bench/bench_dlc_analyze.py \
        --config PROJECT/config.yaml --frames 150 --batch-sizes 1 8 32 --device auto

A clip of the first ``--frames`` frames of the example video (640x480, 30 fps) is analysed once
per batch size (no filter, no labelled video; a fresh output folder each time, so nothing is
skipped). The time counts the whole call: loading the network, decoding, inference, writing
.h5/.csv. Decoding alone is OpenCV reading the same clip frame by frame. Prints a Markdown table
and writes it as JSON next to the config (``bench_analyze.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import cv2

from openfield.device import resolve_device
from openfield.io.video import write_clip
from openfield.pose import dlc

SAMPLE = Path(os.environ.get("OPENFIELD_SAMPLE_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def decode_fps(video: Path) -> tuple[int, float]:
    """Frames and frames per second of reading a video with OpenCV."""
    cap = cv2.VideoCapture(str(video))
    n = 0
    start = time.perf_counter()
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    seconds = time.perf_counter() - start
    cap.release()
    return n, n / seconds


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="a trained project's config.yaml")
    parser.add_argument("--video", type=Path, default=SAMPLE / "dlc_openfield" / "videos" / "m3v1mp4.mp4")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(args.video, Path(tmp) / "clip.mp4", args.frames)
        n, fps = decode_fps(clip)
        rows.append({"what": "decode (OpenCV)", "batch_size": None, "frames": n, "seconds": n / fps, "fps": fps})
        dlc.analyze_videos([clip], args.config, Path(tmp) / "warmup", batch_size=8, device=device, filter="none")
        for bs in args.batch_sizes:
            start = time.perf_counter()
            dlc.analyze_videos([clip], args.config, Path(tmp) / f"bs{bs}", batch_size=bs, device=device,
                               filter="none")
            seconds = time.perf_counter() - start
            rows.append({"what": "analyze", "batch_size": bs, "frames": n, "seconds": seconds, "fps": n / seconds})
    net = dlc.read_project_config(args.config)
    info = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.platform(),
            "cpus": os.cpu_count(), "device": device, "default_net_type": net.get("default_net_type"),
            "video": f"{args.video.name}, first {args.frames} frames", "rows": rows}
    (args.config.parent / "bench_analyze.json").write_text(json.dumps(info, indent=2))
    print(f"{info['date']}, {info['machine']}, {info['cpus']} CPUs, device {device}")
    print("| what | batch size | frames | s | frames/s |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['what']} | {r['batch_size'] or '-'} | {r['frames']} | {r['seconds']:.2f} | {r['fps']:.1f} |")


if __name__ == "__main__":
    main()
