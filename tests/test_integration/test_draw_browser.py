"""``openfield draw`` in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium): drag the arena, draw zones, scrub to the trial start, save; the file holds exactly what was drawn.

Screenshots for the docs are written only when ``OPENFIELD_DRAW_SCREENSHOTS`` names a folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from draw_videos import FPS, render

from openfield.draw import DrawServer, DrawSession

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()),
                       reason="no /usr/bin/chromium and chromedriver (apt-get install chromium chromium-driver)"),
    pytest.mark.slow,
]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SHOTS = os.environ.get("OPENFIELD_DRAW_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="openfield-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,800",
                 "--force-device-scale-factor=1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(DRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, videos):
    server = DrawServer(DrawSession(videos)).start()
    browser.get(server.url)
    wait_ready(browser)
    return server


def wait_ready(browser, index=None):
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return window.openfieldDraw && window.openfieldDraw.ready()"
        + ("" if index is None else f" && window.openfieldDraw.index() === {index}")))


def screen(browser, p):
    """Viewport coordinates (whole CSS pixels) of image pixel ``p``; the canvas is shown at its own size here."""
    r = browser.execute_script("const r = document.getElementById('canvas').getBoundingClientRect();"
                               "return [r.left, r.top, r.width / document.getElementById('canvas').width];")
    assert r[2] == 1, "the test needs the canvas at its natural size"
    return round(r[0] + p[0]), round(r[1] + p[1])


def origin(browser):
    x, y = screen(browser, (0, 0))
    return np.array([x, y])


def drag(browser, a, b):
    """Press at image pixel ``a``, move in steps, release at ``b`` (both whole pixels)."""
    ab = ActionBuilder(browser)
    ab.pointer_action.move_to_location(*screen(browser, a))
    ab.pointer_action.pointer_down()
    for t in (0.25, 0.5, 0.75):
        ab.pointer_action.move_to_location(*screen(browser, (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))))
    ab.pointer_action.move_to_location(*screen(browser, b))
    ab.pointer_action.pointer_up()
    ab.perform()


def click_at(browser, p):
    ab = ActionBuilder(browser)
    ab.pointer_action.move_to_location(*screen(browser, p))
    ab.pointer_action.click()
    ab.perform()


def js(browser, what):
    return browser.execute_script(f"return window.openfieldDraw.{what}();")


def saved(browser, text="saved"):
    WebDriverWait(browser, 20).until(lambda d: text in d.find_element(By.ID, "status").text)


def shot(browser, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SHOTS) / f"draw_{name}.png"))


def set_field(browser, element_id, text):
    el = browser.find_element(By.ID, element_id)
    el.clear()
    el.send_keys(text)


def scrub_to(browser, frame):
    slider = browser.find_element(By.ID, "frame")
    slider.click()  # the middle of the slider: a frame somewhere there
    slider.send_keys(Keys.HOME)
    for _ in range(frame):
        slider.send_keys(Keys.ARROW_RIGHT)
    assert int(slider.get_attribute("value")) == frame


def test_round_video_drag_draw_scrub_save(browser, tmp_path):
    video = render(tmp_path / "round.mp4", "round")
    server = open_page(browser, [video])
    try:
        assert "missing" in browser.find_element(By.ID, "video-0").get_attribute("class")  # no file yet
        Select(browser.find_element(By.ID, "arena-shape")).select_by_value("circle")
        arena = js(browser, "arena")
        assert arena["shape"] == "circle"
        centre = np.round(arena["center_px"])
        # drag the centre handle by (+7, -5) px, then the radius handle to 98 px from the new centre
        drag(browser, arena["center_px"], centre + (7, -5))
        moved = js(browser, "arena")
        np.testing.assert_allclose(moved["center_px"], np.asarray(arena["center_px"]) + (centre + (7, -5) -
                                                                                        arena["center_px"]), atol=1)
        edge = np.asarray(moved["center_px"]) + (moved["radius_px"], 0)
        target = np.round(np.asarray(moved["center_px"]) + (98, 0))
        drag(browser, edge, target)
        moved = js(browser, "arena")
        set_field(browser, "diameter", "40")
        # a circle zone: centre (120, 150), radius 20
        browser.find_element(By.ID, "tool-circle").click()
        drag(browser, (120, 150), (140, 150))
        # a polygon zone: three corners, then the first again to close
        browser.find_element(By.ID, "tool-polygon").click()
        poly = [(170, 60), (220, 70), (200, 110)]
        for p in poly:
            click_at(browser, p)
        click_at(browser, poly[0])
        set_field(browser, "zone-name-0", "object")
        set_field(browser, "zone-name-1", "quadrant")
        Select(browser.find_element(By.ID, "animal")).select_by_value("dark")
        scrub_to(browser, 12)
        # the frame shown is the one scrubbed to, also when earlier frames' images arrive late
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return window.openfieldDraw.shownFrame()") == 12)
        browser.find_element(By.ID, "set-start").click()
        set_field(browser, "duration", "1.25")
        browser.find_element(By.ID, "find-animal").click()
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return window.openfieldDraw.animal()"))
        assert "animal found" in browser.find_element(By.ID, "animal-text").text
        browser.find_element(By.ID, "save").click()
        saved(browser)
        shot(browser, "round")
        doc = json.loads(video.with_name("round.openfield.json").read_text())
        assert doc["arena"]["shape"] == "circle"
        np.testing.assert_allclose(doc["arena"]["center_px"], centre + (7, -5), atol=1)
        np.testing.assert_allclose(doc["arena"]["radius_px"], 98, atol=1)
        np.testing.assert_allclose(doc["arena"]["center_px"], moved["center_px"], atol=0.01)
        assert doc["arena_diameter_cm"] == 40 and doc["animal"] == "dark"
        assert doc["trial"] == {"start_s": 12 / FPS, "duration_s": 1.25}
        assert doc["zones"]["units"] == "px"
        circle, polygon = doc["zones"]["zones"]
        assert circle["name"] == "object" and circle["shape"] == "circle"
        np.testing.assert_allclose(circle["center"], (120, 150), atol=1)
        np.testing.assert_allclose(circle["radius"], 20, atol=1)
        assert polygon["name"] == "quadrant" and polygon["shape"] == "polygon"
        np.testing.assert_allclose(polygon["points"], poly, atol=1)
        assert "has" in browser.find_element(By.ID, "video-0").get_attribute("class")  # marked now
    finally:
        server.stop()
    # the run on that folder, naming no option of the arena, zones or trial: it reports what was drawn
    from openfield.cli import main

    out = tmp_path / "out"
    assert main(["run", str(video.parent), "-o", str(out), "--no-plots", "-j", "1"]) == 0
    cal = json.loads((out / "round_calibration.json").read_text())
    np.testing.assert_allclose(cal["center_px"], doc["arena"]["center_px"], atol=0.5)
    assert cal["radius_px"] == pytest.approx(doc["arena"]["radius_px"], abs=0.5)
    import pandas as pd

    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert row["trial_start_s"] == pytest.approx(12 / FPS, abs=1e-6)
    assert row["duration_s"] == pytest.approx(1.25, abs=1 / FPS)
    for zone in ("object", "quadrant"):
        assert f"time_{zone}_s" in row.index and f"{zone}_entries" in row.index


def test_rectangle_video_corner_move_zone_and_delete(browser, tmp_path):
    video = render(tmp_path / "rect.mp4", "rect")
    server = open_page(browser, [video])
    try:
        arena = js(browser, "arena")
        assert arena["shape"] == "rectangle"
        np.testing.assert_allclose(arena["corners_px"], [(50, 30), (270, 30), (270, 210), (50, 210)], atol=1.5)
        tl = np.round(arena["corners_px"][0])
        drag(browser, arena["corners_px"][0], tl + (6, 4))
        set_field(browser, "width-cm", "44")
        set_field(browser, "height-cm", "36")
        browser.find_element(By.ID, "tool-rectangle").click()
        drag(browser, (80, 60), (120, 100))
        browser.find_element(By.ID, "tool-circle").click()
        drag(browser, (200, 150), (215, 150))
        browser.find_element(By.ID, "zone-delete-1").click()  # the circle goes again
        drag(browser, (100, 80), (110, 85))  # move the rectangle zone by its inside
        set_field(browser, "start", "auto")
        shot(browser, "rectangle")
        browser.find_element(By.ID, "save").click()
        saved(browser)
        doc = json.loads(video.with_name("rect.openfield.json").read_text())
        corners = np.asarray(arena["corners_px"], float)
        corners[0] = tl + (6, 4)
        np.testing.assert_allclose(doc["arena"]["corners_px"], corners, atol=1)
        assert doc["arena_size_cm"] == [44, 36] and doc["trial"] == {"start_s": "auto"}
        (zone,) = doc["zones"]["zones"]
        assert zone["shape"] == "polygon" and zone["name"] == "zone1"
        np.testing.assert_allclose(zone["points"], [(90, 65), (130, 65), (130, 105), (90, 105)], atol=1)
    finally:
        server.stop()


def test_save_for_all_videos_and_next(browser, tmp_path):
    videos = [render(tmp_path / f"rig_{k}.mp4", "rect", n_frames=20) for k in (1, 2, 3)]
    videos[2].with_name("rig_3.openfield.json").write_text(json.dumps({"trial": {"start_s": 0.25}}))
    server = open_page(browser, videos)
    try:
        classes = [browser.find_element(By.ID, f"video-{k}").get_attribute("class") for k in range(3)]
        assert ["missing" in c for c in classes] == [True, True, False]
        set_field(browser, "width-cm", "44")
        set_field(browser, "height-cm", "36")
        browser.find_element(By.ID, "tool-circle").click()
        drag(browser, (100, 100), (110, 100))
        set_field(browser, "zone-name-0", "object")
        scrub_to(browser, 4)
        browser.find_element(By.ID, "set-start").click()
        browser.find_element(By.ID, "save-all").click()
        saved(browser, "rig_3.openfield.json")
        docs = [json.loads(v.with_name(v.stem + ".openfield.json").read_text()) for v in videos]
        for doc in docs:
            assert doc["arena"] == docs[0]["arena"] and doc["arena_size_cm"] == [44, 36]
            (zone,) = doc["zones"]["zones"]
            np.testing.assert_allclose(zone["center"], (100, 100), atol=1)
            np.testing.assert_allclose(zone["radius"], 10, atol=1)
        assert [d.get("trial") for d in docs] == [{"start_s": 0.2}, {"start_s": 0.2}, {"start_s": 0.25}]
        # next: the second video opens with its saved file
        browser.find_element(By.ID, "next").click()
        wait_ready(browser, 1)
        assert js(browser, "zones")[0]["name"] == "object"
        assert all("has" in browser.find_element(By.ID, f"video-{k}").get_attribute("class") for k in range(3))
        shot(browser, "all")
    finally:
        server.stop()


@pytest.mark.real_data
def test_real_video_arena_and_animal_found(browser, sample_data):
    """The DeepLabCut example video (read-only folder: nothing saved): its arena found, the mouse outlined in red
    in the middle frame, inside the floor."""
    video = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    server = open_page(browser, [video])
    try:
        arena = js(browser, "arena")
        assert arena["shape"] in ("rectangle", "polygon") and len(arena["corners_px"]) >= 4
        x0, y0 = np.min(arena["corners_px"], axis=0)
        x1, y1 = np.max(arena["corners_px"], axis=0)
        assert (x1 - x0) > 0.8 * 640 and (y1 - y0) > 0.7 * 480  # the floor fills most of the 640 x 480 image
        set_field(browser, "width-cm", "48")  # the floor's size (as in notebook 02): the cm grid is drawn
        set_field(browser, "height-cm", "32")
        scrub_to(browser, 0)
        browser.execute_script("const s = document.getElementById('frame'); s.value = 1165;"
                               "s.dispatchEvent(new Event('input'));")
        browser.find_element(By.ID, "find-animal").click()
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return window.openfieldDraw.animal()"))
        found = js(browser, "animal")
        assert "error" not in found and 1000 < found["area_px"] < 10000
        assert x0 < found["body"][0] < x1 and y0 < found["body"][1] < y1
        shot(browser, "real")
        assert not list(video.parent.glob("*.openfield.json"))
    finally:
        server.stop()
