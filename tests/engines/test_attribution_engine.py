"""path_counts on every engine equals the pandas path (paths_from_events + group-by)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.attribution import markov_attribution, path_counts, paths_from_events
from precisemkt.errors import DataQualityWarning, ValidationError
from tests.engines.helpers import collect, events

KW: dict[str, Any] = {"journey_col": "user", "time_col": "ts", "value_col": "value"}


def _quiet(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return func(*args, **kwargs)


def test_pandas_path_is_paths_from_events_grouped() -> None:
    log = events()
    journeys = _quiet(paths_from_events, log, **KW)
    counts = _quiet(path_counts, log, **KW)
    assert counts["conversions"].sum() == journeys["conversions"].sum()
    assert counts["nulls"].sum() == journeys["nulls"].sum()
    assert counts["path"].is_unique
    assert counts["path"].is_monotonic_increasing
    first = counts.iloc[0]
    rows = journeys[journeys["path"] == first["path"]]
    assert first["conversions"] == rows["conversions"].sum()
    assert first["value"] == rows["value"].sum()


def test_every_engine_equals_pandas(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    log = events()
    expected = _quiet(path_counts, log, **KW)
    got = _quiet(path_counts, to_engine(log), collect=True, **KW)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_integer_times_and_no_value(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    log = events(seed=5)
    log["ts"] = (log["ts"] - pd.Timestamp("2024-01-01")).dt.total_seconds().astype(np.int64)
    assert log["ts"].is_unique
    kw = {"journey_col": "user", "time_col": "ts", "sep": "|"}
    expected = _quiet(path_counts, log, **kw)
    got = _quiet(path_counts, to_engine(log), collect=True, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert list(got.columns) == ["path", "conversions", "nulls"]
    assert got["path"].str.contains("|", regex=False).any()


def test_lazy_stays_lazy_and_markov_solves_locally(
    to_engine: Callable[[pd.DataFrame], Any],
) -> None:
    log = events(seed=3)
    native = _quiet(path_counts, to_engine(log), **KW)
    frame = nw.from_native(native)
    counts = collect(native).sort_values("path").reset_index(drop=True)
    if isinstance(frame, nw.LazyFrame):
        assert not isinstance(native, pd.DataFrame)
    expected = _quiet(path_counts, log, **KW)
    pd.testing.assert_frame_equal(counts, expected, check_dtype=False, check_exact=True)
    ours = markov_attribution(counts, order=2, sep=">")
    theirs = markov_attribution(expected, order=2, sep=">")
    pd.testing.assert_frame_equal(ours.to_frame(), theirs.to_frame(), check_exact=True)


def test_lost_conversions_warn_on_engines(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    log = pd.DataFrame(
        {
            "user": ["a", "a", "b", "b"],
            "ts": [1, 2, 1, 2],
            "channel": [None, "email", "search", None],
            "conversion": [1, 0, 0, 1],
        }
    )
    kw = {"journey_col": "user", "time_col": "ts"}
    with pytest.warns(DataQualityWarning, match="1 conversion"):
        expected = path_counts(log, **kw)
    with pytest.warns(DataQualityWarning, match="1 conversion"):
        got = path_counts(to_engine(log), collect=True, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.to_dict("list") == {
        "path": ["email", "search"],
        "conversions": [0, 1],
        "nulls": [1, 0],
    }


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"channel": [None, "email", "tv"], "conversion": [0, 0, 1]}, "touch.*without one"),
        ({"conversion": [0, 2, 1]}, "True/False or 0/1"),
        ({"channel": ["a > b", "email", "tv"]}, "separator"),
        ({"channel": ["  ", "email", "tv"]}, "name a channel on every touch"),
        ({"value": [0.0, 0.0, -5.0]}, "non-negative"),
        ({"user": ["a", None, "a"]}, "journey of every event"),
    ],
)
def test_engine_validation(
    to_engine: Callable[[pd.DataFrame], Any], change: dict[str, list[Any]], match: str
) -> None:
    log = pd.DataFrame(
        {
            "user": ["a", "a", "a"],
            "ts": [1, 2, 3],
            "channel": ["search", "email", "tv"],
            "conversion": [0, 0, 1],
            "value": [0.0, 0.0, 5.0],
        }
    )
    bad = log.assign(**change)
    with pytest.raises(ValidationError, match=match):
        path_counts(to_engine(bad), collect=True, **KW)
    with pytest.raises(ValidationError):
        _quiet(path_counts, bad, **KW)


@settings(max_examples=25)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c", None]), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["polars_lazy", "duckdb"]),
)
def test_random_logs_without_ties(rows: list[tuple[int, str | None, bool]], kind: str) -> None:
    import duckdb
    import polars as pl

    log = pd.DataFrame(rows, columns=["user", "channel", "conversion"])
    log["conversion"] |= log["channel"].isna()  # a row without a channel is a conversion
    log["ts"] = np.random.default_rng(len(rows)).permutation(len(rows))
    kw = {"journey_col": "user", "time_col": "ts"}
    expected = _quiet(path_counts, log, **kw) if log["channel"].notna().any() else None
    native = pl.from_pandas(log).lazy() if kind == "polars_lazy" else duckdb.from_df(log)
    if expected is None:
        return
    got = _quiet(path_counts, native, collect=True, **kw)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_other_eager_frames_join_through_polars() -> None:
    import pyarrow as pa

    log = events(n=800, seed=9)
    expected = _quiet(path_counts, log, **KW)
    got = _quiet(path_counts, pa.Table.from_pandas(log, preserve_index=False), **KW)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
