"""Per-bin measures from a recording's per-frame tables.

Bins are counted from the start of each recording: frame ``i`` (time
``i / fps``) falls in bin ``floor(i / (bin_s * fps))``; the last bin may be
shorter and is flagged (``partial``, with its real ``bin_length_s``). The
definitions are those of :func:`openfield.kinematics.summarize`, applied to
each bin's frames: a step counts in the bin (and zone) of the frame it
arrives in, a centre entry in the bin of its first frame in the centre.
So distances, times and entries of the bins add up exactly to the whole
recording's; means are means over the bin's frames: speed over all of them,
acceleration and deceleration over the frames inside locomotor bouts (the
``in_bout`` column, as in the summary; every frame for tables written
before it existed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openfield import zones
from openfield.kinematics import ACC_ZERO

#: Per-bin measures taken from the kinematics table, in output order.
BIN_MEASURES = [
    "distance_cm", "mean_speed_cm_s", "time_moving_s", "time_center_s", "time_border_s",
    "distance_center_cm", "distance_border_cm", "center_entries", "mean_acceleration_cm_s2",
    "mean_deceleration_cm_s2",
]

#: The measures that add up over bins (the others are means).
ADDITIVE = ["distance_cm", "time_moving_s", "time_center_s", "time_border_s", "distance_center_cm",
            "distance_border_cm", "center_entries"]


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def bin_index(n_frames: int, fps: float, bin_s: float) -> np.ndarray:
    """Bin number of each frame (see the module's docstring)."""
    return np.floor(np.arange(n_frames) / (bin_s * fps) + 1e-9).astype(int)


def center_entry_frames(zone: np.ndarray) -> np.ndarray:
    """True at each frame that is an entry into the centre (as :func:`openfield.zones.center_entries`)."""
    zone = np.asarray(zone, dtype=object)
    known = np.flatnonzero(zone != zones.UNKNOWN)
    out = np.zeros(len(zone), bool)
    kz = zone[known]
    out[known[1:][(kz[1:] == zones.CENTER) & (kz[:-1] == zones.BORDER)]] = True
    return out


def bin_measures(frames: pd.DataFrame, fps: float, bin_s: float | None,
                 behavior: pd.DataFrame | None = None) -> pd.DataFrame:
    """Measures per time bin of one recording.

    Parameters
    ----------
    frames
        The per-frame kinematics table (``openfield.kinematics.FRAME_COLUMNS``).
    fps
        Frame rate.
    bin_s
        Bin length in s; None: one bin, the whole recording.
    behavior
        Optional per-frame behaviour table (``label`` column, same frames):
        adds ``time_<label>_s`` per bin.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin``, ``bin_start_min``, ``bin_end_min``,
        ``bin_length_s``, ``partial`` and ``BIN_MEASURES`` (plus behaviour
        times). Zone measures are NaN when the table has no zones.
    """
    n = len(frames)
    xy = frames[["x_cm", "y_cm"]].to_numpy(float)
    step = np.r_[np.nan, np.linalg.norm(np.diff(xy, axis=0), axis=1)] if n else np.zeros(0)
    speed = frames["speed_cm_s"].to_numpy(float)
    acc = frames["acceleration_cm_s2"].to_numpy(float)
    if "in_bout" in frames:  # the summary's definition: acceleration inside locomotor bouts only
        acc = np.where(frames["in_bout"].astype(bool).to_numpy(), acc, np.nan)
    zone = frames["zone"].fillna(zones.UNKNOWN).astype(str).to_numpy(object)
    has_zones = bool(np.isin(zone, [zones.CENTER, zones.BORDER]).any())
    moving = frames["moving"].astype(bool).to_numpy()
    entries = center_entry_frames(zone)
    idx = bin_index(n, fps, bin_s) if bin_s else np.zeros(n, int)
    labels = None
    if behavior is not None:
        if len(behavior) != n:
            raise ValueError(f"the behaviour table has {len(behavior)} frames, the kinematics table {n}")
        labels = behavior["label"].astype(str).to_numpy()
    full_len = bin_s if bin_s else n / fps
    rows = []
    nan = float("nan")
    for b in range(int(idx.max()) + 1 if n else 0):
        sel = idx == b
        k = int(sel.sum())
        start = b * full_len if bin_s else 0.0
        a = acc[sel]
        a = a[np.isfinite(a)]
        row = {"bin": b, "bin_start_min": start / 60, "bin_end_min": (start + k / fps) / 60,
               "bin_length_s": k / fps, "partial": bool(bin_s) and k / fps < full_len - 0.5 / fps,
               "distance_cm": float(np.nansum(step[sel])), "mean_speed_cm_s": _mean(speed[sel]),
               "time_moving_s": float(moving[sel].sum() / fps)}
        for z in (zones.CENTER, zones.BORDER):
            in_z = sel & (zone == z)
            row[f"time_{z}_s"] = float(in_z.sum() / fps) if has_zones else nan
            row[f"distance_{z}_cm"] = float(np.nansum(step[in_z])) if has_zones else nan
        row["center_entries"] = float(entries[sel].sum()) if has_zones else nan
        pos, neg = a[a > ACC_ZERO], a[a < -ACC_ZERO]
        row["mean_acceleration_cm_s2"] = float(pos.mean()) if len(pos) else nan
        row["mean_deceleration_cm_s2"] = float(-neg.mean()) if len(neg) else nan
        if labels is not None:
            for lab in sorted(set(labels)):
                row[f"time_{lab}_s"] = float((labels[sel] == lab).sum() / fps)
        rows.append(row)
    return pd.DataFrame(rows)
