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
"""

from __future__ import annotations

import numpy as np

from openfield import cleaning
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


def _third_differences(xy_cm: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy_cm, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise OpenfieldError(f"a track must have shape (frames, 2), got {xy.shape}")
    d3 = np.diff(xy, n=3, axis=0)
    # a position repeated exactly (a frozen or rendered still frame) is no evidence of zero noise
    d3 = d3[np.isfinite(d3).all(axis=1) & (d3 != 0).any(axis=1)].ravel()
    return d3


def estimate_noise_cm(xy_cm: np.ndarray, fps: float) -> float:
    """Tracking noise of a track (cm, s.d. per axis) from its third differences.

    Parameters
    ----------
    xy_cm
        ``(frames, 2)`` positions in cm, NaN where not tracked. Give the
        track *before* gap interpolation: interpolated frames have no noise
        and would bias the estimate low.
    fps
        Frame rate (checked; the estimate itself is per frame).

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
    d3 = _third_differences(xy_cm)
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
    from scipy.signal import ss2tf  # here, not at the top: scipy.signal takes ~1 s to import

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
    from scipy.signal import lfilter, lfilter_zi  # here, not at the top: scipy.signal takes ~1 s to import

    xf = np.empty((3, len(z)))
    for i, (b, den) in enumerate(forward):
        xf[i] = lfilter(b, den, z, zi=lfilter_zi(b, den) * z[0])[0]
    rev = xf[:, ::-1]
    out = np.zeros(len(z))
    for i, (b, den) in enumerate(backward):
        out += lfilter(b, den, rev[i], zi=lfilter_zi(b, den) * rev[i, 0])[0]
    return out[::-1]


def smooth_track(
    xy_cm: np.ndarray,
    fps: float,
    noise_cm: float | None = None,
    window_s: float | None = None,
    jerk_density: float | None = None,
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

    Returns
    -------
    numpy.ndarray
        The smoothed ``(frames, 2)`` track.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise OpenfieldError(f"fps must be a positive number, got {fps}")
    xy = np.array(xy_cm, dtype=float, copy=True)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise OpenfieldError(f"a track must have shape (frames, 2), got {xy.shape}")
    if window_s is not None:
        if not (np.isfinite(window_s) and window_s >= 0):
            raise OpenfieldError(f"the smoothing window must be >= 0 s, got {window_s}")
        return cleaning.smooth(xy, cleaning.window_frames(window_s, fps, SG_POLYORDER), SG_POLYORDER)
    if noise_cm is None:
        noise_cm = estimate_noise_cm(xy, fps)
    if not np.isfinite(noise_cm):  # too short to tell: nothing to smooth against
        return xy
    r = max(float(noise_cm), MIN_NOISE_CM) ** 2
    q = JERK_DENSITY_CM2_S5 if jerk_density is None else float(jerk_density)
    if not (np.isfinite(q) and q > 0):
        raise OpenfieldError(f"the jerk density must be a positive number, got {jerk_density}")
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
