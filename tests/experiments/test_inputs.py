"""Arm inputs go through the one validation layer (issue 14): the core checks of
``precisemkt._validation`` plus the experiment rules (arms on the last axis, observations
per experiment). Messages name the argument, the rule, the first offender and a fix."""

from __future__ import annotations

import numpy as np
import pytest

from precisemkt.errors import NotFittedError, ValidationError
from precisemkt.experiments import (
    GroupSequentialTest,
    ThompsonSampler,
    means_test,
    proportions_test,
)


def test_batch_offenders_are_named_by_experiment_and_arm():
    with pytest.raises(
        ValidationError,
        match=r"successes must not contain NaN; got 1 NaN value\(s\) \(first at index \(1, 1\)\)",
    ):
        proportions_test([[1, 2], [3, np.nan]], [[10, 10], [10, 10]])
    with pytest.raises(
        ValidationError,
        match=r"successes must contain whole numbers; got 1 fractional value\(s\) "
        r"\(first: 2\.5 at index \(0, 1\)\)\. Pass counts, not rates\.",
    ):
        proportions_test([[1, 2.5]], [[10, 10]])
    with pytest.raises(ValidationError, match=r"trials must be finite; got 1 infinite"):
        proportions_test([1, 2], [10, np.inf])


def test_raw_observations_are_named_by_position_and_shape():
    with pytest.raises(
        ValidationError,
        match=r"a must not contain NaN; got 1 NaN value\(s\) \(first at position 2\)",
    ):
        means_test([1.0, 2.0, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match=r"a must be 1-D \(one experiment\) or 2-D"):
        means_test(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValidationError, match="a must contain numbers"):
        means_test(["x", "y"], [1.0, 2.0])
    with pytest.raises(ValidationError, match="at least 2 arms on its last axis"):
        means_test(mean=[1.0], std=[1.0], n=[10])


def test_results_do_not_share_memory_with_the_inputs():
    mean = np.array([10.0, 10.5])
    res = means_test(mean=mean, std=np.array([2.0, 2.2]), n=np.array([200.0, 210.0]))
    mean[0] = 0.0
    assert res.means[0] == 10.0


def test_thompson_sampler_reads_its_prior_without_storing_state():
    ts = ThompsonSampler(2)
    assert ts.summary().shape == (2, 4)
    assert "successes_" not in vars(ts)
    ts.set_params(n_arms=3)
    assert ts.allocation_probabilities().round(4).tolist() == [0.3333, 0.3333, 0.3333]
    with pytest.raises(ValidationError, match="successes must not contain NaN"):
        ts.update([np.nan, 1, 1], [2, 2, 2])
    with pytest.raises(ValidationError, match=r"successes must lie in \[0, trials\]"):
        ts.update([3, 1, 1], [2, 2, 2])


def test_group_sequential_summary_uses_the_one_not_fitted_check():
    with pytest.raises(NotFittedError, match="GroupSequentialTest is not fitted yet"):
        GroupSequentialTest().summary()
