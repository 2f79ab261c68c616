"""DeepLabCut .h5 files read without unpickling: the same table as pandas for honest files, refusal for crafted ones."""

import os
import pickle

import h5py
import numpy as np
import pandas as pd
import pytest

from openfield.errors import OpenfieldError
from openfield.io import read_dlc
from openfield.io.pose_h5 import plain_unpickle, read_h5_table


class Payload:
    """An object whose unpickling creates a marker folder (what a crafted file would do, harmlessly)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _frame(n=4):
    cols = pd.MultiIndex.from_product([["DLC_resnet50_x"], ["nose", "tailbase"], ["x", "y", "likelihood"]],
                                      names=["scorer", "bodyparts", "coords"])
    values = np.arange(n * 6, dtype=float).reshape(n, 6) / 7.0
    values[1, 0] = np.nan
    return pd.DataFrame(values, columns=cols)


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_honest_files_read_as_pandas_reads_them(tmp_path, fmt):
    df = _frame()
    path = tmp_path / "a.h5"
    df.to_hdf(path, key="df_with_missing", format=fmt)
    got = read_h5_table(path)
    assert list(got.columns) == list(df.columns)
    assert list(got.columns.names) == ["scorer", "bodyparts", "coords"]
    np.testing.assert_array_equal(got.to_numpy(), df.to_numpy())  # NaN where NaN
    ds = read_dlc(path, fps=10)
    assert ds.position.sel(keypoints="tailbase", space="y").values[2, 0] == pytest.approx(df.iloc[2, 4])


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_blocks_of_several_number_types_keep_the_column_order(tmp_path, fmt):
    df = _frame()
    df[("DLC_resnet50_x", "nose", "likelihood")] = 1  # an int block between float ones
    df.to_hdf(tmp_path / "b.h5", key="df_with_missing", format=fmt)
    got = read_h5_table(tmp_path / "b.h5")
    assert list(got.columns) == list(df.columns)
    np.testing.assert_array_equal(got.to_numpy(), df.to_numpy(dtype=float))


@pytest.mark.real_data
def test_real_deeplabcut_h5_read_as_pandas_reads_it(sample_data):
    path = sample_data / "dlc_openfield" / "labeled-data" / "m4s1" / "CollectedData_Pranav.h5"
    got, want = read_h5_table(path), pd.read_hdf(path)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy(dtype=float))


def test_object_column_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "PAYLOAD_RAN"
    df = _frame().astype(object)
    df.iloc[0, 0] = Payload(marker)
    path = tmp_path / "crafted.h5"
    with pytest.warns(pd.errors.PerformanceWarning):
        df.to_hdf(path, key="df_with_missing")
    with pytest.raises(OpenfieldError, match="pickled Python objects") as err:
        read_dlc(path)
    assert str(path) in str(err.value)
    assert not marker.exists()
    pd.read_hdf(path)  # the proof that the file is armed: pandas runs the payload
    assert marker.exists()


def test_pickled_attribute_payload_is_refused_not_run(tmp_path):
    """A "table" file whose column-name attribute is a pickle naming a function: PyTables would call it."""
    marker = tmp_path / "PAYLOAD_RAN"
    path = tmp_path / "crafted_table.h5"
    _frame().to_hdf(path, key="df_with_missing", format="table")
    with h5py.File(path, "r+") as fh:
        fh["df_with_missing/table"].attrs["values_block_0_kind"] = np.bytes_(pickle.dumps(Payload(marker),
                                                                                         protocol=0))
    with pytest.raises(OpenfieldError, match="pickled"):
        read_dlc(path)
    assert not marker.exists()


def test_plain_unpickle_builds_data_and_refuses_classes(tmp_path):
    assert plain_unpickle(pickle.dumps([("a", "b"), {"k": 1.5}, None], protocol=0)) == [("a", "b"), {"k": 1.5}, None]
    with pytest.raises(pickle.UnpicklingError, match="posix.mkdir|os.mkdir|nt.mkdir"):
        plain_unpickle(pickle.dumps(Payload(tmp_path / "x")))
    assert not (tmp_path / "x").exists()


def test_text_file_named_h5_is_refused_clearly(tmp_path):
    path = tmp_path / "x.h5"
    path.write_text("this is not HDF5\n")
    with pytest.raises(OpenfieldError, match="not an HDF5 file") as err:
        read_dlc(path)
    assert str(path) in str(err.value)


def test_h5_without_pandas_table_is_refused(tmp_path):
    path = tmp_path / "raw.h5"
    with h5py.File(path, "w") as fh:
        fh["data"] = np.ones((3, 3))
    with pytest.raises(OpenfieldError, match="no pandas table"):
        read_dlc(path)
