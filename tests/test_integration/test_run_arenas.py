"""``openfield run --arenas``: one camera, several open fields, each arena its own row, checked against the truth.

The rig: a synthetic 2 x 2 video (four 30 x 30 cm boxes, box 2 rotated by 3 degrees, box 4 empty), 20 s at
15 frames/s, and a single-arena video in the same batch. The videos are 20 s, not 6 s as in ``test_run.py``:
in a shorter video each synthetic mouse rests in one place for a large share of the frames and the
tracker's median background keeps it there (the same with ``main``'s single-arena tracker); over 20 s every
arena's body RMSE is about 0.5 px.
"""

import contextlib
import io
import json
import shutil

import cv2
import numpy as np
import pandas as pd
import pytest
from test_run_behavior_pose import train_model

from openfield import overlay, synthetic, tracking
from openfield.cli import main
from openfield.io.calibration import read_calibration
from openfield.io.pose import read_dlc
from openfield.io.video import video_info
from openfield.pipeline import STATE_DIR, RunConfig, run_videos
from openfield.report import embedded_images

SIZE = (30.0, 30.0)
FPS = 15.0

#: The tests on the rig share one 20-s 2 x 2 video, rendered and run once for the module (~40 s on 2 cores).
slow = pytest.mark.slow


def _cli(args):
    """Run the command line; its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(args)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    """The 2 x 2 video ``cage.mp4`` (arena 4 empty) and ``single.mp4`` (one arena) in one folder, and the truth."""
    folder = tmp_path_factory.mktemp("videos")
    truth_dir = tmp_path_factory.mktemp("truth")
    video = synthetic.render_arenas_video(truth_dir, "cage", 2, 2, arena_size_cm=SIZE, fps=FPS, duration_s=20,
                                          rotation_deg=[0, 3, 0, 0], empty=(4,), seed=2)
    video.path.rename(folder / "cage.mp4")
    single = synthetic.render_video(truth_dir, "single", fps=20, duration_s=4, image_size=(320, 240), seed=5)
    single.video.rename(folder / "single.mp4")
    return folder, video


@pytest.fixture(scope="module")
def first_run(rig, tmp_path_factory):
    """``openfield run FOLDER --arenas 4 --arena-size-cm 30 30 -j 2``: exit status, stdout, stderr, folder."""
    folder, _ = rig
    out = tmp_path_factory.mktemp("run") / "out"
    rc, stdout, stderr = _cli(["run", str(folder), "-o", str(out), "--arenas", "4", "--arena-size-cm", "30", "30",
                               "-j", "2"])
    return rc, stdout, stderr, out


@slow
def test_every_arena_is_a_numbered_row_within_3_percent_of_its_truth(rig, first_run):
    _, video = rig
    rc, _, _, out = first_run
    table = pd.read_csv(out / "summary_all.csv")
    assert table["video"].tolist() == ["cage.mp4"] * 4  # single.mp4 failed: no row
    assert table["arena"].tolist() == [1, 2, 3, 4]
    assert list(table.columns[:2]) == ["video", "arena"]
    for k in (1, 2, 3):
        row, truth = table.iloc[k - 1], video.truths[k - 1]
        expected = synthetic.truth_summary(truth, FPS, SIZE)
        assert row.distance_cm == pytest.approx(expected["distance_cm"], rel=0.03), k
        assert row.mean_speed_cm_s == pytest.approx(expected["mean_speed_cm_s"], rel=0.03), k
        assert row.time_center_s == pytest.approx(expected["time_center_s"], abs=0.5), k
        assert row.qc_flags == "short_recording", k  # 20 s < 60 s, and nothing else
        # numbered right, each arena in its own cm frame: the arena's corners found within 1% of its side
        cal = read_calibration(out / f"cage_a{k}_calibration.json")
        assert np.abs(cal.arena_corners_px - video.corners_px[k - 1]).max() < 0.01 * 30 * cal.px_per_cm, k
        # the pose is this arena's mouse (body RMSE <= 2 px) and never leaves this arena's floor
        body = read_dlc(out / f"cage_a{k}_pose.csv", fps=FPS)["position"].sel(keypoints="body").values.squeeze()
        err = np.hypot(body[:, 0] - truth["body_x_px"], body[:, 1] - truth["body_y_px"])
        assert np.sqrt(np.nanmean(err**2)) <= 2.0, k
        polygon = video.corners_px[k - 1].astype(np.float32).reshape(-1, 1, 2)
        assert all(cv2.pointPolygonTest(polygon, (float(x), float(y)), True) > -3 for x, y in body
                   if np.isfinite(x)), k
        for suffix in ("_kinematics.csv", "_summary.csv", "_trajectory.png", "_heatmap.png", "_speed.png",
                       "_locomotor_bouts.csv"):
            assert (out / f"cage_a{k}{suffix}").exists(), (k, suffix)
    # the empty box: a row flagged empty_arena with NaN measures, the recording's counts kept, not a failure
    empty = table.iloc[3]
    assert empty.qc_flags == "empty_arena"
    assert np.isnan(empty.distance_cm) and np.isnan(empty.mean_speed_cm_s) and np.isnan(empty.time_center_s)
    assert empty.frames_read == video.n_frames and empty.duration_s == pytest.approx(20.0)
    assert empty.fraction_missing == 1.0
    assert (out / "cage_a4_summary.csv").exists() and not (out / "cage_a4_kinematics.csv").exists()
    # per arena, its own step record; the video's record holds the arenas and the one tracking pass
    records = sorted(p.name for p in (out / STATE_DIR).iterdir())
    assert {"cage.json", "cage_a1.json", "cage_a4.json"} <= set(records)
    video_steps = json.loads((out / STATE_DIR / "cage.json").read_text())["steps"]
    assert set(video_steps) == {"arenas", "arena_tracking"}


@slow
def test_a_video_with_fewer_arenas_fails_alone_and_the_console_names_the_empty_arena(first_run):
    rc, stdout, stderr, out = first_run
    assert rc == 1  # one video failed
    assert "1 of 2 video(s) analysed (4 arenas, 1 empty)" in stdout
    failed = [line for line in stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and "single.mp4" in failed[0] and "expected 4 arenas, found 1" in failed[0]
    assert "openfield run: cage.mp4 arena 4: empty, no animal found in any frame" in stderr
    assert not list(out.glob("single*"))


@slow
def test_report_shows_the_numbered_arenas_then_each_arena(first_run):
    _, _, _, out = first_run
    html = (out / "report.html").read_text()
    images = embedded_images(html)
    # comparison, the frame with the numbered arenas, then 4 plots for each of arenas 1-3; none for the empty one
    assert len(images) == 1 + 1 + 4 * 3
    arenas_png = (out / "cage_arenas.png").read_bytes()
    assert images[1] == arenas_png
    drawn = cv2.imdecode(np.frombuffer(arenas_png, np.uint8), cv2.IMREAD_COLOR)
    assert drawn.shape[:2] == (624, 624)
    sections = [html.index(f"<h3>cage.mp4 arena {k}</h3>") for k in (1, 2, 3, 4)]
    assert sections == sorted(sections) and html.index("the video&#x27;s arenas, numbered") < sections[0]
    assert "Empty: no animal found in any frame of this arena" in html[sections[3]:]
    assert "single.mp4" in html and "expected 4 arenas, found 1" in html
    assert "<th>Arena</th>" in html


@slow
def test_second_identical_run_skips_everything_and_new_corners_redo_the_tracking(rig, first_run, monkeypatch):
    folder, video = rig
    _, _, _, out = first_run
    calls = []
    real = tracking.track_video_arenas

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(tracking, "track_video_arenas", counted)
    decodes = []  # the labelled videos' readers

    class CountedReader(overlay.VideoReader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            decodes.append(self)

    monkeypatch.setattr(overlay, "VideoReader", CountedReader)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    config = RunConfig(arena_size_cm=SIZE, arenas=4, progress=False)
    again = run_videos([folder], out, config)  # as the first run, sequentially this time
    assert [r.status for r in again] == ["skipped", "failed"] and again[0].steps_run == [] and calls == []
    assert [a.status for a in again[0].arenas] == ["skipped"] * 4
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == before
    # the same arenas given by hand (the renderer's corners file): new arenas, so one new tracking pass; with a
    # pose behaviour model and the labelled video, each arena gets its own: its box, in one decode for all
    corners = folder.parent / "corners.json"
    corners.write_text(json.dumps({"arenas": [c.tolist() for c in video.corners_px]}))
    model = train_model(folder.parent / "rearing.joblib")
    rc, stdout, _ = _cli(["run", str(folder / "cage.mp4"), "-o", str(out), "--arena-corners", str(corners),
                          "--arena-size-cm", "30", "30", "-j", "1", "--behavior-model", str(model),
                          "--labeled-video"])
    assert rc == 0 and "(4 arenas, 1 empty)" in stdout
    assert len(calls) == 1
    assert len(decodes) == 1 and decodes[0].frames_read == video.n_frames
    table = pd.read_csv(out / "summary_all.csv")
    for k in (1, 2, 3):
        expected = synthetic.truth_summary(video.truths[k - 1], FPS, SIZE)["distance_cm"]
        assert table.distance_cm[k - 1] == pytest.approx(expected, rel=0.03), k
        frames = pd.read_csv(out / f"cage_a{k}_behavior.csv")
        assert len(frames) == video.n_frames
        assert len(pd.read_csv(out / f"cage_a{k}_silhouette.csv")) == video.n_frames  # for a silhouette model
        rearing_s = (frames["label"] == "rearing").sum() / FPS
        assert table.time_rearing_s[k - 1] == pytest.approx(rearing_s, abs=1e-6), k
        _check_arena_labeled_video(out, k, video)
    assert np.isnan(table.time_rearing_s[3]) and table.qc_flags[3] == "empty_arena"
    assert not (out / "cage_a4_behavior.csv").exists() and not (out / "cage_a4_labeled.mp4").exists()


def _check_arena_labeled_video(out, k, video):
    """Arena K's labelled video: every frame, the arena's box, the body's green disc where the mouse is."""
    labeled = out / f"cage_a{k}_labeled.mp4"
    info = video_info(labeled)
    x0, y0, x1, y1 = overlay.arena_box(read_calibration(out / f"cage_a{k}_calibration.json").arena_corners_px,
                                       (624, 624))
    assert (info.n_frames, info.width, info.height) == (video.n_frames, x1 - x0, y1 - y0), k
    assert info.width < 624 / 2 and info.height < 624 / 2  # one box of the 2 x 2 rig, not the whole frame
    # at a frame where the tracked body lies within 1 px of the truth, the truth (in the box's pixels) is green
    truth = video.truths[k - 1]
    body = read_dlc(out / f"cage_a{k}_pose.csv", fps=FPS)["position"].sel(keypoints="body").values.squeeze()
    err = np.hypot(body[:, 0] - truth["body_x_px"], body[:, 1] - truth["body_y_px"])
    i = int(np.flatnonzero(err < 1.0)[len(np.flatnonzero(err < 1.0)) // 2])
    cap = cv2.VideoCapture(str(labeled))
    cap.set(cv2.CAP_PROP_POS_FRAMES, i)
    frame = cap.read()[1]
    cap.release()
    x, y = int(round(truth["body_x_px"][i] - x0)), int(round(truth["body_y_px"][i] - y0))
    b, g, r = frame[y, x].astype(int)
    assert g > 120 and r < 100 and b < 100, (k, i, (b, g, r))


@slow
def test_fewer_arenas_than_last_time_remove_the_gone_arenas_files(rig, first_run, tmp_path):
    from openfield.pipeline.results import find_empty_arenas, find_results

    folder, video = rig
    out = tmp_path / "out"
    shutil.copytree(first_run[3], out)
    assert (out / "cage_a3_summary.csv").exists() and (out / STATE_DIR / "cage_a4.json").exists()
    corners = tmp_path / "corners.json"
    corners.write_text(json.dumps({"arenas": [c.tolist() for c in video.corners_px[:2]]}))
    rc, stdout, stderr = _cli(["run", str(folder / "cage.mp4"), "-o", str(out), "--arena-corners", str(corners),
                               "--arena-size-cm", "30", "30"])
    assert rc == 0 and "(2 arenas" in stdout
    assert "cage: arena(s) 3, 4 no longer found: removed the outputs and records of cage_a3, cage_a4" in stderr
    assert not [p.name for p in out.rglob("cage_a[34]*")]
    assert pd.read_csv(out / "summary_all.csv")["arena"].tolist() == [1, 2]
    assert sorted(find_results([out])) == ["cage_a1", "cage_a2"] and find_empty_arenas([out]) == set()


@slow
def test_study_design_maps_video_and_arena_to_the_animal(first_run, tmp_path):
    from openfield.errors import OpenfieldError
    from openfield.pipeline.study import load_study

    _, _, _, out = first_run
    design = tmp_path / "design.csv"
    design.write_text("video,arena,group\ncage.mp4,1,veh\ncage.mp4,2,veh\ncage.mp4,3,drug\n")
    tables = load_study([out], design)
    summary = pd.read_csv(out / "summary_all.csv")
    assert tables.videos["recording"].tolist() == ["cage_a1", "cage_a2", "cage_a3"]
    assert tables.videos["subject"].tolist() == ["cage_a1", "cage_a2", "cage_a3"]
    assert tables.videos["distance_cm"].tolist() == pytest.approx(summary.distance_cm[:3].tolist())
    assert "arena" not in tables.measures
    design.write_text("video,arena,group\ncage.mp4,1,veh\ncage.mp4,4,drug\n")
    with pytest.raises(OpenfieldError, match=r"cage.mp4 arena 4 \(empty arena: no animal found in any frame\)"):
        load_study([out], design)
    design.write_text("video,group\ncage.mp4,veh\n")
    with pytest.raises(OpenfieldError, match=r"as 4 arenas \(cage_a1, cage_a2, cage_a3, cage_a4\).*'arena' column"):
        load_study([out], design)


@pytest.mark.parametrize(("args", "message"), [
    (["--arenas", "0", "--arena-size-cm", "30", "30"],
     "openfield run: error: --arenas must be a whole number of at least 1, or auto, got 0"),
    (["--arenas", "4", "--pose", "dlc", "--dlc-config", "c.yaml", "--arena-size-cm", "30", "30"],
     "openfield run: error: --pose dlc tracks one animal in the whole image; with several arenas use --pose classic "
     "(one animal tracked per arena)"),
])
def test_bad_options_give_one_line_before_any_work(tmp_path, args, message):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not read")
    rc, stdout, stderr = _cli(["run", str(video), "-o", str(tmp_path / "out"), *args])
    assert rc == 2 and stdout == ""
    assert stderr.strip().splitlines() == [message]
    assert not (tmp_path / "out").exists()


def test_bad_corners_file_and_single_calibration_give_one_line(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not read")
    corners = tmp_path / "corners.json"
    corners.write_text(json.dumps({"arenas": [[[0, 0], [10, 0], [10, 10], [0, 10]], [[20, 0], [30, 0], [30, 10]]]}))
    rc, _, stderr = _cli(["run", str(video), "-o", str(tmp_path / "out"), "--arena-corners", str(corners),
                          "--arena-size-cm", "30", "30"])
    assert rc == 2 and len(stderr.strip().splitlines()) == 1
    assert stderr.startswith(f"openfield run: error: {corners}: ") and "arena 2" in stderr
    corners.write_text(json.dumps({"arenas": [[[0, 0], [10, 0], [10, 10], [0, 10]]] * 2}))
    rc, _, stderr = _cli(["run", str(video), "-o", str(tmp_path / "out"), "--arena-corners", str(corners),
                          "--arenas", "3", "--arena-size-cm", "30", "30"])
    assert rc == 2 and stderr.strip() == ("openfield run: error: --arenas 3 but the --arena-corners file gives "
                                          "2 arena(s)")
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"method": "points", "px_per_cm": 5.0, "homography": None, "arena_corners_px": None}))
    rc, _, stderr = _cli(["run", str(video), "-o", str(tmp_path / "out"), "--calibration", str(cal),
                          "--arenas", "4"])
    assert rc == 2 and stderr.strip() == "openfield run: error: --arenas 4 but the --calibration file gives 1 arena(s)"
    assert not (tmp_path / "out").exists()
