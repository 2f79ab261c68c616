"""The notebook widget edits and saves the same settings file as ``openfield draw``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from draw_videos import FPS, ROUND, render

from openfield.draw.widget import SettingsWidget, cm_to_px, draw_settings


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return render(tmp_path_factory.mktemp("w") / "round.mp4", "round")


def test_widget_edits_and_saves_the_settings_file(video, tmp_path):
    out = tmp_path / "round.openfield.json"
    w = SettingsWidget(video, out)
    first = bytes(w.image.value)
    assert first.startswith(b"\x89PNG")
    w.shape.value = "circle"
    w.fields["cx"].value, w.fields["cy"].value, w.fields["radius"].value = 161.5, 119.0, 99.0
    w.size.value = "40"
    w.animal.value = "dark"
    w.frame.value = 12
    w.start_button.click()
    w.duration.value = "1.5"
    zones = {"units": "px", "zones": [{"name": "object", "shape": "circle", "center": [120, 150], "radius": 20}]}
    w.zones_text.value = json.dumps(zones)
    assert bytes(w.image.value) != first  # frame 12, the new arena and the zone drawn
    w.save_button.click()
    assert w.status.value == f"saved {out}"
    assert json.loads(out.read_text()) == {
        "arena": {"shape": "circle", "center_px": [161.5, 119.0], "radius_px": 99.0},
        "zones": {"units": "px", "zones": [{"name": "object", "shape": "circle", "center": [120.0, 150.0],
                                           "radius": 20.0}]},
        "trial": {"start_s": 12 / FPS, "duration_s": 1.5}, "animal": "dark", "arena_diameter_cm": 40.0}
    again = SettingsWidget(video, out)  # the saved file is loaded
    assert again.arena() == {"shape": "circle", "center_px": [161.5, 119.0], "radius_px": 99.0}
    assert again.start.value == "0.6" and again.size.value == "40"


def test_widget_refuses_bad_values_and_writes_nothing(video, tmp_path):
    out = tmp_path / "x.openfield.json"
    w = SettingsWidget(video, out)
    w.zones_text.value = json.dumps({"units": "px", "zones": [{"name": "2bad", "shape": "circle", "center": [1, 1],
                                                               "radius": 1}]})
    assert w.save() is None and not out.exists()
    assert "column word" in w.status.value
    w.zones_text.value = ""
    w.shape.value = "rectangle"
    w.size.value = "40"  # one number for a rectangle
    assert w.save() is None and "W H" in w.status.value


def test_cm_grid_mapping_of_a_circle_and_a_rectangle():
    circle = {"shape": "circle", "center_px": list(ROUND["center"]), "radius_px": 100.0}
    np.testing.assert_allclose(cm_to_px(circle, (40, 40))(np.array([[20.0, 20.0], [0, 20], [40, 20]])),
                               [[160, 120], [60, 120], [260, 120]])
    rect = {"shape": "rectangle", "corners_px": [[50, 30], [270, 30], [270, 210], [50, 210]]}
    np.testing.assert_allclose(cm_to_px(rect, (44, 36))(np.array([[0.0, 0.0], [22, 18], [44, 36]])),
                               [[50, 30], [160, 120], [270, 210]], atol=1e-4)
    image = np.zeros((240, 320, 3), np.uint8)
    drawn = draw_settings(image, circle, None, (40, 40))
    assert drawn[120, 160].tolist() == [255, 200, 0]  # a grid line crosses the centre (20 cm, 20 cm)
    assert drawn[5, 5].tolist() == [0, 0, 0]  # nothing outside the floor
