"""The tracker's silhouette beside the pose: its table, its features (known answers) and the model's use of it.

The silhouettes here are constructed tables (a mouse 8 cm x 3 cm seen from
above, 12 cm² with its tail; "rearing" = 60 % of its length, width kept):
the features' maths, their independence from the camera's resolution, and a
model trained at one resolution giving the same answer at another. The
tracker's own measurement of a rendered rearing mouse is tested in
``tests/test_integration/test_run_behavior_pose.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from openfield.behavior import silhouette as sil
from openfield.behavior.feature_arena import feature_arena
from openfield.behavior.features import pose_features
from openfield.behavior.training import Recording, train_pose_model
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy
from openfield.io.silhouette import read_silhouette, write_silhouette
from openfield.pipeline.paths import silhouette_path

FPS = 20.0
ARENA_CM = (40.0, 40.0)


def table(n: int, px_per_cm: float, rear: np.ndarray | None = None) -> np.ndarray:
    """Silhouette ``(n, 3)`` (area px², length px, width px) of an 8 x 3 cm mouse of 12 cm², 60 % long in ``rear``."""
    length = np.full(n, 8.0)
    if rear is not None:
        length[rear] = 4.8
    width = np.full(n, 3.0)
    area = 12.0 * length / 8.0
    return np.c_[area * px_per_cm**2, length * px_per_cm, width * px_per_cm]


def silhouette_array(values: np.ndarray):
    import xarray as xr

    return xr.DataArray(values, dims=("time", "silhouette_measure"), coords={"silhouette_measure": list(sil.MEASURES)})


def pose_with_silhouette(px_per_cm: float, n: int = 600, seed: int = 0):
    """A mouse walking on a 40 x 40 cm floor seen at ``px_per_cm`` (camera straight above), rearing in bouts.

    Returns the pose dataset (head, body, tail, arena corners tl tr br bl; with ``silhouette``), its arena and
    the per-frame labels. The same seed gives the same animal in cm at any resolution.
    """
    rng = np.random.default_rng(seed)
    rear = np.zeros(n, bool)
    for start in range(50, n - 40, 110):
        rear[start:start + int(rng.integers(20, 40))] = True
    centre = np.c_[20 + 8 * np.sin(np.arange(n) / 60.0), 20 + 8 * np.cos(np.arange(n) / 75.0)]
    heading = np.arctan2(np.gradient(centre[:, 1]), np.gradient(centre[:, 0]))
    half = np.where(rear, 0.6, 1.0) * 4.0  # cm
    u = np.c_[np.cos(heading), np.sin(heading)]
    origin = 50.0
    pts = [centre + u * half[:, None], centre, centre - u * half[:, None]]
    corners = [(0, 0), (40, 0), (40, 40), (0, 40)]
    pts += [np.tile(c, (n, 1)).astype(float) for c in corners]
    position = origin + np.stack(pts, axis=1) * px_per_cm
    ds = from_numpy(position, None, ["head", "body", "tail", "tl", "tr", "br", "bl"], fps=FPS)
    ds["silhouette"] = silhouette_array(table(n, px_per_cm, rear)).assign_coords(time=ds["time"])
    return ds, feature_arena(ds, arena_size_cm=ARENA_CM), np.where(rear, "rearing", "other").astype(object)


def test_silhouette_path_beside_the_pose(tmp_path):
    assert silhouette_path(tmp_path / "mouse_pose.csv") == tmp_path / "mouse_silhouette.csv"
    assert silhouette_path(tmp_path / "OFT_38DLC_resnet50.h5") == tmp_path / "OFT_38DLC_resnet50_silhouette.csv"


def test_table_round_trip_keeps_missing_frames(tmp_path):
    values = table(5, 10.0)
    values[2] = np.nan  # no animal found in frame 2
    ds = from_numpy(np.zeros((5, 3, 2)), None, ["head", "body", "tail"], fps=FPS)
    ds["silhouette"] = silhouette_array(values).assign_coords(time=ds["time"])
    path = write_silhouette(sil.silhouette_table(ds), tmp_path / "m_silhouette.csv")
    assert path.read_text().splitlines()[0] == "frame,area_px,length_px,width_px"
    back = sil.add_silhouette(ds.drop_vars("silhouette"), read_silhouette(path, sil.MEASURES, 5))
    np.testing.assert_allclose(back["silhouette"].values, values, equal_nan=True)
    with pytest.raises(ValueError, match="no silhouette"):
        sil.silhouette_table(ds.drop_vars("silhouette"))
    with pytest.raises(OpenfieldError, match="has 5 frames but its pose has 4"):
        sil.add_silhouette(ds.isel(time=slice(0, 4)).drop_vars("silhouette"), back["silhouette"])


@pytest.mark.parametrize(("text", "message"), [
    (None, "silhouette table not found"),
    ("frame,area_px,length_px\n0,1,2\n", r"columns \['width_px'\] missing"),
    ("frame,area_px,length_px,width_px\n0,1,2,3\n1,1,2,3\n", "has 2 frames but its pose has 3"),
    ("frame,area_px,length_px,width_px\n0,1,2,3\n2,1,2,3\n1,1,2,3\n", "not numbered 0, 1, 2"),
    ("frame,area_px,length_px,width_px\n0,1,x,3\n1,1,2,3\n2,1,2,3\n", "'length_px' of the silhouette table is not num"),
    ("frame,area_px,length_px,width_px\n0,1,2,3\n1,-1,2,3\n2,1,2,3\n", "negative"),
])
def test_bad_tables_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad_silhouette.csv"
    if text is not None:
        path.write_text(text)
    with pytest.raises(OpenfieldError, match=message) as err:
        read_silhouette(path, sil.MEASURES, n_frames=3)
    assert str(path) in str(err.value)


def test_features_in_cm_and_free_of_scale():
    n, ppc = 400, 12.5
    rear = np.zeros(n, bool)
    rear[200:240] = True  # a 2-s rear at 20 fps
    f = sil.silhouette_features(silhouette_array(table(n, ppc, rear)), FPS, px_per_cm=ppc)
    np.testing.assert_allclose(f["silhouette_area_cm2"][:200], 12.0)
    np.testing.assert_allclose(f["silhouette_area_cm2"][200:240], 7.2)
    np.testing.assert_allclose(f["silhouette_length_cm"][:200], 8.0)
    np.testing.assert_allclose(f["silhouette_length_cm"][200:240], 4.8)
    np.testing.assert_allclose(f["silhouette_width_cm"], 3.0)
    np.testing.assert_allclose(f["silhouette_aspect"][:200], 3 / 8)  # rounder when rearing: 3 / 4.8
    np.testing.assert_allclose(f["silhouette_aspect"][200:240], 3 / 4.8)
    np.testing.assert_allclose(f["silhouette_length_vs_running_median"][200:240], 0.6)  # the 10-s median is 8 cm
    np.testing.assert_allclose(f["silhouette_length_vs_running_median"][:150], 1.0)
    np.testing.assert_allclose(f["silhouette_area_vs_running_median"][200:240], 0.6)
    np.testing.assert_allclose(f["silhouette_length_ratio"][200:240], 0.6)  # over the recording's median
    np.testing.assert_allclose(f["silhouette_width_ratio"], 1.0)
    assert "silhouette_area_cm2" not in sil.silhouette_features(silhouette_array(table(n, ppc, rear)), FPS)


def test_features_do_not_depend_on_the_resolution():
    """The same mouse filmed at 8 and at 20 px/cm: every feature identical (lengths / px_per_cm, area / px_per_cm²)."""
    rear = np.zeros(300, bool)
    rear[100:130] = True
    a = sil.silhouette_features(silhouette_array(table(300, 8.0, rear)), FPS, px_per_cm=8.0)
    b = sil.silhouette_features(silhouette_array(table(300, 20.0, rear)), FPS, px_per_cm=20.0)
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-9, err_msg=k)


def test_missing_frames_stay_missing():
    values = table(100, 10.0)
    values[40:45] = np.nan
    f = sil.silhouette_features(silhouette_array(values), FPS, px_per_cm=10.0)
    for k, v in f.items():
        assert np.isnan(v[40:45]).all() and np.isfinite(v[:40]).all(), k


def test_pose_features_use_the_arena_scale_only_with_extended_features():
    ds, arena, _ = pose_with_silhouette(10.0, n=200)
    assert arena.px_per_cm == pytest.approx(10.0)
    feats = pose_features(ds, arena, windows_s=(0.5,), extended=True)
    np.testing.assert_allclose(feats["silhouette_width_cm"], 3.0, rtol=1e-6)
    assert "silhouette_width_cm_mean_0.5s" in feats  # rolling windows too
    no_arena = pose_features(ds, None, windows_s=(0.5,), extended=True)
    assert "silhouette_aspect" in no_arena and "silhouette_width_cm" not in no_arena
    assert not any(c.startswith("silhouette") for c in pose_features(ds, arena, windows_s=(0.5,)).columns)


def test_a_model_trained_at_one_resolution_answers_the_same_at_another():
    """Trained on a 10 px/cm recording, applied to a new recording filmed at 10 and at 17 px/cm: the same
    probabilities (every feature is in cm or a ratio), and it finds the rears."""
    ds, arena, labels = pose_with_silhouette(10.0, seed=0)
    model, _ = train_pose_model([Recording("train", ds, {"r": labels}, arena)], n_blocks=2,
                                windows_s=(0.5,), extended=True)
    assert model.uses_silhouette and "silhouette_length_cm" in model.feature_names
    new10, arena10, truth = pose_with_silhouette(10.0, seed=1)
    new17, arena17, _ = pose_with_silhouette(17.0, seed=1)
    p10, p17 = model.predict_proba(new10, arena10), model.predict_proba(new17, arena17)
    np.testing.assert_allclose(p10, p17, atol=1e-4)
    pred = np.asarray(model.classes)[p17.argmax(axis=1)]
    assert (pred == truth).mean() > 0.95


def test_a_silhouette_model_refuses_a_pose_without_silhouette():
    ds, arena, labels = pose_with_silhouette(10.0, n=300)
    model, _ = train_pose_model([Recording("train", ds, {"r": labels}, arena)], n_blocks=2,
                                windows_s=(0.5,), extended=True)
    bare = ds.drop_vars("silhouette")
    with pytest.raises(OpenfieldError, match="trained with the classical tracker's silhouette"):
        model.predict_proba(bare, arena)
    plain, _ = train_pose_model([Recording("train", bare, {"r": labels}, arena)], n_blocks=2,
                                windows_s=(0.5,), extended=True)
    assert not plain.uses_silhouette
    assert plain.predict_proba(ds, arena).shape == (300, 3)  # a silhouette it does not use is no obstacle


def test_pose_train_finds_the_table_beside_the_pose_and_checks_the_options(tmp_path, capsys):
    """``<stem>_silhouette.csv`` beside ``<stem>_pose.csv`` is used with --extended-features; --no-silhouette
    ignores it; --silhouette needs one table per pose file and --extended-features."""
    from openfield.behavior import outputs
    from openfield.cli import main
    from openfield.io.pose import write_dlc_csv

    ds, _, labels = pose_with_silhouette(10.0, n=400)
    pose = tmp_path / "m_pose.csv"
    write_dlc_csv(ds, pose)
    write_silhouette(sil.silhouette_table(ds), tmp_path / "m_silhouette.csv")
    rears = np.flatnonzero(np.diff(np.r_[0, (labels == "rearing").astype(int), 0]))
    lab = tmp_path / "labels.csv"
    lab.write_text("start_s,end_s,behavior\n" + "".join(f"{a / FPS},{b / FPS},rearing\n"
                                                         for a, b in zip(rears[::2], rears[1::2], strict=True)))
    base = ["behavior", "pose-train", str(pose), "--labels", str(lab), "--fps", str(FPS), "--arena-size-cm", "40",
            "40", "--cv-blocks", "2"]
    for extra, uses in (([], True), (["--no-silhouette"], False)):
        assert main([*base, "--extended-features", *extra, "-o", str(tmp_path / "m.joblib")]) == 0
        model = outputs.load_pose_model(tmp_path / "m.joblib")
        assert model.uses_silhouette is uses
        assert ("silhouette_area_cm2" in model.feature_names) is uses
    capsys.readouterr()
    for extra, message in ((["--silhouette", str(tmp_path / "m_silhouette.csv")], "needs --extended-features"),
                           (["--extended-features", "--silhouette", str(pose), str(pose)], "1 pose file(s) but 2")):
        assert main([*base, *extra, "-o", str(tmp_path / "x.joblib")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err


def test_outline_change_column_is_optional(tmp_path):
    """The tracker's ``outline_change`` is written and read back when there; a table without it (written
    before it existed) reads without it; a value above 1 (not a share of the pixels) is refused."""
    values = np.c_[table(3, 10.0), [np.nan, 0.25, 0.5]]
    ds = from_numpy(np.zeros((3, 3, 2)), None, ["head", "body", "tail"], fps=FPS)
    import xarray as xr

    ds["silhouette"] = xr.DataArray(values, dims=("time", "silhouette_measure"), coords={
        "time": ds["time"], "silhouette_measure": [*sil.MEASURES, "outline_change"]})
    path = write_silhouette(sil.silhouette_table(ds), tmp_path / "m_silhouette.csv")
    assert path.read_text().splitlines()[0] == "frame,area_px,length_px,width_px,outline_change"
    back = read_silhouette(path, sil.MEASURES, 3, optional=sil.OPTIONAL)
    assert list(back["silhouette_measure"].values) == [*sil.MEASURES, "outline_change"]
    np.testing.assert_allclose(back.values, values, equal_nan=True)
    # the classifier's features are those of the three measures alone
    with_change = sil.silhouette_features(back, FPS, 10.0)
    without = sil.silhouette_features(back.sel(silhouette_measure=list(sil.MEASURES)), FPS, 10.0)
    assert with_change.keys() == without.keys()
    for k in without:
        np.testing.assert_array_equal(with_change[k], without[k])
    old = tmp_path / "old_silhouette.csv"
    old.write_text("frame,area_px,length_px,width_px\n0,1,2,3\n1,1,2,3\n2,1,2,3\n")
    assert list(read_silhouette(old, sil.MEASURES, 3, optional=sil.OPTIONAL)["silhouette_measure"].values) == list(
        sil.MEASURES)
    bad = tmp_path / "bad_silhouette.csv"
    bad.write_text("frame,area_px,length_px,width_px,outline_change\n0,1,2,3,\n1,1,2,3,1.5\n2,1,2,3,0.2\n")
    with pytest.raises(OpenfieldError, match="outline_change exceeds 1") as err:
        read_silhouette(bad, sil.MEASURES, 3, optional=sil.OPTIONAL)
    assert str(bad) in str(err.value)
