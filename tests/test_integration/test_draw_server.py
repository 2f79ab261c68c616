"""``openfield draw``'s server without a browser: what it serves, what it refuses, and that it writes only the
settings files of the videos it was given."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import numpy as np
import pytest
from draw_videos import RECT, ROUND, render

from openfield.draw import DrawServer, DrawSession, find_animal
from openfield.draw.session import arena_floor_mask, detect_arena_object
from openfield.io.settings import read_settings


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("draw")
    return [render(folder / "round.mp4", "round"), render(folder / "rect.mp4", "rect")]


@pytest.fixture
def server(videos):
    for v in videos:
        v.with_name(v.stem + ".openfield.json").unlink(missing_ok=True)
    srv = DrawServer(DrawSession(videos)).start()
    yield srv
    srv.stop()


def request(srv, method, path, body=None, token=True, host=None, headers=None):
    """One request; ``token`` True adds the server's token to the query; returns (status, body bytes)."""
    if token:
        path += ("&" if "?" in path else "?") + "token=" + srv.token
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    hdrs = {"Host": host or f"127.0.0.1:{srv.port}", **(headers or {})}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=hdrs)
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def files(folder):
    return sorted(p.name for p in folder.rglob("*"))


def test_page_and_api(server, videos):
    status, page = request(server, "GET", "/")
    assert status == 200 and f"/static/draw.js?token={server.token}".encode() in page
    assert request(server, "GET", "/static/draw.js")[0] == 200
    status, body = request(server, "GET", "/api/videos")
    assert json.loads(body) == [{"index": 0, "name": "round.mp4", "has_settings": False},
                                {"index": 1, "name": "rect.mp4", "has_settings": False}]
    state = json.loads(request(server, "GET", "/api/video/1")[1])
    assert (state["width"], state["height"], state["n_frames"], state["fps"]) == (320, 240, 40, 20.0)
    np.testing.assert_allclose(state["detected"]["corners_px"], RECT["corners"], atol=1.5)
    status, png = request(server, "GET", "/api/video/0/background.png")
    assert status == 200 and png.startswith(b"\x89PNG")
    status, jpg = request(server, "GET", "/api/video/0/frame/39.jpg")
    assert status == 200 and jpg.startswith(b"\xff\xd8")
    assert request(server, "GET", "/api/video/0/frame/40.jpg")[0] == 400  # past the end
    assert request(server, "GET", "/api/video/2")[0] == 404


def test_the_animal_found_is_where_it_was_drawn(videos):
    """Frame 10 of the rectangular video: the mouse is at 90 degrees on its 50-px circle: (160, 170)."""
    session = DrawSession(videos)
    found = session.animal(1, 10, session.state(1)["detected"], "dark")
    np.testing.assert_allclose(found["body"], [160, 170], atol=1.5)
    assert 150 < found["area_px"] < 300  # an ellipse of semi-axes 12 and 6 px: 226 px
    frame = np.full((240, 320, 3), 200, np.uint8)  # an empty floor: the reason, not an outline
    assert "error" in find_animal(frame, {"shape": "circle", "center_px": [160, 120], "radius_px": 100}, "dark")


def test_floor_mask_of_a_circle():
    mask = arena_floor_mask((240, 320), {"shape": "circle", "center_px": [160, 120], "radius_px": 100})
    assert abs((mask > 0).sum() - np.pi * 100**2) < 0.01 * np.pi * 100**2
    assert mask[120, 160] == 255 and mask[120, 265] == 0


def test_round_floor_is_found(videos):
    """Today's detector gives four corners on the round floor (inside it); a shape detector, when present, more."""
    from openfield.io.video import video_background

    arena = detect_arena_object(video_background(videos[0], 10))
    pts = np.asarray(arena.get("corners_px") or [arena["center_px"]], float)
    assert (np.hypot(*(pts - ROUND["center"]).T) <= ROUND["radius"] + 2).all()


@pytest.mark.parametrize("case", ["no token", "wrong token", "other host", "localhost name ok"])
def test_token_and_host_are_checked(server, case):
    path = "/api/videos"
    if case == "no token":
        status, body = request(server, "GET", path, token=False)
    elif case == "wrong token":
        status, body = request(server, "GET", path + "?token=" + "x" * len(server.token), token=False)
    elif case == "other host":
        status, body = request(server, "GET", path, host=f"evil.example:{server.port}")
    else:
        status, body = request(server, "GET", path, host=f"localhost:{server.port}")
        assert status == 200
        return
    assert status == 403 and b"refused" in body
    # and nothing is written without them either
    post = "/api/video/0/settings" + ("?token=" + "x" * len(server.token) if case == "wrong token" else "")
    status, _ = request(server, "POST", post, {"animal": "dark"}, token=case == "other host",
                        host=f"evil.example:{server.port}" if case == "other host" else None)
    assert status == 403 and not server.session.videos()[0]["has_settings"]


def test_save_writes_the_settings_file_beside_the_video(server, videos):
    doc = {"arena": {"shape": "circle", "center_px": [161.5, 119], "radius_px": 99.25},
           "zones": {"units": "px", "zones": [{"name": "object", "shape": "circle", "center": [150, 100],
                                               "radius": 12}]},
           "trial": {"start_s": 1.5, "duration_s": 10}, "animal": "dark", "arena_diameter_cm": 40}
    status, body = request(server, "POST", "/api/video/0/settings", doc)
    assert status == 200 and json.loads(body) == {"saved": ["round.openfield.json"]}
    assert json.loads(videos[0].with_name("round.openfield.json").read_text()) == json.loads(json.dumps(doc))
    assert json.loads(request(server, "GET", "/api/videos")[1])[0]["has_settings"] is True
    assert json.loads(request(server, "GET", "/api/video/0")[1])["settings"]["trial"] == {"start_s": 1.5,
                                                                                      "duration_s": 10.0}


def test_save_for_all_keeps_each_videos_trial(server, videos):
    request(server, "POST", "/api/video/1/settings", {"trial": {"start_s": 3}})
    rig = {"arena": {"shape": "rectangle", "corners_px": [[50, 30], [270, 30], [270, 210], [50, 210]]},
           "trial": {"start_s": 0.5}, "animal": "dark", "arena_size_cm": [44, 36]}
    status, body = request(server, "POST", "/api/settings_all?current=0", rig)
    assert status == 200 and json.loads(body)["saved"] == ["round.openfield.json", "rect.openfield.json"]
    first, second = (read_settings(v.with_name(v.stem + ".openfield.json")) for v in videos)
    assert first.arena == second.arena == rig["arena"] and first.arena_size_cm == second.arena_size_cm == (44, 36)
    assert (first.start, second.start) == (0.5, 3.0)


@pytest.mark.parametrize(("method", "path", "body", "code"), [
    ("POST", "/api/video/../../../tmp/evil/settings", {"animal": "dark"}, 404),
    ("POST", "/api/video/%2e%2e%2fevil/settings", {"animal": "dark"}, 404),
    ("POST", "/api/video/7/settings", {"animal": "dark"}, 404),
    ("POST", "/api/video/-1/settings", {"animal": "dark"}, 404),
    ("POST", "/api/video/0/settings", {"animal": "dark", "path": "/tmp/evil.json"}, 400),
    ("POST", "/api/video/0/settings", {"arena": {"shape": "circle"}}, 400),
    ("POST", "/api/video/0/settings", b"{not json", 400),
    ("POST", "/api/video/0/settings?path=../evil.json", {"animal": "dark"}, None),  # query ignored: own file only
    ("POST", "/static/../../evil.json", {"animal": "dark"}, 404),
    ("PUT", "/api/video/0/settings", {"animal": "dark"}, 501),
    ("GET", "/static/../session.py", None, 404),
    ("GET", "/static/draw.py", None, 404),
])
def test_crafted_requests_write_nothing_else(server, videos, tmp_path, method, path, body, code):
    folder = videos[0].parent
    before = files(folder)
    status, _ = request(server, method, path, body)
    if code is None:
        assert status == 200
        assert files(folder) == sorted([*before, "round.openfield.json"])
        assert not (folder.parent / "evil.json").exists()
        return
    assert status == code
    assert files(folder) == before  # nothing written, not even the video's own file
    assert not list(folder.parent.glob("evil*")) and not (tmp_path / "evil.json").exists()


def test_form_posts_are_refused(server, videos):
    """A page of another site could post a form (no JSON content type): refused before reading it."""
    body = urllib.parse.urlencode({"animal": "dark"}).encode()
    status, _ = request(server, "POST", "/api/video/0/settings", body,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and not videos[0].with_name("round.openfield.json").exists()


def test_draw_command_prints_a_local_address_with_a_token(videos, monkeypatch, capsys):
    """``openfield draw FOLDER --no-browser``: one line with the 127.0.0.1 address and its token; Ctrl-C stops."""
    from openfield.cli import main

    seen = {}

    def serve(self, poll_interval=0.5):
        seen["url"] = self.url
        seen["bound"] = self.server_address
        raise KeyboardInterrupt

    monkeypatch.setattr(DrawServer, "serve_forever", serve)
    assert main(["draw", str(videos[0].parent), "--no-browser"]) == 130
    out = capsys.readouterr().out
    assert f"openfield draw: 2 video(s) at {seen['url']}" in out
    assert seen["bound"][0] == "127.0.0.1" and seen["bound"][1] > 0
    assert seen["url"].startswith(f"http://127.0.0.1:{seen['bound'][1]}/?token=") and len(seen["url"]) > 50


def test_draw_command_refuses_a_missing_path(tmp_path, capsys):
    from openfield.cli import main

    assert main(["draw", str(tmp_path / "nope.mp4"), "--no-browser"]) == 2
    assert "nope.mp4" in capsys.readouterr().err
