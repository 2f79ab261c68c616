"""The settings file beside a video: reading, checking, writing, and merging with the command line."""

from __future__ import annotations

import json

import pytest

from openfield.errors import OpenfieldError
from openfield.io.settings import (
    VideoSettings,
    find_settings,
    merge_settings,
    read_settings,
    settings_path,
    write_settings,
)

FULL = {
    "arena": {"shape": "circle", "center_px": [320, 240], "radius_px": 200},
    "zones": {"units": "px", "zones": [{"name": "object", "shape": "circle", "center": [300, 200], "radius": 20},
                                       {"name": "q1", "shape": "polygon", "points": [[1, 2], [30, 2], [30, 40]]}]},
    "trial": {"start_s": 2.5, "duration_s": 300},
    "animal": "dark",
    "arena_diameter_cm": 40,
}


def test_settings_path_is_stem_dot_openfield_json(tmp_path):
    assert settings_path(tmp_path / "m1.rec.mp4") == tmp_path / "m1.rec.openfield.json"


def test_round_trip_keeps_every_value(tmp_path):
    video = tmp_path / "m1.mp4"
    path = settings_path(video)
    path.write_text(json.dumps(FULL))
    s = find_settings(video)
    assert s.path == path
    assert s.arena == {"shape": "circle", "center_px": [320.0, 240.0], "radius_px": 200.0}
    assert s.start == s.start_s == 2.5 and s.duration == s.duration_s == 300.0
    assert s.animal == "dark" and s.arena_diameter_cm == 40.0 and s.arena_size_cm is None
    assert [z["name"] for z in s.zones["zones"]] == ["object", "q1"]
    out = tmp_path / "copy.openfield.json"
    write_settings(s, out)
    assert json.loads(out.read_text()) == json.loads(json.dumps(FULL))
    assert read_settings(out) == s


def test_no_file_is_none(tmp_path):
    assert find_settings(tmp_path / "m1.mp4") is None


def test_auto_start_and_rectangle(tmp_path):
    s = VideoSettings.from_dict({"arena": {"arena": {"shape": "rectangle",
                                                     "corners_px": [[0, 0], [10, 0], [10, 10], [0, 10]]}},
                                 "trial": {"start_s": "auto"}, "arena_size_cm": [40, 30]})
    assert s.start == "auto" and s.duration is None and s.arena_size_cm == (40.0, 30.0)
    assert s.to_dict()["trial"] == {"start_s": "auto"}
    assert s.options() == {"arena": s.arena, "start": "auto", "arena_size_cm": (40.0, 30.0)}


@pytest.mark.parametrize(("doc", "words"), [
    ([1, 2], "JSON object"),
    ({"arena_size": [1, 2]}, "unknown key(s) arena_size"),
    ({"arena": {"shape": "hexagon"}}, "arena: unknown arena shape 'hexagon'"),
    ({"arena": {"shape": "circle", "center_px": [1, 2]}}, 'arena: a circle arena needs "radius_px"'),
    ({"arena": {"shape": "circle", "center_px": [1, 2], "radius_px": -3}}, "radius_px must be a positive number"),
    ({"arena": {"shape": "rectangle", "corners_px": [[0, 0], [1, 0], [1, 1]]}}, "needs 4 corners"),
    ({"zones": {"units": "inch", "zones": []}}, 'zones: "units" must be "cm" or "px"'),
    ({"zones": {"zones": [{"name": "1st", "shape": "circle", "center": [1, 1], "radius": 1}]}}, "column word"),
    ({"zones": {"zones": [{"name": "a", "shape": "circle", "center": [1, 1], "radius": 1},
                          {"name": "a", "shape": "circle", "center": [2, 1], "radius": 1}]}}, "defined twice"),
    ({"zones": {"zones": [{"name": "a", "shape": "star", "points": []}]}}, "unknown shape 'star'"),
    ({"trial": {"start_s": -1}}, "at least 0"),
    ({"trial": {"start_s": "later"}}, "finite number"),
    ({"trial": {"begin": 3}}, "trial must be"),
    ({"animal": "grey"}, "animal must be one of"),
    ({"arena_size_cm": [40, 0]}, "must be positive"),
    ({"arena_size_cm": [40, 40], "arena_diameter_cm": 40}, "not both"),
    ({"arena": {"shape": "circle", "center_px": [1, 2], "radius_px": 3}, "arena_size_cm": [4, 4]},
     "give arena_diameter_cm"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, doc, words):
    path = tmp_path / "m.openfield.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(OpenfieldError, match="m.openfield.json") as err:
        read_settings(path)
    assert words in str(err.value)


def test_not_json(tmp_path):
    path = tmp_path / "m.openfield.json"
    path.write_text("{arena")
    with pytest.raises(OpenfieldError, match="m.openfield.json: not a JSON settings file"):
        read_settings(path)


def test_merge_fills_from_the_file_and_keeps_agreeing_options(tmp_path):
    s = VideoSettings.from_dict({"animal": "light", "arena_size_cm": [40, 30]}, tmp_path / "m.openfield.json")
    assert merge_settings(s, {"animal": None, "arena_size_cm": None}) == {"animal": "light",
                                                                          "arena_size_cm": (40.0, 30.0)}
    assert merge_settings(s, {"animal": "light", "arena_size_cm": (40, 30.0)})["arena_size_cm"] == (40, 30.0)
    assert merge_settings(None, {"animal": "dark", "arena_size_cm": None}) == {"animal": "dark"}


def test_merge_refuses_a_contradiction_naming_file_and_option(tmp_path):
    s = VideoSettings.from_dict({"animal": "light", "arena_size_cm": [40, 30]}, tmp_path / "m.openfield.json")
    with pytest.raises(OpenfieldError) as err:
        merge_settings(s, {"animal": "dark"})
    msg = str(err.value)
    assert "m.openfield.json" in msg and "--animal dark" in msg and "animal light" in msg
    assert "--ignore-settings-files" in msg
    with pytest.raises(OpenfieldError, match="--arena-size-cm 40 40 contradicts"):
        merge_settings(s, {"arena_size_cm": (40, 40)})
    assert merge_settings(s, {"animal": "dark"}, ignore_settings_files=True) == {"animal": "dark"}


def test_merge_refuses_a_size_of_the_other_shape(tmp_path):
    s = VideoSettings.from_dict({"arena_diameter_cm": 40}, tmp_path / "m.openfield.json")
    with pytest.raises(OpenfieldError, match="--arena-size-cm 40 40 contradicts the settings file's "
                                             "arena_diameter_cm 40"):
        merge_settings(s, {"arena_size_cm": (40, 40)})


def test_arena_and_zones_are_the_one_validators_objects():
    """The settings' arena and zones are what --arena and --zones files parse to, in the form the page draws."""
    s = VideoSettings.from_dict({
        "arena": {"shape": "rectangle", "corners_px": [[300, 10], [10, 10], [10, 200], [300, 200]]},
        "zones": {"zones": [{"name": "box", "shape": "rectangle", "x": 1, "y": 2, "width": 3, "height": 4},
                            {"name": "center", "shape": "circle", "center": [5, 5], "radius": 2, "replace": True}]},
    })
    assert s.arena == {"shape": "rectangle", "corners_px": [[10.0, 10.0], [300.0, 10.0], [300.0, 200.0],
                                                            [10.0, 200.0]]}  # ordered tl, tr, br, bl
    assert s.zones == {"units": "cm", "zones": [
        {"name": "box", "shape": "polygon", "points": [[1.0, 2.0], [4.0, 2.0], [4.0, 6.0], [1.0, 6.0]]},
        {"name": "center", "shape": "circle", "center": [5.0, 5.0], "radius": 2.0, "replace": True}]}
    assert VideoSettings.from_dict(s.to_dict()) == s  # what is written reads back the same
