"""Random bad frames at the profiling and segmentation entry points (issue 12).

Whatever the input (NaN, inf, 1e300, dates before 1677, mixed time zones, duplicate column
names, object/mixed columns, empty or one-row frames, string ids), a call returns a result
or raises a ``PrecisemktError`` subclass, and never modifies its input. Example counts are
small so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precisemkt.errors import DataQualityWarning, PrecisemktError
from precisemkt.profiling import (
    data_quality_report,
    lifecycle_stage,
    profile_customers,
    rfm_summary,
)
from precisemkt.segmentation import (
    KMeans,
    choose_k,
    rfm_scores,
    rfm_segments,
    segment_profiles,
    value_tiers,
)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.one_of(
    st.integers(-3, 3),
    st.sampled_from(["C1", "C2", "é", ""]),
    st.none(),
    st.just(np.nan),
    st.just(10**20),
    st.just([1]),
)
times = st.one_of(
    st.sampled_from(["2020-01-01", "1997-03-05 10:00", "garbage", "", "31/12/2020"]),
    st.sampled_from(["2020-01-01T00:00+00:00", "2020-01-01T00:00+05:00"]),
    st.just(pd.Timestamp("2020-06-01", tz="UTC")),
    st.just(pd.Timestamp("2020-06-01", tz="US/Eastern")),
    st.just(np.datetime64("1500-01-01", "s")),
    st.just(np.datetime64("2500-01-01", "s")),
    st.integers(19970101, 19971231),
    st.none(),
    st.just(np.nan),
    st.just({"day": 1}),
)
amounts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e300, 0.0, 1e-300]),
    st.sampled_from(["12.5", "ten", None]),
    st.just([2.0]),
    st.integers(-5, 5),
)


@st.composite
def logs(draw: Any) -> pd.DataFrame:
    n = draw(st.integers(0, 6))
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series([draw(ids) for _ in range(n)], dtype=object),
            "timestamp": pd.Series([draw(times) for _ in range(n)], dtype=object),
            "amount": pd.Series([draw(amounts) for _ in range(n)], dtype=object),
        }
    )
    if draw(st.booleans()):  # the usual dtypes, when they can be had
        for col in frame.columns:
            with contextlib.suppress(TypeError, ValueError):
                frame[col] = pd.to_numeric(frame[col]) if col != "timestamp" else frame[col]
        if draw(st.booleans()):
            stamps = np.array(["1500-01-01", "1980-05-05", "2400-02-29"], dtype="datetime64[s]")
            frame["timestamp"] = stamps[np.arange(n) % 3]
    if draw(st.booleans()):
        frame.index = pd.Index([f"r{i}" for i in range(n)])
    if draw(st.integers(0, 4)) == 0:  # a duplicate column name
        frame = pd.concat([frame, frame[[draw(st.sampled_from(list(frame.columns)))]]], axis=1)
    return frame


def call(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func``; a PrecisemktError is a fine answer, anything else fails the test.
    Its message shows values as a person writes them (no ``np.int64(...)``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        try:
            return func(*args, **kwargs)
        except PrecisemktError as exc:
            message = str(exc)
    assert "np.int64(" not in message
    assert "np.float64(" not in message
    return None


def unchanged(before: Any, after: Any) -> None:
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(before, after)
    else:
        np.testing.assert_array_equal(before, after)


@FUZZ
@given(logs(), st.sampled_from(["D", "W", "h", "H"]))
def test_profiling_entry_points_raise_only_typed_errors(tx: pd.DataFrame, freq: str) -> None:
    before = tx.copy()
    call(rfm_summary, tx, freq=freq)
    call(rfm_summary, tx, calibration_end="2020-03-01", observation_end="2021-01-01")
    profile = call(profile_customers, tx)
    report = call(data_quality_report, tx, now="2021-01-01")
    named = ["customer_id", "timestamp", "amount"]
    if not tx.columns[tx.columns.duplicated()].isin(named).any():
        assert report is not None  # dirty data is counted, never raised on
    if profile is not None:
        call(lifecycle_stage, profile)
    unchanged(before, tx)


profile_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e300, 0.0, -1.0])
)


@FUZZ
@given(st.integers(0, 6), st.data())
def test_lifecycle_on_random_profiles(n: int, data: st.DataObject) -> None:
    profile = pd.DataFrame(
        {
            col: [data.draw(profile_numbers) for _ in range(n)]
            for col in ("recency_days", "tenure_days", "ipt_p90_days")
        }
    )
    before = profile.copy()
    call(lifecycle_stage, profile)
    unchanged(before, profile)


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -1e300, 1e308, 0.0]),
    st.integers(-3, 3),
)


@st.composite
def summaries(draw: Any) -> pd.DataFrame:
    n = draw(st.integers(0, 7))
    cols = ["recency", "frequency", "monetary_value", "T"]
    frame = pd.DataFrame({c: [draw(numbers) for _ in range(n)] for c in cols})
    if draw(st.booleans()):
        frame["frequency"] = pd.array([draw(st.sampled_from([1, 2, None])) for _ in range(n)])
        frame["frequency"] = frame["frequency"].astype("Int64")
    if draw(st.booleans()):
        frame = frame.astype(object)
        if n:
            frame.iat[0, 0] = draw(st.sampled_from(["x", None, pd.NA, (1, 2)]))
    if draw(st.booleans()):
        frame.index = pd.Index([f"c{i}" for i in range(n)])
    if draw(st.integers(0, 4)) == 0:
        frame = pd.concat([frame, frame[["frequency"]]], axis=1)
    return frame


@FUZZ
@given(summaries(), st.data())
def test_segmentation_entry_points_raise_only_typed_errors(
    summary: pd.DataFrame, data: st.DataObject
) -> None:
    before = summary.copy()
    scores = call(rfm_scores, summary)
    if scores is not None:
        call(rfm_segments, scores)
    if not summary.columns.has_duplicates:
        call(value_tiers, summary["monetary_value"])
        call(value_tiers, summary["monetary_value"].to_numpy())
    labels = data.draw(st.lists(st.sampled_from(["a", "b", None, (1,), 2]), min_size=len(summary)))
    call(segment_profiles, summary, labels[: len(summary)])
    call(segment_profiles, summary, pd.Series(labels[: len(summary)], index=summary.index))
    call(lambda: KMeans(2, random_state=0).fit(summary))
    call(lambda: KMeans(2, random_state=0).fit(summary).predict(summary))
    call(choose_k, summary, ks=[2], random_state=0)
    unchanged(before, summary)
