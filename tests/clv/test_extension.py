"""The models' extension points (issue 14): abstract methods, parameter roles and the
fallback start derived from them, and the discounted expected transactions every
transaction model gives ``customer_lifetime_value`` (checked against a naive sum over the
model's public ``predict_purchases``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
)
from precisemkt.clv._base import FALLBACK_FACTOR, FittedModel
from precisemkt.clv._inputs import Patterns
from precisemkt.clv._transaction import TransactionModel
from precisemkt.clv._valuation import PurchaseModel
from precisemkt.errors import InvalidParameterError, ValidationError

#: Published estimates (CDNOW in weeks; FHS 2010 donations), as in the other CLV tests.
PUBLISHED: dict[type, dict[str, float]] = {
    BGNBD: {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    MBGNBD: {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
    ParetoNBD: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
    BGBB: {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783},
}


# ---------------------------------------------------------------- abstract methods
def test_the_bases_are_abstract() -> None:
    assert TransactionModel.__abstractmethods__ == {
        "_loglik",
        "_predict_rows",
        "_expected",
        "_pmf",
        "_future_params",
    }
    assert PurchaseModel.__abstractmethods__ == {
        "_start",
        "_conditional_expectation",
        "discounted_expected_transactions",
    }
    assert FittedModel.__abstractmethods__ == {"_start"}
    with pytest.raises(TypeError, match="abstract"):
        TransactionModel()  # type: ignore[abstract]

    class Incomplete(TransactionModel):
        _roles = (("r", "shape"), ("alpha", "scale"))
        _label = "incomplete"

    with pytest.raises(TypeError, match="_loglik"):
        Incomplete()  # type: ignore[abstract]


# ---------------------------------------------------------------- roles and starts
def test_roles_name_every_parameter() -> None:
    assert BGNBD._names == ("r", "alpha", "a", "b")
    assert dict(BGNBD._roles) == {"r": "shape", "alpha": "scale", "a": "shape", "b": "shape"}
    assert dict(MBGNBD._roles) == dict(BGNBD._roles)
    assert dict(ParetoNBD._roles) == {
        "r": "shape",
        "alpha": "scale",
        "s": "shape",
        "beta": "scale",
    }
    assert {role for _, role in BGBB._roles} == {"shape"}
    assert GammaGamma._names == ("p", "q", "gamma")


def _refit(model: FittedModel, data: dict[str, Any], start: np.ndarray) -> FittedModel:
    initial = dict(zip(model._names, start.tolist(), strict=True))
    return type(model)().fit(**data, initial_params=initial)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "paretonbd", "bgbb", "gammagamma"])
def test_fallback_start_is_valid_and_refits_to_the_same_estimates(
    name: str, request: pytest.FixtureRequest, cdnow: pd.DataFrame, donations: pd.DataFrame
) -> None:
    """The second start of every model is a valid parameter vector from which the fit
    reaches the estimates of the default fit (to 1e-6 relative)."""
    model = request.getfixturevalue(name)
    first, fallback = model._starts(None)
    assert np.all(np.isfinite(fallback))
    assert np.all(fallback > 0)
    assert not np.allclose(first, fallback)
    if not isinstance(model, GammaGamma):  # Gamma-Gamma keeps q > 1: its own fallback
        factors = [FALLBACK_FACTOR[role] for _, role in model._roles]
        np.testing.assert_array_equal(fallback, first * np.array(factors))
    if isinstance(model, BGBB):
        data: dict[str, Any] = {
            "frequency": donations["frequency"],
            "recency": donations["recency"],
            "n_periods": donations["n_periods"],
            "weights": donations["count"],
        }
    elif isinstance(model, GammaGamma):
        repeat = cdnow[cdnow["frequency"] > 0]
        data = {"frequency": repeat["frequency"], "monetary_value": repeat["monetary_value"]}
    else:
        data = {"frequency": cdnow["frequency"], "recency": cdnow["recency"], "T": cdnow["T"]}
    refit = _refit(model, data, fallback)
    np.testing.assert_allclose(refit.params_, model.params_, rtol=1e-6)
    assert refit.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-12)


def test_fallback_follows_the_roles_not_the_positions() -> None:
    """BG/NBD's b and all four BG/BB parameters are shapes: halved, never doubled."""
    bg = BGNBD.from_params(PUBLISHED[BGNBD])
    bg._patterns = Patterns((np.array([3.0]), np.array([20.0]), np.array([30.0])), np.ones(1))
    start, fallback = bg._starts(None)
    assert fallback[3] == start[3] * 0.5  # b, a shape
    assert fallback[1] == start[1] * 2.0  # alpha, a scale
    bb = BGBB.from_params(PUBLISHED[BGBB])
    start, fallback = bb._starts(None)
    np.testing.assert_array_equal(fallback, start * 0.5)


# ---------------------------------------------------------------- discounted transactions
def _naive(
    model: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray, horizon: int, f: float, d: float
) -> np.ndarray:
    """sum_i [CE(i f) - CE((i-1) f)] / (1 + d)^i from the public predict_purchases."""
    total = np.zeros(x.size)
    previous = np.zeros(x.size)
    for i in range(1, horizon + 1):
        current = np.asarray(model.predict_purchases(i * f, x, tx, T), dtype=np.float64)
        total += (current - previous) / (1.0 + d) ** i
        previous = current
    return total


CUSTOMERS = {
    "continuous": (
        np.array([0.0, 1.0, 2.0, 7.0, 20.0]),
        np.array([0.0, 5.0, 30.43, 35.0, 38.0]),
        np.array([38.86, 20.0, 38.86, 38.86, 39.0]),
    ),
    "discrete": (
        np.array([0.0, 1.0, 3.0, 6.0, 2.0]),
        np.array([0.0, 1.0, 5.0, 6.0, 2.0]),
        np.array([6.0, 6.0, 6.0, 6.0, 5.0]),
    ),
}


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD, ParetoNBD, BGBB])
@pytest.mark.parametrize(("horizon", "rate"), [(12, 0.01), (30, 0.15), (7, 0.0)])
def test_discounted_transactions_match_the_naive_sum(cls: Any, horizon: int, rate: float) -> None:
    model = cls.from_params(PUBLISHED[cls])
    x, tx, T = CUSTOMERS["discrete" if cls is BGBB else "continuous"]
    for step in (1.0, 2.0) if cls is BGBB else (1.0, 4.345):
        ours = model.discounted_expected_transactions(
            x, tx, T, horizon=horizon, period_length=step, discount_rate=rate
        )
        expected = _naive(model, x, tx, T, horizon, step, rate)
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)


def test_clv_accepts_bgbb(donations: pd.DataFrame) -> None:
    model = BGBB.from_params(PUBLISHED[BGBB])
    x, tx, n = CUSTOMERS["discrete"]
    money = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    value = customer_lifetime_value(model, None, x, tx, n, money, horizon=5, discount_rate=0.1)
    det = model.discounted_expected_transactions(x, tx, n, horizon=5, discount_rate=0.1)
    np.testing.assert_array_equal(value, money * det)
    np.testing.assert_allclose(value, money * _naive(model, x, tx, n, 5, 1.0, 0.1), rtol=1e-12)
    # freq counts opportunities per discount period
    two = customer_lifetime_value(model, None, x, tx, n, money, horizon=5, freq=2)
    np.testing.assert_allclose(two, money * _naive(model, x, tx, n, 5, 2.0, 0.01), rtol=1e-12)
    # the frame, with its own age column and ids
    frame = pd.DataFrame(
        {"frequency": x, "recency": tx, "n_periods": n, "monetary_value": money},
        index=pd.Index([f"D{i}" for i in range(5)], name="donor"),
    )
    by_frame = customer_lifetime_value(model, None, frame, horizon=5, discount_rate=0.1)
    assert isinstance(by_frame, pd.Series)
    assert list(by_frame.index) == list(frame.index)
    np.testing.assert_array_equal(by_frame.to_numpy(), value)


def test_bgbb_valuation_validation() -> None:
    model = BGBB.from_params(PUBLISHED[BGBB])
    with pytest.raises(InvalidParameterError, match="freq must be None or a whole number"):
        customer_lifetime_value(model, None, 1, 1, 6, 10.0, freq="W")
    with pytest.raises(InvalidParameterError, match="freq must contain whole numbers"):
        customer_lifetime_value(model, None, 1, 1, 6, 10.0, freq=1.5)
    with pytest.raises(InvalidParameterError, match="period_length must contain whole"):
        model.discounted_expected_transactions(1, 1, 6, horizon=3, period_length=0.5)
    with pytest.raises(InvalidParameterError, match="horizon must be finite for this"):
        model.discounted_expected_transactions(1, 1, 6, horizon=math.inf, discount_rate=0.1)
    with pytest.raises(InvalidParameterError, match=r"n_periods \+ t must be at most 10,000"):
        model.discounted_expected_transactions(1, 1, 6, horizon=20_000)
    with pytest.raises(ValidationError, match="recency must be <= n_periods"):
        model.discounted_expected_transactions(1, 7, 6, horizon=3)
    # discounting ends the sum long before the cap: 1.5^-100 is below 1e-17
    long = model.discounted_expected_transactions(1, 1, 6, horizon=10**6, discount_rate=0.5)
    short = model.discounted_expected_transactions(1, 1, 6, horizon=200, discount_rate=0.5)
    assert long == pytest.approx(short, rel=1e-14)
