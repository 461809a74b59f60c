"""rfm_scores on every engine equals the pandas path, ties and warnings included."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.errors import DataQualityWarning, ValidationError
from precisemkt.segmentation import rfm_scores
from precisemkt.segmentation._engine import scores_of_values
from precisemkt.segmentation._rfm import _scores
from tests.engines.helpers import collect, summary

SCORES = ["r_score", "f_score", "m_score", "rfm_code"]


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    return sorted(str(w.message) for w in caught if issubclass(w.category, DataQualityWarning))


@pytest.mark.parametrize(("bins", "age_col"), [(5, "T"), (3, None), (9, "T")])
def test_every_engine_equals_pandas(
    to_engine: Callable[[pd.DataFrame], Any], bins: int, age_col: str | None
) -> None:
    table = summary()
    with warnings.catch_warnings(record=True) as caught_pandas:
        warnings.simplefilter("always")
        expected = rfm_scores(table.set_index("customer_id"), bins=bins, age_col=age_col)
    with warnings.catch_warnings(record=True) as caught_engine:
        warnings.simplefilter("always")
        native = rfm_scores(to_engine(table), bins=bins, age_col=age_col)
    assert _messages(caught_engine) == _messages(caught_pandas)
    got = collect(native).set_index("customer_id").loc[expected.index, SCORES]
    pd.testing.assert_frame_equal(
        got, expected, check_dtype=False, check_index_type=False, check_exact=True
    )
    assert list(collect(native).columns) == [*table.columns, *SCORES]


@pytest.mark.filterwarnings("ignore::precisemkt.errors.DataQualityWarning")
def test_lazy_stays_lazy(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    source = to_engine(summary(n=50))
    out = rfm_scores(source)
    assert isinstance(nw.from_native(out), type(nw.from_native(source)))


def test_non_finite_values_are_named(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    table = summary(n=20)
    table.loc[3, "monetary_value"] = np.inf
    with pytest.raises(ValidationError, match=r"'monetary_value'.*1 missing or non-finite"):
        rfm_scores(to_engine(table))


@given(
    st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, 2.5, 7.0, 1e300]), min_size=1, max_size=60),
    st.integers(2, 9),
    st.booleans(),
)
def test_scores_from_counts_match_rows(values: list[float], bins: int, higher: bool) -> None:
    """Scores of the distinct values, from their counts, equal the row-wise scores."""
    arr = np.array(values)
    uniq, counts = np.unique(arr, return_counts=True)
    # split one value's count in two (an engine may group -0.0 and 0.0 apart)
    values_in = np.concatenate([uniq, uniq[:1]])
    counts_in = np.concatenate([counts, [0]])
    got_values, got_scores = scores_of_values(values_in, counts_in, bins, higher)
    by_value = dict(zip(got_values.tolist(), got_scores.tolist(), strict=True))
    expected = _scores(arr, bins, higher_is_better=higher)
    assert [by_value[v] for v in arr.tolist()] == expected.tolist()
