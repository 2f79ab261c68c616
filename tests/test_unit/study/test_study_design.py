"""The design sheet: reading, checks, matching to results; the workbook's headers."""

import io

import pandas as pd
import pytest

from openfield.errors import OpenfieldError
from openfield.pipeline.results import find_empty_arenas, find_results
from openfield.study.design import (
    Recording,
    match_design,
    read_design,
    video_stem,
)
from openfield.study.workbook import header, unit, workbook_bytes


def _sheet(tmp_path, text, name="design.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_video_stem():
    assert video_stem("a/b/m1.mp4") == "m1" and video_stem("m1") == "m1" and video_stem("m1.AVI") == "m1"
    assert video_stem("mouse.v2") == "mouse.v2"  # not a known extension: kept


def test_read_design_normalises_and_fills_subject(tmp_path):
    d = read_design(_sheet(tmp_path, " Video , GROUP ,dose,Litter\nm1.mp4, veh ,0,A\nm2,drug,1,\n\n"))
    assert list(d.columns) == ["video", "group", "dose", "Litter", "stem", "subject"]
    assert d["group"].tolist() == ["veh", "drug"] and d["subject"].tolist() == ["m1", "m2"]


@pytest.mark.parametrize(("text", "message"), [
    ("video,treatment\nm1,a\n", "has no 'group' column (it has: video, treatment)"),
    ("group\na\n", "has no 'video' column"),
    ("video,group\nm1,a\nm1.mp4,b\n", "duplicate rows for: m1, m1.mp4"),
    ("video,group\nm1,a\nm2,\n", "empty 'group' in row(s) 3"),
])
def test_read_design_errors(tmp_path, text, message):
    with pytest.raises(OpenfieldError, match="design.csv: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        read_design(_sheet(tmp_path, text))


def test_read_design_wrong_type(tmp_path):
    with pytest.raises(OpenfieldError, match="must be a .csv or .xlsx"):
        read_design(_sheet(tmp_path, "x", "design.txt"))


def test_match_design(tmp_path):
    d = read_design(_sheet(tmp_path, "video,group\nm1.mp4,a\nm2,b\nm3,b\n"))
    res = {s: Recording(s, tmp_path / f"{s}_summary.csv", tmp_path / f"{s}_kinematics.csv")
           for s in ("m1DLC_resnet50_x", "m2", "extra")}
    with pytest.raises(OpenfieldError, match=r"no results for 1 design row\(s\): m3 \(--allow-missing"):
        match_design(d, res)
    m = match_design(d, res, allow_missing=True)
    assert m.design["recording"].tolist() == ["m1DLC_resnet50_x", "m2"]
    assert m.missing["video"].tolist() == ["m3"] and m.unmatched == ["extra"]
    res["m1DLC_other"] = res["m2"]
    with pytest.raises(OpenfieldError, match="matches several results"):
        match_design(d, res, allow_missing=True)


def test_find_results(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "summary_all.csv").write_text("x\n")
    for name in ("m1_summary.csv", "m1_kinematics.csv", "m1_behavior_summary.csv", "m1_behavior.csv"):
        (a / name).write_text("x\n")
    r = find_results([a])
    assert list(r) == ["m1"] and r["m1"].behavior == a / "m1_behavior.csv"
    with pytest.raises(OpenfieldError, match="no results in this folder"):
        find_results([a, b])
    (b / "m1_summary.csv").write_text("x\n")
    (b / "m1_bouts_summary.csv").write_text("x\n")
    with pytest.raises(OpenfieldError, match="no results in this folder"):  # no per-frame table: not a recording
        find_results([a, b])
    (b / "m1_kinematics.csv").write_text("x\n")
    with pytest.raises(OpenfieldError, match="recording 'm1' is in two results folders"):
        find_results([a, b])
    (b / "m1_kinematics.csv").unlink()
    (b / "m2_summary.csv").write_text("x\n")
    (b / "m2_kinematics.parquet").write_bytes(b"PAR1")  # `--table-format parquet`
    r = find_results([a, b])
    assert r["m2"].kinematics == b / "m2_kinematics.parquet"


def test_units_and_workbook():
    assert [unit(c) for c in ("distance_cm", "mean_speed_cm_s", "mean_acceleration_cm_s2", "time_center_s",
                              "bin_start_min", "center_entries", "n", "p_value")] == \
        ["cm", "cm/s", "cm/s²", "s", "min", "count", "count", ""]
    assert header("distance_cm") == "distance_cm (cm)" and header("group") == "group"
    from openpyxl import load_workbook

    df = pd.DataFrame({"group": ["a", "b"], "distance_cm": [1.5, float("nan")]})
    wb = load_workbook(io.BytesIO(workbook_bytes({"videos": df})))
    ws = wb["videos"]
    assert [c.value for c in ws[1]] == ["group", "distance_cm (cm)"] and ws.freeze_panes == "A2"
    assert ws["B2"].value == 1.5 and ws["B3"].value is None and ws["A1"].font.bold
    assert ws.column_dimensions["B"].width >= len("distance_cm (cm)")


def _recordings(tmp_path, stems):
    return {s: Recording(s, tmp_path / f"{s}_summary.csv", tmp_path / f"{s}_kinematics.csv") for s in stems}


def test_design_arena_column_maps_video_and_arena_to_the_recording(tmp_path):
    """``arena`` K names ``<stem>_a<K>``; empty (or 1 for a video run without --arenas) names the video itself."""
    d = read_design(_sheet(tmp_path, "video,arena,group,subject\ncage1.mp4,1,veh,m1\ncage1.mp4, 2.0 ,drug,\n"
                                     "cage2,3,veh,m3\nsolo.mp4,,drug,m4\nalone.mp4,1,veh,m5\n"))
    assert d["arena"].tolist() == ["1", "2", "3", "", "1"]
    assert d["subject"].tolist() == ["m1", "cage1_a2", "m3", "m4", "m5"]  # default subject: the arena's recording
    res = _recordings(tmp_path, ["cage1_a1", "cage1_a2", "cage1_a3", "cage2_a3", "solo", "alone"])
    m = match_design(d, res)
    assert m.design["recording"].tolist() == ["cage1_a1", "cage1_a2", "cage2_a3", "solo", "alone"]
    assert m.unmatched == ["cage1_a3"]


def test_design_arena_errors(tmp_path):
    with pytest.raises(OpenfieldError, match=r"'arena' must be a whole number >= 1 .*row\(s\) 3 \('0'\), 4 \('b'\)"):
        read_design(_sheet(tmp_path, "video,arena,group\nc.mp4,1,a\nc.mp4,0,a\nc.mp4,b,a\n"))
    with pytest.raises(OpenfieldError, match="duplicate rows for: c.mp4 arena 2 .one row per video and arena."):
        read_design(_sheet(tmp_path, "video,arena,group\nc.mp4,2,a\nc.mp4,02,b\n"))
    res = _recordings(tmp_path, ["cage_a1", "cage_a2"])
    # a whole video named where its results are per arena: say which arena
    d = read_design(_sheet(tmp_path, "video,group\ncage.mp4,a\n"))
    with pytest.raises(OpenfieldError, match=r"'cage.mp4' was analysed as 2 arenas \(cage_a1, cage_a2\).*'arena'"):
        match_design(d, res, allow_missing=True)
    # an arena without results, and one that is empty: listed with the reason
    d = read_design(_sheet(tmp_path, "video,arena,group\ncage.mp4,1,a\ncage.mp4,3,a\ncage.mp4,4,b\n"))
    with pytest.raises(OpenfieldError, match=r"no results for 2 design row\(s\): cage.mp4 arena 3, cage.mp4 arena 4 "
                                             r"\(empty arena: no animal found in any frame\)"):
        match_design(d, res, empty={"cage_a4"})
    m = match_design(d, res, allow_missing=True, empty={"cage_a4"})
    assert m.missing["reason"].tolist() == ["no results found", "empty arena: no animal found in any frame"]
    # arena 1 names the video itself only when the video has no per-arena results
    d = read_design(_sheet(tmp_path, "video,arena,group\ncage.mp4,1,a\n"))
    assert match_design(d, {**res, "cage": res["cage_a1"]}).design["recording"].tolist() == ["cage_a1"]


def test_find_empty_arenas(tmp_path):
    (tmp_path / "cage_a4_summary.csv").write_text("video,arena,distance_cm,qc_flags\ncage.mp4,4,,empty_arena\n")
    (tmp_path / "cage_a3_summary.csv").write_text("video,arena,distance_cm,qc_flags\ncage.mp4,3,,high_missing\n")
    (tmp_path / "cage_a1_summary.csv").write_text("video,arena,distance_cm,qc_flags\ncage.mp4,1,5.0,empty_arena\n")
    (tmp_path / "cage_a1_kinematics.csv").write_text("x\n")  # a per-frame table: a recording, not an empty arena
    (tmp_path / "cage_a2_summary.csv").write_text("no qc column\n1\n")
    assert find_empty_arenas([tmp_path]) == {"cage_a4"}
