"""Shared front end of the continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, Self, overload

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._validation import (
    as_float_array,
    check_same_length,
    check_whole,
    format_message,
)
from precisemkt.clv._base import chunked
from precisemkt.clv._inputs import (
    Patterns,
    Scalar,
    Vector,
    check_horizon,
    check_rfm,
    check_unit,
    check_weights,
    compress,
    customer_inputs,
    prediction_arrays,
    raise_rfm_violation,
    require_repeat_buyers,
    rfm_length,
    wrap,
)
from precisemkt.clv._valuation import PurchaseModel
from precisemkt.errors import InvalidParameterError

__all__ = ["TransactionModel"]


class TransactionModel(PurchaseModel):
    """Front end shared by BG/NBD, MBG/NBD and Pareto/NBD: fit and predictions.

    A subclass declares ``_roles`` and ``_label`` and implements the abstract methods
    below, each on validated float arrays: the log-likelihood of the patterns with its
    derivatives, the per-row predictions (P(alive) and the conditional expectation, which
    also check the RFM rules), the unconditional expectation, the distribution of the
    number of purchases and the posterior parameters of a customer alive at ``T``.
    """

    _patterns: Patterns

    # ------------------------------------------------------------------ abstract
    @abstractmethod
    def _loglik(self, params: FloatArray, data: Patterns, order: int) -> FloatArray:
        """Summed log-likelihood of ``data`` (``order`` 0), with its gradient (1) and the
        upper triangle of its Hessian (2) in the raw parameters, as one vector."""

    @abstractmethod
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
        """P(alive) (``what=0``) or the expected purchases in ``(T, T+t]`` (1) of ``n``
        rows (arrays of length 1 or ``n``), and whether every row kept the RFM rules."""

    @abstractmethod
    def _expected(self, params: FloatArray, t: FloatArray) -> FloatArray:
        """``E[X(t)]`` of a newly acquired customer."""

    @abstractmethod
    def _pmf(
        self, params: tuple[FloatArray, ...], n: FloatArray, t: FloatArray, conditional: bool
    ) -> FloatArray:
        """P(X(t) = n), each parameter an array broadcast against ``n`` and ``t``.

        ``conditional``: the parameters are the posterior ones of customers alive at T.
        """

    @abstractmethod
    def _future_params(
        self, params: FloatArray, x: FloatArray, T: FloatArray
    ) -> tuple[FloatArray, ...]:
        """Parameters of the purchase process of customers alive at ``T`` (for ``_pmf``)."""

    # ------------------------------------------------------------------ fitting
    def _start(self) -> FloatArray:
        """Shapes 1; time scales the mean time between repeat purchases, 1 / (sum x /
        sum T) (or the mean T + 1 without repeat purchases)."""
        x, _, T = self._patterns.columns
        w = self._patterns.weights
        rate = float(np.sum(w * x) / max(float(np.sum(w * T)), 1e-300))
        scale = 1.0 / rate if rate > 0 else float(np.average(T, weights=w)) + 1.0
        return np.array([scale if role == "scale" else 1.0 for _, role in self._roles])

    def fit(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> Self:
        """Fit the model by maximum likelihood on the customers' RFM summary.

        Pass the ``rfm_summary`` frame (``fit(summary)``) or its three columns. Series are
        paired by customer id. Identical (frequency, recency, T) rows are collapsed into
        patterns with counts before fitting, so the cost grows with the number of
        distinct patterns. A time unit recorded by ``rfm_summary`` is kept as
        ``time_unit_`` and used by :func:`customer_lifetime_value` and
        :func:`tracking_transactions`.

        Parameters
        ----------
        frequency : pandas.DataFrame or array-like
            The ``rfm_summary`` frame, or the repeat purchases per customer (whole
            numbers >= 0), ``x`` in the papers.
        recency : array-like, optional
            Time from the first to the last purchase (0 without repeat purchases), ``t_x``;
            left out with a frame.
        T : array-like, optional
            Time from the first purchase to the end of observation (``recency <= T``);
            left out with a frame.
        weights : array-like or str, optional
            Number of customers sharing each row (whole numbers >= 0); default one each.
            With a frame, the name of a column.
        initial_params : mapping, optional
            Starting values by parameter name; default data-driven.
        frequency_col, recency_col, T_col : str
            Column names in the frame (the ``rfm_summary`` defaults).

        Returns
        -------
        self
            The fitted estimator (``params_``, ``standard_errors_``, ``covariance_``,
            ``log_likelihood_``, ``aic_``, ``bic_``, ``n_customers_``, ``time_unit_``).

        Raises
        ------
        ValidationError
            If the columns break an RFM rule (e.g. recency > T).
        ConvergenceError
            If the optimiser fails; the message lists what to try.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> from precisemkt.datasets import load_cdnow
        >>> from precisemkt.profiling import rfm_summary
        >>> s = rfm_summary(load_cdnow(), freq="D", freq_multiplier=7, observation_end="1997-09-30")
        >>> model = BGNBD().fit(s)
        >>> round(model.log_likelihood_, 1)
        -9582.4
        >>> sorted(model.params_.index)
        ['a', 'alpha', 'b', 'r']
        """
        c = customer_inputs(
            {"frequency": frequency, "recency": recency, "T": T, "weights": weights},
            {"frequency": frequency_col, "recency": recency_col, "T": T_col},
        )
        index = c.ids
        x, tx, tt = (
            as_float_array(c.values[k], k, ndim=1, copy=False, allow_nan=True, allow_inf=True)
            for k in ("frequency", "recency", "T")
        )
        check_same_length(frequency=x, recency=tx, T=tt)
        n = check_rfm(x, tx, tt, index=index)
        w = check_weights(c.values["weights"], n, index)
        require_repeat_buyers(x, w, self._label)
        self._patterns = compress((x, tx, tt), w)
        data = self._patterns
        self._fit_loglik(
            lambda p, order: self._loglik(p, data, order), float(data.weights.sum()), initial_params
        )
        self.time_unit_ = c.time_unit
        return self

    # ------------------------------------------------------------------ predictions
    def _customers(
        self, values: dict[str, Any], columns: tuple[str, str, str]
    ) -> tuple[FloatArray, dict[str, FloatArray], int, pd.Index | None, bool]:
        """Fitted parameters and the customers' inputs (columns or the summary frame,
        aligned by id) as float arrays, their count, ids and whether all were scalars."""
        params = self._fitted_params()
        c = customer_inputs(values, dict(zip(("frequency", "recency", "T"), columns, strict=True)))
        check_unit(self, c.time_unit)
        arrays, n, index, scalar = prediction_arrays(c.values, c.ids)
        rfm_length(arrays["frequency"], arrays["recency"], arrays["T"])
        return params, arrays, n, index, scalar

    def _conditional_expectation(
        self,
        params: FloatArray,
        rows: dict[str, FloatArray],
        t: FloatArray,
        n: int,
        index: pd.Index | None,
    ) -> FloatArray:
        return self._predict(params, rows, t, n, 1, index)

    def _predict(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        t: FloatArray,
        n: int,
        what: int,
        index: pd.Index | None,
    ) -> FloatArray:
        """P(alive) (``what=0``) or the conditional expectation (1) of the customers in
        ``a``. The kernels check the RFM rules in their own pass over the rows (a separate
        check would cost a third of P(alive)); a broken rule is reported here."""
        x, tx, T = a["frequency"], a["recency"], a["T"]

        def rows(lo: int, hi: int) -> FloatArray:
            px, ptx, pT, pt = (v if v.size == 1 else v[lo:hi] for v in (x, tx, T, t))
            out, clean = self._predict_rows(params, px, ptx, pT, pt, hi - lo, what)
            if not clean:
                raise_rfm_violation(x, tx, T, n, index=index)
            return out

        return chunked(n, rows)

    @overload
    def probability_alive(
        self,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def probability_alive(  # type: ignore[overload-overlap]
        self,
        frequency: Scalar,
        recency: Scalar,
        T: Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float: ...
    @overload
    def probability_alive(
        self,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        T: Vector | Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def probability_alive(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def probability_alive(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> float | FloatArray | pd.Series:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        frequency : pandas.DataFrame, array-like or scalar
            The ``rfm_summary`` frame, or the customers' repeat purchases (same rules as
            in :meth:`fit`).
        recency, T : array-like or scalar, optional
            The rest of the RFM summary (left out with a frame).
        frequency_col, recency_col, T_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            One probability per customer: a Series indexed by customer id for a frame or
            Series input, a float when every input is a scalar, else an array.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> 0 < m.probability_alive(2, 30.4, 38.9) < 1
        True
        """
        params, a, n, index, scalar = self._customers(
            {"frequency": frequency, "recency": recency, "T": T},
            (frequency_col, recency_col, T_col),
        )
        out = self._predict(params, a, np.zeros(1), n, 0, index)
        return wrap(out, index, scalar, "probability_alive")

    def probability_alive_matrix(
        self,
        max_frequency: int | None = None,
        max_recency: float | None = None,
        T: float | None = None,
    ) -> pd.DataFrame:
        """P(alive) on a grid of frequency (columns) and recency (rows) at age ``T``.

        Parameters
        ----------
        max_frequency : int, optional
            Largest frequency shown; default the 99th percentile of the fitted customers'
            frequencies (at least 1), so a few heavy buyers do not stretch the grid over
            values almost nobody has (on CDNOW the maximum is 80, the 99th percentile 13).
        max_recency : float, optional
            Largest recency (whole time units 0 .. max_recency); default ``T``.
        T : float, optional
            Age of every customer in the grid; default the largest fitted ``T``.

        Returns
        -------
        pandas.DataFrame
            Indexed by recency, columns frequency. The frequency-0 column is P(alive) of a
            customer without repeat purchases (recency does not apply to them).

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> m.probability_alive_matrix(max_frequency=3, T=10).shape
        (11, 4)
        """
        self._fitted_params()
        fitted = getattr(self, "_patterns", None)
        if T is None:
            if fitted is None:
                raise InvalidParameterError(
                    format_message(
                        "T",
                        "be given for a model built from parameters",
                        "None",
                        "Pass T=..., the customers' age.",
                    )
                )
            T = float(np.max(fitted.columns[2]))
        if max_frequency is None:
            max_frequency = (
                _weighted_quantile(fitted.columns[0], fitted.weights, 0.99)
                if fitted is not None
                else 10
            )
        age = float(T)
        top = age if max_recency is None else min(float(max_recency), age)
        recency = np.arange(0.0, np.floor(top) + 1.0)
        freq = np.arange(0.0, float(max_frequency) + 1.0)
        ff, rr = np.meshgrid(freq, recency)
        rr = np.where(ff == 0, 0.0, rr)
        values = self.probability_alive(ff.ravel(), rr.ravel(), np.full(ff.size, age))
        return pd.DataFrame(
            np.asarray(values).reshape(ff.shape),
            index=pd.Index(recency, name="recency"),
            columns=pd.Index(freq.astype(int), name="frequency"),
        )

    @overload
    def predict_purchases(
        self,
        t: Any,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def predict_purchases(  # type: ignore[overload-overlap]
        self,
        t: Scalar,
        frequency: Scalar,
        recency: Scalar,
        T: Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float: ...
    @overload
    def predict_purchases(
        self,
        t: Vector | Scalar,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        T: Vector | Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def predict_purchases(
        self,
        t: Any,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def predict_purchases(
        self,
        t: Any,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> float | FloatArray | pd.Series:
        """Expected number of purchases in the next ``t`` time units, per customer.

        This is the conditional expectation ``E[X(T, T+t) | x, t_x, T]``.

        Parameters
        ----------
        t : float or array-like
            Horizon(s) in the data's time unit (>= 0), one for all or one per customer.
        frequency : pandas.DataFrame, array-like or scalar
            The ``rfm_summary`` frame, or the customers' repeat purchases.
        recency, T : array-like or scalar, optional
            The rest of the RFM summary (left out with a frame).
        frequency_col, recency_col, T_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected purchases per customer (Series with the customer index when an input
            is a Series).

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> m.predict_purchases(39, 2, 30.4, 38.9) > 0
        True
        """
        params, a, n, index, scalar = self._customers(
            {"t": t, "frequency": frequency, "recency": recency, "T": T},
            (frequency_col, recency_col, T_col),
        )
        check_horizon(a["t"])
        out = self._predict(params, a, a["t"], n, 1, index)
        return wrap(self._finite(out, "the expectation"), index, scalar, "predicted_purchases")

    @overload
    def expected_purchases(self, t: pd.Series) -> pd.Series: ...
    @overload
    def expected_purchases(self, t: Scalar) -> float: ...
    @overload
    def expected_purchases(self, t: Vector) -> FloatArray: ...
    def expected_purchases(self, t: Any) -> float | FloatArray | pd.Series:
        """Expected repeat purchases in ``(0, t]`` of a newly acquired customer, ``E[X(t)]``.

        Parameters
        ----------
        t : float or array-like
            Time(s) since the first purchase, in the data's unit (>= 0).

        Returns
        -------
        float or numpy.ndarray (Series if ``t`` is a Series)
            The unconditional expectation at each ``t``.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> float(m.expected_purchases(0.0))
        0.0
        """
        params = self._fitted_params()
        arrays, _, index, scalar = prediction_arrays({"t": t})
        check_horizon(arrays["t"])
        out = self._finite(self._expected(params, arrays["t"]), "the expectation")
        return wrap(out, index, scalar, "expected_purchases")

    @overload
    def probability_of_purchases(self, n: Scalar, t: Scalar) -> float: ...  # type: ignore[overload-overlap]
    @overload
    def probability_of_purchases(self, n: Vector | Scalar, t: Vector | Scalar) -> FloatArray: ...
    @overload
    def probability_of_purchases(self, n: Any, t: Any) -> float | FloatArray | pd.Series: ...
    def probability_of_purchases(self, n: Any, t: Any) -> float | FloatArray | pd.Series:
        """Probability of exactly ``n`` repeat purchases in ``(0, t]``, ``P(X(t) = n)``.

        Parameters
        ----------
        n : int or array-like of int
            Numbers of repeat purchases (>= 0).
        t : float or array-like
            Time(s) since the first purchase (>= 0); broadcast against ``n``.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            The probabilities.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> total = sum(m.probability_of_purchases(k, 10.0) for k in range(200))
        >>> round(total, 10)
        1.0
        """
        params = self._fitted_params()
        arrays, _, index, scalar = prediction_arrays({"n": n, "t": t})
        _check_counts(arrays["n"], "n")
        check_horizon(arrays["t"])
        nn, tt = np.broadcast_arrays(arrays["n"], arrays["t"])
        columns = tuple(np.array([p]) for p in params)
        out = self._pmf(columns, np.ascontiguousarray(nn), np.ascontiguousarray(tt), False)
        return wrap(self._finite(out, "the probability"), index, scalar, "probability")

    @overload
    def conditional_probability_of_purchases(
        self,
        n: Any,
        t: Any,
        frequency: pd.DataFrame | pd.Series,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def conditional_probability_of_purchases(  # type: ignore[overload-overlap]
        self,
        n: Scalar,
        t: Scalar,
        frequency: Scalar,
        recency: Scalar,
        T: Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float: ...
    @overload
    def conditional_probability_of_purchases(
        self,
        n: Vector | Scalar,
        t: Vector | Scalar,
        frequency: Vector | Scalar,
        recency: Vector | Scalar,
        T: Vector | Scalar,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def conditional_probability_of_purchases(
        self,
        n: Any,
        t: Any,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = ...,
        recency_col: str = ...,
        T_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def conditional_probability_of_purchases(
        self,
        n: Any,
        t: Any,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> float | FloatArray | pd.Series:
        """Probability of exactly ``n`` purchases in ``(T, T+t]`` given each history.

        ``P(X(T, T+t) = n | x, t_x, T) = [n = 0] (1 - P(alive)) + P(alive) P'(X(t) = n)``,
        where ``P'`` is the model's own distribution with the posterior parameters of a
        customer alive at ``T`` (e.g. ``r+x, alpha+T`` for the purchase rate).

        Parameters
        ----------
        n : int or array-like of int
            Numbers of future purchases (>= 0).
        t : float or array-like
            Horizon(s) in the data's time unit (>= 0).
        frequency : pandas.DataFrame, array-like or scalar
            The ``rfm_summary`` frame, or the customers' repeat purchases.
        recency, T : array-like or scalar, optional
            The rest of the RFM summary (left out with a frame).
        frequency_col, recency_col, T_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            The probabilities.

        Examples
        --------
        >>> import numpy as np
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> pmf = m.conditional_probability_of_purchases(np.arange(300), 39, 2, 30.4, 38.9)
        >>> round(float(pmf.sum()), 8)
        1.0
        """
        params, a, size, index, scalar = self._customers(
            {"n": n, "t": t, "frequency": frequency, "recency": recency, "T": T},
            (frequency_col, recency_col, T_col),
        )
        _check_counts(a["n"], "n")
        check_horizon(a["t"])
        full = {k: np.ascontiguousarray(np.broadcast_to(v, (size,))) for k, v in a.items()}
        alive = self._predict(params, a, np.zeros(1), size, 0, index)
        future = self._future_params(params, full["frequency"], full["T"])
        pmf = self._pmf(future, full["n"], full["t"], True)
        out = np.where(full["n"] == 0, 1.0 - alive, 0.0) + alive * pmf
        return wrap(self._finite(out, "the probability"), index, scalar, "probability")

    # ------------------------------------------------------------------ valuation
    def discounted_expected_transactions(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        *,
        horizon: float,
        period_length: float = 1.0,
        discount_rate: float = 0.0,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ) -> float | FloatArray | pd.Series:
        """Expected purchases per customer over ``horizon`` discount periods, discounted.

        ``sum_{i=1..H} [CE(i f) - CE((i-1) f)] / (1 + d)^i`` with ``CE(t)`` the expected
        purchases in the next ``t`` time units (:meth:`predict_purchases`), ``f`` the
        period length and ``d`` the discount rate per period: the transaction part of
        :func:`~precisemkt.clv.customer_lifetime_value`.

        The work is bounded whatever ``horizon`` is. Without discounting the sum
        telescopes to ``CE(H f)``. With ``d > 0`` it stops after period ``i`` once
        ``Delta_i / ((1+d)^i d) <= 1e-16`` times the running sum for every customer:
        the expected purchases per period never increase (a customer's rate is constant
        while alive and being alive is ever less likely), so the remaining terms sum to
        at most ``Delta_i sum_{j>i} (1+d)^-j = Delta_i / ((1+d)^i d)``. Periods are
        evaluated in blocks that double in size up to ``CHUNK_ROWS`` rows (Ctrl-C lands
        between blocks).

        Parameters
        ----------
        frequency, recency, T : array-like or scalar
            The customers' RFM summary (or the ``rfm_summary`` frame alone as
            ``frequency``; its columns named by ``*_col``).
        horizon : float
            Number of discount periods (a whole number > 0; ``math.inf`` only for models
            with a closed-form lifetime value, the Pareto/NBD).
        period_length : float, default 1.0
            Data time units per discount period (> 0).
        discount_rate : float, default 0.0
            Discount rate per period (>= 0; > 0 for an infinite horizon).
        frequency_col, recency_col, T_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Discounted expected purchases per customer.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> det = m.discounted_expected_transactions(2, 30.4, 38.9, horizon=3, period_length=4.3)
        >>> bool(det == m.predict_purchases(3 * 4.3, 2, 30.4, 38.9))  # no discounting
        True
        """
        params, a, n, index, scalar = self._customers(
            {"frequency": frequency, "recency": recency, "T": T},
            (frequency_col, recency_col, T_col),
        )
        out = self._discounted(params, a, n, index, horizon, period_length, discount_rate)
        return wrap(out, index, scalar, "discounted_transactions")


def _check_counts(n: FloatArray, name: str) -> None:
    check_whole(n, name, low=0, hint="Pass counts.", error=InvalidParameterError)


def _weighted_quantile(values: FloatArray, weights: FloatArray, q: float) -> int:
    """The smallest value with at least a share ``q`` of the weight at or below it (>= 1)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    at = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return max(1, int(values[order][min(at, values.size - 1)]))
