"""Issue 16 through ``openfield run``: truncated videos flagged, a full disk stops the batch cleanly, a held
output folder is refused with its holder named, and paths with spaces, non-ASCII letters and symlinks work."""

import errno
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import cv2
import pandas as pd
import pytest
from faultinject import command_env, temporaries

from openfield import synthetic
from openfield.cli import main
from openfield.io import files
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
