"""DP tables: public and selected keys, contribution bounds, histograms, thresholds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy import noisy_counts, noisy_group_stats, noisy_histogram
from precisemkt.privacy._groups import selection_threshold

HUGE = 1e6  # epsilon so large the discrete noise is 0 with probability 1 - 2e-434294


def test_public_keys_are_all_released_and_others_dropped() -> None:
    df = pd.DataFrame({"segment": ["A"] * 5 + ["B"] * 3 + ["Z"] * 7})
    rel = noisy_counts(df, "segment", epsilon=HUGE, keys=["A", "B", "C"], insecure_seed=0)
    assert rel.table["count"].to_dict() == {"A": 5, "B": 3, "C": 0}
    assert rel.threshold is None
    assert rel.delta == 0.0
    assert rel.insecure


def test_selected_keys_hide_rare_groups_and_keep_large_ones() -> None:
    """A group of one person is released with probability at most delta (simulated: 0 of
    300 releases at delta = 1e-3 while the 200-person group is always there)."""
    df = pd.DataFrame({"segment": ["big"] * 200 + ["rare"]})
    seen_rare = 0
    for seed in range(300):
        rel = noisy_counts(df, "segment", epsilon=1.0, delta=1e-3, insecure_seed=seed)
        assert "big" in rel.table.index
        seen_rare += "rare" in rel.table.index
    assert seen_rare <= 3  # expected <= 0.3; P(> 3) < 3e-4
    assert rel.threshold == selection_threshold(1.0, 1e-3, 1, 1)


@pytest.mark.parametrize(
    ("eps", "delta", "groups", "per_group"),
    [(1.0, 1e-6, 1, 1), (0.5, 1e-8, 4, 1), (1.0, 1e-6, 3, 3), (0.1, 1e-5, 10, 10)],
)
def test_threshold_is_the_smallest_that_bounds_the_leak(
    eps: float, delta: float, groups: int, per_group: int
) -> None:
    """Direct evaluation of the leak probability with the discrete Laplace tail
    P(Z >= m) = p^m / (1 + p): at tau it is <= delta, at tau - 1 it is above."""
    tau = selection_threshold(eps, delta, groups, per_group)
    p = math.exp(-eps / groups)

    def leak(t: int) -> float:
        many = groups * p ** (t - 1)
        one = p ** (t - per_group)
        return (max(many, one) if per_group > 1 else many) / (1 + p)

    assert leak(tau) <= delta
    assert tau == per_group + 1 or leak(tau - 1) > delta


def test_cohort_retention_counts_distinct_people_and_bounds_contributions() -> None:
    """Person 1 is active in months 0-5, bounded to 2 months; people are counted once per
    month however many events they have."""
    events = pd.DataFrame(
        {
            "customer_id": [1] * 12 + [2, 2, 3],
            "cohort": ["Jan"] * 15,
            "month": [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0, 0, 1],
        }
    )
    keys = [("Jan", m) for m in range(6)]
    rel = noisy_counts(
        events,
        ["cohort", "month"],
        epsilon=HUGE,
        keys=keys,
        user_col="customer_id",
        max_groups_per_user=2,
        insecure_seed=1,
    )
    counts = rel.table["count"]
    assert counts.sum() == 2 + 1 + 1  # person 1 in 2 months, person 2 once, person 3 once
    assert counts[("Jan", 0)] >= 1
    assert rel.max_contributions == 2
    assert rel.count_scale == 2 / HUGE
    assert list(rel.table.index.names) == ["cohort", "month"]


def test_group_stats_clamp_bound_rows_and_mean() -> None:
    log = pd.DataFrame(
        {
            "customer_id": [1] * 50 + [2, 3],
            "segment": ["A"] * 50 + ["A", "B"],
            "spend": [1000.0] * 50 + [20.0, 30.0],
        }
    )
    rel = noisy_group_stats(
        log,
        "segment",
        "spend",
        lower=0,
        upper=100,
        epsilon=HUGE,
        keys=["A", "B"],
        grid_step=1.0,
        user_col="customer_id",
        max_rows_per_user=3,
        insecure_seed=2,
    )
    # customer 1 keeps 3 rows, each clamped to 100
    assert rel.table.loc["A", "count"] == 4
    assert rel.table.loc["A", "sum"] == 320.0
    assert rel.table.loc["A", "mean"] == 80.0
    assert rel.table.loc["B", "mean"] == 30.0
    assert rel.sum_scale == 3 * 100 / (HUGE / 2)


def test_group_stats_noise_scales() -> None:
    rng = np.random.default_rng(0)
    people = pd.DataFrame({"seg": rng.choice(["x", "y"], 500), "v": rng.uniform(0, 10, 500)})
    sums = []
    for seed in range(400):
        rel = noisy_group_stats(
            people, "seg", "v", lower=0, upper=10, epsilon=2.0, keys=["x", "y"],
            grid_step=1.0, insecure_seed=seed,
        )  # fmt: skip
        sums.append(rel.table.loc["x", "sum"])
    exact = np.rint(people.loc[people.seg == "x", "v"]).sum()
    p = math.exp(-1 / 10)  # half of epsilon = 1 for the sum; sensitivity 10 units
    var = 2 * p / (1 - p) ** 2
    assert np.var(sums) == pytest.approx(var, rel=0.25)
    assert abs(np.mean(sums) - exact) < 4.5 * math.sqrt(var / 400)


def test_histogram_clamps_into_the_end_bins() -> None:
    rel = noisy_histogram([-5.0, 0.0, 9.99, 10.0, 25.0, np.inf], bins=[0, 10, 20], epsilon=HUGE)
    assert rel.table["count"].tolist() == [3, 3]
    assert not rel.insecure
    assert isinstance(rel.table.index, pd.IntervalIndex)


def test_bad_arguments() -> None:
    df = pd.DataFrame({"g": ["a", None], "v": [1.0, 2.0], "u": [1, 2]})
    with pytest.raises(InvalidParameterError, match="delta must be positive when the group"):
        noisy_counts(df.fillna("b"), "g", epsilon=1.0)
    with pytest.raises(ValidationError, match="group column 'g' must have no missing"):
        noisy_counts(df, "g", epsilon=1.0, keys=["a"])
    with pytest.raises(ValidationError, match="'nope' must be present"):
        noisy_counts(df, "nope", epsilon=1.0, keys=["a"])
    with pytest.raises(InvalidParameterError, match="max_groups_per_user must be 1 without"):
        noisy_counts(df.fillna("b"), "g", epsilon=1.0, keys=["a"], max_groups_per_user=3)
    with pytest.raises(InvalidParameterError, match="keys must list the public groups"):
        noisy_counts(df.fillna("b"), "g", epsilon=1.0, keys=5)
    with pytest.raises(InvalidParameterError, match=r"tuples of 2 values"):
        noisy_counts(df.fillna("b"), ["g", "u"], epsilon=1.0, keys=["a"])
    with pytest.raises(ValidationError, match="column 'v' must have no missing"):
        noisy_counts(df.fillna("b").assign(v=[1.0, None]), "g", epsilon=1.0, keys=["a"],
                     user_col="v")  # fmt: skip
    with pytest.raises(InvalidParameterError, match="keys must not repeat"):
        noisy_counts(df.fillna("b"), "g", epsilon=1.0, keys=["a", "a"])
    with pytest.raises(InvalidParameterError, match="value_col must not be a group column"):
        noisy_group_stats(df.fillna("b"), "g", "g", lower=0, upper=1, epsilon=1, keys=["a"])
    with pytest.raises(InvalidParameterError, match="bins must be at least two increasing"):
        noisy_histogram([1.0], bins=[1, 1], epsilon=1.0)
    with pytest.raises(InvalidParameterError, match=r"max_rows_per_user \* bound / grid_step"):
        noisy_group_stats(
            df.fillna("b"), "g", "v", lower=0, upper=1e6, epsilon=1, keys=["a"],
            grid_step=1.0, user_col="u", max_rows_per_user=100,
        )  # fmt: skip
