"""Mobility states from the tracker's outline against rendered run / still / turn-in-place / run videos.

The mouse (:func:`openfield.synthetic.render_frame`, its tail held in one bend) runs round a circle for 4 s,
stands still for 3 s (outline unchanged), turns on the spot for 2 s (the outline changes, the body centre
stays where it is) and runs on for 4 s. Two films of it (400 x 300 px, 6.3 px/cm, pixel noise 4 grey levels):

- ``coarse``: 10 frames/s, turning at 180°/s, running at 60 cm/s. The turn changes ~39 % of the outline per
  frame (EthoVision's mobility), the run ~75 %, standing < 1 %: with thresholds of 20 % and 60 % every phase
  lies far from both.
- ``default``: 30 frames/s, turning at 45°/s, running at 40 cm/s, with the default thresholds (4 % and 10 %):
  the turn changes 6-9 % per frame, the run ~28 %, standing < 1 %.

The truth is the phases themselves: immobile 3 s, mobile 2 s, highly mobile 8 s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openfield import mobility, synthetic
from openfield.cli import main
from openfield.tracking import track_video

#: The phases (name, seconds), in order.
PHASES = [("run", 4.0), ("still", 3.0), ("turn", 2.0), ("run", 4.0)]
TRUE_S = {"still": 3.0, "turn": 2.0, "run": 8.0}
CENTRE, R = np.array([20.0, 20.0]), 13.0  # the runs' circle in the 40 x 40 cm arena (cm)
IMAGE = (400, 300)
ARENA = (40.0, 40.0)
#: fps, turn (°/s), run (cm/s), the threshold options (none: the defaults).
FILMS = {"coarse": (10.0, 180.0, 60.0, ["--mobility-immobile", "20", "--mobility-highly-mobile", "60"]),
         "default": (30.0, 45.0, 40.0, [])}


def run_still_turn_run(fps: float, turn_deg_s: float, run_cm_s: float) -> pd.DataFrame:
    """The trajectory, one row per frame (the columns :func:`openfield.synthetic.render_video` draws from).

    Runs round the circle (heading along the path), stops there, turns on the spot, runs on. The spot is
    occupied for 5 of the 13 s, so the background model (a median over the video) does not keep the animal.
    """
    names = np.concatenate([[name] * int(round(sec * fps)) for name, sec in PHASES])
    t = np.arange(len(names)) / fps
    bounds = np.cumsum([0.0] + [sec for _, sec in PHASES])
    k = np.searchsorted(bounds, t + 1e-9, side="right") - 1  # each frame's phase number
    into = t - bounds[k]  # seconds into its phase
    # angle along the circle: runs advance it, the stop and the turn keep it
    travelled = np.array([sum(sec for (name, sec) in PHASES[:j] if name == "run") for j in range(len(PHASES))])
    a = (travelled[k] + np.where(names == "run", into, 0.0)) * run_cm_s / R
    xy = CENTRE + R * np.c_[np.cos(a), np.sin(a)]
    heading = a + np.pi / 2 + np.where(names == "turn", np.radians(turn_deg_s) * into, 0.0)
    return pd.DataFrame({"frame": np.arange(len(t)), "time_s": t, "x_cm": xy[:, 0], "y_cm": xy[:, 1],
                         "heading_rad": heading, "speed_cm_s": np.where(names == "run", run_cm_s, 0.0),
                         "acceleration_cm_s2": 0.0, "phase": names})


def render(traj: pd.DataFrame, fps: float, path) -> tuple:
    """Film the trajectory (a dark mouse, tail bend 0.3, Gaussian noise of 4 grey levels): the mp4 and the floor's
    corners in pixels."""
    hom = synthetic.camera_homography(ARENA, IMAGE, margin_px=0.08 * min(IMAGE))
    rng = np.random.default_rng(3)

    def frames():
        for x, y, heading in traj[["x_cm", "y_cm", "heading_rad"]].to_numpy():
            img, _ = synthetic.render_frame((x, y), heading, ARENA, hom, IMAGE, tail_bend=0.3)
            yield np.clip(img + rng.normal(0, 4.0, img.shape[:2])[..., None], 0, 255).astype(np.uint8)

    video = synthetic.write_video(path, frames(), fps, IMAGE)
    w, h = ARENA
    corners = np.c_[[0, w, w, 0], [0, 0, h, h], [1, 1, 1, 1]].astype(float) @ hom.T
    return video, corners[:, :2] / corners[:, 2:]


@pytest.fixture(scope="module", params=list(FILMS))
def film(request, tmp_path_factory):
    """One film: its video, floor corners, trajectory, fps and threshold options."""
    fps, turn, run, options = FILMS[request.param]
    traj = run_still_turn_run(fps, turn, run)
    video, corners = render(traj, fps, tmp_path_factory.mktemp(request.param) / "spin.mp4")
    return video, corners, traj, fps, options


def test_tracker_outline_change_follows_the_phases(film):
    """Per frame: standing < 1 %; turning in place between the film's thresholds (30-55 % coarse, 5-9.5 % by
    default), running above them (> 65 %, > 20 %); NaN only on the first frame (no previous outline); the body
    centre still while turning."""
    video, corners, traj, fps, options = film
    ds = track_video(video, arena_corners_px=corners, progress=False)
    change = ds["silhouette"].sel(silhouette_measure="outline_change").values
    assert np.isnan(change[0]) and np.isfinite(change[1:]).all()
    phase = traj["phase"].to_numpy()
    # a phase's first frame may still show the previous phase's change (the last step of a run): left out
    first = np.r_[True, phase[1:] != phase[:-1]]
    inner = {p: np.flatnonzero((phase == p) & ~first & ~np.r_[False, first[:-1]]) for p in TRUE_S}
    turn_lo, turn_hi, run_lo = (0.30, 0.55, 0.65) if options else (0.05, 0.095, 0.20)
    assert np.all(change[inner["still"]] < 0.01)
    assert np.all((change[inner["turn"]] > turn_lo) & (change[inner["turn"]] < turn_hi))
    assert np.all(change[inner["run"]] > run_lo)
    body = ds["position"].sel(keypoints="body").isel(individuals=0).transpose("time", "space").values
    assert np.linalg.norm(body[inner["turn"]] - body[inner["still"]].mean(axis=0), axis=1).max() < 2.5  # px (0.4 cm)


def test_run_reports_mobility_states_of_the_phases(film, tmp_path):
    """`openfield run --pose classic`: each state's time equals its phases' within 0.5 s; the speed-based
    immobility cannot tell the turn from standing still (the centre did not move), the outline can."""
    video, _, traj, fps, options = film
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), "--pose", "classic", "--arena-size-cm", "40", "40",
                 "--no-plots", *options]) == 0
    assert (out / "spin_silhouette.csv").is_file()
    s = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert s["time_immobile_outline_s"] == pytest.approx(TRUE_S["still"], abs=0.5)
    assert s["time_mobile_s"] == pytest.approx(TRUE_S["turn"], abs=0.5)
    assert s["time_highly_mobile_s"] == pytest.approx(TRUE_S["run"], abs=0.5)
    frames = pd.read_csv(out / "spin_kinematics.csv")
    states = frames["mobility_state"].fillna("").to_numpy()
    assert set(states) <= {mobility.IMMOBILE, mobility.MOBILE, mobility.HIGHLY_MOBILE, ""}
    assert (states == mobility.MOBILE).sum() / fps == pytest.approx(s["time_mobile_s"])
    # by the centre's speed, the stop and the turn are one immobility episode; by the outline the turn is not
    # immobile (its first second: the smoothed speed rises before the run that follows)
    assert s["immobility_bouts"] == 1
    turn = np.flatnonzero(traj["phase"].to_numpy() == "turn")[1:int(fps)]
    assert frames["immobile"].to_numpy()[turn].all()
    assert (states[turn] != mobility.IMMOBILE).all()


@pytest.mark.parametrize("film", ["coarse"], indirect=True)  # one film is enough
def test_thresholds_move_the_states(film, tmp_path):
    """On the coarse film, immobile below 10 % and highly mobile only above 100 %: the stop stays immobile,
    the turn and the runs are all mobile, nothing is highly mobile."""
    video, _, _, fps, _ = film
    assert fps == FILMS["coarse"][0]
    out = tmp_path / "out"
    assert main(["run", str(video), "-o", str(out), "--pose", "classic", "--arena-size-cm", "40", "40",
                 "--no-plots", "--mobility-immobile", "10", "--mobility-highly-mobile", "100"]) == 0
    s = pd.read_csv(out / "summary_all.csv").iloc[0]
    assert s["time_highly_mobile_s"] == 0
    assert s["time_immobile_outline_s"] == pytest.approx(TRUE_S["still"], abs=0.5)
    assert s["time_mobile_s"] == pytest.approx(TRUE_S["turn"] + TRUE_S["run"], abs=0.5)
