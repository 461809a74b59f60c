"""Differential privacy releases: exact noise, grids, calibration, budget, intervals."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from precisemkt.errors import InvalidParameterError, PrivacyError, ValidationError
from precisemkt.privacy import (
    LedgerEntry,
    PrivacyBudget,
    gaussian_mean,
    gaussian_sigma,
    laplace_count,
    laplace_sum,
    noisy_counts,
    noisy_group_stats,
    noisy_histogram,
    teaching_gaussian,
    teaching_laplace,
)
from precisemkt.privacy._budget import rho_for, zcdp_epsilon
from precisemkt.privacy._dp import _gaussian_delta, gaussian_sigma2_units


def test_count_is_an_integer_and_same_seed_same_answer() -> None:
    df = pd.DataFrame({"a": range(10)})
    a = laplace_count(df, epsilon=1.0, insecure_seed=1)
    b = laplace_count(10, epsilon=1.0, insecure_seed=1)
    assert a.value == b.value
    assert a.value == a.units
    assert isinstance(a.units, int)
    assert (a.sensitivity, a.scale, a.delta, a.mechanism) == (1.0, 1.0, 0.0, "discrete_laplace")
    assert a.insecure


def test_default_randomness_is_the_os_csprng_and_flagged_secure() -> None:
    """No seed: two releases differ in general and say insecure=False; 200 releases of a
    count with epsilon=1 have the discrete Laplace variance 2p/(1-p)^2 within a 99.9% band."""
    res = [laplace_count(50, epsilon=1.0) for _ in range(400)]
    assert not any(r.insecure for r in res)
    noise = np.array([r.value - 50 for r in res])
    p = math.exp(-1.0)
    var = 2 * p / (1 - p) ** 2
    # variance of a sample variance: (mu4 - var^2)/n; mu4 of the discrete Laplace
    mu4 = 2 * p * (1 + 10 * p + p * p) / (1 - p) ** 4
    assert abs(noise.var() - var) < 3.3 * math.sqrt((mu4 - var * var) / noise.size)


@pytest.mark.parametrize("step", [0.5, 0.01, 3.0])
def test_sums_and_means_lie_on_the_grid(step: float) -> None:
    values = np.random.default_rng(0).uniform(-20, 200, 300)
    for seed in range(20):
        s = laplace_sum(values, lower=-10, upper=100, epsilon=1.0, grid_step=step,
                        insecure_seed=seed)  # fmt: skip
        m = gaussian_mean(values, lower=-10, upper=100, epsilon=1.0, delta=1e-6,
                          grid_step=step, insecure_seed=seed)  # fmt: skip
        for r in (s, m):
            assert isinstance(r.units, int)
            assert r.value == r.units * step
            assert r.grid_step == step


def test_sum_clamps_and_takes_sensitivity_from_the_bounds() -> None:
    """The exact part is the sum of clamped, grid-rounded values: the noise (value - exact)
    over 2,000 seeds has the discrete Laplace scale 100/eps in grid units."""
    values = [-50.0, 5.0, 500.0, np.inf]
    exact = (-10 + 5 + 100 + 100) / 0.5
    res = [
        laplace_sum(values, lower=-10, upper=100, epsilon=2.0, grid_step=0.5, insecure_seed=s)
        for s in range(2000)
    ]
    assert res[0].sensitivity == 100.0
    assert res[0].scale == 50.0
    noise = np.array([r.units - exact for r in res])
    p = math.exp(-2.0 / 200)  # scale 200/eps... in units: sensitivity 200 units / eps 2
    var = 2 * p / (1 - p) ** 2
    assert noise.var() == pytest.approx(var, rel=0.1)
    assert abs(noise.mean()) < 4 * math.sqrt(var / 2000)


def test_default_grid_is_a_power_of_ten_below_bound_over_ten_thousand() -> None:
    assert laplace_sum([1.0], lower=0, upper=5000, epsilon=1, insecure_seed=0).grid_step == 0.1
    assert laplace_sum([1.0], lower=0, upper=1, epsilon=1, insecure_seed=0).grid_step == 1e-4
    with pytest.raises(InvalidParameterError, match="grid_step must leave at most"):
        laplace_sum([1.0], lower=0, upper=1e9, epsilon=1, grid_step=1e-3)


def test_gaussian_mean_rho_sigma_and_variance() -> None:
    """rho from (eps, delta) inverts Bun & Steinke's conversion; sigma^2 >= D^2/(2 rho);
    1,000 releases: the spread of the mean matches sigma/n (chi-square 99.9% band)."""
    eps, delta = 1.0, 1e-6
    rho = rho_for(eps, delta)
    assert zcdp_epsilon(rho, delta) <= eps
    assert zcdp_epsilon(rho * 1.001, delta) > eps
    sigma2 = gaussian_sigma2_units(100, rho)
    assert sigma2 >= 100**2 / (2 * rho)
    assert float(sigma2) == pytest.approx(100**2 / (2 * rho), rel=1e-4)
    values = np.linspace(0, 100, 50)
    res = [
        gaussian_mean(
            values, lower=0, upper=100, epsilon=eps, delta=delta, grid_step=1.0, insecure_seed=s
        )
        for s in range(1000)
    ]
    assert res[0].rho == pytest.approx(rho)
    assert res[0].sensitivity == pytest.approx(2.0)
    spread = np.array([r.value for r in res]).std()
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], 999) / 999
    # rounding to the unit grid adds 1/12 of a unit of variance
    expected = math.sqrt(res[0].scale ** 2 + 1 / 12)
    assert math.sqrt(lo) * expected < spread < math.sqrt(hi) * expected


def test_confidence_intervals_cover_at_their_level() -> None:
    """Discrete Laplace intervals are exact (cover >= level); 2,000 count releases."""
    res = [laplace_count(20, epsilon=0.5, insecure_seed=s) for s in range(2000)]
    covered = np.mean([r.confidence_interval(0.9)[0] <= 20 <= r.confidence_interval(0.9)[1]
                       for r in res])  # fmt: skip
    assert covered >= 0.9 - 3.3 * math.sqrt(0.09 / 2000)
    lo, hi = laplace_count(10, epsilon=1.0, insecure_seed=0).confidence_interval(0.9)
    p = math.exp(-1)
    h = (hi - lo) / 2
    assert 1 - 2 * p ** (h + 1) / (1 + p) >= 0.9 > 1 - 2 * p**h / (1 + p)


def test_teaching_mechanisms_are_marked_and_match_numpy() -> None:
    a = teaching_laplace(100.0, sensitivity=1.0, epsilon=0.5, random_state=3)
    assert a.value == 100.0 + np.random.default_rng(3).laplace(0.0, 2.0)
    assert a.insecure
    assert a.mechanism == "float_laplace"
    g = teaching_gaussian(0.0, sensitivity=1.0, epsilon=1.0, delta=1e-5, random_state=4)
    assert g.scale == gaussian_sigma(1.0, 1e-5, 1.0)
    assert g.insecure
    lo, hi = a.confidence_interval(0.95)
    assert hi - lo == pytest.approx(2 * 2.0 * math.log(20))


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


def test_budget_composes_pure_and_zcdp_and_refuses_past_the_total() -> None:
    """Basic composition for epsilon releases, Bun & Steinke for the zCDP part with the
    delta left over; a refused query records nothing and releases nothing."""
    budget = PrivacyBudget(2.0, delta=1e-6)
    laplace_count(50, epsilon=0.4, budget=budget)
    laplace_sum([1.0], lower=0, upper=1, epsilon=0.4, budget=budget)
    gaussian_mean([1.0, 2.0], lower=0, upper=5, epsilon=1.0, delta=1e-6, budget=budget)
    rho = rho_for(1.0, 1e-6)
    assert budget.spent_rho == pytest.approx(rho)
    assert budget.spent_epsilon == pytest.approx(0.8 + zcdp_epsilon(rho, 1e-6))
    assert budget.spent_delta == 1e-6
    before = budget.entries
    with pytest.raises(PrivacyError, match="fit in the remaining budget"):
        laplace_count(50, epsilon=0.5, budget=budget)
    assert budget.entries == before
    assert [e.mechanism for e in budget.entries] == [
        "discrete_laplace", "discrete_laplace", "discrete_gaussian",
    ]  # fmt: skip
    assert budget.ledger()["label"].tolist() == ["laplace_count", "laplace_sum", "gaussian_mean"]
    assert "spent_epsilon=" in repr(budget)
    with pytest.raises(PrivacyError, match="need a budget with delta > 0"):
        gaussian_mean([1.0], lower=0, upper=5, epsilon=0.1, delta=1e-6,
                      budget=PrivacyBudget(5.0))  # fmt: skip


def test_ledger_is_read_only() -> None:
    budget = PrivacyBudget(1.0)
    budget.spend(0.1, label="a")
    entries = budget.entries
    assert isinstance(entries, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entries[0].epsilon = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        budget.entries = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        budget.extra = 1  # type: ignore[attr-defined]
    ledger = budget.ledger()
    ledger.loc[0, "epsilon"] = 0.0  # a copy: the budget is unchanged
    assert budget.spent_epsilon == pytest.approx(0.1)
    assert entries[0] == LedgerEntry("a", "custom", 0.1, 0.0, 0.0)


RELEASES = {
    "laplace_count": lambda b: laplace_count(5, epsilon=0.1, budget=b),
    "laplace_sum": lambda b: laplace_sum([1.0], lower=0, upper=1, epsilon=0.1, budget=b),
    "gaussian_mean": lambda b: gaussian_mean(
        [1.0], lower=0, upper=1, epsilon=0.1, delta=1e-9, budget=b
    ),
    "noisy_counts": lambda b: noisy_counts(
        pd.DataFrame({"g": ["a", "b"]}), "g", epsilon=0.1, keys=["a", "b"], budget=b
    ),
    "noisy_group_stats": lambda b: noisy_group_stats(
        pd.DataFrame({"g": ["a"], "v": [1.0]}), "g", "v", lower=0, upper=1, epsilon=0.1,
        delta=1e-9, budget=b,
    ),
    "noisy_histogram": lambda b: noisy_histogram([1.0], bins=[0, 2], epsilon=0.1, budget=b),
    "teaching_laplace": lambda b: teaching_laplace(1.0, sensitivity=1, epsilon=0.1, budget=b),
    "teaching_gaussian": lambda b: teaching_gaussian(
        1.0, sensitivity=1, epsilon=0.1, delta=1e-9, budget=b
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_every_release_charges_its_budget_or_releases_nothing(name: str) -> None:
    """Each public release function charges the budget it is given (one ledger entry with
    its own name), and an exhausted budget makes it raise before anything is computed."""
    import precisemkt.privacy as privacy

    budget = PrivacyBudget(1.0, delta=1e-6)
    RELEASES[name](budget)
    assert [e.label for e in budget.entries] == [name]
    assert budget.spent_epsilon > 0
    tiny = PrivacyBudget(1e-3, delta=1e-12)
    with pytest.raises(PrivacyError):
        RELEASES[name](tiny)
    assert tiny.entries == ()
    releases = {
        n for n in privacy.__all__ if n.startswith(("laplace", "gaussian_mean", "noisy", "teach"))
    }
    assert releases == set(RELEASES)


def test_seed_only_through_insecure_seed() -> None:
    with pytest.raises(TypeError):
        laplace_count(5, epsilon=1.0, random_state=0)  # type: ignore[call-arg]
    with pytest.raises(InvalidParameterError, match="insecure_seed must be None or"):
        laplace_count(5, epsilon=1.0, insecure_seed=-1)
    with pytest.raises(InvalidParameterError, match="insecure_seed must be None or"):
        laplace_count(5, epsilon=1.0, insecure_seed=1.5)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="epsilon must be in"):
        laplace_count(5, epsilon=0)
    with pytest.raises(InvalidParameterError, match="epsilon must be at least 2\\*\\*-30"):
        laplace_count(5, epsilon=1e-12)
    with pytest.raises(InvalidParameterError, match="lower, upper must be finite"):
        laplace_sum([1.0], lower=5, upper=1, epsilon=1)
    with pytest.raises(InvalidParameterError, match=r"lower=5, upper=1\.0"):
        laplace_sum([1.0], lower=np.int64(5), upper=np.float64(1.0), epsilon=1)
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


def test_issue_12_huge_sums_do_not_overflow() -> None:
    """laplace_sum raised OverflowError (fsum) on 1e308 values: values are now clamped and
    summed exactly as integers of grid steps; a sum that cannot fit a float is a typed
    error before anything is charged, and 1e300-scale values still work."""
    budget = PrivacyBudget(1.0)
    with pytest.raises(ValidationError, match="stay within the float range"):
        laplace_sum([1e308] * 10, lower=-1e308, upper=1e308, epsilon=1.0, budget=budget)
    assert budget.entries == ()
    res = laplace_sum([1e300] * 10, lower=0, upper=1e300, epsilon=1.0, insecure_seed=0)
    assert math.isfinite(res.value)
    assert res.units is not None
    assert abs(res.units - 10 * 10_000) < 10_000 * 40
    with pytest.raises(InvalidParameterError, match="lower, upper must be finite"):
        laplace_sum([1.0], lower=-np.inf, upper=1.0, epsilon=1.0)
