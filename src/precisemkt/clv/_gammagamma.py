"""The Gamma-Gamma model of average transaction value (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, overload

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._validation import (
    as_float_array,
    check_same_length,
    check_whole,
    format_message,
    show_value,
)
from precisemkt.clv import _gg_kernels
from precisemkt.clv._base import FittedModel, Role
from precisemkt.clv._inputs import (
    Patterns,
    Scalar,
    Vector,
    check_weights,
    customer_inputs,
    first_bad,
    prediction_arrays,
    wrap,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["GammaGamma"]


def _check_spend(x: FloatArray, m: FloatArray, index: Any, *, repeat_buyers: bool) -> None:
    check_same_length(broadcast=True, frequency=x, monetary_value=m)
    if x.size == 0 or m.size == 0:
        raise ValidationError(
            format_message("frequency", "describe at least one customer", "empty arrays", "")
        )
    low = 1 if repeat_buyers else 0
    check_whole(
        x,
        "frequency",
        low=low,
        ids=index if x.size > 1 else None,
        hint="The model describes repeat buyers: fit on customers with frequency > 0, e.g. "
        "summary[summary.frequency > 0]."
        if repeat_buyers
        else "Count repeat purchases, e.g. with precisemkt.profiling.rfm_summary.",
    )
    if repeat_buyers:
        _check_positive_spend(m, index)
        return
    bad_m = ~np.isfinite(m) | (m < 0)
    if bad_m.any():
        count, label = first_bad(bad_m, index if m.size > 1 else None)
        raise ValidationError(
            format_message(
                "monetary_value",
                "be >= 0 and finite (average repeat-transaction value)",
                f"{count} bad value(s) (first: {label}, value {show_value(m[bad_m][0])})",
                "Drop refunds before predicting.",
            )
        )


def _check_positive_spend(m: FloatArray, index: Any) -> None:
    """Raise unless every repeat buyer's average spend is finite and > 0.

    The Gamma-Gamma density is zero at a spend of 0, so one repeat buyer with $0 (free
    orders, refunds netted out) makes the likelihood -inf; the message names the first such
    customer and how to leave them out.
    """
    bad = ~np.isfinite(m) | (m <= 0)
    if bad.any():
        count, label = first_bad(bad, index if m.size > 1 else None)
        value = float(m[bad][0])
        fix = (
            "Gamma-Gamma models positive spend: leave zero-value repeat buyers out of the "
            "fit (e.g. repeat[repeat.monetary_value > 0]) and value them separately "
            "(expected_spend(0, 0.0) is the population mean)."
            if np.isfinite(value)
            else "Fill or drop customers without a known spend."
        )
        raise ValidationError(
            format_message(
                "monetary_value",
                "be > 0 and finite for every repeat buyer (average repeat-transaction value)",
                f"{count} bad value(s) (first: {label}, value {show_value(value)})",
                fix,
            )
        )


class GammaGamma(FittedModel):
    """The Gamma-Gamma model of average spend per transaction.

    Each transaction of a customer is worth ``z ~ Gamma(p, nu)``; across customers
    ``nu ~ Gamma(q, gamma)``. The observed average ``m`` of ``x`` repeat transactions then
    has a closed-form density; the model is fitted on repeat buyers and predicts the
    expected average spend of each customer, a shrinkage of ``m`` toward the population
    mean ``p gamma / (q - 1)``. It assumes spend is independent of purchase frequency.

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
        Estimates of ``p, q, gamma`` (lifetimes calls ``gamma`` "v").
    standard_errors_, covariance_ : pandas.Series, pandas.DataFrame
        From the exact Hessian at the optimum.
    log_likelihood_ : float
        Summed log-likelihood of the average spends.
    aic_, bic_ : float
        Information criteria.
    n_customers_ : int
        Repeat buyers fitted.
    n_excluded_ : dict of str to int
        Customers a summary-frame fit left out, by reason (``"no repeat purchases"``,
        ``"monetary_value <= 0"``); empty when columns were passed. Shown by ``repr``
        and in ``summary().attrs["n_excluded"]``.
    n_iter_ : int
        Newton iterations used.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value
    Curves for Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
    http://brucehardie.com/notes/025/

    Examples
    --------
    >>> from precisemkt.clv import GammaGamma
    >>> model = GammaGamma().fit([1, 2, 5, 3, 1, 4], [20.0, 35.5, 18.2, 60.0, 12.5, 25.0])
    >>> model.expected_spend(2, 35.5) > 0
    True
    """

    #: gamma is a scale in money (the spend's unit)
    _roles: ClassVar[tuple[tuple[str, Role], ...]] = (
        ("p", "shape"),
        ("q", "shape"),
        ("gamma", "scale"),
    )
    _label: ClassVar[str] = "Gamma-Gamma"
    _data_hint: ClassVar[str] = (
        "checking the average spends for refunds, outliers and near-constant values "
        "(the model needs spend that varies between customers)"
    )
    _patterns: Patterns
    _spend_terms: tuple[FloatArray, FloatArray, FloatArray]

    def _start(self) -> FloatArray:
        _, m = self._patterns.columns
        mean = float(np.average(m, weights=self._patterns.weights))
        return np.array([1.0, 2.0, mean])

    def _starts(self, initial_params: Mapping[str, float] | None) -> list[FloatArray]:
        # q > 1 for a finite mean spend: its own fallback instead of the roles' one
        if initial_params is not None:
            return super()._starts(initial_params)
        base = self._start()
        return [base, np.array([5.0, 4.0, base[2] * 3.0])]

    def _loglik(self, params: FloatArray, order: int) -> FloatArray:
        x, m = self._patterns.columns
        w = self._patterns.weights
        out: FloatArray = _gg_kernels.gg_loglik(params, x, m, w, *self._spend_terms, order)
        return out

    def fit(
        self,
        frequency: Any,
        monetary_value: Any = None,
        *,
        weights: Any = None,
        initial_params: Mapping[str, float] | None = None,
        frequency_col: str = "frequency",
        monetary_value_col: str = "monetary_value",
    ) -> Self:
        """Fit by maximum likelihood on repeat buyers.

        Pass the ``rfm_summary`` frame (``fit(summary)``) or the two columns of the repeat
        buyers. The frame form selects the customers the model describes for you: it
        leaves out customers without repeat purchases and repeat buyers whose average
        value is 0 or negative (e.g. refunded orders), and records how many it left out
        and why in ``n_excluded_`` (no warning). Columns are checked instead: every row
        must be a repeat buyer with a positive value.

        Parameters
        ----------
        frequency : pandas.DataFrame or array-like
            The ``rfm_summary`` frame, or the repeat transactions per customer (whole
            numbers >= 1).
        monetary_value : array-like, optional
            Average value of those repeat transactions (> 0); left out with a frame.
        weights : array-like or str, optional
            Customers sharing each row; with a frame, the name of a column.
        initial_params : mapping, optional
            Starting values for ``p, q, gamma``.
        frequency_col, monetary_value_col : str
            Column names in the frame.

        Returns
        -------
        self

        Examples
        --------
        >>> from precisemkt.clv import GammaGamma
        >>> m = GammaGamma().fit([1, 2, 5, 3, 1, 4], [20.0, 35.5, 18.2, 60.0, 12.5, 25.0])
        >>> list(m.params_.index)
        ['p', 'q', 'gamma']
        >>> import pandas as pd
        >>> s = pd.DataFrame({"frequency": [1, 2, 0, 3, 1, 4, 5, 2],
        ...                   "monetary_value": [20.0, 35.5, 0.0, 60.0, 12.5, 25.0, 18.2, 0.0]})
        >>> GammaGamma().fit(s).n_excluded_
        {'no repeat purchases': 1, 'monetary_value <= 0': 1}
        """
        c = customer_inputs(
            {"frequency": frequency, "monetary_value": monetary_value, "weights": weights},
            {"frequency": frequency_col, "monetary_value": monetary_value_col},
        )
        index = c.ids
        x, m = (
            as_float_array(c.values[k], k, ndim=1, copy=False, allow_nan=True, allow_inf=True)
            for k in ("frequency", "monetary_value")
        )
        weights = c.values["weights"]
        excluded: dict[str, int] = {}
        if isinstance(frequency, pd.DataFrame) and x.size == m.size:
            w_all = check_weights(weights, x.size, index)
            one_time = x == 0
            no_value = ~one_time & (m <= 0)
            excluded = {
                "no repeat purchases": round(float(w_all[one_time].sum())),
                "monetary_value <= 0": round(float(w_all[no_value].sum())),
            }
            keep = ~(one_time | no_value)
            x, m = x[keep], m[keep]
            weights = w_all[keep]
            index = index[keep] if index is not None else None
        check_same_length(frequency=x, monetary_value=m)
        _check_spend(x, m, index, repeat_buyers=True)
        w = check_weights(weights, x.size, index)
        order = np.lexsort((m, x))
        xs, ms, ws, freq, freq_w, fixed = _gg_kernels.gg_prepare(x, m, w, order)  # + compress
        self._patterns, self._spend_terms = Patterns((xs, ms), ws), (freq, freq_w, fixed)
        self._fit_loglik(self._loglik, float(self._patterns.weights.sum()), initial_params)
        self.n_excluded_ = excluded
        self.time_unit_ = c.time_unit
        return self

    @overload
    def expected_spend(
        self,
        frequency: pd.DataFrame | pd.Series,
        monetary_value: Any = None,
        *,
        frequency_col: str = ...,
        monetary_value_col: str = ...,
    ) -> pd.Series: ...
    @overload
    def expected_spend(  # type: ignore[overload-overlap]
        self,
        frequency: Scalar,
        monetary_value: Scalar,
        *,
        frequency_col: str = ...,
        monetary_value_col: str = ...,
    ) -> float: ...
    @overload
    def expected_spend(
        self,
        frequency: Vector | Scalar,
        monetary_value: Vector | Scalar,
        *,
        frequency_col: str = ...,
        monetary_value_col: str = ...,
    ) -> FloatArray: ...
    @overload
    def expected_spend(
        self,
        frequency: Any,
        monetary_value: Any = None,
        *,
        frequency_col: str = ...,
        monetary_value_col: str = ...,
    ) -> float | FloatArray | pd.Series: ...
    def expected_spend(
        self,
        frequency: Any,
        monetary_value: Any = None,
        *,
        frequency_col: str = "frequency",
        monetary_value_col: str = "monetary_value",
    ) -> float | FloatArray | pd.Series:
        """Expected average transaction value of each customer, ``E[Z | x, m]``.

        ``(q - 1) / (p x + q - 1) * p gamma / (q - 1) + p x / (p x + q - 1) * m``: a
        weighted average of the population mean and the customer's own average (note 025,
        eq. 5). Customers without repeat purchases get the population mean.

        Parameters
        ----------
        frequency : pandas.DataFrame, array-like or int
            The ``rfm_summary`` frame (every customer), or the repeat transactions (>= 0).
        monetary_value : array-like or float, optional
            Their average value (>= 0; ignored when frequency is 0); left out with a frame.
        frequency_col, monetary_value_col : str
            Column names in the frame.

        Returns
        -------
        float, numpy.ndarray or pandas.Series

        Raises
        ------
        InvalidParameterError
            If ``q <= 1`` (the population mean spend is infinite).

        Examples
        --------
        >>> from precisemkt.clv import GammaGamma
        >>> m = GammaGamma().fit([1, 2, 5, 3, 1, 4], [20.0, 35.5, 18.2, 60.0, 12.5, 25.0])
        >>> m.expected_spend(0, 0.0) == m.expected_spend(0, 99.0)
        True
        """
        p, q, g = self._fitted_params()
        c = customer_inputs(
            {"frequency": frequency, "monetary_value": monetary_value},
            {"frequency": frequency_col, "monetary_value": monetary_value_col},
        )
        arrays, _, index, scalar = prediction_arrays(c.values, c.ids)
        x, m = arrays["frequency"], arrays["monetary_value"]
        _check_spend(x, m, index, repeat_buyers=False)
        if q <= 1:
            raise InvalidParameterError(
                format_message(
                    "GammaGamma q",
                    "be > 1 for a finite expected spend",
                    f"{q:.4g}",
                    "Spend is too heavy-tailed for this model; check for outliers or refunds.",
                )
            )
        weight = p * x / (p * x + q - 1)
        out = (1 - weight) * (p * g / (q - 1)) + weight * np.where(x > 0, m, 0.0)
        return wrap(np.asarray(out, dtype=np.float64).reshape(-1), index, scalar, "expected_spend")
