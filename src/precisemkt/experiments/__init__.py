"""A/B testing: frequentist, Bayesian and sequential tests, CUPED, power, SRM, bandits.

Every test takes one experiment or arrays of many (arms on the last axis, control first;
raw observations one experiment per row) and returns floats or arrays of the batch shape.
"""

from __future__ import annotations

from precisemkt.experiments._bandits import ThompsonSampler
from precisemkt.experiments._bayes import BayesResult, bayes_means, bayes_proportions
from precisemkt.experiments._bootstrap import BootstrapTestResult, bootstrap_test
from precisemkt.experiments._common import Lift, MeansTestResult
from precisemkt.experiments._cuped import CupedResult, cuped
from precisemkt.experiments._mann_whitney import MannWhitneyResult, mann_whitney
from precisemkt.experiments._means import RatioMetricResult, means_test, ratio_metric_test
from precisemkt.experiments._planning import (
    SampleSize,
    SRMResult,
    adjust_pvalues,
    power,
    sample_size,
    srm_check,
)
from precisemkt.experiments._proportions import (
    ProportionsTestResult,
    proportions_test,
    wilson_interval,
)
from precisemkt.experiments._sequential import (
    GroupSequentialBounds,
    GroupSequentialTest,
    MSPRTResult,
    group_sequential_bounds,
    msprt,
    spending_function,
)

__all__ = [
    "BayesResult",
    "BootstrapTestResult",
    "CupedResult",
    "GroupSequentialBounds",
    "GroupSequentialTest",
    "Lift",
    "MSPRTResult",
    "MannWhitneyResult",
    "MeansTestResult",
    "ProportionsTestResult",
    "RatioMetricResult",
    "SRMResult",
    "SampleSize",
    "ThompsonSampler",
    "adjust_pvalues",
    "bayes_means",
    "bayes_proportions",
    "bootstrap_test",
    "cuped",
    "group_sequential_bounds",
    "mann_whitney",
    "means_test",
    "msprt",
    "power",
    "proportions_test",
    "ratio_metric_test",
    "sample_size",
    "spending_function",
    "srm_check",
    "wilson_interval",
]
