"""What every model shares: credits that add up, the result object, bootstrap intervals
and the side-by-side table."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt._results import ConfidenceInterval
from precisemkt.attribution import (
    AttributionResult,
    compare_models,
    heuristic_attribution,
    markov_attribution,
    shapley_attribution,
)
from precisemkt.attribution._compare import DEFAULT_MODELS
from precisemkt.datasets import make_journeys
from precisemkt.errors import DataQualityWarning, InvalidParameterError
from tests.attribution.helpers import SMALL, heuristics, path_tables


def every_model(paths: pd.DataFrame, order: int = 1) -> list[AttributionResult]:
    with warnings.catch_warnings():  # the rate game warns when a credit is negative
        warnings.simplefilter("ignore", DataQualityWarning)
        rate = shapley_attribution(paths, value="conversion_rate")
    return [
        *heuristics(paths).values(),
        markov_attribution(paths, order=order),
        shapley_attribution(paths),
        rate,
        shapley_attribution(paths, method="simplified"),
        shapley_attribution(paths, method="ordered"),
    ]


@settings(max_examples=40)
@given(path_tables(channels="abcdef", max_len=7), st.integers(1, 3))
def test_credits_sum_to_conversions_and_value(paths: pd.DataFrame, order: int) -> None:
    conversions, value = paths["conversions"].sum(), paths["value"].sum()
    for res in every_model(paths, order):
        assert res.conversions.sum() == pytest.approx(conversions, rel=1e-9, abs=1e-9)
        assert res.value is not None
        assert res.value.sum() == pytest.approx(value, rel=1e-9, abs=1e-6)
        if conversions > 0:
            assert res.share.sum() == pytest.approx(1.0, rel=1e-9)


def test_to_frame() -> None:
    res = markov_attribution(SMALL)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "conversions",
        "value",
        "share",
        "removal_effect",
        "value_removal_effect",
    ]
    assert frame.index.tolist() == ["a", "b", "c", "d"]
    boot = markov_attribution(SMALL, n_boot=20, random_state=0).to_frame()
    assert list(boot.columns)[-2:] == ["ci_low", "ci_high"]  # one interval vocabulary
    assert list(res.to_dict())[:3] == ["model", "conversions", "value"]


def test_bootstrap_is_reproducible_and_brackets_the_estimate() -> None:
    _, paths, _ = make_journeys(5000, channels=4, random_state=1)
    a = markov_attribution(paths, n_boot=60, random_state=42)
    b = markov_attribution(paths, n_boot=60, random_state=42)
    assert a.bootstrap_conversions is not None
    pd.testing.assert_frame_equal(a.bootstrap_conversions, b.bootstrap_conversions)
    lo, hi = a.confidence_interval(0.95)
    assert isinstance(a.confidence_interval(), ConfidenceInterval)
    assert ((lo <= a.conversions) & (a.conversions <= hi)).all()
    # replicates resample journeys: their totals vary like a multinomial's conversions
    totals = a.bootstrap_conversions.sum(axis=1)
    n, k = paths["conversions"].sum() + paths["nulls"].sum(), paths["conversions"].sum()
    binomial_sd = np.sqrt(n * (k / n) * (1 - k / n))
    assert 0.5 * binomial_sd < totals.std() < 1.5 * binomial_sd
    vlo, vhi = a.confidence_interval(0.9, measure="value")
    assert (vlo <= vhi).all()
    slo, shi = a.confidence_interval(measure="share")
    assert (shi <= 1).all()
    assert (slo >= 0).all()


def test_bootstrap_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    heuristic_attribution(SMALL, model="linear", n_boot=3, random_state=0, progress=True)
    assert "bootstrap" in capsys.readouterr().err


@pytest.mark.parametrize(
    "run",
    [
        lambda **k: heuristic_attribution(SMALL, model="time_decay", **k),
        lambda **k: markov_attribution(SMALL, order=2, **k),
        lambda **k: shapley_attribution(SMALL, **k),
        lambda **k: shapley_attribution(SMALL, method="ordered", **k),
    ],
)
def test_every_model_bootstraps(run) -> None:  # type: ignore[no-untyped-def]
    # One seed, one sequence of replicates: every model sees the same resampled journeys,
    # so its replicate credits add up to the replicate totals of first touch.
    res = run(n_boot=8, random_state=np.random.default_rng(5))
    first = heuristic_attribution(
        SMALL, model="first_touch", n_boot=8, random_state=np.random.default_rng(5)
    )
    assert res.bootstrap_conversions.shape == (8, 4)
    assert res.bootstrap_value.shape == (8, 4)
    np.testing.assert_allclose(
        res.bootstrap_conversions.sum(axis=1), first.bootstrap_conversions.sum(axis=1)
    )
    np.testing.assert_allclose(res.bootstrap_value.sum(axis=1), first.bootstrap_value.sum(axis=1))


def test_interval_errors() -> None:
    res = markov_attribution(SMALL)
    with pytest.raises(InvalidParameterError, match="n_boot must be positive to get confidence"):
        res.confidence_interval()
    boot = markov_attribution(SMALL.drop(columns="value"), n_boot=5, random_state=0)
    with pytest.raises(InvalidParameterError, match="measure must be 'conversions' or 'share'"):
        boot.confidence_interval(measure="value")
    with pytest.raises(InvalidParameterError, match="level must be in \\(0, 1\\)"):
        boot.confidence_interval(1.5)
    with pytest.raises(InvalidParameterError, match="n_boot must be an integer in \\[0, inf\\]"):
        markov_attribution(SMALL, n_boot=-1)
    with pytest.raises(InvalidParameterError, match="random_state must be"):
        markov_attribution(SMALL, n_boot=2, random_state="seed")  # type: ignore[arg-type]


def test_compare_models() -> None:
    table = compare_models(SMALL)
    assert list(table.columns) == list(DEFAULT_MODELS)
    np.testing.assert_allclose(table.sum(), SMALL["conversions"].sum(), rtol=1e-12)
    pd.testing.assert_series_equal(
        table["markov"], markov_attribution(SMALL).conversions, check_names=False
    )
    value = compare_models(SMALL, models=["linear", "shapley"], measure="value")
    np.testing.assert_allclose(value.sum(), SMALL["value"].sum(), rtol=1e-12)
    second = compare_models(SMALL, models=["markov"], order=2)
    pd.testing.assert_series_equal(
        second["markov"], markov_attribution(SMALL, order=2).conversions, check_names=False
    )
    with pytest.raises(InvalidParameterError, match="measure must be 'conversions' or 'share'"):
        compare_models(SMALL.drop(columns="value"), measure="value")
    with pytest.raises(InvalidParameterError, match="models must be one of"):
        compare_models(SMALL, models=["markov_3"])


def test_rows_without_journeys_count_for_nothing() -> None:
    # A path with zero conversions and zero nulls carries no journey: its channel c is
    # listed but earns nothing, and the chain has no transition through it.
    paths = pd.DataFrame(
        {"path": ["a > b", "c > a", "b"], "conversions": [3, 0, 1], "nulls": [2, 0, 4]}
    )
    table = compare_models(paths)
    assert (table.loc["c"] == 0).all()
    np.testing.assert_allclose(table.sum(), 4.0, rtol=1e-12)
    tm = markov_attribution(paths, order=2).transition_matrix
    assert tm is not None
    assert not tm["from"].str.contains("c").any()
