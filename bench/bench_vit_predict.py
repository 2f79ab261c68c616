"""Throughput of `openfield behavior predict` next to the plain decoding rate of the same video.

Usage (from the repository root, after bench/vit_bsoid.py has trained a model)::

    PYTHONPATH=src python bench/bench_vit_predict.py [--model fine_tuning_ViT/model] [--frames 600]

Measures, on the first ``--frames`` frames of the DeepLabCut open-field video
(640x480, 30 fps): OpenCV decoding alone, and the whole prediction (decode +
mouse crop + ViT inference in batches, decoding overlapped with inference),
both in frames of video per second of wall time (``predict_fps_with_setup``
also counts loading the model, the median background for the crops and
writing the outputs). The prediction outputs
(per-frame table, bouts, ethogram) go to ``fine_tuning_ViT/videos``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

from openfield.behavior.video import decode_rate, predict_video

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OPENFIELD_SAMPLE_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / "fine_tuning_ViT" / "model")
    ap.add_argument("--frames", type=int, default=0, help="first N frames (0: the whole video)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--out", type=Path, default=ROOT / "fine_tuning_ViT" / "videos")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    video = DATA / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    n = args.frames or None
    import torch

    dec = decode_rate(video, n)
    t0 = time.perf_counter()
    r = predict_video(video, args.model, args.out, batch_size=args.batch_size, device="cpu",
                      max_frames=n, overwrite=True, progress=False)
    total = time.perf_counter() - t0
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPU cores, no GPU; torch threads {torch.get_num_threads()}",
        "video": video.name,
        "frames": r["n_frames"],
        "decode_fps": round(dec["frames_per_s"], 1),
        "predict_fps": round(r["timing"]["frames_per_s"], 1),
        "predict_fps_with_setup": round(r["n_frames"] / total, 1),
        "batch_size": args.batch_size,
        "totals": {k: r[k] for k in r if k.startswith(("time_", "bouts_", "latency_", "duration"))},
        "ethogram": r["paths"]["ethogram"],
    }
    (args.out / "bench_vit_predict.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
