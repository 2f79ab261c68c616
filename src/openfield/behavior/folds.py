"""Cross-validation folds for frames of time series: whole recordings, or time blocks with a gap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from openfield.errors import OpenfieldError


def block_folds(groups: Sequence[np.ndarray], n_blocks: int, gap_frames: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation folds that never mix frames of one time block between train and test.

    With several recordings, each recording is one fold (leave one
    recording out). With one, it is cut into ``n_blocks`` contiguous time
    blocks, each the test set once; training frames within ``gap_frames``
    of the test block are left out, so that rolling windows do not leak.

    Parameters
    ----------
    groups
        Per recording, an array of its frame indices in the stacked data.
    n_blocks
        Blocks for a single recording.
    gap_frames
        Frames dropped either side of a test block.

    Returns
    -------
    list
        ``(train_index, test_index)`` pairs into the stacked frames.
    """
    if len(groups) > 1:
        all_idx = np.concatenate(groups)
        return [(np.setdiff1d(all_idx, g), g) for g in groups]
    idx = groups[0]
    n = len(idx)
    if n_blocks < 2 or n < 2 * n_blocks:
        raise OpenfieldError(f"cannot cut {n} frames into {n_blocks} cross-validation blocks")
    edges = np.linspace(0, n, n_blocks + 1).round().astype(int)
    folds = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        train = np.r_[idx[: max(0, a - gap_frames)], idx[min(n, b + gap_frames) :]]
        folds.append((train, idx[a:b]))
    return folds
