"""Reading and writing DeepLabCut pose tables."""

import numpy as np
import pandas as pd
import pytest

from openfield.errors import OpenfieldError
from openfield.io import from_numpy, read_dlc, write_dlc_csv
from openfield.io.pose import to_dlc_dataframe


def _dataset(n=5):
    pos = np.arange(n * 2 * 2, dtype=float).reshape(n, 2, 2)
    conf = np.full((n, 2), 0.9)
    conf[1, 0] = 0.1
    return from_numpy(pos, conf, ["nose", "tailbase"], fps=25.0, scorer="DLC_resnet50_x")


def test_csv_round_trip_keeps_values_and_names(tmp_path):
    ds = _dataset()
    path = write_dlc_csv(ds, tmp_path / "a.csv")
    back = read_dlc(path, fps=25.0)
    np.testing.assert_allclose(back.position.values, ds.position.values)
    np.testing.assert_allclose(back.confidence.values, ds.confidence.values)
    assert list(back.keypoints.values) == ["nose", "tailbase"]
    assert back.attrs["scorer"] == "DLC_resnet50_x"
    assert back.attrs["fps"] == 25.0
    np.testing.assert_allclose(back.time.values, np.arange(5) / 25.0)


def test_h5_is_read_like_csv(tmp_path):
    ds = _dataset()
    df = to_dlc_dataframe(ds)
    df.to_hdf(tmp_path / "a.h5", key="df_with_missing")
    back = read_dlc(tmp_path / "a.h5")
    np.testing.assert_allclose(back.position.values, ds.position.values)
    assert back.attrs["fps"] is None


@pytest.mark.real_data
def test_real_deeplabcut_file(sample_data):
    ds = read_dlc(sample_data / "oft_pose_rearing" / "OFT_38DLC_resnet50_OFT_1030000.csv", fps=25)
    assert ds.sizes["time"] == 1998
    assert ds.sizes["keypoints"] == 18
    assert "bodycentre" in ds.keypoints.values
    # first row of the file: tl x, y, likelihood
    np.testing.assert_allclose(ds.position.sel(keypoints="tl").values[0, :, 0], [445.6327736377716, 277.7336497306824])
    np.testing.assert_allclose(ds.confidence.sel(keypoints="tl").values[0, 0], 0.0065651535987854)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        ("a,b,c\n1,2,3\n", "expected 3 header rows"),
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n", "no frames"),
        ("scorer,s,s,s\nindividuals,m1,m1,m1\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,1,2,0.5\n", "multi-animal"),
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,z\n0,1,2,0.5\n", "expected x, y, likelihood"),
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,abc,2,0.5\n", "not a number"),
    ],
)
def test_bad_files_name_file_and_problem(tmp_path, content, message):
    path = tmp_path / "pose.csv"
    path.write_text(content)
    with pytest.raises(OpenfieldError, match=message) as err:
        read_dlc(path)
    assert str(path) in str(err.value)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(OpenfieldError, match="file not found"):
        read_dlc(tmp_path / "nope.csv")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(OpenfieldError, match="unknown file type"):
        read_dlc(tmp_path / "x.txt")


def test_h5_multi_animal_is_refused(tmp_path):
    cols = pd.MultiIndex.from_product([["s"], ["m1"], ["nose"], ["x", "y", "likelihood"]],
                                      names=["scorer", "individuals", "bodyparts", "coords"])
    pd.DataFrame(np.ones((2, 3)), columns=cols).to_hdf(tmp_path / "m.h5", key="df")
    with pytest.raises(OpenfieldError, match="multi-animal"):
        read_dlc(tmp_path / "m.h5")
