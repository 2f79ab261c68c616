"""Noise-aware smoothing of a track: measure the tracking noise, then smooth to it.

The noise is the standard deviation (cm, per axis) of the tracker's
position error, estimated from the third differences of the track: on a
smooth path the third difference of positions is the jerk times ``dt**3``
(small), while white position noise of s.d. ``sigma`` gives third
differences of s.d. ``sqrt(20) * sigma``; a median absolute value keeps the
estimate robust against the frames where the animal really jerks.

The track is then smoothed by a Rauch-Tung-Striebel smoother with a
constant-acceleration motion model (position, velocity, acceleration per
axis; white jerk of spectral density ``q``). Its measurement noise is the
estimated ``sigma**2``; ``q`` is a property of the animal, not of the camera
(:data:`JERK_DENSITY_CM2_S5`), so the smoothing follows the noise: a noisier
tracker is smoothed more, and the same motion filmed at another frame rate
or resolution is smoothed to the same time scale. (A maximum-likelihood
``q`` per recording was tried and dropped: it follows the fastest jerks,
leaves ~0.6 cm/s of speed jitter at rest with 0.03 cm noise at 30 fps, and
made the bout accelerations 15-40% too high.) The model being
time-invariant, the smoother runs at its steady state, written as linear
recursive filters (:func:`scipy.signal.lfilter`), forward then backward, so
an hour at 30 fps takes milliseconds. Each stretch of tracked frames is
smoothed on its own (NaN gaps stay NaN), extended at both ends by its odd
reflection (:data:`PAD_S`, as :func:`scipy.signal.filtfilt` pads), so a
stretch that starts or ends in motion keeps its speed there.

Frames at uneven times (a variable-frame-rate video, ``times_s``): the same
model, with each step's transition and process noise at its own interval,
is no longer time-invariant; its exact RTS smoother is computed as the mode
of the states' posterior, one banded Cholesky solve per stretch
(:func:`_rts_variable`, O(frames)), and the noise from third *divided*
differences over the real times. Given evenly spaced times it is the
steady-state smoother above but for how each starts (the tests bound both).
"""

from __future__ import annotations

import numpy as np

from openfield import cleaning, timebase
from openfield.errors import OpenfieldError

#: Variance of a third difference of white noise, in units of the noise variance.
D3_NOISE_GAIN = 20.0
#: Spectral density of the model's white jerk (cm²/s⁵): how fast a mouse's
#: acceleration may change. An animal changes its acceleration by some 40 cm/s²
#: within half a second (a bout's rise), i.e. ``q ~ 40**2 / 0.5 ~ 3000``.
JERK_DENSITY_CM2_S5 = 3000.0
#: Noise floor (cm): below it, the track is treated as exact to this precision.
MIN_NOISE_CM = 1e-3
#: Each stretch is extended at both ends by its odd reflection over this long (s), so that the
#: filters' start (at rest) does not bend a track that starts or ends in motion.
PAD_S = 1.0
#: Savitzky-Golay polynomial order of the ``window_s`` override.
SG_POLYORDER = 2


def _check_track(xy_cm: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy_cm, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise OpenfieldError(f"a track must have shape (frames, 2), got {xy.shape}")
    return xy


def _third_differences(xy_cm: np.ndarray, times_s: np.ndarray | None = None) -> np.ndarray:
    """Third differences of the track, in units of the noise's s.d. times ``sqrt(20)``.

    With ``times_s``, each is the third divided difference over its four
    frames' times, divided by the root sum of squares of its weights and
    multiplied by ``sqrt(20)``: white noise gives the same spread as on
    evenly spaced frames, and motion at constant acceleration gives 0 however
    the frames are spaced (the plain third difference of a constant speed
    sampled at alternating 25/40-ms intervals is not 0).
    """
    xy = _check_track(xy_cm)
    if times_s is None:
        d3 = np.diff(xy, n=3, axis=0)
    else:
        t = np.asarray(times_s, dtype=float)
        n = len(t) - 3
        if n < 1:
            return np.zeros(0)
        # weights of the divided difference f[t_i, ..., t_i+3]: 1 / prod_{k != j} (t_j - t_k)
        w = np.ones((n, 4))
        for j in range(4):
            for k in range(4):
                if k != j:
                    w[:, j] /= t[j : j + n] - t[k : k + n]
        w *= np.sqrt(D3_NOISE_GAIN) / np.sqrt((w**2).sum(axis=1, keepdims=True))
        d3 = sum(w[:, j, None] * xy[j : j + n] for j in range(4))
    # a position repeated exactly (a frozen or rendered still frame) is no evidence of zero noise
    d3 = d3[np.isfinite(d3).all(axis=1) & (d3 != 0).any(axis=1)].ravel()
    return d3


def estimate_noise_cm(xy_cm: np.ndarray, fps: float, times_s: np.ndarray | None = None) -> float:
    """Tracking noise of a track (cm, s.d. per axis) from its third differences.

    Parameters
    ----------
    xy_cm
        ``(frames, 2)`` positions in cm, NaN where not tracked. Give the
        track *before* gap interpolation: interpolated frames have no noise
        and would bias the estimate low.
    fps
        Frame rate (checked; the estimate itself is per frame).
    times_s
        Per-frame times of a variable-frame-rate video: third *divided*
        differences over the real times, scaled to the same noise gain (see
        :func:`_third_differences`); None: frames evenly spaced.

    Returns
    -------
    float
        ``1.4826 * median(|third difference|) / sqrt(20)``; NaN when fewer
        than 10 third differences exist. Third differences that are exactly
        zero on both axes (the same position repeated, as a tracker gives on
        identical rendered frames) are left out: they are not noise-free
        measurements, and would pull the median to zero.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    d3 = _third_differences(xy_cm, times_s)
    if len(d3) < 10:
        return float("nan")
    return float(1.4826 * np.median(np.abs(d3)) / np.sqrt(D3_NOISE_GAIN))


def _riccati_doubling(a: np.ndarray, g: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Stabilising solution ``X`` of ``X = a' X a - a' X b (r + b' X b)^-1 b' X a + q``, ``g = b r^-1 b'``."""
    eye = np.eye(len(a))
    x = q.copy()
    for _ in range(100):
        w = np.linalg.inv(eye + g @ x)
        a_next = a @ w @ a
        g = g + a @ w @ g @ a.T
        x_next = x + a.T @ x @ w @ a
        a = a_next
        if np.allclose(x_next, x, rtol=1e-13, atol=0.0):
            return x_next
        x = x_next
    return x


def _ca_model(
    fps: float, q: float, r: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Transition, steady-state filter gain, smoother gain, observation and prior covariance."""
    dt = 1.0 / fps
    f = np.array([[1.0, dt, dt**2 / 2], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    qm = q * np.array([[dt**5 / 20, dt**4 / 8, dt**3 / 6], [dt**4 / 8, dt**3 / 3, dt**2 / 2],
                       [dt**3 / 6, dt**2 / 2, dt]])
    h = np.array([[1.0, 0.0, 0.0]])
    # the prior covariance at steady state, by the structured doubling algorithm (quadratic
    # convergence; faster here than scipy.linalg.solve_discrete_are, and as exact)
    p_pred = _riccati_doubling(f.T, h.T @ h / r, qm)
    k = p_pred @ h.T / (float((h @ p_pred @ h.T)[0, 0]) + r)
    p_filt = (np.eye(3) - k @ h) @ p_pred
    c = p_filt @ f.T @ np.linalg.inv(p_pred)
    return f, k, c, h, p_pred


def _rts_filters(
    f: np.ndarray, k: np.ndarray, c: np.ndarray, h: np.ndarray
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """Transfer functions of the steady-state filter (z -> each state) and smoother (states -> position)."""
    from scipy.signal import ss2tf  # a heavy dependency (~0.4 s to import), loaded when a track is smoothed

    a = (np.eye(3) - k @ h) @ f
    # forward: xf_k = A xf_{k-1} + K z_k
    forward = []
    for i in range(3):
        b, den = ss2tf(a, k, a[i : i + 1], k[i : i + 1])
        forward.append((b[0], den))
    # backward, in reversed time: xs_k = C xs_{k+1} + (I - C F) xf_k
    m = np.eye(3) - c @ f
    backward = []
    for i in range(3):
        b, den = ss2tf(c, m, c[:1], m[:1], input=i)
        backward.append((b[0], den))
    return forward, backward


def _rts_stretch(z: np.ndarray, forward: list, backward: list) -> np.ndarray:
    """Steady-state RTS smoothing of one axis of one stretch, started and ended at rest."""
    from scipy.signal import lfilter, lfilter_zi  # a heavy dependency (~0.4 s to import), loaded when used

    xf = np.empty((3, len(z)))
    for i, (b, den) in enumerate(forward):
        xf[i] = lfilter(b, den, z, zi=lfilter_zi(b, den) * z[0])[0]
    rev = xf[:, ::-1]
    out = np.zeros(len(z))
    for i, (b, den) in enumerate(backward):
        out += lfilter(b, den, rev[i], zi=lfilter_zi(b, den) * rev[i, 0])[0]
    return out[::-1]


#: Inverse of the white-jerk covariance's shape: ``Q(dt) = q dt T M T`` with ``T = diag(dt², dt, 1)`` and
#: ``M = [[1/20, 1/8, 1/6], [1/8, 1/3, 1/2], [1/6, 1/2, 1]]`` (:func:`_ca_model`'s ``qm``), so
#: ``Q(dt)^-1 = T^-1 M^-1 T^-1 / (q dt)`` in closed form, well conditioned at any ``dt``.
_M_INV = np.array([[720.0, -360.0, 60.0], [-360.0, 192.0, -36.0], [60.0, -36.0, 9.0]])


def _ca_steps(dt: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Transitions ``F(dt_k)`` and inverse process covariances ``Q(dt_k)^-1``, ``(steps, 3, 3)`` each."""
    dt = np.asarray(dt, dtype=float)
    f = np.zeros((len(dt), 3, 3))
    f[:, [0, 1, 2], [0, 1, 2]] = 1.0
    f[:, 0, 1] = f[:, 1, 2] = dt
    f[:, 0, 2] = dt**2 / 2
    t = np.stack([dt**2, dt, np.ones_like(dt)], axis=1)
    w = _M_INV[None] / (q * dt[:, None, None] * t[:, :, None] * t[:, None, :])
    return f, w


def _rts_variable(z: np.ndarray, dt: np.ndarray, q: float, r: float, p0: np.ndarray) -> np.ndarray:
    """The exact RTS smoother of one stretch at any frame intervals: smoothed positions.

    The RTS smoother's means are the mode of the states' posterior, i.e. the
    minimiser of ``sum_k (z_k - p_k)² / r + sum_k e_k' Q(dt_k)^-1 e_k
    + (x_0 - m_0)' p0^-1 (x_0 - m_0)`` with ``e_k = x_{k+1} - F(dt_k) x_k``
    and the prior mean ``m_0 = (z_0, 0, 0)`` (at rest at the first position,
    as the steady-state filter starts). Its normal equations are
    block-tridiagonal (3 x 3 blocks): one banded Cholesky solve
    (:func:`scipy.linalg.solveh_banded`), O(frames), both axes at once.

    Parameters
    ----------
    z
        ``(frames, columns)`` measured positions (each column one axis).
    dt
        ``(frames - 1,)`` intervals between them, > 0.
    q, r
        Jerk density and measurement variance, in the units of ``dt``.
    p0
        Prior covariance of the first state.
    """
    from scipy.linalg import solveh_banded  # here, not at the top: not needed by `openfield track`

    n = len(z)
    f, w = _ca_steps(dt, q)
    wf = w @ f
    diag = np.zeros((n, 3, 3))
    diag[:, 0, 0] = 1.0 / r
    diag[1:] += w
    diag[:-1] += np.transpose(f, (0, 2, 1)) @ wf
    diag[0] += np.linalg.inv(p0)
    ab = np.zeros((6, 3 * n))  # lower banded storage: ab[i - j, j] = A[i, j]
    for a in range(3):
        for b in range(a + 1):
            ab[a - b, b::3] = diag[:, a, b]
        for b in range(3):  # the block below the diagonal: -Q^-1 F
            ab[3 + a - b, b : 3 * (n - 1) : 3] = -wf[:, a, b]
    rhs = np.zeros((3 * n, z.shape[1]))
    rhs[0::3] = (z - z[0]) / r  # relative to the prior mean: no prior term on the right
    return solveh_banded(ab, rhs, lower=True)[0::3] + z[0]


def _smooth_variable(xy: np.ndarray, times_s: np.ndarray, q: float, r: float) -> np.ndarray:
    """:func:`smooth_track`'s RTS on frames at ``times_s``: each stretch padded by its odd reflection
    (in time too) and smoothed by :func:`_rts_variable`, in units of the median interval."""
    tau = float(np.median(np.diff(times_s)))
    q_u, r_u = q * tau**5, r  # states (p, v tau, a tau²): intervals in units of tau
    p0 = _ca_model(1.0, q_u, r_u)[4]  # the steady-state prior at the median interval
    t = times_s / tau
    pad_max = int(np.ceil(PAD_S / tau))
    starts, lengths = cleaning.runs(np.isfinite(xy).all(axis=1))
    for s, n in zip(starts, lengths, strict=True):
        pad = min(n - 1, pad_max)
        z, ts = xy[s : s + n], t[s : s + n]
        if pad > 0:  # odd reflection: a stretch that starts or ends in motion keeps its velocity
            z = np.r_[2 * z[0] - z[pad:0:-1], z, 2 * z[-1] - z[-2 : -pad - 2 : -1]]
            ts = np.r_[2 * ts[0] - ts[pad:0:-1], ts, 2 * ts[-1] - ts[-2 : -pad - 2 : -1]]
        xy[s : s + n] = _rts_variable(z, np.diff(ts), q_u, r_u, p0)[pad : pad + n]
    return xy


def smooth_track(
    xy_cm: np.ndarray,
    fps: float,
    noise_cm: float | None = None,
    window_s: float | None = None,
    jerk_density: float | None = None,
    times_s: np.ndarray | None = None,
) -> np.ndarray:
    """Smooth a track to its tracking noise (RTS, constant acceleration), or by a fixed window.

    Parameters
    ----------
    xy_cm
        ``(frames, 2)`` positions in cm, NaN where not tracked (gaps stay NaN;
        each tracked stretch is smoothed on its own).
    fps
        Frame rate.
    noise_cm
        Tracking noise (s.d. per axis, cm); estimated from ``xy_cm`` with
        :func:`estimate_noise_cm` when None (pass the estimate from the
        track before gap filling when you have it).
    jerk_density
        The model's jerk spectral density (cm²/s⁵) [:data:`JERK_DENSITY_CM2_S5`].
    window_s
        When given, a Savitzky-Golay filter (order 2) of this window
        replaces the RTS smoother (the ``--smooth-window`` override).
    times_s
        Per-frame times (s) of a variable-frame-rate video: the RTS smoother
        of the same model with each step's transition and process noise at
        its real interval (:func:`_rts_variable`); the Savitzky-Golay window
        then counts frames at the median rate. None: frames ``1 / fps`` apart.

    Returns
    -------
    numpy.ndarray
        The smoothed ``(frames, 2)`` track.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    xy = np.array(_check_track(xy_cm), copy=True)
    if times_s is not None:
        times_s = timebase.check_times(times_s, len(xy))
        if len(xy) >= 2:
            fps = timebase.median_fps(times_s)
    if window_s is not None:
        if not (np.isfinite(window_s) and window_s >= 0):
            raise OpenfieldError(f"the smoothing window must be >= 0 s, got {window_s}")
        return cleaning.smooth(xy, cleaning.window_frames(window_s, fps, SG_POLYORDER), SG_POLYORDER)
    if noise_cm is None:
        noise_cm = estimate_noise_cm(xy, fps, times_s)
    if not np.isfinite(noise_cm):  # too short to tell: nothing to smooth against
        return xy
    r = max(float(noise_cm), MIN_NOISE_CM) ** 2
    q = JERK_DENSITY_CM2_S5 if jerk_density is None else float(jerk_density)
    if not (np.isfinite(q) and q > 0):
        raise OpenfieldError(f"the jerk density must be a positive number, got {jerk_density}")
    if times_s is not None:
        return _smooth_variable(xy, times_s, q, r)
    forward, backward = _rts_filters(*_ca_model(fps, q, r)[:4])
    valid = np.isfinite(xy).all(axis=1)
    starts, lengths = cleaning.runs(valid)
    pad_max = int(np.ceil(PAD_S * fps))
    for s, n in zip(starts, lengths, strict=True):
        pad = min(n - 1, pad_max)
        for axis in range(2):
            z = xy[s : s + n, axis]
            if pad > 0:  # odd reflection: a stretch that starts or ends in motion keeps its velocity
                z = np.r_[2 * z[0] - z[pad:0:-1], z, 2 * z[-1] - z[-2 : -pad - 2 : -1]]
            xy[s : s + n, axis] = _rts_stretch(z, forward, backward)[pad : pad + n]
    return xy
