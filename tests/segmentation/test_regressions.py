"""Issue 12 and 13 regressions for segmentation: scale, typed errors, alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.segmentation import rfm_scores, rfm_segments, segment_profiles, value_tiers


def test_value_tiers_near_the_float_limit() -> None:
    # the top customers hold all the value: "A"; the 1.0 customer is last, "C"
    assert value_tiers([1e308, 1e308, 1.0]).tolist() == ["A", "A", "C"]
    # scaling by a power of two leaves the tiers of ordinary values unchanged
    values = np.array([500.0, 300.0, 100.0, 50.0, 30.0, 20.0])
    assert value_tiers(values * 2.0**1000).tolist() == value_tiers(values).tolist()


def test_value_tiers_scalar_cutoffs_is_a_typed_error() -> None:
    with pytest.raises(InvalidParameterError, match=r"cutoffs=\(0.8,\)"):
        value_tiers([1.0, 2.0], cutoffs=0.8)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="cutoffs must"):
        value_tiers([1.0, 2.0], cutoffs=["a"])  # type: ignore[list-item]


def test_value_tiers_keep_the_callers_index_and_order() -> None:
    spend = pd.Series([5.0, 500.0, 50.0], index=["c", "a", "b"])
    tiers = value_tiers(spend)
    assert list(tiers.index) == ["c", "a", "b"]
    assert tiers["a"] == "A"


def test_segment_profiles_at_1e300_scale() -> None:
    small = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    labels = ["x", "x", "y", "y"]
    expected = segment_profiles(small, labels)
    huge = segment_profiles(small.assign(a=small["a"] * 1e300), labels)
    np.testing.assert_allclose(huge["a"], expected["a"] * 1e300, rtol=1e-15)
    np.testing.assert_allclose(huge["a_z"], expected["a_z"], rtol=1e-15)
    assert huge.loc["y", "a_z"] == pytest.approx(2 / np.sqrt(5))  # closed form
    with pytest.raises(ValidationError, match="inf is not"):
        segment_profiles(small.assign(a=[1.0, np.inf, 2.0, 3.0]), labels)


def test_segment_profiles_align_labels_by_index() -> None:
    features = pd.DataFrame({"a": [1.0, 2.0, 9.0, 10.0]}, index=[11, 12, 13, 14])
    labels = pd.Series(["lo", "lo", "hi", "hi"], index=[11, 12, 13, 14])
    expected = segment_profiles(features, labels)
    shuffled = labels.iloc[[2, 0, 3, 1]]
    pd.testing.assert_frame_equal(segment_profiles(features, shuffled), expected)
    with pytest.raises(ValidationError, match="be indexed by customer id"):
        segment_profiles(features, labels.to_numpy())
    with pytest.raises(ValidationError, match="same customer ids"):
        segment_profiles(features, labels.iloc[:3])


def test_rfm_segments_with_pandas_na_scores() -> None:
    scores = pd.DataFrame(
        {
            "r_score": pd.array([5, pd.NA, 1], dtype="Int64"),
            "f_score": [5, 1, 1],
            "m_score": [4, 2, 1],
        },
        index=["a", "b", "c"],
    )
    with pytest.raises(ValidationError, match=r"row 'b', a missing value"):
        rfm_segments(scores)


def test_rfm_scores_age_col_typo_raises() -> None:
    summary = pd.DataFrame(
        {"recency": [1.0, 5.0, 9.0], "frequency": [1, 2, 3], "monetary_value": [1.0, 2, 3]}
    ).assign(T=[10.0, 10.0, 10.0])
    with pytest.raises(
        ValidationError, match=r"age_col must name a column .*'t'.*Did you mean 'T'"
    ):
        rfm_scores(summary, bins=3, age_col="t")
    # an explicit None still scores recency as it is; the default T is used when present
    as_is = rfm_scores(summary, bins=3, age_col=None)["r_score"].tolist()
    with_age = rfm_scores(summary, bins=3)["r_score"].tolist()
    assert (as_is, with_age) == ([3, 2, 1], [1, 2, 3])
    with pytest.raises(InvalidParameterError, match="recency_col must be one column name"):
        rfm_scores(summary, recency_col=["recency"])  # type: ignore[arg-type]


def test_segment_profiles_with_odd_labels() -> None:
    features = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(ValidationError, match="labels must be plain values"):
        segment_profiles(features, [[1], "a", "b"])
    with pytest.raises(ValidationError, match="one label per row"):
        segment_profiles(features, np.zeros((3, 2)))
    # labels of mixed types that cannot be sorted keep their order of appearance
    out = segment_profiles(features, [(1,), 2, 2])
    assert list(out.index) == [(1,), 2]
    assert out["a"].tolist() == [1.0, 2.5]
