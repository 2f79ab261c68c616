"""Train the ViT frame classifier from scratch on the B-SOiD clips and compare it with a baseline.

Usage (from the repository root; ~10-20 min on 2 CPU cores)::

    PYTHONPATH=src python bench/vit_bsoid.py [--every 3] [--epochs 30]

Builds ``fine_tuning_ViT/dataset/bsoid`` (mouse-centred crops, every 3rd frame,
three panels per clip split into train / validation by panel), trains a small
ViT from scratch (no pretrained weights can be downloaded here) into
``fine_tuning_ViT/model`` with logs in ``fine_tuning_ViT/training``, scores a
logistic-regression baseline on the same split, and writes both results to
``fine_tuning_ViT/training/bsoid_results.json``. With ``--seeds 1 2 0`` the
split is redrawn for each seed (same images, other validation panels) and
both models are trained and scored again, to show how much one split's score
says; the last seed's model is the one left in ``fine_tuning_ViT/model``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

from openfield.behavior.baseline import baseline_logistic
from openfield.behavior.dataset import DatasetSettings, build_dataset, resplit_dataset
from openfield.behavior.outputs import train_model
from openfield.behavior.vit import TrainSettings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OPENFIELD_SAMPLE_DATA", ROOT.parent / "shared" / "data"))


def _per_class(metrics: dict) -> dict:
    return {r["class"]: {k: round(float(r[k]), 3) for k in ("precision", "recall", "f1")} | {
        "support": int(r["support"])} for r in metrics["per_class"].to_dict(orient="records")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden-size", type=int, default=128)
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="split seeds; the last one is kept")
    ap.add_argument("--out", type=Path, default=ROOT / "fine_tuning_ViT")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")

    ds = args.out / "dataset" / "bsoid"
    t0 = time.perf_counter()
    manifest = build_dataset(ds, clips=DATA / "bsoid_clips", settings=DatasetSettings(every=args.every, panels=3))
    t_ds = time.perf_counter() - t0
    settings = TrainSettings(from_scratch=True, layers=args.layers, hidden_size=args.hidden_size,
                             image_size=args.image_size, epochs=args.epochs, device="cpu")
    runs = []
    for i, seed in enumerate(args.seeds):
        last = i == len(args.seeds) - 1
        manifest = resplit_dataset(ds, seed=seed)
        model_dir = args.out / "model" if last else args.out / "training" / f"seed{seed}" / "model"
        train_dir = args.out / "training" if last else args.out / "training" / f"seed{seed}"
        t0 = time.perf_counter()
        info = train_model(ds, model_dir, train_dir, settings)
        t_train = time.perf_counter() - t0
        vit = json.loads((train_dir / "val_metrics.json").read_text())
        base = baseline_logistic(ds, train_dir)
        counts = manifest.groupby(["split", "label"]).size().unstack(fill_value=0)
        runs.append({
            "split_seed": seed,
            "images": counts.to_dict(orient="index"),
            "val_sources": sorted(manifest[manifest.split == "val"].source.unique()),
            "vit_from_scratch": {
                "best_epoch": info["best_epoch"], "epochs_run": info["epochs_run"],
                "macro_f1": round(vit["macro_f1"], 3), "balanced_accuracy": round(vit["balanced_accuracy"], 3),
                "per_class": {r["class"]: {k: round(float(r[k]), 3) for k in ("precision", "recall", "f1")}
                              | {"support": int(r["support"])} for r in vit["per_class"]},
                "train_seconds": round(t_train, 1),
            },
            "baseline_logistic_16px": {
                "macro_f1": round(base["macro_f1"], 3), "balanced_accuracy": round(base["balanced_accuracy"], 3),
                "per_class": _per_class(base),
            },
        })
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPU cores, no GPU ({platform.processor() or platform.machine()})",
        "dataset": {"every": args.every, "seconds": round(t_ds, 1), "n_images": int(len(manifest))},
        "vit_settings": {"layers": args.layers, "hidden_size": args.hidden_size, "image_size": args.image_size,
                         "epochs_max": args.epochs},
        "runs": runs,
    }
    out = args.out / "training" / "bsoid_results.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
