"""BG/NBD (Fader, Hardie & Lee 2005) and MBG/NBD (Batislam et al. 2007) models."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy import special

from precisemkt._typing import FloatArray
from precisemkt.clv import _bgnbd_kernels
from precisemkt.clv._base import Role, threads_for
from precisemkt.clv._inputs import Patterns
from precisemkt.clv._transaction import TransactionModel

__all__ = ["BGNBD", "MBGNBD"]


class _BetaGeometric(TransactionModel):
    """Shared implementation; ``_m`` is 0 for BG/NBD and 1 for MBG/NBD."""

    _roles: ClassVar[tuple[tuple[str, Role], ...]] = (
        ("r", "shape"),
        ("alpha", "scale"),
        ("a", "shape"),
        ("b", "shape"),
    )
    _time_params: ClassVar[tuple[int, ...]] = (1,)
    _m: ClassVar[int]

    def _loglik(self, params: FloatArray, data: Patterns, order: int) -> FloatArray:
        x, tx, T = data.columns
        with threads_for(x.size):
            out: FloatArray = _bgnbd_kernels.bg_loglik(
                params, x.astype(np.int64), tx, T, data.weights, self._m, order
            )
        return out

    def _predict_rows(
        self,
        params: FloatArray,
        x: FloatArray,
        tx: FloatArray,
        T: FloatArray,
        t: FloatArray,
        n: int,
        what: int,
    ) -> tuple[FloatArray, bool]:
        xf, txf, tf = (np.ascontiguousarray(np.broadcast_to(v, (n,))) for v in (x, tx, T))
        with threads_for(n):
            out: FloatArray
            out, clean = _bgnbd_kernels.bg_predict(params, self._m, xf, txf, tf, t, what)
        return out, clean

    def _expected(self, params: FloatArray, t: FloatArray) -> FloatArray:
        zero = np.zeros(1)
        return self._predict_rows(params, zero, zero, zero, t, t.size, 1)[0]

    def _future_params(
        self, params: FloatArray, x: FloatArray, T: FloatArray
    ) -> tuple[FloatArray, ...]:
        r, alpha, a, b = params
        # alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+m); from then on the
        # customer can only drop out after a purchase, i.e. a BG/NBD with these parameters
        return r + x, alpha + T, np.full(x.size, a), b + x + self._m

    def _pmf(
        self, params: tuple[FloatArray, ...], n: FloatArray, t: FloatArray, conditional: bool
    ) -> FloatArray:
        r, alpha, a, b = params
        m = 0 if conditional else self._m
        # NB probability of n purchases of an immortal customer, then dropout weights
        log_nb = (
            special.gammaln(r + n)
            - special.gammaln(r)
            - special.gammaln(n + 1)
            + r * np.log(alpha / (alpha + t))
            + special.xlogy(n, t / (alpha + t))
        )
        log_b0 = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + n + m) - log_b0 + log_nb)
        # dropped after the n-th purchase: B(a+1, b+n+m-1)/B(a, b) P(NB >= n)
        tail = np.where(n > 0, special.betainc(np.maximum(n, 1), r, t / (alpha + t)), 1.0)
        dead = np.where(
            (n > 0) | (m == 1),
            np.exp(special.betaln(a + 1, np.maximum(b + n + m - 1, 1e-300)) - log_b0) * tail,
            0.0,
        )
        out: FloatArray = alive + dead
        return out


class BGNBD(_BetaGeometric):
    """The BG/NBD "buy till you die" model of Fader, Hardie & Lee (2005).

    While active, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; after each repeat purchase the customer drops out for good with probability
    ``p ~ Beta(a, b)``. Time is in the unit of the data (e.g. weeks for the papers'
    CDNOW analysis).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters, as lifetimes' ``penalizer_coef``: the fit minimises
        ``-mean log-likelihood + penalizer * sum(params**2)``, with time-valued
        parameters in units of the longest observation (``max T = 1``). It shrinks the
        estimates toward 0, so it changes them (and the standard errors, taken from the
        penalised information); use a small value (0.001-0.1) when there are few
        customers or a fit does not converge.
    tol : float, default 1e-10
        Gradient tolerance of the Newton optimiser (mean log-likelihood, log-parameters).
    max_iter : int, default 200
        Maximum Newton iterations.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``r, alpha, a, b``.
    standard_errors_ : pandas.Series
        Standard errors from the exact Hessian (observed information) at the optimum.
    covariance_ : pandas.DataFrame
        Inverse observed information, symmetric.
    log_likelihood_ : float
        Summed log-likelihood in the data's units (-9582.4 on CDNOW in weeks).
    aic_, bic_ : float
        Information criteria (BIC with ``n_customers_``).
    n_customers_ : int
        Customers fitted (sum of weights).
    n_iter_ : int
        Newton iterations used.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy
    Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from precisemkt.clv import BGNBD
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> s = rfm_summary(load_cdnow(), freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> model = BGNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> round(model.predict_purchases(39, 2, 30.43, 38.86), 4)
    1.2259
    """

    _m: ClassVar[int] = 0
    _label: ClassVar[str] = "BG/NBD"


class MBGNBD(_BetaGeometric):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007; Wagner & Hoppe 2008).

    As :class:`BGNBD`, but a customer can also drop out right after the first purchase, so
    customers without repeat purchases are not all certainly alive.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters, as lifetimes' ``penalizer_coef``: the fit minimises
        ``-mean log-likelihood + penalizer * sum(params**2)``, with time-valued
        parameters in units of the longest observation (``max T = 1``). It shrinks the
        estimates toward 0, so it changes them (and the standard errors, taken from the
        penalised information); use a small value (0.001-0.1) when there are few
        customers or a fit does not converge.
    tol : float, default 1e-10
        Gradient tolerance of the Newton optimiser.
    max_iter : int, default 200
        Maximum Newton iterations.

    Attributes
    ----------
    params_, standard_errors_, covariance_, log_likelihood_, aic_, bic_, n_customers_, n_iter_
        As for :class:`BGNBD`.

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
    comparison of models for customer base analysis. IJRM 24(3), 201-209.

    Examples
    --------
    >>> from precisemkt.clv import MBGNBD
    >>> model = MBGNBD.from_params({"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614})
    >>> 0 < model.probability_alive(0, 0, 38.9) < 1
    True
    """

    _m: ClassVar[int] = 1
    _label: ClassVar[str] = "MBG/NBD"
