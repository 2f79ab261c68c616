"""The report lists each video's zones with their measures (numbers as in the summary)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from openfield.report import report_html, summary_zones, zone_table


def _summary():
    s = {"video": "a.mp4", "duration_s": 600.0, "trial_start_s": 12.25,
         "time_center_s": 61.5, "center_entries": 7, "latency_center_s": 3.5, "distance_center_cm": 410.0,
         "mean_speed_center_cm_s": 6.7, "time_head_center_s": 70.25,
         "time_border_s": 538.5, "border_entries": 7, "latency_border_s": 0.0, "distance_border_cm": 2210.0,
         "mean_speed_border_cm_s": 4.1, "time_head_border_s": 529.75,
         "bouts_rearing": 4, "time_rearing_s": 20.0}
    for c in ("tl", "tr", "br", "bl"):  # a round arena: no corners
        s.update({f"time_corner_{c}_s": np.nan, f"corner_{c}_entries": np.nan})
    s.update({"time_object_s": 33.125, "object_entries": 11, "latency_object_s": 40.5, "distance_object_cm": 99.0,
              "mean_speed_object_cm_s": 3.0, "time_head_object_s": 48.875})
    return s


def test_zone_table_rows_are_the_summary_values():
    s = _summary()
    assert summary_zones(s) == ["center", "border", "object"]  # not rearing; no empty corners
    t = zone_table(s)
    assert "<td>object</td><td class='num'>33.12</td><td class='num'>11</td><td class='num'>40.50</td>" in t
    assert "48.88" in t and "70.25" in t and "Trial from 12.25 s of the video, 600.00 s analysed" in t
    assert zone_table({"distance_cm": 1.0}) == ""


def test_report_shows_the_zone_table():
    r = SimpleNamespace(video=Path("a.mp4"), status="done", error=None, summary=_summary())
    html = report_html([r], {}, folder="OUT")
    assert "<table class='zones'>" in html and "<td>object</td>" in html
