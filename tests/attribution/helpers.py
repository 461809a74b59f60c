"""Shared test data for the attribution tests: a small path table and strategies."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import strategies as st

#: Ten distinct paths with nulls and values, repeated touches ("a > a > b", "c > c") and a
#: four-touch loop ("b > a > c > b"): the oracle table for the ChannelAttribution tests.
SMALL = pd.DataFrame(
    {
        "path": [
            "a > b > c",
            "a",
            "b > c",
            "c > a > b",
            "a > a > b",
            "b",
            "c > c",
            "b > a > c > b",
            "d > a",
            "d",
        ],
        "conversions": [10, 5, 7, 3, 4, 6, 2, 5, 3, 1],
        "nulls": [20, 30, 10, 8, 12, 25, 9, 4, 6, 15],
        "value": [100.0, 40, 70, 33, 44, 60, 25, 55, 30, 12],
    }
)


def rows_of(frame: pd.DataFrame) -> list[tuple[list[str], float, float, float]]:
    """The table as reference rows (channels, conversions, nulls, value)."""
    value = frame["value"] if "value" in frame else [0.0] * len(frame)
    nulls = frame["nulls"] if "nulls" in frame else [0.0] * len(frame)
    return [
        ([c.strip() for c in p.split(">")], float(c), float(n), float(v))
        for p, c, n, v in zip(frame["path"], frame["conversions"], nulls, value, strict=True)
    ]


@st.composite
def path_tables(draw: st.DrawFn, channels: str = "abcde", max_len: int = 6) -> pd.DataFrame:
    """Random path tables with at least one journey; value only where conversions > 0."""
    n_rows = draw(st.integers(1, 10))
    paths = [
        " > ".join(draw(st.lists(st.sampled_from(channels), min_size=1, max_size=max_len)))
        for _ in range(n_rows)
    ]
    conversions = draw(st.lists(st.integers(0, 30), min_size=n_rows, max_size=n_rows))
    nulls = draw(st.lists(st.integers(0, 30), min_size=n_rows, max_size=n_rows))
    if sum(conversions) + sum(nulls) == 0:
        nulls[0] = 1
    value = [c * draw(st.floats(0.5, 200.0)) if c > 0 else 0.0 for c in conversions]
    return pd.DataFrame({"path": paths, "conversions": conversions, "nulls": nulls, "value": value})


def quiet(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a peer library with its banner (stdout) and its warnings silenced."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def heuristics(
    paths: pd.DataFrame, models: tuple[str, ...] | list[str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Several heuristic models as ``{model: AttributionResult}`` (one call per model)."""
    from precisemkt.attribution import heuristic_attribution
    from precisemkt.attribution._heuristic import HEURISTIC_MODELS

    chosen = HEURISTIC_MODELS if models is None else models
    return {m: heuristic_attribution(paths, model=m, **kwargs) for m in chosen}
