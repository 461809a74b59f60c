"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987)."""

from __future__ import annotations

import math
from typing import Any, ClassVar, overload

import numpy as np
import pandas as pd
from scipy import special

from precisemkt._typing import FloatArray
from precisemkt._validation import check_interval
from precisemkt.clv import _pnbd_kernels
from precisemkt.clv._base import Role, threads_for
from precisemkt.clv._inputs import Patterns, Scalar, Vector, wrap
from precisemkt.clv._transaction import TransactionModel

__all__ = ["ParetoNBD"]


class ParetoNBD(TransactionModel):
    """The Pareto/NBD "buy till you die" model of Schmittlein, Morrison & Colombo (1987).

    While active, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; the lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. The
    likelihood uses an all-positive series for the hypergeometric part (no cancelling
    difference of two 2F1 values), so fits stay finite for large frequencies and for
    recency close to T, where the textbook form loses all digits.

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
        Estimates of ``r, alpha, s, beta``.
    standard_errors_ : pandas.Series
        Standard errors from the exact Hessian (observed information) at the optimum.
    covariance_ : pandas.DataFrame
        Inverse observed information, symmetric.
    log_likelihood_ : float
        Summed log-likelihood in the data's units (-9595.0 on CDNOW in weeks).
    aic_, bic_ : float
        Information criteria.
    n_customers_ : int
        Customers fitted (sum of weights).
    n_iter_ : int
        Newton iterations used.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who
    Are They and What Will They Do Next? Management Science 33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and
    Related Expressions. http://brucehardie.com/notes/009/

    Examples
    --------
    >>> from precisemkt.clv import ParetoNBD
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> s = rfm_summary(load_cdnow(), freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> model = ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
    >>> round(model.log_likelihood_, 1)
    -9595.0
    """

    _roles: ClassVar[tuple[tuple[str, Role], ...]] = (
        ("r", "shape"),
        ("alpha", "scale"),
        ("s", "shape"),
        ("beta", "scale"),
    )
    _time_params: ClassVar[tuple[int, ...]] = (1, 3)
    _label: ClassVar[str] = "Pareto/NBD"

    def _loglik(self, params: FloatArray, data: Patterns, order: int) -> FloatArray:
        x, tx, T = data.columns
        with threads_for(x.size):
            out: FloatArray = _pnbd_kernels.pnbd_loglik(
                params, x.astype(np.int64), tx, T, data.weights, order
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
            out, clean = _pnbd_kernels.pnbd_predict(params, xf, txf, tf, t, what)
        return out, clean

    def _expected(self, params: FloatArray, t: FloatArray) -> FloatArray:
        r, alpha, s, beta = params
        # r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)], stable at s = 1
        lg = np.log1p(t / beta)
        frac = lg if s == 1.0 else -np.expm1(-(s - 1.0) * lg) / (s - 1.0)
        out: FloatArray = r / alpha * beta * frac
        return out

    def _future_params(
        self, params: FloatArray, x: FloatArray, T: FloatArray
    ) -> tuple[FloatArray, ...]:
        r, alpha, s, beta = params
        # alive at T: lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T), memoryless lifetime
        return r + x, alpha + T, np.full(x.size, s), beta + T

    def _pmf(
        self, params: tuple[FloatArray, ...], n: FloatArray, t: FloatArray, conditional: bool
    ) -> FloatArray:
        r, alpha, s, beta = (np.broadcast_to(p, n.shape) for p in params)
        m = np.maximum(alpha, beta)
        with np.errstate(divide="ignore"):
            log_i0 = np.log(special.betainc(n + 1.0, r + s, t / (m + t)))
        with threads_for(n.size):
            out: FloatArray = _pnbd_kernels.pnbd_pmf(
                np.ascontiguousarray(r),
                np.ascontiguousarray(alpha),
                np.ascontiguousarray(s),
                np.ascontiguousarray(beta),
                n,
                t,
                log_i0,
            )
        return out

    @overload
    def expected_residual_transactions(
        self,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        T: Any = None,
        *,
        discount_rate: Any,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def expected_residual_transactions(
        self,
        frequency: Scalar,
        recency: Scalar,
        T: Scalar,
        *,
        discount_rate: Any,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float: ...
    @overload
    def expected_residual_transactions(
        self,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        T: Vector | Scalar,
        *,
        discount_rate: Any,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def expected_residual_transactions(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        discount_rate: Any,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def expected_residual_transactions(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        discount_rate: Any,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> float | FloatArray | pd.Series:
        """Discounted expected residual transactions (DERT) of each customer.

        ``DERT = P(alive) (r+x)/(alpha+T) (beta+T) U(1, 2-s, delta (beta+T))`` with
        ``delta`` the continuously compounded discount rate per time unit and ``U`` the
        confluent hypergeometric function of the second kind; this is
        ``E[int_T^inf e^{-delta (u - T)} dX(u) | x, t_x, T]`` (Fader, Hardie & Lee 2005,
        "RFM and CLV", eq. 2, with ``U(s, s; z) = z^{1-s} U(1, 2-s; z)``).

        Parameters
        ----------
        frequency : pandas.DataFrame, array-like or scalar
            The ``rfm_summary`` frame, or the customers' repeat purchases.
        recency, T : array-like or scalar, optional
            The rest of the RFM summary (left out with a frame).
        discount_rate : float
            Continuously compounded rate per time unit of the data (> 0), e.g.
            ``log(1.15) / 52`` for 15% a year with weekly data.
        frequency_col, recency_col, T_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected discounted number of future purchases per customer.

        Examples
        --------
        >>> import math
        >>> from precisemkt.clv import ParetoNBD
        >>> model = ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
        >>> weekly = math.log(1.15) / 52
        >>> model.expected_residual_transactions(2, 30.4, 38.9, discount_rate=weekly) > 0
        True
        """
        params, a, n, index, scalar = self._customers(
            {"frequency": frequency, "recency": recency, "T": T},
            (frequency_col, recency_col, T_col),
        )
        delta = check_interval(
            discount_rate,
            "discount_rate",
            low=0,
            high=math.inf,
            closed="neither",
            hint="Use log(1 + annual rate) / periods per year.",
        )
        out = self._dert(params, a, n, index, delta)
        return wrap(self._finite(out, "DERT"), index, scalar, "dert")

    def _dert(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        n: int,
        index: pd.Index | None,
        delta: float,
    ) -> FloatArray:
        r, alpha, s, beta = params
        alive = self._predict(params, a, np.zeros(1), n, 0, index)
        bt = beta + a["T"]
        ratio = special.hyperu(1.0, 2.0 - s, delta * bt)  # = (z^(s-1) U(s, s, z)), z = delta bt
        out = np.broadcast_to(alive * (r + a["frequency"]) / (alpha + a["T"]) * bt * ratio, (n,))
        return out.copy()

    def _lifetime_transactions(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        n: int,
        index: pd.Index | None,
        step: float,
        rate: float,
    ) -> FloatArray:
        # DERT with the equivalent continuously compounded rate per data time unit
        return self._dert(params, a, n, index, math.log1p(rate) / step)
