"""Benchmark of the classical tracker: speed against plain decoding, accuracy on synthetic and real data.

Run from the repository root::

    PYTHONPATH=src python bench/bench_tracker.py [--sample-data ../shared/data] [--repeat 3] [--speed-only]

Speed, on the real 640x480, 30 fps video of ``dlc_openfield`` (issue 14:
at most 1.5x plain decoding, goal 1.25x); the timings alternate, round by
round, and each ratio is of the best of ``--repeat`` rounds of each (the
machine is shared: absolute times are noisy, ratios less so):

- the whole ``openfield track`` command (a fresh interpreter: imports,
  background, decoding, tracking, orientation, the CSV) against a plain
  OpenCV decoding of the same file (``cap.read()`` to BGR) in a fresh
  interpreter;
- the whole ``track_video`` call (arena found on the background) against a
  plain OpenCV BGR decoding pass in the same process, and against a plain
  pass of the grey frames the tracker reads (the luma plane,
  :class:`openfield.io.video.VideoReader` with ``gray=True``);
- one pass that times the decoding (grey) and the tracker's own work on
  each frame separately.

Accuracy (without ``--speed-only``): synthetic videos (30 s, 30 fps,
640x480) against their ground truth, and the 100 hand-labelled real frames.
Prints Markdown tables for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from openfield import synthetic
from openfield.calibration import detect_arena
from openfield.io.video import VideoReader, video_background
from openfield.orientation import orient
from openfield.tracking import FrameTracker, TrackerConfig, arena_mask, track_image, track_video


def one_pass(video: Path) -> tuple[int, float, float]:
    """Decode (grey) and track in one pass, timing each part of every frame: (frames, decode s, tracker s)."""
    background = video_background(video)
    mask = arena_mask(background.shape[:2], detect_arena(background), TrackerConfig().arena_margin_fraction)
    tracker = FrameTracker(background, mask, TrackerConfig())
    frames = iter(VideoReader(video, gray=True))
    t_dec = t_trk = 0.0
    body, ends, tips, cues = [], [], [], []
    while True:
        t0 = time.perf_counter()
        item = next(frames, None)
        t1 = time.perf_counter()
        if item is None:
            break
        blob, _ = tracker.update(item[1])
        body.append(blob.body if blob else np.full(2, np.nan))
        ends.append(blob.ends if blob else np.full((2, 2), np.nan))
        tips.append(blob.tips if blob else np.full((2, 2), np.nan))
        cues.append(blob.tail_cue if blob else 0.0)
        t_dec += t1 - t0
        t_trk += time.perf_counter() - t1
    t0 = time.perf_counter()
    orient(np.array(body), np.array(ends), np.array(cues), 30.0, TrackerConfig(), tips=np.array(tips))
    t_trk += time.perf_counter() - t0
    return len(body), t_dec, t_trk


def plain_decode(video: Path) -> tuple[int, float]:
    """A plain OpenCV decoding pass to BGR frames: (frames, s)."""
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(str(video))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n, time.perf_counter() - t0


def grey_decode(video: Path) -> tuple[int, float, str]:
    """A plain pass of the tracker's grey frames: (frames, s, where the grey comes from)."""
    t0 = time.perf_counter()
    reader = VideoReader(video, gray=True)
    n = sum(1 for _ in reader)
    return n, time.perf_counter() - t0, str(reader.gray_source)


def speed(sample: Path, repeat: int) -> dict[str, float]:
    """In-process ratios, alternating plain decoding and the whole ``track_video`` call, best of ``repeat``."""
    video = sample / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    plain, grey, whole = [], [], []
    source = ""
    for _ in range(repeat):
        n, t = plain_decode(video)
        plain.append(t)
        _, t, source = grey_decode(video)
        grey.append(t)
        t0 = time.perf_counter()
        ds = track_video(video, progress=False)
        whole.append(time.perf_counter() - t0)
        assert ds.sizes["time"] == n, (ds.sizes["time"], n)
    passes = [one_pass(video) for _ in range(repeat)]
    dec, own = min(p[1] for p in passes), min(p[2] for p in passes)
    print(f"grey frames from: {source}; track_video background: {ds.attrs['background']}")
    return {"frames": n, "plain_decode_bgr_fps": n / min(plain), "grey_decode_fps": n / min(grey),
            "tracker_only_fps": n / own, "tracker_cost_over_grey_decode": own / dec,
            "track_video_s": min(whole), "plain_decode_bgr_s": min(plain),
            "track_video_over_plain_decode": min(whole) / min(plain),
            "track_video_over_grey_decode": min(whole) / min(grey)}


PLAIN_DECODE = ("import sys, cv2; cap = cv2.VideoCapture(sys.argv[1]); n = 0\n"
                "while cap.read()[0]: n += 1\nprint(n)")


def command_vs_decode(sample: Path, repeat: int) -> dict[str, float]:
    """Wall time of ``openfield track VIDEO`` over that of plain decoding, each in a fresh interpreter."""
    video = sample / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    track, plain = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", PLAIN_DECODE, str(video)], check=True, capture_output=True)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "openfield", "track", str(video), "-o", f"{tmp}/{i}"], check=True,
                           capture_output=True)
            track.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import openfield.cli; openfield.cli.build_parser()"], check=True)
    startup = time.perf_counter() - t0
    return {"openfield_track_s": min(track), "plain_decode_s": min(plain), "cli_startup_s": startup,
            "openfield_track_over_plain_decode": min(track) / min(plain)}


def synthetic_accuracy(out: Path) -> list[dict[str, object]]:
    cases = {"dark, straight camera": {}, "dark, tilted camera (0.25)": {"tilt": 0.25},
             "light animal": {"animal": "light"}, "dark, motion blur + noise 6": {"motion_blur": True, "noise_sd": 6.0}}
    rows = []
    for i, (name, kw) in enumerate(cases.items()):
        sv = synthetic.render_video(out, f"case{i}", fps=30, duration_s=30, image_size=(640, 480), seed=20 + i, **kw)
        corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
        ds = track_video(sv.video, arena_corners_px=corners, progress=False)
        truth = pd.read_csv(sv.truth)
        p = ds.position.isel(individuals=0).transpose("time", "keypoints", "space").values
        tb = truth[["body_x_px", "body_y_px"]].to_numpy()
        th = truth[["head_x_px", "head_y_px"]].to_numpy()
        err = np.linalg.norm(p[:, 1] - tb, axis=1)
        d, t = p[:, 0] - p[:, 1], th - tb
        ang = np.degrees(np.abs(np.angle(np.exp(1j * (np.arctan2(d[:, 1], d[:, 0]) - np.arctan2(t[:, 1], t[:, 0]))))))
        paused = truth.speed_cm_s.to_numpy() == 0
        rows.append({"case": name, "frames": len(truth), "body_rmse_px": float(np.sqrt(np.nanmean(err**2))),
                     "body_max_px": float(np.nanmax(err)), "heading_ok": float(np.mean(ang < 30)),
                     "heading_ok_paused": float(np.mean(ang[paused] < 30)), "missing": int(np.isnan(err).sum())})
    return rows


def real_frames(sample: Path) -> dict[str, float]:
    root = sample / "dlc_openfield" / "labeled-data" / "m4s1"
    df = pd.read_csv(root / "CollectedData_Pranav.csv", header=[0, 1, 2], index_col=0)
    scorer = df.columns.get_level_values(0)[0]
    corners = detect_arena(cv2.imread(str(root / Path(str(df.index[0])).name)))
    he, te = [], []
    t0 = time.perf_counter()
    for idx, row in df.iterrows():
        r = track_image(cv2.imread(str(root / Path(str(idx)).name)), arena_corners_px=corners)
        he.append(np.hypot(*(r["head"] - row[scorer]["snout"][["x", "y"]].to_numpy(float))))
        te.append(np.hypot(*(r["tail"] - row[scorer]["tailbase"][["x", "y"]].to_numpy(float))))
    dt = time.perf_counter() - t0
    he, te = np.array(he), np.array(te)
    return {"images": len(he), "head_median_px": float(np.median(he)), "head_p90_px": float(np.percentile(he, 90)),
            "tail_median_px": float(np.median(te)), "tail_p90_px": float(np.percentile(te, 90)),
            "swapped": int(np.sum((he > 60) & (te > 60))), "s_per_image": dt / len(he)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample-data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--speed-only", action="store_true", help="only the speed figures and the command's ratio")
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {cv2.getNumberOfCPUs()} CPU cores, "
          f"OpenCV {cv2.__version__}, {time.strftime('%Y-%m-%d')}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    c = command_vs_decode(args.sample_data, args.repeat)
    print("\n| whole command, fresh interpreter | value |\n|---|---|")
    for k, v in c.items():
        print(f"| {k} | {v:.3g} |")
    s = speed(args.sample_data, args.repeat)
    print("\n| real 640x480 video, in process | value |\n|---|---|")
    for k, v in s.items():
        print(f"| {k} | {v:.3g} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.speed_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows = synthetic_accuracy(Path(tmp))
    cols = list(rows[0])
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in cols) + " |")
    r = real_frames(args.sample_data)
    print("\n| real labelled frames | value |\n|---|---|")
    for k, v in r.items():
        print(f"| {k} | {v:.3g} |")


if __name__ == "__main__":
    main()
