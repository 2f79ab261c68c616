"""``openfield study`` end to end: synthetic animals through the kinematics step, then the study."""

import json

import numpy as np
import pandas as pd
import pytest
from study_data import DURATION_S, kinematics_args, write_study_inputs

from openfield.cli import main
from openfield.pipeline.study import OUTPUT_FILES
from openfield.study.bins import ADDITIVE


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Kinematics results of 12 synthetic animals (6 vehicle, 6 drug moving 1.6x more) and their design."""
    root = tmp_path_factory.mktemp("study")
    poses, design = write_study_inputs(root / "poses")
    assert main(kinematics_args(poses, root / "results")) == 0
    return root / "results", design


def test_study_finds_the_difference(results, tmp_path):
    res_dir, design = results
    out = tmp_path / "study"
    measures = "distance_cm,mean_speed_cm_s,time_moving_s,time_center_s"  # few: a mixed model takes ~0.5 s each
    assert main(["study", str(res_dir), "--design", str(design), "--bin-min", "0.25", "--control", "vehicle",
                 "--measures", measures, "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    videos = pd.read_csv(out / "videos.csv")
    assert len(videos) == 12 and {"video", "group", "subject", "sex", "recording", "distance_cm"} <= set(videos.columns)
    ratio = (videos.groupby("group")["distance_cm"].mean()["drug"]
             / videos.groupby("group")["distance_cm"].mean()["vehicle"])
    assert 1.3 < ratio < 1.9
    # groups.csv: the right n, and the mean is the mean of videos.csv
    groups = pd.read_csv(out / "groups.csv").set_index(["group", "measure"])
    assert groups.loc[("drug", "distance_cm"), "n"] == 6 and groups.loc[("vehicle", "distance_cm"), "n"] == 6
    assert groups.loc[("drug", "distance_cm"), "mean"] == pytest.approx(
        videos.loc[videos["group"] == "drug", "distance_cm"].mean())
    # the difference is found, in the right direction, and survives Holm across measures
    stats = pd.read_csv(out / "stats.csv")
    wt = stats[(stats["test"] == "welch_t") & (stats["measure"] == "distance_cm")].iloc[0]
    assert (wt["group_a"], wt["group_b"], wt["n_a"], wt["n_b"]) == ("drug", "vehicle", 6, 6)
    assert wt["p_value"] < 0.05 and wt["p_adjusted"] < 0.05 and wt["effect_size"] > 1 and wt["ci_low"] > 0
    mw = stats[(stats["test"] == "mann_whitney") & (stats["measure"] == "distance_cm")].iloc[0]
    assert mw["p_value"] < 0.05 and mw["effect_size"] > 0.8
    mm = stats[(stats["test"] == "mixed_model") & (stats["measure"] == "distance_cm")].iloc[0]
    assert mm["p_value"] < 0.05 and mm["df"] == 2 and mm["note"] == "partial last bin left out"
    # bins add up to the whole recording, and the last one is flagged partial with its real length
    bins = pd.read_csv(out / "bins.csv")
    assert bins.groupby("recording").size().eq(4).all()
    last = bins[bins["bin"] == 3]
    assert last["partial"].all() and last["bin_length_s"].to_numpy() == pytest.approx(DURATION_S - 45)
    assert bins["bin_start_min"].unique().tolist() == [0, 0.25, 0.5, 0.75]
    sums = bins.groupby("recording")[[*ADDITIVE, "bin_length_s"]].sum()
    whole = videos.set_index("recording")
    assert sums["bin_length_s"].to_numpy() == pytest.approx(whole.loc[sums.index, "duration_s"].to_numpy())
    for m in ADDITIVE:  # the per-frame table is rounded to 1e-4 cm when written: equal within that
        assert sums[m].to_numpy() == pytest.approx(whole.loc[sums.index, m].to_numpy(), abs=1e-3 * DURATION_S * 15)
    assert sums["center_entries"].to_numpy() == pytest.approx(whole.loc[sums.index, "center_entries"].to_numpy())
    gb = pd.read_csv(out / "groups_bins.csv")
    assert set(gb["bin_start_min"]) == {0, 0.25, 0.5, 0.75} and (gb["n"] == 6).all()
    # the workbook: the five sheets, units in the headers, frozen header row
    from openpyxl import load_workbook

    wb = load_workbook(out / "study.xlsx")
    assert wb.sheetnames == ["design", "videos", "bins", "groups", "stats"]
    heads = [c.value for c in wb["videos"][1]]
    assert "distance_cm (cm)" in heads and "mean_speed_cm_s (cm/s)" in heads
    assert "mean_acceleration_cm_s2 (cm/s²)" in heads
    assert wb["stats"].freeze_panes == "A2" and wb["videos"].max_row == 13
    col = heads.index("distance_cm (cm)") + 1
    assert [wb["videos"].cell(r, col).value for r in range(2, 14)] == pytest.approx(videos["distance_cm"].tolist())
    # the report: self-contained, with the design, the figures and the statistics
    page = (out / "study.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "src='http" not in page
    assert "welch_t" in page and "hedges_g" in page and "openfield version" in page
    settings = json.loads((out / "study.json").read_text())["settings"]
    assert settings["bin_min"] == 0.25 and settings["control"] == "vehicle"


def test_study_without_bins_xlsx_design_and_measures(results, tmp_path):
    res_dir, design = results
    xlsx = tmp_path / "design.xlsx"
    pd.read_csv(design).to_excel(xlsx, index=False)
    out = tmp_path / "study"
    assert main(["study", str(res_dir), "--design", str(xlsx), "--measures", "distance_cm,time_moving_s",
                 "-o", str(out)]) == 0
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["measure"]) == {"distance_cm", "time_moving_s"}
    assert set(stats["test"]) == {"welch_t", "mann_whitney"}  # no bins: no mixed model
    assert (stats["adjustment"] == "holm over 2 measures").all()
    bins = pd.read_csv(out / "bins.csv")
    assert len(bins) == 12 and bins["bin_length_s"].to_numpy() == pytest.approx(DURATION_S)


def _fails(argv, capsys, expect, out):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expect in err, err
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
    return err


def _design(tmp_path, rows, name="bad.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_bad_inputs_are_one_line_errors(results, tmp_path, capsys):
    res_dir, design = results
    d = pd.read_csv(design)
    out = tmp_path / "study"
    base = ["study", str(res_dir), "-o", str(out), "--design"]
    # a design row whose video has no results: listed
    extra = _design(tmp_path, [*d.to_dict("records"), {"video": "ghost.mp4", "group": "drug", "subject": "G"},
                               {"video": "phantom.avi", "group": "vehicle", "subject": "P"}])
    _fails([*base, str(extra)], capsys, "no results for 2 design row(s): ghost.mp4, phantom.avi", out)
    # duplicate rows
    dup = _design(tmp_path, [*d.to_dict("records"), d.iloc[0].to_dict()])
    _fails([*base, str(dup)], capsys, "duplicate rows for: mouse00.mp4", out)
    # no group column
    _fails([*base, str(_design(tmp_path, d.drop(columns="group").to_dict("records")))], capsys,
           "has no 'group' column", out)
    # a bin longer than the recordings
    _fails([*base, str(design), "--bin-min", "1"], capsys, "--bin-min 1 is longer than the recording(s)", out)
    _fails([*base, str(design), "--control", "saline"], capsys, "--control 'saline' is not a group", out)
    _fails([*base, str(design), "--measures", "distance_cm,speed"], capsys, "unknown measure(s) speed", out)
    _fails([*base, str(tmp_path / "nope.csv")], capsys, "design sheet not found", out)
    _fails(["study", str(tmp_path / "none"), "--design", str(design), "-o", str(out)], capsys,
           "results folder not found", out)


def test_missing_results_allowed_unmatched_and_small_groups_listed(results, tmp_path, capsys):
    res_dir, design = results
    d = pd.read_csv(design)
    rows = d.iloc[1:].to_dict("records")  # mouse00 has results but no design row
    rows[-1]["group"] = "lonely"  # a group of one
    rows.append({"video": "ghost.mp4", "group": "drug", "subject": "G"})
    sheet = _design(tmp_path, rows)
    out = tmp_path / "study"
    assert main(["study", str(res_dir), "--design", str(sheet), "--allow-missing", "--bin-min", "0.25",
                 "--measures", "distance_cm,time_moving_s", "-o", str(out)]) == 0
    warnings = json.loads((out / "study.json").read_text())["warnings"]
    assert "left out: ghost.mp4 (group drug): no results found" in warnings
    assert any("without a design row, not used: mouse00DLC" in w for w in warnings)
    assert any("group 'lonely' has n=1" in w for w in warnings)
    assert "WARNING study: left out: ghost.mp4 (group drug): no results found" in capsys.readouterr().err
    page = (out / "study.html").read_text()
    assert "ghost.mp4" in page and "no results found" in page and "mouse00DLC" in page
    design_out = pd.read_csv(out / "design.csv")
    assert design_out.loc[design_out["video"] == "ghost.mp4", "included"].tolist() == [False]
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["test"]) == {"welch_t", "mann_whitney", "mixed_model"}  # lonely left out: two groups remain
    wt = stats[stats["test"] == "welch_t"]
    # drug: mouse06-10 (mouse11 is "lonely", ghost has no results); vehicle: mouse01-05 (mouse00 has no row)
    assert (wt["group_a"] == "drug").all() and (wt["n_a"] == 5).all() and (wt["n_b"] == 5).all()
    assert wt["note"].str.contains("group 'lonely' left out: n=1").all()
    mm = stats[stats["test"] == "mixed_model"]
    assert mm["note"].fillna("").str.contains("lonely").all()
    groups = pd.read_csv(out / "groups.csv")
    assert groups.loc[(groups["group"] == "lonely") & (groups["measure"] == "distance_cm"), "n"].tolist() == [1]
    assert np.isnan(groups.loc[(groups["group"] == "lonely"), "sd"]).all()


def test_behaviour_tables_join_the_study(results, tmp_path):
    import shutil

    res_dir, design = results
    copy = tmp_path / "results"
    shutil.copytree(res_dir, copy)
    for frames_path in copy.glob("*_kinematics.csv"):
        stem = frames_path.name[: -len("_kinematics.csv")]
        n = len(pd.read_csv(frames_path))
        labels = np.where(np.arange(n) < 150, "rearing", "other")  # 10 s of rearing at 15 fps, in the first bin
        pd.DataFrame({"frame": np.arange(n), "time_s": np.arange(n) / 15, "label": labels}).to_csv(
            copy / f"{stem}_behavior.csv", index=False)
        pd.DataFrame([{"file": stem, "time_rearing_s": 10.0, "bouts_rearing": 1}]).to_csv(
            copy / f"{stem}_behavior_summary.csv", index=False)
    out = tmp_path / "study"
    assert main(["study", str(copy), "--design", str(design), "--bin-min", "0.25",
                 "--measures", "time_rearing_s,bouts_rearing", "-o", str(out)]) == 0
    bins = pd.read_csv(out / "bins.csv")
    assert bins.groupby("bin")["time_rearing_s"].mean().tolist() == pytest.approx([10.0, 0, 0, 0])
    videos = pd.read_csv(out / "videos.csv")
    assert (videos["time_rearing_s"] == 10.0).all() and (videos["bouts_rearing"] == 1).all()
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["measure"]) == {"time_rearing_s", "bouts_rearing"}
    per_animal = stats[stats["test"] != "mixed_model"]
    assert per_animal["note"].str.startswith("skipped: the measure has the same value").all()
    mm = stats[stats["test"] == "mixed_model"].iloc[0]  # rearing per bin: 10, 0, 0 s in both groups
    assert mm["measure"] == "time_rearing_s" and mm["p_value"] > 0.05
