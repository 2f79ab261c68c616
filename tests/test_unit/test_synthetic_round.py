"""synthetic.round_arena: the rendered floor and mice are where the truth says; the truth's zone figures are right."""

import dataclasses
import json

import cv2
import numpy as np
import pandas as pd
import pytest
from matplotlib.path import Path as MplPath
from shapely.geometry import Polygon
from shapely.ops import unary_union

from openfield import synthetic
from openfield.io.video import iter_frames
from openfield.synthetic import round_arena as sr

FPS = 25.0
ROUND = (40.0, 40.0)


def _edge_offsets(img: np.ndarray, scene: sr.RoundScene, n: int = 180) -> np.ndarray:
    """Signed distance (px) from the true floor edge to the image's edge, along the edge's normal, at n points.

    The true edge point is the circle's point mapped by the homography; the
    normal is the image of the radial direction. The image's edge is where
    the grey level crosses half-way between the floor's and the wall's levels
    (linear interpolation along the normal, 0.05 px steps).
    """
    h_mat = scene.homography
    d = scene.arena_size_cm[0]
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    edge_cm = np.c_[d / 2 + d / 2 * np.cos(th), d / 2 + d / 2 * np.sin(th)]
    edge = sr.to_px(h_mat, edge_cm)
    normal = sr.to_px(h_mat, edge_cm + 0.01 * np.c_[np.cos(th), np.sin(th)]) - edge
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    steps = np.arange(-6, 6.0001, 0.05)
    grey = img.astype(np.float32)
    offsets = []
    for p, u in zip(edge, normal, strict=True):
        pts = p + np.outer(steps, u)
        prof = cv2.remap(grey, pts[:, 0].astype(np.float32)[None], pts[:, 1].astype(np.float32)[None],
                         cv2.INTER_LINEAR)[0]
        half = (np.median(prof[:40]) + np.median(prof[-40:])) / 2  # floor (inside) and wall (outside) levels
        below = np.flatnonzero((prof[:-1] - half) * (prof[1:] - half) <= 0)
        i = below[np.argmin(np.abs(steps[below]))]  # the crossing nearest the true edge
        f = (half - prof[i]) / (prof[i + 1] - prof[i]) if prof[i + 1] != prof[i] else 0.0
        offsets.append(steps[i] + f * 0.05)
    return np.array(offsets)


@pytest.mark.parametrize("tilt", [0.0, 0.15])
def test_projected_circle_is_the_ellipse_through_the_mapped_circle(tilt):
    scene = sr.RoundScene("circle", ROUND, image_size=(400, 360), tilt=tilt)
    ell = sr.projected_circle(scene.homography, (20, 20), 20)
    pts = sr.to_px(scene.homography, sr.floor_outline_cm("circle", ROUND, 3600)).astype(np.float32)
    (cx, cy), (w, h), _ = cv2.fitEllipse(pts)  # an independent fit of the mapped points
    assert ell["center_px"] == pytest.approx([cx, cy], abs=0.01)
    assert sorted(ell["axes_px"]) == pytest.approx(sorted([w / 2, h / 2]), abs=0.01)
    # every mapped point satisfies the ellipse's equation
    a, b = ell["axes_px"]
    t = np.deg2rad(ell["angle_deg"])
    rel = pts - np.array(ell["center_px"])
    u, v = rel @ np.array([np.cos(t), np.sin(t)]), rel @ np.array([-np.sin(t), np.cos(t)])
    np.testing.assert_allclose((u / a) ** 2 + (v / b) ** 2, 1.0, atol=1e-4)
    arena = scene.arena
    if tilt == 0:  # straight down: a circle of 352/2 px (the floor's square fills 360 - 2 x 24 px)
        assert arena["shape"] == "circle" and arena["radius_px"] == pytest.approx(156.0)
        assert arena["center_px"] == pytest.approx([200.0, 180.0])
    else:  # tilted: the far side shrinks, so the mapped circle is taller than wide; its centre is not the
        # image of the floor's centre
        assert arena["shape"] == "ellipse" and arena["axes_px"][0] > arena["axes_px"][1] + 5
        assert arena["angle_deg"] == pytest.approx(90.0, abs=1e-4)
        centre_of_floor = sr.to_px(scene.homography, np.array([[20.0, 20.0]]))[0]
        assert np.linalg.norm(centre_of_floor - arena["center_px"]) > 1.0


@pytest.mark.parametrize(("tilt", "vignette", "texture", "animal"),
                         [(0.0, 0.0, 0.0, "dark"), (0.15, 0.3, 10.0, "dark"), (0.1, 0.0, 6.0, "light")])
def test_rendered_round_floor_edge_is_the_projected_circle(tilt, vignette, texture, animal):
    """The disk's edge pixels lie on the mapped circle within 1 px (sub-pixel edge along the normal)."""
    scene = sr.RoundScene("circle", ROUND, image_size=(400, 400), tilt=tilt, vignette=vignette, texture=texture,
                          animal=animal, seed=5)
    img = cv2.cvtColor(scene.render([]), cv2.COLOR_BGR2GRAY)
    off = _edge_offsets(img, scene)
    assert np.abs(off).max() <= (0.2 if texture == 0 else 0.5), np.abs(off).max()
    assert abs(np.median(off)) <= 0.15  # no bias: the floor is neither grown nor shrunk
    # the floor mask (pixel centres inside the mapped circle) covers the floor's pixels
    mask = scene.floor_mask()
    floor_c, wall_c, _ = synthetic.shades(animal)
    inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    outer = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    assert img[outer].max() <= wall_c + 1  # vignetting only darkens
    if animal == "dark":  # a light floor inside a darker surround
        assert img[inner].min() > wall_c + 20 and np.median(img[inner]) > 150
    else:  # a dark floor (as seen from below) inside a lighter surround
        assert img[inner].max() < wall_c - 20 and np.median(img[inner]) == pytest.approx(floor_c, abs=3)


def test_rectangle_floor_and_vignetting():
    scene = sr.RoundScene("rectangle", (40.0, 30.0), image_size=(440, 360), vignette=0.3)
    img = cv2.cvtColor(scene.render([]), cv2.COLOR_BGR2GRAY).astype(float)
    corners = np.array(scene.arena["corners_px"])
    np.testing.assert_allclose(corners, sr.to_px(scene.homography, np.array([[0, 0], [40, 0], [40, 30], [0, 30]])))
    floor_c, _, _ = synthetic.shades("dark")
    gain = scene.gain()
    assert gain[180, 220] == pytest.approx(1.0, abs=1e-3) and gain[0, 0] == pytest.approx(0.7, abs=1e-6)
    # the floor's grey level falls off as the gain says
    for x, y in [(220, 180), (int(corners[0, 0]) + 3, int(corners[0, 1]) + 3), (300, 250)]:
        assert img[y, x] == pytest.approx(floor_c * gain[y, x], abs=0.6)


def _animal_union_px(h_mat, body, heading, length, bend):
    """The drawn mouse as one shapely polygon in px, rebuilt from the drawing's analytic geometry."""
    u = np.array([np.cos(heading), np.sin(heading)])
    v = np.array([-u[1], u[0]])
    th = np.linspace(0, 2 * np.pi, 360, endpoint=False)

    def ellipse(c, a, b):
        return c + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)

    s = np.linspace(0, synthetic.TAIL_LENGTH * length, 24)
    base = body - synthetic.BODY_HALF_LENGTH * length * u
    centre = base - np.outer(s, u) + np.outer(bend * s**2 / (synthetic.TAIL_LENGTH * length), v)
    half = synthetic.TAIL_WIDTH * length / 2 * np.linspace(1, 0.4, len(s))
    tail = np.r_[centre + half[:, None] * v, (centre - half[:, None] * v)[::-1]]
    trunk = ellipse(body, synthetic.BODY_HALF_LENGTH * length, synthetic.BODY_HALF_WIDTH * length)
    head = ellipse(body + (synthetic.NOSE - synthetic.HEAD_HALF_LENGTH) * length * u,
                   synthetic.HEAD_HALF_LENGTH * length, synthetic.HEAD_HALF_WIDTH * length)
    return unary_union([Polygon(sr.to_px(h_mat, p)) for p in (tail, trunk, head)])


@pytest.mark.parametrize(("body", "heading", "animal"),
                         [((20.0, 20.0), 0.4, "dark"), ((20.0 + 17.5, 20.0), np.pi / 2, "dark"),
                          ((20.0, 20.0 - 17.5), np.pi, "light")])
def test_mouse_blob_centroid_is_at_the_truth(body, heading, animal):
    """The drawn animal's pixels have the centroid of the analytic outline (0.25 px), on a textured, tilted floor."""
    scene = sr.RoundScene("circle", ROUND, image_size=(400, 400), tilt=0.1, texture=10.0, animal=animal, seed=6)
    bend = float(sr.inward_tail_bend(np.array([body]), np.array([heading]), (20, 20), np.array([0.0]))[0])
    frame = cv2.cvtColor(scene.render([(np.array(body), heading, bend)]), cv2.COLOR_BGR2GRAY).astype(float)
    empty = cv2.cvtColor(scene.render([]), cv2.COLOR_BGR2GRAY).astype(float)
    _, _, mouse_c = synthetic.shades(animal)
    # the fraction of each pixel the mouse covers: the change towards the mouse's grey level
    weight = np.clip((empty - frame) / (empty - mouse_c), 0, None)
    ys, xs = np.mgrid[0:400, 0:400]
    centroid = np.array([(weight * xs).sum(), (weight * ys).sum()]) / weight.sum()
    shape = _animal_union_px(scene.homography, np.array(body), heading, scene.mouse_length_cm, bend)
    # pixel (i, j) covers [j - 0.5, j + 0.5]: the shape's centroid in pixel-centre coordinates
    assert np.linalg.norm(centroid - np.array(shape.centroid.coords[0])) <= 0.25
    assert weight.sum() == pytest.approx(shape.area, rel=0.03)
    # the truth's body point is the trunk's centre, inside the blob; the whole mouse stays on the floor
    truth = sr.truth_frame_table(pd.DataFrame({"x_cm": [body[0]], "y_cm": [body[1]], "heading_rad": [heading],
                                               "speed_cm_s": [0.0]}), scene, 1, 0, FPS)
    bx, by = truth.loc[0, ["body_x_px", "body_y_px"]]
    assert weight[int(round(by)), int(round(bx))] > 0.99
    assert not (weight > 0.05)[~scene.floor_mask()].any()


def test_wall_hugging_path_geometry_and_truth_distance():
    moves = sr.wall_hugging_moves(40.0, 20.0, wall_gap_cm=2.5, seed=3)
    traj = sr.path_trajectory(moves, FPS)
    xy = traj[["x_cm", "y_cm"]].to_numpy()
    r = np.hypot(xy[:, 0] - 20, xy[:, 1] - 20)
    on_wall = np.abs(r - 17.5) < 1e-9
    assert on_wall.mean() > 0.6 and r.max() <= 17.5 + 1e-9
    assert traj["time_s"].iloc[-1] >= 20.0
    assert any(isinstance(m, sr.Line) for m in moves)  # centre visits
    assert r.min() < 3.0
    # the sampled path's length is the moves' analytic length (chords of arcs: < 0.1 % short)
    sampled = np.linalg.norm(np.diff(xy, axis=0), axis=1).sum()
    analytic = sum(m.length for m in moves)
    assert sampled == pytest.approx(analytic, rel=1e-3) and sampled <= analytic + 1e-9
    # speed is the derivative of the position: its integral is the distance
    assert traj["speed_cm_s"].sum() / FPS == pytest.approx(analytic, rel=0.01)
    # along the wall the heading is the tangent
    t = traj[on_wall & (traj["speed_cm_s"] > 1).to_numpy()]
    radial = np.c_[t["x_cm"] - 20, t["y_cm"] - 20]
    u = np.c_[np.cos(t["heading_rad"]), np.sin(t["heading_rad"])]
    assert np.abs((radial * u).sum(axis=1)).max() < 1e-9
    assert sr.path_trajectory(moves, FPS).equals(traj)  # deterministic
    assert not sr.path_trajectory(sr.wall_hugging_moves(40.0, 20.0, seed=4), FPS)["x_cm"].equals(traj["x_cm"])


def test_path_chain_is_checked():
    with pytest.raises(ValueError, match="move 1 starts at"):
        sr.path_trajectory([sr.Line((0, 0), (10, 0), 10.0), sr.Line((11, 0), (20, 0), 10.0)], FPS)
    with pytest.raises(ValueError, match="shape must be"):
        sr.RoundScene("hexagon")
    with pytest.raises(ValueError, match=r"\(D, D\)"):
        sr.RoundScene("circle", (40.0, 30.0))


ZONES = [
    {"name": "object", "shape": "circle", "center": [12.0, 14.0], "radius": 4.0},
    {"name": "quad", "shape": "polygon", "points": [[22.0, 22.0], [34.0, 24.0], [30.0, 34.0], [21.0, 31.0]]},
    # concave (an L), to catch a convex-only test
    {"name": "ell", "shape": "polygon", "points": [[4, 8], [16, 8], [16, 12], [8, 12], [8, 30], [4, 30]]},
]


def test_inside_zone_against_matplotlib_paths():
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 40, (5000, 2))
    for zone in ZONES[1:]:
        path = MplPath(np.asarray(zone["points"], float))
        np.testing.assert_array_equal(sr.inside_zone(pts, zone), path.contains_points(pts))
    # edges and corners count as inside; NaN is outside
    edge = np.array([[22.0, 22.0], [28.0, 23.0], [8.0, 20.0], [np.nan, 5.0], [16.0, 14.0], [16.1, 14.0]])
    assert sr.inside_zone(edge[:3], ZONES[1]).tolist() == [True, True, False]
    assert sr.inside_zone(edge[2:3], ZONES[2]).tolist() == [True]
    assert sr.inside_zone(edge[3:], ZONES[0]).tolist() == [False, True, False]  # radius 4 about (12, 14)
    with pytest.raises(ValueError, match="'square'"):
        sr.inside_zone(edge, {"name": "x", "shape": "square"})


def test_truth_zone_figures_against_a_brute_force_count():
    """Zone time, entries and latency of the truth, against a loop over the analytic path sampled 40 x finer."""
    moves = sr.lines_through([(20, 6), (12, 14), (6, 26), (27, 28), (33, 12), (4, 16), (26, 30), (36, 18)],
                             max_speed=14.0, pause_s=0.6)
    traj = sr.path_trajectory(moves, FPS, start_pause_s=1.0)
    scene = sr.RoundScene("circle", ROUND)
    appear = 50
    truth = sr.truth_frame_table(traj, scene, appear + len(traj), appear, FPS)
    window = 15.0
    got = sr.truth_measures(truth, FPS, "circle", ROUND, ZONES, duration_s=window)
    assert got["trial_start_s"] == appear / FPS and got["duration_s"] == pytest.approx(window)
    fine = sr.path_trajectory(moves, FPS * 40, start_pause_s=1.0)
    fine = fine[fine["time_s"] < window - 1e-9]
    dt = 1 / (FPS * 40)
    centre = {"name": "center", "shape": "circle", "center": [20, 20], "radius": 10.0}
    for zone in [centre, *ZONES]:
        name = zone["name"]
        was_in, entries, first, time_in = None, 0, None, 0.0
        for x, y, t in fine[["x_cm", "y_cm", "time_s"]].itertuples(index=False):
            if zone["shape"] == "circle":
                now = bool(np.hypot(x - zone["center"][0], y - zone["center"][1]) <= zone["radius"])
            else:
                now = bool(MplPath(np.asarray(zone["points"], float)).contains_point((x, y)))
            time_in += dt * now
            if now and first is None:
                first = t
            entries += bool(was_in is False and now)
            was_in = now
        assert got[f"{name}_entries"] == entries, name
        assert got[f"time_{name}_s"] == pytest.approx(time_in, abs=(entries + 1) * 1.01 / FPS), name
        if first is None:
            assert np.isnan(got[f"latency_{name}_s"])
        else:
            assert got[f"latency_{name}_s"] == pytest.approx(first, abs=1.01 / FPS), name
    assert got["object_entries"] == 2 and got["quad_entries"] == 2 and got["time_object_s"] > 1
    # distance over the window: the sampled body path, i.e. the analytic length to within 0.1 %
    assert got["distance_cm"] == pytest.approx(np.linalg.norm(np.diff(fine[["x_cm", "y_cm"]].to_numpy(), axis=0),
                                                              axis=1).sum(), rel=2e-3)


def test_round_video_empty_start_several_animals_files_and_determinism(tmp_path):
    c = (20.0, 20.0)
    trajs = [sr.path_trajectory([sr.Arc(c, 17.0, 0, 90, 14.0)], FPS),
             sr.path_trajectory([sr.Arc(c, 6.0, 180, -60, 6.0)], FPS)]
    scene = sr.RoundScene("circle", ROUND, image_size=(240, 240), tilt=0.1, vignette=0.2, texture=8.0,
                          noise_sd=2.0, seed=7)
    v = sr.render_round_video(tmp_path / "a", "two", scene, trajs, fps=FPS, empty_start_s=1.0)
    again = sr.render_round_video(tmp_path / "b", "two", scene, trajs, fps=FPS, empty_start_s=1.0)
    assert v.appear_frame == 25 and v.n_frames == 25 + len(trajs[0])
    info = json.loads(v.scene_path.read_text())
    assert info["appear_s"] == 1.0 and info["n_animals"] == 2 and info["arena"] == scene.arena
    assert [p.name for p in v.truth_paths] == ["two_truth.csv", "two_animal2_truth.csv"]
    on_disk = pd.read_csv(v.truth_paths[1])
    assert (~on_disk["present"].iloc[:25]).all() and on_disk["present"].iloc[25:].all()
    assert on_disk["body_x_px"].iloc[:25].isna().all()
    np.testing.assert_allclose(on_disk["body_x_px"].iloc[25:], v.truths[1]["body_x_px"].iloc[25:], atol=1e-4)
    np.testing.assert_allclose(sr.to_px(scene.homography, v.truths[0][["body_x_cm", "body_y_cm"]].to_numpy()[25:]),
                               v.truths[0][["body_x_px", "body_y_px"]].to_numpy()[25:], atol=1e-9)
    empty = cv2.cvtColor(dataclasses.replace(scene, noise_sd=0.0).render([]), cv2.COLOR_BGR2GRAY).astype(float)
    blobs = []
    for i, (f1, f2) in enumerate(zip(iter_frames(v.path), iter_frames(again.path), strict=True)):
        assert np.array_equal(f1, f2)  # same seed, same video
        diff = empty - cv2.cvtColor(f1, cv2.COLOR_BGR2GRAY).astype(float)
        dark = cv2.morphologyEx((diff > 60).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        n, labels, stats, cents = cv2.connectedComponentsWithStats(dark)
        big = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] > 40]
        blobs.append(len(big))
        if i >= 25 and i % 10 == 0:  # each animal's trunk is where its truth says
            for t in v.truths:
                bx, by = t.loc[i, ["body_x_px", "body_y_px"]]
                assert dark[int(round(by)), int(round(bx))]
    assert blobs[:25] == [0] * 25  # the empty start
    assert all(b == 2 for b in blobs[25:])
    other = sr.render_round_video(tmp_path / "c", "two", sr.RoundScene("circle", ROUND, image_size=(240, 240),
                                                                      texture=8.0, seed=8), trajs[:1], fps=FPS)
    assert not np.array_equal(next(iter_frames(other.path)), next(iter_frames(v.path)))
