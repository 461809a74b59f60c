"""Estimator behaviour: validation messages, no mutation, fitted state, compression, shapes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from precisemkt.clv._base import _maximize, unpack
from precisemkt.errors import (
    ConvergenceError,
    InvalidParameterError,
    NotFittedError,
    ValidationError,
)
from tests.reference import clv as ref

CONTINUOUS = [BGNBD, MBGNBD, ParetoNBD]
PUBLISHED = {
    BGNBD: {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    MBGNBD: {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
    ParetoNBD: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_compressed_fit_equals_full_fit(cls: type, cdnow: pd.DataFrame) -> None:
    full = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    groups = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    assert len(groups) < len(cdnow) / 2  # CDNOW compresses 2,357 customers to ~1,000 rows
    compact = cls().fit(groups["frequency"], groups["recency"], groups["T"], weights=groups["n"])
    np.testing.assert_allclose(compact.params_, full.params_, rtol=1e-9)
    assert compact.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-12)
    assert compact.n_customers_ == full.n_customers_ == 2357


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_row_order_and_repeat_fits_are_deterministic(cls: type, cdnow: pd.DataFrame) -> None:
    shuffled = cdnow.sample(frac=1.0, random_state=3)
    a = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    b = cls().fit(shuffled["frequency"], shuffled["recency"], shuffled["T"])
    c = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    pd.testing.assert_series_equal(a.params_, b.params_)
    pd.testing.assert_series_equal(a.params_, c.params_)


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_inputs_are_not_mutated(cls: type, cdnow: pd.DataFrame) -> None:
    frame = cdnow[["frequency", "recency", "T"]].copy()
    before = frame.copy()
    arrays = [frame[c].to_numpy().copy() for c in frame]
    model = cls().fit(*arrays)
    model.predict_purchases(10.0, *arrays)
    model.probability_alive(frame["frequency"], frame["recency"], frame["T"])
    pd.testing.assert_frame_equal(frame, before)
    for arr, col in zip(arrays, frame, strict=True):
        np.testing.assert_array_equal(arr, before[col].to_numpy())


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_covariance_is_inverse_of_exact_hessian(cls: type, cdnow: pd.DataFrame) -> None:
    """On 60 customers: covariance_ = inv(-H) with H from the mpmath reference likelihood."""
    sample = cdnow.iloc[::40]
    model = cls().fit(sample["frequency"], sample["recency"], sample["T"])
    x = sample["frequency"].to_numpy().astype(int)
    tx = sample["recency"].to_numpy()
    T = sample["T"].to_numpy()
    if cls is ParetoNBD:

        def f(*p: float) -> float:
            return sum(
                ref.pnbd_loglik_row(p, int(a), b, c) for a, b, c in zip(x, tx, T, strict=True)
            )
    else:
        m = 1 if cls is MBGNBD else 0

        def f(*p: float) -> float:
            return sum(
                ref.bg_loglik_row(p, int(a), b, c, m) for a, b, c in zip(x, tx, T, strict=True)
            )

    grad, hess = ref.grad_hess(f, list(model.params_))
    assert np.max(np.abs(grad)) < 1e-6 * len(x)  # at the optimum
    np.testing.assert_allclose(model.covariance_.to_numpy(), np.linalg.inv(-hess), rtol=1e-6)


def test_summary_intervals(bgnbd: BGNBD) -> None:
    s90 = bgnbd.summary(0.90)
    s95 = bgnbd.summary()
    assert list(s95.columns) == ["estimate", "std_error", "ci_low", "ci_high"]
    assert np.all(s95["ci_low"] < s90["ci_low"])
    assert np.all(s95["ci_high"] > s90["ci_high"])
    # log-scale Wald: log(upper/estimate) = z SE / estimate
    z = 1.959963984540054
    np.testing.assert_allclose(
        np.log(s95["ci_high"] / s95["estimate"]), z * s95["std_error"] / s95["estimate"]
    )
    with pytest.raises(InvalidParameterError, match="level must be in"):
        bgnbd.summary(1.5)


def test_information_criteria(bgnbd: BGNBD) -> None:
    assert bgnbd.aic_ == pytest.approx(8 - 2 * bgnbd.log_likelihood_)
    assert bgnbd.bic_ == pytest.approx(4 * math.log(2357) - 2 * bgnbd.log_likelihood_)
    assert "r=0.2426" in repr(bgnbd)  # parameters first (none differ), then estimates


@pytest.mark.parametrize("cls", [*CONTINUOUS, BGBB, GammaGamma])
def test_not_fitted(cls: type) -> None:
    model = cls()
    assert repr(model) == f"{cls.__name__}()"
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.summary()
    with pytest.raises(NotFittedError, match="call fit"):
        model.params_
    assert not hasattr(model, "standard_errors_")
    if cls in CONTINUOUS:
        with pytest.raises(NotFittedError):
            model.predict_purchases(1.0, 1, 1.0, 2.0)


def test_from_params(cdnow: pd.DataFrame) -> None:
    model = BGNBD.from_params(PUBLISHED[BGNBD])
    assert list(model.params_) == list(PUBLISHED[BGNBD].values())
    with pytest.raises(NotFittedError, match="built from parameters"):
        model.summary()
    with pytest.raises(InvalidParameterError, match=r"params must be a mapping with exactly"):
        BGNBD.from_params({"r": 1.0})
    with pytest.raises(InvalidParameterError, match=r"params\['alpha'\] must be in \(0, inf\)"):
        BGNBD.from_params({"r": 1.0, "alpha": -2.0, "a": 1.0, "b": 1.0})


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "match"),
    [
        ([1, 2], [1.0, 2.0, 3.0], [5.0, 5.0], "same length"),
        ([1.5], [1.0], [5.0], "frequency must contain whole numbers >= 0"),
        ([-1], [1.0], [5.0], "frequency must contain whole numbers >= 0"),
        ([1], [-1.0], [5.0], "recency must be >= 0"),
        (
            [1],
            [6.0],
            [5.0],
            r"recency must be <= T for every customer; got a row breaking this "
            r"\(first: position 0, frequency=1.0, recency=6.0, T=5.0\). Did you swap",
        ),
        ([0], [2.0], [5.0], "recency must be 0 for customers without repeat purchases"),
        ([1], [np.nan], [5.0], "must be finite numbers"),
        ([1], [1.0], [np.inf], "must be finite numbers"),
        ([], [], [], "at least one customer"),
        (["a"], [1.0], [5.0], "frequency must contain numbers"),
    ],
)
def test_fit_validation(frequency: list, recency: list, T: list, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        BGNBD().fit(frequency, recency, T)


RULE_BREAKERS = [
    ([1.5], [1.0], [5.0], "frequency must contain whole numbers >= 0"),
    ([-1], [1.0], [5.0], "frequency must contain whole numbers >= 0"),
    ([1], [-1.0], [5.0], "recency must be >= 0"),
    ([1], [6.0], [5.0], "recency must be <= T for every customer"),
    ([0], [2.0], [5.0], "recency must be 0 for customers without repeat purchases"),
    ([1], [np.nan], [5.0], "must be finite numbers"),
    ([np.inf], [1.0], [5.0], "must be finite numbers"),
    ([], [], [], "at least one customer"),
]


@pytest.mark.parametrize("cls", CONTINUOUS)
@pytest.mark.parametrize(("frequency", "recency", "T", "match"), RULE_BREAKERS)
def test_prediction_validation(
    cls: type, frequency: list, recency: list, T: list, match: str
) -> None:
    """The prediction kernels check the rules in their own pass; every method reports a
    broken rule like fit does, with a 1,000-row table whose bad row sits in a late chunk."""
    model = cls.from_params(PUBLISHED[cls])
    n = 1000 if frequency else 0
    x, tx, tt = np.full(n, 2.0), np.full(n, 10.0), np.full(n, 20.0)
    x[n - 3 :], tx[n - 3 :], tt[n - 3 :] = frequency * 3, recency * 3, T * 3
    before = (x.copy(), tx.copy(), tt.copy())
    calls = [
        lambda: model.probability_alive(x, tx, tt),
        lambda: model.predict_purchases(39.0, x, tx, tt),
        lambda: model.conditional_probability_of_purchases(1, 39.0, x, tx, tt),
    ]
    if cls is ParetoNBD:
        calls.append(lambda: model.expected_residual_transactions(x, tx, tt, discount_rate=0.01))
    for call in calls:
        with pytest.raises(ValidationError, match=match):
            call()
    for got, was in zip((x, tx, tt), before, strict=True):
        np.testing.assert_array_equal(got, was)


def test_prediction_validation_names_the_customer() -> None:
    ids = pd.Index(["C1", "C17"], name="customer_id")
    model = BGNBD.from_params(PUBLISHED[BGNBD])
    with pytest.raises(
        ValidationError, match=r"customer 'C17', frequency=2\.0, recency=41\.0, T=39\.0"
    ):
        model.probability_alive(
            pd.Series([1, 2], index=ids),
            pd.Series([3.0, 41.0], index=ids),
            pd.Series([39.0, 39.0], index=ids),
        )


def test_validation_names_the_customer() -> None:
    ids = pd.Index(["C1", "C17"], name="customer_id")
    with pytest.raises(
        ValidationError, match=r"customer 'C17', frequency=2\.0, recency=41\.0, T=39\.0"
    ):
        ParetoNBD().fit(
            pd.Series([1, 2], index=ids),
            pd.Series([3.0, 41.0], index=ids),
            pd.Series([39.0, 39.0], index=ids),
        )


def test_weight_validation() -> None:
    with pytest.raises(ValidationError, match="weights must contain whole numbers >= 0"):
        BGNBD().fit([1, 0], [1.0, 0.0], [5.0, 5.0], weights=[1.5, 1])
    with pytest.raises(ValidationError, match="weights must have one entry per row"):
        BGNBD().fit([1, 0], [1.0, 0.0], [5.0, 5.0], weights=[1])
    with pytest.raises(ValidationError, match="weights must sum to at least 1"):
        BGNBD().fit([1, 0], [1.0, 0.0], [5.0, 5.0], weights=[0, 0])


def test_parameter_validation(cdnow: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="tol must be in"):
        BGNBD(tol=-1.0).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    with pytest.raises(InvalidParameterError, match="max_iter must be an integer"):
        BGNBD(max_iter=0).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_convergence_error_says_what_to_try(cdnow: pd.DataFrame) -> None:
    with pytest.raises(ConvergenceError, match=r"did not converge.*Try: initial_params"):
        BGNBD(max_iter=1).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_no_repeat_buyers_is_a_clear_error(cls: type) -> None:
    # nobody ever buys again: the purchase rate has no finite estimate
    with pytest.raises(ValidationError, match="frequency must be > 0 for at least one customer"):
        cls().fit([0, 0, 0], [0.0, 0.0, 0.0], [10.0, 20.0, 30.0])


def test_initial_params(cdnow: pd.DataFrame) -> None:
    model = ParetoNBD().fit(
        cdnow["frequency"], cdnow["recency"], cdnow["T"], initial_params=PUBLISHED[ParetoNBD]
    )
    assert model.params_["r"] == pytest.approx(0.553, abs=5e-4)


def test_prediction_shapes_and_index(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    series = bgnbd.predict_purchases(39, x, tx, T)
    assert isinstance(series, pd.Series)
    assert series.index.equals(cdnow.index)
    arr = bgnbd.predict_purchases(39, x.to_numpy(), tx.to_numpy(), T.to_numpy())
    assert isinstance(arr, np.ndarray)
    np.testing.assert_array_equal(arr, series.to_numpy())
    scalar = bgnbd.predict_purchases(39, 2, 30.43, 38.86)
    assert isinstance(scalar, float)
    # one horizon per customer, paired with the histories by customer id
    per = bgnbd.predict_purchases(pd.Series(39.0, index=x.index), x, tx, T)
    np.testing.assert_array_equal(np.asarray(per), series.to_numpy())
    # an unlabelled array beside Series indexed by customer id is refused (issue 13)
    with pytest.raises(ValidationError, match="arrays and lists carry no ids"):
        bgnbd.predict_purchases(np.full(len(x), 39.0), x, tx, T)
    with pytest.raises(ValidationError, match="scalars or arrays of one common length"):
        bgnbd.predict_purchases([1.0, 2.0], x, tx, T)
    with pytest.raises(InvalidParameterError, match="t must be finite and >= 0"):
        bgnbd.predict_purchases(-1.0, 2, 30.43, 38.86)
    with pytest.raises(InvalidParameterError, match="n must contain whole numbers"):
        bgnbd.probability_of_purchases(1.5, 10.0)


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_probabilities_are_probabilities(cls: type) -> None:
    model = cls.from_params(PUBLISHED[cls])
    grid_x, grid_tx = np.meshgrid(np.arange(0, 60, 7.0), np.linspace(0, 1, 9))
    T = 40.0
    x = grid_x.ravel()
    tx = np.where(x == 0, 0.0, grid_tx.ravel() * T)
    alive = model.probability_alive(x, tx, T)
    assert np.all((alive >= 0) & (alive <= 1))
    for t in (1.0, 30.0):
        total = model.conditional_probability_of_purchases(np.arange(400), t, 3, 20.0, T)
        assert float(np.sum(total)) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_expectation_is_mean_of_pmf(cls: type) -> None:
    """E[X(t)] equals sum_n n P(X(t) = n) (two independent code paths)."""
    model = cls.from_params(PUBLISHED[cls])
    n = np.arange(2000)
    for t in (5.0, 39.0):
        mean = float(np.sum(n * model.probability_of_purchases(n, t)))
        assert mean == pytest.approx(float(model.expected_purchases(t)), rel=1e-9)


@pytest.mark.parametrize("cls", CONTINUOUS)
def test_conditional_expectation_is_mean_of_conditional_pmf(cls: type) -> None:
    model = cls.from_params(PUBLISHED[cls])
    n = np.arange(600)
    pmf = model.conditional_probability_of_purchases(n, 39.0, 4, 25.0, 38.86)
    assert float(np.sum(n * pmf)) == pytest.approx(
        model.predict_purchases(39.0, 4, 25.0, 38.86), rel=1e-9
    )


def test_log_likelihood_kernel_orders_agree(bgnbd: BGNBD) -> None:
    data = bgnbd._patterns
    full = bgnbd._loglik(bgnbd.params_.to_numpy(), data, 2)
    value_only = bgnbd._loglik(bgnbd.params_.to_numpy(), data, 0)
    grad_only = bgnbd._loglik(bgnbd.params_.to_numpy(), data, 1)
    assert value_only[0] == full[0]
    np.testing.assert_array_equal(grad_only[:5], full[:5])
    _, grad, _ = unpack(full, 4)
    assert np.max(np.abs(grad * bgnbd.params_.to_numpy())) < 1e-6


def test_bgbb_validation(donations: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="frequency must be <= recency"):
        BGBB().fit([3], [2], [6])
    with pytest.raises(ValidationError, match="recency must be >= 0 \\(and whole"):
        BGBB().fit([1], [2.5], [6])
    with pytest.raises(ValidationError, match="recency must be <= n_periods"):
        BGBB().fit([1], [7], [6])


def test_gammagamma_validation(gammagamma: GammaGamma) -> None:
    with pytest.raises(ValidationError, match="frequency must contain whole numbers >= 1"):
        GammaGamma().fit([0, 2], [0.0, 10.0])
    with pytest.raises(ValidationError, match="monetary_value must be > 0"):
        GammaGamma().fit([1, 2], [0.0, 10.0])
    with pytest.raises(InvalidParameterError, match="q must be > 1"):
        GammaGamma.from_params({"p": 1.0, "q": 0.8, "gamma": 5.0}).expected_spend(2, 10.0)
    # customers without repeat purchases get the population mean p gamma / (q - 1)
    p, q, g = gammagamma.params_
    assert gammagamma.expected_spend(0, 0.0) == pytest.approx(p * g / (q - 1))


def test_no_interior_maximum_names_the_parameters() -> None:
    # five customers: the likelihood rises forever as a and b shrink together
    with pytest.raises(ConvergenceError, match=r"as a, b run\(s\) to 0 or infinity"):
        BGNBD().fit([2, 1, 0, 0, 5], [30.4, 1.7, 0, 0, 20], [38.9, 38.9, 38.9, 30, 25])


def test_optimiser_never_evaluates_parameters_that_underflow() -> None:
    """A likelihood rising without bound as its parameter runs to 0 (log L = -log p): the
    optimiser follows it past the drift report but never asks the kernel for p <= 1e-100,
    where products of parameters underflow and kernels would divide by zero."""
    seen: list[float] = []

    def loglik(p: np.ndarray, order: int) -> np.ndarray:
        seen.append(float(p[0]))
        return np.array([-math.log(p[0]), -1.0 / p[0], 1.0 / p[0] ** 2])

    params, *_ = _maximize(loglik, np.array([1.0]), 10.0, 1, 1e-8, 200)
    assert params[0] < 1e-7  # reported as drift by the fit
    assert min(seen) > 1e-100
