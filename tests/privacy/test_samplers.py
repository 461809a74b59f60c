"""Exact discrete samplers (Canonne, Kamath & Steinke 2020) against their exact pmfs.

The distribution tests draw 10^6 values and compare the counts with the exact pmf by a
chi-square test (cells with expected count >= 5, the tails pooled); they are marked slow
(about 3-6 s each for the discrete Laplace and 6-12 s for the discrete Gaussian on the
shared 2-core machine) and still run in CI.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from precisemkt.privacy._samplers import (
    Randomness,
    bernoulli_exp,
    discrete_gaussian,
    discrete_gaussian_pmf,
    discrete_laplace,
    discrete_laplace_pmf,
)


def _chi_square_pvalue(draws: np.ndarray, pmf: np.ndarray, support: np.ndarray) -> float:
    """Chi-square goodness of fit over ``support`` with both tails pooled."""
    n = draws.size
    expected = pmf * n
    lo, hi = support[0], support[-1]
    observed = np.array([(draws == z).sum() for z in support], dtype=float)
    tails_obs = np.array([(draws < lo).sum(), (draws > hi).sum()], dtype=float)
    tails_exp = np.array([n * (1 - pmf.sum()) / 2] * 2)
    obs = np.concatenate([observed, tails_obs])
    exp = np.concatenate([expected, tails_exp])
    keep = exp >= 5
    obs = np.append(obs[keep], obs[~keep].sum())
    exp = np.append(exp[keep], exp[~keep].sum())
    if exp[-1] < 5:
        obs[-2] += obs[-1]
        exp[-2] += exp[-1]
        obs, exp = obs[:-1], exp[:-1]
    return float(stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)


@pytest.mark.slow
@pytest.mark.parametrize(("s", "t", "seed"), [(1, 2, None), (3, 1, 7), (2, 5, 11)])
def test_discrete_laplace_matches_its_pmf_on_a_million_draws(
    s: int, t: int, seed: int | None
) -> None:
    scale = t / s
    draws = discrete_laplace(Randomness(seed), s, t, 1_000_000)
    support = np.arange(-int(12 * scale) - 5, int(12 * scale) + 6)
    assert _chi_square_pvalue(draws, discrete_laplace_pmf(support, scale), support) > 1e-4
    p = math.exp(-1 / scale)
    assert draws.var() == pytest.approx(2 * p / (1 - p) ** 2, rel=0.01)


@pytest.mark.slow
@pytest.mark.parametrize(("sigma2", "seed"), [(Fraction(4), None), (Fraction(9, 4), 5)])
def test_discrete_gaussian_matches_its_pmf_on_a_million_draws(
    sigma2: Fraction, seed: int | None
) -> None:
    draws = discrete_gaussian(Randomness(seed), sigma2, 1_000_000)
    sigma = math.sqrt(sigma2)
    support = np.arange(-int(8 * sigma) - 2, int(8 * sigma) + 3)
    pmf = discrete_gaussian_pmf(support, float(sigma2))
    assert _chi_square_pvalue(draws, pmf, support) > 1e-4
    exact_var = float((pmf * support.astype(float) ** 2).sum())
    assert draws.var() == pytest.approx(exact_var, rel=0.01)


def test_discrete_and_continuous_agree_in_variance() -> None:
    """At a large scale the discrete Laplace variance 2p/(1-p)^2 and the continuous
    2 b^2 agree to O(1); the discrete Gaussian variance is within 1e-10 of sigma^2 once
    sigma >= 2 (CKS 2020, Prop. 19). Sampled: 200,000 draws each, 1% tolerance."""
    b = 20.0
    p = math.exp(-1 / b)
    assert 2 * p / (1 - p) ** 2 == pytest.approx(2 * b * b, rel=1e-3)
    draws = discrete_laplace(Randomness(3), 1, 20, 200_000)
    assert draws.var() == pytest.approx(2 * b * b, rel=0.02)
    continuous = np.random.default_rng(3).laplace(0, b, 200_000)
    assert draws.var() == pytest.approx(continuous.var(), rel=0.03)
    gauss = discrete_gaussian(Randomness(4), Fraction(100), 200_000)
    assert gauss.var() == pytest.approx(100.0, rel=0.02)
    support = np.arange(-200, 201)
    pmf = discrete_gaussian_pmf(support, 100.0)
    assert float((pmf * support**2).sum()) == pytest.approx(100.0, rel=1e-10)


@settings(max_examples=25)
@given(st.integers(0, 40), st.integers(1, 20), st.integers(0, 2**32))
def test_bernoulli_exp_mean(num: int, den: int, seed: int) -> None:
    """Bernoulli(exp(-num/den)): 4,000 draws within 4.5 standard errors of exp(-num/den)."""
    n = 4000
    draws = bernoulli_exp(
        Randomness(seed), np.full(n, num, dtype=np.int64), np.full(n, den, dtype=np.int64)
    )
    p = math.exp(-num / den)
    assert abs(draws.mean() - p) <= 4.5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_csprng_uniform_integers_are_uniform() -> None:
    """os.urandom with rejection: 300,000 draws below 7 and below 2**40 + 3 are uniform
    (chi-square over 7 cells; the mean of the large range within 5 standard errors)."""
    r = Randomness(None)
    small = r.below(np.full(300_000, 7, dtype=np.int64))
    assert small.min() >= 0
    assert small.max() <= 6
    assert stats.chisquare(np.bincount(small, minlength=7)).pvalue > 1e-4
    big_bound = (1 << 40) + 3
    big = r.below(np.full(300_000, big_bound, dtype=np.int64)).astype(float)
    sd = big_bound / math.sqrt(12 * 300_000)
    assert abs(big.mean() - (big_bound - 1) / 2) < 5 * sd
    assert all(0 <= r.below_int(10**30) < 10**30 for _ in range(100))


def test_seeded_draws_repeat_and_csprng_draws_do_not() -> None:
    a = discrete_laplace(Randomness(5), 1, 3, 50)
    b = discrete_laplace(Randomness(5), 1, 3, 50)
    assert np.array_equal(a, b)
    c = discrete_laplace(Randomness(None), 1, 3, 50)
    d = discrete_laplace(Randomness(None), 1, 3, 50)
    assert not np.array_equal(c, d)  # equal with probability < 1e-30
    assert discrete_gaussian(Randomness(1), Fraction(10**10), 3).dtype == np.int64


@pytest.mark.parametrize("kind", ["laplace", "gaussian"])
def test_scalar_path_for_few_draws_matches_the_pmf(kind: str) -> None:
    """Up to 16 draws use Python integers (no numpy per-call cost): 60,000 draws in
    batches of 10 against the exact pmf (chi-square, p > 1e-4)."""
    rand = Randomness(21)
    if kind == "laplace":
        draws = np.concatenate([discrete_laplace(rand, 2, 3, 10) for _ in range(6000)])
        support = np.arange(-20, 21)
        pmf = discrete_laplace_pmf(support, 1.5)
    else:
        draws = np.concatenate([discrete_gaussian(rand, Fraction(9, 4), 10) for _ in range(6000)])
        support = np.arange(-12, 13)
        pmf = discrete_gaussian_pmf(support, 2.25)
    assert _chi_square_pvalue(draws, pmf, support) > 1e-4


@pytest.mark.slow
def test_discrete_laplace_agrees_with_opendp() -> None:
    """Peer: OpenDP's make_laplace on integers (the same CKS sampler, in Rust). 100,000
    draws each at scale 2: chi-square test of homogeneity over |z| <= 12 (tails pooled)."""
    dp = pytest.importorskip("opendp.prelude")
    dp.enable_features("contrib")
    n = 100_000
    meas = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=2.0
    )
    theirs = np.asarray(meas([0] * n), dtype=np.int64)
    ours = discrete_laplace(Randomness(None), 1, 2, n)
    edges = np.arange(-13, 14)
    table = np.array(
        [np.bincount(np.clip(x, -13, 13) + 13, minlength=edges.size) for x in (ours, theirs)]
    )
    assert stats.chi2_contingency(table).pvalue > 1e-4
