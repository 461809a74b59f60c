"""Bootstrap test: the kernel against its naive reference, the generator's laws, scipy.

The kernel and ``tests/reference/experiments.py`` implement the same generator
(xoshiro256**, binomial block counts, bit-field / Lemire positions), so for one seed they
must give bit-identical replicates. The distributional tests then check that those draws
have the laws they claim.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from precisemkt._numba import njit
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments import _kernels, bootstrap_test
from precisemkt.experiments._kernels import bootstrap_kernel
from tests.reference.experiments import (
    LOG_FACTORIAL_TAIL,
    Xoshiro,
    block_counts,
    bootstrap_reference,
    bootstrap_replicate,
)


def _kernel(a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int, median: bool):
    if median:
        a, b = np.sort(a), np.sort(b)
    seeds = np.array([seed], dtype=np.uint64)
    return bootstrap_kernel(a[None], b[None], n_resamples, seeds, median)[0]


@njit()
def _kernel_binomials(seed: int, n: int, p: float, size: int) -> np.ndarray:
    """``size`` draws of the kernel's Binomial(n, p) generator from stream 0 of ``seed``."""
    state = _kernels._seed_stream(np.uint64(seed), np.uint64(0))
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i], state = _kernels._binomial(state, n, p)
    return out


def _chi2_pvalue(draws: np.ndarray, edges: np.ndarray, cdf_at_edges: np.ndarray) -> float:
    """Chi-square goodness of fit of integer ``draws`` to a law given by its cdf at ``edges``.

    Cells: ``x <= edges[0]``, ``edges[i-1] < x <= edges[i]``, ``x > edges[-1]``. A fixed
    seed is used, and a correct generator falls below 1e-4 with probability 1e-4.
    """
    keep = cdf_at_edges < 1.0  # no empty last cell
    edges, cdf_at_edges = edges[keep], cdf_at_edges[keep]
    observed = np.bincount(np.searchsorted(edges, draws), minlength=edges.size + 1)
    expected = np.diff(np.concatenate([[0.0], cdf_at_edges, [1.0]])) * draws.size
    assert expected.min() >= 20
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return float(stats.chi2.sf(chi2, edges.size))


@settings(max_examples=25)
@given(
    st.lists(st.floats(-100, 100), min_size=1, max_size=40),
    st.lists(st.floats(-100, 100), min_size=1, max_size=40),
    st.integers(0, 2**62),
    st.booleans(),
)
def test_kernel_matches_reference(a, b, seed, median):
    got = _kernel(np.array(a), np.array(b), 5, seed, median)
    np.testing.assert_array_equal(
        got, bootstrap_reference(np.array(a), np.array(b), 5, seed, median)
    )


@pytest.mark.parametrize(
    ("n_a", "n_b"),
    [(4096, 4097), (9_000, 20_000), (8_192, 12_289)],  # full, partial and one-row blocks
)
@pytest.mark.parametrize("median", [False, True])
def test_multiblock_kernel_matches_reference_exactly(n_a, n_b, median):
    rng = np.random.default_rng(n_a + n_b)
    a, b = rng.normal(size=n_a), rng.lognormal(size=n_b)
    got = _kernel(a, b, 2, 123, median)
    np.testing.assert_array_equal(got, bootstrap_reference(a, b, 2, 123, median))


def test_median_straddling_two_blocks_matches_reference():
    # n = 8192: ranks 4095 and 4096 fall in different blocks when block 0 gets exactly
    # 4096 draws; the reference's count stream finds such a resample for seed 11.
    v = np.sort(np.random.default_rng(0).normal(size=8192))
    r = next(r for r in range(1000) if block_counts(8192, Xoshiro(11, 4 * r))[0] == 4096)
    got = _kernel(v, v, r + 1, 11, True)[r, 0]
    assert got == bootstrap_replicate(v, 11, 4 * r, True)


def test_binomial_generator_matches_reference_and_law():
    assert np.array_equal(_kernels._LOG_FACTORIAL_TAIL, LOG_FACTORIAL_TAIL)  # mpmath values
    # BTRS (n p >= 10), its mirror for p > 1/2, and inversion for small n p
    for n, p in [(1_000_000, 4096 / 1e6), (5_904, 4096 / 5904), (4_097, 4096 / 4097), (30, 0.2)]:
        draws = _kernel_binomials(7, n, p, 200_000)
        ref = Xoshiro(7, 0)
        assert [ref.binomial(n, p) for _ in range(200)] == draws[:200].tolist()
        dist = stats.binom(n, p)
        edges = np.unique(dist.ppf(np.linspace(0.05, 0.95, 19))).astype(int)
        assert _chi2_pvalue(draws, edges, dist.cdf(edges)) > 1e-4, (n, p)


@pytest.mark.parametrize("n", [2, 7, 4095, 4096, 4097, 10_000])
def test_bootstrap_distribution_of_the_mean(n):
    # The bootstrap law of the mean has mean x̄ and sd s / sqrt(n), s the plug-in sd
    # (ddof=0). Over R = 4000 replicates the sample sd has relative standard error
    # sqrt((κ - 1) / (4 R)), κ = 3 + (κ_x - 3) / n the replicates' kurtosis (< 4 here):
    # at most 1.4%, so 5% is > 3.5 standard errors. The replicates' mean is within 4.5
    # standard errors (sd / sqrt(R)) of x̄.
    rng = np.random.default_rng(n)
    x = rng.exponential(size=n)
    reps = _kernel(x, x, 4000, 99, False)
    se = x.std() / np.sqrt(n)
    for col in reps.T:
        assert np.std(col) == pytest.approx(se, rel=0.05)
        assert abs(col.mean() - x.mean()) <= 4.5 * se / np.sqrt(col.size)
    one = _kernel(np.array([3.0]), np.array([3.0]), 10, 0, False)
    assert (one == 3.0).all()


def test_bootstrap_median_law_matches_exact_distribution():
    # For odd n and distinct sorted values x_(1) < ... < x_(n), the bootstrap median is
    # <= x_(k) iff at least (n+1)/2 draws are <= x_(k): P = P(Bin(n, k/n) > (n-1)/2).
    # Chi-square (20 cells of about equal probability) of 6000 kernel replicates (two
    # multiblock arms) against that exact law.
    n = 8193
    x = np.sort(np.random.default_rng(5).normal(size=n))
    reps = _kernel(x, x, 3000, 4, True).ravel()
    idx = np.searchsorted(x, reps)
    assert np.array_equal(x[idx], reps)  # every replicate is one of the data values
    k = np.arange(n + 1)
    at_most = stats.binom.sf((n - 1) // 2, n, k / n)  # P(median <= x_(k)), k = 0..n
    edges = np.searchsorted(at_most, np.linspace(0.05, 0.95, 19))  # rank cells of ~5%
    assert _chi2_pvalue(idx + 1, edges, at_most[edges]) > 1e-4


def test_replicates_do_not_depend_on_chunks_or_threads():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 5000)), rng.normal(size=(3, 300))
    seeds = np.array([1, 2, 3], dtype=np.uint64)
    full = bootstrap_kernel(a, b, 130, seeds, False)  # three chunks of resamples
    np.testing.assert_array_equal(full[:, :5], bootstrap_kernel(a, b, 5, seeds, False))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        single = bootstrap_kernel(a, b, 130, seeds, False)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(full, single)


def test_bootstrap_statistics_and_determinism():
    rng = np.random.default_rng(0)
    a, b = rng.exponential(1.0, 3000), rng.exponential(1.1, 3000)
    res = bootstrap_test(a, b, n_resamples=2000, random_state=3)
    assert res.statistic == pytest.approx(b.mean() - a.mean())
    se = np.sqrt(a.var() / 3000 + b.var() / 3000)
    # sd of 2000 replicates: relative standard error ~1.6%, so 6% is > 3.5 of them
    assert np.std(res.replicates[:, 1] - res.replicates[:, 0]) == pytest.approx(se, rel=0.06)
    again = bootstrap_test(a, b, n_resamples=2000, random_state=3)
    assert again.pvalue == res.pvalue
    assert (again.replicates == res.replicates).all()
    sci = stats.bootstrap(
        (b, a),
        lambda x, y, axis=-1: x.mean(axis) - y.mean(axis),
        n_resamples=2000,
        method="percentile",
        random_state=1,
    ).confidence_interval
    lo, hi = res.confidence_interval()
    assert lo == pytest.approx(sci.low, abs=0.25 * se)
    assert hi == pytest.approx(sci.high, abs=0.25 * se)
    med = bootstrap_test(a, b, statistic="median", n_resamples=300, random_state=1)
    assert med.statistic == pytest.approx(np.median(b) - np.median(a))
    batch = bootstrap_test(np.stack([a, a]), np.stack([b, a]), n_resamples=200, random_state=0)
    assert batch.pvalue.shape == (2,)
    assert batch.statistic[1] == 0.0
    # issue 12: one observation per arm used to give p = 2 / (B + 1) ("significant")
    with pytest.raises(ValidationError, match="at least 2 observation"):
        bootstrap_test([1.0], [2.0], n_resamples=50, random_state=0)
    with pytest.raises(InvalidParameterError, match="statistic must be one of"):
        bootstrap_test(a, b, statistic="mode")
