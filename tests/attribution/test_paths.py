"""Reading path tables: formats, merging, and the error messages for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.attribution import heuristic_attribution, markov_attribution, shapley_attribution
from precisemkt.errors import InvalidParameterError, ValidationError
from tests.attribution.helpers import SMALL

MODELS = [
    lambda p, **k: heuristic_attribution(p, model="linear", **k),
    lambda p, **k: markov_attribution(p, **k),
    lambda p, **k: shapley_attribution(p, **k),
]


@pytest.mark.parametrize("model", MODELS)
def test_lists_strings_and_spacing_are_the_same_paths(model) -> None:  # type: ignore[no-untyped-def]
    as_lists = SMALL.assign(path=SMALL["path"].str.split(" > "))
    tight = SMALL.assign(path=SMALL["path"].str.replace(" ", ""))
    base = model(SMALL)
    for other in (as_lists, tight):
        pd.testing.assert_series_equal(model(other).conversions, base.conversions)
    custom = SMALL.assign(path=SMALL["path"].str.replace(">", "|"))
    pd.testing.assert_series_equal(model(custom, sep=" | ").conversions, base.conversions)


def test_duplicate_rows_are_merged() -> None:
    doubled = pd.concat([SMALL, SMALL], ignore_index=True)
    a = markov_attribution(SMALL)
    b = markov_attribution(doubled)
    np.testing.assert_allclose(b.conversions, 2 * a.conversions, rtol=1e-12)
    np.testing.assert_allclose(b.removal_effects, a.removal_effects, atol=1e-12)


def test_custom_column_names() -> None:
    renamed = SMALL.rename(
        columns={"path": "p", "conversions": "c", "nulls": "n", "value": "revenue"}
    )
    res = markov_attribution(
        renamed, path_col="p", conversions_col="c", nulls_col="n", value_col="revenue"
    )
    pd.testing.assert_series_equal(res.conversions, markov_attribution(SMALL).conversions)


def test_channels_are_sorted_and_named() -> None:
    res = markov_attribution(SMALL)
    assert res.conversions.index.tolist() == ["a", "b", "c", "d"]
    assert res.conversions.index.name == "channel"


def test_input_is_not_mutated() -> None:
    frame = SMALL.assign(path=SMALL["path"].str.split(" > "))
    before = frame.copy(deep=True)
    for model in MODELS:
        model(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"path": [], "conversions": []}), "paths must have at least one row"),
        (
            pd.DataFrame({"route": ["a"], "conversions": [1]}),
            "paths column\\(s\\) 'path' must be present; got columns \\['route', 'conversions'\\]",
        ),
        (
            pd.DataFrame({"path": ["a", None], "conversions": [1, 1]}),
            "paths column 'path' must have a path in every row; got 1 missing value\\(s\\) "
            "\\(first: row 1\\)",
        ),
        (
            pd.DataFrame({"path": ["a", " "], "conversions": [1, 1]}),
            "paths column 'path' must hold non-empty channel names; got the path ' ' in row 1",
        ),
        (
            pd.DataFrame({"path": ["a > > b"], "conversions": [1]}),
            "must hold non-empty channel names; got the path 'a > > b' in row 0",
        ),
        (
            pd.DataFrame({"path": [["a"], []], "conversions": [1, 1]}),
            "must hold non-empty channel names; got the path \\(\\) in row 1",
        ),
        (
            pd.DataFrame({"path": ["a"], "conversions": [-1]}),
            "paths column 'conversions' \\(conversions\\) must be non-negative",
        ),
        (
            pd.DataFrame({"path": ["a"], "conversions": [1], "nulls": [np.nan]}),
            "paths column 'nulls' must not contain NaN",
        ),
        (
            pd.DataFrame({"path": ["a"], "conversions": [0], "nulls": [0]}),
            "must count at least one journey",
        ),
        (
            pd.DataFrame({"path": ["a", "b"], "conversions": [0, 1], "value": [5.0, 1.0]}),
            "paths column 'value' must be 0 where 'conversions' is 0; got value 5.0 without "
            "conversions in row 0",
        ),
        (
            pd.DataFrame({"path": [["a>b", "c"]], "conversions": [1]}),
            "channel name 'a>b' must not contain the separator '>'",
        ),
        (
            pd.DataFrame({"path": [["a", 3]], "conversions": [1]}),
            "paths column 'path' must hold channel names as strings; got 3 \\(int\\)",
        ),
        (
            pd.DataFrame({"path": [3.5], "conversions": [1]}),
            "paths column 'path' must hold strings like 'a > b' or sequences",
        ),
        (
            pd.DataFrame({"path": ["a > b"], "conversions": [1], "touch_lags": [(1.0,)]}),
            "paths column 'touch_lags' must have one time per touch of the row's path",
        ),
        (
            pd.DataFrame({"path": ["a"], "conversions": [1], "touch_lags": [(-1.0,)]}),
            "touch_lags' \\(time from touch to journey end\\) must be non-negative",
        ),
        (
            pd.DataFrame({"path": ["a"], "conversions": [1], "touch_lags": [1.0]}),
            "paths column 'touch_lags' must hold one sequence of times per row",
        ),
    ],
)
def test_bad_tables(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        heuristic_attribution(frame)


def test_bad_types() -> None:
    with pytest.raises(InvalidParameterError, match="paths must be a pandas DataFrame"):
        markov_attribution({"path": ["a"]})  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="sep must contain a character other than"):
        markov_attribution(SMALL, sep="  ")
    with pytest.raises(InvalidParameterError, match="sep must be a string"):
        markov_attribution(SMALL, sep=1)  # type: ignore[arg-type]


def test_fractional_counts_are_weights() -> None:
    halves = SMALL.assign(
        conversions=SMALL["conversions"] / 2, nulls=SMALL["nulls"] / 2, value=SMALL["value"] / 2
    )
    a, b = markov_attribution(SMALL), markov_attribution(halves)
    np.testing.assert_allclose(b.conversions, a.conversions / 2, rtol=1e-12)
    with pytest.raises(ValidationError, match="be whole numbers to resample journeys"):
        markov_attribution(halves, n_boot=5)


def test_python_splitting_agrees_with_the_compiled_scan() -> None:
    # Multi-character separators take the Python path. (A hash collision between channel
    # names no longer does: the grouping engine compares the bytes, tests/test_grouping.py.)
    base = markov_attribution(SMALL)
    arrows = SMALL.assign(path=SMALL["path"].str.replace(">", "->"))
    pd.testing.assert_series_equal(
        markov_attribution(arrows, sep="->").conversions, base.conversions
    )


def test_unicode_names_and_white_space() -> None:
    paths = pd.DataFrame(
        {
            "path": ["réseaux\u00a0 > 搜索", "搜索 >\tréseaux", "\u00a0réseaux"],
            "conversions": [1, 2, 3],
        }
    )
    res = heuristic_attribution(paths, model="first_touch")
    assert res.conversions.to_dict() == {"réseaux": 4, "搜索": 2}
