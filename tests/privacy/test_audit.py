"""Privacy audits: the privacy actually delivered, measured from the outputs.

In the style of Jagielski, Ullman & Oprea (2020) and Nasr et al. (2021): run a mechanism
many times on two neighbouring datasets ``D0`` and ``D1``, take an event ``S`` fixed in
advance (a half-line above the exact answer on ``D1``, where the likelihood ratio of a
location family with log-concave noise is largest), estimate ``p0 = P[M(D0) in S]`` and
``p1 = P[M(D1) in S]`` with Clopper-Pearson intervals (each side at 99.95%, so the bound
holds with probability 99.9%), and report the lower bound

    epsilon_lb = ln( (p1_low - delta) / p0_high )

which any (epsilon, delta)-DP mechanism keeps below epsilon. For the Gaussian mean the
claim is rho-zCDP with Gaussian noise of ``sigma >= Δ / sqrt(2 rho)``, which is exactly
``mu``-Gaussian DP with ``mu = sqrt(2 rho)`` (Dong, Roth & Su 2022); its audit bound is
``mu_lb = Phi^-1(p1_low) - Phi^-1(p0_high)`` (tight for Gaussian noise, where the
(epsilon, delta) bound would need millions of runs to see a tail).

Every audit must (a) stay below the claimed value for the real mechanism and (b) exceed it
for the same mechanism with its noise scale halved, which proves the audit has the power
to catch a broken calibration. 10,000 runs per dataset for the one-value releases
(about 3-8 s each on the shared machine).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from precisemkt.privacy import (
    gaussian_mean,
    laplace_count,
    laplace_sum,
    noisy_counts,
    noisy_histogram,
)
from precisemkt.privacy._budget import rho_for
from precisemkt.privacy._dp import gaussian_sigma2_units, laplace_noise, make_grid, randomness
from precisemkt.privacy._samplers import discrete_gaussian

RUNS = 10_000
LEVEL = 0.9995  # per side


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    alpha = 1 - LEVEL
    lo = 0.0 if k == 0 else float(stats.beta.ppf(alpha, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - alpha, k + 1, n - k))
    return lo, hi


def event_probabilities(
    mechanism: Callable[[int], float], threshold: float, runs: int = RUNS
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Clopper-Pearson bounds on P[M(D_b) >= threshold] for b = 0, 1."""
    out = []
    for b in (0, 1):
        hits = sum(mechanism(b) >= threshold for _ in range(runs))
        out.append(clopper_pearson(hits, runs))
    return out[0], out[1]


def epsilon_lower_bound(
    mechanism: Callable[[int], float], threshold: float, runs: int = RUNS
) -> float:
    (_, p0_hi), (p1_lo, _) = event_probabilities(mechanism, threshold, runs)
    return math.log(p1_lo / p0_hi) if p1_lo > 0 else 0.0


# ---- counts: D0 has 100 records, D1 one more -------------------------------------------


def count(b: int) -> float:
    return laplace_count(100 + b, epsilon=1.0).value


def count_broken(b: int) -> float:
    # the same mechanism with the noise scale halved (epsilon doubled inside the sampler)
    return 100 + b + int(laplace_noise(randomness(None), 1, 2.0, 1)[0])


# ---- sums: D1 adds one record at the upper bound ----------------------------------------

SUM_D0 = [1.0, 2.5, 7.0, 30.0]  # 30 is clamped to 10: exact sums 21 and 31 (unit grid)
GRID = make_grid(0, 10, 1.0)


def total(b: int) -> float:
    return laplace_sum(
        [*SUM_D0, *([10.0] * b)], lower=0, upper=10, epsilon=1.0, grid_step=1.0
    ).value


def total_broken(b: int) -> float:
    exact = sum(GRID.units(np.array([*SUM_D0, *([10.0] * b)])).tolist())
    return float(exact + int(laplace_noise(randomness(None), 10, 2.0, 1)[0]))


# ---- histogram: D1 adds one record to the first bin -------------------------------------


def histogram(b: int) -> float:
    values = [5.0] * (40 + b) + [15.0] * 30
    return float(noisy_histogram(values, bins=[0, 10, 20], epsilon=1.0).table["count"].iloc[0])


def histogram_broken(b: int) -> float:
    return 40 + b + int(laplace_noise(randomness(None), 1, 2.0, 1)[0])


# ---- segment table with public keys: D1 adds one person to segment "A" --------------------


def segments(b: int) -> float:
    df = pd.DataFrame({"segment": ["A"] * (25 + b) + ["B"] * 10})
    rel = noisy_counts(df, "segment", epsilon=1.0, keys=["A", "B"])
    return float(rel.table.loc["A", "count"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mechanism", "broken", "threshold", "runs"),
    [
        (count, count_broken, 101, RUNS),
        (total, total_broken, 31, RUNS),
        (histogram, histogram_broken, 41, 3000),
        (segments, None, 26, 2000),
    ],
    ids=["laplace_count", "laplace_sum", "noisy_histogram", "noisy_counts"],
)
def test_laplace_audit_stays_below_epsilon_and_flags_halved_noise(
    mechanism: Callable[[int], float],
    broken: Callable[[int], float] | None,
    threshold: float,
    runs: int,
) -> None:
    """Claimed epsilon = 1. With the cut at D1's exact answer the true ratio is e^epsilon,
    so the bound is close to 1 for the real mechanism (0.90 expected at 10,000 runs, 0.78
    at 2,000) and close to 2 for the broken one. The table functions cost a few ms per
    call (pandas), so they run 2,000-3,000 times."""
    eps_lb = epsilon_lower_bound(mechanism, threshold, runs)
    assert 0.5 < eps_lb <= 1.0
    if broken is not None:
        assert epsilon_lower_bound(broken, threshold, runs) > 1.0


# ---- Gaussian mean (replace-one, n public): D0 has a record at 0, D1 at 10 ----------------

MEAN_D0 = [5.0] * 9


def mean(b: int) -> float:
    values = [*MEAN_D0, 10.0 * b]
    return gaussian_mean(values, lower=0, upper=10, epsilon=1.0, delta=1e-6, grid_step=0.01).value


def mean_broken(b: int) -> float:
    grid = make_grid(0, 10, 0.01)
    units = sum(grid.units(np.array([*MEAN_D0, 10.0 * b])).tolist())
    sigma2 = gaussian_sigma2_units(grid.upper - grid.lower, rho_for(1.0, 1e-6)) / 4
    noisy = units + int(discrete_gaussian(randomness(None), sigma2, 1)[0])
    return (2 * noisy + 10) // 20 * 0.01


@pytest.mark.slow
def test_gaussian_audit_stays_below_mu_and_flags_halved_noise() -> None:
    mu = math.sqrt(2 * rho_for(1.0, 1e-6))
    # the cut halfway between the two exact means (4.5 and 5.5)
    threshold = 5.0
    for mechanism, below in ((mean, True), (mean_broken, False)):
        (_, p0_hi), (p1_lo, _) = event_probabilities(mechanism, threshold)
        mu_lb = float(stats.norm.ppf(p1_lo) - stats.norm.ppf(p0_hi))
        assert (mu_lb <= mu) is below, (mechanism.__name__, mu_lb, mu)
