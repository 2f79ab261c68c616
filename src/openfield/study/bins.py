"""Per-bin measures from a recording's per-frame tables.

Bins are counted from the start of each recording: frame ``i`` (time
``i / fps``) falls in bin ``floor(i / (bin_s * fps))``; the last bin may be
shorter and is flagged (``partial``, with its real ``bin_length_s``). A
variable-frame-rate recording (its table's ``time_s`` uneven,
:func:`openfield.timebase.uneven_times`) is binned on those times: frame
``i`` falls in bin ``floor(time_s_i / bin_s)``, and every time (bin
lengths, time moving, in each zone and in each behaviour) is a sum of the
frames' durations (:func:`openfield.timebase.frame_durations`), as in the
summary; as the frames do not fall on the bins' edges, a bin's frames last
about, not exactly, ``bin_s`` (``bin_length_s``), and its end
(``bin_end_min``) is its edge, or the recording's end for the last one. The
definitions are those of :func:`openfield.kinematics.summarize`, applied to
each bin's frames: a step counts in the bin (and zone) of the frame it
arrives in, a centre entry in the bin of its first frame in the centre.
So distances, times and entries of the bins add up exactly to the whole
recording's; means are means over the bin's frames: speed over all of them,
acceleration and deceleration over the frames inside locomotor bouts (the
``in_bout`` column, as in the summary; every frame for tables written
before it existed).

Every other zone of the table (its ``in_<zone>`` columns: the corners of a
rectangular arena, the zones of ``--zones``) adds ``time_<zone>_s``,
``<zone>_entries`` (an entry in the bin of its first frame inside, as in
:func:`openfield.arena.zones.entry_frames`) and ``distance_<zone>_cm`` per bin
(:func:`zone_bin_columns`), with the same definitions as the summary's;
they add up over bins too. A zone never visited in the whole table (a round
arena's corner columns, all False) is left out.

The path shape, immobility and wall measures
(:func:`openfield.extra_measures.bin_values`) follow the same rule: a
rotation counts in the bin of the frame that completes it, a turn of the
direction of travel in the bin of the frame it arrives in, an immobility
episode in the bin of its first frame (its time in each bin it covers);
tables written before these measures existed give NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from openfield import extra_measures, timebase
from openfield.arena import zones
from openfield.kinematics import ACC_ZERO

#: Per-bin measures taken from the kinematics table, in output order.
BIN_MEASURES = [
    "distance_cm", "mean_speed_cm_s", "time_moving_s", "time_center_s", "time_border_s",
    "distance_center_cm", "distance_border_cm", "center_entries", "mean_acceleration_cm_s2",
    "mean_deceleration_cm_s2", *extra_measures.BIN_MEASURES,
]

#: The measures that add up over bins (the others are means).
ADDITIVE = ["distance_cm", "time_moving_s", "time_center_s", "time_border_s", "distance_center_cm",
            "distance_border_cm", "center_entries", *extra_measures.ADDITIVE]


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def bin_index(n_frames: int, fps: float, bin_s: float, times_s: np.ndarray | None = None) -> np.ndarray:
    """Bin number of each frame (see the module's docstring): by frame index / fps, or by ``times_s``."""
    if times_s is None:
        return np.floor(np.arange(n_frames) / (bin_s * fps) + 1e-9).astype(int)
    return np.floor(np.asarray(times_s, float) / bin_s + 1e-9).astype(int)


def table_times(frames: pd.DataFrame) -> np.ndarray | None:
    """The table's ``time_s`` (from 0) when they are uneven (a variable frame rate), else None."""
    return timebase.uneven_times(frames["time_s"]) if "time_s" in frames else None


def recording_length_s(frames: pd.DataFrame, fps: float) -> float:
    """How long a recording lasts: frames / fps, or the sum of its frames' durations (see the module)."""
    times = table_times(frames)
    return len(frames) / fps if times is None else float(timebase.frame_durations(times).sum())


def center_entry_frames(zone: np.ndarray) -> np.ndarray:
    """True at each frame that is an entry into the centre (as :func:`openfield.arena.zones.center_entries`)."""
    zone = np.asarray(zone, dtype=object)
    known = np.flatnonzero(zone != zones.UNKNOWN)
    out = np.zeros(len(zone), bool)
    kz = zone[known]
    out[known[1:][(kz[1:] == zones.CENTER) & (kz[:-1] == zones.BORDER)]] = True
    return out


def zone_bin_columns(frames: pd.DataFrame) -> list[str]:
    """The zones of a per-frame table's ``in_<zone>`` columns that are ever True, in table order."""
    return [c[3:] for c in frames.columns if c.startswith("in_") and c != "in_bout" and frames[c].astype(bool).any()]


def bin_measures(frames: pd.DataFrame, fps: float, bin_s: float | None,
                 behavior: pd.DataFrame | None = None) -> pd.DataFrame:
    """Measures per time bin of one recording.

    Parameters
    ----------
    frames
        The per-frame kinematics table (``openfield.kinematics.FRAME_COLUMNS``);
        uneven ``time_s`` (a variable frame rate) place the frames and give
        their durations (see the module).
    fps
        Frame rate (the median rate of a variable-rate recording: its times
        come from ``time_s``).
    bin_s
        Bin length in s; None: one bin, the whole recording.
    behavior
        Optional per-frame behaviour table (``label`` column, same frames):
        adds ``time_<label>_s`` per bin.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin``, ``bin_start_min``, ``bin_end_min``,
        ``bin_length_s``, ``partial`` and ``BIN_MEASURES`` (plus the other
        zones' time, entries and distance, and behaviour times). Zone measures are NaN when the table has no zones.
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
    known = ~np.isnan(xy).any(axis=1)
    other = {z: frames[f"in_{z}"].astype(bool).to_numpy() for z in zone_bin_columns(frames)}
    other_entries = {z: zones.entry_frames(inside, known) for z, inside in other.items()}
    times = table_times(frames)
    durations = None if times is None else timebase.frame_durations(times)
    idx = bin_index(n, fps, bin_s, times) if bin_s else np.zeros(n, int)
    labels = None
    if behavior is not None:
        if len(behavior) != n:
            raise ValueError(f"the behaviour table has {len(behavior)} frames, the kinematics table {n}")
        labels = behavior["label"].astype(str).to_numpy()
    full_len = bin_s if bin_s else recording_length_s(frames, fps)
    rec_end = None if times is None else float(times[-1] + durations[-1])
    rows = []
    nan = float("nan")
    n_bins = int(idx.max()) + 1 if n else 0
    extra = extra_measures.bin_values(frames, idx, n_bins, fps, times)  # path shape, immobility, wall
    for b in range(n_bins):
        sel = idx == b
        length = timebase.seconds(sel, fps, durations)
        start = b * full_len if bin_s else 0.0
        if times is None:
            end, partial = start + length, bool(bin_s) and length < full_len - 0.5 / fps
        else:  # frames fall anywhere in a bin: its edges, cut by the recording's end
            end = min(start + full_len, rec_end)
            partial = bool(bin_s) and end - start < full_len - 0.5 / fps
        a = acc[sel]
        a = a[np.isfinite(a)]
        row = {"bin": b, "bin_start_min": start / 60, "bin_end_min": end / 60,
               "bin_length_s": length, "partial": partial,
               "distance_cm": float(np.nansum(step[sel])), "mean_speed_cm_s": _mean(speed[sel]),
               "time_moving_s": timebase.seconds(moving & sel, fps, durations)}
        for z in (zones.CENTER, zones.BORDER):
            in_z = sel & (zone == z)
            row[f"time_{z}_s"] = timebase.seconds(in_z, fps, durations) if has_zones else nan
            row[f"distance_{z}_cm"] = float(np.nansum(step[in_z])) if has_zones else nan
        row["center_entries"] = float(entries[sel].sum()) if has_zones else nan
        for z, inside in other.items():
            row[f"time_{z}_s"] = timebase.seconds(sel & inside, fps, durations)
            row[f"{z}_entries"] = float(other_entries[z][sel].sum())
            row[f"distance_{z}_cm"] = float(np.nansum(step[sel & inside]))
        pos, neg = a[a > ACC_ZERO], a[a < -ACC_ZERO]
        row["mean_acceleration_cm_s2"] = float(pos.mean()) if len(pos) else nan
        row["mean_deceleration_cm_s2"] = float(-neg.mean()) if len(neg) else nan
        row.update(extra[b])
        if labels is not None:
            for lab in sorted(set(labels)):
                row[f"time_{lab}_s"] = timebase.seconds(sel & (labels == lab), fps, durations)
        rows.append(row)
    return pd.DataFrame(rows)
