"""Pose files of every tool movement reads, each made here with known points, read back as openfield's pose.

The files are written by the tools' own layouts: movement's writers for SLEAP (analysis .h5),
LightningPose (.csv) and NWB (.nwb, written with pynwb), a hand-written Anipose table (3-D, with its
camera columns), openfield's DeepLabCut CSV. Each must give back the positions and confidences put in
(float32 files: 1e-4 px), under the file's body-part names, one animal, the tool recorded.
"""

import logging

import numpy as np
import pandas as pd
import pytest
from movement.io import load_poses, save_poses
from pynwb import NWBHDF5IO

from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.io import from_numpy, write_dlc_csv
from openfield.io.pose import read_pose, source_software_of

NAMES = ["nose", "body", "tailbase"]
FPS = 30.0


@pytest.fixture
def known():
    rng = np.random.default_rng(7)
    xy = rng.uniform(5, 95, (8, 3, 2))  # (frames, keypoints, x/y) in px
    conf = rng.uniform(0.5, 1.0, (8, 3))
    return xy, conf


def _movement_ds(xy, conf, individuals=("mouse",)):
    pos = np.repeat(xy.transpose(0, 2, 1)[..., None], len(individuals), axis=3)
    c = np.repeat(conf[..., None], len(individuals), axis=2)
    return load_poses.from_numpy(pos, c, individual_names=list(individuals), keypoint_names=NAMES, fps=FPS,
                                 source_software="openfield-test")


def _check(ds, xy, conf, software, atol=1e-4):
    assert ds.attrs["source_software"] == software
    assert ds.sizes["individuals"] == 1 and sorted(map(str, ds["keypoints"].values)) == sorted(NAMES)
    for k, name in enumerate(NAMES):
        got = ds["position"].sel(keypoints=name).isel(individuals=0).transpose("time", "space").values
        np.testing.assert_allclose(got, xy[:, k], atol=atol)
        np.testing.assert_allclose(ds["confidence"].sel(keypoints=name).isel(individuals=0).values, conf[:, k],
                                   atol=atol)
    np.testing.assert_allclose(ds["time"].values, np.arange(len(xy)) / FPS, atol=1e-9)


def test_sleap_analysis_h5(tmp_path, known):
    path = tmp_path / "m.analysis.h5"
    save_poses.to_sleap_analysis_file(_movement_ds(*known), path)
    assert source_software_of(path) == "SLEAP"
    _check(read_pose(path, fps=FPS), *known, "SLEAP")


def test_lightning_pose_csv(tmp_path, known):
    save_poses.to_lp_file(_movement_ds(*known), tmp_path / "lp.csv")  # written as lp_mouse.csv
    path = tmp_path / "lp_mouse.csv"
    _check(read_pose(path, fps=FPS, source_software="LightningPose"), *known, "LightningPose", atol=1e-9)
    _check(read_pose(path, fps=FPS), *known, "DeepLabCut", atol=1e-9)  # DeepLabCut's layout: read as one


def test_nwb_with_its_own_frame_rate(tmp_path, known):
    path = tmp_path / "m.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(save_poses.to_nwb_file(_movement_ds(*known)))
    assert source_software_of(path) == "NWB"
    ds = read_pose(path)  # no fps given: the file's
    assert ds.attrs["fps"] == pytest.approx(FPS)
    _check(ds, *known, "NWB")


def test_anipose_3d_csv_keeps_x_and_y(tmp_path, known, caplog):
    xy, conf = known
    table = pd.DataFrame({"fnum": np.arange(len(xy))})
    for i in range(3):
        table[f"center_{i}"] = 0.0
    for i in range(3):
        for j in range(3):
            table[f"M_{i}{j}"] = float(i == j)
    for k, name in enumerate(NAMES):
        table[f"{name}_x"], table[f"{name}_y"], table[f"{name}_z"] = xy[:, k, 0], xy[:, k, 1], 12.5
        table[f"{name}_error"], table[f"{name}_score"], table[f"{name}_ncams"] = 0.2, conf[:, k], 2
    path = tmp_path / "pose_3d.csv"
    table.to_csv(path, index=False)
    assert source_software_of(path) == "Anipose"
    with caplog.at_level(logging.WARNING, logger="openfield"):
        ds = read_pose(path, fps=FPS)
    _check(ds, xy, conf, "Anipose", atol=1e-9)
    assert "z left out" in caplog.text


def test_deeplabcut_through_openfields_reader(tmp_path, known):
    xy, conf = known
    path = write_dlc_csv(from_numpy(xy, conf, NAMES, fps=FPS), tmp_path / "m_pose.csv")
    assert source_software_of(path) == "DeepLabCut"
    _check(read_pose(path, fps=FPS), xy, conf, "DeepLabCut", atol=1e-9)


def test_bad_files_name_the_file(tmp_path, known):
    with pytest.raises(OpenfieldError, match="unknown pose file type '.txt'"):
        (tmp_path / "a.txt").write_text("x")
        read_pose(tmp_path / "a.txt")
    with pytest.raises(OpenfieldError, match="pose file not found"):
        read_pose(tmp_path / "none.slp")
    with pytest.raises(OpenfieldError, match="unknown source software 'DLC'"):
        read_pose(tmp_path / "a.txt", source_software="DLC")
    two = tmp_path / "two.analysis.h5"
    save_poses.to_sleap_analysis_file(_movement_ds(*known, individuals=("a", "b")), two)
    with pytest.raises(OpenfieldError, match="2 animals") as err:
        read_pose(two, fps=FPS)
    assert str(two) in str(err.value)
    bad = tmp_path / "bad.slp"
    bad.write_bytes(b"not a sleap file")
    with pytest.raises(OpenfieldError, match="cannot read as a SLEAP pose file") as err:
        read_pose(bad)
    assert str(bad) in str(err.value)


def test_kinematics_command_reads_a_sleap_file(tmp_path, known):
    """`openfield kinematics` on a SLEAP file: 10 px = 1 cm, a body moving 3 px per frame at 30 fps is 9 cm/s."""
    n = 60
    xy = np.zeros((n, 3, 2))
    xy[:, 1, 0] = 20 + 3.0 * np.arange(n)  # the body: 3 px/frame along x
    xy[:, 1, 1] = 50
    xy[:, 0] = xy[:, 1] + [15, 0]
    xy[:, 2] = xy[:, 1] - [15, 0]
    path = tmp_path / "run.analysis.h5"
    save_poses.to_sleap_analysis_file(_movement_ds(xy, np.ones((n, 3))), path)
    cal = tmp_path / "cal.json"
    assert main(["calibrate", "points", "--points", "0", "0", "10", "0", "--distance-cm", "1", "-o", str(cal)]) == 0
    out = tmp_path / "out"
    assert main(["kinematics", str(path), "--calibration", str(cal), "--fps", str(FPS), "--no-plots",
                 "--source-software", "SLEAP", "-o", str(out)]) == 0
    summary = pd.read_csv(out / "run.analysis_summary.csv")
    assert summary["distance_cm"].iloc[0] == pytest.approx(3.0 * (n - 1) / 10, rel=0.02)
