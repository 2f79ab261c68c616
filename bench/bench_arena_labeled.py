"""Benchmark: a 4-arena video's labelled videos in one decode, each its box, against one full-frame video per arena.

Run from the repository root::

    PYTHONPATH=src python bench/bench_arena_labeled.py [--duration 60] [--repeat 2]

A synthetic 2 x 2 video (four 30 x 30 cm boxes, a mouse in each, 624 x 624
px, 30 fps; :func:`openfield.synthetic.render_arenas_video`) goes through
``openfield run VIDEO -o OUT --arenas 4 --arena-size-cm 30 30`` once. Then,
per round, on a copy of that folder:

- the whole command again with ``--labeled-video`` (everything else is up
  to date, so it writes the four labelled videos, one decode, each its
  arena's box, and the summaries);
- what ``openfield run --arenas 4 --labeled-video`` did before: one
  full-frame labelled video per arena, each its own decode
  (:func:`openfield.overlay.write_labeled_video` four times, the same
  poses, zones and outlines).

Best of ``--repeat``; the ratio is of timings in the same round (the machine
is shared: absolute times are noisy). The files' total size is printed too.
Prints a Markdown table for ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import pandas as pd

from openfield import overlay, synthetic
from openfield.cli import main as cli
from openfield.io.calibration import read_calibration
from openfield.io.pose import read_dlc


def run(args: list[str]) -> float:
    """Seconds of ``openfield ARGS`` (its console output swallowed; a failure raises)."""
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = cli(args)
    if rc != 0:
        raise SystemExit(f"openfield {' '.join(args)} exited {rc}")
    return time.perf_counter() - t0


def per_arena_full_frame(video: Path, out: Path, n: int, fps: float) -> tuple[float, int]:
    """The former way: one full-frame labelled video per arena, each its own decode; seconds and bytes."""
    t0 = time.perf_counter()
    size = 0
    for k in range(1, n + 1):
        ds = read_dlc(out / f"cage_a{k}_pose.csv", fps=fps)
        zones = pd.read_csv(out / f"cage_a{k}_kinematics.csv")["zone"].astype(str).tolist()
        corners = read_calibration(out / f"cage_a{k}_calibration.json").arena_corners_px
        path = overlay.write_labeled_video(video, out / f"full_a{k}.mp4", ds, zones=zones, arena_corners=corners,
                                           fps=fps)
        size += path.stat().st_size
    return time.perf_counter() - t0, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="video length, s")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {cv2.getNumberOfCPUs()} CPU cores, "
          f"OpenCV {cv2.__version__}, {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        av = synthetic.render_arenas_video(tmp, "cage", rows=2, cols=2, fps=30, duration_s=args.duration, seed=7)
        base = tmp / "base"
        command = ["run", str(av.path), "--arenas", "4", "--arena-size-cm", "30", "30"]
        first = run([*command, "-o", str(base)])
        new, old = [], []
        for r in range(args.repeat):
            out = tmp / f"round{r}"
            shutil.copytree(base, out)
            new.append(run([*command, "-o", str(out), "--labeled-video"]))
            new_bytes = sum((out / f"cage_a{k}_labeled.mp4").stat().st_size for k in range(1, 5))
            seconds, old_bytes = per_arena_full_frame(av.path, out, 4, 30.0)
            old.append(seconds)
    rows = {
        "frames": av.n_frames,
        "image": f"{av.image_size[0]}x{av.image_size[1]}",
        "`openfield run --arenas 4` (first run, no labelled video), s": first,
        "same command + `--labeled-video` on its folder (4 boxes, one decode), s": min(new),
        "4 full-frame labelled videos, one decode each (before), s": min(old),
        "**before / now**": min(o / n for o, n in zip(old, new, strict=True)),
        "labelled files, MB (now / before)": f"{new_bytes / 1e6:.1f} / {old_bytes / 1e6:.1f}",
    }
    print("\n| 4 arenas' labelled videos | value |\n|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v:.3g} |" if isinstance(v, float) else f"| {k} | {v} |")


if __name__ == "__main__":
    main()
