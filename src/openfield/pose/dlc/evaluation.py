"""Evaluating a trained network: DeepLabCut's train and test RMSE in pixels, as one table row.

:func:`evaluation_predictions` gives the predictions, labels and split behind
those figures, so that a test can recompute them independently.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from openfield.device import resolve_device
from openfield.errors import OpenfieldError
from openfield.io.files import write_csv
from openfield.pose.dlc.checks import check_at_least, check_config, read_yaml
from openfield.pose.dlc.project import (
    model_folder,
    repair_project,
    snapshot_epoch,
    snapshots,
    train_fraction,
    trained_snapshots,
)
from openfield.pose.dlc.session import dlc_session, import_deeplabcut

log = logging.getLogger(__name__)


#: Columns of :func:`evaluate`'s table.
EVALUATION_COLUMNS = [
    "shuffle",
    "training_fraction",
    "net_type",
    "epochs",
    "n_train_images",
    "n_test_images",
    "pcutoff",
    "train_rmse_px",
    "test_rmse_px",
    "train_rmse_pcutoff_px",
    "test_rmse_pcutoff_px",
]


def evaluate(
    config: str | os.PathLike[str],
    shuffle: int = 1,
    trainingsetindex: int = 0,
    device: str = "auto",
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Evaluate the last snapshot: train and test RMSE in pixels.

    RMSE is DeepLabCut's: the mean Euclidean distance between predicted and
    labelled points over all labelled (image, body part) pairs; the
    ``_pcutoff`` variants count only predictions with likelihood at least
    the config's ``pcutoff``.

    Parameters
    ----------
    config
        The project's ``config.yaml``.
    shuffle, trainingsetindex
        Which split.
    device
        ``auto``, ``cpu`` or ``cuda``.
    out
        CSV to write; default ``evaluation.csv`` in the project folder.

    Returns
    -------
    pandas.DataFrame
        One row, the columns of :data:`EVALUATION_COLUMNS`.
    """
    path = check_config(config)
    dev = resolve_device(device)
    check_at_least(shuffle, 1, "shuffle")
    repair_project(path)
    done = trained_snapshots(path, shuffle, trainingsetindex)
    cfg = read_yaml(path)
    frac = train_fraction(cfg, trainingsetindex)
    epoch = snapshot_epoch(done[-1])
    pcfg = model_folder(path, shuffle, trainingsetindex) / "train" / "pytorch_config.yaml"
    dlc_evaluation = import_deeplabcut("pose_estimation_pytorch.apis.evaluation")
    with dlc_session("evaluating", path):
        dlc_evaluation.evaluate_network(
            str(path), shuffles=[shuffle], trainingsetindex=trainingsetindex, snapshotindex=-1, device=dev
        )
    combined = path.parent / "evaluation-results-pytorch" / f"iteration-{cfg.get('iteration', 0)}"
    combined = combined / "CombinedEvaluation-results.csv"
    if not combined.exists():
        raise OpenfieldError("DeepLabCut wrote no evaluation results", combined)
    scores = pd.read_csv(combined)
    scores.columns = [c.lstrip("%") for c in scores.columns]
    row = scores[
        (scores["Shuffle number"] == shuffle)
        & ((scores["Training dataset"] - frac).abs() < 1e-9)
        & (scores["Training epochs"] == epoch)
    ]
    if row.empty:
        raise OpenfieldError(f"no evaluation row for shuffle {shuffle}, epoch {epoch}", combined)
    r = row.iloc[-1]
    n_train, n_test = _split_sizes(path, cfg, frac, shuffle)
    result = pd.DataFrame(
        [
            {
                "shuffle": shuffle,
                "training_fraction": frac,
                "net_type": read_yaml(pcfg).get("net_type"),
                "epochs": epoch,
                "n_train_images": n_train,
                "n_test_images": n_test,
                "pcutoff": float(r["pcutoff"]),
                "train_rmse_px": float(r["train rmse"]),
                "test_rmse_px": float(r["test rmse"]),
                "train_rmse_pcutoff_px": float(r["train rmse_pcutoff"]),
                "test_rmse_pcutoff_px": float(r["test rmse_pcutoff"]),
            }
        ],
        columns=EVALUATION_COLUMNS,
    )
    out_path = Path(out) if out is not None else path.parent / "evaluation.csv"
    write_csv(result, out_path)
    log.info(
        "evaluation (%s, %d epochs): train RMSE %.2f px, test RMSE %.2f px "
        "(p-cutoff %.2f: %.2f / %.2f px) -> %s",
        result.at[0, "net_type"],
        epoch,
        result.at[0, "train_rmse_px"],
        result.at[0, "test_rmse_px"],
        result.at[0, "pcutoff"],
        result.at[0, "train_rmse_pcutoff_px"],
        result.at[0, "test_rmse_pcutoff_px"],
        out_path,
    )
    return result


def _split_sizes(path: Path, cfg: dict[str, Any], frac: float, shuffle: int) -> tuple[int, int]:
    """Numbers of training and test images of the split (-1, -1 when its record is missing)."""
    folder = path.parent / "training-datasets" / f"iteration-{cfg.get('iteration', 0)}"
    folder = folder / f"UnaugmentedDataSet_{cfg['Task']}{cfg['date']}"
    doc = folder / f"Documentation_data-{cfg['Task']}_{int(round(frac * 100))}shuffle{shuffle}.pickle"
    if not doc.exists():
        return -1, -1
    data = pd.read_pickle(doc)
    return len(data[1]), len(data[2])


def evaluation_predictions(
    config: str | os.PathLike[str], shuffle: int = 1, trainingsetindex: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, list[int], list[int]]:
    """The last evaluation's predictions, the labels and the train/test split.

    For checking :func:`evaluate`'s figures independently.

    Returns
    -------
    tuple
        ``(predictions, labels, train_indices, test_indices)``: predictions
        with columns ``(bodyparts, coords)`` (x, y, likelihood) and labels
        with ``(bodyparts, coords)`` (x, y), both indexed like the labels
        table of the training dataset.
    """
    path = check_config(config)
    cfg = read_yaml(path)
    frac = train_fraction(cfg, trainingsetindex)
    epoch = snapshot_epoch(snapshots(path, shuffle, trainingsetindex)[-1])
    folder = model_folder(path, shuffle, trainingsetindex)
    eval_dir = path.parent / "evaluation-results-pytorch" / f"iteration-{cfg.get('iteration', 0)}"
    eval_dir = eval_dir / folder.name
    found = sorted(eval_dir.glob(f"DLC_*shuffle{shuffle}_snapshot_{epoch:03d}.h5")) + sorted(
        eval_dir.glob(f"DLC_*shuffle{shuffle}_snapshot_{epoch}.h5")
    )
    if not found:
        raise OpenfieldError(f"no evaluation predictions for epoch {epoch}: run evaluate first", eval_dir)
    pred = pd.read_hdf(found[0])
    pred = pred.droplevel([lvl for lvl in ("scorer", "individuals") if lvl in pred.columns.names], axis=1)
    ds_dir = path.parent / "training-datasets" / f"iteration-{cfg.get('iteration', 0)}"
    ds_dir = ds_dir / f"UnaugmentedDataSet_{cfg['Task']}{cfg['date']}"
    labels = pd.read_hdf(ds_dir / f"CollectedData_{cfg['scorer']}.h5")
    extra = [lvl for lvl in ("scorer", "individuals") if lvl in labels.columns.names]
    labels = labels.droplevel(extra, axis=1)
    doc = pd.read_pickle(
        ds_dir / f"Documentation_data-{cfg['Task']}_{int(round(frac * 100))}shuffle{shuffle}.pickle"
    )
    return pred, labels, [int(i) for i in doc[1]], [int(i) for i in doc[2]]
