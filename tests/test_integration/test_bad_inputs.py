"""The fault and bad-input suite (issue 22): every hostile-but-fair input tried, each with what the user must see.

A batch never dies of one input; nothing stale, nothing silent; nothing from
a shared file runs. Each case is one test; docs/quality.md lists them in a
table (input, what the user sees, what is kept). The videos are small
synthetic ones (4 s, 15 frames/s, 320x240) with a known answer.
"""

import io
import json
import os
import shutil
import struct

import cv2
import numpy as np
import openpyxl
import pandas as pd
import pytest

from openfield import synthetic
from openfield.cli import main
from openfield.io import from_numpy, write_dlc_csv
from openfield.io.calibration import write_calibration
from openfield.pipeline import STATE_DIR

ARENA = (40.0, 40.0)
FPS = 15


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """``good.mp4`` and ``cage$1_$.mp4`` (a name matplotlib would read as TeX), with their true distances."""
    folder = tmp_path_factory.mktemp("videos")
    work = tmp_path_factory.mktemp("render")
    truth = {}
    for i, name in enumerate(["good", "cage$1_$"]):
        sv = synthetic.render_video(work, f"v{i}", fps=FPS, duration_s=4, image_size=(320, 240), seed=3 + i)
        shutil.move(sv.video, folder / f"{name}.mp4")
        truth[f"{name}.mp4"] = synthetic.truth_summary(pd.read_csv(sv.truth), FPS, ARENA)["distance_cm"]
    return folder, truth


def _copy(folder, names, dest):
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy2(folder / n, dest / n)
    return dest


def _run(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return rc, out.out, out.err


# ---- a batch never dies of one input ----------------------------------------------------------------------------


def test_odd_names_in_plots_and_groups_do_not_stop_the_batch(videos, tmp_path, capsys):
    folder, truth = videos
    design = tmp_path / "design.csv"
    design.write_text("video,group,note\ngood.mp4,$x$,=HYPERLINK(\"http://x\")\ncage$1_$.mp4,$y$,@SUM(1)\n")
    out = tmp_path / "out"
    rc, stdout, err = _run(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "-j", "1",
                            "--design", str(design)], capsys)
    assert rc == 0, err
    table = pd.read_csv(out / "summary_all.csv")
    assert sorted(table["video"]) == ["cage$1_$.mp4", "good.mp4"]
    for _, row in table.iterrows():
        assert row["distance_cm"] == pytest.approx(truth[row["video"]], rel=0.1)
    assert (out / "cage$1_$_trajectory.png").stat().st_size > 10_000
    assert (out / "study" / "study.html").exists()
    # design text starting with = or @ is text in the workbook, never a formula
    wb = openpyxl.load_workbook(out / "study" / "study.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert '=HYPERLINK("http://x")' in [c.value for c in cells]
    videos_csv = pd.read_csv(out / "study" / "videos.csv")
    assert set(videos_csv["status"]) == {"this run"}


def test_an_unexpected_exception_is_that_videos_failure(videos, tmp_path, capsys, monkeypatch):
    folder, _ = videos
    from openfield.pipeline import steps

    real = steps.kinematics_step

    def explode(ledger, *args, **kwargs):
        if ledger.stem == "good":
            raise RuntimeError("simulated bug\nsecond line")
        return real(ledger, *args, **kwargs)

    monkeypatch.setattr(steps, "kinematics_step", explode)
    from openfield.pipeline import study as study_output

    def broken_page(tables):
        raise ZeroDivisionError("simulated study bug")

    monkeypatch.setattr(study_output, "study_html", broken_page)  # and the study at the end fails too
    design = tmp_path / "design.csv"
    design.write_text("video,group\ngood.mp4,a\ncage$1_$.mp4,b\n")
    out = tmp_path / "out"
    rc, stdout, err = _run(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "-j", "1",
                            "--design", str(design), "--allow-missing"], capsys)
    assert rc == 1
    assert "the study failed: ZeroDivisionError: simulated study bug" in err
    assert "Traceback" in (out / STATE_DIR / "study.error.log").read_text()
    failed = [line for line in err.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "good.mp4" in failed[0] and "RuntimeError: simulated bug" in failed[0]
    assert "second line" not in err
    log_file = out / STATE_DIR / "good.error.log"
    assert "Traceback" in log_file.read_text() and str(log_file) in failed[0]
    assert pd.read_csv(out / "summary_all.csv")["video"].tolist() == ["cage$1_$.mp4"]
    assert "simulated bug" in (out / "report.html").read_text()
    assert json.loads((out / STATE_DIR / "good.json").read_text())["outcome"]["status"] == "failed"


def test_absurd_arena_size_is_refused_before_any_work(videos, tmp_path, capsys):
    folder, _ = videos
    out = tmp_path / "out"
    rc, _, err = _run(["run", str(folder), "-o", str(out), "--arena-size-cm", "1e9", "1e9"], capsys)
    assert rc == 2 and "at most 1000" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_output_naming_a_file_and_no_summary_line(videos, tmp_path, capsys):
    folder, _ = videos
    target = tmp_path / "results.txt"
    target.write_text("x")
    rc, _, err = _run(["run", str(folder), "-o", str(target), "--arena-size-cm", "40", "40"], capsys)
    assert rc == 2 and "names an existing file, not a folder" in err
    broken = tmp_path / "only"
    broken.mkdir()
    (broken / "bad.mp4").write_bytes(b"not a video" * 100)
    rc, stdout, err = _run(["run", str(broken), "-o", str(tmp_path / "o2"), "--arena-size-cm", "40", "40"], capsys)
    assert rc == 1
    assert "0 of 1 video(s) analysed" in stdout and "no summary_all.csv" in stdout
    assert "summary_all.csv," not in stdout and not (tmp_path / "o2" / "summary_all.csv").exists()


def test_output_folder_is_the_input_folder_twice(videos, tmp_path, capsys):
    folder, _ = videos
    here = _copy(folder, ["good.mp4"], tmp_path / "here")
    for _ in range(2):
        rc, _, err = _run(["run", str(here), "-o", str(here), "--arena-size-cm", "40", "40", "--labeled-video",
                           "--no-plots"], capsys)
        assert rc == 0, err
    assert (here / "good_labeled.mp4").exists()
    assert pd.read_csv(here / "summary_all.csv")["video"].tolist() == ["good.mp4"]
    assert not list(here.glob("good_labeled_*"))


# ---- nothing stale ----------------------------------------------------------------------------------------------


def test_study_never_reads_stale_results(videos, tmp_path, capsys):
    folder, _ = videos
    data = _copy(folder, ["good.mp4", "cage$1_$.mp4"], tmp_path / "data")
    out = tmp_path / "out"
    design = tmp_path / "design.csv"
    design.write_text("video,group\ngood.mp4,a\ncage$1_$.mp4,b\n")
    assert _run(["run", str(data), "-o", str(out), "--arena-size-cm", "40", "40", "-j", "1"], capsys)[0] == 0
    rc, _, err = _run(["study", str(out), "--design", str(design), "-o", str(tmp_path / "s0")], capsys)
    assert rc == 0, err
    assert set(pd.read_csv(tmp_path / "s0" / "videos.csv")["status"]) == {"ok"}
    # the video is replaced by a broken file: it fails, its old results stay on disk
    (data / "good.mp4").write_bytes(b"broken" * 1000)
    rc, _, err = _run(["run", str(data), "-o", str(out), "--arena-size-cm", "40", "40", "-j", "1"], capsys)
    assert rc == 1 and (out / "good_summary.csv").exists()
    rc, _, err = _run(["study", str(out), "--design", str(design), "-o", str(tmp_path / "s1")], capsys)
    assert rc == 2 and "good.mp4" in err and "failed in the last run" in err
    rc, _, err = _run(["study", str(out), "--design", str(design), "-o", str(tmp_path / "s2"), "--allow-missing"],
                      capsys)
    assert rc == 0, err
    assert pd.read_csv(tmp_path / "s2" / "videos.csv")["video"].tolist() == ["cage$1_$.mp4"]
    left = pd.read_csv(tmp_path / "s2" / "design.csv").set_index("video")
    assert not left.loc["good.mp4", "included"] and "failed" in left.loc["good.mp4", "reason"]
    # run --design uses only this run's results
    rc, _, err = _run(["run", str(data), "-o", str(out), "--arena-size-cm", "40", "40", "-j", "1", "--design",
                       str(design), "--allow-missing"], capsys)
    assert rc == 1
    assert pd.read_csv(out / "study" / "videos.csv")["video"].tolist() == ["cage$1_$.mp4"]
    # a video changed since its results were made (not re-run): refused as stale
    st = os.stat(data / "cage$1_$.mp4")
    os.utime(data / "cage$1_$.mp4", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    rc, _, err = _run(["study", str(out), "--design", str(design), "-o", str(tmp_path / "s3"), "--allow-missing"],
                      capsys)
    assert rc == 2 and "changed since" in err


# ---- plausibility -----------------------------------------------------------------------------------------------


def _avi_with_rate_zero(src, dest, fps):
    """Re-encode ``src`` as an MJPG AVI at ``fps``, then zero the rate in its headers (as some cameras write)."""
    cap, writer = cv2.VideoCapture(str(src)), None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if writer is None:
            writer = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"MJPG"), fps, frame.shape[1::-1])
        writer.write(frame)
    cap.release()
    writer.release()
    data = bytearray(dest.read_bytes())
    struct.pack_into("<I", data, data.find(b"avih") + 8, 0)  # microseconds per frame
    strh = data.find(b"strh")
    struct.pack_into("<I", data, strh + 32, 0)  # dwRate
    dest.write_bytes(bytes(data))
    assert cv2.VideoCapture(str(dest)).get(cv2.CAP_PROP_FPS) == 25.0  # what a decoder would silently assume


def test_avi_with_frame_rate_zero_is_refused_then_measured_at_the_given_rate(videos, tmp_path, capsys):
    folder, truth = videos
    data = tmp_path / "avi"
    data.mkdir()
    _avi_with_rate_zero(folder / "good.mp4", data / "cam.avi", FPS)
    out = tmp_path / "out"
    rc, _, err = _run(["run", str(data), "-o", str(out), "--arena-size-cm", "40", "40"], capsys)
    assert rc == 1 and "AVI header gives 0 frames/s" in err and "--fps" in err
    rc, _, err = _run(["run", str(data), "-o", str(out), "--arena-size-cm", "40", "40", "--fps", str(FPS)], capsys)
    assert rc == 0, err
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row["fps"] == FPS and row["duration_s"] == pytest.approx(row["frames_read"] / FPS)  # not / 25
    assert "fps_suspect" in row["qc_flags"].split(";")  # the decoder's made-up timestamps still say 25
    assert row["distance_cm"] == pytest.approx(truth["good.mp4"], rel=0.1)


def test_arena_size_in_mm_is_flagged(videos, tmp_path, capsys):
    folder, _ = videos
    data = _copy(folder, ["good.mp4"], tmp_path / "data")
    flags = {}
    for size in ("40", "400"):
        out = tmp_path / f"out{size}"
        rc, _, err = _run(["run", str(data), "-o", str(out), "--arena-size-cm", size, size], capsys)
        assert rc == 0, err
        flags[size] = str(pd.read_csv(out / "summary_all.csv")["qc_flags"].fillna("").iloc[0])
        if size == "400":
            assert "animal_size_implausible" in err and "typed in mm?" in err
    assert "animal_size_implausible" not in flags["40"]
    assert "animal_size_implausible" in flags["400"].split(";")


def _pose_file(path, n=200, empty_reference=False):
    """A DeepLabCut CSV of a point moving at 2 px/frame (bodycentre, tailbase), 10 px per cm."""
    t = np.arange(n, dtype=float)
    pos = np.stack([np.stack([100 + 2 * t, 200 + 0 * t], axis=1), np.stack([20 + 2 * t, 200 + 0 * t], axis=1)],
                   axis=1)
    if empty_reference:
        pos[:, 0] = np.nan
    write_dlc_csv(from_numpy(pos, np.ones((n, 2)), ["bodycentre", "tailbase"], fps=20), path, scorer="DLC_x")
    return path


@pytest.fixture
def points_calibration(tmp_path):
    from openfield.calibration import Calibration

    return write_calibration(Calibration(px_per_cm=10.0, method="points"), tmp_path / "cal.json")


def test_reference_point_without_positions_fails_clearly(tmp_path, capsys, points_calibration):
    pose = _pose_file(tmp_path / "nobody.csv", empty_reference=True)
    rc, _, err = _run(["kinematics", str(pose), "--calibration", str(points_calibration), "--fps", "20", "-o",
                       str(tmp_path / "out")], capsys)
    assert rc == 2 and "'bodycentre' has no position in any of the 200 frames" in err
    assert not (tmp_path / "out" / "nobody_summary.csv").exists()


# ---- nothing from a shared file runs ----------------------------------------------------------------------------


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_crafted_h5_never_runs_and_text_h5_fails_alone(tmp_path, capsys, points_calibration):
    marker = tmp_path / "PAYLOAD_RAN"
    good = _pose_file(tmp_path / "good.csv")
    df = pd.read_csv(good, header=[0, 1, 2], index_col=0).astype(object)
    df.iloc[0, 0] = _Payload(marker)
    crafted = tmp_path / "crafted.h5"
    with pytest.warns(pd.errors.PerformanceWarning):
        df.to_hdf(crafted, key="df_with_missing")
    common = ["--calibration", str(points_calibration), "--fps", "20", "-o", str(tmp_path / "out")]
    rc, _, err = _run(["kinematics", str(crafted), *common], capsys)
    assert rc == 2 and "pickled Python objects" in err and "crafted.h5" in err
    assert not marker.exists()
    text = tmp_path / "x.h5"
    text.write_text("just text\n")
    rc, _, err = _run(["kinematics", str(text), str(crafted), str(good), *common], capsys)
    assert rc == 1
    failed = [line for line in err.splitlines() if "FAILED" in line]
    assert len(failed) == 2 and "not an HDF5 file" in failed[0] and "pickled" in failed[1]
    assert pd.read_csv(tmp_path / "out" / "summary_all.csv")["file"].tolist() == ["good.csv"]
    assert pd.read_csv(tmp_path / "out" / "good_summary.csv")["distance_cm"].iloc[0] == pytest.approx(
        2 * 199 / 10, rel=0.02)
    assert not marker.exists()


# ---- the design sheet --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "expect"), [
    ("video,group,dose\na.mp4,g,10 mg/kg\nb.mp4,g,\n", "row(s) 2 ('10 mg/kg')"),
    ("video,group,subject\na.mp4,g,m1\nb.mp4,h,m1\n",
     "subject 'm1' is on several videos: row 2 (a.mp4), row 3 (b.mp4)"),
    ("video,group,subject,session\na.mp4,g,m1,1\nb.mp4,h,m1,1\n", "without a different session"),
])
def test_design_doubts_are_errors_naming_the_rows(tmp_path, sheet, expect):
    from openfield.errors import OpenfieldError
    from openfield.study.design import read_design

    path = tmp_path / "design.csv"
    path.write_text(sheet)
    with pytest.raises(OpenfieldError) as err:
        read_design(path)
    assert expect in str(err.value) and str(path) in str(err.value)


def test_design_with_sessions_and_numeric_doses_is_read(tmp_path):
    from openfield.study.design import read_design

    path = tmp_path / "design.csv"
    path.write_text("video,group,subject,day,dose\na.mp4,g,m1,1,0.5\nb.mp4,h,m1,2,\n")
    assert read_design(path)["subject"].tolist() == ["m1", "m1"]


def test_workbook_never_holds_a_formula():
    from openfield.study.workbook import workbook_bytes

    data = workbook_bytes({"d": pd.DataFrame({"=1+1": ["=cmd|' /C calc'!A0", "+1", "-1", "@A1", "plain"],
                                              "n": [1.0, 2.0, 3.0, 4.0, 5.0]})})
    ws = openpyxl.load_workbook(io.BytesIO(data))["d"]
    kinds = {c.value: c.data_type for row in ws.iter_rows() for c in row}
    assert kinds["=cmd|' /C calc'!A0"] == "s" and kinds["=1+1"] == "s" and kinds["@A1"] == "s"
    assert not [v for v, k in kinds.items() if k == "f"]


def test_arena_not_found_names_commands_that_exist():
    from openfield.calibration import detect_arena
    from openfield.errors import OpenfieldError

    with pytest.raises(OpenfieldError) as err:
        detect_arena(np.full((120, 160, 3), 128, np.uint8))
    assert "openfield calibrate arena IMAGE --corners" in str(err.value)
    assert "run --calibration" in str(err.value)


def test_one_pose_file_with_an_unexpected_error_is_one_line(tmp_path, capsys, points_calibration, monkeypatch):
    from openfield.pipeline import steps

    def explode(*args, **kwargs):
        raise IndexError("simulated bug")

    monkeypatch.setattr(steps, "kinematics_step", explode)
    pose = _pose_file(tmp_path / "p.csv")
    rc, _, err = _run(["kinematics", str(pose), "--calibration", str(points_calibration), "--fps", "20", "-o",
                       str(tmp_path / "out")], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "p.csv: IndexError: simulated bug (unexpected error; traceback in" in err
    assert "Traceback" in (tmp_path / "out" / STATE_DIR / "p.error.log").read_text()


@pytest.mark.real_data
def test_real_video_arena_in_mm_is_flagged_and_in_cm_is_not(sample_data, tmp_path, capsys):
    """m3v1mp4 (48 x 32 cm floor): the tracker's mouse is ~10 cm long; typed in mm it would be ~1 m."""
    video = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    lengths, flags = {}, {}
    for w, h in (("48", "32"), ("480", "320")):
        out = tmp_path / w
        rc, _, err = _run(["run", str(video), "-o", str(out), "--arena-size-cm", w, h, "--no-plots", "-j", "1"],
                          capsys)
        assert rc == 0, err
        record = json.loads((out / STATE_DIR / "m3v1mp4.json").read_text())["steps"]
        lengths[w] = record["kinematics"]["values"]["body_length_cm"]
        flags[w] = record["quality"]["values"]["qc_flags"].split(";")
    # measured 2026-12-07: 9.76 cm (an adult mouse, nose to tail base: 7-10 cm)
    assert 7 < lengths["48"] < 12 and "animal_size_implausible" not in flags["48"]
    assert lengths["480"] == pytest.approx(10 * lengths["48"], rel=0.01)
    assert "animal_size_implausible" in flags["480"]
