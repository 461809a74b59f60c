"""Heuristic models: ChannelAttribution's heuristic_models exactly, the naive reference,
time decay on real timestamps."""

from __future__ import annotations

import contextlib
import io
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.attribution import AttributionResult, heuristic_attribution, paths_from_events
from precisemkt.attribution._heuristic import HEURISTIC_MODELS
from precisemkt.datasets import make_journeys
from precisemkt.errors import InvalidParameterError
from tests.attribution.helpers import SMALL, heuristics, path_tables, quiet, rows_of
from tests.reference import attribution as ref


@pytest.fixture(scope="module")
def ca() -> ModuleType:
    with contextlib.redirect_stdout(io.StringIO()):
        return pytest.importorskip("ChannelAttribution")


@pytest.mark.parametrize("source", ["small", "simulated"])
def test_equals_channelattribution_heuristics(ca: ModuleType, source: str) -> None:
    # ChannelAttribution 2.2.5 heuristic_models, run here: first, last and linear touch
    # (it counts a repeated channel once per touch in linear, as we do).
    paths = SMALL if source == "small" else make_journeys(5000, channels=7, random_state=2)[1]
    theirs = quiet(
        ca.heuristic_models, paths, "path", "conversions", var_value="value", flg_pro=False
    ).set_index("channel_name")
    ours = heuristics(paths, ["first_touch", "last_touch", "linear"])
    for model, prefix in [
        ("first_touch", "first_touch"),
        ("last_touch", "last_touch"),
        ("linear", "linear_touch"),
    ]:
        res = ours[model]
        assert res.value is not None
        np.testing.assert_allclose(
            res.conversions,
            theirs.loc[res.conversions.index, f"{prefix}_conversions"],
            rtol=1e-12,
            atol=1e-9,
        )
        np.testing.assert_allclose(
            res.value, theirs.loc[res.value.index, f"{prefix}_value"], rtol=1e-12, atol=1e-9
        )


@given(path_tables(channels="abcd"), st.sampled_from(HEURISTIC_MODELS), st.floats(0.3, 5.0))
def test_matches_reference(paths: pd.DataFrame, model: str, half_life: float) -> None:
    paths = paths.assign(path=paths["path"].str.replace("d", "direct"))
    res = heuristic_attribution(paths, model=model, half_life=half_life)
    conv, value = ref.heuristic(rows_of(paths), model, half_life=half_life)
    for ours, theirs in [(res.conversions, conv), (res.value, value)]:
        assert ours is not None
        expected = pd.Series(theirs).reindex(ours.index, fill_value=0.0)
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-9)


def test_worked_example() -> None:
    # By hand: "search > email > direct" with 10 conversions worth 500, "email" with 2.
    paths = pd.DataFrame(
        {
            "path": ["search > email > direct", "email"],
            "conversions": [10, 2],
            "value": [500.0, 80.0],
        }
    )
    res = heuristics(paths)
    assert res["first_touch"].conversions.to_dict() == {"direct": 0, "email": 2, "search": 10}
    assert res["last_touch"].conversions.to_dict() == {"direct": 10, "email": 2, "search": 0}
    assert res["last_non_direct"].conversions.to_dict() == {"direct": 0, "email": 12, "search": 0}
    assert res["position_based"].conversions.to_dict() == pytest.approx(
        {"direct": 4.0, "email": 4.0, "search": 4.0}
    )
    # positions: lags 2, 1, 0 touches, half-life 1 -> weights 1/7, 2/7, 4/7
    assert res["time_decay"].conversions.to_dict() == pytest.approx(
        {"direct": 40 / 7, "email": 20 / 7 + 2, "search": 10 / 7}
    )
    assert res["time_decay"].time_basis == "positions"
    assert res["linear"].value.to_dict() == pytest.approx(  # type: ignore[union-attr]
        {"direct": 500 / 3, "email": 500 / 3 + 80, "search": 500 / 3}
    )


def test_time_decay_uses_timestamps() -> None:
    events = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]),
            "channel": ["display", "search", "email"],
            "conversion": [False, False, True],
            "value": [0.0, 0.0, 70.0],
        }
    )
    paths = paths_from_events(events, value_col="value")
    res = heuristic_attribution(paths, model="time_decay")
    assert res.time_basis == "timestamps"
    # lags 14, 7, 0 days, half-life 7 days -> weights 1/7, 2/7, 4/7 of 70
    assert res.value.to_dict() == pytest.approx(  # type: ignore[union-attr]
        {"display": 10.0, "email": 40.0, "search": 20.0}
    )
    same = heuristic_attribution(paths, model="time_decay", half_life="168h")
    pd.testing.assert_series_equal(res.conversions, same.conversions)
    faster = heuristic_attribution(paths, model="time_decay", half_life=3.5)
    assert faster.conversions["email"] > res.conversions["email"]


def test_huge_lags_do_not_underflow() -> None:
    paths = pd.DataFrame({"path": ["a > b"], "conversions": [1], "touch_lags": [(1e6, 1e6 + 7.0)]})
    res = heuristic_attribution(paths, model="time_decay", half_life=7.0)
    assert res.conversions.to_dict() == pytest.approx({"a": 2 / 3, "b": 1 / 3})


def test_direct_channel_and_position_weights() -> None:
    paths = pd.DataFrame(
        {"path": ["a > (direct) > b > (direct)", "(direct)"], "conversions": [1, 1]}
    )
    res = heuristics(
        paths,
        ["last_non_direct", "position_based"],
        direct_channel="(direct)",
        position_weights=(0.5, 0.0, 0.5),
    )
    assert res["last_non_direct"].conversions.to_dict() == {"(direct)": 1, "a": 0, "b": 1}
    assert res["position_based"].conversions.to_dict() == {"(direct)": 1.5, "a": 0.5, "b": 0.0}
    assert res["position_based"].parameters == {"position_weights": (0.5, 0.0, 0.5)}
    none = heuristic_attribution(paths, model="last_non_direct", direct_channel=None)
    assert none.conversions["(direct)"] == 2


def test_returns_one_attribution_result_like_its_siblings() -> None:
    # issue 13: it returned a dict while markov/shapley return an AttributionResult
    res = heuristic_attribution(SMALL)
    assert isinstance(res, AttributionResult)
    assert res.model == "linear"
    assert heuristic_attribution(SMALL, model="first_touch").model == "first_touch"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "u_shape"}, InvalidParameterError, "model must be one of 'first_touch'"),
        ({"model": ["linear"]}, InvalidParameterError, "model must be one of"),
        (
            {"position_weights": (0.5, 0.5, 0.5)},
            InvalidParameterError,
            "position_weights must be three non-negative shares",
        ),
        ({"position_weights": (0.0, 1.0, 0.0)}, InvalidParameterError, "first \\+ last > 0"),
        ({"half_life": 0}, InvalidParameterError, "half_life must be a positive number"),
        (
            {"half_life": "7D"},
            InvalidParameterError,
            "half_life must be a number of touches when the paths carry no touch times",
        ),
        ({"direct_channel": 3}, InvalidParameterError, "direct_channel must be a channel name"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        heuristic_attribution(SMALL, **kwargs)  # type: ignore[arg-type]


def test_bad_half_life_duration_with_times() -> None:
    paths = pd.DataFrame({"path": ["a"], "conversions": [1], "touch_lags": [(0.0,)]})
    with pytest.raises(InvalidParameterError, match="half_life must be a duration"):
        heuristic_attribution(paths, half_life="seven days")
