"""Dataset building from each input form, split by source with no leakage, bad inputs."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pandas as pd
import pytest
from vit_synthetic import make_toy_folders, mouse_frame, write_video

from openfield.behavior.crops import CropSettings
from openfield.behavior.dataset import (
    DatasetSettings,
    assign_splits,
    build_dataset,
    clip_class,
    image_source,
    resplit_dataset,
    split_panels,
)
from openfield.errors import OpenfieldError
from openfield.io.behavior_dataset import read_manifest

FPS = 10.0


def _moving_mouse_video(path, n=30, shape=(60, 80)):
    frames = [mouse_frame(shape, (10 + 2 * i, 30), radius=6) for i in range(n)]
    return write_video(path, frames, FPS)


def _no_leak(manifest: pd.DataFrame) -> None:
    by_group = manifest.groupby("group")["split"].nunique()
    assert (by_group == 1).all(), "a source has frames on both sides of the split"
    assert set(manifest[manifest.split == "train"].source).isdisjoint(manifest[manifest.split == "val"].source)


# --------------------------------------------------------------------------- folders


def test_from_class_folders(tmp_path):
    make_toy_folders(tmp_path / "in", sources=("vidA", "vidB", "vidC"), per_source=4)
    m = build_dataset(tmp_path / "ds", folders=tmp_path / "in",
                      settings=DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.34))
    assert len(m) == 3 * 3 * 4
    assert m.groupby("label").size().to_dict() == {"grooming": 12, "normal": 12, "rearing": 12}
    assert set(m.source) == {"vidA", "vidB", "vidC"}  # frame numbers stripped: one source per video
    _no_leak(m)
    assert (m.split == "val").groupby(m.source).first().sum() == 1  # one of three videos in validation
    for p in m.path:
        img = cv2.imread(str(tmp_path / "ds" / p))
        assert img is not None and img.shape == (48, 48, 3)
    split = json.loads((tmp_path / "ds" / "split.json").read_text())
    assert sorted(split["train"] + split["val"]) == ["vidA", "vidB", "vidC"]
    manifest, info = read_manifest(tmp_path / "ds")
    assert info["complete"] and info["classes"] == ["grooming", "normal", "rearing"]


def test_folder_crops_use_the_source_background(tmp_path):
    # a large dark object that never moves and a smaller moving mouse: the median of the
    # source's images removes the object, so every crop is centred on the mouse
    d = tmp_path / "in" / "normal"
    d.mkdir(parents=True)
    for i in range(8):
        img = mouse_frame((80, 120), (20 + 10 * i, 55), radius=6)
        img[5:30, 85:115] = 40  # the object: 750 px, the mouse ~113 px
        cv2.imwrite(str(d / f"cam1_{i:04d}.png"), img)
    m = build_dataset(tmp_path / "ds", folders=tmp_path / "in",
                      settings=DatasetSettings(crop=CropSettings(size_px=16), val_fraction=0))
    assert len(m) == 8
    for p in m.path:
        img = cv2.imread(str(tmp_path / "ds" / p))
        # the centre is the mouse (dark) with floor around it; a crop of the object is all dark
        assert img[8, 8, 0] < 100 and img.mean() > 90


def test_image_source_strips_frame_numbers():
    assert image_source("video3_frame0120.png") == "video3"
    assert image_source("m3v1-000042.png") == "m3v1"
    assert image_source("img12.png") == "img12"  # nothing would be left: keep the name


def test_empty_class_folder_is_an_error(tmp_path):
    make_toy_folders(tmp_path / "in", sources=("a",), per_source=2)
    (tmp_path / "in" / "itching").mkdir()
    with pytest.raises(OpenfieldError, match="itching.*class folder has no images"):
        build_dataset(tmp_path / "ds", folders=tmp_path / "in")


def test_unreadable_image_is_named(tmp_path):
    make_toy_folders(tmp_path / "in", sources=("a",), per_source=2)
    (tmp_path / "in" / "rearing" / "a_0099.png").write_text("not an image")
    with pytest.raises(OpenfieldError, match="a_0099.png: cannot read as an image"):
        build_dataset(tmp_path / "ds", folders=tmp_path / "in")


# --------------------------------------------------------------------------- videos + labels


def _labels(path, rows):
    pd.DataFrame(rows, columns=["start_s", "end_s", "behavior"]).to_csv(path, index=False)
    return path


def test_from_video_and_interval_labels(tmp_path):
    video = _moving_mouse_video(tmp_path / "m1.avi", n=30)
    labels = _labels(tmp_path / "m1.csv", [(0.5, 1.0, "rearing"), (2.0, 2.5, "grooming")])
    m = build_dataset(tmp_path / "ds", videos=[video], labels=[labels],
                      settings=DatasetSettings(crop=CropSettings(size_px=24), val_fraction=0))
    m = m.sort_values("frame")
    expected = np.array(["normal"] * 30, dtype=object)
    expected[5:10] = "rearing"  # frame centres (i + 0.5) / 10 s in [0.5, 1.0)
    expected[20:25] = "grooming"
    assert m.frame.tolist() == list(range(30))
    assert m.label.tolist() == expected.tolist()
    np.testing.assert_allclose(m.time_s, np.arange(30) / FPS)
    # the crop follows the mouse: its centre pixel is the dark disc
    for p in m.path:
        img = cv2.imread(str(tmp_path / "ds" / p))
        assert img.shape == (24, 24, 3) and img[12, 12, 0] < 100


def test_every_nth_frame(tmp_path):
    video = _moving_mouse_video(tmp_path / "m1.avi", n=30)
    labels = _labels(tmp_path / "m1.csv", [(0.5, 1.0, "rearing")])
    m = build_dataset(tmp_path / "ds", videos=[video], labels=[labels],
                      settings=DatasetSettings(every=4, val_fraction=0))
    assert m.frame.tolist() == list(range(0, 30, 4))
    assert m.set_index("frame").loc[8, "label"] == "rearing"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0.5, 1.0, "sniffing")], "unknown behavior name"),
        ([(1.5, 1.0, "rearing")], "end before they start"),
    ],
)
def test_bad_label_files(tmp_path, rows, message):
    video = _moving_mouse_video(tmp_path / "m1.avi", n=20)
    labels = _labels(tmp_path / "bad.csv", rows)
    with pytest.raises(OpenfieldError, match=f"bad.csv.*{message}"):
        build_dataset(tmp_path / "ds", videos=[video], labels=[labels])
    assert not (tmp_path / "ds").exists()  # checked before any work


def test_videos_and_labels_must_pair(tmp_path):
    video = _moving_mouse_video(tmp_path / "m1.avi", n=10)
    with pytest.raises(OpenfieldError, match="1 video.*0 label"):
        build_dataset(tmp_path / "ds", videos=[video], labels=[])


# --------------------------------------------------------------------------- clips


def _three_panel_clip(path, n=12, floors=(200, 170, 140)):
    """Three 60x60 panels side by side; panel k has floor level floors[k] and its own mouse."""
    frames = []
    for i in range(n):
        panels = [mouse_frame((60, 60), (15 + 2 * i, 20 + 10 * k), floor=f, radius=5)
                  for k, f in enumerate(floors)]
        frames.append(np.hstack(panels))
    return write_video(path, frames, 15.0)


def test_clip_class_from_file_name(tmp_path):
    assert clip_class("rear_plus_hstacked.mp4") == "rearing"
    assert clip_class("face_groom_hstacked.mp4") == "grooming"
    assert clip_class("orient_L_hstacked.mp4") == "normal"
    assert clip_class("itch_hstacked.mp4") is None
    assert clip_class("grooming_07.mp4") == "grooming"
    with pytest.raises(OpenfieldError, match="sniff.mp4: cannot tell the class"):
        clip_class(tmp_path / "sniff.mp4")


def test_from_three_panel_clips(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("rear_plus", "rear_minus", "body_groom", "face_groom", "locomote", "inactive", "itch"):
        _three_panel_clip(clips / f"{name}_hstacked.avi")
    m = build_dataset(tmp_path / "ds", clips=clips,
                      settings=DatasetSettings(panels=3, crop=CropSettings(size_px=20), val_fraction=0.3))
    assert len(m) == 6 * 3 * 12  # itch left out
    assert m.source.nunique() == 18
    assert set(m[m.source.str.startswith("rear_plus")].label) == {"rearing"}
    assert set(m[m.source.str.startswith("inactive")].label) == {"normal"}
    _no_leak(m)
    # 6 panel sources per class: round(0.3 * 6) = 2 of each in validation
    val = m[m.split == "val"].groupby("label").source.nunique().to_dict()
    assert val == {"grooming": 2, "normal": 2, "rearing": 2}
    # each panel's crops come from that panel: floor level 200 / 170 / 140
    for k, floor in enumerate((200, 170, 140)):
        p = m[m.source == f"rear_plus_hstacked_p{k}"].path.iloc[3]
        img = cv2.imread(str(tmp_path / "ds" / p))
        assert abs(int(np.median(img)) - floor) <= 6


def test_split_by_clip_keeps_panels_together(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("rear_plus", "rear_minus", "body_groom", "head_groom"):
        _three_panel_clip(clips / f"{name}_hstacked.avi", n=4)
    m = build_dataset(tmp_path / "ds", clips=clips,
                      settings=DatasetSettings(split_by="clip", val_fraction=0.5, crop=CropSettings(mode="full")))
    assert m.group.nunique() == 4
    assert (m.groupby("group").split.nunique() == 1).all()


def test_split_panels():
    frame = np.arange(2 * 9).reshape(2, 9)
    parts = split_panels(frame, 3)
    assert [p.shape for p in parts] == [(2, 3)] * 3
    np.testing.assert_array_equal(np.hstack(parts), frame)


# --------------------------------------------------------------------------- split, re-runs


def test_assign_splits_by_rarest_class_and_seeded():
    rows = []
    for g in range(10):
        rows += [{"group": f"n{g}", "label": "normal"}] * 5
    for g in range(4):
        rows += [{"group": f"r{g}", "label": "rearing"}] * 3 + [{"group": f"r{g}", "label": "normal"}] * 3
    m = pd.DataFrame(rows)
    s1 = assign_splits(m, 0.25, seed=3)
    assert s1 == assign_splits(m, 0.25, seed=3)
    assert sum(v == "val" for k, v in s1.items() if k.startswith("r")) == 1  # round(0.25 * 4)
    assert sum(v == "val" for k, v in s1.items() if k.startswith("n")) == 2  # round(0.25 * 10) = 2
    one = assign_splits(pd.DataFrame([{"group": "x", "label": "a"}]), 0.3)
    assert one == {"x": "train"}  # a single source cannot be split


def test_resplit_keeps_images_and_moves_whole_sources(tmp_path):
    make_toy_folders(tmp_path / "in", sources=("va", "vb", "vc", "vd", "ve", "vf"), per_source=2)
    m0 = build_dataset(tmp_path / "ds", folders=tmp_path / "in",
                       settings=DatasetSettings(crop=CropSettings(mode="full"), val_fraction=0.5, seed=0))
    splits = {resplit_dataset(tmp_path / "ds", seed=s).groupby("source").split.first().to_json() for s in range(6)}
    assert len(splits) > 1  # different seeds, different validation sources
    m1, info = read_manifest(tmp_path / "ds")
    assert info["settings"]["seed"] == 5 and sorted(m1.path) == sorted(m0.path)
    _no_leak(m1)
    assert (m1.groupby("source").split.first() == "val").sum() == 3


def test_nothing_to_build_from(tmp_path):
    with pytest.raises(OpenfieldError, match="nothing to build from"):
        build_dataset(tmp_path / "ds")
