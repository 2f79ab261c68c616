"""Reading and writing DeepLabCut pose tables."""

import numpy as np
import pandas as pd
import pytest

from openfield.errors import OpenfieldError
from openfield.io import from_numpy, pose, read_dlc, write_dlc_csv
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


# --- the fast (pyarrow) CSV reader against pandas ---------------------------------------------------------


def _pandas_dataset(path, fps=None):
    """What :func:`read_dlc` gives when pandas reads the file (the reader's fallback)."""
    return pose._table_to_dataset(pose._read_csv_pandas(path), path, fps)


def _same_dataset(a, b):
    a, b = a.copy(), b.copy()
    assert a.identical(b), (a, b)
    # bit for bit (identical() compares by value: -0.0 == 0.0), NaN where NaN
    assert a.position.values.tobytes() == b.position.values.tobytes()
    assert a.confidence.values.tobytes() == b.confidence.values.tobytes()


def _messy_pose_csv(path, n=500, seed=1):
    """A DeepLabCut CSV with the digits DeepLabCut writes, NaN gaps, integers and some of pandas' NA words."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 640, (n, 3, 2)) * rng.choice([1.0, 1e-5, 1e5], (n, 3, 2))
    pos[rng.random((n, 3)) < 0.05] = np.nan
    pos[::7, 1] = np.round(pos[::7, 1])  # integers
    conf = rng.random((n, 3)).astype(np.float32).astype(float)  # float32 likelihoods, as DeepLabCut's
    path = write_dlc_csv(from_numpy(pos, conf, ["nose", "body centre", "1"], scorer="DLC_resnet50_x"), path)
    lines = path.read_text().splitlines()
    for i, word in zip(range(10, 400, 40), ["NA", "None", "<NA>", "nan", "NaN", "#N/A", "null", "N/A", "-nan", ""],
                       strict=False):
        cells = lines[i].split(",")
        cells[4] = word
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fast_reader_gives_the_table_pandas_reads(tmp_path):
    path = _messy_pose_csv(tmp_path / "pose.csv")
    rows = pose._check_csv_header(path)
    fast = pose._read_csv_pyarrow(path, rows)
    assert fast is not None  # the plain layout: pyarrow reads it
    slow = pd.read_csv(path, header=[0, 1, 2], index_col=0, float_precision="round_trip")
    assert fast.columns.equals(slow.columns) and fast.columns.names == slow.columns.names
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast.to_numpy(), slow.to_numpy())  # exactly, NaN where NaN
    # pandas' default parser (read_dlc's before) is off in the last digits of long decimals
    default = pd.read_csv(path, header=[0, 1, 2], index_col=0).to_numpy()
    np.testing.assert_allclose(fast.to_numpy(), default, rtol=1e-12, atol=0)


def test_read_dlc_csv_is_the_pandas_read_bit_for_bit(tmp_path, monkeypatch):
    path = _messy_pose_csv(tmp_path / "pose.csv")
    expected = _pandas_dataset(path, 30.0)
    # the fast path, with pandas' CSV reader out of reach
    with monkeypatch.context() as m:
        m.setattr(pose.pd, "read_csv", lambda *a, **k: pytest.fail("pandas read the plain CSV"))
        got = read_dlc(path, fps=30.0)
    _same_dataset(got, expected)
    assert list(got.keypoints.values) == ["nose", "body centre", "1"]
    assert got.attrs["scorer"] == "DLC_resnet50_x"


def test_values_are_the_closest_doubles_to_the_decimals(tmp_path):
    text = ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n"
            "0,0.00014710426330566406,445.6327736377716,9.503960609436035e-05\n1,-0,140,1e-320\n")
    (tmp_path / "p.csv").write_text(text)
    ds = read_dlc(tmp_path / "p.csv")
    assert ds.position.values[0, :, 0, 0].tolist() == [0.00014710426330566406, 445.6327736377716]
    assert ds.confidence.values[:, 0, 0].tolist() == [9.503960609436035e-05, 1e-320]
    assert ds.position.values[1, :, 0, 0].tolist() == [0.0, 140.0]


@pytest.mark.parametrize(
    ("content", "fast"),
    [
        # coordinates in another order, body parts apart: still the fast path, same table
        ("scorer,s,s,s,s,s,s\nbodyparts,a,b,a,b,a,b\ncoords,y,x,likelihood,likelihood,x,y\n0,1,2,.5,.6,3,4\n"
         "1,5,6,.7,.8,7,8\n", True),
        # blank lines, Windows line ends, a byte-order mark, quoted numbers, spaces: the fast path too
        ("\ufeffscorer,s,s,s\r\nbodyparts,n,n,n\r\ncoords,x,y,likelihood\r\n0,\"1.5\", 2 ,0.5\r\n\r\n1,3,4,0.6\r\n",
         True),
        # a fourth row naming the index: pandas drops it
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\nframe,,,\n0,1,2,0.5\n1,3,4,0.6\n", False),
        # a short row: pandas fills it with NaN; a long row: pandas drops what is too much
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,1,2,0.5\n1,3\n", False),
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,1,2,0.5\n1,3,4,0.5,7,8\n", False),
        # infinities
        ("scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,inf,-Infinity,0.5\n", False),
        # a header name over two lines
        ("scorer,s,s,s\nbodyparts,\"a\nb\",\"a\nb\",\"a\nb\"\ncoords,x,y,likelihood\n0,1,2,0.5\n", False),
    ],
)
def test_unusual_files_read_as_pandas_reads_them(tmp_path, content, fast):
    path = tmp_path / "pose.csv"
    path.write_bytes(content.encode())
    assert (pose._read_csv_pyarrow(path, pose._check_csv_header(path)) is not None) == fast
    _same_dataset(read_dlc(path, fps=25.0), _pandas_dataset(path, 25.0))


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("0,abc,2,0.5", "body part 'n' has a value that is not a number"),
        ("0,1e400,2,0.5", "not a number"),  # pyarrow would read inf; pandas not
        ("0,NAN,2,0.5", "not a number"),  # pyarrow would read NaN; pandas not
        ("0,1,2,  ", "not a number"),
        ('0,"1,2,0.5', "cannot parse as a DeepLabCut CSV"),  # a quote never closed
    ],
)
def test_bad_values_give_pandas_reader_messages(tmp_path, cells, message):
    path = tmp_path / "pose.csv"
    path.write_text(f"scorer,s,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n1,2,3,0.5\n{cells}\n")
    with pytest.raises(OpenfieldError, match=message) as fast:
        read_dlc(path)
    with pytest.raises(OpenfieldError) as slow:
        _pandas_dataset(path)
    assert str(fast.value) == str(slow.value)
    assert str(path) in str(fast.value)


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "pose.csv"
    path.write_bytes(b"scorer,s\xe9,s,s\nbodyparts,n,n,n\ncoords,x,y,likelihood\n0,1,2,0.5\n")
    with pytest.raises(OpenfieldError, match="not a text") as err:
        read_dlc(path)
    assert str(path) in str(err.value)


def test_na_words_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(pose._NA_VALUES) == set(STR_NA_VALUES)


@pytest.mark.real_data
def test_real_deeplabcut_files_read_as_pandas_reads_them(sample_data):
    out = sample_data / "oft_pose_rearing" / "OFT_38DLC_resnet50_OFT_1030000.csv"
    assert pose._read_csv_pyarrow(out, pose._check_csv_header(out)) is not None  # the fast path
    _same_dataset(read_dlc(out, fps=25.0), _pandas_dataset(out, 25.0))
    # DeepLabCut's example labels (x, y only, image paths for frames): the same message either way
    labels = sample_data / "dlc_openfield" / "labeled-data" / "m4s1" / "CollectedData_Pranav.csv"
    with pytest.raises(OpenfieldError, match="expected x, y, likelihood") as fast:
        read_dlc(labels)
    with pytest.raises(OpenfieldError) as slow:
        _pandas_dataset(labels)
    assert str(fast.value) == str(slow.value)
