"""value_tiers and segment_profiles: naive reference, definitions, messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import profile_customers
from precisemkt.segmentation import segment_profiles, value_tiers
from tests.reference import segmentation as ref


@given(
    st.lists(st.integers(0, 1000).map(float), min_size=1, max_size=60),
    st.sampled_from([(0.8, 0.95), (0.5,), (0.2, 0.5, 0.9)]),
)
def test_tiers_match_reference(values: list[float], cutoffs: tuple[float, ...]) -> None:
    series = pd.Series(values, index=[f"c{i}" for i in range(len(values))])
    before = series.copy()
    tiers = value_tiers(series, cutoffs=cutoffs)
    pd.testing.assert_series_equal(series, before)
    assert tiers.cat.codes.tolist() == ref.tiers(values, cutoffs)
    assert tiers.index.equals(series.index)
    # equal values share a tier; a larger value never gets a worse tier
    order = np.argsort(values)
    codes = tiers.cat.codes.to_numpy()[order]
    assert np.all(np.diff(codes) <= 0)


def test_tiers_on_cdnow_spend() -> None:
    spend = load_cdnow().groupby("customer_id")["amount"].sum()
    tiers = value_tiers(spend)
    share = spend.groupby(tiers, observed=False).sum() / spend.sum()
    # the A tier holds at least 80% of the value, A+B at least 95%; the tiers are nested
    assert share["A"] >= 0.8
    assert share["A"] + share["B"] >= 0.95
    assert share["A"] - spend[tiers == "A"].min() / spend.sum() < 0.8
    assert list(tiers.cat.categories) == ["A", "B", "C"]


def test_tiers_edge_cases_and_messages() -> None:
    assert value_tiers([0.0, 0.0]).tolist() == ["C", "C"]
    assert value_tiers([5.0]).tolist() == ["A"]
    assert value_tiers(np.array([3.0, 1.0]), labels=["gold", "rest"], cutoffs=(0.5,)).tolist() == [
        "gold",
        "rest",
    ]
    with pytest.raises(ValidationError, match=r"values must be non-negative"):
        value_tiers([1.0, -2.0])
    with pytest.raises(ValidationError, match=r"values must not contain missing values"):
        value_tiers([1.0, np.nan])
    with pytest.raises(InvalidParameterError, match=r"cutoffs must be strictly increasing"):
        value_tiers([1.0], cutoffs=(0.9, 0.8))
    with pytest.raises(InvalidParameterError, match=r"labels must be 3 distinct names"):
        value_tiers([1.0], labels=["a", "b"])


def test_segment_profiles_definitions() -> None:
    profile = profile_customers(load_cdnow(), observation_end="1998-06-30")
    features = profile[["n_orders", "total_spend", "recency_days", "ipt_mean_days"]]
    labels = profile["lifecycle_stage"].astype(str)
    out = segment_profiles(features, labels)
    assert out["size"].sum() == len(profile)
    assert out["share"].sum() == pytest.approx(1.0)
    for stage, group in features.groupby(labels):
        assert out.loc[stage, "n_orders"] == pytest.approx(group["n_orders"].mean())
        z = (group["total_spend"].mean() - features["total_spend"].mean()) / features[
            "total_spend"
        ].std(ddof=0)
        assert out.loc[stage, "total_spend_z"] == pytest.approx(z)
        # NaN gaps of one-time buyers are left out of the means
        assert out.loc[stage, "ipt_mean_days"] == pytest.approx(group["ipt_mean_days"].mean())
    top = out.loc["active", "distinguishing"].split(", ")
    assert len(top) == 3
    assert top[0].startswith(("n_orders", "total_spend", "recency_days"))


def test_segment_profiles_messages_and_constant_feature() -> None:
    features = pd.DataFrame({"a": [1.0, 2.0, 3.0], "const": [5.0, 5.0, 5.0]})
    out = segment_profiles(features, np.array([0, 0, 1]))
    assert (out["const_z"] == 0).all()
    with pytest.raises(
        ValidationError, match=r"features and labels must be indexed by the same customer ids"
    ):
        segment_profiles(features, pd.Series([0, 1, 1], index=[5, 6, 7]))
    with pytest.raises(ValidationError, match=r"must have the same length"):
        segment_profiles(features, [0, 1])
