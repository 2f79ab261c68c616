"""Labels from the tools labs use: BORIS exports (aggregated and tabular events) and per-frame 0/1 tables.

The BORIS files are written here as BORIS writes them (columns and header block
of ``boris/export_observation.py`` and its test files in
github.com/olivierfriard/BORIS v9.12.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield.behavior.labels import detect_label_format, read_interval_labels, read_labels
from openfield.behavior.timeline import intervals_to_frames
from openfield.errors import OpenfieldError

FPS = 25.0

INTERVALS = pd.DataFrame({
    "ID": "OFT_38",
    "rater": ["Jin", "Jin", "Jin", "Ann", "Ann", "Ann"],
    "start_s": [2.461, 5.815, 11.94, 5.9, 12.0, 20.04],
    "end_s": [3.257, 7.044, 14.336, 7.1, 14.2, 21.5],
    "behavior": ["Start/End", "Supported", "Unsupported", "Supported", "Unsupported", "Grooming"],
})

AGGREGATED_COLUMNS = ["Observation id", "Observation date", "Description", "Media file", "Total length", "FPS",
                      "Subject", "Behavior", "Behavioral category", "Modifiers", "Behavior type", "Start (s)",
                      "Stop (s)", "Duration (s)", "Comment start", "Comment stop"]


def boris_aggregated(df: pd.DataFrame, sep: str = "\t") -> str:
    """An aggregated-events export of the intervals, one observation per rater, plus a POINT event."""
    lines = [sep.join(AGGREGATED_COLUMNS)]
    for r in df.itertuples():
        lines.append(sep.join([r.rater, "2024-01-01 10:00:00", "", "OFT_38.mp4", "80.000", "25.0", "No focal subject",
                               r.behavior, "", "", "STATE", f"{r.start_s:.3f}", f"{r.end_s:.3f}",
                               f"{r.end_s - r.start_s:.3f}", "", ""]))
    lines.append(sep.join(["Jin", "2024-01-01 10:00:00", "", "OFT_38.mp4", "80.000", "25.0", "No focal subject",
                           "Sniff", "", "", "POINT", "30.000", "30.000", "NA", "", ""]))
    return "\n".join(lines) + "\n"


def boris_tabular(df: pd.DataFrame, observation: str, status_column: str = "Status") -> str:
    """A tabular-events export (header block, then one START and one STOP row per state event)."""
    block = [["Observation id", observation], [], ["Media file(s)"], [], ["Player #1", "OFT_38.mp4"], [],
             ["Observation date", "2024-01-01 10:00:00"], [], ["Description"], [], ["Time offset (s)", "0.0"], [],
             ["independent variables"], ["variable", "value"], []]
    header = ["Time", "Media file path", "Total length", "FPS", "Subject", "Behavior", "Behavioral category",
              "Comment", status_column]
    events = []
    for r in df.itertuples():
        events += [(r.start_s, r.behavior, "START"), (r.end_s, r.behavior, "STOP")]
    rows = [[f"{t:.3f}", "OFT_38.mp4", "80.000", "25.0", "", b, "", "", s] for t, b, s in sorted(events)]
    return "\n".join("\t".join(r + [""] * (9 - len(r))) for r in [*block, header, *rows]) + "\n"


def frames_of(table: pd.DataFrame, n: int = 2000) -> dict[str, np.ndarray]:
    return intervals_to_frames(table, n, FPS)


@pytest.mark.parametrize("sep", ["\t", ","])
def test_boris_aggregated_gives_the_interval_csv_frames(tmp_path, sep):
    INTERVALS.to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "boris.tsv").write_text(boris_aggregated(INTERVALS, sep))
    assert detect_label_format(tmp_path / "boris.tsv") == "boris"
    assert detect_label_format(tmp_path / "labels.csv") == "intervals"
    expected = frames_of(read_interval_labels(tmp_path / "labels.csv"))
    got = frames_of(read_labels(tmp_path / "boris.tsv", FPS, mapping={"sniff": "other"}))
    assert got.keys() == expected.keys() == {"Jin", "Ann"}
    for rater in expected:
        np.testing.assert_array_equal(got[rater], expected[rater])
    # a known answer: frames 501..536 have their centres (i + 0.5) / 25 s inside [20.04, 21.5)
    np.testing.assert_array_equal(np.flatnonzero(got["Ann"] == "grooming"), np.arange(501, 537))


def test_boris_tabular_with_header_block(tmp_path):
    for rater, status in (("Jin", "Status"), ("Ann", "Behavior type")):
        one = INTERVALS[INTERVALS.rater == rater]
        (tmp_path / f"{rater}.tsv").write_text(boris_tabular(one, rater, status))
        assert detect_label_format(tmp_path / f"{rater}.tsv") == "boris"
        got = read_labels(tmp_path / f"{rater}.tsv", FPS)
        assert set(got["rater"]) == {rater}  # the observation id of the header block
        expected = read_interval_labels(_csv(tmp_path, one))
        np.testing.assert_array_equal(frames_of(got)[rater], frames_of(expected)[rater])


def _csv(tmp_path, df):
    path = tmp_path / "one.csv"
    df.to_csv(path, index=False)
    return path


def test_frame_table_round_trip(tmp_path):
    """A SimBA-style table (frame column, a feature, one 0/1 column per behaviour) gives back its frames."""
    n = 300
    rng = np.random.default_rng(1)
    rear = np.zeros(n, int)
    rear[20:60] = 1
    rear[200:230] = 1
    groom = np.zeros(n, int)
    groom[100:150] = 1
    pd.DataFrame({"frame": np.arange(n), "Nose_x": rng.normal(100, 5, n), "Rearing": rear,
                  "Grooming": groom}).to_csv(tmp_path / "simba.csv", index=False)
    assert detect_label_format(tmp_path / "simba.csv") == "frames"
    labels = read_labels(tmp_path / "simba.csv", FPS, n_frames=n)
    got = frames_of(labels, n)["simba"]
    expected = np.where(rear == 1, "rearing", np.where(groom == 1, "grooming", "other"))
    np.testing.assert_array_equal(got, expected)


def test_bad_label_files_one_line_each(tmp_path):
    one = INTERVALS[INTERVALS.rater == "Jin"]
    text = boris_tabular(one, "Jin")
    lines = text.splitlines()
    stop = next(i for i, line in enumerate(lines) if "Supported" in line and "STOP" in line)
    (tmp_path / "unpaired.tsv").write_text("\n".join(lines[:stop] + lines[stop + 1:]) + "\n")
    with pytest.raises(OpenfieldError, match=r"START of 'Supported' at 5.815 s \(line \d+\) has no STOP") as err:
        read_labels(tmp_path / "unpaired.tsv", FPS)
    assert "\n" not in str(err.value) and "unpaired.tsv" in str(err.value)

    pd.DataFrame({"rearing": np.zeros(120, int)}).to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(OpenfieldError, match="has 120 rows but the pose has 100 frames") as err:
        read_labels(tmp_path / "long.csv", FPS, n_frames=100)
    assert "\n" not in str(err.value)

    (tmp_path / "dig.tsv").write_text(boris_aggregated(INTERVALS.assign(behavior="Digging")))
    with pytest.raises(OpenfieldError, match=r"unknown behavior name\(s\) \['Digging'\]") as err:
        read_labels(tmp_path / "dig.tsv", FPS)
    assert "\n" not in str(err.value) and "--label-map" in str(err.value)
    pd.DataFrame({"Digging": [0, 1, 1, 0]}).to_csv(tmp_path / "dig.csv", index=False)
    with pytest.raises(OpenfieldError, match=r"unknown behavior name\(s\) \['Digging'\]"):
        read_labels(tmp_path / "dig.csv", FPS)
    with pytest.raises(OpenfieldError, match="--labels-format must be one of"):
        read_labels(tmp_path / "dig.csv", FPS, fmt="simba")
