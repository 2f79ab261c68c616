"""Zones: bounds, assignment, entries and latency on known sequences; the zone model and zones files."""

import json

import numpy as np
import pytest
from shapely.geometry import box

from openfield.arena import zones
from openfield.errors import OpenfieldError
from openfield.io.zones import read_zones


def test_center_bounds():
    assert zones.center_bounds((40, 40), 0.5) == (10, 30, 10, 30)
    assert zones.center_bounds((60, 40), 0.5) == (15, 45, 10, 30)
    with pytest.raises(ValueError):
        zones.center_bounds((40, 40), 1.2)


def test_assign_zones():
    xy = np.array([[20, 20], [5, 20], [10, 10], [np.nan, 1], [45, 20]], float)
    assert zones.assign_zones(xy, (40, 40)).tolist() == ["center", "border", "center", "", "border"]


def test_entries_and_latency():
    z = np.array(["border", "border", "center", "", "center", "border", "center", "center", "border"], object)
    entries, latency = zones.center_entries(z, fps=2.0)
    assert entries == 2  # the gap inside the centre is not a new entry
    assert latency == 1.0  # frame 2 at 2 fps
    assert zones.center_entries(np.array(["center", "border"], object), 10.0) == (0, 0.0)
    entries, latency = zones.center_entries(np.array(["border"] * 3, object), 10.0)
    assert entries == 0 and np.isnan(latency)


# --------------------------------------------------------------------------- the zone model (issue 21)


def test_floor_geometry_per_shape():
    assert zones.floor_geometry("rectangle", (60, 40)).equals(box(0, 0, 60, 40))
    disk = zones.floor_geometry("circle", (40, 40))
    assert disk.centroid.x == pytest.approx(20) and disk.centroid.y == pytest.approx(20)
    assert disk.area == pytest.approx(np.pi * 20**2, rel=1e-3)
    tri = zones.floor_geometry("polygon", (40, 30), [[0, 0], [40, 0], [0, 30]])
    assert tri.area == pytest.approx(600)
    with pytest.raises(OpenfieldError, match="arena shape"):
        zones.floor_geometry("hexagon", (40, 40))


def test_default_zones_rectangle_and_circle():
    z = {q.name: q.geometry for q in zones.default_zones("rectangle", (40, 40), 0.5)}
    assert list(z) == ["center", "border", "corner_tl", "corner_tr", "corner_br", "corner_bl"]
    assert z["center"].bounds == (10, 10, 30, 30)
    assert z["border"].area == pytest.approx(1600 - 400)
    assert z["corner_br"].bounds == (30, 30, 40, 40)  # the border ring's corner squares by default
    z = {q.name: q.geometry for q in zones.default_zones("rectangle", (40, 40), 0.5, corner_cm=5)}
    assert z["corner_tr"].bounds == (35, 0, 40, 5)
    c = {q.name: q.geometry for q in zones.default_zones("circle", (40, 40), 0.5)}
    assert list(c) == ["center", "border"]
    assert c["center"].area == pytest.approx(np.pi * 10**2, rel=1e-3)  # diameter 0.5 * 40
    with pytest.raises(OpenfieldError, match="--corner-cm"):
        zones.default_zones("circle", (40, 40), 0.5, corner_cm=5)
    with pytest.raises(OpenfieldError, match="--corner-cm"):
        zones.default_zones("rectangle", (40, 40), 0.5, corner_cm=25)


def test_membership_boundary_inside_nan_outside():
    disk = zones.Zone("o", zones.floor_geometry("circle", (10, 10)))
    xy = np.array([[5, 5], [5, 0], [0.2, 0.2], [np.nan, 5]], float)
    assert disk.contains(xy).tolist() == [True, True, False, False]
    # the circle model against |p - c| <= r on many random points (away from the 256-gon's 0.01 % band)
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 10, (5000, 2))
    d = np.hypot(p[:, 0] - 5, p[:, 1] - 5)
    far = np.abs(d - 5) > 1e-3
    assert (disk.contains(p)[far] == (d <= 5)[far]).all()
    assert disk.as_roi().name == "o"


def test_assign_zones_with_a_round_centre():
    center = zones.default_zones("circle", (40, 40), 0.5)[0].geometry
    xy = np.array([[20, 20], [29.9, 20], [30.1, 20], [11, 11]], float)
    assert zones.assign_zones(xy, (40, 40), 0.5, center=center).tolist() == ["center", "center", "border", "border"]


def test_entries_of_any_zone():
    inside = np.array([0, 1, 1, 0, 0, 1, 0, 1], bool)
    known = np.array([1, 1, 1, 1, 0, 1, 1, 1], bool)
    assert zones.entry_frames(inside, known).tolist() == [0, 1, 0, 0, 0, 1, 0, 1]
    assert zones.entries_latency(inside, known, fps=2.0) == (3, 0.5)


GOOD = {"units": "cm", "zones": [
    {"name": "object", "shape": "circle", "center": [30, 10], "radius": 4},
    {"name": "quadrant", "shape": "polygon", "points": [[0, 20], [20, 20], [20, 40], [0, 40]]},
    {"name": "box_1", "shape": "rectangle", "x": 2, "y": 2, "width": 5, "height": 3},
]}


def _write(tmp_path, obj, name="zones.json"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def test_read_zones_and_custom_with_defaults(tmp_path):
    zs = read_zones(_write(tmp_path, GOOD))
    assert zs.names == ["object", "quadrant", "box_1"] and zs.units == "cm"
    custom = zones.to_cm(zs)
    all_zones = zones.arena_zones("rectangle", (40, 40), 0.5, custom=custom)
    assert [z.name for z in all_zones] == [*zones.DEFAULT_NAMES, "object", "quadrant", "box_1"]
    assert custom[2].geometry.bounds == (2, 2, 7, 5)
    # a redefined centre takes the default's place
    obj = {"zones": [{"name": "center", "shape": "circle", "center": [20, 20], "radius": 5, "replace": True}]}
    replaced = zones.arena_zones("rectangle", (40, 40), custom=zones.to_cm(read_zones(_write(tmp_path, obj))))
    assert [z.name for z in replaced] == list(zones.DEFAULT_NAMES)
    assert replaced[0].geometry.area == pytest.approx(np.pi * 25, rel=1e-3)


def test_pixel_zones_are_mapped_with_the_calibration(tmp_path):
    obj = {"units": "px", "zones": [{"name": "object", "shape": "circle", "center": [300, 100], "radius": 40}]}
    zs = read_zones(_write(tmp_path, obj))
    with pytest.raises(OpenfieldError, match="need a calibration"):
        zones.to_cm(zs)
    (z,) = zones.to_cm(zs, lambda p: np.asarray(p, float) / 10.0)  # 10 px per cm
    assert z.geometry.centroid.x == pytest.approx(30) and z.geometry.area == pytest.approx(np.pi * 16, rel=1e-3)


@pytest.mark.parametrize(("obj", "expect"), [
    ("{not json", "not valid JSON"),
    ({"zones": "x"}, 'a JSON object with a "zones" list'),
    ({"units": "mm", "zones": [GOOD["zones"][0]]}, '"units" must be "cm" or "px"'),
    ({"zones": [{"name": "o", "shape": "star", "center": [1, 1]}]}, "unknown shape 'star'"),
    ({"zones": [GOOD["zones"][0], GOOD["zones"][0]]}, "'object' is defined twice"),
    ({"zones": [{**GOOD["zones"][0], "name": "Object 1"}]}, "is not a column word"),
    ({"zones": [{**GOOD["zones"][0], "name": "corner_tl"}]}, "name of a default zone"),
    ({"zones": [{**GOOD["zones"][0], "name": "border", "replace": True}]}, "'border' cannot be redefined"),
    ({"zones": [{"name": "o", "shape": "circle", "center": [1, 1]}]}, 'needs "center": [x, y] and "radius"'),
    ({"zones": [{"name": "o", "shape": "circle", "center": [1, 1], "radius": -2}]}, "radius must be > 0"),
    ({"zones": [{"name": "p", "shape": "polygon", "points": [[0, 0], [1, 1], [1, 0], [0, 1]]}]}, "edges cross"),
])
def test_bad_zone_files_get_one_clear_error_naming_the_file(tmp_path, obj, expect):
    path = _write(tmp_path, obj, "bad_zones.json")
    with pytest.raises(OpenfieldError) as err:
        read_zones(path)
    assert expect in str(err.value)
    assert str(err.value).startswith(str(path))


def test_zone_outside_the_arena_is_refused(tmp_path):
    path = _write(tmp_path, {"zones": [{"name": "far", "shape": "circle", "center": [80, 80], "radius": 5}]})
    custom = zones.to_cm(read_zones(path))
    with pytest.raises(OpenfieldError, match="'far' lies outside the arena") as err:
        zones.arena_zones("rectangle", (40, 40), custom=custom, source=str(path))
    assert str(err.value).startswith(str(path))
    # a quadrant drawn as a square over a round floor (21 % off the floor) is allowed
    quad = zones.to_cm(zones.parse({"zones": [{"name": "q", "shape": "rectangle", "x": 0, "y": 0, "width": 20,
                                               "height": 20}]}))
    assert [z.name for z in zones.arena_zones("circle", (40, 40), custom=quad)][-1] == "q"


def test_zone_set_to_dict_parses_back_to_the_same_zones():
    """A rectangle is written as the polygon of its corners: the same geometry."""
    obj = {"units": "px", "zones": [{"name": "box", "shape": "rectangle", "x": 1, "y": 2, "width": 3, "height": 4},
                                    {"name": "o", "shape": "circle", "center": [5, 6], "radius": 2},
                                    {"name": "corner_tl", "shape": "polygon", "points": [[0, 0], [3, 0], [0, 3]],
                                     "replace": True}]}
    parsed = zones.parse(obj)
    again = zones.parse(parsed.to_dict())
    assert again.units == "px" and again.names == parsed.names
    for a, b in zip(zones.to_cm(parsed, lambda p: p), zones.to_cm(again, lambda p: p), strict=True):
        assert a.geometry.equals(b.geometry)
    assert again.zones[2].replace and not again.zones[0].replace
