"""Noise estimate and noise-aware smoothing: known noise, known motion, a textbook RTS as the reference."""

from __future__ import annotations

import numpy as np
import pytest

from openfield import cleaning, smoothing, synthetic
from openfield.errors import OpenfieldError

PLAN, START = synthetic.make_bout_plan(60.0, seed=3)


@pytest.mark.parametrize("fps", [25.0, 60.0])
@pytest.mark.parametrize("jitter", [0.03, 0.1])
def test_noise_estimate_on_moving_track(fps, jitter):
    traj = synthetic.bouts_trajectory(PLAN, fps, START)
    xy = synthetic.observe_track(traj, 10.0, jitter, 0.03, seed=1) / 10.0
    assert smoothing.estimate_noise_cm(xy, fps) == pytest.approx(jitter, rel=0.3)


def test_noise_estimate_without_noise_and_too_short():
    traj = synthetic.bouts_trajectory(PLAN, 30.0, START)
    exact = traj[["x_cm", "y_cm"]].to_numpy()
    assert smoothing.estimate_noise_cm(exact, 30.0) < 0.003  # only the motion's own third differences
    assert np.isnan(smoothing.estimate_noise_cm(exact[:5], 30.0))
    with pytest.raises(OpenfieldError, match="fps"):
        smoothing.estimate_noise_cm(exact, -1.0)
    with pytest.raises(OpenfieldError, match="shape"):
        smoothing.estimate_noise_cm(exact[:, 0], 30.0)


def _ca_matrices(dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Transition and process covariance of the constant-acceleration (white-jerk) model over ``dt``."""
    f = np.array([[1.0, dt, dt**2 / 2], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    qm = q * np.array([[dt**5 / 20, dt**4 / 8, dt**3 / 6], [dt**4 / 8, dt**3 / 3, dt**2 / 2],
                       [dt**3 / 6, dt**2 / 2, dt]])
    return f, qm


def _textbook_rts(z: np.ndarray, f: np.ndarray, qm: np.ndarray, r: float, p0: np.ndarray) -> np.ndarray:
    """Kalman filter and Rauch-Tung-Striebel smoother, step by step (the reference; filterpy's
    ``rts_smoother`` agreed to 4e-6 cm when checked, but is not a dependency). ``f`` and ``qm``: one
    ``(3, 3)`` matrix for every step, or ``(steps, 3, 3)``, one per step (time-varying)."""
    fs = f if f.ndim == 3 else np.broadcast_to(f, (len(z) - 1, 3, 3))
    qs = qm if qm.ndim == 3 else np.broadcast_to(qm, (len(z) - 1, 3, 3))
    h = np.array([[1.0, 0.0, 0.0]])
    x, p = np.array([z[0], 0.0, 0.0]), p0.copy()
    xs, ps, xp, pp = [], [], [], []
    for k, zk in enumerate(z):
        if k:
            x, p = fs[k - 1] @ x, fs[k - 1] @ p @ fs[k - 1].T + qs[k - 1]
        xp.append(x)
        pp.append(p)
        gain = p @ h.T / (h @ p @ h.T + r)
        x = x + (gain * (zk - h @ x)).ravel()
        p = (np.eye(3) - gain @ h) @ p
        xs.append(x)
        ps.append(p)
    out = [xs[-1]]
    for k in range(len(z) - 2, -1, -1):
        c = ps[k] @ fs[k].T @ np.linalg.inv(pp[k + 1])
        out.append(xs[k] + c @ (out[-1] - xp[k + 1]))
    return np.array(out[::-1])[:, 0]


def test_steady_state_rts_matches_the_textbook_smoother():
    fps, q, r = 30.0, smoothing.JERK_DENSITY_CM2_S5, 0.05**2
    f, k, c, h, p_pred = smoothing._ca_model(fps, q, r)
    rng = np.random.default_rng(0)
    t = np.arange(400) / fps
    z = 5 * np.sin(t) + rng.normal(0, 0.05, len(t))
    dt = 1 / fps
    qm = q * np.array([[dt**5 / 20, dt**4 / 8, dt**3 / 6], [dt**4 / 8, dt**3 / 3, dt**2 / 2],
                       [dt**3 / 6, dt**2 / 2, dt]])
    ref = _textbook_rts(z, f, qm, r, p_pred)
    ours = smoothing._rts_stretch(z, *smoothing._rts_filters(f, k, c, h))
    # the same smoother away from the ends (ours starts at rest, the reference from its prior)
    np.testing.assert_allclose(ours[60:-60], ref[60:-60], atol=1e-4)
    assert np.abs(ours - 5 * np.sin(t))[60:-60].std() < 0.02  # and it smooths: 0.05 cm noise in


def test_smoothing_reduces_error_and_keeps_gaps():
    fps = 30.0
    traj = synthetic.bouts_trajectory(PLAN, fps, START)
    true = traj[["x_cm", "y_cm"]].to_numpy()
    xy = synthetic.observe_track(traj, 10.0, 0.05, 0.0, seed=4) / 10.0
    xy[300:340] = np.nan
    out = smoothing.smooth_track(xy, fps)
    assert np.isnan(out[300:340]).all() and np.isfinite(np.delete(out, range(300, 340), axis=0)).all()
    ok = np.isfinite(out).all(axis=1)
    raw_err = np.sqrt(np.mean((xy[ok] - true[ok]) ** 2))
    err = np.sqrt(np.mean((out[ok] - true[ok]) ** 2))
    assert raw_err == pytest.approx(0.05, rel=0.1)
    assert err < 0.5 * raw_err
    # distance: jitter adds path length (+40% raw); what is left after smoothing is the jitter at rest,
    # under 5% here and half what the old fixed 0.25 s Savitzky-Golay window leaves
    def length(a: np.ndarray) -> float:
        return float(np.nansum(np.linalg.norm(np.diff(a, axis=0), axis=1)))

    d_true = np.linalg.norm(np.diff(true, axis=0), axis=1)[ok[1:] & ok[:-1]].sum()
    excess = length(out) / d_true - 1
    assert 0 < excess < 0.05
    assert excess < 0.5 * (length(cleaning.smooth(xy, 9, 2)) / d_true - 1)


def test_window_override_is_savitzky_golay():
    rng = np.random.default_rng(1)
    xy = np.cumsum(rng.normal(0, 0.1, (200, 2)), axis=0)
    out = smoothing.smooth_track(xy, 30.0, window_s=0.25)
    np.testing.assert_allclose(out, cleaning.smooth(xy, cleaning.window_frames(0.25, 30.0, 2), 2))
    with pytest.raises(OpenfieldError, match="window"):
        smoothing.smooth_track(xy, 30.0, window_s=-1)
    with pytest.raises(OpenfieldError, match="jerk"):
        smoothing.smooth_track(xy, 30.0, jerk_density=0)


def test_more_noise_more_smoothing():
    """The smoother follows the noise: a noisier track is smoothed more (a step is spread wider)."""
    z = np.r_[np.zeros(100), np.ones(100)]
    xy = np.c_[z, z]
    sharp = smoothing.smooth_track(xy, 30.0, noise_cm=0.01)
    soft = smoothing.smooth_track(xy, 30.0, noise_cm=0.3)
    width = [int(((o[:, 0] > 0.1) & (o[:, 0] < 0.9)).sum()) for o in (sharp, soft)]
    assert width[0] < width[1]


@pytest.mark.parametrize(("fps", "noise"), [(25.0, 0.03), (60.0, 0.001), (200.0, 1.0)])
def test_steady_state_covariance_matches_scipy(fps, noise):
    from scipy.linalg import solve_discrete_are

    q, r = smoothing.JERK_DENSITY_CM2_S5, noise**2
    f, _, _, h, p_pred = smoothing._ca_model(fps, q, r)
    dt = 1 / fps
    qm = q * np.array([[dt**5 / 20, dt**4 / 8, dt**3 / 6], [dt**4 / 8, dt**3 / 3, dt**2 / 2],
                       [dt**3 / 6, dt**2 / 2, dt]])
    ref = solve_discrete_are(f.T, h.T, qm / r, np.array([[1.0]])) * r
    np.testing.assert_allclose(p_pred, ref, rtol=1e-9)


def test_noise_estimate_ignores_exactly_repeated_positions():
    """A tracker on identical rendered frames repeats the position exactly: that is no zero noise."""
    traj = synthetic.bouts_trajectory(PLAN, 30.0, START)
    xy = synthetic.observe_track(traj, 10.0, 0.03, 0.0, seed=2) / 10.0
    still = (traj.speed_cm_s == 0).to_numpy()
    xy[still] = traj[["x_cm", "y_cm"]].to_numpy()[still]  # exact at rest, noisy while moving
    assert still.mean() > 0.4
    assert smoothing.estimate_noise_cm(xy, 30.0) == pytest.approx(0.03, rel=0.3)


@pytest.mark.parametrize("noise", [0.001, 0.05])
def test_a_stretch_that_starts_and_ends_in_motion_keeps_its_speed(noise):
    """Odd-reflection padding: a straight line at 12 cm/s stays exact to its ends (no start at rest)."""
    fps = 30.0
    t = np.arange(90) / fps
    xy = np.c_[3 + 12 * t, 5 - 4 * t]
    xy[40:43] = np.nan  # two stretches, each in motion at both ends
    out = smoothing.smooth_track(xy, fps, noise_cm=noise)
    np.testing.assert_allclose(out, xy, atol=1e-3)
    for a, b in ((0, 40), (43, 90)):  # speed to the very ends (started at rest it was 13% low at the ends)
        v = np.gradient(out[a:b], 1 / fps, axis=0)
        np.testing.assert_allclose(np.hypot(v[:, 0], v[:, 1]), np.hypot(12, 4), rtol=0.01)


# --------------------------------------------------------------------------- variable frame rate


def uneven_circle(n=1500, noise=0.03, seed=5):
    """A circle at 15 cm/s filmed at intervals alternating 25 and 40 ms (+-5 ms): times, truth, measured."""
    rng = np.random.default_rng(seed)
    dt = np.where(np.arange(n) % 2, 0.025, 0.040) + rng.choice([0, 0, 0.005, -0.005], n)
    t = np.r_[0, np.cumsum(dt)[:-1]]
    ang = 15.0 / 12.0 * t
    true = np.c_[20 + 12 * np.cos(ang), 20 + 12 * np.sin(ang)]
    return t, true, true + rng.normal(0, noise, true.shape)


def test_variable_interval_rts_is_the_textbook_smoother():
    """Each step's transition and process noise at its own interval: the exact time-varying RTS smoother."""
    q, r = smoothing.JERK_DENSITY_CM2_S5, 0.05**2
    rng = np.random.default_rng(0)
    dt = rng.uniform(0.015, 0.06, 399)
    t = np.r_[0, np.cumsum(dt)]
    z = 20 + 5 * np.sin(t) + rng.normal(0, 0.05, len(t))
    p0 = smoothing._ca_model(1 / np.median(dt), q, r)[4]
    f, qm = (np.array(m) for m in zip(*(_ca_matrices(d, q) for d in dt), strict=True))
    ref = _textbook_rts(z, f, qm, r, p0)
    ours = smoothing._rts_variable(z[:, None], dt, q, r, p0)[:, 0]
    np.testing.assert_allclose(ours, ref, atol=1e-8)
    # the same in units of the median interval (as smooth_track runs it): the states are only rescaled
    tau = float(np.median(dt))
    scale = np.diag([1.0, tau, tau**2])
    scaled = smoothing._rts_variable(z[:, None], dt / tau, q * tau**5, r, scale @ p0 @ scale)[:, 0]
    np.testing.assert_allclose(scaled, ref, atol=1e-8)


@pytest.mark.parametrize("noise", [0.01, 0.3])
def test_evenly_spaced_times_give_the_steady_state_smoother(noise):
    """Given times 1/fps apart, the variable-interval smoother is the steady-state one (which a constant-rate
    video keeps): < 1e-4 cm more than 1 s from a stretch's ends; at the ends, where they start differently (the
    steady-state filters as if at rest for ever, the other from the steady-state prior), < 2% of the noise."""
    fps = 30.0
    traj = synthetic.bouts_trajectory(PLAN, fps, START)
    xy = synthetic.observe_track(traj, 10.0, noise, 0.0, seed=4) / 10.0
    xy[300:340] = np.nan
    steady = smoothing.smooth_track(xy, fps, noise_cm=noise)
    timed = smoothing.smooth_track(xy, fps, noise_cm=noise, times_s=np.arange(len(xy)) / fps)
    assert np.isnan(timed[300:340]).all()
    inner = np.r_[30:270, 370:len(xy) - 30]
    np.testing.assert_allclose(timed[inner], steady[inner], atol=1e-4)
    np.testing.assert_allclose(timed, steady, atol=0.02 * noise)


def test_uneven_intervals_noise_estimate_and_smoothing():
    """Frames 25/40 ms apart: measured on their times, the noise and the speed are right; taken as evenly
    spaced (the steady-state smoother, plain third differences) they are clearly wrong."""
    t, true, xy = uneven_circle(noise=0.03)
    fps = 1 / float(np.median(np.diff(t)))
    assert smoothing.estimate_noise_cm(xy, fps, t) == pytest.approx(0.03, rel=0.15)
    assert smoothing.estimate_noise_cm(xy, fps) > 2 * 0.03  # constant speed at uneven times is no smooth path
    for times, ok in ((t, True), (None, False)):
        out = smoothing.smooth_track(xy, fps, noise_cm=0.03, times_s=times)
        speed = np.hypot(*np.gradient(out, t, axis=0).T)
        err = np.sqrt(np.mean((out - true) ** 2))
        if ok:
            assert err < 0.5 * 0.03 and np.sqrt(np.mean((speed - 15.0) ** 2)) < 0.3
        else:
            assert err > 0.03 and np.sqrt(np.mean((speed - 15.0) ** 2)) > 2.0
    with pytest.raises(OpenfieldError, match="do not increase"):
        smoothing.smooth_track(xy, fps, times_s=t[::-1])
    with pytest.raises(OpenfieldError, match="frame times for"):
        smoothing.smooth_track(xy, fps, times_s=t[:-1])
