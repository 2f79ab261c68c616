"""The frame-times file beside a variable-frame-rate video's pose: written and read back exactly, bad files refused."""

import re

import numpy as np
import pytest

from openfield.errors import OpenfieldError
from openfield.io.timestamps import read_frame_times, write_frame_times


def test_frame_times_round_trip_every_digit(tmp_path):
    ms = 1234.5 + np.cumsum(np.random.default_rng(0).uniform(10, 60, 500)) / 3.0  # no short decimal form
    path = write_frame_times(ms, tmp_path / "m_frame_times.csv")
    assert path.read_text().splitlines()[0] == "frame,timestamp_ms"
    back = read_frame_times(path)
    assert back.dtype == float and np.array_equal(back, ms)
    assert not [p for p in tmp_path.iterdir() if p.name != path.name]  # written atomically: nothing else left


@pytest.mark.parametrize(("text", "message"), [
    ("frame,time\n0,1.0\n", "has the columns frame, timestamp_ms, this one frame, time"),
    ("frame,timestamp_ms\n0,1.0\n2,3.0\n", "numbered 0, 1, 2"),
    ("frame,timestamp_ms\n0,1.0\n1,x\n", "1 frame time(s) missing or not a number, the first at frame 1"),
    ("frame,timestamp_ms\n0,1.0\n1,40.5\n2,40.5\n", "frame times do not increase (frame 2: 40.500 ms after 40.500 ms)"),
    ("", "cannot read the frame times"),
])
def test_bad_frame_times_files_are_refused_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad_frame_times.csv"
    path.write_text(text)
    with pytest.raises(OpenfieldError, match=re.escape(message)) as err:
        read_frame_times(path)
    assert err.value.path == str(path)
    with pytest.raises(OpenfieldError, match="frame-times file not found"):
        read_frame_times(tmp_path / "missing.csv")
