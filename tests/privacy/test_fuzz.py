"""Issue 12: random bad frames at the privacy entry points raise only precisemkt errors.

About 60 frames x 17 calls in 5-15 s.

Each example builds a small frame from dirty columns (NaN, inf, 1e300, mixed types, text
ids, unhashable lists, dates, booleans, categoricals; zero, one or a few rows; sometimes a
duplicated column name) and calls every privacy entry point on it. Whatever happens, the
only exceptions allowed are :class:`~precisemkt.errors.PrecisemktError` subclasses, and the
caller's frame must come back unchanged.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precisemkt.errors import DataQualityWarning, PrecisemktError
from precisemkt.privacy import (
    anonymize,
    check_anonymity,
    gaussian_mean,
    laplace_count,
    laplace_sum,
    noisy_counts,
    noisy_group_stats,
    noisy_histogram,
)

DIRTY_FLOATS = [0.0, 1.5, -2.0, np.nan, np.inf, -np.inf, 1e300, -1e300, 5e-324]


@st.composite
def columns(draw: st.DrawFn, n: int) -> pd.Series:
    kind = draw(
        st.sampled_from(
            [
                "float",
                "int",
                "text_id",
                "mixed",
                "unhashable",
                "date",
                "bool",
                "category",
                "nullable_int",
            ]
        )
    )
    if kind == "float":
        data: object = draw(st.lists(st.sampled_from(DIRTY_FLOATS), min_size=n, max_size=n))
    elif kind == "int":
        data = draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
    elif kind == "text_id":
        data = [f"C{draw(st.integers(0, 3)):05d}" for _ in range(n)]
    elif kind == "mixed":
        data = pd.array(
            draw(st.lists(st.sampled_from([1, "a", None, 2.5, True]), min_size=n, max_size=n)),
            dtype=object,
        )
    elif kind == "unhashable":
        data = pd.array(
            draw(st.lists(st.sampled_from([[1], {"a": 1}, "x"]), min_size=n, max_size=n)),
            dtype=object,
        )
    elif kind == "date":
        data = pd.to_datetime(
            draw(
                st.lists(
                    st.sampled_from(["2020-01-01", "1999-12-31", None]), min_size=n, max_size=n
                )
            )
        )
    elif kind == "bool":
        data = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "category":
        data = pd.Categorical(
            draw(st.lists(st.sampled_from(["u", "v", None]), min_size=n, max_size=n))
        )
    else:
        data = pd.array(
            draw(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=n, max_size=n)),
            dtype="Int64",
        )
    return pd.Series(data, dtype=None if kind != "text_id" else "str")


@st.composite
def bad_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.sampled_from([0, 1, 2, 5, 8]))
    n_cols = draw(st.integers(1, 4))
    names = [f"c{i}" for i in range(n_cols)]
    if n_cols > 1 and draw(st.booleans()):
        names[-1] = names[0]  # duplicate column name
    data = {i: draw(columns(n)).to_numpy() for i in range(n_cols)}
    df = pd.DataFrame(data)
    df.columns = pd.Index(names)
    if draw(st.booleans()):
        df.index = pd.Index([f"id{i}" for i in range(n)])  # string ids
    return df


def _calls(df: pd.DataFrame, col: str, other: str, k: int) -> list[Callable[[], object]]:
    return [
        lambda: check_anonymity(df, [col]),
        lambda: check_anonymity(df, [col], sensitive=other).violations(k=k, l=2, t=0.5),
        lambda: check_anonymity(df, [col], sensitive=other).recursive_c(2),
        lambda: check_anonymity(df, col, sensitive=other).satisfies(k=k, l=1.5, l_kind="entropy"),
        lambda: anonymize(df, [col], k=k, undeclared="drop"),
        lambda: anonymize(df, [col], k=k, l=2, sensitive=other, method="global"),
        lambda: anonymize(df, [col], k=k, insensitive=other, method="mondrian"),
        lambda: laplace_count(df, epsilon=1.0),
        lambda: laplace_sum(df[col], lower=0, upper=10, epsilon=1.0),
        lambda: gaussian_mean(df[col], lower=-1, upper=1, epsilon=1.0, delta=1e-6),
        lambda: noisy_histogram(df[col], bins=[0, 1, 2], epsilon=1.0),
        lambda: noisy_counts(df, col, epsilon=1.0, delta=1e-6),
        lambda: noisy_counts(df, [col], epsilon=1.0, keys=[1, "a"], user_col=other),
        lambda: noisy_group_stats(df, col, other, lower=0, upper=5, epsilon=1.0, delta=1e-6),
        lambda: noisy_group_stats(
            df, [col], other, lower=0, upper=5, epsilon=1.0, keys=["u"], user_col=col
        ),
    ]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(bad_frames(), st.integers(1, 3))
def test_bad_frames_raise_only_precisemkt_errors_and_are_not_modified(
    df: pd.DataFrame, k: int
) -> None:
    original = df.copy(deep=True)
    col = str(df.columns[0])
    other = str(df.columns[-1]) if df.shape[1] > 1 else "missing"
    for call in _calls(df, col, other, k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            with contextlib.suppress(PrecisemktError):
                call()
        pd.testing.assert_frame_equal(df, original)
