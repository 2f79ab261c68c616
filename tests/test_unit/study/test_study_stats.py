"""Known answers for the study statistics, and their error rates by simulation."""

import itertools

import numpy as np
import pandas as pd
import pytest

from openfield.study import stats as st

# McClave & Dietrich (1991) pain threshold by hair colour: the dataset of pingouin's `anova` examples
# (pingouin/datasets/mcclave1991.csv).
PAIN = {
    "Light Blond": [62, 60, 71, 55, 48],
    "Dark Blond": [63, 57, 52, 41, 43],
    "Light Brunette": [42, 50, 41, 37],
    "Dark Brunette": [32, 39, 51, 30, 35],
}
# Thomson & Short (1969), Table 1, as in scipy.stats.dunnett's docstring.
DRUG_A = [9.76, 8.80, 7.68, 9.36]
CONTROL = [7.40, 8.50, 7.20, 8.24, 9.84, 8.32]


def test_welch_t_by_hand():
    # mean_a = 35.6 / 4 = 8.9, var_a = 2.4496 / 3 = 0.816533; mean_b = 49.5 / 6 = 8.25, var_b = 4.4206 / 5 = 0.88412
    # se^2 = 0.816533/4 + 0.88412/6 = 0.351487 -> t = 0.65 / 0.592864 = 1.09637
    # df = 0.351487^2 / (0.204133^2/3 + 0.147353^2/5) = 6.7758
    t, df, p = st.welch_t(DRUG_A, CONTROL)
    assert float(t) == pytest.approx(1.09637, abs=1e-4)
    assert float(df) == pytest.approx(6.7758, abs=1e-3)
    assert float(p) == pytest.approx(0.310345, abs=1e-5)  # 2 * P(T_6.7758 > 1.09637)


def test_hedges_g_by_hand():
    # s_pooled = sqrt((3 * 0.816533 + 5 * 0.88412) / 8) = 0.926701, d = 0.65 / 0.926701 = 0.701413,
    # J = 1 - 3 / 31 = 0.903226, g = 0.633534; SE = sqrt(10/24 + g^2/20) = 0.660859; CI = g -/+ 1.959964 SE
    g, lo, hi = st.hedges_g(DRUG_A, CONTROL)
    assert g == pytest.approx(0.633534, abs=1e-5)
    assert lo == pytest.approx(-0.661730, abs=1e-4)
    assert hi == pytest.approx(1.928798, abs=1e-4)


def test_mann_whitney_rank_biserial_by_hand():
    # U of a counts pairs a > b (ties 1/2): 0 + 0 + 0.5 + 1.5 + 2.5 = 4.5; r = 2 * 4.5 / 25 - 1 = -0.64
    u, p, r = st.mann_whitney([1, 2, 3, 4, 5], [3, 4, 5, 6, 7])
    assert u == 4.5 and r == pytest.approx(-0.64)
    assert 0.05 < p < 1
    assert st.mann_whitney([4, 5, 6], [1, 2, 3])[2] == 1.0  # complete separation


def test_welch_anova_pingouin_example():
    # pingouin.welch_anova docstring, same data: ddof1 3, ddof2 8.329841, F 5.890115, p-unc 0.018813
    f, df1, df2, p = st.welch_anova(list(PAIN.values()))
    assert (f, df1, df2, p) == pytest.approx((5.890115, 3, 8.329841, 0.018813), abs=1e-6)


def test_kruskal_scipy_example():
    # scipy.stats.kruskal docstring: H = 0.2727272727272734, p = 0.6015081344405895
    h, df, p = st.kruskal([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
    assert (h, df, p) == pytest.approx((0.2727272727, 1, 0.6015081344), abs=1e-8)


def test_dunnett_scipy_example():
    # scipy.stats.dunnett docstring: statistic [0.90874545, -0.05007117], p [0.58325114, 0.99819341]
    s, p = st.dunnett([[3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]], [2.9, 3.0, 2.5, 2.6, 3.2])
    assert s == pytest.approx([0.90874545, -0.05007117], abs=1e-7)
    assert p == pytest.approx([0.58325114, 0.99819341], abs=2e-3)  # scipy integrates numerically


def test_games_howell_against_r_userfriendlyscience():
    # pingouin's test_pairwise_gameshowell: R userfriendlyscience::posthocTGH on the same data gives
    # |t| = 2.48, 1.42, 1.75, 4.09, 1.11, 3.56; df = 7.91, 7.94, 6.56, 8.00, 6.82, 6.77;
    # significant (p < .05) only Dark Brunette vs Light Blond and Light Blond vs Light Brunette.
    pairs = list(itertools.combinations(sorted(PAIN), 2))
    res = [st.games_howell(PAIN[a], PAIN[b], 4) for a, b in pairs]
    assert [round(abs(t), 2) for t, _, _ in res] == [2.47, 1.42, 1.75, 4.09, 1.11, 3.56]  # 2.4746: R prints 2.48
    assert [round(df, 2) for _, df, _ in res] == [7.91, 7.94, 6.56, 8.0, 6.82, 6.77]
    assert [p < 0.05 for _, _, p in res] == [False, False, False, True, False, True]


def test_games_howell_two_groups_is_welch():
    # with k = 2 the studentized range of |t| sqrt 2 is the two-sided t distribution: same p as Welch's t
    _, _, p_t = st.welch_t(DRUG_A, CONTROL)
    assert st.games_howell(DRUG_A, CONTROL, 2)[2] == pytest.approx(float(p_t), rel=1e-5)


def test_holm_by_hand():
    # sorted p: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> running max 0.06
    assert st.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = st.holm([0.01, np.nan, 0.02])
    assert np.isnan(out[1]) and out[[0, 2]] == pytest.approx([0.02, 0.02])


def test_linear_trend_by_hand():
    # slope = Sxy / Sxx = 5 / 4 = 1.25; SSE = 1.08333, s^2 = SSE / 4, se = sqrt(s^2 / 4) = 0.260208, t = 4.80384
    tr = st.linear_trend([0, 0, 1, 1, 2, 2], [1, 2, 2, 3, 4, 4])
    assert tr["slope"] == pytest.approx(1.25)
    assert tr["statistic"] == pytest.approx(4.80384, abs=1e-4) and tr["df"] == 4


def test_describe_known_values():
    v = pd.DataFrame({"group": ["a"] * 4 + ["b"], "x": [1.0, 2.0, 3.0, 4.0, 7.0]})
    d = st.describe(v, ["x"]).set_index("group")
    assert d.loc["a", ["n", "mean", "median", "q1", "q3"]].tolist() == [4, 2.5, 2.5, 1.75, 3.25]
    assert d.loc["a", "sd"] == pytest.approx(np.sqrt(5 / 3)) and d.loc["a", "sem"] == pytest.approx(np.sqrt(5 / 12))
    assert d.loc["b", "n"] == 1 and np.isnan(d.loc["b", "sd"])


def test_mixed_model_balanced_estimates_equal_ols_and_find_an_effect():
    rng = np.random.default_rng(3)
    rows = []
    for g, shift in (("ctl", 0.0), ("drug", 3.0)):
        for s in range(8):
            u = rng.normal(0, 1)
            rows += [{"subject": f"{g}{s}", "group": g, "bin": b, "y": 10 + shift + u - 0.5 * b + rng.normal(0, 0.5)}
                     for b in range(4)]
    d = pd.DataFrame(rows)
    res = st.mixed_model(d, "y")
    # balanced design: the mixed model's fixed effects are the least-squares ones
    import statsmodels.formula.api as smf

    ols = smf.ols("y ~ C(group) * bin", d).fit().params
    assert res["params"][ols.index].to_numpy() == pytest.approx(ols.to_numpy(), abs=1e-4)
    assert res["df"] == 2 and res["p_value"] < 1e-4
    null = st.mixed_model(d.assign(y=d["y"] - 3.0 * (d["group"] == "drug")), "y")
    assert null["p_value"] > 0.05


def test_compare_groups_rows_and_skips():
    v = pd.DataFrame({"group": ["c"] * 4 + ["d"] * 4 + ["e"], "x": [1, 2, 3, 4, 5, 6, 7, 8, 9.0],
                      "y": [1, 1, 2, 2, 3, 3, 4, 4, 5.0]})
    out = st.compare_groups(v, ["x", "y"], control="c")
    assert list(out.columns) == st.STATS_COLUMNS
    # group e has n = 1: left out, the two others compared by Welch's t and Mann-Whitney, with the reason noted
    assert set(out["test"]) == {"welch_t", "mann_whitney"}
    assert out["note"].str.contains("group 'e' left out: n=1").all()
    wt = out[(out["test"] == "welch_t") & (out["measure"] == "x")].iloc[0]
    assert (wt["group_a"], wt["group_b"], wt["n_a"], wt["n_b"]) == ("d", "c", 4, 4)
    assert wt["p_adjusted"] == pytest.approx(min(1, 2 * wt["p_value"])) or wt["p_adjusted"] >= wt["p_value"]
    assert wt["adjustment"] == "holm over 2 measures"
    only = st.compare_groups(v[v["group"] != "d"], ["x"])
    assert only["test"].tolist() == ["welch_t"] and only["note"].iloc[0].startswith("skipped")


def test_compare_groups_three_groups_with_and_without_control():
    v = pd.DataFrame({"group": np.repeat(list(PAIN), [len(x) for x in PAIN.values()]),
                      "pain": np.concatenate(list(PAIN.values())).astype(float),
                      "dose": np.repeat([0, 1, 2, 3], [len(x) for x in PAIN.values()])})
    pairs = st.compare_groups(v, ["pain"])
    assert pairs["test"].tolist() == ["welch_anova", "kruskal"] + ["games_howell"] * 6 + ["trend"]
    assert pairs.iloc[0]["p_value"] == pytest.approx(0.018813, abs=1e-6)
    ctl = st.compare_groups(v, ["pain"], control="Dark Blond")
    d = ctl[ctl["test"] == "dunnett"]
    assert len(d) == 3 and (d["group_b"] == "Dark Blond").all()
    assert d["adjustment"].iloc[0] == "dunnett within measure; holm over 1 measures"


def test_welch_t_false_positives_and_power_by_simulation():
    rng = np.random.default_rng(2024)
    a, b = rng.normal(0, 1, (500, 8)), rng.normal(0, 1, (500, 8))
    _, _, p = st.welch_t(a, b, axis=1)
    assert 0.03 <= np.mean(p < 0.05) <= 0.07
    a, b = rng.normal(1.5, 1, (500, 10)), rng.normal(0, 1, (500, 10))
    _, _, p = st.welch_t(a, b, axis=1)
    assert np.mean(p < 0.05) >= 0.8


def test_constant_and_zero_variance_measures_are_skipped_with_a_reason():
    v = pd.DataFrame({"group": list("aaabbbccc"), "same": [5.0] * 9,
                      "flat": [1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]})
    out = st.compare_groups(v, ["same", "flat"])
    same = out[out["measure"] == "same"]
    assert len(same) == 1 and same["note"].iloc[0] == "skipped: the measure has the same value in every animal"
    wa = out[(out["measure"] == "flat") & (out["test"] == "welch_anova")].iloc[0]
    assert np.isnan(wa["p_value"]) and wa["note"] == "skipped: zero variance in group(s) 'a'"
    assert out[(out["measure"] == "flat") & (out["test"] == "kruskal")]["p_value"].notna().all()
