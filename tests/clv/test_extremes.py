"""Extremes: huge frequency, argument near 1, recency = T, T = 0, a + b < 1, a = 1.

Every value is compared with the mpmath references (tests/reference/clv.py) or with a
closed form; the rule is finite and correct, or a clear error, never NaN or a silent 0.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special as sc

from precisemkt.clv import BGNBD, MBGNBD, ParetoNBD, _pnbd_kernels
from precisemkt.errors import InvalidParameterError
from tests.reference import clv as ref

CDNOW_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
T_CAL = 38.86
FREQUENCIES = [0, 1, 10, 100, 1000, 5000]
ARGUMENTS = [1e-3, 0.5, 0.9, 0.99, 0.999, 0.9999]


@pytest.mark.parametrize("x", FREQUENCIES)
def test_bgnbd_expectation_grid(x: int) -> None:
    """CE(t | x, t_x, T) with z = t/(alpha+T+t) up to 0.9999, against mpmath's 2F1 form.

    Relative error <= 1e-12 up to z = 0.9; the series then runs over ~1/(1-z) terms and the
    agreement is still within 5e-9 at z = 0.9999 with x = 5000 (about 1e-9 measured).
    """
    model = BGNBD.from_params(CDNOW_BG)
    params = list(CDNOW_BG.values())
    tx = 0.0 if x == 0 else (30.0 if x < 100 else T_CAL - 0.5)
    for z in ARGUMENTS:
        t = z * (CDNOW_BG["alpha"] + T_CAL) / (1 - z)
        ours = model.predict_purchases(t, x, tx, T_CAL)
        exact = ref.bg_conditional_expectation(params, t, x, tx, T_CAL, 0)
        assert math.isfinite(ours)
        assert ours > 0
        assert ours == pytest.approx(exact, rel=1e-12 if z <= 0.9 else 5e-9)


def test_scipy_hyp2f1_overflows_where_we_do_not() -> None:
    # the textbook conditional expectation needs 2F1(r+x, b+x; a+b+x-1; z); scipy's is inf
    # here (lifetimes then falls back to a transformed form), while our all-positive
    # series needs no 2F1 at all
    r, alpha, a, b = CDNOW_BG.values()
    z = 0.9999
    assert math.isinf(sc.hyp2f1(r + 5000, b + 5000, a + b + 5000 - 1, z))
    t = z * (alpha + T_CAL) / (1 - z)
    assert math.isfinite(BGNBD.from_params(CDNOW_BG).predict_purchases(t, 5000, 38.0, T_CAL))


def test_underflow_is_a_true_zero() -> None:
    """x = 5000 purchases, the last 8.86 weeks ago: P(alive) ~ 1e-1000 is below double range."""
    model = BGNBD.from_params(CDNOW_BG)
    assert model.probability_alive(5000, 30.0, T_CAL) == 0.0
    ratio_log10 = math.log10(CDNOW_BG["a"] / (CDNOW_BG["b"] + 4999)) + (
        CDNOW_BG["r"] + 5000
    ) * math.log10((CDNOW_BG["alpha"] + T_CAL) / (CDNOW_BG["alpha"] + 30))
    assert ratio_log10 > 330  # so the exact value is < 1e-330, which rounds to 0


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("x", [0, 1, 100, 5000])
def test_paretonbd_loglik_grid(x: int, swap: bool) -> None:
    """Pareto/NBD log-likelihood with |alpha-beta|/(max+t_x) up to 0.9999 and t_x -> T,
    against note 009's difference of 2F1 values evaluated in 50-digit mpmath."""
    import mpmath as mp

    for zz in ARGUMENTS:
        alpha, beta = 10.0, 10.0 * (1 - zz)
        if swap:
            alpha, beta = beta, alpha
        params = np.array([0.55, alpha, 0.6, beta])
        for tx in [0.0] if x == 0 else [T_CAL / 2, T_CAL - 0.5, T_CAL - 1e-6, T_CAL]:
            ours = _pnbd_kernels.pnbd_loglik(
                params, np.array([x]), np.array([tx]), np.array([T_CAL]), np.ones(1), 0
            )[0]
            with mp.workdps(50):
                exact = float(ref.pnbd_loglik_row([mp.mpf(v) for v in params], x, tx, T_CAL))
            assert ours == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize(("alpha", "beta", "x"), [(1.0, 50.0, 1000), (0.01, 11.669, 5000)])
def test_lifetimes_paretonbd_fails_where_we_do_not(alpha: float, beta: float, x: int) -> None:
    """With alpha < beta the textbook form needs 2F1(r+s+x, r+x; r+s+x+1; z), which
    overflows in scipy for large x: lifetimes' log-likelihood is NaN. Ours matches mpmath."""
    import mpmath as mp

    params = [0.553, alpha, 0.606, beta]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

        theirs = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            params, np.array([x]), np.array([0.5]), np.array([T_CAL])
        )
    ours = _pnbd_kernels.pnbd_loglik(
        np.array(params), np.array([x]), np.array([0.5]), np.array([T_CAL]), np.ones(1), 0
    )[0]
    with mp.workdps(60):
        exact = float(ref.pnbd_loglik_row([mp.mpf(v) for v in params], x, 0.5, T_CAL))
    assert math.isnan(float(theirs[0]))
    assert ours == pytest.approx(exact, rel=1e-13)


@pytest.mark.parametrize("model_cls", [BGNBD, MBGNBD, ParetoNBD])
def test_recency_equals_T(model_cls: type) -> None:
    params = CDNOW_PNBD if model_cls is ParetoNBD else CDNOW_BG
    model = model_cls.from_params(params)
    alive = model.probability_alive(7, T_CAL, T_CAL)
    if model_cls is ParetoNBD:
        assert alive == 1.0  # just bought: certainly alive
    else:
        m = 1 if model_cls is MBGNBD else 0
        # the ratio (alpha+T)/(alpha+t_x) is 1: P = 1 / (1 + a/(b+x+m-1))
        assert alive == pytest.approx(1 / (1 + params["a"] / (params["b"] + 7 + m - 1)), rel=1e-15)
    assert math.isfinite(model.predict_purchases(10.0, 7, T_CAL, T_CAL))


@pytest.mark.parametrize("model_cls", [BGNBD, MBGNBD, ParetoNBD])
def test_customers_acquired_today(model_cls: type, cdnow: pd.DataFrame) -> None:  # noqa: F821
    """T = 0 customers have likelihood 1: adding them changes nothing in the fit."""
    base = model_cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    x = np.concatenate([cdnow["frequency"].to_numpy(), np.zeros(50)])
    tx = np.concatenate([cdnow["recency"].to_numpy(), np.zeros(50)])
    T = np.concatenate([cdnow["T"].to_numpy(), np.zeros(50)])
    more = model_cls().fit(x, tx, T)
    np.testing.assert_allclose(more.params_, base.params_, rtol=1e-7)
    assert more.log_likelihood_ == pytest.approx(base.log_likelihood_, rel=1e-12)
    assert more.n_customers_ == base.n_customers_ + 50
    new = more.predict_purchases(39.0, 0, 0, 0)
    assert new == pytest.approx(float(more.expected_purchases(39.0)), rel=1e-12)


@pytest.mark.parametrize(("a", "b"), [(0.3, 0.4), (1.0, 2.0), (0.05, 0.1), (1.0, 0.0001)])
def test_bgnbd_small_a_and_b(a: float, b: float) -> None:
    """a + b < 1 and a = 1 (the removable singularity of FHL eq. 10) give finite values."""
    params = {"r": 0.5, "alpha": 3.0, "a": a, "b": b}
    for cls, m in ((BGNBD, 0), (MBGNBD, 1)):
        model = cls.from_params(params)
        for x, tx in ((0, 0.0), (3, 20.0)):
            ours = model.predict_purchases(25.0, x, tx, 30.0)
            exact = ref.bg_conditional_expectation(list(params.values()), 25.0, x, tx, 30.0, m)
            assert ours == pytest.approx(exact, rel=1e-11)
        assert float(np.sum(model.probability_of_purchases(np.arange(400), 20.0))) == pytest.approx(
            1.0, abs=1e-10
        )


def test_paretonbd_s_equal_one() -> None:
    model = ParetoNBD.from_params({"r": 0.5, "alpha": 10.0, "s": 1.0, "beta": 12.0})
    exact = ref.pnbd_conditional_expectation([0.5, 10.0, 1.0, 12.0], 30.0, 4, 20.0, 38.0)
    assert model.predict_purchases(30.0, 4, 20.0, 38.0) == pytest.approx(exact, rel=1e-12)
    # E[X(t)] = r beta / alpha * log(1 + t/beta) at s = 1
    assert model.expected_purchases(30.0) == pytest.approx(0.5 * 12 / 10 * math.log1p(30 / 12))


def test_fit_with_extreme_customer(cdnow: pd.DataFrame) -> None:  # noqa: F821
    """A customer with 5,000 purchases keeps the likelihood finite for both models."""
    x = np.append(cdnow["frequency"].to_numpy(), 5000)
    tx = np.append(cdnow["recency"].to_numpy(), 38.5)
    T = np.append(cdnow["T"].to_numpy(), 38.86)
    for cls in (BGNBD, ParetoNBD):
        model = cls().fit(x, tx, T)
        assert math.isfinite(model.log_likelihood_)
        assert np.all(np.isfinite(model.standard_errors_))


def test_horizon_too_long_is_a_clear_error() -> None:
    model = BGNBD.from_params(CDNOW_BG)
    with pytest.raises(InvalidParameterError, match="t must be short enough"):
        model.predict_purchases(1e22, 0, 0.0, T_CAL)
