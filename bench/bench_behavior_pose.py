"""Benchmark: pose behaviour features on an hour of pose, and the held-out F1 on the real recording.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_behavior_pose.py [--real-data | --three-points |
--dlc-example OUT]``.

1. Features (:func:`openfield.behavior.pose.pose_features`) of a synthetic
   1-hour, 25-fps recording with the 13 animal points and 4 arena corners of
   the OFT_38 file (median of repeats), and the classifier's prediction on it.
2. With ``--real-data`` (``../shared/data/oft_pose_rearing``, or
   ``OPENFIELD_SAMPLE_DATA``): rearing F1 against each rater on held-out
   frames, for the model and the body-length baseline, next to the raters'
   agreement: (a) 5 contiguous time blocks, each held out once (what
   ``openfield behavior pose-train --cv-blocks 5`` reports); (b) trained on
   0-60 s, scored on 60-80 s.

3. With ``--three-points``: OFT_38 reduced to nose -> head, bodycentre -> body,
   tailbase -> tail (the classical tracker's three points), 5 time blocks,
   without and with the extended features (model selection), then the
   time-held-out figure within one animal (trained on 0-60 s, scored on 60-80 s).

4. With ``--dlc-example OUT``: that three-point model (extended features, trained on all
   of OFT_38) inside ``openfield run`` on the DeepLabCut example video
   (``dlc_openfield/videos/m3v1mp4.mp4``, classical tracker, 48 x 32 cm):
   the rearing it finds, and ``OUT/rearing_frames.png``, crops of 12 random
   frames called rearing and 6 called other, to look at by eye (no human
   labels exist for this video).

Results go to bench/RESULTS.md by hand, with the machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from openfield.behavior import labels as lb
from openfield.behavior import metrics as bm
from openfield.behavior import timeline as tl
from openfield.behavior.feature_arena import feature_arena
from openfield.behavior.features import pose_features
from openfield.behavior.length_baseline import predict_length_threshold
from openfield.behavior.roles import to_tracker_points
from openfield.behavior.training import CLASSES, Recording, train_pose_model
from openfield.io.pose import from_numpy, read_dlc

FPS = 25.0
ANIMAL = {  # body part -> (offset along the body axis, offset across), in body lengths from the body centre
    "nose": (0.55, 0.0),
    "headcentre": (0.42, 0.0),
    "neck": (0.3, 0.0),
    "earl": (0.35, 0.08),
    "earr": (0.35, -0.08),
    "bodycentre": (0.0, 0.0),
    "bcl": (0.0, 0.12),
    "bcr": (0.0, -0.12),
    "hipl": (-0.25, 0.1),
    "hipr": (-0.25, -0.1),
    "tailbase": (-0.45, 0.0),
    "tailcentre": (-0.9, 0.0),
    "tailtip": (-1.35, 0.0),
}
CORNERS = {"tl": (260.0, 139.0), "tr": (641.0, 131.0), "br": (640.0, 427.0), "bl": (283.0, 433.0)}


def synthetic_pose(hours: float = 1.0, seed: int = 0):
    """A mouse wandering in the OFT_38 arena, rearing (shorter body) now and then."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * FPS)
    heading = np.cumsum(rng.normal(0, 0.08, n))
    step = np.abs(rng.normal(1.5, 1.0, n))
    xy = np.cumsum(np.c_[np.cos(heading), np.sin(heading)] * step[:, None], axis=0)
    xy = 460 + 150 * np.sin(xy / 300.0) * np.array([1.0, 0.8])  # stays inside the floor
    length = 60.0 * np.where(np.sin(np.arange(n) / (3 * FPS)) > 0.8, 0.8, 1.0)
    u = np.c_[np.cos(heading), np.sin(heading)]
    v = np.c_[-u[:, 1], u[:, 0]]
    parts = [xy + (a * u + b * v) * length[:, None] for a, b in ANIMAL.values()]
    parts += [np.broadcast_to(c, (n, 2)) for c in CORNERS.values()]
    pos = np.stack(parts, axis=1) + rng.normal(0, 1.0, (n, len(parts), 2))
    conf = rng.uniform(0.5, 1.0, pos.shape[:2])
    return from_numpy(pos, conf, list(ANIMAL) + list(CORNERS), fps=FPS, scorer="bench")


def timeit(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench_features() -> None:
    ds = synthetic_pose()
    arena = feature_arena(ds, arena_size_cm=(42.0, 42.0))
    n = ds.sizes["time"]
    print(f"frames: {n} ({n / FPS / 3600:.2f} h at {FPS:g} fps), body parts: {ds.sizes['keypoints']}")
    feats = pose_features(ds, arena)
    print(f"features: {feats.shape[1]} per frame")
    t = timeit(lambda: pose_features(ds, arena))
    print(f"pose_features, 1 h: {t:.2f} s")
    # a model trained on 10 min of it, then predicting the hour (1 thread)
    k = int(600 * FPS)
    y = np.where(feats["body_length_ratio"].to_numpy()[:k] < 0.9, "rearing", "other").astype(object)
    model, _ = train_pose_model([Recording("syn", ds.isel(time=slice(0, k)), {"r": y}, arena)], n_blocks=2)
    t = timeit(lambda: model.predict_proba(ds, arena), repeat=1)
    print(f"features + prediction, 1 h (1 thread): {t:.2f} s")


def _rearing_rows(table: pd.DataFrame, name: str) -> dict[str, float]:
    r = table[(table["class"] == "rearing") & (table["compared"] == name) & (table["kind"] == "prediction")]
    return dict(zip(r["reference"], r["f1"].round(3), strict=True))


def three_points(ds):
    """OFT_38 reduced to the tracker's head, body and tail (plus the arena corners, for the arena)."""
    return to_tracker_points(ds, keep=tuple(CORNERS))


def bench_three_points(data: Path, extended: bool) -> None:
    """Model selection on three points: 5 time blocks, against each rater (no held-out final figure)."""
    folder = data / "oft_pose_rearing"
    ds = three_points(read_dlc(folder / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=FPS))
    labels = lb.read_interval_labels(folder / "OFT_38_labels.csv")
    per = tl.intervals_to_frames(labels, ds.sizes["time"], FPS, beyond_end="crop")
    arena = feature_arena(ds, arena_size_cm=(42.0, 42.0))
    t0 = time.perf_counter()
    _, cv = train_pose_model([Recording("OFT_38", ds, per, arena)], n_blocks=5, min_bout_s=0.4,
                             extended=extended)
    print(f"three points (head, body, tail), extended features {extended}: 5 held-out time blocks, pooled "
          f"({time.perf_counter() - t0:.0f} s)")
    print("    model   ", _rearing_rows(cv, "model"))
    print("    baseline", _rearing_rows(cv, "baseline"))
    hr = cv[(cv["class"] == "rearing") & (cv["kind"] == "rater-vs-rater")]
    print("    raters  ", {f"{a}-{b}": round(f, 3) for a, b, f in zip(hr["reference"], hr["compared"], hr["f1"],
                                                                      strict=True)})
    if not extended:
        return
    # the final figure, computed once after the choice of features: trained on 0-60 s, scored on 60-80 s
    k = int(60 * FPS)
    train = Recording("first60", ds.isel(time=slice(0, k)), {r: v[:k] for r, v in per.items()}, arena)
    model, _ = train_pose_model([train], n_blocks=5, min_bout_s=0.4, extended=True)
    pred = tl.labels_from_probabilities(model.predict_proba(ds, arena), model.classes, FPS, 0.4)[k:]
    held = {r: v[k:] for r, v in per.items()}
    held["majority"] = lb.majority_vote(per, tie="other")[k:]
    tm = bm.evaluate_frames(pred, held, CLASSES, pred_name="model")
    hh = tm[(tm["class"] == "rearing") & (tm["kind"] == "rater-vs-rater") & (tm["compared"] != "majority")]
    print("    final, time-held-out within one animal: trained on 0-60 s, scored on 60-80 s (498 frames)")
    print("    model   ", _rearing_rows(tm, "model"))
    print("    raters  ", {f"{a}-{b}": round(f, 3) for a, b, f in zip(hh["reference"], hh["compared"], hh["f1"],
                                                                      strict=True)})


def bench_real(data: Path) -> None:
    folder = data / "oft_pose_rearing"
    ds = read_dlc(folder / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=FPS)
    labels = lb.read_interval_labels(folder / "OFT_38_labels.csv")
    per = tl.intervals_to_frames(labels, ds.sizes["time"], FPS, beyond_end="crop")
    arena = feature_arena(ds, arena_size_cm=(42.0, 42.0))
    human = bm.evaluate_frames(None, per, CLASSES)
    hr = human[human["class"] == "rearing"]
    print(
        "raters, rearing F1 (all 1998 frames):",
        {f"{a}-{b}": round(f, 3) for a, b, f in zip(hr["reference"], hr["compared"], hr["f1"], strict=True)},
    )

    t0 = time.perf_counter()
    _, cv = train_pose_model([Recording("OFT_38", ds, per, arena)], n_blocks=5, min_bout_s=0.4)
    print(f"(a) 5 held-out time blocks, pooled ({time.perf_counter() - t0:.0f} s incl. the final fit)")
    print("    model   ", _rearing_rows(cv, "model"))
    print("    baseline", _rearing_rows(cv, "baseline"))

    k = int(60 * FPS)
    train = Recording("first60", ds.isel(time=slice(0, k)), {r: v[:k] for r, v in per.items()}, arena)
    model, _ = train_pose_model([train], n_blocks=5, min_bout_s=0.4)
    pred = tl.labels_from_probabilities(model.predict_proba(ds, arena), model.classes, FPS, 0.4)[k:]
    ratio = pose_features(ds, arena, windows_s=(1.0,))["body_length_ratio"].to_numpy()
    base = tl.smooth_labels(predict_length_threshold(ratio, model.baseline_threshold), FPS, 0.4)[k:]
    held = {r: v[k:] for r, v in per.items()}
    held["majority"] = lb.majority_vote(per, tie="other")[k:]
    tm = bm.evaluate_frames(pred, held, CLASSES, pred_name="model")
    tb = bm.evaluate_frames(base, held, CLASSES, pred_name="baseline")
    hh = tm[(tm["class"] == "rearing") & (tm["kind"] == "rater-vs-rater") & (tm["compared"] != "majority")]
    print("(b) trained on 0-60 s, scored on 60-80 s (498 frames)")
    print("    model   ", _rearing_rows(tm, "model"))
    print("    baseline", _rearing_rows(tb, "baseline"))
    print(
        "    raters  ",
        {f"{a}-{b}": round(f, 3) for a, b, f in zip(hh["reference"], hh["compared"], hh["f1"], strict=True)},
    )


def bench_dlc_example(data: Path, out: Path) -> None:
    """The three-point model inside ``openfield run`` on the DeepLabCut example video; crops to check by eye."""
    import cv2

    from openfield.behavior import outputs
    from openfield.cli import main as cli_main

    folder = data / "oft_pose_rearing"
    ds = three_points(read_dlc(folder / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=FPS))
    per = tl.intervals_to_frames(lb.read_interval_labels(folder / "OFT_38_labels.csv"), ds.sizes["time"], FPS,
                                 beyond_end="crop")
    arena = feature_arena(ds, arena_size_cm=(42.0, 42.0))
    # the final fit uses every frame whatever the number of cross-validation blocks: 2 keep it short
    model, _ = train_pose_model([Recording("OFT_38", ds, per, arena)], n_blocks=2, min_bout_s=0.4,
                                extended=True)
    out.mkdir(parents=True, exist_ok=True)
    model_path = outputs.save_pose_model(model, out / "three_points.joblib")
    video = data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    t0 = time.perf_counter()
    rc = cli_main(["run", str(video), "-o", str(out / "run"), "--arena-size-cm", "48", "32", "--behavior-model",
                   str(model_path), "--overwrite"])
    print(f"openfield run (exit {rc}): {time.perf_counter() - t0:.0f} s")
    row = pd.read_csv(out / "run" / "summary_all.csv").iloc[0]
    print(f"    rearing {row['time_rearing_s']:.1f} s of {row['duration_s']:.1f} s "
          f"({row['time_rearing_s'] / row['duration_s']:.0%}), {int(row['bouts_rearing'])} bouts, "
          f"latency {row['latency_rearing_s']:.1f} s; grooming {row['time_grooming_s']:.1f} s")
    frames = pd.read_csv(out / "run" / "m3v1mp4_behavior.csv")
    body = read_dlc(out / "run" / "m3v1mp4_pose.csv", fps=30.0)["position"].sel(keypoints="body")
    body = body.isel(individuals=0).transpose("time", "space").values
    rng = np.random.default_rng(0)
    chosen = {lab: np.sort(rng.choice(np.flatnonzero(frames["label"] == lab), k, replace=False))
              for lab, k in (("rearing", 12), ("other", 6))}
    wanted = {int(i): lab for lab, idx in chosen.items() for i in idx}
    crops: dict[int, np.ndarray] = {}
    cap = cv2.VideoCapture(str(video))
    for i in range(max(wanted) + 1):
        ok, img = cap.read()
        if not ok:
            break
        if i in wanted:
            x, y = np.nan_to_num(body[i], nan=200.0)
            x0, y0 = int(np.clip(x - 90, 0, img.shape[1] - 180)), int(np.clip(y - 90, 0, img.shape[0] - 180))
            crop = cv2.resize(img[y0:y0 + 180, x0:x0 + 180], (270, 270))
            text = f"{i / 30:.1f}s {wanted[i]} p={frames['p_rearing'][i]:.2f}"
            cv2.putText(crop, text, (5, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
            crops[i] = crop
    cap.release()
    rear = [crops[i] for i in chosen["rearing"]]
    other = [crops[i] for i in chosen["other"]]
    sheet = np.vstack([np.hstack(rear[:6]), np.hstack(rear[6:]), np.hstack(other)])
    cv2.imwrite(str(out / "rearing_frames.png"), sheet)
    print(f"    rows 1-2: frames called rearing, row 3: called other -> {out / 'rearing_frames.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-data", action="store_true", help="also score the real OFT_38 recording")
    parser.add_argument("--three-points", action="store_true",
                        help="only OFT_38 reduced to head/body/tail, with and without the extended features")
    parser.add_argument("--dlc-example", type=Path, metavar="OUT",
                        help="only the three-point model in openfield run on the DeepLabCut example video")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, python {platform.python_version()}")
    root = Path(__file__).resolve().parents[1]
    data = Path(os.environ.get("OPENFIELD_SAMPLE_DATA", root.parent / "shared" / "data"))
    if args.dlc_example:
        bench_dlc_example(data, args.dlc_example)
        return
    if args.three_points:
        for extended in (False, True):
            bench_three_points(data, extended)
        return
    bench_features()
    if args.real_data:
        bench_real(data)


if __name__ == "__main__":
    main()
