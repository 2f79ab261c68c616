"""QC flags: each flag raised on a known case and not on a clean one; truncated and variable-rate videos."""

import math
import subprocess

import cv2
import numpy as np
import pytest

from openfield import quality as q
from openfield.errors import OpenfieldError
from openfield.io.timestamps import read_frame_timestamps

CLEAN = dict(frames_read=18000, frames_expected=18000, fps=30.0, fraction_missing=0.01,
             fraction_interpolated=0.01, jumps_removed=2)


def test_a_clean_video_has_no_flag():
    rec = q.assess_quality(**CLEAN, timestamps_s=np.arange(18000) / 30.0, tracking_noise_cm=0.05, contrast=80,
                           arena_partial=False, animal_found_at_start=True)
    assert rec.flags == () and rec.qc_flags == "" and rec.message() == ""
    row = rec.as_row()
    assert list(row) == q.QC_COLUMNS
    assert row == {"frames_expected": 18000, "frames_read": 18000, "fraction_missing": 0.01,
                   "fraction_interpolated": 0.01, "jumps_removed": 2, "tracking_noise_cm": 0.05, "qc_flags": ""}


@pytest.mark.parametrize("change, flag", [
    (dict(frames_read=18000 - 91), "truncated"),  # 0.5 % of 18000 = 90 frames tolerated
    (dict(fps=0.5), "fps_suspect"),
    (dict(fps=1000.0), "fps_suspect"),
    (dict(fraction_missing=0.11), "high_missing"),
    (dict(contrast=19.0), "low_contrast"),
    (dict(arena_partial=True), "arena_partial"),
    (dict(animal_found_at_start=False), "animal_not_found_at_start"),
    (dict(frames_read=1799, frames_expected=1799), "short_recording"),  # 59.97 s
])
def test_each_flag_at_its_threshold(change, flag):
    rec = q.assess_quality(**{**CLEAN, **change})
    assert rec.flags == (flag,), rec.reasons
    assert rec.qc_flags == flag and rec.message().startswith(f"{flag}: ")


@pytest.mark.parametrize("change", [dict(frames_read=18000 - 90), dict(fps=1.0, frames_read=60, frames_expected=60),
                                    dict(fps=500.0, frames_read=30000, frames_expected=30000),
                                    dict(fraction_missing=0.1), dict(contrast=20.0),
                                    dict(frames_read=1800, frames_expected=1800), dict(frames_expected=None),
                                    dict(frames_expected=0), dict(frames_read=18010)])
def test_just_inside_the_thresholds_no_flag(change):
    assert q.assess_quality(**{**CLEAN, **change}).flags == ()


def test_flags_are_listed_in_vocabulary_order():
    rec = q.assess_quality(frames_read=100, frames_expected=400, fps=25, fraction_missing=0.5,
                           animal_found_at_start=False)
    assert rec.qc_flags == "truncated;high_missing;animal_not_found_at_start;short_recording"
    assert rec.reasons["truncated"] == ("read 100 of the 400 frames the file announces "
                                        "(75% missing: cut short or damaged)")
    assert q.parse_qc_flags(rec.qc_flags) == list(rec.flags)
    assert q.parse_qc_flags(float("nan")) == [] and q.parse_qc_flags("") == []
    with pytest.raises(OpenfieldError, match="unknown QC flag"):
        q.parse_qc_flags("truncated;wobbly")
    assert math.isnan(q.assess_quality(frames_read=10, fps=25, fraction_missing=0).as_row()["frames_expected"])


def test_irregular_timestamps_are_fps_suspect():
    rng = np.random.default_rng(0)
    regular = np.arange(18000) / 30.0 + rng.normal(0, 0.0005, 18000)  # 0.5 ms jitter: fine
    assert q.frame_interval_cv(regular) < 0.05
    assert q.assess_quality(**CLEAN, timestamps_s=regular).flags == ()
    vfr = np.cumsum(np.where(np.arange(18000) % 2, 0.025, 0.0417))  # alternating 40 and 24 frames/s
    rec = q.assess_quality(**CLEAN, timestamps_s=vfr)
    assert rec.flags == ("fps_suspect",) and "variable frame rate" in rec.reasons["fps_suspect"]
    assert q.timestamps_irregular(vfr) and not q.timestamps_irregular(regular)
    backwards = np.arange(100) / 30.0
    backwards[50] = backwards[10]
    assert q.timestamps_irregular(backwards)
    assert "do not increase" in q.assess_quality(**CLEAN, timestamps_s=backwards).reasons["fps_suspect"]
    # regular, but not at the container's rate
    rec = q.assess_quality(**CLEAN, timestamps_s=np.arange(18000) / 25.0)
    assert rec.reasons["fps_suspect"] == "the file says 30 frames/s but its timestamps give 25 frames/s"


def test_frame_times_from_timestamps():
    times = q.frame_times_from_timestamps([1000.0, 1040.0, 1100.0, 1125.5])
    np.testing.assert_allclose(times, [0, 0.04, 0.1, 0.1255])
    with pytest.raises(OpenfieldError, match=r"do not increase \(frame 2: 40.000 ms after 40.000 ms\)"):
        q.frame_times_from_timestamps([0.0, 40.0, 40.0])
    with pytest.raises(OpenfieldError, match=r"1 frame time\(s\) missing or not a number, the first at frame 1"):
        q.frame_times_from_timestamps([0.0, np.nan])
    with pytest.raises(OpenfieldError, match="non-empty"):
        q.frame_times_from_timestamps([])


def test_found_at_start():
    found = np.zeros(300, bool)
    found[29] = True
    assert q.found_at_start(found, fps=30)  # frame 29 is within the first second
    found[29], found[30] = False, True
    assert not q.found_at_start(found, fps=30)
    assert q.found_at_start(found, fps=30, window_s=2)


def test_found_in_start_window_is_found_at_start():
    """The rule on the first found frame's time gives the per-frame rule's answer, at any rate and window."""
    for fps in (1.0, 7.5, 25.0, 29.97, 30.0, 60.0, 120.0):
        for window in (0.5, 1.0, 2.0):
            for first in range(0, int(3 * fps * window) + 2):
                found = np.zeros(int(3 * fps * window) + 3, bool)
                found[first] = True
                assert q.found_in_start_window(first / fps, window) == q.found_at_start(found, fps, window), (
                    fps, window, first)
    assert not q.found_in_start_window(None)
    assert q.found_in_start_window(0.999) and not q.found_in_start_window(1.0)


def test_variable_frame_times_only_for_irregular_timestamps():
    """Regular timestamps keep frame index / fps (None); irregular ones give the times, from 0, in seconds."""
    assert q.variable_frame_times(np.arange(300) * 1000 / 30.0) is None
    assert q.variable_frame_times(np.arange(300) * 1000 / 30.0 + np.random.default_rng(0).uniform(0, 1, 300)) is None
    ms = 500.0 + np.cumsum(np.where(np.arange(300) % 2, 25.0, 40.0))
    np.testing.assert_allclose(q.variable_frame_times(ms), (ms - ms[0]) / 1000)
    assert q.variable_frame_times([0.0, 40.0]) is None  # too few frames to judge
    with pytest.raises(OpenfieldError, match="do not increase"):
        q.variable_frame_times(np.r_[ms[:10], ms[5:]])


def test_bad_input():
    with pytest.raises(OpenfieldError, match="frames_read"):
        q.assess_quality(frames_read=-1, fps=30, fraction_missing=0)
    assert "fps_suspect" in q.assess_quality(frames_read=10, fps=float("nan"), fraction_missing=0).flags


# --- real files: truncated and variable-frame-rate videos ----------------------------------------

def _write(path, fourcc, n=60, fps=20.0):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (160, 120))
    assert w.isOpened()
    for i in range(n):
        f = np.full((120, 160, 3), (i * 4) % 255, np.uint8)
        cv2.putText(f, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255))
        w.write(f)
    w.release()
    return path


def _ffmpeg(*args):
    import imageio_ffmpeg  # ships with deeplabcut (requirements.txt)

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *args], check=True, timeout=120)


def _cut_at_half(src, dst):
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def _mp4_index_at_front(tmp_path):
    raw = _write(tmp_path / "raw.mp4", "mp4v")
    out = tmp_path / "front.mp4"
    _ffmpeg("-i", str(raw), "-c", "copy", "-movflags", "+faststart", str(out))
    return out


@pytest.mark.parametrize("kind", ["avi_mjpg", "mp4_faststart"])
def test_a_video_cut_at_half_is_flagged_truncated(tmp_path, kind):
    full = _write(tmp_path / "v.avi", "MJPG") if kind == "avi_mjpg" else _mp4_index_at_front(tmp_path)
    whole = read_frame_timestamps(full)
    assert whole.frames_read == whole.frames_expected == 60 and whole.container_fps == 20
    np.testing.assert_allclose(whole.timestamps_ms, np.arange(60) * 50.0, atol=1e-6)
    ok = q.assess_quality(frames_read=whole.frames_read, frames_expected=whole.frames_expected, fps=20,
                          fraction_missing=0, timestamps_s=whole.timestamps_ms / 1000)
    assert ok.flags == ("short_recording",)

    half = read_frame_timestamps(_cut_at_half(full, tmp_path / f"half{full.suffix}"))
    assert half.frames_expected == 60  # the container still announces them all
    assert 15 <= half.frames_read <= 35  # what OpenCV decodes before the cut (26 / 25 here)
    rec = q.assess_quality(frames_read=half.frames_read, frames_expected=half.frames_expected, fps=20,
                           fraction_missing=0, timestamps_s=half.timestamps_ms / 1000)
    assert rec.flags == ("truncated", "short_recording")
    assert rec.as_row()["frames_read"] < rec.as_row()["frames_expected"]


def test_an_mp4_cut_at_half_with_its_index_at_the_end_cannot_be_opened(tmp_path):
    half = _cut_at_half(_write(tmp_path / "v.mp4", "mp4v"), tmp_path / "half.mp4")
    with pytest.raises(OpenfieldError, match="cannot open as a video"):
        read_frame_timestamps(half)
    with pytest.raises(OpenfieldError, match="video not found"):
        read_frame_timestamps(tmp_path / "nope.mp4")


def test_a_variable_frame_rate_video(tmp_path):
    """Frames alternately 75 and 25 ms apart: times come from the timestamps, flagged fps_suspect."""
    src = _write(tmp_path / "cfr.mp4", "mp4v")
    vfr = tmp_path / "vfr é.mp4"
    _ffmpeg("-i", str(src), "-vf", r"setpts=(N+0.5*mod(N\,2))/(20*TB)", "-fps_mode", "passthrough",
            "-enc_time_base", "1/1000", "-c:v", "mpeg4", "-q:v", "3", str(vfr))
    link = tmp_path / "link to vfr.mp4"
    link.symlink_to(vfr)
    ts = read_frame_timestamps(link)
    assert ts.frames_read == 60
    truth = (np.arange(60) + 0.5 * (np.arange(60) % 2)) * 50.0  # ms
    np.testing.assert_allclose(ts.timestamps_ms, truth, atol=0.01)
    times = q.frame_times_from_timestamps(ts.timestamps_ms)
    np.testing.assert_allclose(times, truth / 1000, atol=1e-5)
    assert q.timestamps_irregular(times)
    rec = q.assess_quality(frames_read=ts.frames_read, frames_expected=ts.frames_expected, fps=ts.container_fps,
                           fraction_missing=0, timestamps_s=times)
    assert "fps_suspect" in rec.flags and "truncated" not in rec.flags


def test_qc_overview_puts_flagged_videos_first():
    import pandas as pd

    summary = pd.DataFrame({"video": ["a.mp4", "b.mp4", "c.mp4", "d.mp4"],
                            "qc_flags": [float("nan"), "short_recording", "truncated;high_missing", ""],
                            "distance_cm": [1.0, 2.0, 3.0, 4.0]})
    table = q.qc_overview(summary)
    assert table["video"].tolist() == ["c.mp4", "b.mp4", "a.mp4", "d.mp4"]
    assert table["qc_flags"].tolist() == ["truncated;high_missing", "short_recording", "", ""]
    assert table["reason"][0] == ("fewer frames than the file announces: cut short or damaged; "
                                  "animal not found in more than 10% of frames")
    assert set(q.FLAG_DESCRIPTIONS) == set(q.QC_FLAGS)
    with pytest.raises(OpenfieldError, match="no 'qc_flags' column"):
        q.qc_overview(summary.drop(columns="qc_flags"))


def test_timestamp_summary_judges_like_the_timestamps():
    """What a step record keeps of the frame times gives the same fps_suspect verdict as the times."""
    from openfield.quality import assess_quality, timestamp_summary

    regular = np.arange(300) / 30.0
    s = timestamp_summary(regular)
    assert s["frames"] == 300 and s["increasing"] and s["frame_interval_cv"] < 1e-9
    assert s["timestamps_fps"] == pytest.approx(30.0)
    rng = np.random.default_rng(1)
    cases = [regular, np.cumsum(rng.uniform(0.01, 0.06, 300)), regular * 30 / 25, regular[::-1]]
    for t in cases:
        a = assess_quality(frames_read=300, fps=30.0, fraction_missing=0.0, timestamps_s=t)
        b = assess_quality(frames_read=300, fps=30.0, fraction_missing=0.0, timestamp_stats=timestamp_summary(t))
        assert ("fps_suspect" in a.flags) == ("fps_suspect" in b.flags)
    flags = [("fps_suspect" in assess_quality(frames_read=300, fps=30.0, fraction_missing=0.0,
                                              timestamp_stats=timestamp_summary(t)).flags) for t in cases]
    assert flags == [False, True, True, True]  # regular; variable; 25 frames/s in a 30 frames/s file; decreasing
