"""The multi-arena pieces of the pipeline: options, names, the shared tracking step's record, the empty arena's
row, ``summary_all.csv`` with its ``arena`` column, the arenas' labelled videos in one decode (on a 1-s video
of two boxes), and the outputs of arenas that no longer exist."""

import logging

import cv2
import numpy as np
import pandas as pd
import pytest

from openfield import overlay, synthetic, tracking
from openfield.calibration import Calibration, calibrate_arena
from openfield.errors import OpenfieldError
from openfield.io.pose import from_numpy, read_dlc, write_dlc_csv
from openfield.io.video import video_info
from openfield.kinematics import SUMMARY_COLUMNS
from openfield.pipeline import STATE_DIR, Ledger, RunConfig, VideoResult, result_units, write_batch_summary
from openfield.pipeline.paths import arena_stem, check_arena_stems, output_paths
from openfield.pipeline.run import empty_arena_row
from openfield.pipeline.steps import (
    arena_labeled_video_step,
    arena_part_step,
    arena_tracking_step,
    arenas_step,
)
from openfield.quality import FLAG_DESCRIPTIONS, QC_COLUMNS, parse_qc_flags

SIZE = (30.0, 30.0)
SQUARE = [[0, 0], [100, 0], [100, 100], [0, 100]]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"arenas": 0}, "--arenas must be a whole number of at least 1, or auto, got 0"),
    ({"arenas": -2}, "--arenas must be a whole number of at least 1, or auto, got -2"),
    ({"arenas": 2.5}, "--arenas must be a whole number of at least 1, or auto, got 2.5"),
    ({"arenas": True}, "--arenas must be a whole number of at least 1, or auto, got True"),
    ({"arenas": "all"}, "--arenas must be a whole number of at least 1, or auto, got 'all'"),
    ({"arena_corners": [[[0, 0], [1, 0], [1, 1]]]}, "--arena-corners: arena 1 must have four finite"),
    ({"arena_corners": []}, "--arena-corners: no arena given"),
    ({"arenas": 3, "arena_corners": [SQUARE, SQUARE]}, "--arenas 3 but the --arena-corners file gives 2 arena"),
    ({"arenas": 2, "pose": "dlc", "dlc_config": "c.yaml"}, "--pose dlc tracks one animal in the whole image"),
])
def test_run_config_refuses_arena_options(kwargs, message):
    with pytest.raises(OpenfieldError, match=message.replace("(", ".").replace(")", ".")):
        RunConfig(**{"arena_size_cm": SIZE, **kwargs})


def test_run_config_refuses_calibrations_that_do_not_fit_the_arenas(tmp_path):
    one = Calibration(method="points", px_per_cm=5.0)
    with pytest.raises(OpenfieldError, match="--calibration holds one arena; with --arenas"):
        RunConfig(calibration=one, arenas=4)
    with pytest.raises(OpenfieldError, match="--arenas 4 but the --calibration file gives 2 arena"):
        RunConfig(calibration=[one, one], arenas=4)
    with pytest.raises(OpenfieldError, match="--arena-corners goes with --arena-size-cm"):
        RunConfig(calibration=[one, one], arena_corners=[SQUARE, SQUARE])
    vit = tmp_path / "vit_model"
    vit.mkdir()
    with pytest.raises(OpenfieldError, match="a behaviour ViT writes its files per video, not per arena"):
        RunConfig(arena_size_cm=SIZE, arenas="auto", behavior_model=vit)


@pytest.mark.parametrize(("kwargs", "multi", "n"), [
    ({}, False, None),
    ({"arenas": 1}, False, 1),
    ({"arenas": 4}, True, 4),
    ({"arenas": "auto"}, True, None),
    ({"arena_corners": [SQUARE] * 3}, True, 3),
    ({"arena_corners": [SQUARE], "arenas": 1}, True, 1),  # corners by hand: the arena path, even for one
])
def test_which_runs_take_the_multi_arena_path(kwargs, multi, n):
    config = RunConfig(arena_size_cm=SIZE, **kwargs)
    assert config.multi_arena is multi and config.n_arenas == n


def test_arena_names():
    assert arena_stem("cage", 3) == "cage_a3"
    from pathlib import Path

    check_arena_stems([Path("cage.mp4"), Path("box_a2.mp4"), Path("rig_a.mp4")])  # no video named like an arena
    with pytest.raises(OpenfieldError, match="the video.s. cage_a2 would collide with another video's arena"):
        check_arena_stems([Path("cage.mp4"), Path("cage_a2.mp4")])


def test_empty_arena_is_a_known_flag():
    assert parse_qc_flags("empty_arena") == ["empty_arena"]
    assert "no animal" in FLAG_DESCRIPTIONS["empty_arena"]


def _arena_datasets(n_frames, fps, empty):
    """What track_video_arenas returns for two arenas: a mouse in the first, none in the second if ``empty``."""
    traj = synthetic.make_trajectory(fps=fps, duration_s=n_frames / fps, arena_size_cm=SIZE, seed=1)
    ds = synthetic.pose_from_trajectory(traj.iloc[:n_frames], np.diag([4.0, 4.0, 1.0]), SIZE, fps,
                                        with_corners=False)
    other = ds.copy(deep=True)
    if empty:
        other["position"][:] = np.nan
        other["confidence"][:] = 0.0
    for k, d in enumerate((ds, other), 1):
        shape = np.full((n_frames, len(tracking.SILHOUETTE_MEASURES)), np.nan if k == 2 and empty else 100.0)
        d["silhouette"] = (("time", "silhouette_measure"), shape)
        d.coords["silhouette_measure"] = list(tracking.SILHOUETTE_MEASURES)
        d.attrs.update(arena=k, frames_expected=n_frames, frames_read=n_frames, frames_failed=0,
                       timestamps_ms=np.arange(n_frames) * 1000.0 / fps)
    return [ds, other]


def test_arena_tracking_step_writes_each_arena_once_and_redoes_when_the_arenas_change(tmp_path, monkeypatch):
    video = tmp_path / "cage.mp4"
    video.write_bytes(b"a video")
    cals = [calibrate_arena([], SIZE, corners_px=np.array(SQUARE, float) + [110 * k, 0]) for k in range(2)]
    calls = []

    def fake(path, arenas, config=None, fps=None, progress=True):
        calls.append([np.asarray(a).tolist() for a in arenas])
        return _arena_datasets(30, 10.0, empty=True)

    monkeypatch.setattr(tracking, "track_video_arenas", fake)
    ledger = Ledger(tmp_path / "out", "cage")
    fp, paths, readers = arena_tracking_step(ledger, video, tracking.TrackerConfig(), cals, "arenas-1", 10.0, False)
    assert [p.name for p in paths] == ["cage_a1_pose.csv", "cage_a2_pose.csv"]
    assert [r["empty"] for r in readers] == [False, True]
    assert readers[0]["frames_read"] == 30 and readers[0]["timestamps"]
    assert calls == [[c.arena_corners_px.tolist() for c in cals]]  # one pass, all arenas
    body = read_dlc(paths[0], fps=10.0)["position"].sel(keypoints="body").values
    assert np.isfinite(body).all()
    assert np.isnan(read_dlc(paths[1], fps=10.0)["position"].values).all()
    # a new process: the record says it is done
    again = Ledger(tmp_path / "out", "cage")
    assert arena_tracking_step(again, video, tracking.TrackerConfig(), cals, "arenas-1", 10.0, False)[0] == fp
    assert len(calls) == 1 and again.ran == []
    # other arenas, another tracker option, or a lost output: tracked again
    arena_tracking_step(Ledger(tmp_path / "out", "cage"), video, tracking.TrackerConfig(), cals, "arenas-2", 10.0,
                        False)
    arena_tracking_step(Ledger(tmp_path / "out", "cage"), video, tracking.TrackerConfig(animal="dark"), cals,
                        "arenas-2", 10.0, False)
    paths[1].unlink()
    arena_tracking_step(Ledger(tmp_path / "out", "cage"), video, tracking.TrackerConfig(animal="dark"), cals,
                        "arenas-2", 10.0, False)
    assert len(calls) == 4 and paths[1].exists()
    # each arena's ledger records its part once
    unit = Ledger(tmp_path / "out", "cage_a1")
    assert arena_part_step(unit, "pose", "p1", {"pose": paths[0]}, {"frames_read": 30}) == "p1"
    arena_part_step(unit, "pose", "p1", {"pose": paths[0]})
    assert unit.ran == ["pose"] and Ledger(tmp_path / "out", "cage_a1").records["pose"]["values"]["frames_read"] == 30


def test_empty_arena_row_keeps_the_recording_and_leaves_the_measures_empty(tmp_path):
    cal = calibrate_arena([], SIZE, corners_px=np.array(SQUARE, float))
    reader = {"frames_expected": 300, "frames_read": 299}
    row = empty_arena_row({"video": "cage.mp4", "arena": 4}, 15.0, cal, reader, RunConfig(arena_size_cm=SIZE))
    assert list(row)[:2] == ["video", "arena"]
    assert list(row)[2:] == [*SUMMARY_COLUMNS, *[c for c in QC_COLUMNS if c not in SUMMARY_COLUMNS]]
    assert row["qc_flags"] == "empty_arena" and row["fraction_missing"] == 1.0
    assert row["duration_s"] == pytest.approx(299 / 15.0) and row["px_per_cm"] == pytest.approx(100 / 30)
    assert row["frames_expected"] == 300 and row["frames_read"] == 299
    assert np.isnan(row["distance_cm"]) and np.isnan(row["time_center_s"]) and np.isnan(row["tracking_noise_cm"])


def test_summary_all_has_an_arena_column_only_with_arenas(tmp_path):
    def row(video, **extra):
        return {"video": video, **dict.fromkeys(SUMMARY_COLUMNS, 1.0), "qc_flags": "", **extra}

    single = [VideoResult(tmp_path / "a.mp4", "done", row("a.mp4")), VideoResult(tmp_path / "b.mp4", "failed")]
    write_batch_summary(tmp_path, single)
    table = pd.read_csv(tmp_path / "summary_all.csv")
    assert "arena" not in table.columns and table["video"].tolist() == ["a.mp4"]
    arenas = [VideoResult(tmp_path / "cage.mp4", "done", row("cage.mp4", arena=k), arena=k) for k in (1, 2)]
    results = [VideoResult(tmp_path / "cage.mp4", "done", arenas=arenas), *single]
    assert [u.label for u in result_units(results)] == ["cage.mp4 arena 1", "cage.mp4 arena 2", "a.mp4", "b.mp4"]
    write_batch_summary(tmp_path, results)
    table = pd.read_csv(tmp_path / "summary_all.csv")
    assert list(table.columns[:2]) == ["video", "arena"]
    assert table["video"].tolist() == ["cage.mp4", "cage.mp4", "a.mp4"]
    assert table["arena"].tolist()[:2] == [1, 2] and np.isnan(table["arena"].iloc[2])


#: Two boxes side by side in a 200 x 100 image.
TWO_ARENAS = [np.array([[10, 10], [90, 10], [90, 90], [10, 90]], float),
              np.array([[110, 10], [190, 10], [190, 90], [110, 90]], float)]


def _two_box_video(path, n_frames=20):
    """A 200 x 100 grey video with a dark disc in each of the :data:`TWO_ARENAS`; each disc's centre per frame."""
    centres = [np.array([[30.0 + i, 50.0] for i in range(n_frames)]), np.array([[150.0, 30.0 + i] for i in
                                                                                 range(n_frames)])]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (200, 100))
    for i in range(n_frames):
        frame = np.full((100, 200, 3), 128, np.uint8)
        for c in centres:
            cv2.circle(frame, (int(c[i, 0]), int(c[i, 1])), 6, (20, 20, 20), -1)
        writer.write(frame)
    writer.release()
    return centres


def _counted_readers(monkeypatch):
    """Count the labelled videos' decodes: the readers :mod:`openfield.overlay` makes."""
    readers = []

    class Counted(overlay.VideoReader):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            readers.append(self)

    monkeypatch.setattr(overlay, "VideoReader", Counted)
    return readers


def test_arena_labeled_videos_one_decode_each_its_box_and_redone_only_where_changed(tmp_path, monkeypatch):
    video, out = tmp_path / "cage.mp4", tmp_path / "out"
    centres = _two_box_video(video)
    cals = [calibrate_arena([], SIZE, corners_px=c) for c in TWO_ARENAS]
    units = []
    for k, c in enumerate(centres, 1):  # each arena's pose and kinematics steps, as the run records them
        unit = Ledger(out, arena_stem("cage", k))
        paths = output_paths(unit.stem, out)
        write_dlc_csv(from_numpy(np.stack([c + [6, 0], c], axis=1), None, ["head", "body"], fps=20.0), paths["pose"])
        pd.DataFrame({"zone": ["centre"] * 20}).to_csv(paths["kinematics"], index=False)
        unit.record("pose", f"pose{k}", {"pose": paths["pose"]})
        unit.record("kinematics", f"kin{k}", {"kinematics": paths["kinematics"]})
        units.append(unit)
    readers = _counted_readers(monkeypatch)
    inputs = [["pose1", "kin1"], ["pose2", "kin2"]]
    fps = arena_labeled_video_step(units, video, 20.0, cals, inputs, (200, 100), False)
    assert len(readers) == 1 and readers[0].frames_read == 20  # one decode for both arenas
    boxes = [(6, 6, 96, 96), (106, 6, 196, 96)]  # each arena's corners, 4 px margin (5 % of 80), even sizes
    for k, (box, c) in enumerate(zip(boxes, centres, strict=True), 1):
        path = out / f"cage_a{k}_labeled.mp4"
        info = video_info(path)
        assert (info.n_frames, info.width, info.height) == (20, box[2] - box[0], box[3] - box[1])
        cap = cv2.VideoCapture(str(path))
        cap.set(cv2.CAP_PROP_POS_FRAMES, 10)
        frame = cap.read()[1]
        cap.release()
        x, y = (c[10] - box[:2]).astype(int)  # the body at frame 10, in the box's pixels: the green disc
        b, g, r = frame[y, x].astype(int)
        assert g > 120 and r < 100 and b < 100, k
    # a new process, nothing changed: no decode; arena 2's kinematics changed: only its video, in one decode
    again = [Ledger(out, arena_stem("cage", k)) for k in (1, 2)]
    assert arena_labeled_video_step(again, video, 20.0, cals, inputs, (200, 100), False) == fps
    assert len(readers) == 1 and all(u.ran == [] for u in again)
    first = (out / "cage_a1_labeled.mp4").stat().st_mtime_ns
    again = [Ledger(out, arena_stem("cage", k)) for k in (1, 2)]
    changed = arena_labeled_video_step(again, video, 20.0, cals, [inputs[0], ["pose2", "kin2-new"]], (200, 100),
                                       False)
    assert changed[0] == fps[0] and changed[1] != fps[1]
    assert len(readers) == 2 and [u.ran for u in again] == [[], ["labeled_video"]]
    assert (out / "cage_a1_labeled.mp4").stat().st_mtime_ns == first


def test_fewer_arenas_than_last_run_removes_the_gone_arenas_outputs_and_records(tmp_path, monkeypatch):
    video, out = tmp_path / "cage.mp4", tmp_path / "out"
    _two_box_video(video)
    quarters = [calibrate_arena([], SIZE, corners_px=c) for c in (
        [[5, 5], [45, 5], [45, 45], [5, 45]], [[55, 5], [95, 5], [95, 45], [55, 45]],
        [[105, 5], [145, 5], [145, 45], [105, 45]], [[155, 5], [195, 5], [195, 45], [155, 45]])]
    ledger = Ledger(out, "cage")
    arenas_step(ledger, video, None, None, given=quarters)
    for k in (1, 2, 3, 4):  # what a run leaves per arena: its record and its files (one written but not recorded)
        unit = Ledger(out, arena_stem("cage", k))
        paths = output_paths(unit.stem, out)
        for name in ("pose", "kinematics", "summary", "trajectory"):
            paths[name].write_text("x")
        (out / f"cage_a{k}_silhouette.csv").write_text("x")
        (out / f"cage_a{k}_behavior.csv").write_text("x")
        unit.record("summary", "s", {"summary": paths["summary"], "behavior": out / f"cage_a{k}_behavior.csv"})
    bystanders = [out / "cage_a3_x_summary.csv", out / STATE_DIR / "cage_a3_x.json", out / "cage_a33_summary.csv"]
    for path in bystanders:  # another video's (cage_a3_x.mp4, cage_a33.mp4): never touched
        path.write_text("x")
    # the same arenas again: nothing removed
    arenas_step(Ledger(out, "cage"), video, None, None, given=quarters)
    assert (out / "cage_a4_summary.csv").exists()
    # the warning, caught on the step's own logger: whatever earlier tests did to the loggers above it
    kept = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: kept.append(record)
    steps_log = logging.getLogger("openfield.pipeline.steps.arenas")
    monkeypatch.setattr(steps_log, "disabled", False)
    monkeypatch.setattr(logging.root.manager, "disable", logging.NOTSET)
    monkeypatch.setattr(steps_log, "handlers", [handler])
    level = steps_log.level
    steps_log.setLevel(logging.WARNING)  # (also clears the loggers' cached levels)
    try:
        cals, _ = arenas_step(Ledger(out, "cage"), video, None, None, given=quarters[:2])
    finally:
        steps_log.setLevel(level)
    assert len(cals) == 2
    left = {p.name for p in out.iterdir()} | {p.name for p in (out / STATE_DIR).iterdir()}
    assert not [name for name in left if name.startswith(("cage_a3_", "cage_a4_", "cage_a3.", "cage_a4."))
                and "cage_a3_x" not in name]
    assert all(path.exists() for path in bystanders)
    for k in (1, 2):
        assert (out / f"cage_a{k}_summary.csv").exists() and (out / STATE_DIR / f"cage_a{k}.json").exists()
        assert (out / f"cage_a{k}_calibration.json").exists()
    assert Ledger(out, "cage").records["arenas"]["values"]["arenas"] == 2
    removed = [r.getMessage() for r in kept if "no longer found" in r.getMessage()]
    assert removed == ["cage: arena(s) 3, 4 no longer found: removed the outputs and records of cage_a3, cage_a4 "
                       "(16 files)"]
