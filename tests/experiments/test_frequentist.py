"""Frequentist tests against statsmodels/scipy run here, plus edge cases and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments import (
    cuped,
    mann_whitney,
    means_test,
    proportions_test,
    ratio_metric_test,
)

REL = 1e-10
counts = st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


@given(counts, counts, st.sampled_from(["two-sided", "greater", "less"]))
def test_z_matches_statsmodels(arm0, arm1, alternative):
    (s0, n0), (s1, n1) = arm0, arm1
    res = proportions_test([s0, s1], [n0, n1], alternative=alternative)
    alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alternative]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z, p = proportions_ztest([s1, s0], [n1, n0], alternative=alt)
    if np.isfinite(z):  # statsmodels gives nan when both arms are all-0 or all-1
        assert _rel(res.statistic, z) < REL or abs(res.statistic - z) < 1e-12
        assert _rel(res.pvalue, p) < REL or abs(res.pvalue - p) < 1e-15
    else:  # no information: z = 0, so p = 1 two-sided and 0.5 one-sided
        assert res.statistic == 0.0
        assert res.pvalue == (1.0 if alternative == "two-sided" else 0.5)


@given(counts, counts, st.booleans())
def test_chisq_matches_scipy(arm0, arm1, correction):
    (s0, n0), (s1, n1) = arm0, arm1
    res = proportions_test([s0, s1], [n0, n1], method="chisq", correction=correction)
    table = np.array([[s0, n0 - s0], [s1, n1 - s1]])
    if (table.sum(axis=0) == 0).any():
        assert res.pvalue == 1.0
        return
    ref = stats.chi2_contingency(table, correction=correction)
    assert _rel(res.statistic, ref.statistic) < REL or abs(res.statistic - ref.statistic) < 1e-12
    assert _rel(res.pvalue, ref.pvalue) < REL


@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_fisher_matches_scipy(arm0, arm1, alternative):
    (s0, n0), (s1, n1) = arm0, arm1
    res = proportions_test([s0, s1], [n0, n1], method="fisher", alternative=alternative)
    ref = stats.fisher_exact([[s1, n1 - s1], [s0, n0 - s0]], alternative=alternative)
    assert _rel(res.pvalue, ref.pvalue) < REL
    if np.isnan(ref.statistic):
        assert np.isnan(res.statistic)
    else:
        assert res.statistic == pytest.approx(ref.statistic, rel=REL)


@given(counts, counts)
def test_newcombe_interval_matches_statsmodels(arm0, arm1):
    (s0, n0), (s1, n1) = arm0, arm1
    lo, hi = proportions_test([s0, s1], [n0, n1]).confidence_interval(0.9)
    ref = confint_proportions_2indep(s1, n1, s0, n0, method="newcomb", compare="diff", alpha=0.1)
    assert lo == pytest.approx(ref[0], rel=1e-10, abs=1e-13)
    assert hi == pytest.approx(ref[1], rel=1e-10, abs=1e-13)


def test_vectorised_equals_loop_and_k_arms():
    rng = np.random.default_rng(3)
    n = rng.integers(50, 5000, size=(200, 3))
    s = rng.binomial(n, 0.1)
    res = proportions_test(s, n)
    assert res.pvalue.shape == (200, 2)
    assert res.omnibus_pvalue.shape == (200,)
    for i in (0, 57, 199):
        one = proportions_test(s[i, [0, 2]], n[i, [0, 2]])
        assert res.pvalue[i, 1] == pytest.approx(one.pvalue, rel=1e-14)
        omni = stats.chi2_contingency(np.stack([s[i], n[i] - s[i]], 1), correction=False)
        assert res.omnibus_pvalue[i] == pytest.approx(omni.pvalue, rel=REL)
    assert res.to_frame().shape[0] == 400


def test_zero_and_all_conversions_are_finite():
    res = proportions_test([0, 0], [1000, 1200])
    assert (res.statistic, res.pvalue) == (0.0, 1.0)
    lo, hi = res.confidence_interval()
    assert np.isfinite([lo, hi]).all()
    assert lo < 0 < hi
    assert np.isnan(res.effect.relative)
    assert proportions_test([0, 5], [1000, 1000]).effect.relative == np.inf
    assert proportions_test([10, 10], [10, 10], method="chisq").pvalue == 1.0
    fisher = proportions_test([0, 0], [10, 10], method="fisher")
    assert fisher.pvalue == 1.0
    assert np.isnan(fisher.statistic)
    # one arm without conversions still tests fine
    assert 0 < proportions_test([0, 9], [100, 100]).pvalue < 0.01


def test_huge_counts():
    res = proportions_test([10**7, 10**7 + 20_000], [10**9, 10**9])
    z = (0.01002 - 0.01) / np.sqrt(0.01001 * 0.98999 * 2e-9)
    assert res.statistic == pytest.approx(z, rel=1e-9)


def test_proportion_errors_and_no_mutation():
    s = np.array([5, 7])
    n = np.array([100, 100])
    proportions_test(s, n)
    assert s.tolist() == [5, 7]
    assert n.tolist() == [100, 100]
    with pytest.raises(ValidationError, match="successes must be <= trials"):
        proportions_test([5, 200], [100, 100])
    with pytest.raises(ValidationError, match="trials must be at least 1"):
        proportions_test([0, 0], [0, 10])
    with pytest.raises(ValidationError, match="NaN"):
        proportions_test([np.nan, 1], [10, 10])
    with pytest.raises(ValidationError, match="whole numbers"):
        proportions_test([0.5, 1], [10, 10])
    with pytest.raises(ValidationError, match="at least 2 arms"):
        proportions_test([1], [10])
    with pytest.raises(InvalidParameterError, match="method must be one of"):
        proportions_test([1, 2], [10, 10], method="exact")
    with pytest.raises(InvalidParameterError, match="'two-sided' with method='chisq'"):
        proportions_test([1, 2], [10, 10], method="chisq", alternative="greater")


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30),
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30),
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_welch_matches_scipy(a, b, alternative):
    res = means_test(a, b, alternative=alternative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.ttest_ind(b, a, equal_var=False, alternative=alternative)
    if np.isfinite(ref.statistic) and np.std(a) > 1e-9 and np.std(b) > 1e-9:
        assert (
            _rel(res.statistic, ref.statistic) < 1e-9 or abs(res.statistic - ref.statistic) < 1e-9
        )
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-14)
        lo, hi = res.confidence_interval(0.9)
        rlo, rhi = ref.confidence_interval(0.9)
        assert lo == pytest.approx(rlo, rel=1e-9, abs=1e-9)
        assert hi == pytest.approx(rhi, rel=1e-9, abs=1e-9)


def test_welch_from_stats_and_batches():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 40)), rng.normal(0.2, 2.0, size=(300, 25))
    res = means_test(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False, axis=-1)
    np.testing.assert_allclose(res.statistic, ref.statistic, rtol=1e-10)
    np.testing.assert_allclose(res.pvalue, ref.pvalue, rtol=1e-10)
    fs = means_test(mean=[1.0, 1.3, 0.9], std=[1.0, 1.2, 0.8], n=[50, 60, 70])
    ref2 = stats.ttest_ind_from_stats(0.9, 0.8, 70, 1.0, 1.0, 50, equal_var=False)
    assert fs.statistic[1] == pytest.approx(ref2.statistic, rel=REL)
    assert fs.pvalue[1] == pytest.approx(ref2.pvalue, rel=REL)


def test_welch_edge_cases():
    assert means_test([1.0, 1.0, 1.0], [1.0, 1.0]).pvalue == 1.0
    certain = means_test([1.0, 1.0, 1.0], [2.0, 2.0])
    assert certain.statistic == np.inf
    assert certain.pvalue == 0.0
    with pytest.raises(ValidationError, match="at least 2 observation"):
        means_test([1.0], [1.0, 2.0])
    with pytest.raises(ValidationError, match="n must be at least 2"):
        means_test(mean=[1.0, 2.0], std=[1.0, 1.0], n=[1, 5])
    with pytest.raises(ValidationError, match="a must not contain NaN"):
        means_test([1.0, np.nan], [1.0, 2.0])


@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=25),
    st.lists(st.integers(0, 12), min_size=1, max_size=25),
    st.sampled_from(["two-sided", "greater", "less"]),
    st.sampled_from(["auto", "asymptotic", "exact"]),
)
def test_mann_whitney_matches_scipy(a, b, alternative, method):
    if method == "exact" and len(a) * len(b) > 400:
        return
    res = mann_whitney(a, b, alternative=alternative, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.mannwhitneyu(b, a, alternative=alternative, method=method)
    assert res.statistic == ref.statistic
    if np.isnan(ref.pvalue):  # every observation tied
        assert res.pvalue == 1.0
    else:
        assert res.pvalue == pytest.approx(ref.pvalue, rel=REL, abs=1e-300)


def test_mann_whitney_superiority_interval():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=400), rng.normal(0.5, 1, size=300)
    res = mann_whitney(a, b)
    assert res.superiority == pytest.approx((b[:, None] > a[None, :]).mean(), rel=1e-12)
    lo, hi = res.confidence_interval()
    theta = stats.norm.cdf(0.5 / np.sqrt(2))
    assert lo < theta < hi


def test_ratio_metric_reduces_to_welch_z_and_matches_naive():
    rng = np.random.default_rng(2)
    y = rng.poisson(3.0, 600).astype(float)
    v = rng.integers(0, 2, 600)
    res = ratio_metric_test(y, np.ones(600), v)
    welch = means_test(y[v == 0], y[v == 1])
    assert res.statistic == pytest.approx(welch.statistic, rel=1e-12)
    x = rng.poisson(10.0, 600) + 1.0
    res = ratio_metric_test(y, x, v)
    for j in (0, 1):  # naive delta-method variance per arm
        yy, xx = y[v == j], x[v == j]
        r = yy.sum() / xx.sum()
        c = np.cov(yy, xx)
        var = (c[0, 0] - 2 * r * c[0, 1] + r**2 * c[1, 1]) / (len(yy) * xx.mean() ** 2)
        assert res.variances[j] == pytest.approx(var, rel=1e-12)
    with pytest.raises(ValidationError, match="at least 2 units"):
        ratio_metric_test(y[:3], x[:3], [0, 1, 1])
    # issue 12: string labels are accepted (they used to raise "integer arm codes")
    labelled = ratio_metric_test(y, x, np.where(v == 1, "treatment", "control"))
    assert labelled.statistic == res.statistic


def test_relative_intervals_delta_and_fieller():
    res = means_test(mean=[10.0, 11.0], std=[2.0, 2.0], n=[400, 400])
    d_lo, d_hi = res.confidence_interval(relative=True)
    f_lo, f_hi = res.confidence_interval(relative=True, method="fieller")
    assert d_lo < 0.1 < d_hi
    assert f_lo < 0.1 < f_hi
    assert abs(d_lo - f_lo) < 2e-3
    assert abs(d_hi - f_hi) < 2e-3
    wide = means_test(mean=[0.1, 1.0], std=[2.0, 2.0], n=[20, 20]).confidence_interval(
        relative=True, method="fieller"
    )
    assert wide == (-np.inf, np.inf)


def test_cuped_theta_and_reduction():
    rng = np.random.default_rng(4)
    x = rng.normal(5, 2, 3000)
    v = rng.integers(0, 2, 3000)
    y = 2 * x + rng.normal(0, 1, 3000) + 0.2 * v
    res = cuped(y, x, v)
    assert res.theta == pytest.approx(np.cov(y, x)[0, 1] / np.var(x, ddof=1), rel=1e-12)
    assert res.variance_reduction == pytest.approx(np.corrcoef(y, x)[0, 1] ** 2, abs=0.01)
    adj = y - res.theta * (x - x.mean())
    ref = stats.ttest_ind(adj[v == 1], adj[v == 0], equal_var=False)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    flat = cuped(y, np.ones(3000), v)
    assert flat.theta == 0.0
    assert flat.variance_reduction == 0.0
