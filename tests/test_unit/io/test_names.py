"""Output file names, built in one module (openfield.io.names): the names the docs promise, written out here."""

from pathlib import Path

import pandas as pd

from openfield.io.behavior import write_timeline_files
from openfield.io.names import (
    arena_stem,
    behavior_paths,
    kinematics_tables,
    labeled_video_path,
    output_paths,
    prediction_record_path,
    silhouette_path,
    split_arena_stem,
)
from openfield.pipeline.results import find_results


def test_a_recordings_names(tmp_path):
    out = tmp_path
    assert {k: p.name for k, p in output_paths("m", out).items()} == {
        "calibration": "m_calibration.json", "pose": "m_pose.csv", "kinematics": "m_kinematics.csv",
        "locomotor_bouts": "m_locomotor_bouts.csv", "summary": "m_summary.csv", "trajectory": "m_trajectory.png",
        "heatmap": "m_heatmap.png", "speed": "m_speed.png", "bout_acceleration": "m_bout_acceleration.png"}
    assert {k: p.name for k, p in behavior_paths("m", out).items()} == {
        "behavior": "m_behavior.csv", "bouts": "m_bouts.csv", "summary": "m_behavior_summary.csv",
        "ethogram": "m_ethogram.png"}
    assert [p.name for p in kinematics_tables("m", out)] == ["m_kinematics.csv", "m_kinematics.parquet"]
    assert labeled_video_path("m", out).name == "m_labeled.mp4"
    assert prediction_record_path(out, "m").name == "m_vit_predict.json"
    assert silhouette_path(out / "m_pose.csv").name == "m_silhouette.csv"
    assert all(p.parent == out for p in [*output_paths("m", out).values(), *behavior_paths("m", out).values()])


def test_arena_stems_split_back():
    assert arena_stem("cage", 3) == "cage_a3" and arena_stem("cage", "3") == "cage_a3"
    assert split_arena_stem("cage_a3") == ("cage", 3)
    assert split_arena_stem("cage_a1_a12") == ("cage_a1", 12)
    assert split_arena_stem("cage") is None and split_arena_stem("cage_a") is None and split_arena_stem("_a") is None


def test_the_behaviour_writer_and_the_results_reader_use_the_same_names(tmp_path):
    """Written by io.behavior, found by pipeline.results: the behaviour summary is not taken for a recording."""
    import matplotlib.pyplot as plt

    fig = plt.figure()
    paths = write_timeline_files(tmp_path, "m", pd.DataFrame({"frame": [0]}), pd.DataFrame({"behavior": []}),
                                 {"file": "m.mp4"}, fig)
    plt.close(fig)
    assert paths == behavior_paths("m", tmp_path)
    pd.DataFrame({"video": ["m.mp4"]}).to_csv(output_paths("m", tmp_path)["summary"], index=False)
    pd.DataFrame({"x": [0.0]}).to_csv(output_paths("m", tmp_path)["kinematics"], index=False)
    found = find_results([tmp_path])
    assert list(found) == ["m"]
    assert found["m"].behavior == paths["behavior"] and found["m"].behavior_summary == paths["summary"]
    assert isinstance(found["m"].summary, Path)
