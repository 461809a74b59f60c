"""Regression tests for issue 12 (bad and extreme inputs) and issue 13 (one result shape)
in attribution. Expected numbers are closed forms written beside each assertion, or the
same model on the same table scaled by a power of two (every model is scale-free)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt._results import Selection
from precisemkt.attribution import (
    AttributionResult,
    MarkovOrderSelection,
    choose_markov_order,
    compare_models,
    heuristic_attribution,
    markov_attribution,
    shapley_attribution,
)
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError
from tests.attribution.helpers import SMALL

MODELS = [
    lambda p, **k: heuristic_attribution(p, model="linear", **k),
    lambda p, **k: heuristic_attribution(p, model="time_decay", **k),
    lambda p, **k: markov_attribution(p, **k),
    lambda p, **k: markov_attribution(p, order=2, **k),
    lambda p, **k: shapley_attribution(p, **k),
    lambda p, **k: shapley_attribution(p, method="ordered", **k),
]


@pytest.mark.parametrize("run", MODELS)
def test_values_near_1e308_are_credited_exactly(run) -> None:  # type: ignore[no-untyped-def]
    # was inf / nan (or 0) credits; 2**1020 ~ 1.1e307 keeps the total below 1.8e308
    big = SMALL.assign(value=SMALL["value"] / SMALL["value"].sum() * 2.0**1020)
    small = SMALL.assign(value=SMALL["value"] / SMALL["value"].sum())
    ours, ref = run(big), run(small)
    np.testing.assert_allclose(ours.value, ref.value * 2.0**1020, rtol=1e-12)
    assert np.isfinite(ours.value).all()
    np.testing.assert_allclose(ours.conversions, ref.conversions, rtol=1e-12)


@pytest.mark.parametrize("run", MODELS)
def test_counts_near_1e308_are_credited_exactly(run) -> None:  # type: ignore[no-untyped-def]
    scale = 2.0**1015  # conversions + nulls of SMALL sum to about 150: below 1.8e308
    big = SMALL.assign(conversions=SMALL["conversions"] * scale, nulls=SMALL["nulls"] * scale)
    ours, ref = run(big), run(SMALL)
    np.testing.assert_allclose(ours.conversions, ref.conversions * scale, rtol=1e-12)
    np.testing.assert_allclose(ours.share, ref.share, rtol=1e-12)


def test_a_total_beyond_float64_raises() -> None:
    paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [1, 1], "value": [1e308, 1e308]})
    with pytest.raises(ValidationError, match="the total value must fit in a float64"):
        heuristic_attribution(paths)
    huge = SMALL.assign(conversions=SMALL["conversions"] * 2.0**1015)
    with pytest.raises(ValidationError, match="resample"):
        markov_attribution(huge, n_boot=5, random_state=0)


def test_wrong_separator_raises_instead_of_making_one_channel_per_path() -> None:
    # sep="|" on " > " paths used to give one channel per distinct path
    with pytest.raises(ValidationError, match=r"sep must occur in the paths.*Pass sep='>'"):
        markov_attribution(SMALL, sep="|")
    piped = SMALL.assign(path=SMALL["path"].str.replace(" > ", " | "))
    with pytest.raises(ValidationError, match="Pass sep='\\|'"):
        shapley_attribution(piped)
    pd.testing.assert_series_equal(
        markov_attribution(piped, sep="|").conversions, markov_attribution(SMALL).conversions
    )
    # one-channel paths without any separator are fine
    single = pd.DataFrame({"path": ["a", "b"], "conversions": [1, 2], "nulls": [3, 3]})
    assert heuristic_attribution(single, sep="|").conversions.to_dict() == {"a": 1, "b": 2}


def test_compare_models_names_the_games() -> None:
    table = compare_models(SMALL)
    assert "shapley" in table.columns
    assert "shapley_conversion_rate" not in table.columns
    # "shapley" is the conversions game: equal to its closed form (Zhao et al. 2018)
    simplified = shapley_attribution(SMALL, method="simplified").conversions
    np.testing.assert_allclose(table["shapley"], simplified, rtol=1e-10)
    with pytest.warns(DataQualityWarning, match="negative credit"):  # its caveat is shown
        both = compare_models(SMALL, models=["shapley", "shapley_conversion_rate"])
    with pytest.warns(DataQualityWarning):
        rate = shapley_attribution(SMALL, value="conversion_rate").conversions
    np.testing.assert_allclose(both["shapley_conversion_rate"], rate, rtol=1e-12)


def test_sibling_functions_return_the_same_kind_of_object() -> None:
    for res in (
        heuristic_attribution(SMALL),
        markov_attribution(SMALL),
        shapley_attribution(SMALL),
    ):
        assert isinstance(res, AttributionResult)
    sel = choose_markov_order(SMALL, max_order=2, random_state=0)
    assert isinstance(sel, Selection)
    assert isinstance(sel, MarkovOrderSelection)
    assert (sel.parameter, sel.criterion) == ("order", "log_loss")
    assert sel.best_order == sel.best == int(sel.scores["log_loss"].idxmin())
    assert sel.to_frame().index.name == "order"


def test_row_order_and_index_do_not_matter() -> None:
    shuffled = SMALL.sample(frac=1.0, random_state=3).set_index(
        pd.Index([f"r{i}" for i in range(len(SMALL))])
    )
    for run in MODELS:
        pd.testing.assert_series_equal(run(shuffled).conversions, run(SMALL).conversions)


def test_heuristic_model_must_be_one_name() -> None:
    with pytest.raises(InvalidParameterError, match="model must be one of"):
        heuristic_attribution(SMALL, model="u_shape")
