"""Train the shared example project (100 labelled frames) with openfield's wrapper and evaluate it.

Usage (niced; the project is copied to PROJECT, outside the repository)::

    HF_HUB_OFFLINE=1 PYTHONPATH=src nice -n 10 python bench/train_example.py train PROJECT \
        --net cspnext_s --epochs 40 --save-epochs 5
    HF_HUB_OFFLINE=1 PYTHONPATH=src python bench/train_example.py evaluate PROJECT

``train`` writes ``PROJECT/bench_train.json`` (epochs asked, wall time); it can be stopped
(``timeout``) and ``evaluate`` then scores the last snapshot saved, writing
``PROJECT/evaluation.csv`` and ``PROJECT/bench_eval.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import time
from pathlib import Path

from openfield.pose import dlc

SAMPLE = Path(os.environ.get("OPENFIELD_SAMPLE_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def main() -> None:
    """Run one phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=["train", "evaluate"])
    parser.add_argument("project", type=Path)
    parser.add_argument("--net", default="cspnext_s")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--save-epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256,
                        help="side of the training crops in px (DeepLabCut's default 448; smaller is faster on CPU)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = args.project / "config.yaml"
    if args.phase == "train":
        if not config.exists():
            shutil.copytree(SAMPLE / "dlc_openfield", args.project)
        start = time.time()
        (args.project / "bench_train.json").write_text(
            json.dumps({"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), **vars(args)},
                       default=str, indent=2)
        )
        snap = dlc.train(config, epochs=args.epochs, net=args.net, device="auto", from_scratch=True,
                         batch_size=args.batch_size, save_epochs=args.save_epochs, crop_size=args.crop)
        info = json.loads((args.project / "bench_train.json").read_text())
        info.update(finished=True, seconds=round(time.time() - start, 1), snapshot=str(snap))
        (args.project / "bench_train.json").write_text(json.dumps(info, indent=2))
    else:
        start = time.time()
        result = dlc.evaluate(config, device="auto")
        info = result.iloc[0].to_dict()
        info.update(seconds=round(time.time() - start, 1), machine=platform.platform(),
                    cpus=os.cpu_count(), date=time.strftime("%Y-%m-%d", time.gmtime()))
        (args.project / "bench_eval.json").write_text(json.dumps(info, indent=2, default=str))
        print(json.dumps(info, indent=2, default=str))


if __name__ == "__main__":
    main()
