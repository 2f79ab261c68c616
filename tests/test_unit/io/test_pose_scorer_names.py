"""A DeepLabCut CSV re-saved by pandas from a one-level read numbers its repeated scorer names ("s", "s.1",
"s.2", ...), as the VAME project's shared file does: read as one scorer; two real scorers stay refused."""

import numpy as np
import pytest

from openfield.errors import OpenfieldError
from openfield.io.pose import read_dlc


def _write(path, names):
    rows = ["scorer," + ",".join(names), "bodyparts,nose,nose,nose,tail,tail,tail",
            "coords,x,y,likelihood,x,y,likelihood", "0,1.5,2.5,0.9,10,20,0.8", "1,3.5,4.5,1.0,11,21,0.7"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_numbered_scorer_names_are_one_scorer(tmp_path):
    ds = read_dlc(_write(tmp_path / "p.csv", ["DLC", "DLC.1", "DLC.2", "DLC.3", "DLC.4", "DLC.5"]), fps=25)
    assert list(ds["keypoints"].values) == ["nose", "tail"]
    nose = ds["position"].sel(keypoints="nose").isel(individuals=0).transpose("time", "space").values
    np.testing.assert_array_equal(nose, [[1.5, 2.5], [3.5, 4.5]])
    np.testing.assert_array_equal(ds["confidence"].sel(keypoints="tail").isel(individuals=0).values, [0.8, 0.7])


def test_two_scorers_are_still_refused(tmp_path):
    with pytest.raises(OpenfieldError, match="expected one scorer"):
        read_dlc(_write(tmp_path / "p.csv", ["A", "A", "A", "B", "B", "B"]), fps=25)


@pytest.mark.real_data
def test_the_vame_bottom_view_pose_reads(sample_data):
    ds = read_dlc(sample_data / "real_round" / "vame_bottomview_round_dlc.csv", fps=25)
    assert ds.sizes["time"] == 750
    assert list(ds["keypoints"].values)[0] == "Nose" and list(ds["keypoints"].values)[-1] == "Tailroot"
    np.testing.assert_allclose(ds["position"].sel(keypoints="Nose").isel(individuals=0, time=0).values,
                               [379.3179750442505, 911.2349543571472])
