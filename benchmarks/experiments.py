"""Experiments suite: vectorised A/B tests against statsmodels and scipy loops.

* 10k two-arm conversion experiments: ``proportions_test`` (z-test, Newcombe interval
  included) against a Python loop over statsmodels' ``proportions_ztest``.
* Bootstrap of a difference in means, 1M rows per arm x 1,000 resamples, against
  ``scipy.stats.bootstrap`` (percentile method, batched to bound its memory); the same
  for medians, ours only (scipy would take minutes more).
* Exact ``P(B > A)`` for 10k experiments against Monte Carlo with 100k draws in a loop.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from benchmarks._harness import Case
from precisemkt.experiments import bayes_proportions, bootstrap_test, proportions_test

SUITE = "experiments"


def _loop_ztest(s: np.ndarray, n: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (s0, s1), (n0, n1) in zip(s, n, strict=True):
            proportions_ztest([s1, s0], [n1, n0])


def _ours_ztest(s: np.ndarray, n: np.ndarray) -> None:
    res = proportions_test(s, n)
    res.confidence_interval(0.95)


def _scipy_bootstrap(a: np.ndarray, b: np.ndarray, resamples: int) -> None:
    def diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(x.mean(axis=axis) - y.mean(axis=axis))

    stats.bootstrap(
        (b, a), diff, n_resamples=resamples, method="percentile", batch=20, random_state=0
    )


def _mc_prob(s: np.ndarray, n: np.ndarray, draws: int) -> None:
    rng = np.random.default_rng(0)
    for (s0, s1), (n0, n1) in zip(s, n, strict=True):
        x0 = rng.beta(1 + s0, 1 + n0 - s0, draws)
        x1 = rng.beta(1 + s1, 1 + n1 - s1, draws)
        float(np.mean(x1 > x0))


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(42)
    m = 2_000 if quick else 10_000
    n = rng.integers(1_000, 50_000, size=(m, 2))
    s = rng.binomial(n, 0.05)
    rows = 100_000 if quick else 1_000_000
    resamples = 200 if quick else 1_000
    a = rng.lognormal(0.0, 1.0, rows)
    b = rng.lognormal(0.01, 1.0, rows)
    mc_m = 200 if quick else 1_000
    return [
        Case(
            name="z-test, two arms",
            size=f"{m:,} experiments",
            ours=lambda: _ours_ztest(s, n),
            rival=lambda: _loop_ztest(s, n),
            rival_name="statsmodels proportions_ztest (loop)",
            repeats=5,
            rival_repeats=1,
        ),
        Case(
            name="bootstrap, difference in means",
            size=f"{rows:,} rows/arm x {resamples:,} resamples",
            ours=lambda: bootstrap_test(a, b, n_resamples=resamples, random_state=0),
            rival=lambda: _scipy_bootstrap(a, b, resamples),
            rival_name="scipy.stats.bootstrap (percentile, batch=20)",
            repeats=1,
            rival_repeats=1,
            rival_warmup=False,
        ),
        Case(
            name="bootstrap, difference in medians",
            size=f"{rows:,} rows/arm x {resamples:,} resamples",
            ours=lambda: bootstrap_test(
                a, b, statistic="median", n_resamples=resamples, random_state=0
            ),
            repeats=3,
            note="sorting both arms included; no rival run",
        ),
        Case(
            name="P(B > A), exact vs Monte Carlo",
            size=f"{mc_m:,} experiments",
            ours=lambda: bayes_proportions(s[:mc_m], n[:mc_m]),
            rival=lambda: _mc_prob(s[:mc_m], n[:mc_m], 100_000),
            rival_name="numpy Monte Carlo, 100k draws (loop)",
            repeats=3,
            rival_repeats=1,
            note="ours is exact; the rival has Monte Carlo error ~1e-3",
        ),
    ]
