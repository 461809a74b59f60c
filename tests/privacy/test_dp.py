"""Differential privacy: noise distributions, calibration, composition, intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from precisemkt.errors import InvalidParameterError, PrivacyError, ValidationError
from precisemkt.privacy import (
    PrivacyBudget,
    gaussian_mean,
    gaussian_sigma,
    laplace_count,
    laplace_sum,
)
from precisemkt.privacy._dp import _gaussian_delta


def test_laplace_count_noise_is_laplace_with_scale_one_over_epsilon() -> None:
    """4,000 releases: a KS test against Laplace(0, 1/eps) (alpha = 0.001)."""
    rng = np.random.default_rng(123)
    noise = np.array(
        [laplace_count(100, epsilon=0.5, random_state=rng).value - 100 for _ in range(4000)]
    )
    assert stats.kstest(noise, stats.laplace(scale=2.0).cdf).pvalue > 1e-3


def test_counts_of_tables_and_masks() -> None:
    df = pd.DataFrame({"a": range(10)})
    a = laplace_count(df, epsilon=1.0, random_state=1)
    b = laplace_count(10, epsilon=1.0, random_state=1)
    assert a.value == b.value  # same seed, same answer
    assert a.sensitivity == 1.0
    assert a.scale == 1.0
    assert a.delta == 0.0


def test_laplace_sum_clips_and_scales_by_the_largest_bound() -> None:
    values = [-50.0, 5.0, 500.0]
    res = laplace_sum(values, lower=-10, upper=100, epsilon=2.0, random_state=7)
    noise = np.random.default_rng(7).laplace(0.0, 50.0)
    assert res.value == pytest.approx(-10 + 5 + 100 + noise)
    assert res.sensitivity == 100.0
    assert res.scale == 50.0


def test_gaussian_sigma_meets_the_analytic_condition_exactly() -> None:
    """Balle & Wang (2018), Thm 8: delta(sigma) equals the target at the returned sigma,
    and the classical sqrt(2 ln(1.25/delta))/eps bound (valid for eps < 1) is larger."""
    for eps, delta in [(0.1, 1e-6), (0.5, 1e-5), (1.0, 1e-5), (4.0, 1e-8)]:
        sigma = gaussian_sigma(eps, delta, 1.0)
        assert _gaussian_delta(sigma, eps, 1.0) == pytest.approx(delta, rel=1e-6)
        assert _gaussian_delta(sigma * 0.99, eps, 1.0) > delta
        if eps < 1:
            assert sigma < math.sqrt(2 * math.log(1.25 / delta)) / eps
    assert gaussian_sigma(1.0, 1e-5, 3.0) == pytest.approx(3 * gaussian_sigma(1.0, 1e-5, 1.0))


def test_gaussian_mean_noise_and_interval_coverage() -> None:
    """2,000 releases of the same mean: noise sd matches sigma, 90% intervals cover about
    90% of the time (binomial 99.9% band)."""
    values = np.linspace(0, 100, 50)
    rng = np.random.default_rng(5)
    releases = [
        gaussian_mean(values, lower=0, upper=100, epsilon=1.0, delta=1e-5, random_state=rng)
        for _ in range(2000)
    ]
    sigma = releases[0].scale
    assert releases[0].sensitivity == pytest.approx(2.0)
    noise = np.array([r.value - 50.0 for r in releases])
    assert noise.std() == pytest.approx(sigma, rel=0.05)
    covered = np.mean(
        [r.confidence_interval(0.9).low <= 50 <= r.confidence_interval(0.9).high for r in releases]
    )
    assert abs(covered - 0.9) < 3.3 * math.sqrt(0.9 * 0.1 / 2000)


def test_laplace_interval_width() -> None:
    lo, hi = laplace_count(10, epsilon=0.5, random_state=0).confidence_interval(0.95)
    assert hi - lo == pytest.approx(2 * 2.0 * math.log(20))


def test_budget_refuses_past_epsilon_and_releases_nothing() -> None:
    budget = PrivacyBudget(1.0, delta=1e-5)
    laplace_count(50, epsilon=0.4, budget=budget)
    laplace_sum([1.0], lower=0, upper=1, epsilon=0.4, budget=budget)
    with pytest.raises(PrivacyError, match="fit in the remaining budget"):
        laplace_count(50, epsilon=0.4, budget=budget)
    assert budget.spent_epsilon == pytest.approx(0.8)
    with pytest.raises(PrivacyError):
        gaussian_mean([1.0, 2.0], lower=0, upper=5, epsilon=0.1, delta=1e-4, budget=budget)
    gaussian_mean([1.0, 2.0], lower=0, upper=5, epsilon=0.2, delta=1e-5, budget=budget)
    assert budget.remaining_epsilon == pytest.approx(0.0, abs=1e-12)
    assert budget.ledger()["label"].tolist() == ["laplace_count", "laplace_sum", "gaussian_mean"]
    assert "spent_epsilon=1" in repr(budget)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="epsilon must be in"):
        laplace_count(5, epsilon=0)
    with pytest.raises(InvalidParameterError, match="lower, upper must be finite"):
        laplace_sum([1.0], lower=5, upper=1, epsilon=1)
    with pytest.raises(ValidationError, match="values must not contain NaN"):
        laplace_sum([1.0, np.nan], lower=0, upper=1, epsilon=1)
    with pytest.raises(InvalidParameterError, match="delta must be in"):
        gaussian_mean([1.0], lower=0, upper=1, epsilon=1, delta=0)
    with pytest.raises(InvalidParameterError, match="values must hold at least one"):
        gaussian_mean([], lower=0, upper=1, epsilon=1, delta=1e-5)
    with pytest.raises(InvalidParameterError, match="data must be a non-negative count"):
        laplace_count(-1, epsilon=1)
    with pytest.raises(InvalidParameterError, match="data must be a table"):
        laplace_count(3.5, epsilon=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="budget must be of type"):
        laplace_count(3, epsilon=1, budget="lots")  # type: ignore[arg-type]
