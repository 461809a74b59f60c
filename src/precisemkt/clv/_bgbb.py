"""The BG/BB model for discrete-time transaction opportunities (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, overload

import numpy as np
import pandas as pd
from scipy import special

from precisemkt._typing import FloatArray
from precisemkt._units import TimeUnit
from precisemkt._validation import (
    as_float_array,
    check_interval,
    check_same_length,
    check_whole,
    format_message,
    show_value,
)
from precisemkt.clv import _bgbb_kernels
from precisemkt.clv._base import Role
from precisemkt.clv._inputs import (
    Patterns,
    Scalar,
    Vector,
    check_rfm,
    check_unit,
    check_weights,
    compress,
    customer_inputs,
    prediction_arrays,
    require_repeat_buyers,
    wrap,
)
from precisemkt.clv._valuation import PurchaseModel
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["BGBB"]


#: Most transaction opportunities a BG/BB computation accepts (n_periods, and n_periods
#: plus the periods ahead of a prediction): the likelihood and the predictions sum over
#: every opportunity and tabulate log-gamma differences up to it, so time and memory grow
#: with this count; the cap keeps a fit to seconds and the tables to about 1 MB.
MAX_PERIODS = 10_000


def _periods(
    values: FloatArray, name: str, error: type[ValueError] = InvalidParameterError
) -> FloatArray:
    check_whole(values, name, low=0, hint="Count transaction opportunities.", error=error)
    if values.size and float(np.max(values)) > MAX_PERIODS:
        raise error(
            format_message(
                name,
                f"be at most {MAX_PERIODS:,} (BG/BB sums over every transaction opportunity, "
                "so its work grows with the count)",
                f"{float(np.max(values)):,.0f}",
                "Count opportunities in a coarser unit (e.g. years instead of days); "
                "for continuous time use BGNBD or ParetoNBD.",
            )
        )
    return values


def _opportunities(value: Any, name: str) -> float:
    """A whole number of opportunities > 0 per discount period (``period_length``)."""
    step = check_interval(value, name, low=0, closed="neither")
    _periods(np.array([step]), name)
    return step


class BGBB(PurchaseModel):
    """The beta-geometric/beta-Bernoulli (BG/BB) model of Fader, Hardie & Shang (2010).

    For customers with discrete transaction opportunities (e.g. one donation a year):
    while alive, a customer transacts at each opportunity with probability ``p ~ Beta(alpha,
    beta)``, and before each opportunity dies with probability ``theta ~ Beta(gamma,
    delta)``. The data per customer are ``frequency`` (opportunities with a repeat
    transaction), ``recency`` (the last such opportunity, 0 if none) and ``n_periods``
    (opportunities observed).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters, as lifetimes' ``penalizer_coef``: the fit minimises
        ``-mean log-likelihood + penalizer * sum(params**2)``. It shrinks the
        estimates toward 0, so it changes them (and the standard errors, taken from the
        penalised information); use a small value (0.001-0.1) when there are few
        customers or a fit does not converge.
    tol : float, default 1e-10
        Gradient tolerance of the Newton optimiser.
    max_iter : int, default 200
        Maximum Newton iterations.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``alpha, beta, gamma, delta``.
    standard_errors_, covariance_ : pandas.Series, pandas.DataFrame
        From the exact Hessian (observed information) at the optimum.
    log_likelihood_ : float
        Summed log-likelihood (-33225.6 on the donations data).
    aic_, bic_ : float
        Information criteria.
    n_customers_ : int
        Customers fitted (sum of weights).
    n_iter_ : int
        Newton iterations used.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting. Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> from precisemkt.clv import BGBB
    >>> from precisemkt.datasets import load_donations
    >>> d = load_donations()
    >>> model = BGBB().fit(d, weights="count")
    >>> round(model.log_likelihood_, 1)
    -33225.6
    """

    #: all four are shapes of the beta distributions of p and theta
    _roles: ClassVar[tuple[tuple[str, Role], ...]] = (
        ("alpha", "shape"),
        ("beta", "shape"),
        ("gamma", "shape"),
        ("delta", "shape"),
    )
    _label: ClassVar[str] = "BG/BB"
    _data_hint: ClassVar[str] = (
        "checking that the data have both repeat buyers and customers whose last "
        "transaction came well before n_periods (without them nothing shows dropout)"
    )
    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "n_periods")
    _patterns: Patterns

    def _start(self) -> FloatArray:
        return np.ones(4)

    def _loglik(self, params: FloatArray, order: int) -> FloatArray:
        x, tx, n = (c.astype(np.int64) for c in self._patterns.columns)
        out: FloatArray = _bgbb_kernels.bgbb_loglik(params, x, tx, n, self._patterns.weights, order)
        return out

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
    ) -> Self:
        """Fit by maximum likelihood on (frequency, recency, n_periods) rows.

        Pass a frame with these columns (``fit(d, weights="count")``) or the three
        columns; Series are paired by customer id.

        Parameters
        ----------
        frequency : pandas.DataFrame or array-like
            A frame with the three columns, or the opportunities with a repeat
            transaction (whole numbers, <= recency).
        recency : array-like, optional
            The last opportunity with a transaction (0 if none; <= n_periods).
        n_periods : array-like, optional
            Opportunities observed after the first transaction.
        weights : array-like or str, optional
            Customers sharing each row (e.g. the ``count`` column of the donations data);
            with a frame, the name of a column.
        initial_params : mapping, optional
            Starting values by parameter name.
        frequency_col, recency_col, n_periods_col : str
            Column names in the frame.

        Returns
        -------
        self

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> from precisemkt.datasets import load_donations
        >>> d = load_donations()
        >>> model = BGBB().fit(d, weights="count")
        >>> list(model.params_.index)
        ['alpha', 'beta', 'gamma', 'delta']
        """
        c = customer_inputs(
            {
                "frequency": frequency,
                "recency": recency,
                "n_periods": n_periods,
                "weights": weights,
            },
            {"frequency": frequency_col, "recency": recency_col, "n_periods": n_periods_col},
        )
        index = c.ids
        x, tx, n = (
            as_float_array(c.values[k], k, ndim=1, copy=False, allow_nan=True, allow_inf=True)
            for k in ("frequency", "recency", "n_periods")
        )
        check_same_length(frequency=x, recency=tx, n_periods=n)
        size = check_rfm(x, tx, n, index=index, t_name="n_periods", discrete=True)
        _periods(n, "n_periods", ValidationError)
        w = check_weights(c.values["weights"], size, index)
        require_repeat_buyers(x, w, self._label)
        self._patterns = compress((x, tx, n), w)
        self._fit_loglik(self._loglik, float(self._patterns.weights.sum()), initial_params)
        self.time_unit_ = c.time_unit
        return self

    def _rows(
        self, values: dict[str, Any], columns: tuple[str, str, str]
    ) -> tuple[FloatArray, dict[str, np.ndarray], int, Any, bool]:
        params = self._fitted_params()
        c = customer_inputs(
            values, dict(zip(("frequency", "recency", "n_periods"), columns, strict=True))
        )
        check_unit(self, c.time_unit)
        arrays, size, index, scalar = prediction_arrays(c.values, c.ids)
        check_rfm(
            arrays["frequency"],
            arrays["recency"],
            arrays["n_periods"],
            index=index,
            t_name="n_periods",
            discrete=True,
        )
        ahead = arrays.get("t", np.zeros(1))
        n_max = float(np.max(arrays["n_periods"])) if arrays["n_periods"].size else 0.0
        t_max = float(np.max(ahead)) if ahead.size else 0.0
        _periods(np.array([n_max + t_max]), "n_periods + t")
        full = {
            k: np.ascontiguousarray(np.broadcast_to(v, (size,))).astype(np.int64)
            for k, v in arrays.items()
        }
        return params, full, size, index, scalar

    @overload
    def probability_alive(
        self,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        n_periods: Any = None,
        *,
        t: Any = ...,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def probability_alive(  # type: ignore[overload-overlap]
        self,
        frequency: Scalar,
        recency: Scalar,
        n_periods: Scalar,
        *,
        t: Any = ...,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> float: ...
    @overload
    def probability_alive(
        self,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        n_periods: Vector | Scalar,
        *,
        t: Any = ...,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def probability_alive(
        self,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        t: Any = ...,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def probability_alive(
        self,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        t: Any = 1,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
    ) -> float | FloatArray | pd.Series:
        """Probability of being alive at opportunity ``n_periods + t``.

        ``t = 1`` (the next opportunity) is FHS 2010's "P(alive in 2002)" of Table 6.

        Parameters
        ----------
        frequency : pandas.DataFrame, array-like or int
            A frame with the three columns, or the opportunities with a transaction.
        recency, n_periods : array-like or int, optional
            The rest of the customers' histories (left out with a frame).
        t : int or array-like, default 1
            Opportunities ahead (>= 0).
        frequency_col, recency_col, n_periods_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> from precisemkt.datasets import load_donations
        >>> d = load_donations()
        >>> m = BGBB().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["count"])
        >>> round(m.probability_alive(6, 6, 6), 2)
        0.93
        """
        _periods(as_float_array(t, "t", ndim=1, copy=False, allow_nan=True, allow_inf=True), "t")
        params, a, _, index, scalar = self._rows(
            {"frequency": frequency, "recency": recency, "n_periods": n_periods, "t": t},
            (frequency_col, recency_col, n_periods_col),
        )
        out = _bgbb_kernels.bgbb_predict(
            params, a["frequency"], a["recency"], a["n_periods"], a["t"], 0
        )
        return wrap(out, index, scalar, "probability_alive")

    @overload
    def predict_purchases(
        self,
        t: Any,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        n_periods: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def predict_purchases(  # type: ignore[overload-overlap]
        self,
        t: Scalar,
        frequency: Scalar,
        recency: Scalar,
        n_periods: Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> float: ...
    @overload
    def predict_purchases(
        self,
        t: Vector | Scalar,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        n_periods: Vector | Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def predict_purchases(
        self,
        t: Any,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        n_periods_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def predict_purchases(
        self,
        t: Any,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
    ) -> float | FloatArray | pd.Series:
        """Expected transactions in the next ``t`` opportunities given each history.

        Parameters
        ----------
        t : int or array-like
            Future opportunities (>= 0).
        frequency : pandas.DataFrame, array-like or int
            A frame with the three columns, or the opportunities with a transaction.
        recency, n_periods : array-like or int, optional
            The rest of the customers' histories (left out with a frame).
        frequency_col, recency_col, n_periods_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> from precisemkt.datasets import load_donations
        >>> d = load_donations()
        >>> m = BGBB().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["count"])
        >>> m.predict_purchases(5, 6, 6, 6) > m.predict_purchases(5, 1, 1, 6)
        True
        """
        _periods(as_float_array(t, "t", ndim=1, copy=False, allow_nan=True, allow_inf=True), "t")
        params, a, _, index, scalar = self._rows(
            {"t": t, "frequency": frequency, "recency": recency, "n_periods": n_periods},
            (frequency_col, recency_col, n_periods_col),
        )
        out = _bgbb_kernels.bgbb_predict(
            params, a["frequency"], a["recency"], a["n_periods"], a["t"], 1
        )
        return wrap(out, index, scalar, "predicted_purchases")

    @overload
    def expected_purchases(self, n_periods: pd.Series) -> pd.Series: ...
    @overload
    def expected_purchases(self, n_periods: Scalar) -> float: ...
    @overload
    def expected_purchases(self, n_periods: Vector) -> FloatArray: ...
    def expected_purchases(self, n_periods: Any) -> float | FloatArray | pd.Series:
        """Expected repeat transactions in the first ``n_periods`` opportunities, E[X(n)].

        Parameters
        ----------
        n_periods : int or array-like
            Opportunities (>= 0).

        Returns
        -------
        float or numpy.ndarray (Series for a Series input)

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> from precisemkt.datasets import load_donations
        >>> d = load_donations()
        >>> m = BGBB().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["count"])
        >>> m.expected_purchases(0)
        0.0
        """
        params = self._fitted_params()
        arrays, _, index, scalar = prediction_arrays({"n_periods": n_periods})
        n = _periods(arrays["n_periods"], "n_periods").astype(np.int64)
        zero = np.zeros(n.size, dtype=np.int64)
        # a "customer" with no history who is alive at opportunity 0
        out = _bgbb_kernels.bgbb_predict(params, zero, zero, zero, n, 1)
        return wrap(out, index, scalar, "expected_purchases")

    @overload
    def probability_of_purchases(self, n: Scalar, n_periods: Scalar) -> float: ...  # type: ignore[overload-overlap]
    @overload
    def probability_of_purchases(
        self, n: Vector | Scalar, n_periods: Vector | Scalar
    ) -> FloatArray: ...
    @overload
    def probability_of_purchases(
        self, n: Any, n_periods: Any
    ) -> float | FloatArray | pd.Series: ...
    def probability_of_purchases(self, n: Any, n_periods: Any) -> float | FloatArray | pd.Series:
        """Probability of exactly ``n`` repeat transactions in ``n_periods`` (FHS 2010 eq. 7).

        Parameters
        ----------
        n : int or array-like
            Numbers of transactions (0 <= n <= n_periods), named ``n`` as in the
            continuous-time models.
        n_periods : int or array-like
            Opportunities; broadcast against ``n``.

        Returns
        -------
        float, numpy.ndarray or pandas.Series

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> from precisemkt.datasets import load_donations
        >>> d = load_donations()
        >>> m = BGBB().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["count"])
        >>> round(sum(m.probability_of_purchases(k, 6) for k in range(7)), 12)
        1.0
        """
        alpha, beta, gamma, delta = self._fitted_params()
        arrays, _, index, scalar = prediction_arrays({"n": n, "n_periods": n_periods})
        xs, ns = np.broadcast_arrays(
            _periods(arrays["n"], "n"), _periods(arrays["n_periods"], "n_periods")
        )
        if np.any(xs > ns):
            raise InvalidParameterError(
                format_message("n", "be <= n_periods", "a larger value", "")
            )
        lab = special.betaln(alpha, beta)
        lgd = special.betaln(gamma, delta)

        def log_comb(i: FloatArray, k: FloatArray) -> FloatArray:
            out: FloatArray = (
                special.gammaln(i + 1) - special.gammaln(k + 1) - special.gammaln(i - k + 1)
            )
            return out

        total = np.exp(
            log_comb(ns, xs)
            + special.betaln(alpha + xs, beta + ns - xs)
            - lab
            + special.betaln(gamma, delta + ns)
            - lgd
        )
        for i in range(int(ns.max()) if ns.size else 0):
            use = (i >= xs) & (i < ns)
            term = np.exp(
                log_comb(np.full(xs.shape, float(i)), np.minimum(xs, i))
                + special.betaln(alpha + xs, beta + np.maximum(i - xs, 0))
                - lab
                + special.betaln(gamma + 1, delta + i)
                - lgd
            )
            total = total + np.where(use, term, 0.0)
        return wrap(np.asarray(total, dtype=np.float64).reshape(-1), index, scalar, "probability")

    # ------------------------------------------------------------------ valuation
    def _period_length(self, freq: Any, recorded: TimeUnit | None) -> float:
        """One opportunity per discount period, or ``freq`` (a whole number of them)."""
        if freq is None:
            return 1.0
        if isinstance(freq, str):
            raise InvalidParameterError(
                format_message(
                    "freq",
                    "be None or a whole number of transaction opportunities per discount "
                    "period for BG/BB",
                    show_value(freq),
                    "Opportunities have no calendar length; freq=None discounts once per "
                    "opportunity.",
                )
            )
        return _opportunities(freq, "freq")

    def _conditional_expectation(
        self,
        params: FloatArray,
        rows: dict[str, FloatArray],
        t: FloatArray,
        n: int,
        index: pd.Index | None,
    ) -> FloatArray:
        x, tx, periods, ahead = (
            np.ascontiguousarray(np.rint(np.broadcast_to(v, (n,)))).astype(np.int64)
            for v in (*(rows[k] for k in self._columns), t)
        )
        _periods(np.array([float(np.max(periods)) + float(np.max(ahead))]), "n_periods + t")
        out: FloatArray = _bgbb_kernels.bgbb_predict(params, x, tx, periods, ahead, 1)
        return out

    def discounted_expected_transactions(
        self,
        frequency: Any,
        recency: Any = None,
        n_periods: Any = None,
        *,
        horizon: float,
        period_length: float = 1.0,
        discount_rate: float = 0.0,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
    ) -> float | FloatArray | pd.Series:
        """Expected transactions per customer over ``horizon`` discount periods, discounted.

        ``sum_{i=1..H} [CE(i f) - CE((i-1) f)] / (1 + d)^i`` with ``CE(t)`` the expected
        transactions in the next ``t`` opportunities (:meth:`predict_purchases`), ``f``
        the opportunities per discount period and ``d`` the discount rate per period: the
        transaction part of :func:`~precisemkt.clv.customer_lifetime_value`, with the
        bounded work of :meth:`~precisemkt.clv.BGNBD.discounted_expected_transactions`.
        The opportunities
        reached, ``n_periods + horizon * period_length``, are capped like every BG/BB
        computation (10,000), unless discounting ends the sum before.

        Parameters
        ----------
        frequency : pandas.DataFrame, array-like or int
            A frame with the three columns, or the opportunities with a transaction.
        recency, n_periods : array-like or int, optional
            The rest of the customers' histories (left out with a frame).
        horizon : int
            Number of discount periods (a whole number > 0).
        period_length : int, default 1
            Opportunities per discount period (a whole number > 0).
        discount_rate : float, default 0.0
            Discount rate per period (>= 0).
        frequency_col, recency_col, n_periods_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Discounted expected transactions per customer.

        Examples
        --------
        >>> from precisemkt.clv import BGBB
        >>> m = BGBB.from_params({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78})
        >>> det = m.discounted_expected_transactions(6, 6, 6, horizon=5)
        >>> bool(det == m.predict_purchases(5, 6, 6, 6))  # no discounting
        True
        """
        params, a, size, index, scalar = self._rows(
            {"frequency": frequency, "recency": recency, "n_periods": n_periods},
            (frequency_col, recency_col, n_periods_col),
        )
        _opportunities(period_length, "period_length")
        out = self._discounted(params, a, size, index, horizon, period_length, discount_rate)
        return wrap(out, index, scalar, "discounted_transactions")
