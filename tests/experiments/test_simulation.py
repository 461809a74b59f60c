"""Simulation checks (slow): A/A false-positive rates, peeking, interval coverage.

Tolerances: over R runs the Monte Carlo standard error of a 5% rate is
sqrt(0.05 * 0.95 / R) (0.0015 at R = 20,000), so ±0.01 is about 6.5 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from precisemkt.experiments import (
    GroupSequentialTest,
    bayes_proportions,
    bootstrap_test,
    cuped,
    mann_whitney,
    means_test,
    msprt,
    proportions_test,
    ratio_metric_test,
)

pytestmark = pytest.mark.slow
RUNS = 20_000


def _rate(reject: np.ndarray) -> float:
    return float(np.mean(reject))


def test_aa_false_positive_rate_of_fixed_horizon_tests():
    rng = np.random.default_rng(11)
    n = np.full((RUNS, 2), 2000)
    s = rng.binomial(n, 0.1)
    for method in ("z", "chisq", "fisher"):
        rate = _rate(proportions_test(s, n, method=method).pvalue < 0.05)
        # Fisher's test is conservative by construction (discrete conditional test).
        low = 0.04 if method != "fisher" else 0.035
        assert low <= rate <= 0.06, (method, rate)
    a, b = rng.normal(size=(RUNS, 60)), rng.normal(size=(RUNS, 60))
    assert abs(_rate(means_test(a, b).pvalue < 0.05) - 0.05) <= 0.01
    assert abs(_rate(mann_whitney(a, b).pvalue < 0.05) - 0.05) <= 0.01
    x = rng.poisson(5.0, (RUNS, 200)) + 1.0
    y = rng.binomial(x.astype(int), 0.3).astype(float)
    v = np.arange(200) % 2
    assert abs(_rate(ratio_metric_test(y, x, v).pvalue < 0.05) - 0.05) <= 0.01
    cov = rng.normal(size=(RUNS, 200))
    assert (
        abs(_rate(cuped(cov + rng.normal(size=(RUNS, 200)), cov, v).pvalue < 0.05) - 0.05) <= 0.01
    )


def test_aa_false_positive_rate_of_bootstrap():
    rng = np.random.default_rng(12)
    a, b = rng.exponential(size=(RUNS, 50)), rng.exponential(size=(RUNS, 50))
    res = bootstrap_test(a, b, n_resamples=199, random_state=3)
    assert abs(_rate(res.pvalue < 0.05) - 0.05) <= 0.01


def test_bootstrap_percentile_intervals_cover():
    # 95% percentile intervals of a difference in means, 200 rows per arm, B = 199:
    # the plug-in sd shrinks the interval by sqrt(199/200) (coverage 0.9494 in the limit)
    # and the finite B costs a few tenths of a percent more; 0.95 ± 0.01 is the target.
    rng = np.random.default_rng(17)
    a, b = rng.normal(10, 2, (RUNS, 200)), rng.exponential(10.5, (RUNS, 200))
    lo, hi = bootstrap_test(a, b, n_resamples=199, random_state=5).confidence_interval(0.95)
    assert abs(np.mean((lo <= 0.5) & (hi >= 0.5)) - 0.95) <= 0.01


def test_peeking_is_controlled_by_msprt_and_group_sequential():
    rng = np.random.default_rng(13)
    days, daily = 30, 200
    conv = rng.binomial(daily, 0.1, size=(RUNS, days, 2)).cumsum(axis=1)
    visitors = np.broadcast_to(daily * np.arange(1, days + 1)[None, :, None], conv.shape)
    naive = proportions_test(conv, visitors).pvalue  # z-test every day
    assert _rate((naive < 0.05).any(axis=1)) > 0.2  # the problem being solved
    assert _rate(msprt(conv, visitors).rejected) <= 0.05
    gst = GroupSequentialTest(alpha=0.05, spending="obrien_fleming")
    z = proportions_test(conv, visitors).statistic
    for day in range(days):
        gst.update(z[:, day], (day + 1) / days)
    assert _rate(gst.rejected_) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / RUNS)


def test_confidence_intervals_cover():
    rng = np.random.default_rng(14)
    n = np.array([3000, 3000])
    s = rng.binomial(n, [0.08, 0.1], size=(RUNS, 2))
    res = proportions_test(s, n)
    lo, hi = res.confidence_interval(0.95)
    assert abs(np.mean((lo <= 0.02) & (hi >= 0.02)) - 0.95) <= 0.01
    lo, hi = res.confidence_interval(0.95, relative=True)
    assert abs(np.mean((lo <= 0.25) & (hi >= 0.25)) - 0.95) <= 0.01
    a, b = rng.normal(10, 2, (RUNS, 80)), rng.normal(10.5, 3, (RUNS, 70))
    lo, hi = means_test(a, b).confidence_interval()
    assert abs(np.mean((lo <= 0.5) & (hi >= 0.5)) - 0.95) <= 0.01
    x = rng.normal(20, 4, (RUNS, 300))
    v = np.arange(300) % 2
    y = 0.7 * x + rng.normal(0, 2, (RUNS, 300)) + 0.4 * v
    lo, hi = cuped(y, x, v).confidence_interval()
    assert abs(np.mean((lo <= 0.4) & (hi >= 0.4)) - 0.95) <= 0.01  # CUPED keeps coverage


def test_msprt_confidence_sequence_covers_uniformly():
    rng = np.random.default_rng(15)
    conv = rng.binomial(200, [0.10, 0.12], size=(RUNS, 30, 2)).cumsum(axis=1)
    visitors = np.broadcast_to(200 * np.arange(1, 31)[None, :, None], conv.shape)
    res = msprt(conv, visitors)
    covered = ((res.low <= 0.02) & (res.high >= 0.02)).all(axis=1)
    assert np.mean(covered) >= 0.95


def test_bayesian_credible_intervals_are_calibrated_under_the_prior():
    rng = np.random.default_rng(16)
    rates = rng.beta(2.0, 20.0, size=(4000, 2))
    n = np.full((4000, 2), 500)
    s = rng.binomial(n, rates)
    res = bayes_proportions(s, n, prior=(2.0, 20.0))
    lo, hi = res.credible_interval(0.95)
    assert abs(np.mean((lo <= rates) & (rates <= hi)) - 0.95) <= 0.01
    # P(B > A) is calibrated: among draws it is the frequency with which B really wins
    p = res.prob_best[:, 1]
    win = rates[:, 1] > rates[:, 0]
    assert abs(np.mean(p) - np.mean(win)) <= 3 * np.sqrt(0.25 / 4000)
    assert special.ndtr(0) == 0.5
