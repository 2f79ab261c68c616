"""Fingerprint every output of ``openfield run`` on fixed inputs: proof that a restructuring changed nothing.

Run from the repository root::

    PYTHONPATH=src python bench/output_fingerprint.py --save before.json [--sample-data ../shared/data]
    # ... change the code ...
    PYTHONPATH=src python bench/output_fingerprint.py --compare before.json

Inputs (made anew each time, deterministically):

1. the real example video ``dlc_openfield/videos/m3v1mp4.mp4`` with ``--arena-size-cm 48 32``;
2. a synthetic 40 cm round arena (:mod:`openfield.synthetic.round_arena`), empty for 2 s, a mouse touring two
   lab-drawn zones, run with ``--arena-diameter-cm 40 --zones zones.json --start auto --duration 12
   --labeled-video``;
3. the built-in demo's synthetic rectangle (``openfield demo``, whose outputs include the run's);
4. a pose file (the round video's run's ``_pose.csv`` read back by ``openfield kinematics``).

Each output file's SHA-256 is recorded after removing what legitimately changes from run to run: the
``datetime`` of processing-log records, the per-step timings, absolute temporary paths and dates in the
report. The resume ledger in ``.openfield/`` is left out (its settings fingerprints hash the temporary
input paths; its records hold timings). ``--compare`` prints every file added, removed or changed; exit 1
if any.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VOLATILE_KEYS = {"datetime", "timings", "wall_s", "cpu_s", "started", "finished", "started_at", "finished_at",
                 "elapsed_s", "created", "openfield_version", "python", "platform", "host"}
ISO = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _scrub(value):
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in VOLATILE_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def normalised(path: Path, tmp: Path) -> bytes:
    """The file's bytes with run-to-run differences removed (timestamps, timings, the temporary folder)."""
    data = path.read_bytes()
    if path.suffix == ".json":
        with contextlib.suppress(ValueError):
            data = json.dumps(_scrub(json.loads(data)), sort_keys=True).encode()
    if path.suffix in {".json", ".csv", ".html", ".txt", ".log", ".md"}:
        data = data.replace(str(tmp).encode(), b"<tmp>")
        data = ISO.sub(b"<date>", data)
    return data


def fingerprint(folder: Path, tmp: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder``."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and ".openfield" not in p.relative_to(folder).parts:
            out[str(p.relative_to(tmp))] = hashlib.sha256(normalised(p, tmp)).hexdigest()
    return out


def openfield(*args: object) -> None:
    cmd = [sys.executable, "-m", "openfield", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def make_round(folder: Path) -> tuple[Path, Path]:
    """The synthetic round arena with two zones (small: 360x360, 25 fps, ~16 s)."""
    from openfield.synthetic import round_arena as sr

    zones = [{"name": "object", "shape": "circle", "center": [12.0, 14.0], "radius": 4.0},
             {"name": "quadrant", "shape": "polygon", "points": [[22.0, 22.0], [34.0, 24.0], [30.0, 34.0],
                                                                  [21.0, 31.0]]}]
    tour = [(20.0, 6.0), (12.0, 14.0), (6.0, 26.0), (27.0, 28.0), (33.0, 12.0), (4.0, 16.0)]
    traj = sr.path_trajectory(sr.lines_through(tour, max_speed=14.0, pause_s=0.6), 25.0, start_pause_s=1.0)
    scene = sr.RoundScene("circle", (40.0, 40.0), image_size=(360, 360), vignette=0.2, texture=8.0, noise_sd=2.0,
                          seed=3)
    video = sr.render_round_video(folder, "zones", scene, [traj], fps=25.0, empty_start_s=2.0)
    return video.path, sr.write_zones_file(zones, folder / "zones.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample-data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--save", type=Path, help="write the fingerprint here")
    ap.add_argument("--compare", type=Path, help="compare with a saved fingerprint")
    ap.add_argument("--keep", type=Path, help="copy the outputs here (to diff by hand)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="openfield-fp-") as t:
        tmp = Path(t)
        openfield("run", args.sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4", "--arena-size-cm", 48, 32,
                  "-o", tmp / "real")
        video, zones = make_round(tmp / "round_in")
        openfield("run", video, "--arena-diameter-cm", 40, "--zones", zones, "--start", "auto", "--duration", 12,
                  "--labeled-video", "-o", tmp / "round")
        openfield("demo", "-o", tmp / "demo")
        openfield("kinematics", tmp / "round" / "zones_pose.csv", "--calibration",
                  tmp / "round" / "zones_calibration.json", "--fps", 25, "-o", tmp / "kinematics")
        prints = {}
        for name in ("real", "round", "demo", "kinematics"):
            prints.update(fingerprint(tmp / name, tmp))
        if args.keep:
            import shutil

            shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    print(f"{len(prints)} output files fingerprinted")
    if args.save:
        args.save.write_text(json.dumps(prints, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = sorted(k for k in before.keys() & prints.keys() if before[k] != prints[k])
        added, removed = sorted(prints.keys() - before.keys()), sorted(before.keys() - prints.keys())
        for label, names in (("changed", changed), ("added", added), ("removed", removed)):
            for n in names:
                print(f"{label}: {n}")
        same = not (changed or added or removed)
        print("identical" if same else f"{len(changed)} changed, {len(added)} added, {len(removed)} removed")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
