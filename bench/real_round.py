"""The two real round arenas of ``../shared/data/real_round`` through ``openfield run``: what was found.

Prints, per clip, the arena found (or given), px/cm, the share of frames
with the body found, and for the bottom view the distance of the tracker's
body from DeepLabCut's nose-tail-root midpoint; writes a picture of each
(the median background, the arena, the zones and the track) to
``docs/img/real_round_<clip>.png``.

Usage::

    PYTHONPATH=src python bench/real_round.py --sample-data ../shared/data [--out /tmp/real_round]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from openfield.calibration import apply_homography
from openfield.io.calibration import read_calibration
from openfield.io.pose import read_dlc
from openfield.io.video import video_background

ROOT = Path(__file__).resolve().parents[1]

#: The bottom view's rim, fitted by least squares to its bright pixels on the middle frame (the mouse's
#: pixels left out): centre (532.7, 540.3) px, rim radius 538 px; the floor inside the rim, radius 530 px.
VAME_ARENA = {"shape": "circle", "center_px": [532.7, 540.3], "radius_px": 530.0}


def run(video: Path, out: Path, *options: str) -> Path:
    """``openfield run`` on one clip; the output folder."""
    cmd = [sys.executable, "-m", "openfield", "run", str(video), "-o", str(out), "--jobs", "1", *options]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out


def picture(video: Path, out: Path, dest: Path) -> None:
    """The background with the arena (red), the zones (the cm frame's zone outlines, green) and the body track."""
    stem = video.stem
    cal = read_calibration(out / f"{stem}_calibration.json")
    image = video_background(video)
    image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    outline = np.round(cal.floor_outline_px).astype(np.int32)
    cv2.polylines(image, [outline], True, (0, 0, 255), 2)
    inverse = np.linalg.inv(cal.homography)
    w, _ = cal.arena_size_cm
    t = np.linspace(0, 2 * np.pi, 180)
    centre = apply_homography(inverse, np.c_[w / 2 + w / 4 * np.cos(t), w / 2 + w / 4 * np.sin(t)])
    cv2.polylines(image, [np.round(centre).astype(np.int32)], True, (0, 200, 0), 2)
    pose = read_dlc(out / f"{stem}_pose.csv", fps=25)
    body = pose["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    good = body[np.isfinite(body).all(axis=1)]
    cv2.polylines(image, [np.round(good).astype(np.int32)], False, (255, 160, 0), 1)
    dest.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(dest), image)


def main() -> None:
    """Run both clips and print what was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    data = args.sample_data / "real_round"
    base = args.out or Path(tempfile.mkdtemp(prefix="real_round_"))
    rows = []
    deepof = data / "deepof_single_round.mp4"
    out = run(deepof, base / "deepof", "--arena-diameter-cm", "38")
    summary = pd.read_csv(out / "summary_all.csv").iloc[0]
    pose = read_dlc(out / "deepof_single_round_pose.csv", fps=25)
    found = float(pose["position"].sel(keypoints="body").notnull().all("space").mean())
    cal = read_calibration(out / "deepof_single_round_calibration.json")
    rows.append({"clip": deepof.name, "arena": f"{cal.shape}, found", "px_per_cm": round(cal.px_per_cm, 3),
                 "body_found": round(found, 3), "distance_cm": round(float(summary["distance_cm"]), 1),
                 "qc_flags": summary.get("qc_flags", "")})
    picture(deepof, out, ROOT / "docs" / "img" / "real_round_deepof.png")

    vame = data / "vame_bottomview_round.mp4"
    arena = base / "vame_arena.json"
    arena.parent.mkdir(parents=True, exist_ok=True)
    arena.write_text(json.dumps(VAME_ARENA))
    out = run(vame, base / "vame", "--arena", str(arena), "--arena-diameter-cm", "40", "--animal", "light",
              "--threshold", "15")
    summary = pd.read_csv(out / "summary_all.csv").iloc[0]
    pose = read_dlc(out / "vame_bottomview_round_pose.csv", fps=25)
    body = pose["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    dlc = pd.read_csv(data / "vame_bottomview_round_dlc.csv", header=None, skiprows=3).to_numpy()[:, 1:]
    mid = (dlc[:, 0:2].astype(float) + dlc[:, 15:17].astype(float)) / 2
    n = min(len(body), len(mid))
    dist = np.hypot(*(body[:n] - mid[:n]).T)
    length = np.nanmedian(np.hypot(*(dlc[:, 0:2].astype(float) - dlc[:, 15:17].astype(float)).T))
    rows.append({"clip": vame.name, "arena": "circle, given", "px_per_cm": round(read_calibration(
        out / "vame_bottomview_round_calibration.json").px_per_cm, 3),
        "body_found": round(float(np.isfinite(body).all(axis=1).mean()), 3),
        "distance_cm": round(float(summary["distance_cm"]), 1), "qc_flags": summary.get("qc_flags", ""),
        "median_px_from_dlc_midpoint": round(float(np.nanmedian(dist)), 1), "dlc_body_length_px": round(length, 1)})
    picture(vame, out, ROOT / "docs" / "img" / "real_round_vame.png")
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
