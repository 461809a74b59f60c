"""The engine paths on PySpark (local mode): every result equals the pandas path."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from precisemkt.attribution import path_counts
from precisemkt.errors import DataQualityWarning
from precisemkt.privacy import check_anonymity
from precisemkt.profiling import rfm_summary
from precisemkt.segmentation import rfm_scores
from tests.engines.helpers import collect, events, people, summary, transactions

pytest.importorskip("pyspark")

pytestmark = pytest.mark.spark


def test_rfm_summary(to_spark: Callable[[pd.DataFrame], Any]) -> None:
    log = transactions()
    kw: dict[str, Any] = {"observation_end": "2024-12-31", "freq": "W"}
    expected = rfm_summary(log, **kw)
    got = rfm_summary(to_spark(log), collect=True, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type=False)


def test_path_counts(to_spark: Callable[[pd.DataFrame], Any]) -> None:
    log = events()
    kw: dict[str, Any] = {"journey_col": "user", "time_col": "ts", "value_col": "value"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        expected = path_counts(log, **kw)
        got = path_counts(to_spark(log), collect=True, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("sensitive", ["disease", "income"])
def test_check_anonymity(to_spark: Callable[[pd.DataFrame], Any], sensitive: str) -> None:
    table = people()
    qis = ["age", "zip", "sex"]
    expected = check_anonymity(table, qis, sensitive=sensitive)
    got = check_anonymity(to_spark(table), qis, sensitive=sensitive)
    for field in ("n_rows", "n_classes", "k", "l_distinct", "l_entropy", "t", "t_distance"):
        assert getattr(got, field) == getattr(expected, field), field
    assert sorted(got.class_sizes.tolist()) == sorted(expected.class_sizes.tolist())


def test_rfm_scores(to_spark: Callable[[pd.DataFrame], Any]) -> None:
    table = summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        expected = rfm_scores(table.set_index("customer_id"))
        native = rfm_scores(to_spark(table))
    got = collect(native).set_index("customer_id").loc[expected.index, expected.columns]
    pd.testing.assert_frame_equal(
        got, expected, check_dtype=False, check_index_type=False, check_exact=True
    )
