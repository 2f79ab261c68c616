"""The HTML report: numbers as in the summaries, images embedded, failures listed (text in memory)."""

from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from openfield.pipeline import write_report
from openfield.report import comparison_figure, embedded_images, qc_table, report_html, summary_table


def _png(path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def _results():
    ok = [SimpleNamespace(video=Path(f"{s}.mp4"), status="done", error=None,
                          summary={"video": f"{s}.mp4", "distance_cm": d, "mean_speed_cm_s": d / 100,
                                   "time_moving_s": 50.0, "time_center_s": 12.5, "center_entries": 3,
                                   "mean_acceleration_cm_s2": 20.0, "latency_center_s": float("nan")})
          for s, d in (("a", 1234.5678), ("b", 987.0))]
    bad = SimpleNamespace(video=Path("c.mp4"), status="failed", summary=None, error="cannot open as a video")
    return [*ok, bad]


def test_report_html_in_memory():
    """The page from summaries and PNG bytes, no files: numbers, failures, images embedded as given."""
    images = {"a": {"trajectory": b"\x89PNG-a-traj", "heatmap": b"\x89PNG-a-heat", "speed": b"\x89PNG-a-speed",
                    "bout_acceleration": b"\x89PNG-a-bouts"},
              "b": {"trajectory": b"\x89PNG-b-traj", "ethogram": b"\x89PNG-b-etho"}}
    html = report_html(_results(), images, comparison_png=b"\x89PNG-cmp", folder="OUT")
    assert "1234.57" in html and "987.00" in html and "12.35" in html
    assert "<b>c.mp4</b>: cannot open as a video" in html
    assert "2 video(s) analysed, 1 failed" in html and "folder OUT" in html
    assert embedded_images(html) == [b"\x89PNG-cmp", b"\x89PNG-a-traj", b"\x89PNG-a-heat", b"\x89PNG-a-speed",
                                     b"\x89PNG-a-bouts", b"\x89PNG-b-traj", b"\x89PNG-b-etho"]
    assert html.count("not available") == 2  # b's heat map and speed plot
    assert html.count('alt="ethogram"') == 1
    assert html.count('alt="locomotor bouts: peak speed vs mean acceleration"') == 1  # only where there is one


def test_report_content(tmp_path):
    """The pipeline's writer reads the plots of the output folder and embeds them as they are."""
    for stem in ("a", "b"):
        for kind in ("trajectory", "heatmap", "speed"):
            _png(tmp_path / f"{stem}_{kind}.png")
    html = write_report(tmp_path, _results()).read_text()
    assert "1234.57" in html and "987.00" in html and "12.35" in html
    images = embedded_images(html)
    assert len(images) == 1 + 2 * 3
    assert images[1] == (tmp_path / "a_trajectory.png").read_bytes()  # embedded as they are
    assert images[0] == (tmp_path / "comparison.png").read_bytes()


def test_summary_table_units_and_missing_values():
    html = summary_table({"distance_cm": 10.0, "latency_center_s": float("nan"), "center_entries": 2})
    assert "<td>Distance travelled</td><td class='num'>10.00</td><td>cm</td>" in html
    assert "<td>Latency to centre</td><td class='num'>–</td><td>s</td>" in html
    assert "<td class='num'>2</td>" in html


def test_comparison_figure_bars_are_the_values():
    table = pd.DataFrame({"video": ["a", "b"], "distance_cm": [10.0, 30.0], "mean_speed_cm_s": [1.0, 2.0],
                          "time_moving_s": [5.0, 6.0], "time_center_s": [1.0, np.nan], "center_entries": [1, 4],
                          "mean_acceleration_cm_s2": [3.0, 4.0]})
    fig = comparison_figure(table)
    heights = [[p.get_height() for p in ax.patches] for ax in fig.axes]
    plt.close(fig)
    assert heights[0] == [10.0, 30.0]
    assert heights[3] == [1.0, 0.0]  # a missing value draws no bar
    assert heights[4] == [1, 4]


def test_qc_table_puts_flagged_videos_first_with_their_reasons():
    def result(name, flags, message="", read=100, expected=100):
        return SimpleNamespace(video=Path(name), status="done", error=None, qc_message=message,
                               summary={"video": name, "qc_flags": flags, "frames_read": read,
                                        "frames_expected": expected})

    results = [result("clean.mp4", ""),
               result("cut.avi", "truncated;short_recording", "truncated: read 50 of the 100 frames", 50),
               result("late.mp4", "animal_not_found_at_start"),  # no message kept: the flag's description
               SimpleNamespace(video=Path("bad.mp4"), status="failed", summary=None, error="x")]
    html = qc_table(results)
    rows = html.split("<tr")[2:]
    assert [r.split("<td>")[1].split("<")[0] for r in rows] == ["cut.avi", "late.mp4", "clean.mp4"]
    assert "truncated, short_recording" in rows[0] and "read 50 of the 100 frames" in rows[0]
    assert "50 / 100" in rows[0] and "class='flagged'" in rows[0]
    assert "no animal in the first 1 s" in rows[1]
    assert "class='clean'" in rows[2] and ">ok<" in rows[2]
    assert "2 of 3 video(s) flagged" in html
    page = report_html(results, {}, folder="OUT")
    assert page.index("Quality checks") < page.index("All videos")
    assert qc_table(_results()) == ""  # summaries without QC columns: no table


def test_report_of_a_multi_arena_video():
    """The numbered-arenas frame first, then each arena's section; an empty arena says so, without plots."""
    def arena(k, flags):
        return SimpleNamespace(video=Path("cage.mp4"), status="done", error=None, arena=k, arenas=[],
                               qc_message="", summary={"video": "cage.mp4", "arena": k, "distance_cm": 100.0 * k,
                                                       "qc_flags": flags})

    video = SimpleNamespace(video=Path("cage.mp4"), status="done", error=None, summary=None,
                            arenas=[arena(1, ""), arena(2, "empty_arena")])
    images = {"cage": {"arenas": b"\x89PNG-arenas"}, "cage_a1": {"trajectory": b"\x89PNG-a1-traj"},
              "cage_a2": {"trajectory": b"\x89PNG-stale"}}
    html = report_html([video, *_results()[2:]], images, folder="OUT")
    assert "1 video(s) analysed (2 arenas, 1 empty), 1 failed" in html
    assert embedded_images(html) == [b"\x89PNG-arenas", b"\x89PNG-a1-traj"]  # no plot shown for the empty arena
    first, second = html.index("<h3>cage.mp4 arena 1</h3>"), html.index("<h3>cage.mp4 arena 2</h3>")
    assert html.index("numbered row-major from the top-left; empty: arena 2") < first
    assert first < html.index("100.00", first) < second  # arena 1's measures in its own section
    assert "Empty: no animal found in any frame of this arena" in html[second:]
    assert "<th>Arena</th>" in html and "cage_a1_kinematics.csv" in html and "div.arena{" in html
    qc = qc_table([video])
    assert qc.index("cage.mp4 arena 2") < qc.index("cage.mp4 arena 1")  # flagged first
    assert "empty_arena" in qc and "no animal found in any frame of this arena" in qc
    assert "div.arena{" not in report_html(_results(), {})  # a single-arena page keeps its style


def test_behaviour_columns_of_any_class_are_named_from_the_class():
    """A behaviour model's columns (its own classes) get labels; known measures keep theirs; others none."""
    from openfield.report import MEASURES, measures_of

    cols = ["distance_cm", "time_supported_rearing_s", "bouts_supported_rearing", "latency_sniffing_s",
            "time_rearing_s", "fps", "bouts_x_s", "video"]
    got = measures_of(cols)
    assert got["distance_cm"] == MEASURES["distance_cm"] and got["time_rearing_s"] == ("Time rearing", "s")
    assert got["time_supported_rearing_s"] == ("Time supported rearing", "s")
    assert got["bouts_supported_rearing"] == ("Supported rearing bouts", "")
    assert got["latency_sniffing_s"] == ("Latency to sniffing", "s")
    assert set(got) == {"distance_cm", "time_supported_rearing_s", "bouts_supported_rearing", "latency_sniffing_s",
                        "time_rearing_s"}
    html = summary_table({"time_sniffing_s": 12.5, "bouts_sniffing": 3})
    assert "Time sniffing" in html and "Sniffing bouts" in html and "12.50" in html
