"""Issue 16 through ``openfield run``: truncated videos flagged, a variable-frame-rate video measured on its
timestamps, a full disk stops the batch cleanly, a held output folder is refused with its holder named, and paths
with spaces, non-ASCII letters and symlinks work."""

import errno
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from faultinject import command_env, temporaries

from openfield import kinematics, synthetic
from openfield.arena import zones
from openfield.cli import main
from openfield.io import files, read_dlc
from openfield.io.calibration import read_calibration
from openfield.pipeline import STATE_DIR

ARENA = ["--arena-size-cm", "40", "40"]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """Two 3-s synthetic videos (MPEG-4, 20 frames/s) of a mouse in a 40 x 40 cm arena."""
    folder = tmp_path_factory.mktemp("videos")
    for i, name in enumerate(("mouse_a", "mouse_b")):
        synthetic.render_video(folder, name, fps=20, duration_s=3, image_size=(320, 240), animal="dark", seed=30 + i)
    return folder


def _atoms(data, start=0, end=None):
    """Top-level (or nested, between start and end) MP4 atoms: (kind, offset, size, header size)."""
    end = len(data) if end is None else end
    i = start
    while i < end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", data[i + 8:i + 16])[0], 16
        elif size == 0:
            size = end - i
        yield kind.decode("latin-1"), i, size, head
        i += size


def move_index_to_front(path):
    """Put an MP4's index (``moov``) before its data, as ``ffmpeg -movflags faststart`` does.

    The chunk offsets (``stco``/``co64``) are shifted by the index's size. OpenCV writes the index at the
    end; cameras and web exports often put it first, and then half a file still opens.
    """
    data = bytearray(Path(path).read_bytes())
    top = {k: (i, s) for k, i, s, _ in _atoms(data)}
    mi, ms = top["moov"]
    moov = bytearray(data[mi:mi + ms])

    def patch(buf, start, end):
        for kind, i, size, head in _atoms(buf, start, end):
            if kind in ("trak", "mdia", "minf", "stbl"):
                patch(buf, i + head, i + size)
            elif kind in ("stco", "co64"):
                width, fmt = (4, ">I") if kind == "stco" else (8, ">Q")
                for j in range(struct.unpack(">I", buf[i + 12:i + 16])[0]):
                    o = i + 16 + width * j
                    buf[o:o + width] = struct.pack(fmt, struct.unpack(fmt, buf[o:o + width])[0] + ms)

    patch(moov, 8, len(moov))
    rest = data[:mi] + data[mi + ms:]
    fi, fs = top["ftyp"]
    Path(path).write_bytes(bytes(rest[:fi + fs] + moov + rest[fi + fs:]))
    assert [k for k, *_ in _atoms(Path(path).read_bytes())][:2] == ["ftyp", "moov"]


def reencode(src, dst, fourcc):
    """Copy a video's frames into another container/codec with OpenCV; returns the frame count."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    writer, n = None, 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if writer is None:
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*fourcc), fps, frame.shape[1::-1])
        writer.write(frame)
        n += 1
    cap.release()
    writer.release()
    return n


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "fourcc"), [(".avi", "MJPG"), (".mp4", "mp4v")])
def test_video_cut_in_half_is_analysed_and_flagged_truncated(videos, tmp_path, capsys, suffix, fourcc):
    video = tmp_path / f"cut{suffix}"
    n = reencode(videos / "mouse_a.mp4", video, fourcc)
    if suffix == ".mp4":
        move_index_to_front(video)
    data = video.read_bytes()
    video.write_bytes(data[:len(data) // 2])  # a copy that failed half way
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), *ARENA, "--no-plots"]) == 0
    err = capsys.readouterr().err
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row.frames_expected == n
    assert 0.2 * n < row.frames_read < 0.8 * n, row.frames_read  # about half the frames, all read
    assert "truncated" in row.qc_flags.split(";")
    assert row.duration_s == pytest.approx(row.frames_read / 20)
    assert f"{video}: read {row.frames_read} of the {n} frames the file announces" in err  # the reader's warning
    assert f"openfield run: check {video.name}: {row.qc_flags}" in err  # named again at the end
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Quality checks" in report and f"read {row.frames_read} of the {n} frames" in report


def _box_tree(data, start, end, rewrite):
    """An MP4 box tree rebuilt with ``rewrite(kind, box bytes)`` -> new bytes (containers rebuilt, sizes fixed)."""
    out = b""
    for kind, i, size, head in _atoms(data, start, end):
        if kind in ("moov", "trak", "mdia", "minf", "stbl"):
            body = _box_tree(data, i + head, i + size, rewrite)
            out += struct.pack(">I4s", 8 + len(body), kind.encode("latin-1")) + body
        else:
            out += rewrite(kind, bytes(data[i:i + size]))
    return out


def media_timescale(path):
    """The video track's time unit (ticks per second, from its ``mdhd``)."""
    found = []

    def look(kind, box):
        if kind == "mdhd":
            found.append(struct.unpack(">I", box[20:24])[0])  # version 0: flags, two dates, then the timescale
        return box

    data = Path(path).read_bytes()
    _box_tree(data, 0, len(data), look)
    return found[0]


def set_frame_durations(path, ticks):
    """Make an MP4 variable-frame-rate: frame ``i`` lasts ``ticks[i]`` media ticks.

    OpenCV writes a constant rate (one ``stts`` entry); a phone or capture program writes one entry per frame
    duration, as here. The edit list (``edts``) is dropped (it would cut the stream at the old duration) and the
    media duration set to the new total; the index (``moov``) follows the data, so no chunk offset moves.
    """
    ticks = [int(d) for d in ticks]
    stts = struct.pack(">I4sII", 16 + 8 * len(ticks), b"stts", 0, len(ticks)) + b"".join(
        struct.pack(">II", 1, d) for d in ticks)

    def rewrite(kind, box):
        if kind == "stts":
            return stts
        if kind == "edts":
            return b""
        if kind == "mdhd":
            assert box[8] == 0, "mdhd version 0"
            return box[:24] + struct.pack(">I", sum(ticks)) + box[28:]
        return box

    data = Path(path).read_bytes()
    top = {k: (i, s) for k, i, s, _ in _atoms(data)}
    (mi, ms), (di, _) = top["moov"], top["mdat"]
    assert mi > di, "the index must follow the data"
    Path(path).write_bytes(data[:mi] + _box_tree(data, mi, mi + ms, rewrite) + data[mi + ms:])


#: The variable-frame-rate video: a mouse circling at SPEED cm/s, 4 s at ~25 frames/s then 4 s at ~50.
SPEED, RADIUS = 15.0, 12.0


@pytest.fixture(scope="module")
def vfr_video(tmp_path_factory):
    """A real variable-frame-rate MP4 and its frame times (s): intervals 35-45 ms for 100 frames, then 15-25 ms
    for 200 (steps of 5 ms, exact in the file's 1/12800-s ticks)."""
    folder = tmp_path_factory.mktemp("vfr")
    rng = np.random.default_rng(1)
    interval_ms = np.r_[np.full(100, 40), np.full(200, 20)] + rng.choice([-5, 0, 0, 5], 300)
    t = np.r_[0, np.cumsum(interval_ms)[:-1]] / 1000.0
    ang = SPEED / RADIUS * t
    traj = pd.DataFrame({"frame": np.arange(len(t)), "time_s": t, "x_cm": 20 + RADIUS * np.cos(ang),
                         "y_cm": 20 + RADIUS * np.sin(ang), "heading_rad": ang + np.pi / 2, "speed_cm_s": SPEED,
                         "acceleration_cm_s2": 0.0, "phase": "cruise"})
    made = synthetic.render_video(folder, "vfr", trajectory=traj, fps=25, image_size=(320, 240), seed=3)
    scale = media_timescale(made.video)
    ticks = interval_ms * scale / 1000
    assert np.array_equal(ticks, np.round(ticks))
    set_frame_durations(made.video, ticks)
    cap = cv2.VideoCapture(str(made.video))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == len(t)
    cap.release()
    return made, t


def _halves(values, n_slow=100):
    """Median of a per-frame value over the slow-rate part (frames 5-95) and the fast-rate one (105-295)."""
    v = np.asarray(values, float)
    return np.nanmedian(v[5:n_slow - 5]), np.nanmedian(v[n_slow + 5:-5])


@pytest.mark.slow
def test_variable_frame_rate_video_is_measured_on_its_timestamps(vfr_video, tmp_path, capsys):
    made, t = vfr_video
    video, out = made.video, tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), *ARENA, "--no-plots"]) == 0
    err = capsys.readouterr().err
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert "fps_suspect" in row.qc_flags.split(";") and "variable frame rate" in err
    # the timestamps, kept beside the pose, are the time axis
    kept = pd.read_csv(out / "vfr_frame_times.csv")
    np.testing.assert_allclose(kept["timestamp_ms"], 1000 * t, atol=1e-6)
    frames = pd.read_csv(out / "vfr_kinematics.csv")
    np.testing.assert_allclose(frames["time_s"], t, atol=1e-4)
    # duration: last timestamp - first + one (the median) interval
    assert row.duration_s == pytest.approx(t[-1] - t[0] + np.median(np.diff(t)))
    # speed: the true 15 cm/s at both frame rates
    assert row.mean_speed_cm_s == pytest.approx(SPEED, rel=0.02)
    slow, fast = _halves(frames["speed_cm_s"])
    assert slow == pytest.approx(SPEED, rel=0.03) and fast == pytest.approx(SPEED, rel=0.03)
    # the same pose measured on frame index / fps (the container's mean rate) is clearly wrong
    fps = cv2.VideoCapture(str(video)).get(cv2.CAP_PROP_FPS)
    cal = read_calibration(out / "vfr_calibration.json")
    by_index = kinematics.analyze_pose(read_dlc(out / "vfr_pose.csv", fps=fps), cal)
    slow_i, fast_i = _halves(by_index["speed"].values)
    assert slow_i > 1.3 * SPEED and fast_i < 0.8 * SPEED, (slow_i, fast_i)  # ~22 and ~11 cm/s
    # distance is the same path either way, and the true one
    assert row.distance_cm == pytest.approx(kinematics.summarize(by_index)["distance_cm"], rel=0.005)
    assert row.distance_cm == pytest.approx(SPEED * t[-1], rel=0.02)
    # latency to the centre and time there: at the real times of the frames
    true_xy = np.c_[20 + RADIUS * np.cos(SPEED / RADIUS * t), 20 + RADIUS * np.sin(SPEED / RADIUS * t)]
    in_centre = zones.assign_zones(true_xy, (40.0, 40.0)) == zones.CENTER
    first = int(np.argmax(in_centre))
    assert row.latency_center_s == pytest.approx(t[first], abs=0.05)
    assert abs(first / fps - t[first]) > 0.1  # where frame / fps would put it
    durations = np.r_[np.diff(t), np.median(np.diff(t))]
    assert row.time_center_s == pytest.approx(durations[in_centre].sum(), abs=0.1)
    # a second run reads everything back
    assert main(["run", str(video), "-o", str(out), *ARENA, "--no-plots"]) == 0
    assert "every step up to date" in capsys.readouterr().err
    pd.testing.assert_series_equal(pd.read_csv(out / "summary_all.csv").iloc[0], row)


@pytest.mark.slow
def test_variable_frame_rate_behaviour_bins_and_heat_map_on_the_timestamps(vfr_video, tmp_path):
    """A pose classifier's bouts, the study's time bins and the heat map of the variable-frame-rate video: at the
    real times of its frames, adding up to the summary (the slow part's frames last twice as long)."""
    from openfield import plots
    from openfield.behavior import outputs
    from openfield.behavior.training import Recording, train_pose_model
    from openfield.study.bins import ADDITIVE

    made, t = vfr_video
    video, out = made.video, tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), *ARENA]) == 0
    fps = pd.read_csv(out / "summary_all.csv").iloc[0].fps  # the median rate
    assert fps == pytest.approx(1 / np.median(np.diff(t)))
    # a model that calls the slow part "rearing": its frames' 40-ms steps are twice the fast part's 20-ms ones
    ds = read_dlc(out / "vfr_pose.csv", fps=fps)
    labels = np.where(np.arange(len(t)) < 100, "rearing", "other").astype(object)
    recordings = [Recording(name, ds, {"r1": labels}) for name in ("vfr", "copy")]  # 2: leave one out
    trained, _ = train_pose_model(recordings, windows_s=(0.2,), min_bout_s=0.1)
    model = outputs.save_pose_model(trained, tmp_path / "rearing.joblib")
    assert main(["run", str(video), "-o", str(out), *ARENA, "--behavior-model", str(model)]) == 0
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    beh = pd.read_csv(out / "vfr_behavior.csv")
    np.testing.assert_allclose(beh["time_s"], t, atol=1e-9)  # the timestamps are the behaviour's time axis
    durations = np.r_[np.diff(t), np.median(np.diff(t))]
    rearing = beh["label"].eq("rearing").to_numpy()
    assert 80 < rearing.sum() < 120  # the model found the slow part
    assert row.time_rearing_s == pytest.approx(durations[rearing].sum(), abs=1e-6)
    assert abs(row.time_rearing_s - rearing.sum() / fps) > 1.0  # ~4 s; frame counts / fps say ~2 s
    assert row.latency_rearing_s == pytest.approx(t[np.argmax(rearing)], abs=1e-6)
    bouts = pd.read_csv(out / "vfr_bouts.csv")
    assert bouts["duration_s"].sum() == pytest.approx(row.duration_s, abs=1e-6)
    # the study's 2-s bins: on the frames' times, adding up to the summary
    design = tmp_path / "design.csv"
    pd.DataFrame([{"video": "vfr.mp4", "group": "a", "subject": "s1"}]).to_csv(design, index=False)
    assert main(["study", str(out), "--design", str(design), "--bin-min", str(2 / 60), "-o",
                 str(tmp_path / "study")]) == 0
    bins = pd.read_csv(tmp_path / "study" / "bins.csv")
    frames = pd.read_csv(out / "vfr_kinematics.csv")
    assert t[-1] > 8 and len(bins) == 5  # 0-2, 2-4, 4-6, 6-8 s and the rest, flagged partial
    assert bins["partial"].tolist() == [False] * 4 + [True]
    first = t < 2
    assert bins["bin_length_s"].iloc[0] == pytest.approx(t[np.argmin(first)], abs=1e-4)
    assert bins["time_rearing_s"].iloc[0] == pytest.approx(durations[first & rearing].sum(), abs=1e-4)
    for m in [*ADDITIVE, "time_rearing_s"]:
        assert bins[m].sum() == pytest.approx(row[m], abs=1e-3), m
    assert bins["bin_length_s"].sum() == pytest.approx(row.duration_s, abs=1e-3)
    assert row.time_center_s > 1 and row.time_moving_s > 6  # the sums above are not of zeros
    # frame index / fps would put 2 * fps frames (80) in the first bin, not the ~50 slow ones before 2 s,
    # and the always-moving animal's 300 frames would last 300 / fps = 7.5 s, not 8.1
    assert first.sum() < 0.7 * 2 * fps
    assert abs(frames["moving"].sum() / fps - row.time_moving_s) > 0.3
    # the heat map: every frame tracked, so it adds up to the duration
    assert row.fraction_missing == 0
    seconds, _, _ = plots.occupancy_s(frames, (40.0, 40.0), fps)
    assert seconds.sum() == pytest.approx(row.duration_s, abs=1e-3)
    assert (out / "vfr_heatmap.png").exists()


@pytest.mark.slow
def test_variable_frame_rate_with_a_pose_from_deeplabcut(vfr_video, tmp_path, monkeypatch):
    """--pose dlc: DeepLabCut reads the video itself; the pipeline decodes its timestamps once more."""
    from openfield.io import from_numpy, write_dlc_csv
    from openfield.pipeline import RunConfig, run_videos
    from openfield.pose import dlc

    made, t = vfr_video
    truth = pd.read_csv(made.truth)

    def analyze_videos(videos, config_path, out_dir, **kwargs):  # the true body centre, as DLC would find
        xy = truth[["body_x_px", "body_y_px"]].to_numpy()[:, None, :]
        ds = from_numpy(xy, np.ones((len(xy), 1)), ["bodycentre"], fps=25)
        return [write_dlc_csv(ds, out_dir / f"{videos[0].stem}DLC_resnet50_x.csv", scorer="DLC_resnet50_x")]

    snapshot = tmp_path / "snapshot-001.pt"
    snapshot.write_bytes(b"weights")
    monkeypatch.setattr(dlc, "analyze_videos", analyze_videos)
    monkeypatch.setattr(dlc, "repair_project", lambda config: [])
    monkeypatch.setattr(dlc, "trained_snapshots", lambda config, shuffle, trainingsetindex: [snapshot])
    config_yaml = tmp_path / "config.yaml"
    config_yaml.write_text("Task: x\n")
    config = RunConfig(arena_size_cm=(40.0, 40.0), pose="dlc", dlc_config=config_yaml, progress=False,
                       plots=False)
    (result,) = run_videos([made.video], tmp_path / "out", config)
    assert result.status == "done" and "frame_times" in result.steps_run
    assert "fps_suspect" in result.qc_flags.split(";") and result.summary["frames_read"] == len(t)
    frames = pd.read_csv(tmp_path / "out" / "vfr_kinematics.csv")
    np.testing.assert_allclose(frames["time_s"], t, atol=1e-4)
    assert result.summary["mean_speed_cm_s"] == pytest.approx(SPEED, rel=0.01)


@pytest.mark.slow
def test_full_disk_stops_the_batch_with_one_line_and_leaves_no_partial_file(videos, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    real_fsync = files._fsync_file

    def full_disk(path):  # the disk fills up while the second video's first output is being written
        if Path(path).name.startswith(".mouse_b"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_fsync(path)

    monkeypatch.setattr(files, "_fsync_file", full_disk)
    # one video after the other (--jobs 1): the first finishes before the disk fills up
    code = main(["run", str(videos), "-o", str(out), *ARENA, "--no-plots", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2
    errors = [line for line in err.splitlines() if "error" in line.lower() or "FAILED" in line]
    assert errors == [f"openfield run: error: {out}: cannot write output: the disk is full "
                      "(No space left on device)"], err
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if "mouse_b" in n] and temporaries(out) == []
    assert "summary_all.csv" not in names and "report.html" not in names
    finished = pd.read_csv(out / "mouse_a_summary.csv")  # the first video is complete and recorded
    assert list(finished["video"]) == ["mouse_a.mp4"]
    assert not (out / STATE_DIR / "mouse_b.json").exists()
    monkeypatch.setattr(files, "_fsync_file", real_fsync)  # space freed: the run resumes
    assert main(["run", str(videos), "-o", str(out), *ARENA, "--no-plots", "--jobs", "1"]) == 0
    table = pd.read_csv(out / "summary_all.csv")
    assert table["video"].tolist() == ["mouse_a.mp4", "mouse_b.mp4"]
    pd.testing.assert_frame_equal(table.iloc[[0]].reset_index(drop=True), finished)


def test_a_held_folder_is_refused_after_waiting_with_the_holder_named(tmp_path, capsys):
    out = tmp_path / "out"
    video = tmp_path / "mouse.mp4"
    video.write_bytes(b"never opened: the folder is refused first")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from openfield.io.lock import FolderLock; "
         "FolderLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)", str(out)],
        env=command_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code = main(["run", str(video), "-o", str(out), *ARENA, "--wait-s", "0.3"])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert code == 2
    assert (f"openfield run: error: {out}: in use by another openfield run (PID {holder.pid} on "
            f"{socket.gethostname()}, since ") in err
    assert "after waiting 0.3 s" in err
    assert sorted(p.name for p in out.iterdir()) == [".openfield.lock"]  # nothing written


@pytest.mark.slow
def test_paths_with_spaces_non_ascii_letters_and_a_symlinked_video(videos, tmp_path, capsys):
    target = tmp_path / "caméra 1" / "souris é 1.mp4"
    target.parent.mkdir()
    shutil.copy(videos / "mouse_a.mp4", target)
    folder = tmp_path / "vidéos de l'été"
    folder.mkdir()
    link = folder / "lien ü.mp4"
    link.symlink_to(target)
    out = tmp_path / "résultats 2026" / "sortie x"
    assert main(["run", str(folder), "-o", str(out), *ARENA]) == 0
    table = pd.read_csv(out / "summary_all.csv")
    # find_videos resolves links (two links to one video are one video): results carry the video's own name
    assert table["video"].tolist() == [target.name]
    assert table.loc[0, "frames_read"] == table.loc[0, "frames_expected"] > 50  # every frame of the 3 s
    for suffix in ("_summary.csv", "_kinematics.csv", "_pose.csv", "_calibration.json", "_heatmap.png"):
        assert (out / f"souris é 1{suffix}").is_file(), suffix
    assert link.is_symlink() and target.is_file()  # the link and its video untouched
    assert target.name in (out / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(link), str(target), "-o", str(out), *ARENA]) == 0  # the link and its target: one video
    assert "every step up to date" in capsys.readouterr().err


@pytest.mark.slow
def test_variable_frame_rate_with_several_arenas(tmp_path):
    """--arenas: the one tracking pass keeps the video's timestamps and every arena is measured on them."""
    rig = synthetic.render_arenas_video(tmp_path, "rig", rows=1, cols=2, fps=25, duration_s=20, seed=2)
    n = rig.n_frames
    interval_ms = np.where(np.arange(n) < n // 2, 40, 20) + np.random.default_rng(2).choice([-5, 0, 0, 5], n)
    ticks = interval_ms * media_timescale(rig.path) / 1000
    assert np.array_equal(ticks, np.round(ticks))
    set_frame_durations(rig.path, ticks)
    t = np.r_[0, np.cumsum(interval_ms)[:-1]] / 1000.0
    out = tmp_path / "out"
    assert main(["run", str(rig.path), "-o", str(out), "--arenas", "2", "--arena-size-cm", "30", "30",
                 "--no-plots", "-j", "1"]) == 0
    table = pd.read_csv(out / "summary_all.csv")
    assert list(table.arena) == [1, 2]
    for k in (1, 2):
        assert "fps_suspect" in table.qc_flags[k - 1].split(";")
        frames = pd.read_csv(out / f"rig_a{k}_kinematics.csv")
        np.testing.assert_allclose(frames["time_s"], t, atol=1e-4)  # not frame / fps
        assert table.duration_s[k - 1] == pytest.approx(t[-1] + np.median(np.diff(t)))
        # the path is the rendered one whatever the timing
        truth = synthetic.truth_summary(rig.truths[k - 1], 25, rig.arena_size_cm)["distance_cm"]
        assert table.distance_cm[k - 1] == pytest.approx(truth, rel=0.03)
