"""Bayesian analysis (mpmath, Monte Carlo, quadrature) and the Thompson sampler."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments import ThompsonSampler, bayes_means, bayes_proportions
from precisemkt.experiments._kernels import beta_prob_greater
from tests.reference.experiments import prob_greater_reference


def _mp_prob_b_beats_a(a1: int, b1: int, a2: int, b2: int) -> float:
    """Evan Miller's sum at 50 significant digits: first term from mpmath's loggamma,
    later terms by the exact ratio of consecutive terms, all in 50-digit arithmetic."""
    mpmath.mp.dps = 50
    a1, b1, b2 = mpmath.mpf(a1), mpmath.mpf(b1), mpmath.mpf(b2)
    term = mpmath.exp(
        mpmath.loggamma(a1)
        + mpmath.loggamma(b1 + b2)
        - mpmath.loggamma(a1 + b1 + b2)
        - (mpmath.loggamma(a1) + mpmath.loggamma(b1) - mpmath.loggamma(a1 + b1))
    )
    total = mpmath.mpf(0)
    for i in range(a2):
        total += term
        term *= (a1 + i) * (b2 + i) / ((i + 1) * (a1 + b1 + b2 + i))
    return float(total)


@pytest.mark.parametrize(
    ("conv", "visitors"),
    [
        ((21_000, 21_400), (1_000_000, 1_000_000)),  # 20k+ conversions per arm
        ((20_500, 20_000), (400_000, 395_000)),
        ((3, 7), (40, 45)),
    ],
)
def test_prob_b_beats_a_matches_mpmath(conv, visitors):
    res = bayes_proportions(conv, visitors)
    a = [1 + c for c in conv]
    b = [1 + n - c for c, n in zip(conv, visitors, strict=True)]
    exact = _mp_prob_b_beats_a(a[0], b[0], a[1], b[1])
    assert abs(res.prob_best[1] - exact) < 1e-10


@settings(max_examples=40)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 60), st.floats(0.5, 60))
def test_kernel_matches_naive_sum(a1, b1, a2, b2):
    got = beta_prob_greater(*(np.array([v], dtype=float) for v in (a1, b1, a2, b2)))[0]
    assert got == pytest.approx(prob_greater_reference(a1, b1, a2, b2), abs=1e-12)


def test_two_arm_against_monte_carlo_and_quadrature():
    res = bayes_proportions([120, 150], [1000, 1000])
    rng = np.random.default_rng(0)
    x0, x1 = rng.beta(121, 881, 400_000), rng.beta(151, 851, 400_000)
    se = 0.5 / np.sqrt(400_000)
    assert abs(res.prob_best[1] - (x1 > x0).mean()) < 5 * se
    assert res.expected_loss[0] == pytest.approx(np.maximum(x1 - x0, 0).mean(), rel=0.01)
    lo, hi = res.lift_interval()
    assert lo == pytest.approx(np.quantile(x1 - x0, 0.025), abs=5e-4)
    assert hi == pytest.approx(np.quantile(x1 - x0, 0.975), abs=5e-4)
    # Jeffreys prior has no whole-number parameter: quadrature path, checked by MC.
    jeff = bayes_proportions([120, 150], [1000, 1000], prior=(0.5, 0.5))
    y0, y1 = rng.beta(120.5, 880.5, 400_000), rng.beta(150.5, 850.5, 400_000)
    assert abs(jeff.prob_best[1] - (y1 > y0).mean()) < 5 * se


def test_many_arms_quadrature_sums_to_one_and_matches_exact_pairs():
    res = bayes_proportions([120, 150, 140, 90], [1000, 1000, 1000, 800])
    assert res.prob_best.sum() == pytest.approx(1.0, abs=1e-9)
    two = bayes_proportions([120, 150], [1000, 1000])
    assert res.prob_beats_control[0] == pytest.approx(two.prob_best[1], abs=1e-12)
    rng = np.random.default_rng(1)
    draws = np.stack(
        [
            rng.beta(1 + s, 1 + n - s, 400_000)
            for s, n in [(120, 1000), (150, 1000), (140, 1000), (90, 800)]
        ]
    )
    mc = np.bincount(draws.argmax(0), minlength=4) / 400_000
    np.testing.assert_allclose(res.prob_best, mc, atol=4e-3)
    np.testing.assert_allclose(res.expected_loss, (draws.max(0) - draws).mean(1), atol=2e-4)


def test_normal_model():
    res = bayes_means([10.0, 10.4], [3.0, 3.0], [400, 400])
    sd = np.sqrt(2 * 9 / 400)
    assert res.prob_best[1] == pytest.approx(stats.norm.cdf(0.4 / sd), rel=1e-12)
    three = bayes_means([10.0, 10.4, 10.2], [3.0, 3.0, 3.0], [400, 400, 400])
    assert three.prob_best.sum() == pytest.approx(1.0, abs=1e-9)
    prior = bayes_means([10.0, 10.4], [3.0, 3.0], [400, 400], prior_mean=10.0, prior_std=0.1)
    assert prior.prob_best[1] < res.prob_best[1]
    with pytest.raises(ValidationError, match="std must be > 0"):
        bayes_means([1.0, 2.0], [0.0, 1.0], [10, 10])


def test_zero_conversions_and_vectorised():
    res = bayes_proportions([[0, 0], [5, 9]], [[100, 100], [100, 100]])
    assert res.prob_best[0, 1] == pytest.approx(0.5, abs=1e-12)
    assert np.isfinite(res.expected_loss).all()
    with pytest.raises(InvalidParameterError, match="prior must be a pair"):
        bayes_proportions([1, 2], [10, 10], prior=(1,))


def test_thompson_sampler_is_reproducible_and_honours_min_share():
    ts = ThompsonSampler(3, min_share=0.1, random_state=7).update([10, 30, 12], [200, 200, 200])
    probs = ts.allocation_probabilities()
    assert probs.min() >= 0.1 - 1e-12
    assert probs.sum() == pytest.approx(1.0)
    picks = ts.select(40_000)
    np.testing.assert_allclose(np.bincount(picks, minlength=3) / 40_000, probs, atol=0.01)
    again = ThompsonSampler(3, min_share=0.1, random_state=7).update([10, 30, 12], [200, 200, 200])
    assert (again.select(40_000) == picks).all()
    with pytest.raises(InvalidParameterError, match="min_share"):
        ThompsonSampler(3, min_share=0.5).allocation_probabilities()
