"""Sequential designs (published values, independent integration) and planning tools."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, normal_sample_size_one_tail
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    samplesize_proportions_2indep_onetail,
)

from precisemkt.errors import InvalidParameterError, NotFittedError, ValidationError
from precisemkt.experiments import (
    GroupSequentialTest,
    adjust_pvalues,
    group_sequential_bounds,
    msprt,
    power,
    sample_size,
    spending_function,
    srm_check,
)
from tests.reference.experiments import group_sequential_reference

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "data" / "experiments_lan_demets.json").read_text()
)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: str(c["information_fractions"]))
def test_published_lan_demets_bounds(case):
    res = group_sequential_bounds(
        len(case["upper"]),
        alpha=case["alpha"],
        spending=case["spending"],
        information_fractions=case["information_fractions"],
    )
    np.testing.assert_allclose(res.upper, case["upper"], atol=case["tolerance"])
    if "exit_probability" in case:
        np.testing.assert_allclose(res.alpha_spent, case["exit_probability"], rtol=2e-4)


@pytest.mark.parametrize("spending", ["obrien_fleming", "pocock", 2.0])
@pytest.mark.parametrize("k", [3, 4, 5])
def test_bounds_match_independent_integration(spending, k):
    res = group_sequential_bounds(k, spending=spending)
    ref = group_sequential_reference(res.information_fractions, res.alpha_spent)
    np.testing.assert_allclose(res.upper, ref, atol=5e-5)  # trapezoid error of the reference
    assert res.alpha_spent[-1] == pytest.approx(0.05)


def test_bounds_crossing_probability_by_monte_carlo():
    res = group_sequential_bounds(5, spending="pocock")
    rng = np.random.default_rng(0)
    increments = rng.normal(size=(400_000, 5)) * np.sqrt(0.2)
    z = np.cumsum(increments, axis=1) / np.sqrt(res.information_fractions)
    crossed = (np.abs(z) >= res.upper).any(axis=1).mean()
    assert crossed == pytest.approx(0.05, abs=4 * np.sqrt(0.05 * 0.95 / 400_000))


def test_group_sequential_test_monitoring():
    gst = GroupSequentialTest(alpha=0.05, spending="obrien_fleming")
    with pytest.raises(NotFittedError, match="at least one look"):
        gst.summary()
    z = np.array([[0.5, 3.8, 1.0], [1.0, 1.0, 2.6], [2.5, 0.2, 2.0]])
    for look, frac in enumerate([1 / 3, 2 / 3, 1.0]):
        gst.update(z[look], frac)
    ref = group_sequential_bounds(3)
    np.testing.assert_allclose(gst.bounds_, ref.upper, rtol=1e-10)
    assert gst.rejected_.tolist() == [True, True, True]
    assert gst.stopped_at_.tolist() == [2, 0, 1]
    assert gst.summary().shape == (3, 5)
    with pytest.raises(ValidationError, match="information_fraction must increase at every look"):
        GroupSequentialTest().update(1.0, 0.5).update(1.0, 0.4)
    with pytest.raises(InvalidParameterError, match="spending must be"):
        group_sequential_bounds(3, spending="linear")


def test_spending_functions():
    t = np.array([0.25, 0.5, 1.0])
    np.testing.assert_allclose(spending_function(t, 0.05, 1.0), 0.05 * t)
    assert spending_function(1.0, 0.05, "obrien_fleming") == pytest.approx(0.05)
    assert spending_function(1.0, 0.05, "pocock") == pytest.approx(0.05)


def test_msprt_statistic_and_confidence_sequence():
    res = msprt([[40, 55]], [[1000, 1000]], mixing_variance=0.001)
    p0, p1 = 0.04, 0.055
    v = p0 * (1 - p0) / 1000 + p1 * (1 - p1) / 1000
    lam = np.sqrt(v / (v + 0.001)) * np.exp(0.001 * 0.015**2 / (2 * v * (v + 0.001)))
    assert res.pvalue[0] == pytest.approx(min(1.0, 1 / lam), rel=1e-12)
    half = np.sqrt(v * (v + 0.001) / 0.001 * (2 * np.log(20) + np.log((v + 0.001) / v)))
    assert res.low[0] == pytest.approx(0.015 - half, rel=1e-12)
    means = msprt(mean=[[1.0, 1.3]], std=[[1.0, 1.0]], n=[[200, 200]])
    assert 0 < means.pvalue[0] < 1
    assert means.mixing_variance > 0
    with pytest.raises(InvalidParameterError, match="either successes and trials"):
        msprt([[1, 2]], [[10, 10]], mean=[[1.0, 2.0]])
    zero = msprt([[0, 0], [0, 0]], [[10, 10], [20, 20]])
    assert (zero.pvalue == 1.0).all()


def test_sample_size_and_power_match_statsmodels():
    for ratio in (1.0, 2.0, 0.5):
        ours = sample_size(0.10, 0.01, ratio=ratio, power=0.9, alpha=0.01)
        ref = samplesize_proportions_2indep_onetail(-0.01, 0.11, 0.9, ratio=ratio, alpha=0.01)
        assert ours.exact == pytest.approx(ref, rel=1e-12)
        assert ours.n_control == int(np.ceil(ref))
        pw = power(5000, 0.10, 0.01, ratio=ratio)
        assert pw == pytest.approx(
            power_proportions_2indep(-0.01, 0.11, 5000, ratio=ratio).power, rel=1e-12
        )
        mean_n = sample_size(10.0, 0.5, std=4.0, ratio=ratio)
        std_null = 4.0 * np.sqrt(1 + 1 / ratio)
        assert mean_n.exact == pytest.approx(
            normal_sample_size_one_tail(0.5, 0.8, 0.025, std_null=std_null), rel=1e-12
        )
        solved = NormalIndPower().solve_power(0.5 / 4.0, alpha=0.05, power=0.8, ratio=ratio)
        assert mean_n.exact == pytest.approx(solved, rel=1e-5)  # statsmodels' root-finder
        assert power(800, 10.0, 0.5, std=4.0, ratio=ratio) == pytest.approx(
            NormalIndPower().power(0.5 / 4.0, 800, 0.05, ratio=ratio), rel=1e-12
        )
    rel = sample_size(0.10, 0.1, relative=True)
    assert rel.n_control == sample_size(0.10, 0.01).n_control
    with pytest.raises(ValidationError, match="strictly inside"):
        sample_size(0.95, 0.1)


def test_srm_and_adjust_pvalues():
    res = srm_check([[5000, 5000], [5000, 5400], [3000, 7000]], expected_ratios=[1, 1])
    ref = stats.chisquare([5000, 5400])
    assert res.pvalue[1] == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.mismatch.tolist() == [False, True, True]
    assert srm_check([300, 700], [0.3, 0.7]).pvalue == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.3, (6, 15))
    p[1, 4] = np.nan
    p[3, [0, 7, 9]] = np.nan
    original = p.copy()
    for ours, theirs in [
        ("holm", "holm"),
        ("hochberg", "simes-hochberg"),
        ("bh", "fdr_bh"),
        ("by", "fdr_by"),
        ("bonferroni", "bonferroni"),
    ]:
        adj = adjust_pvalues(p, method=ours)
        for row, arow in zip(p, adj, strict=True):
            ok = ~np.isnan(row)
            assert np.isnan(arow[~ok]).all()
            np.testing.assert_allclose(
                arow[ok], multipletests(row[ok], method=theirs)[1], rtol=1e-12
            )
    np.testing.assert_array_equal(p, original)
    assert np.isnan(adjust_pvalues([np.nan, np.nan])).all()
    with pytest.raises(ValidationError, match=r"p must hold p-values in \[0, 1\]"):
        adjust_pvalues([0.5, 1.5])
