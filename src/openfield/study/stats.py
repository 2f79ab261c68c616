"""Group descriptives and group comparisons of a study.

The tests come from scipy.stats (Welch's t, Mann-Whitney, Kruskal-Wallis,
Dunnett, linear trend) and statsmodels (Welch's ANOVA, Holm's correction,
the linear mixed model). Two pieces have no library function there and are
written here from their published formulas, each tested against a worked
example: Hedges' g with its 95 % CI (Hedges & Olkin 1985) and the
Games-Howell pairwise test (Games & Howell 1976).

Sign convention: a comparison ``group_a`` vs ``group_b`` reports
``a - b`` (with a control, ``group_b`` is the control, so a positive effect
means "more than the control").
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

#: Columns of ``stats.csv``, in order (``df_num``: numerator df of F tests; ``note``: why a test was skipped).
STATS_COLUMNS = [
    "measure", "test", "group_a", "group_b", "n_a", "n_b", "statistic", "df", "p_value", "p_adjusted",
    "adjustment", "effect_size", "effect_size_name", "ci_low", "ci_high", "df_num", "note",
]

#: Columns of ``groups.csv``.
GROUP_COLUMNS = ["group", "measure", "n", "mean", "sd", "sem", "median", "q1", "q3"]

#: Seed of Dunnett's p-value integration (scipy integrates numerically): same data, same p.
DUNNETT_SEED = 20240511

#: Optimisers of the mixed model, tried in turn (Powell copes with a random-intercept variance near 0).
METHODS = ["bfgs", "powell"]


# --------------------------------------------------------------------------- descriptives


def describe(values: pd.DataFrame, measures: Sequence[str], group_col: str = "group",
             by: Sequence[str] = ()) -> pd.DataFrame:
    """n, mean, SD, SEM, median and quartiles per group (and per ``by`` columns) and measure.

    NaN values (a measure undefined for an animal) are left out of that
    measure's n.
    """
    rows = []
    keys = [group_col, *by]
    for key, sub in values.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for m in measures:
            x = pd.to_numeric(sub[m], errors="coerce").dropna().to_numpy(float)
            n = len(x)
            sd = float(np.std(x, ddof=1)) if n > 1 else float("nan")
            rows.append({
                **dict(zip(keys, key, strict=True)), "measure": m, "n": n,
                "mean": float(x.mean()) if n else float("nan"), "sd": sd,
                "sem": sd / np.sqrt(n) if n > 1 else float("nan"),
                "median": float(np.median(x)) if n else float("nan"),
                "q1": float(np.percentile(x, 25)) if n else float("nan"),
                "q3": float(np.percentile(x, 75)) if n else float("nan"),
            })
    cols = [group_col, *by, *GROUP_COLUMNS[1:]]
    return pd.DataFrame(rows, columns=cols).rename(columns={group_col: "group"})


# --------------------------------------------------------------------------- two groups


def welch_t(a: np.ndarray, b: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch's t-test (unequal variances), vectorised along ``axis``.

    Returns
    -------
    t, df, p : numpy.ndarray
        t of ``mean(a) - mean(b)``, Welch-Satterthwaite degrees of freedom, two-sided p.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    res = sps.ttest_ind(a, b, equal_var=False, axis=axis)
    va, vb = np.var(a, ddof=1, axis=axis), np.var(b, ddof=1, axis=axis)
    na, nb = a.shape[axis], b.shape[axis]
    qa, qb = va / na, vb / nb
    df = (qa + qb) ** 2 / (qa**2 / (na - 1) + qb**2 / (nb - 1))
    return np.asarray(res.statistic), np.asarray(df), np.asarray(res.pvalue)


def hedges_g(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Hedges' g of ``a - b`` with its normal-approximation confidence interval.

    ``d = (mean_a - mean_b) / s_pooled``, ``g = J d`` with
    ``J = 1 - 3 / (4 (n_a + n_b) - 9)``, and
    ``SE = sqrt((n_a + n_b) / (n_a n_b) + g^2 / (2 (n_a + n_b)))``
    (Hedges & Olkin 1985, eq. 5.15; Borenstein et al. 2009, ch. 4).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = len(a), len(b)
    sp = np.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2))
    if not sp > 0:
        return float("nan"), float("nan"), float("nan")
    g = (1 - 3 / (4 * (na + nb) - 9)) * (a.mean() - b.mean()) / sp
    se = np.sqrt((na + nb) / (na * nb) + g**2 / (2 * (na + nb)))
    z = sps.norm.ppf(0.5 + confidence / 2)
    return float(g), float(g - z * se), float(g + z * se)


def mann_whitney(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mann-Whitney U (of ``a``), two-sided p, and the rank-biserial correlation ``2 U / (n_a n_b) - 1``.

    The rank-biserial correlation is +1 when every ``a`` exceeds every ``b``
    and -1 in the opposite case (Kerby 2014).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    res = sps.mannwhitneyu(a, b, alternative="two-sided")
    r = 2 * float(res.statistic) / (len(a) * len(b)) - 1
    return float(res.statistic), float(res.pvalue), r


# --------------------------------------------------------------------------- several groups


def welch_anova(samples: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's one-way ANOVA (statsmodels ``anova_oneway(use_var="unequal")``): F, df1, df2, p."""
    from statsmodels.stats.oneway import anova_oneway  # lazy: statsmodels takes ~0.7 s to import, only a study needs it

    res = anova_oneway([np.asarray(s, float) for s in samples], use_var="unequal", welch_correction=True)
    df1, df2 = res.df
    return float(res.statistic), float(df1), float(df2), float(res.pvalue)


def kruskal(samples: Sequence[np.ndarray]) -> tuple[float, float, float]:
    """Kruskal-Wallis H, df = k - 1 and p (scipy)."""
    res = sps.kruskal(*[np.asarray(s, float) for s in samples])
    return float(res.statistic), float(len(samples) - 1), float(res.pvalue)


def dunnett(samples: Sequence[np.ndarray], control: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dunnett's many-to-one comparison (scipy): statistics and p-values, one per sample.

    scipy integrates the multivariate t numerically; a fixed seed makes the
    same data give the same p.
    """
    res = sps.dunnett(*[np.asarray(s, float) for s in samples], control=np.asarray(control, float),
                      rng=np.random.default_rng(DUNNETT_SEED))
    return np.asarray(res.statistic, float), np.asarray(res.pvalue, float)


def games_howell(a: np.ndarray, b: np.ndarray, k: int) -> tuple[float, float, float]:
    """Games-Howell comparison of two of ``k`` groups: t, Welch df and p.

    ``t = (mean_a - mean_b) / sqrt(var_a / n_a + var_b / n_b)``, df by
    Welch-Satterthwaite, and ``p = P(Q_{k, df} > |t| sqrt 2)`` from the
    studentized range distribution (Games & Howell 1976). No statsmodels or
    scipy function does it (scipy has Tukey's HSD, which pools variances).
    """
    t, df, _ = welch_t(np.asarray(a, float), np.asarray(b, float))
    p = sps.studentized_range.sf(abs(float(t)) * np.sqrt(2), k, float(df))
    return float(t), float(df), float(min(1.0, p))


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment (statsmodels ``multipletests``); NaNs stay NaN and do not count."""
    # lazy: statsmodels takes ~0.7 s to import, only a study needs it
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p, float)
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def linear_trend(dose: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Least-squares slope of ``y`` on dose (scipy ``linregress``): t, df, p, slope and its CI."""
    dose, y = np.asarray(dose, float), np.asarray(y, float)
    res = sps.linregress(dose, y)
    df = len(y) - 2
    half = sps.t.ppf(0.5 + confidence / 2, df) * res.stderr
    return {"statistic": float(res.slope / res.stderr), "df": float(df), "p_value": float(res.pvalue),
            "slope": float(res.slope), "ci_low": float(res.slope - half), "ci_high": float(res.slope + half)}


def _fit_ml(model: Any) -> Any:
    try:
        return model.fit(reml=False, method=METHODS)
    except np.linalg.LinAlgError:  # a singular Hessian at the boundary: derivative-free instead
        return model.fit(reml=False, method="powell")


def mixed_model(long: pd.DataFrame, value: str = "value") -> dict[str, Any]:
    """Linear mixed model ``value ~ group * bin`` with a random intercept per subject (statsmodels).

    The group effect (its level and its change over bins) is tested with a
    likelihood-ratio test of that model against ``value ~ bin``, both fitted
    by maximum likelihood; ``bin`` is the bin's start in minutes (a linear
    time course).

    Parameters
    ----------
    long
        Columns ``subject``, ``group``, ``bin`` and ``value``.

    Returns
    -------
    dict
        ``statistic`` (LR chi-square), ``df``, ``p_value``, ``params`` (the
        full model's fixed effects), ``converged``.
    """
    import statsmodels.formula.api as smf  # lazy: statsmodels takes ~0.7 s to import, only a study needs it
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    d = long[["subject", "group", "bin", value]].dropna().rename(columns={value: "y"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        full, reduced = (_fit_ml(smf.mixedlm(f, d, groups=d["subject"])) for f in ("y ~ C(group) * bin", "y ~ bin"))
    lr = max(0.0, 2 * (full.llf - reduced.llf))
    df = len(full.fe_params) - len(reduced.fe_params)
    converged = bool(full.converged and reduced.converged
                     and not any(issubclass(w.category, ConvergenceWarning) for w in caught))
    return {"statistic": float(lr), "df": float(df), "p_value": float(sps.chi2.sf(lr, df)),
            "params": full.fe_params, "converged": converged}


# --------------------------------------------------------------------------- the study's comparisons


def _row(measure: str, test: str, a: str = "", b: str = "", na: float = np.nan, nb: float = np.nan,
         **kw: Any) -> dict[str, Any]:
    row = dict.fromkeys(STATS_COLUMNS, np.nan)
    row.update(measure=measure, test=test, group_a=a, group_b=b, n_a=na, n_b=nb, adjustment="", note="",
               effect_size_name="")
    row.update(kw)
    return row


def _sample(values: pd.DataFrame, group_col: str, group: str, measure: str) -> np.ndarray:
    x = pd.to_numeric(values.loc[values[group_col] == group, measure], errors="coerce")
    return x.dropna().to_numpy(float)


def compare_groups(
    values: pd.DataFrame,
    measures: Sequence[str],
    group_col: str = "group",
    control: str | None = None,
    dose_col: str | None = "dose",
) -> pd.DataFrame:
    """Every comparison of the study, one row each (columns ``STATS_COLUMNS``).

    Two groups: ``welch_t`` (Hedges' g) and ``mann_whitney`` (rank-biserial).
    Three or more: ``welch_anova`` and ``kruskal``, then ``dunnett`` against
    ``control``, or ``games_howell`` for every pair when there is none.
    ``trend`` when ``dose_col`` holds 3+ numeric levels. A group with n < 2
    for a measure is left out of that measure's tests, with the reason in
    ``note``. p-values are then Holm-adjusted across the measures, within
    each test and pair (``adjustment`` says so; Dunnett's and Games-Howell's
    p are already adjusted for the pairs within a measure).
    """
    groups = sorted(values[group_col].astype(str).unique())
    if control is not None:
        groups = [control, *[g for g in groups if g != control]]
    rows: list[dict[str, Any]] = []
    for m in measures:
        samples = {g: _sample(values, group_col, g, m) for g in groups}
        small = [g for g in groups if len(samples[g]) < 2]
        ok = [g for g in groups if len(samples[g]) >= 2]
        note = "; ".join(f"group {g!r} left out: n={len(samples[g])} (< 2)" for g in small)
        if len(ok) < 2:
            rows.append(_row(m, "welch_t" if len(groups) == 2 else "welch_anova",
                             note=f"skipped: fewer than 2 groups with n >= 2 ({note})"))
            continue
        if np.ptp(np.concatenate([samples[g] for g in ok])) == 0:
            rows.append(_row(m, "welch_t" if len(ok) == 2 else "welch_anova",
                             note="skipped: the measure has the same value in every animal"))
            continue
        flat = [g for g in ok if np.ptp(samples[g]) == 0]
        flat_note = "skipped: zero variance in group(s) " + ", ".join(repr(g) for g in flat)
        if len(ok) == 2:
            a, b = (ok[1], ok[0]) if control in ok else (ok[0], ok[1])
            xa, xb = samples[a], samples[b]
            t, df, p = welch_t(xa, xb)
            g, lo, hi = hedges_g(xa, xb)
            rows.append(_row(m, "welch_t", a, b, len(xa), len(xb), statistic=float(t), df=float(df),
                             p_value=float(p), effect_size=g, effect_size_name="hedges_g", ci_low=lo,
                             ci_high=hi, note=note))
            u, p, r = mann_whitney(xa, xb)
            rows.append(_row(m, "mann_whitney", a, b, len(xa), len(xb), statistic=u, p_value=p,
                             effect_size=r, effect_size_name="rank_biserial", note=note))
        else:
            xs = [samples[g] for g in ok]
            n_all = int(sum(len(x) for x in xs))
            if flat:  # Welch's weights n / s^2 are infinite
                rows.append(_row(m, "welch_anova", "all", "", n_all, note="; ".join(x for x in (flat_note, note) if x)))
            else:
                f, df1, df2, p = welch_anova(xs)
                rows.append(_row(m, "welch_anova", "all", "", n_all, statistic=f, df=df2, df_num=df1, p_value=p,
                                 note=note))
            h, dfk, p = kruskal(xs)
            rows.append(_row(m, "kruskal", "all", "", n_all, statistic=h, df=dfk, p_value=p,
                             effect_size=h / (n_all - 1), effect_size_name="epsilon_squared", note=note))
            if control is not None and control in ok:
                others = [g for g in ok if g != control]
                st, ps = dunnett([samples[g] for g in others], samples[control])
                for g, s, p in zip(others, st, ps, strict=True):
                    es, lo, hi = hedges_g(samples[g], samples[control])
                    rows.append(_row(m, "dunnett", g, control, len(samples[g]), len(samples[control]),
                                     statistic=s, p_value=p, effect_size=es, effect_size_name="hedges_g",
                                     ci_low=lo, ci_high=hi, note=note))
            else:
                extra = f"control {control!r} has n < 2; " if control is not None else ""
                for a, b in itertools.combinations(ok, 2):
                    t, df, p = games_howell(samples[a], samples[b], len(ok))
                    es, lo, hi = hedges_g(samples[a], samples[b])
                    rows.append(_row(m, "games_howell", a, b, len(samples[a]), len(samples[b]), statistic=t,
                                     df=df, p_value=p, effect_size=es, effect_size_name="hedges_g",
                                     ci_low=lo, ci_high=hi, note=(extra + note).strip("; ")))
        if dose_col is not None and dose_col in values.columns:
            d = values[[dose_col, m]].apply(pd.to_numeric, errors="coerce").dropna()
            if d[dose_col].nunique() >= 3:
                tr = linear_trend(d[dose_col].to_numpy(), d[m].to_numpy())
                rows.append(_row(m, "trend", dose_col, "", len(d), statistic=tr["statistic"], df=tr["df"],
                                 p_value=tr["p_value"], effect_size=tr["slope"],
                                 effect_size_name=f"slope_per_{dose_col}_unit", ci_low=tr["ci_low"],
                                 ci_high=tr["ci_high"]))
    out = pd.DataFrame(rows, columns=STATS_COLUMNS)
    return adjust_across_measures(out)


def compare_bins(long: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    """One ``mixed_model`` row per bin measure (see :func:`mixed_model`), Holm-adjusted across measures.

    A partial last bin is left out of the model (said in ``note``) when two
    or more full bins remain.

    Parameters
    ----------
    long
        The bins table: ``subject``, ``group``, ``bin_start_min`` and the measures.
    """
    rows = []
    groups = sorted(long["group"].astype(str).unique())
    n_sub = long.groupby("group")["subject"].nunique()
    partial = ""
    full = ~long["partial"].astype(bool) if "partial" in long.columns else pd.Series(True, index=long.index)
    if not full.all() and long.loc[full, "bin_start_min"].nunique() >= 2:
        long = long[full]  # a short last bin would bend the time course of sums
        partial = "partial last bin left out"
    n_bins = long["bin_start_min"].nunique()
    for m in measures:
        small = [g for g in groups if n_sub.get(g, 0) < 2]
        d = long[~long["group"].isin(small)].drop(columns="bin", errors="ignore")
        d = d.rename(columns={"bin_start_min": "bin"})
        base = {"group_a": "all", "n_a": int(d["subject"].nunique())}
        if len(groups) - len(small) < 2 or n_bins < 2:
            why = "fewer than 2 bins" if n_bins < 2 else "fewer than 2 groups with n >= 2"
            rows.append(_row(m, "mixed_model", **base, note=f"skipped: {why}"))
            continue
        notes = [f"group {g!r} left out: n={n_sub.get(g, 0)} (< 2)" for g in small]
        note = "; ".join(notes + ([partial] if partial else []))
        try:
            res = mixed_model(d, m)
        except (ValueError, np.linalg.LinAlgError) as exc:  # singular fit (e.g. a constant measure)
            rows.append(_row(m, "mixed_model", **base, note=f"skipped: the model could not be fitted ({exc})"))
            continue
        if not res["converged"]:
            note = "; ".join(x for x in (note, "the fit did not fully converge") if x)
        rows.append(_row(m, "mixed_model", **base, statistic=res["statistic"], df=res["df"],
                         p_value=res["p_value"], note=note))
    return adjust_across_measures(pd.DataFrame(rows, columns=STATS_COLUMNS))


def adjust_across_measures(table: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjust p-values across measures within each (test, group_a, group_b); fill ``adjustment``."""
    table = table.copy()
    for _, idx in table.groupby(["test", "group_a", "group_b"], sort=False).groups.items():
        p = table.loc[idx, "p_value"].to_numpy(float)
        k = int(np.isfinite(p).sum())
        table.loc[idx, "p_adjusted"] = holm(p)
        within = {"dunnett": "dunnett within measure; ", "games_howell": "games_howell within measure; "}
        test = table.loc[idx[0], "test"]
        table.loc[idx, "adjustment"] = [f"{within.get(test, '')}holm over {k} measures" if np.isfinite(x) else ""
                                        for x in p]
    return table
