"""Regression tests for the bad and extreme inputs of issue 12 and the data contract (13).

Every number asserted comes from a closed form, scipy run in the test, or the same test on
rescaled data (the statistics are scale-free).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from precisemkt.errors import PrecisemktError, ValidationError
from precisemkt.experiments import (
    GroupSequentialTest,
    _bootstrap,
    bayes_proportions,
    bootstrap_test,
    cuped,
    mann_whitney,
    means_test,
    msprt,
    proportions_test,
    ratio_metric_test,
    sample_size,
    spending_function,
    wilson_interval,
)
from precisemkt.experiments._bayes import _best_by_quadrature, _Family
from precisemkt.experiments._kernels import (
    MAX_EXACT_TERMS,
    _logit_normal_greater,
    beta_prob_greater,
)
from tests.reference.experiments import logit_normal_greater_reference


def test_sample_size_too_small_an_effect_raises_instead_of_overflowing():
    # was n = -9223372036854775808 (int64 overflow)
    with pytest.raises(ValidationError, match="mde must be large enough"):
        sample_size(0.1, 1e-12)
    assert sample_size(0.1, 1e-5).n_control > 0  # about 1.4e10: still counted exactly


@pytest.mark.parametrize(
    ("successes", "trials", "level", "match"),
    [
        (0, 0, 0.95, "trials must be > 0"),
        (150, 100, 0.95, r"successes must lie in \[0, trials\]"),
        (-1, 100, 0.95, r"successes must lie in \[0, trials\]"),
        (float("nan"), 100, 0.95, "successes must not contain NaN"),
        (5, 100, 1.0, r"level must be in \(0, 1\)"),
    ],
)
def test_wilson_interval_validates(successes, trials, level, match):
    # each used to return (nan, nan)
    with pytest.raises(PrecisemktError, match=match):
        wilson_interval(successes, trials, level)


def test_wilson_interval_closed_form_still_holds():
    z = special.ndtri(0.975)
    lo, hi = wilson_interval(0, 100)
    assert lo == pytest.approx(0.0, abs=1e-15)
    assert hi == pytest.approx(z**2 / (100 + z**2), rel=1e-12)


@pytest.mark.parametrize("t", [[float("nan")], [0.5, float("nan")], [-0.1]])
def test_spending_function_rejects_nan_and_negative_fractions(t):
    with pytest.raises(ValidationError, match="information fractions"):
        spending_function(t, 0.05, "pocock")


def test_msprt_rejects_decreasing_cumulative_counts():
    with pytest.raises(ValidationError, match="trials must be cumulative"):
        msprt([[10, 12], [20, 22]], [[100, 100], [90, 200]])
    with pytest.raises(ValidationError, match="successes must be cumulative"):
        msprt([[10, 12], [9, 22]], [[100, 100], [200, 200]])
    with pytest.raises(ValidationError, match="n must be cumulative"):
        msprt(
            mean=[[1.0, 1.1], [1.0, 1.1]],
            std=[[1.0, 1.0], [1.0, 1.0]],
            n=[[100, 100], [50, 200]],
        )


def test_never_stopped_is_none_not_minus_one():
    quiet = msprt([[10, 10], [20, 20]], [[100, 100], [200, 200]])
    assert quiet.stopped_at is None
    loud = msprt([[10, 40], [20, 80]], [[100, 100], [200, 200]])
    assert loud.stopped_at == 0
    batch = msprt(
        [[[10, 10], [20, 20]], [[10, 40], [20, 80]]],
        [[[100, 100], [200, 200]], [[100, 100], [200, 200]]],
    )
    assert batch.stopped_at.tolist() == [None, 0]
    gst = GroupSequentialTest().update([0.1, 5.0], 0.5)
    assert gst.stopped_at_.tolist() == [None, 0]
    assert GroupSequentialTest().update(0.1, 0.5).stopped_at_ is None


def test_group_sequential_test_is_an_estimator():
    gst = GroupSequentialTest(alpha=0.01)
    assert repr(gst) == "GroupSequentialTest(alpha=0.01)"
    assert gst.get_params() == {"alpha": 0.01, "spending": "obrien_fleming"}


def test_ratio_metric_rejects_negative_denominators():
    # used to report an absolute lift of -1.0 with a relative lift of +0.22
    with pytest.raises(ValidationError, match="denominator must be non-negative"):
        ratio_metric_test([1, 2, 3, 4], [1, -1, 2, 2], [0, 0, 1, 1])


def test_bootstrap_needs_two_observations_per_arm():
    # one observation per arm gave p = 2 / (B + 1) = 0.0198, "significant"
    with pytest.raises(ValidationError, match="at least 2 observation"):
        bootstrap_test([1.0], [2.0], n_resamples=100, random_state=0)
    with pytest.raises(ValidationError, match="at least 2 observation"):
        bootstrap_test([1.0, 2.0], [2.0], n_resamples=100, random_state=0)


def test_bootstrap_chunks_give_the_same_replicates(monkeypatch):
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 300), rng.normal(0.2, 1, 250)
    whole = bootstrap_test(a, b, n_resamples=700, random_state=9)
    monkeypatch.setattr(_bootstrap, "_ROWS_PER_CALL", 550 * 64)  # one chunk of 64 per call
    chunked = bootstrap_test(a, b, n_resamples=700, random_state=9, progress=False)
    np.testing.assert_array_equal(whole.replicates, chunked.replicates)
    assert whole.pvalue == chunked.pvalue


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_means_test_is_exact_near_the_float_limits(scale):
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.3, 400), rng.normal(1.05, 0.3, 400)
    ref = stats.ttest_ind(b, a, equal_var=False)
    res = means_test(a * scale, b * scale)  # was nan with a RuntimeWarning at 1e300
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.effect.absolute == pytest.approx((b.mean() - a.mean()) * scale, rel=1e-9)
    lo, hi = res.confidence_interval()
    assert lo < res.effect.absolute < hi
    rlo, rhi = res.confidence_interval(relative=True)
    assert rlo < res.effect.relative < rhi


def test_proportions_test_is_finite_near_1e300():
    s, n = np.array([1e300, 2e300]), np.array([3e300, 3e300])
    res = proportions_test(s, n)  # the omnibus chi-square was nan
    assert res.pvalue == 0.0
    assert res.omnibus_pvalue == 0.0
    assert proportions_test(s, n, method="chisq").pvalue == 0.0
    same = proportions_test([1e300, 1e300], [3e300, 3e300], method="chisq")
    assert same.pvalue == 1.0
    # the chi-square statistic scales with the counts: same rates at 1e3 scale
    small = proportions_test([1000, 1100], [3000, 3000], method="chisq")
    scaled = proportions_test([1e300, 1.1e300], [3e300, 3e300], method="chisq")
    assert scaled.statistic == pytest.approx(small.statistic * 1e297, rel=1e-9)
    with pytest.raises(ValidationError, match="method='fisher'"):
        proportions_test(s, n, method="fisher")


def test_bayes_proportions_with_huge_counts_finishes_quickly():
    bayes_proportions([10**8, 10**8 + 10**4], [10**9] * 2)  # compile the kernels first
    start = time.perf_counter()
    res = bayes_proportions([10**15, 10**15 + 10**8], [10**16] * 2)  # did not end in 240 s
    assert time.perf_counter() - start < 10.0
    # closed form of the normal approximation of two Beta posteriors (sd ~ 3e-9, so the
    # skewness correction is far below the tolerance)
    a = 1.0 + np.array([10**15, 10**15 + 10**8])
    b = 1.0 + 10**16 - a + 1.0
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    expected = special.ndtr((mean[1] - mean[0]) / np.sqrt(var.sum()))
    assert res.prob_best[1] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("successes", [2 * 10**7, 3 * 10**7])
def test_logit_normal_branch_matches_quadrature(successes):
    n = 10**8
    a0, b0 = 1.0 + successes, 1.0 + n - successes
    a1, b1 = a0 + 10_000, b0 - 10_000
    assert min(a0, b0, a1, b1) > MAX_EXACT_TERMS
    quad = _best_by_quadrature(_Family("beta", np.array([[a0, a1]]), np.array([[b0, b1]])))
    assert _logit_normal_greater(a0, b0, a1, b1) == pytest.approx(quad[0][0, 1], abs=1e-8)


def _cuped_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 5.0, 400)
    v = rng.integers(0, 2, 400)
    return 0.8 * x + rng.normal(0, 3, 400) + 0.5 * v, x, v


def test_cuped_and_ratio_accept_string_labels():
    y, x, v = _cuped_data()
    codes = cuped(y, x, v)
    names = np.where(v == 1, "treatment", "control")
    assert cuped(y, x, names).pvalue == codes.pvalue
    # without a "control" label the first label in sorted order is the control
    assert cuped(y, x, np.where(v == 1, "B", "A")).pvalue == codes.pvalue
    flipped = cuped(y, x, np.where(v == 1, "B", "A"), control="B")
    assert flipped.effect.absolute == pytest.approx(-codes.effect.absolute, rel=1e-12)
    cat = pd.Categorical(np.where(v == 1, "new", "old"), categories=["old", "new"])
    assert cuped(y, x, cat).pvalue == codes.pvalue
    denominators = x + 1.0
    assert (
        ratio_metric_test(y, denominators, names).pvalue
        == ratio_metric_test(y, denominators, v).pvalue
    )
    with pytest.raises(ValidationError, match="control must be one of"):
        cuped(y, x, names, control="holdout")
    with pytest.raises(ValidationError, match="missing label"):
        cuped(y, x, np.where(v == 1, "treatment", None))


def test_unit_level_inputs_are_aligned_by_index():
    y, x, v = _cuped_data(1)
    ids = [f"u{i}" for i in range(400)]
    ys, xs, vs = pd.Series(y, ids), pd.Series(x, ids), pd.Series(v, ids)
    order = np.random.default_rng(2).permutation(400)
    base = cuped(y, x, v)
    shuffled = cuped(ys, xs.iloc[order], vs.iloc[order[::-1]])
    assert shuffled.pvalue == pytest.approx(base.pvalue, rel=1e-12)
    ratio = ratio_metric_test(ys, (xs + 1.0).iloc[order], vs)
    assert ratio.pvalue == pytest.approx(ratio_metric_test(y, x + 1.0, v).pvalue, rel=1e-12)
    other = pd.Series(x, [f"w{i}" for i in range(400)])
    with pytest.raises(ValidationError, match="same unit ids"):
        cuped(ys, other, vs)
    with pytest.raises(ValidationError, match="indexed by unit id"):
        ratio_metric_test(ys, x + 1.0, v)


def test_mann_whitney_effect_is_the_probability_of_superiority():
    a = np.array([1.0, 2.0, 2.0, 5.0, 7.0])
    b = np.array([2.0, 3.0, 6.0, 8.0, 9.0, 9.5])
    res = mann_whitney(a, b)
    greater = (b[:, None] > a[None, :]).mean()
    ties = (b[:, None] == a[None, :]).mean()
    assert res.effect == pytest.approx(greater + ties / 2, rel=1e-15)  # was Lift(0.0, nan)
    assert res.superiority == res.effect
    assert res.median_difference.absolute == np.median(b) - np.median(a)
    frame = res.to_frame()
    assert frame["effect"].iloc[0] == res.effect
    assert {"ci_low", "ci_high"} <= set(frame.columns)


def test_every_experiments_frame_names_intervals_ci_low_ci_high():
    frames = [
        msprt([[1, 2], [3, 5]], [[10, 10], [20, 20]]).to_frame(),
        proportions_test([10, 12], [100, 100]).to_frame(),
        means_test([1.0, 2.0, 3.0], [2.0, 3.0, 5.0]).to_frame(),
        bayes_proportions([10, 12], [100, 100]).to_frame(),
        bootstrap_test([1.0, 2.0], [2.0, 3.0], n_resamples=20, random_state=0).to_frame(),
    ]
    for frame in frames:
        assert {"ci_low", "ci_high"} <= set(frame.columns)
        assert not {"low", "high", "ci_lower", "ci_upper"} & set(frame.columns)


def test_exact_mann_whitney_is_bounded():
    # its recursion costs (n_a n_b)**2: 150 x 150 took 6 s, 1000 x 1000 would take hours
    with pytest.raises(PrecisemktError, match="method='exact' must have n_a \\* n_b"):
        mann_whitney(np.arange(200.0), np.arange(200.0) + 0.5, method="exact")
    small = mann_whitney(np.arange(20.0), np.arange(20.0) + 0.5, method="exact")
    ref = stats.mannwhitneyu(np.arange(20.0) + 0.5, np.arange(20.0), method="exact")
    assert small.pvalue == pytest.approx(ref.pvalue, rel=1e-10)


def test_thompson_sampler_follows_the_estimator_protocol():
    from sklearn.base import clone

    from precisemkt.experiments import ThompsonSampler

    ts = ThompsonSampler(3, min_share=0.1, random_state=0)
    assert repr(ts) == "ThompsonSampler(n_arms=3, min_share=0.1, random_state=0)"
    copy = clone(ts)
    assert copy.get_params() == ts.get_params()
    assert copy is not ts


@settings(max_examples=40)
@given(
    st.floats(1.01e7, 1e14),
    st.floats(1.01e7, 1e14),
    st.floats(-3.0, 3.0),
)
def test_logit_normal_kernel_matches_naive_reference(a: float, b: float, z: float) -> None:
    # a shift of z standard deviations of the logit spreads P over (0, 1). The reference
    # subtracts digammas of about 30 (rounding ~1e-14 in the logit); with sd >= 1e-7 that
    # moves z by < 1e-6 and P by < 1e-7
    sd = np.sqrt(1.0 / a + 1.0 / b)
    a2 = a * np.exp(z * sd)
    args = np.array([a]), np.array([b]), np.array([a2]), np.array([b])
    got = float(beta_prob_greater(*args)[0])
    assert got == pytest.approx(logit_normal_greater_reference(a, b, a2, b), abs=1e-7)


def test_three_arms_with_huge_counts_are_bounded_and_right():
    # three arms at 10**15 conversions did not finish (quadrature in the Beta scale)
    bayes_proportions([10**8, 10**8 + 10**4, 10**8], [10**9] * 3)  # compile first
    start = time.perf_counter()
    huge = bayes_proportions([10**15, 10**15 + 10**8, 10**15], [10**16] * 3)
    assert time.perf_counter() - start < 10.0
    assert huge.prob_best.sum() == pytest.approx(1.0, abs=1e-9)
    assert huge.prob_best[0] == pytest.approx(huge.prob_best[2], rel=1e-9)  # same data
    # against 400k Monte Carlo draws at 10**9 conversions: within 4 standard errors
    s = np.array([10**9, 10**9 + 10**5, 10**9 + 2 * 10**4])
    res = bayes_proportions(s, [10**10] * 3)
    draws = np.random.default_rng(0).beta(1.0 + s, 1.0 + 10**10 - s, size=(400_000, 3))
    best = draws.argmax(axis=1)[:, None] == np.arange(3)
    se = np.sqrt(best.mean(0) * (1 - best.mean(0)) / 400_000)
    assert np.all(np.abs(res.prob_best - best.mean(0)) < 4 * se)
    regret = draws.max(axis=1)[:, None] - draws
    assert np.all(np.abs(res.expected_loss - regret.mean(0)) < 4 * regret.std(0) / np.sqrt(400_000))
