"""DeepLabCut through openfield.pose.dlc, end to end and offline, on the shared example.

One 1-epoch training from scratch on the CPU (a small network, CSPNeXt-S) is shared by the
tests of this module: evaluation, analysis of a 30-frame clip, reading the output with
openfield.io.read_dlc, and a moved copy of the project.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import signal

from openfield.cli import main
from openfield.io import read_dlc
from openfield.io.video import write_clip
from openfield.pipeline import dlc as dlc_steps
from openfield.pose import dlc
from openfield.pose.dlc import training

pytestmark = [pytest.mark.slow, pytest.mark.real_data]

NET = "cspnext_s"
BODYPARTS = ["snout", "leftear", "rightear", "tailbase"]


@pytest.fixture(scope="module")
def trained(sample_data, tmp_path_factory):
    """The example project copied to a temporary folder and trained for one epoch from scratch."""
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # the tests must never wait on a download
    root = tmp_path_factory.mktemp("dlc")
    project = root / "project"
    shutil.copytree(sample_data / "dlc_openfield", project)
    config = project / "config.yaml"
    start = time.time()
    snapshot = dlc_steps.train_network(config, epochs=1, net=NET, device="cpu", from_scratch=True, batch_size=8,
                                       crop_size=256)
    seconds = time.time() - start
    clip = write_clip(sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4", root / "clip.mp4", 30)
    return {"config": config, "snapshot": snapshot, "clip": clip, "root": root, "seconds": seconds}


def test_train_one_epoch_from_scratch(trained):
    config = trained["config"]
    snap = trained["snapshot"]
    assert snap.name == "snapshot-001.pt"
    assert snap.parent == dlc.model_folder(config) / "train"
    pcfg = yaml.safe_load((snap.parent / "pytorch_config.yaml").read_text())
    assert pcfg["net_type"] == NET
    assert pcfg["metadata"]["bodyparts"] == BODYPARTS
    assert pcfg["data"]["train"]["crop_sampling"]["width"] == 256
    # the stale placeholders of the example config were repaired
    cfg = yaml.safe_load(config.read_text())
    assert cfg["project_path"] == str(config.parent)
    assert [Path(v).stem for v in cfg["video_sets"]] == ["m4s1"]
    # a re-run with the same settings does not train again (the ledger in the shuffle's train folder)
    mtime = snap.stat().st_mtime

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dlc, "train", no_training)
        assert dlc_steps.train_network(config, epochs=1, net=NET, device="cpu", from_scratch=True, batch_size=8,
                                       crop_size=256) == snap
    assert snap.stat().st_mtime == mtime


def test_evaluate_matches_an_independent_rmse(trained, tmp_path):
    out = tmp_path / "evaluation.csv"
    result = dlc.evaluate(trained["config"], device="cpu", out=out)
    assert list(result.columns) == dlc.EVALUATION_COLUMNS
    row = result.iloc[0]
    assert (row["epochs"], row["n_train_images"], row["n_test_images"]) == (1, 95, 5)
    assert row["net_type"] == NET
    written = pd.read_csv(out)
    assert written["test_rmse_px"].iloc[0] == pytest.approx(row["test_rmse_px"])

    # recompute the RMSE (mean Euclidean error over labelled points) from the predictions
    pred, labels, train_idx, test_idx = dlc.evaluation_predictions(trained["config"])
    assert pred.index.equals(labels.index)
    err = np.stack(
        [np.hypot(pred[(b, "x")] - labels[(b, "x")], pred[(b, "y")] - labels[(b, "y")]) for b in BODYPARTS],
        axis=1,
    )
    lik = np.stack([pred[(b, "likelihood")] for b in BODYPARTS], axis=1)
    for name, idx in (("train", train_idx), ("test", test_idx)):
        assert row[f"{name}_rmse_px"] == pytest.approx(np.nanmean(err[idx]), abs=0.006)
        cut = err[idx][lik[idx] >= row["pcutoff"]]
        expected = np.nanmean(cut) if np.isfinite(cut).any() else np.nan
        assert row[f"{name}_rmse_pcutoff_px"] == pytest.approx(expected, abs=0.006, nan_ok=True)
    # 1 epoch from a random start is an untrained network (measured 303 px on 2026-11-30, 406 px on 2026-12-02:
    # the figure varies with the machine's thread scheduling), so only its range is a fact: a finite error
    # inside the 640x480 frame's diagonal
    assert 0 < row["test_rmse_px"] < np.hypot(640, 480)


def test_analyze_clip_and_read_it(trained, tmp_path):
    out = tmp_path / "pose"
    paths = dlc_steps.analyze_dlc_videos([trained["clip"]], trained["config"], out, batch_size=8, device="cpu",
                                         labeled_video=True)
    assert len(paths) == 1 and paths[0].name.endswith("_filtered.h5") and paths[0].parent == out
    raw_h5 = paths[0].with_name(paths[0].name.replace("_filtered", ""))
    for p in (raw_h5, raw_h5.with_suffix(".csv"), paths[0].with_suffix(".csv")):
        assert p.exists(), p
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".openfield"]  # no temporary folder

    ds = read_dlc(paths[0], fps=30.0)
    assert ds.sizes["time"] == 30
    assert list(ds.keypoints.values) == BODYPARTS
    assert ds.attrs["fps"] == 30.0
    pos = ds.position.values
    assert np.isfinite(pos).all()
    assert (pos[:, 0] >= 0).all() and (pos[:, 0] <= 640).all()
    assert (pos[:, 1] >= 0).all() and (pos[:, 1] <= 480).all()

    # the filtered file is the raw one through a 5-frame median filter (known answer)
    raw = read_dlc(raw_h5, fps=30.0)
    expected = signal.medfilt(raw.position.sel(space="x", keypoints="snout").values[:, 0], 5)
    np.testing.assert_allclose(ds.position.sel(space="x", keypoints="snout").values[:, 0], expected)
    np.testing.assert_allclose(ds.confidence.values, raw.confidence.values)
    csv = read_dlc(raw_h5.with_suffix(".csv"), fps=30.0)
    np.testing.assert_allclose(csv.position.values, raw.position.values, rtol=1e-6)

    labelled = dlc.labeled_videos(out)
    assert len(labelled) == 1
    cap = cv2.VideoCapture(str(labelled[0]))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    cap.release()

    # a re-run skips the finished video (the ledger: OUT/.openfield/<video stem>.json)
    mtime = paths[0].stat().st_mtime
    assert dlc_steps.analyze_dlc_videos([trained["clip"]], trained["config"], out, device="cpu",
                                        labeled_video=True) == paths
    assert paths[0].stat().st_mtime == mtime

    # --overwrite analyses again (DeepLabCut, which skips a video whose files it finds, works in a new folder):
    # same numbers, new file
    before = ds.position.values.copy()
    assert dlc_steps.analyze_dlc_videos([trained["clip"]], trained["config"], out, device="cpu",
                                        overwrite=True) == paths
    assert paths[0].stat().st_mtime > mtime
    np.testing.assert_allclose(read_dlc(paths[0], fps=30.0).position.values, before, rtol=1e-5, atol=1e-4)
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".openfield"]


def test_moved_project_is_repaired_and_analyses(trained, tmp_path, capsys):
    moved = tmp_path / "elsewhere" / "copy_of_project"
    shutil.copytree(trained["config"].parent, moved)
    config = moved / "config.yaml"
    # stale video path as on another machine
    cfg = yaml.safe_load(config.read_text())
    old_video = next(iter(cfg["video_sets"]))
    text = config.read_text().replace(str(trained["config"].parent), "/some/other/machine/project")
    config.write_text(text)
    changes = dlc.repair_project(config)
    assert any("project_path" in c for c in changes)
    cfg = yaml.safe_load(config.read_text())
    assert cfg["project_path"] == str(moved)
    assert list(cfg["video_sets"]) == [str(moved / "videos" / Path(old_video).name)]
    pcfg = yaml.safe_load((dlc.model_folder(config) / "train" / "pytorch_config.yaml").read_text())
    assert pcfg["metadata"]["project_path"] == str(moved)
    assert dlc.repair_project(config) == []  # nothing stale any more

    # and through the command line, from the moved copy
    rc = main(["pose", "analyze", str(trained["clip"]), "--config", str(config), "-o", str(tmp_path / "out"),
               "--device", "cpu", "--batch-size", "4", "--filter", "openfield"])
    assert rc == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].endswith("_cleaned.h5")
    cleaned = read_dlc(printed[0], fps=30.0)
    raw = read_dlc(printed[0].replace("_cleaned", ""), fps=30.0)
    assert cleaned.sizes["time"] == 30
    np.testing.assert_array_equal(cleaned.confidence.values, raw.confidence.values)
    cutoff = yaml.safe_load(config.read_text())["pcutoff"]
    for kp in BODYPARTS:
        confident = raw.confidence.sel(keypoints=kp).values[:, 0] >= cutoff
        xy = cleaned.position.sel(keypoints=kp).values[..., 0]
        if not confident.any():  # nothing to keep: all missing
            assert np.isnan(xy).all()
        else:
            assert np.isfinite(xy[confident]).all()


def test_pretrained_weights_offline_is_one_clear_line(trained, tmp_path, capsys):
    project = tmp_path / "p"
    shutil.copytree(trained["config"].parent, project, ignore=shutil.ignore_patterns("dlc-models-pytorch"))
    start = time.time()
    rc = main(["pose", "train", "--config", str(project / "config.yaml"), "--net", NET, "--epochs", "1",
               "--device", "cpu"])
    captured = capsys.readouterr().err
    err = [line for line in captured.strip().splitlines() if "error" in line.lower()]
    assert rc == 2 and "Traceback" not in captured
    assert len(err) == 1 and err[0] == captured.strip().splitlines()[-1]  # INFO lines may come before
    assert "cannot be downloaded" in err[0] and "--from-scratch" in err[0] and "--weights" in err[0]
    assert time.time() - start < 120  # never waits on a download


def test_backbone_weights_file_is_loaded(trained, tmp_path):
    import torch

    pcfg = dlc.model_folder(trained["config"]) / "train" / "pytorch_config.yaml"
    model = training.build_pose_model(pcfg, pretrained=False)
    torch.manual_seed(123)
    module = training.backbone_module(model)
    backbone = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in module.state_dict().items()}
    prefix = next(n for n, m in model.named_modules() if m is module) + "."
    weights = tmp_path / "backbone.pth"
    torch.save(backbone, weights)
    init, load_head = training.initial_snapshot(pcfg, weights, seed=0)
    assert load_head
    state = torch.load(init, weights_only=True)["model"]
    for k, v in backbone.items():
        torch.testing.assert_close(state[prefix + k], v)
