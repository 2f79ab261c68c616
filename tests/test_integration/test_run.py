"""``openfield run`` end to end: a batch with a corrupt file, resume after an interruption, re-runs that redo
exactly the steps an option affects, options refused before any work, the report."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from openfield import calibration, kinematics, plots, synthetic, tracking
from openfield.cli import main
from openfield.errors import OpenfieldError
from openfield.pipeline import STATE_DIR, RunConfig, find_videos, run_videos
from openfield.report import embedded_images

ARENA = (40.0, 40.0)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A folder with two 6 s synthetic videos and one corrupt .mp4; the true summaries."""
    folder = tmp_path_factory.mktemp("videos")
    truth_dir = tmp_path_factory.mktemp("truth")
    truths = {}
    for i, (name, animal) in enumerate([("mouse_a", "dark"), ("mouse_b", "light")]):
        sv = synthetic.render_video(truth_dir, name, fps=20, duration_s=6, image_size=(400, 300), animal=animal,
                                    seed=10 + i)
        sv.video.rename(folder / sv.video.name)
        truths[name] = synthetic.truth_summary(pd.read_csv(sv.truth), 20, ARENA)
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    return folder, truths


def test_run_with_a_corrupt_video(batch, tmp_path, capsys):
    folder, truths = batch
    out = tmp_path / "out"
    rc = main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40"])
    assert rc == 1  # some video failed
    captured = capsys.readouterr()
    assert "2 of 3 video(s) analysed" in captured.out
    failed = [line for line in captured.err.splitlines() if "FAILED" in line]  # failure lines go to stderr
    assert len(failed) == 1 and "broken.mp4" in failed[0] and "cannot open as a video" in failed[0]
    table = pd.read_csv(out / "summary_all.csv")
    assert table["video"].tolist() == ["mouse_a.mp4", "mouse_b.mp4"]
    for _, row in table.iterrows():
        t = truths[row.video.removesuffix(".mp4")]
        assert row.distance_cm == pytest.approx(t["distance_cm"], rel=0.05)
        assert row.mean_speed_cm_s == pytest.approx(t["mean_speed_cm_s"], rel=0.05)
        assert row.time_center_s == pytest.approx(t["time_center_s"], abs=0.3)
    for stem in ("mouse_a", "mouse_b"):
        for suffix in ("_pose.csv", "_calibration.json", "_kinematics.csv", "_summary.csv", "_trajectory.png",
                       "_heatmap.png", "_speed.png", "_locomotor_bouts.csv", "_bout_acceleration.png"):
            assert (out / f"{stem}{suffix}").exists(), suffix
    assert not list(out.glob("broken*"))
    html = (out / "report.html").read_text()
    assert "broken.mp4" in html and "cannot open as a video" in html
    images = embedded_images(html)
    assert len(images) == 1 + 4 * 2  # comparison, then trajectory, heat map, speed, per-bout plot per video
    assert all(img.startswith(b"\x89PNG\r\n\x1a\n") for img in images)
    assert "src=\"http" not in html and "src='http" not in html  # self-contained
    # the report's table shows the summary's numbers
    assert f"{table.distance_cm[0]:.2f}" in html


def test_interrupted_batch_resumes(batch, tmp_path, monkeypatch):
    folder, _ = batch
    videos = [folder / "mouse_a.mp4", folder / "mouse_b.mp4"]
    out = tmp_path / "out"
    config = RunConfig(arena_size_cm=ARENA, progress=False)
    real_analyze = kinematics.analyze_pose

    def interrupt_on_b(ds, *args, **kwargs):
        if "mouse_b" in str(ds.attrs.get("source_file")):
            raise KeyboardInterrupt  # Ctrl-C after b's tracking, during its kinematics
        return real_analyze(ds, *args, **kwargs)

    monkeypatch.setattr(kinematics, "analyze_pose", interrupt_on_b)
    with pytest.raises(KeyboardInterrupt):
        run_videos(videos, out, config)
    assert (out / "mouse_a_summary.csv").exists()
    assert (out / "mouse_b_pose.csv").exists()
    assert not (out / "mouse_b_summary.csv").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != STATE_DIR]  # no half-written file
    assert sorted(p.name for p in (out / STATE_DIR).iterdir()) == ["log", "mouse_a.json", "mouse_b.json"]
    assert sorted(p.name for p in (out / STATE_DIR / "log").iterdir()) == ["mouse_a.json", "mouse_b.json"]
    a_done = (out / "mouse_a_summary.csv").stat().st_mtime_ns
    b_pose = (out / "mouse_b_pose.csv").stat().st_mtime_ns

    monkeypatch.setattr(kinematics, "analyze_pose", real_analyze)
    results = run_videos(videos, out, config)
    assert [r.status for r in results] == ["skipped", "done"]
    assert (out / "mouse_a_summary.csv").stat().st_mtime_ns == a_done  # not redone
    assert (out / "mouse_b_pose.csv").stat().st_mtime_ns == b_pose  # tracking not redone
    assert len(pd.read_csv(out / "summary_all.csv")) == 2
    assert len(embedded_images((out / "report.html").read_text())) == 1 + 4 * 2  # 4 plots per video
    # a third run does nothing
    assert [r.status for r in run_videos(videos, out, config)] == ["skipped", "skipped"]
    # --overwrite redoes everything (after changing an option)
    redo = run_videos(videos[:1], out, RunConfig(arena_size_cm=ARENA, progress=False, overwrite=True))
    assert [r.status for r in redo] == ["done"]
    assert (out / "mouse_a_summary.csv").stat().st_mtime_ns > a_done


def test_dlc_pose_is_lazy_and_explains_when_missing(batch, tmp_path, monkeypatch):
    folder, _ = batch
    # in a fresh interpreter: the command line and the batch runner import neither DeepLabCut nor torch
    code = ("import sys, openfield.cli, openfield.pipeline; openfield.cli.build_parser(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'deeplabcut', 'torch', 'transformers'}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    import openfield.pose

    monkeypatch.setitem(sys.modules, "openfield.pose.dlc", None)  # as if the module were absent
    monkeypatch.setitem(sys.modules, "openfield.pipeline.dlc", None)  # (its step, should an earlier test import it)
    monkeypatch.delattr(openfield.pose, "dlc", raising=False)  # also if an earlier test imported it
    config = RunConfig(arena_size_cm=ARENA, pose="dlc", dlc_config=tmp_path / "config.yaml", progress=False)
    results = run_videos([folder / "mouse_a.mp4"], tmp_path / "out", config)
    assert results[0].status == "failed" and "--pose dlc is not available" in results[0].error
    with pytest.raises(OpenfieldError, match="needs --dlc-config"):
        RunConfig(arena_size_cm=ARENA, pose="dlc")
    with pytest.raises(OpenfieldError, match="--calibration CAL.json, --arena-size-cm"):
        RunConfig()


def test_find_videos(batch, tmp_path):
    folder, _ = batch
    assert [v.name for v in find_videos([folder])] == ["broken.mp4", "mouse_a.mp4", "mouse_b.mp4"]
    with pytest.raises(OpenfieldError, match="nope.mp4: not found"):
        find_videos([tmp_path / "nope.mp4"])
    with pytest.raises(OpenfieldError, match="no videos"):
        find_videos([tmp_path])


@pytest.mark.slow
@pytest.mark.real_data
def test_real_video_runs_with_a_plausible_track(sample_data, tmp_path):
    """The real 78 s video, classical tracker, arena found on the video (nominal 48 x 32 cm floor)."""
    video = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    out = tmp_path / "real"
    rc = main(["run", str(video), "-o", str(out), "--pose", "classic", "--arena-size-cm", "48", "32"])
    assert rc == 0
    s = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert s.duration_s == pytest.approx(2330 / 30, rel=0.01)
    assert s.fraction_missing < 0.01
    # measured 2026-11-30: 558.2 cm, max 20.7 cm/s (no known answer on real data: a regression check)
    assert s.distance_cm == pytest.approx(558.2, rel=0.03) and s.max_speed_cm_s == pytest.approx(20.7, rel=0.1)
    frames = pd.read_csv(out / "m3v1mp4_kinematics.csv")
    assert frames.x_cm.between(-1, 49).all() and frames.y_cm.between(-1, 33).all()
    # the head leads: when the mouse runs, body -> head points where it goes
    from openfield.io import read_dlc

    ds = read_dlc(out / "m3v1mp4_pose.csv", fps=30)
    p = ds.position.isel(individuals=0).transpose("time", "keypoints", "space").values
    head, body = p[:, 0], p[:, 1]
    vel = np.gradient(body, axis=0) * 30
    speed_px = np.linalg.norm(vel, axis=1)
    run = speed_px > 150  # > ~12 cm/s
    d = head - body
    cos = np.einsum("ij,ij->i", d[run], vel[run]) / (np.linalg.norm(d[run], axis=1) * speed_px[run])
    assert run.sum() > 100
    assert np.mean(cos > 0.5) > 0.9


def test_track_command(batch, tmp_path, capsys):
    """`openfield track`: one pose CSV per video; a broken video is reported, the others written."""
    folder, _ = batch
    out = tmp_path / "poses"
    rc = main(["track", str(folder / "mouse_a.mp4"), str(folder / "broken.mp4"), "-o", str(out)])
    assert rc == 1
    assert capsys.readouterr().out.strip() == str(out / "mouse_a_pose.csv")
    assert sorted(p.name for p in out.iterdir() if p.name != STATE_DIR) == ["mouse_a_pose.csv",
                                                                             "mouse_a_silhouette.csv"]
    from openfield.io import read_dlc

    ds = read_dlc(out / "mouse_a_pose.csv", fps=20)
    assert ds.attrs["scorer"] == "openfield-classic"
    assert list(ds.keypoints.values) == ["head", "body", "tail"]


def test_video_without_an_animal_is_reported(tmp_path):
    """An empty arena: the video fails with a message saying no animal was found; nothing half-done."""
    import cv2

    img, _ = synthetic.render_frame((20, 20), 0.0, image_size=(320, 240), draw_mouse=False)
    path = tmp_path / "empty.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (320, 240))
    for _ in range(40):
        w.write(img)
    w.release()
    results = run_videos([path], tmp_path / "out", RunConfig(arena_size_cm=ARENA, progress=False))
    assert results[0].status == "failed"
    assert "found no animal in any frame" in results[0].error
    assert not (tmp_path / "out" / "empty_summary.csv").exists()
    assert not (tmp_path / "out" / "empty_pose.csv").exists()  # nothing half-done
    assert not (tmp_path / "out" / "summary_all.csv").exists()
    assert "empty.mp4" in (tmp_path / "out" / "report.html").read_text()


def test_arena_not_found_is_reported(tmp_path):
    """A video without a visible floor: named, with 'arena not found'; with --calibration it would work."""
    import cv2

    path = tmp_path / "no_arena.mp4"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (320, 240))
    for i in range(30):
        frame = np.full((240, 320, 3), 128, np.uint8)
        cv2.circle(frame, (60 + 5 * i, 120), 12, (20, 20, 20), -1)
        w.write(frame)
    w.release()
    results = run_videos([path], tmp_path / "out", RunConfig(arena_size_cm=ARENA, progress=False))
    assert results[0].status == "failed"
    assert "arena not found" in results[0].error


def test_run_with_behavior_model(batch, tmp_path):
    """--behavior-model adds rearing/grooming totals (from the per-frame labels) and the ethogram."""
    import cv2

    folder, _ = batch
    rng = np.random.default_rng(0)
    for label, level in (("grooming", 30), ("normal", 128), ("rearing", 230)):
        (tmp_path / "images" / label).mkdir(parents=True)
        for source in ("a", "b", "c"):
            for i in range(3):
                img = np.clip(level + rng.integers(-8, 9, (32, 32, 1)), 0, 255).astype(np.uint8).repeat(3, axis=2)
                cv2.imwrite(str(tmp_path / "images" / label / f"{source}_{i}.png"), img)
    assert main(["behavior", "dataset", "--folders", str(tmp_path / "images"), "-o", str(tmp_path / "ds"),
                 "--crop", "full"]) == 0
    model = tmp_path / "model"
    assert main(["behavior", "train", str(tmp_path / "ds"), "-o", str(model), "--training-dir",
                 str(tmp_path / "training"), "--from-scratch", "--layers", "1", "--hidden-size", "32",
                 "--image-size", "32", "--patch-size", "8", "--epochs", "1", "--device", "cpu",
                 "--no-augment"]) == 0
    out = tmp_path / "out"
    assert main(["run", str(folder / "mouse_a.mp4"), "-o", str(out), "--arena-size-cm", "40", "40",
                 "--behavior-model", str(model)]) == 0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    frames = pd.read_csv(out / "mouse_a_behavior.csv")
    fps = 1 / frames["time_s"].diff().median()
    for b in ("rearing", "grooming"):
        assert row[f"time_{b}_s"] == pytest.approx((frames["label"] == b).sum() / fps, abs=1e-6)
        runs = (frames["label"].eq(b) & ~frames["label"].shift().eq(b)).sum()
        assert row[f"bouts_{b}"] == runs
    html = (out / "report.html").read_text()
    assert "alt=\"ethogram\"" in html
    # a re-run with the same model does not classify again
    marker = (out / "mouse_a_vit_predict.json").stat().st_mtime_ns
    assert main(["run", str(folder / "mouse_a.mp4"), "-o", str(out), "--arena-size-cm", "40", "40",
                 "--behavior-model", str(model)]) == 0
    assert (out / "mouse_a_vit_predict.json").stat().st_mtime_ns == marker
    with pytest.raises(OpenfieldError, match="behaviour model not found"):
        RunConfig(arena_size_cm=ARENA, behavior_model=tmp_path / "nope")


def test_dlc_pose_through_the_pipeline(batch, tmp_path, monkeypatch):
    """--pose dlc: the file DeepLabCut returns (the filtered one) is the pose; a re-run does not analyse
    again; a changed DeepLabCut config does, and so does a retrained network (a new snapshot)."""
    from openfield.io import from_numpy, write_dlc_csv
    from openfield.pose import dlc

    folder, _ = batch
    calls = []
    snapshot = tmp_path / "snapshot-001.pt"
    snapshot.write_bytes(b"weights")

    def analyze_videos(videos, config_path, out_dir, **kwargs):
        (video,) = videos
        stem = video.stem
        calls.append(video)
        n = 120  # 6 s at 20 fps, a mouse sitting still at the image's centre
        ds = from_numpy(np.tile([[200.0, 150.0]], (n, 1, 1)), np.ones((n, 1)), ["bodycentre"], fps=20)
        write_dlc_csv(ds, out_dir / f"{stem}DLC_resnet50_x.csv", scorer="DLC_resnet50_x")
        return [write_dlc_csv(ds, out_dir / f"{stem}DLC_resnet50_x_filtered.csv", scorer="DLC_resnet50_x")]

    monkeypatch.setattr(dlc, "analyze_videos", analyze_videos)
    monkeypatch.setattr(dlc, "repair_project", lambda config: [])
    monkeypatch.setattr(dlc, "trained_snapshots", lambda config, shuffle, trainingsetindex: [snapshot])
    dlc_config = tmp_path / "config.yaml"
    dlc_config.write_text("Task: x\n")
    config = RunConfig(arena_size_cm=ARENA, pose="dlc", dlc_config=dlc_config, progress=False, plots=False)
    out = tmp_path / "out"
    (result,) = run_videos([folder / "mouse_a.mp4"], out, config)
    assert result.status == "done" and len(calls) == 1
    assert result.outputs["pose"].name == "mouse_aDLC_resnet50_x_filtered.csv"
    assert result.summary["reference_point"] == "bodycentre"
    assert result.summary["distance_cm"] == pytest.approx(0, abs=1e-9)
    (again,) = run_videos([folder / "mouse_a.mp4"], out, config)
    assert again.status == "skipped" and len(calls) == 1
    dlc_config.write_text("Task: retrained\n")
    (redo,) = run_videos([folder / "mouse_a.mp4"], out, config)
    assert redo.steps_run == ["pose", "kinematics", "quality", "summary"] and len(calls) == 2  # not the calibration
    snapshot.write_bytes(b"weights trained longer")
    (redo,) = run_videos([folder / "mouse_a.mp4"], out, config)
    assert redo.steps_run == ["pose", "kinematics", "quality", "summary"] and len(calls) == 3


class StageCalls:
    """Counts the calls of the stage functions (the real ones still run)."""

    STAGES = {"calibrate": (calibration, "calibrate_arena"), "track": (tracking, "track_video"),
              "kinematics": (kinematics, "analyze_pose"), "plots": (plots, "kinematics_figures")}

    def __init__(self, monkeypatch):
        self.counts = dict.fromkeys(self.STAGES, 0)
        for name, (module, attr) in self.STAGES.items():
            monkeypatch.setattr(module, attr, self._spy(name, getattr(module, attr)))

    def _spy(self, name, real):
        def spy(*args, **kwargs):
            self.counts[name] += 1
            return real(*args, **kwargs)

        return spy

    def take(self):
        counts, self.counts = self.counts, dict.fromkeys(self.STAGES, 0)
        return counts


def test_rerun_redoes_exactly_the_steps_an_option_affects(tmp_path, monkeypatch):
    """The proof of the settings fingerprint: counted calls of each stage over a series of re-runs."""
    sv = synthetic.render_video(tmp_path / "video", "mouse_a", fps=20, duration_s=3, image_size=(320, 240),
                                animal="dark", seed=10)
    calls = StageCalls(monkeypatch)
    out = tmp_path / "out"
    base = ["run", str(sv.video), "-o", str(out), "--arena-size-cm", "40", "40", "--no-plots"]

    def mtimes():
        return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}

    assert main(base) == 0
    assert calls.take() == {"calibrate": 1, "track": 1, "kinematics": 1, "plots": 0}
    first = mtimes()
    summary = pd.read_csv(out / "mouse_a_summary.csv").iloc[0]
    # nothing changed: no work, no file rewritten, not even the batch's table and report
    assert main(base) == 0
    assert calls.take() == {"calibrate": 0, "track": 0, "kinematics": 0, "plots": 0}
    assert mtimes() == first
    # a kinematics option: kinematics and summary again, not calibration or tracking
    assert main([*base, "--center-fraction", "0.3"]) == 0
    assert calls.take() == {"calibrate": 0, "track": 0, "kinematics": 1, "plots": 0}
    now = mtimes()
    assert now["mouse_a_pose.csv"] == first["mouse_a_pose.csv"]
    assert now["mouse_a_calibration.json"] == first["mouse_a_calibration.json"]
    assert now["mouse_a_summary.csv"] > first["mouse_a_summary.csv"]
    changed = pd.read_csv(out / "mouse_a_summary.csv").iloc[0]
    assert changed.time_center_s < summary.time_center_s  # a smaller centre square
    assert changed.distance_cm == summary.distance_cm
    # the tracker's option: tracking and everything after it, not the calibration
    assert main([*base, "--center-fraction", "0.3", "--animal", "dark"]) == 0
    assert calls.take() == {"calibrate": 0, "track": 1, "kinematics": 1, "plots": 0}
    # the floor size: everything
    assert main([*base, "--center-fraction", "0.3", "--animal", "dark", "--arena-size-cm", "40", "41"]) == 0
    assert calls.take() == {"calibrate": 1, "track": 1, "kinematics": 1, "plots": 0}
    # --overwrite forces every step
    assert main([*base, "--center-fraction", "0.3", "--animal", "dark", "--arena-size-cm", "40", "41",
                 "--overwrite"]) == 0
    assert calls.take() == {"calibrate": 1, "track": 1, "kinematics": 1, "plots": 0}
    # a missing output redoes its step only; plots asked for are drawn without tracking again
    (out / "mouse_a_kinematics.csv").unlink()
    assert main([*base[:-1], "--center-fraction", "0.3", "--animal", "dark", "--arena-size-cm", "40", "41"]) == 0
    assert calls.take() == {"calibrate": 0, "track": 0, "kinematics": 1, "plots": 1}
    assert (out / "mouse_a_kinematics.csv").exists() and (out / "mouse_a_heatmap.png").exists()


@pytest.mark.parametrize(("options", "message"), [
    (["--center-fraction", "1.5"], "--center-fraction (center_fraction) must be between 0 and 1"),
    (["--center-fraction", "0"], "--center-fraction (center_fraction) must be between 0 and 1"),
    (["--likelihood-cutoff", "1.2"], "--likelihood-cutoff (likelihood_cutoff) must be between 0 and 1"),
    (["--likelihood-cutoff", "-0.1"], "--likelihood-cutoff (likelihood_cutoff) must be between 0 and 1"),
    (["--max-speed", "0"], "--max-speed (max_speed_cm_s) must be greater than 0"),
    (["--max-speed", "-150"], "--max-speed (max_speed_cm_s) must be greater than 0"),
    (["--max-gap", "-1"], "--max-gap (max_gap_s) must be at least 0"),
    (["--smooth-window", "0"], "--smooth-window (smooth_window_s) must be greater than 0"),
    (["--moving-threshold", "-2"], "--moving-threshold (moving_threshold_cm_s) must be at least 0"),
    (["--moving-min", "-0.25"], "--moving-min (moving_min_s) must be at least 0"),
    (["--fps", "0"], "--fps must be a positive number"),
    (["--fps", "-30"], "--fps must be a positive number"),
    (["--arena-size-cm", "0", "40"], "--arena-size-cm must be two positive numbers"),
    (["--arena-size-cm", "40", "-40"], "--arena-size-cm must be two positive numbers"),
])
def test_run_refuses_bad_options_before_any_work(batch, tmp_path, capsys, monkeypatch, options, message):
    folder, _ = batch
    calls = StageCalls(monkeypatch)
    out = tmp_path / "out"
    argv = ["run", str(folder / "mouse_a.mp4"), "-o", str(out)]
    argv += options if "--arena-size-cm" in options else ["--arena-size-cm", "40", "40", *options]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("openfield run: error: ") and message in err, err
    assert not out.exists()  # no output folder, nothing written
    assert sum(calls.take().values()) == 0


def test_run_with_a_design_writes_the_study(batch, tmp_path, capsys):
    """``--design``: the study of the run's own results in OUT/study; a bad study option refused before any work."""
    folder, _ = batch
    design = tmp_path / "design.csv"
    design.write_text("video,group,dose\nmouse_a.mp4,vehicle,0\nmouse_b,drug,3\n")
    out = tmp_path / "out"
    bad = main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "--design", str(design),
                "--control", "placebo"])
    assert bad == 2 and not out.exists()  # refused before any video
    assert "--control 'placebo' is not a group of the design (groups: drug, vehicle)" in capsys.readouterr().err
    assert main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "--bin-min", "0"]) == 2
    assert not out.exists()
    rc = main(["run", str(folder), "-o", str(out), "--arena-size-cm", "40", "40", "--design", str(design),
               "--bin-min", "0.05", "--control", "vehicle"])
    assert rc == 1  # broken.mp4 failed; the study still covers the two animals of the design
    study = out / "study"
    videos = pd.read_csv(study / "videos.csv")
    summary = pd.read_csv(out / "summary_all.csv").set_index("video")
    assert videos["group"].tolist() == ["vehicle", "drug"] and videos["dose"].tolist() == [0, 3]
    assert videos["distance_cm"].to_numpy() == pytest.approx(summary.loc[["mouse_a.mp4", "mouse_b.mp4"],
                                                                         "distance_cm"].to_numpy())
    bins = pd.read_csv(study / "bins.csv")
    assert bins.groupby("recording")["distance_cm"].sum().to_numpy() == pytest.approx(
        videos.set_index("recording").loc[sorted(videos["recording"]), "distance_cm"].to_numpy(),
        abs=1e-3)  # bins add up the per-frame table, written to 4 decimals
    assert (study / "study.xlsx").exists() and (study / "study.html").exists()
