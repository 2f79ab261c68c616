"""run_study on tables made in memory: three groups with doses, new summary columns, options checked."""

import numpy as np
import pandas as pd
import pytest
from study_kin import kinematics_of

from openfield.errors import OpenfieldError
from openfield.study import run_study

FPS = 10.0


def _animals():
    """Nine animals in three dose groups running straight lines at 4, 8 and 12 cm/s (+ a little each)."""
    design, summaries, frames = [], {}, {}
    for i in range(9):
        dose = [0, 1, 3][i // 3]
        speed = 4 + 4 * (i // 3) + 0.3 * (i % 3)
        t = np.arange(int(60 * FPS)) / FPS
        fr, s = kinematics_of(np.c_[2 + speed * t / 10, 20 + 0 * t], FPS)
        s.update(fps=FPS, mean_bout_acceleration_cm_s2=float(speed), reference_point="body")  # a new column
        stem = f"m{i}DLC_resnet50"
        design.append({"video": f"m{i}.mp4", "group": ["vehicle", "low", "high"][i // 3], "dose": str(dose),
                       "subject": f"S{i}", "stem": f"m{i}", "recording": stem})
        summaries[stem], frames[stem] = s, fr
    return pd.DataFrame(design), summaries, frames


def test_three_groups_dunnett_trend_and_new_measures():
    design, summaries, frames = _animals()
    t = run_study(design, summaries, frames, bin_min=0.5, control="vehicle",
                  measures=["distance_cm", "mean_bout_acceleration_cm_s2"])
    tests = t.stats.groupby("measure")["test"].apply(list).to_dict()
    assert tests["distance_cm"] == ["welch_anova", "kruskal", "dunnett", "dunnett", "trend", "mixed_model"]
    assert "mixed_model" in set(t.stats["test"])
    d = t.stats[(t.stats["test"] == "dunnett") & (t.stats["measure"] == "distance_cm")]
    assert set(d["group_a"]) == {"low", "high"} and (d["group_b"] == "vehicle").all() and (d["p_value"] < 0.01).all()
    trend = t.stats[(t.stats["test"] == "trend") & (t.stats["measure"] == "mean_bout_acceleration_cm_s2")].iloc[0]
    # speeds 4.3 +/- 0.3 per group at dose 0, 1, 3: slope = Sxy / Sxx with group means 4.3, 8.3, 12.3
    x, y = np.repeat([0, 1, 3], 3), np.array([4 + 4 * (i // 3) + 0.3 * (i % 3) for i in range(9)])
    assert trend["effect_size"] == pytest.approx(np.polyfit(x, y, 1)[0])
    # bins: 2 of 30 s per animal, adding up to the whole
    assert len(t.bins) == 18 and not t.bins["partial"].any()
    sums = t.bins.groupby("recording")["distance_cm"].sum()
    assert sums.to_numpy() == pytest.approx(t.videos.set_index("recording").loc[sums.index, "distance_cm"].to_numpy())
    # default measures: every numeric summary column but the recording's own (new columns included)
    t2 = run_study(design, summaries, frames, control="vehicle")  # Dunnett: quicker than all pairs
    assert "mean_bout_acceleration_cm_s2" in t2.measures and "fps" not in t2.measures
    assert "duration_s" not in t2.measures and "reference_point" not in t2.measures
    assert "duration_s" in t2.videos.columns


def test_run_study_option_errors():
    design, summaries, frames = _animals()
    with pytest.raises(OpenfieldError, match="--control 'saline' is not a group .*high, low, vehicle"):
        run_study(design, summaries, frames, control="saline")
    with pytest.raises(OpenfieldError, match="--bin-min must be a positive number"):
        run_study(design, summaries, frames, bin_min=0)
    with pytest.raises(OpenfieldError, match=r"--bin-min 2 is longer than the recording\(s\) m0DLC_resnet50 \(1.00"):
        run_study(design, summaries, frames, bin_min=2)
    with pytest.raises(OpenfieldError, match="no design row has results"):
        run_study(design.iloc[:0], summaries, frames)
