"""Mobility states from the tracker's outline against a rendered still / turn-in-place / run video.

The mouse runs round a circle at 60 cm/s for 4 s (the outline moves by most of a body length per frame),
stands still for 3 s (outline unchanged), turns once on the spot in 2 s (180°/s: the outline changes, the body
centre stays where it is), and runs on for 4 s. At 10 frames/s the turn changes about half of the outline per
frame (EthoVision's mobility ~47 %, between the default 20 % and 60 %) and the run nearly all of it (> 70 %), so
the truth is the phases themselves: immobile 3 s, mobile 2 s, highly mobile 8 s.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from openfield import mobility, synthetic
from openfield.cli import main
from openfield.tracking import track_video

FPS = 10.0
#: The phases (name, seconds), in order.
PHASES = [("run", 4.0), ("still", 3.0), ("turn", 2.0), ("run", 4.0)]
TRUE_S = {"still": 3.0, "turn": 2.0, "run": 8.0}
CENTRE, R = np.array([20.0, 20.0]), 13.0  # the runs' circle in the 40 x 40 cm arena (cm)
TURN_DEG_S, RUN_CM_S = 180.0, 60.0  # the turn: one full turn, ending facing as it began
IMAGE = (400, 300)


def run_still_turn_run() -> pd.DataFrame:
    """The trajectory, one row per frame (the columns :func:`openfield.synthetic.render_video` draws from).

    Runs round the circle (heading along the path), stops there, turns once round on the spot, runs on. The
    spot is occupied for 5 of the 13 s, so the background model (a median over the video) does not keep the
    animal there.
    """
    names = np.concatenate([[name] * int(round(sec * FPS)) for name, sec in PHASES])
    t = np.arange(len(names)) / FPS
    bounds = np.cumsum([0.0] + [sec for _, sec in PHASES])
    k = np.searchsorted(bounds, t, side="right") - 1  # each frame's phase number
    into = t - bounds[k]  # seconds into its phase
    # angle along the circle: runs advance it, the stop and the turn keep it
    travelled = np.array([sum(sec for (name, sec) in PHASES[:j] if name == "run") for j in range(len(PHASES))])
    a = (travelled[k] + np.where(names == "run", into, 0.0)) * RUN_CM_S / R
    xy = CENTRE + R * np.c_[np.cos(a), np.sin(a)]
    heading = a + np.pi / 2 + np.where(names == "turn", np.radians(TURN_DEG_S) * into, 0.0)
    return pd.DataFrame({"frame": np.arange(len(t)), "time_s": t, "x_cm": xy[:, 0], "y_cm": xy[:, 1],
                         "heading_rad": heading, "speed_cm_s": np.where(names == "run", RUN_CM_S, 0.0),
                         "acceleration_cm_s2": 0.0, "phase": names})


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """The 13 s, 10 fps, 400 x 300 video (pixel noise 4 grey levels) and its trajectory."""
    traj = run_still_turn_run()
    sv = synthetic.render_video(tmp_path_factory.mktemp("mobility"), "spin", trajectory=traj, fps=FPS,
                                image_size=IMAGE, noise_sd=4.0, seed=3)
    return sv, traj


def test_tracker_outline_change_follows_the_phases(video):
    """Per frame: ~0 while still, between the thresholds while turning in place, above the upper one running;
    NaN only on the first frame (no previous outline)."""
    sv, traj = video
    corners = np.array(json.loads(sv.geometry.read_text())["arena_corners_px"])
    ds = track_video(sv.video, arena_corners_px=corners, progress=False)
    change = ds["silhouette"].sel(silhouette_measure="outline_change").values
    assert np.isnan(change[0]) and np.isfinite(change[1:]).all()
    phase = traj["phase"].to_numpy()
    # a phase's first frame may still show the previous phase's change (the last step of a run): left out
    body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    first = np.r_[True, phase[1:] != phase[:-1]]
    inner = {p: np.flatnonzero((phase == p) & ~first & ~np.r_[False, first[:-1]]) for p in TRUE_S}
    assert np.all(change[inner["still"]] < 0.10)  # the tail sways (render_video bends it over time)
    assert np.all((change[inner["turn"]] > 0.30) & (change[inner["turn"]] < 0.55))
    assert np.all(change[inner["run"]] > 0.65)
    # turning in place: the body centre stays within 1.5 px of where it stood
    assert np.linalg.norm(body[inner["turn"]] - body[inner["still"]].mean(axis=0), axis=1).max() < 1.5


def test_run_reports_mobility_states_of_the_phases(video, tmp_path):
    """`openfield run --pose classic`: each state's time equals its phases' within 0.5 s; the speed-based
    immobility cannot tell the turn from standing still (the centre did not move), the outline can."""
    sv, _ = video
    out = tmp_path / "out"
    assert main(["run", str(sv.video), "-o", str(out), "--pose", "classic", "--arena-size-cm", "40", "40",
                 "--no-plots"]) == 0
    assert (out / "spin_silhouette.csv").is_file()
    s = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert s["time_immobile_outline_s"] == pytest.approx(TRUE_S["still"], abs=0.5)
    assert s["time_mobile_s"] == pytest.approx(TRUE_S["turn"], abs=0.5)
    assert s["time_highly_mobile_s"] == pytest.approx(TRUE_S["run"], abs=0.5)
    frames = pd.read_csv(out / "spin_kinematics.csv")
    states = frames["mobility_state"].fillna("").to_numpy()
    assert set(states) <= {mobility.IMMOBILE, mobility.MOBILE, mobility.HIGHLY_MOBILE, ""}
    assert (states == mobility.MOBILE).sum() / FPS == pytest.approx(s["time_mobile_s"])
    # by the centre's speed, the stop and the turn are one immobility episode; by the outline the turn is mobile
    assert s["immobility_bouts"] == 1
    # (the turn's first second: the smoothed speed rises before the run that follows)
    turn = np.flatnonzero(video[1]["phase"].to_numpy() == "turn")[1:int(FPS)]
    assert frames["immobile"].to_numpy()[turn].all() and (states[turn] == mobility.MOBILE).all()
    # other thresholds: everything that changed at all is mobile (none highly mobile)
    out2 = tmp_path / "out2"
    assert main(["run", str(sv.video), "-o", str(out2), "--pose", "classic", "--arena-size-cm", "40", "40",
                 "--no-plots", "--mobility-immobile", "10", "--mobility-highly-mobile", "100"]) == 0
    s2 = pd.read_csv(out2 / "summary_all.csv").iloc[0]
    assert s2["time_highly_mobile_s"] == 0
    assert s2["time_mobile_s"] == pytest.approx(TRUE_S["turn"] + TRUE_S["run"], abs=0.5)
