"""Which end of the animal is the head, over a whole recording.

The per-frame detector (:mod:`openfield.tracking`, with
:mod:`openfield.segmentation`) gives the two ends of the animal's body in
each frame but not which one is the head. A two-state hidden Markov model
over the whole recording decides it: the state is which end is the head;
each frame gives evidence from the direction of motion (when the animal
moves faster than ``min_speed_body_lengths_s``) and from the tail; a switch
of ends between consecutive frames costs in proportion to how far the
labelled ends would jump. The Viterbi path gives the head, so the head stays
on the same end through pauses; the posterior probability of the chosen
state goes into the head and tail likelihoods.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class OrientationSettings(Protocol):
    """The weights :func:`orient` reads (:class:`openfield.tracking.TrackerConfig` has them)."""

    tail_weight: float
    motion_window_s: float
    min_speed_body_lengths_s: float
    full_speed_body_lengths_s: float
    motion_weight: float
    continuity_weight: float


def _logsumexp2(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def orient(
    body: np.ndarray,
    ends: np.ndarray,
    tail_cue: np.ndarray,
    fps: float | None,
    config: OrientationSettings,
    tips: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decide, for every frame, which end of the animal is the head.

    Parameters
    ----------
    body
        ``(T, 2)`` body points (NaN where not found).
    ends
        ``(T, 2, 2)`` the two ends per frame.
    tail_cue
        ``(T,)`` tail evidence (> 0: the tail is towards ``ends[:, 0]``).
    fps
        Frame rate; None (single images) means no motion evidence.
    config
        Weights and speed limits.
    tips
        ``(T, 2, 2)`` pointed ends in the same order as ``ends``; the head
        is taken from them (default: ``ends``).

    Returns
    -------
    head, tail : numpy.ndarray
        ``(T, 2)`` each, NaN where not found: the head from ``tips``, the
        tail base from ``ends``.
    probability : numpy.ndarray
        ``(T,)`` posterior probability of the chosen end (0 where not found).
    """
    n = len(body)
    head = np.full((n, 2), np.nan)
    tail = np.full((n, 2), np.nan)
    prob = np.zeros(n)
    valid = np.flatnonzero(np.isfinite(body[:, 0]) & np.isfinite(ends).all(axis=(1, 2)))
    if len(valid) == 0:
        return head, tail, prob
    e = ends[valid]
    axis = e[:, 0] - e[:, 1]
    lengths = np.linalg.norm(axis, axis=1)
    body_length = float(np.median(lengths)) or 1.0
    cost = np.zeros((len(valid), 2))  # state 0: head = ends[0]; state 1: head = ends[1]
    tc = np.nan_to_num(tail_cue[valid])
    cost[:, 0] += config.tail_weight * np.clip(tc, 0, None)
    cost[:, 1] += config.tail_weight * np.clip(-tc, 0, None)
    if fps:
        k = max(1, int(round(config.motion_window_s * fps)))
        b = body.copy()
        ahead = np.full_like(b, np.nan)
        behind = np.full_like(b, np.nan)
        ahead[:-k] = b[k:]
        behind[k:] = b[:-k]
        vel = (ahead - behind) * fps / (2 * k)
        v = vel[valid]
        speed = np.linalg.norm(v, axis=1)
        cosang = np.einsum("ij,ij->i", v, axis) / np.maximum(speed * lengths, 1e-9)
        lo = config.min_speed_body_lengths_s * body_length
        hi = config.full_speed_body_lengths_s * body_length
        weight = config.motion_weight * np.clip((speed - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
        weight = np.nan_to_num(weight)
        cosang = np.nan_to_num(cosang)
        cost[:, 0] += weight * (1 - cosang)
        cost[:, 1] += weight * (1 + cosang)
    # transitions between consecutive found frames: cost of how far the labelled ends jump
    trans = np.zeros((len(valid), 2, 2))  # [t, previous state, state]
    if len(valid) > 1:
        prev, cur = e[:-1], e[1:]
        for sp in (0, 1):
            for s in (0, 1):
                jump = (np.linalg.norm(cur[:, s] - prev[:, sp], axis=1)
                        + np.linalg.norm(cur[:, 1 - s] - prev[:, 1 - sp], axis=1))
                trans[1:, sp, s] = config.continuity_weight * jump / body_length
        trans[1:] -= trans[1:].min(axis=(1, 2), keepdims=True)
    log_e = -cost
    log_t = -trans
    m = len(valid)
    # Viterbi
    score = log_e[0].copy()
    back = np.zeros((m, 2), dtype=np.int8)
    for t in range(1, m):
        cand = score[:, None] + log_t[t]
        back[t] = np.argmax(cand, axis=0)
        score = cand.max(axis=0) + log_e[t]
    states = np.zeros(m, dtype=int)
    states[-1] = int(np.argmax(score))
    for t in range(m - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    # forward-backward for the posterior of each frame's state
    fwd = np.zeros((m, 2))
    bwd = np.zeros((m, 2))
    fwd[0] = log_e[0] - _logsumexp2(log_e[0], 0)
    for t in range(1, m):
        f = _logsumexp2(fwd[t - 1][:, None] + log_t[t], 0) + log_e[t]
        fwd[t] = f - _logsumexp2(f, 0)
    for t in range(m - 2, -1, -1):
        bb = _logsumexp2(log_t[t + 1] + (log_e[t + 1] + bwd[t + 1])[None, :], 1)
        bwd[t] = bb - _logsumexp2(bb, 0)
    post = fwd + bwd
    post = np.exp(post - _logsumexp2(post, 1)[:, None])
    idx = np.arange(m)
    tp = e if tips is None else tips[valid]
    head[valid] = tp[idx, states]
    tail[valid] = e[idx, 1 - states]
    prob[valid] = post[idx, states]
    return head, tail, prob
