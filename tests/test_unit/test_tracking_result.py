"""The tracker's outputs as a typed contract: :class:`openfield.tracking.TrackerInfo` in the pose Dataset's attrs."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import synthetic, tracking
from openfield.errors import OpenfieldError
from openfield.pipeline.ledger import Ledger
from openfield.pipeline.steps.tracking import tracker_pose_step
from openfield.tracking import TrackerConfig, TrackerInfo, track_frames, track_video, tracker_info
from openfield.tracking.result import VIDEO_KEYS


def _info(**video) -> TrackerInfo:
    return TrackerInfo(config=TrackerConfig(animal="dark", threshold=20.0, downsample=False), animal="dark",
                       threshold=20.0, contrast=150.5, several_animals_fraction=0.1, **video)


VIDEO = {"frames_expected": 12, "frames_read": 11, "frames_failed": 1, "background": "first 20 s", "arena": 2,
         "timestamps_ms": np.arange(11) * 40.0}


@pytest.mark.parametrize("video", [{}, VIDEO], ids=["frames", "video"])
def test_the_info_round_trips_through_the_attrs(video):
    info = _info(**video)
    attrs = info.to_attrs()
    assert list(attrs)[:5] == ["tracker_config", "animal", "threshold", "contrast", "several_animals_fraction"]
    assert (list(attrs)[5:] == list(VIDEO_KEYS)) == bool(video)
    back = TrackerInfo.from_attrs(attrs)
    assert back == info and back.config == info.config and back.from_video == bool(video)
    if video:
        np.testing.assert_array_equal(back.timestamps_ms, VIDEO["timestamps_ms"])
        assert back.timestamps_ms.dtype == float


def test_none_contrast_and_several_share_round_trip():
    info = TrackerInfo(config=TrackerConfig(), animal="auto", threshold=0.0, contrast=None,
                       several_animals_fraction=None)
    assert TrackerInfo.from_attrs(info.to_attrs()) == info


@pytest.mark.parametrize(("key", "value", "message"), [
    ("threshold", "high", "'threshold' must be a number, not 'high'"),
    ("contrast", [1, 2], "'contrast' must be a number or None"),
    ("animal", "grey", "'animal' must be dark, light or auto, not 'grey'"),
    ("animal", 3, "'animal' must be text, not 3"),
    ("frames_read", 11.5, "'frames_read' must be an integer, not 11.5"),
    ("arena", True, "'arena' must be an integer, not True"),
    ("background", 5, "'background' must be text"),
    ("timestamps_ms", [[1.0, 2.0]], "'timestamps_ms' must be a list of times in ms (one dimension)"),
    ("tracker_config", "{'animal': 'dark'}", "'tracker_config' must be a dictionary of"),
    ("tracker_config", "not a dict(", "'tracker_config' must be the options' dictionary"),
])
def test_a_mistyped_attribute_is_named(key, value, message):
    attrs = {**_info(**VIDEO).to_attrs(), key: value}
    with pytest.raises(OpenfieldError) as err:
        TrackerInfo.from_attrs(attrs, "cage.mp4")
    assert message in str(err.value) and "cage.mp4" in str(err.value)


@pytest.mark.parametrize("key", ["tracker_config", "animal", "threshold", "contrast", "several_animals_fraction"])
def test_a_missing_attribute_is_named(key):
    attrs = _info().to_attrs()
    del attrs[key]
    with pytest.raises(OpenfieldError, match=f"no tracker attribute '{key}'"):
        TrackerInfo.from_attrs(attrs)


def test_a_video_attribute_alone_is_refused():
    attrs = {**_info().to_attrs(), "frames_read": 10}
    with pytest.raises(OpenfieldError, match="lack 'frames_expected'"):
        TrackerInfo.from_attrs(attrs)
    with pytest.raises(OpenfieldError, match="come together; frames_expected, frames_failed"):
        _info(frames_read=10)


def test_a_tracked_video_gives_typed_values(tmp_path):
    """What the tracker wrote reads back as the contract's types: the readers get ints, floats, text, an array."""
    sv = synthetic.render_video(tmp_path, "m", fps=20, duration_s=3, image_size=(240, 180), seed=3)
    ds = track_video(sv.video, progress=False)
    info = tracker_info(ds)
    assert info.from_video and info.config == TrackerConfig()
    assert type(info.frames_read) is int and info.frames_read == info.frames_expected == ds.sizes["time"]
    assert info.frames_failed == 0 and info.arena == 1 and info.background == "first 20 s"
    assert info.animal == "dark" and type(info.threshold) is float and info.threshold > 12
    assert type(info.contrast) is float and info.contrast > 50
    assert info.timestamps_ms.shape == (ds.sizes["time"],)
    for key, value in info.to_attrs().items():  # the attrs as the tracker wrote them
        np.testing.assert_array_equal(ds.attrs[key], value)


def test_a_stream_of_frames_has_no_video_counts():
    frames = [np.full((60, 80), 200, np.uint8) for _ in range(3)]
    ds = track_frames(frames, frames[0], np.full((60, 80), 255, np.uint8), fps=10.0)
    info = tracker_info(ds)
    assert not info.from_video and info.frames_read is None and info.contrast is None
    assert info.several_animals_fraction is None and info.animal == "auto"


def test_the_tracking_step_records_the_typed_values(tmp_path, monkeypatch):
    """The pipeline's tracking step reads the tracker's outputs through the contract: the ledger's values are the
    typed ones, and a tracker result with a mistyped attribute stops the step with a message naming it."""
    sv = synthetic.render_video(tmp_path, "m", fps=20, duration_s=3, image_size=(240, 180), seed=3)
    ledger = Ledger(tmp_path / "out", "m")
    tracker_pose_step(ledger, sv.video, TrackerConfig(), None, None, None, False)
    values = ledger.records["pose"]["values"]
    assert [type(values[k]) for k in ("frames_expected", "frames_read", "frames_failed")] == [int, int, int]
    assert values["frames_read"] == values["frames_expected"] > 50 and values["frames_failed"] == 0
    assert type(values["contrast"]) is float and values["timestamps"]

    real = tracking.track_video

    def mistyped(*args, **kwargs):
        ds = real(*args, **kwargs)
        ds.attrs["frames_read"] = "sixty"
        return ds

    monkeypatch.setattr(tracking, "track_video", mistyped)
    with pytest.raises(OpenfieldError, match="'frames_read' must be an integer, not 'sixty'"):
        tracker_pose_step(Ledger(tmp_path / "again", "m"), sv.video, TrackerConfig(), None, None, None, False)
