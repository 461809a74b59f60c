"""Shapley attribution: brute-force coalition enumeration, the Zhao et al. closed form
and its identity with the exact values of the conversions game."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.attribution import shapley_attribution
from precisemkt.errors import DataQualityWarning, InvalidParameterError
from tests.attribution.helpers import SMALL, path_tables, rows_of
from tests.reference import attribution as ref

TEN = "abcdefghij"


def assert_brute_force(paths: pd.DataFrame, kind: str) -> None:
    with warnings.catch_warnings():  # the rate game warns about negative credits
        warnings.simplefilter("ignore", DataQualityWarning)
        res = shapley_attribution(paths, value=kind)
    conv, value = ref.shapley(rows_of(paths), kind)
    for ours, theirs in [(res.conversions, conv), (res.value, value)]:
        assert ours is not None
        np.testing.assert_allclose(ours, pd.Series(theirs)[ours.index], rtol=1e-10, atol=1e-10)


@given(path_tables(channels="abcdef"), st.sampled_from(["conversion_rate", "conversions"]))
def test_exact_equals_brute_force(paths: pd.DataFrame, kind: str) -> None:
    # Reference: the textbook formula over every coalition, v(S) straight from the rows.
    assert_brute_force(paths, kind)


@pytest.mark.parametrize("kind", ["conversion_rate", "conversions"])
def test_exact_equals_brute_force_with_ten_channels(kind: str) -> None:
    rng = np.random.default_rng(10)
    rows = []
    for _ in range(60):
        path = rng.choice(list(TEN), size=int(rng.integers(1, 6)))
        conv = int(rng.integers(0, 20))
        rows.append((" > ".join(path), conv, int(rng.integers(0, 40)), conv * rng.uniform(5, 50)))
    paths = pd.DataFrame(rows, columns=["path", "conversions", "nulls", "value"])
    assert shapley_attribution(paths).conversions.size == 10
    assert_brute_force(paths, kind)


def simplified_closed_form(paths: pd.DataFrame) -> pd.Series:
    """Zhao et al. (2018): each converting path's conversions split equally over its
    distinct channels."""
    credit: dict[str, float] = {}
    for channels, conv, _, _ in rows_of(paths):
        distinct = set(channels)
        for ch in distinct:
            credit[ch] = credit.get(ch, 0.0) + conv / len(distinct)
    return pd.Series(credit).sort_index()


@given(path_tables(channels="abcdefg", max_len=8))
def test_simplified_equals_the_closed_form_and_the_exact_conversions_game(
    paths: pd.DataFrame,
) -> None:
    simplified = shapley_attribution(paths, method="simplified")
    expected = simplified_closed_form(paths).reindex(simplified.conversions.index).fillna(0)
    np.testing.assert_allclose(simplified.conversions, expected, rtol=1e-12, atol=1e-12)
    exact = shapley_attribution(paths, method="exact", value="conversions")
    np.testing.assert_allclose(exact.conversions, simplified.conversions, rtol=1e-10, atol=1e-9)
    assert exact.value is not None
    np.testing.assert_allclose(exact.value, simplified.value, rtol=1e-10, atol=1e-9)


def test_ordered_splits_credit_by_position() -> None:
    paths = pd.DataFrame({"path": ["a > b > a", "b"], "conversions": [6, 2]})
    res = shapley_attribution(paths, method="ordered")
    table = res.position_credits
    assert table is not None
    # a > b > a: 3 to a (split over positions 1 and 3), 3 to b at position 2; b: 2 at 1
    assert table.loc["a"].tolist() == [1.5, 0.0, 1.5]
    assert table.loc["b"].tolist() == [2.0, 3.0, 0.0]
    pd.testing.assert_series_equal(
        table.sum(axis=1), res.conversions, check_names=False, check_index_type=False
    )
    assert res.model == "shapley_ordered"


def test_conversion_rate_game_by_hand() -> None:
    # v(a) = 2/10, v(b) = 1/10, v(ab) = 9/30; phi_a = (0.2 + 0.2) / 2 = 0.2,
    # phi_b = (0.1 + 0.1) / 2 = 0.1; credits rescaled to 9 conversions: 6 and 3.
    paths = pd.DataFrame(
        {"path": ["a > b", "a", "b"], "conversions": [6, 2, 1], "nulls": [4, 8, 9]}
    )
    res = shapley_attribution(paths, value="conversion_rate")
    assert res.conversions.to_dict() == pytest.approx({"a": 6, "b": 3})
    assert res.model == "shapley_conversion_rate"
    assert "conversion-rate game" in res.parameters["caveat"]


def test_default_is_the_conversions_game_of_zhao_et_al() -> None:
    # issue 12: the default was the conversion-rate game. By hand, the conversions game:
    # "a > b" splits its 6 conversions 3 / 3, "a" keeps 2, "b" keeps 1 -> a 5, b 4.
    paths = pd.DataFrame(
        {"path": ["a > b", "a", "b"], "conversions": [6, 2, 1], "nulls": [4, 8, 9]}
    )
    res = shapley_attribution(paths)
    assert res.model == "shapley"
    assert res.parameters["value"] == "conversions"
    assert res.conversions.to_dict() == pytest.approx({"a": 5, "b": 4}, rel=1e-12)


def test_negative_credit_is_possible_under_conversion_rates_and_is_shown() -> None:
    # Journeys that add channel b convert less than those with a alone.
    paths = pd.DataFrame(
        {"path": ["a", "a > b", "b"], "conversions": [50, 5, 1], "nulls": [50, 95, 99]}
    )
    with pytest.warns(DataQualityWarning, match="negative credit.*'b'"):
        res = shapley_attribution(paths, value="conversion_rate")
    assert res.conversions["b"] < 0
    assert res.conversions.sum() == pytest.approx(56)
    default = shapley_attribution(paths)  # the conversions game: b earns its own share
    assert default.conversions.to_dict() == pytest.approx({"a": 52.5, "b": 3.5}, rel=1e-12)


def test_rare_high_rate_channel_does_not_take_the_conversions() -> None:
    # The shape of ChannelAttribution's Data.csv defect (channel "mi": 15 journeys,
    # 4 conversions, credited 2,203 conversions by the rate game), built here: a big
    # channel converting at 2% and a rare one at 27%. The default credits stay within
    # what each channel's journeys converted (Zhao et al.'s split); the rate game's do not.
    paths = pd.DataFrame(
        {
            "path": ["big", "big > rare", "rare", "big > other", "other"],
            "conversions": [2000, 1, 3, 500, 300],
            "nulls": [98000, 4, 7, 24500, 14700],
        }
    )
    res = shapley_attribution(paths)
    assert (res.conversions >= 0).all()
    assert res.conversions["rare"] == pytest.approx(3.5, rel=1e-12)  # 3 + 1/2
    with pytest.warns(DataQualityWarning):
        rate = shapley_attribution(paths, value="conversion_rate")
    assert rate.conversions["rare"] > 100  # the defect the default avoids


@settings(max_examples=3)
@given(st.integers(0, 2**31 - 1))
def test_twenty_channels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"c{i:02d}" for i in range(20)]
    rows = [
        (
            " > ".join(rng.choice(names, size=int(rng.integers(1, 8)))),
            int(rng.integers(0, 3)),
            int(rng.integers(0, 5)),
        )
        for _ in range(3000)
    ]
    paths = pd.DataFrame(rows, columns=["path", "conversions", "nulls"])
    res = shapley_attribution(paths)
    assert res.conversions.size == 20
    assert res.conversions.sum() == pytest.approx(paths["conversions"].sum(), rel=1e-12)


def test_symmetric_channels_get_equal_credit() -> None:
    # Swapping the names a and b leaves the table unchanged: Shapley's symmetry axiom.
    paths = pd.DataFrame(
        {
            "path": ["a > c", "b > c", "a > b", "c"],
            "conversions": [4, 4, 3, 1],
            "nulls": [6, 6, 7, 9],
        }
    )
    res = shapley_attribution(paths)
    assert res.conversions["a"] == pytest.approx(res.conversions["b"], rel=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "sampled"}, "method must be one of 'exact', 'simplified', 'ordered'"),
        ({"value": "revenue"}, "value must be one of 'conversions', 'conversion_rate'"),
        (
            {"method": "simplified", "value": "conversion_rate"},
            "value must be 'conversions' with method='simplified'",
        ),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        shapley_attribution(SMALL, **kwargs)  # type: ignore[arg-type]


def test_too_many_channels_for_exact() -> None:
    paths = pd.DataFrame({"path": [f"c{i}" for i in range(25)], "conversions": 1})
    with pytest.raises(InvalidParameterError, match="have at most 24 channels"):
        shapley_attribution(paths)
    assert shapley_attribution(paths, method="simplified").conversions.sum() == 25
