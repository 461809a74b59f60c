"""A/B test analysis with precisemkt.experiments: plan, check, test, decide."""

import numpy as np

from precisemkt import experiments as ex

# Plan: visitors per arm to detect 10% -> 11% with 80% power.
plan = ex.sample_size(0.10, 0.01, power=0.8)
print("visitors per arm:", plan.n_control)

# Check the split before reading any result (sample-ratio mismatch).
print("SRM p-value:", ex.srm_check([14_810, 14_702]).pvalue)

# Frequentist and Bayesian reads of the same counts.
res = ex.proportions_test([1_480, 1_630], [14_810, 14_702])
lo, hi = res.confidence_interval(0.95)
print(f"lift {res.effect.absolute:.4f} [{lo:.4f}, {hi:.4f}], p = {res.pvalue:.4f}")
bayes = ex.bayes_proportions([1_480, 1_630], [14_810, 14_702])
print("P(B > A) =", round(float(bayes.prob_best[1]), 4), "loss of B:", bayes.expected_loss[1])

# Thousands of experiments at once, then a false-discovery-rate correction.
rng = np.random.default_rng(0)
n = rng.integers(2_000, 20_000, size=(5_000, 2))
s = rng.binomial(n, 0.05)
p = ex.proportions_test(s, n).pvalue
print("discoveries after BH:", int((ex.adjust_pvalues(p, method="bh") < 0.05).sum()))

# Peeking every day without inflating false positives.
daily = rng.binomial(1_000, [0.10, 0.105], size=(30, 2)).cumsum(axis=0)
visitors = 1_000 * np.arange(1, 31)[:, None] * np.ones(2)
seq = ex.msprt(daily, visitors)
stopped = "never (no evidence yet)" if seq.stopped_at is None else f"day {seq.stopped_at + 1}"
print("mSPRT stopped:", stopped)
