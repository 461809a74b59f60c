"""Customer lifetime value from a transaction model and a spend model."""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._validation import format_message, show_value
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._inputs import (
    Scalar,
    Vector,
    check_unit,
    customer_inputs,
    first_bad,
    prediction_arrays,
    wrap,
)
from precisemkt.clv._valuation import PurchaseModel, check_discounting
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["customer_lifetime_value"]


def _check_spend_values(m: FloatArray, index: pd.Index | None) -> None:
    """Raise unless every monetary value used as the expected spend is finite and >= 0."""
    bad = ~np.isfinite(m) | (m < 0)
    if bad.any():
        count, label = first_bad(bad, index)
        raise ValidationError(
            format_message(
                "monetary_value",
                "be finite and >= 0 when spend_model is None (it is the expected spend)",
                f"{count} bad value(s) (first: {label}, value {show_value(m[bad][0])})",
                "Drop refunds and customers without a known spend, or pass a fitted "
                "GammaGamma as spend_model.",
            )
        )


@overload
def customer_lifetime_value(
    transaction_model: PurchaseModel,
    spend_model: GammaGamma | None,
    frequency: pd.DataFrame | pd.Series,
    recency: Any = None,
    T: Any = None,
    monetary_value: Any = None,
    *,
    horizon: float = ...,
    discount_rate: float = ...,
    freq: str | float | None = ...,
    frequency_col: str = ...,
    recency_col: str = ...,
    T_col: str | None = ...,
    monetary_value_col: str = ...,
) -> pd.Series: ...
@overload
def customer_lifetime_value(  # type: ignore[overload-overlap]
    transaction_model: PurchaseModel,
    spend_model: GammaGamma | None,
    frequency: Scalar,
    recency: Scalar,
    T: Scalar,
    monetary_value: Scalar,
    *,
    horizon: float = ...,
    discount_rate: float = ...,
    freq: str | float | None = ...,
    frequency_col: str = ...,
    recency_col: str = ...,
    T_col: str | None = ...,
    monetary_value_col: str = ...,
) -> float: ...
@overload
def customer_lifetime_value(
    transaction_model: PurchaseModel,
    spend_model: GammaGamma | None,
    frequency: Vector | Scalar,
    recency: Vector | Scalar,
    T: Vector | Scalar,
    monetary_value: Vector | Scalar,
    *,
    horizon: float = ...,
    discount_rate: float = ...,
    freq: str | float | None = ...,
    frequency_col: str = ...,
    recency_col: str = ...,
    T_col: str | None = ...,
    monetary_value_col: str = ...,
) -> FloatArray: ...
@overload
def customer_lifetime_value(
    transaction_model: PurchaseModel,
    spend_model: GammaGamma | None,
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    monetary_value: Any = None,
    *,
    horizon: float = ...,
    discount_rate: float = ...,
    freq: str | float | None = ...,
    frequency_col: str = ...,
    recency_col: str = ...,
    T_col: str | None = ...,
    monetary_value_col: str = ...,
) -> float | FloatArray | pd.Series: ...
def customer_lifetime_value(
    transaction_model: PurchaseModel,
    spend_model: GammaGamma | None,
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    monetary_value: Any = None,
    *,
    horizon: float = 12,
    discount_rate: float = 0.01,
    freq: str | float | None = None,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str | None = None,
    monetary_value_col: str = "monetary_value",
) -> float | FloatArray | pd.Series:
    """Discounted value of each customer's future purchases.

    With a finite ``horizon`` of ``H`` discount periods of length ``f`` data time units,

        CLV = E[spend] * sum_{i=1..H} [CE(i f) - CE((i-1) f)] / (1 + discount_rate)^i,

    where ``CE(t)`` is the model's expected purchases in the next ``t`` time units (the
    lifetimes definition, so both agree). With ``horizon=math.inf`` and a Pareto/NBD model,
    the closed-form discounted expected residual transactions (DERT, Fader, Hardie & Lee
    2005) is used with the equivalent continuous rate ``log(1 + discount_rate) / f``.
    The transaction part is the model's ``discounted_expected_transactions`` (e.g.
    :meth:`~precisemkt.clv.BGNBD.discounted_expected_transactions`), whose work is
    bounded for any horizon (the sum telescopes without discounting and is cut, with a
    proven tail bound of 1e-16 relative, once discounting has made the remaining periods
    negligible). BG/BB counts discrete transaction opportunities: its time unit is one
    opportunity, and a discount period is one opportunity unless ``freq`` gives a whole
    number of them.

    Parameters
    ----------
    transaction_model : BGNBD, MBGNBD, ParetoNBD or BGBB
        A fitted transaction model.
    spend_model : GammaGamma or None
        A fitted spend model; ``None`` uses ``monetary_value`` as the expected spend.
    frequency : pandas.DataFrame, array-like or scalar
        The ``rfm_summary`` frame (with ``monetary_value``), or the customers' repeat
        purchases. Series are paired by customer id.
    recency, T : array-like or scalar, optional
        The rest of the RFM summary in the transaction model's time unit (left out with
        a frame); for BG/BB, ``T`` is ``n_periods`` (opportunities observed).
    monetary_value : array-like or scalar, optional
        Average repeat-transaction value per customer (left out with a frame; finite and
        >= 0 when ``spend_model`` is None).
    horizon : float, default 12
        Number of discount periods (whole number), or ``math.inf`` (Pareto/NBD only).
    discount_rate : float, default 0.01
        Discount rate per discount period (>= 0; > 0 for an infinite horizon).
    freq : {"W", "D", "h", "min", "s"}, float or None, default None
        Time unit of recency and T, with monthly discount periods (a month is 30 days,
        720 hours or 4.345 weeks, as in lifetimes), or directly the number of data time
        units in one discount period. ``None`` uses the unit ``rfm_summary`` recorded
        (in the frame's ``attrs``, or the model's ``time_unit_``); when neither
        recorded one, days (``"D"``). An alias that contradicts the recorded unit
        raises :class:`ValidationError`. For BG/BB, ``None`` (one opportunity per
        discount period) or a whole number of opportunities.
    frequency_col, recency_col, monetary_value_col : str
        Column names in the frame.
    T_col : str, optional
        Name of the age column in the frame; default the model's own (``"T"``, or
        ``"n_periods"`` for BG/BB).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The value per customer (a Series indexed by customer id for frame or Series
        input).

    Examples
    --------
    >>> from precisemkt.clv import BGNBD, GammaGamma, customer_lifetime_value
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    >>> clv = customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 22.5, horizon=12,
    ...                               discount_rate=0.01, freq="W")
    >>> clv > 0
    True

    With the summary frame, the time unit recorded by ``rfm_summary`` is used:

    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> s = rfm_summary(load_cdnow(), freq="W", observation_end="1997-09-30")
    >>> s.attrs["time_unit"] = {"freq": "W", "multiplier": 1.0}  # as rfm_summary records it
    >>> bg, gg = BGNBD().fit(s), GammaGamma().fit(s)
    >>> value = customer_lifetime_value(bg, gg, s, horizon=12)
    >>> bool(value.equals(customer_lifetime_value(bg, gg, s, horizon=12, freq="W")))
    True

    BG/BB values discrete opportunities (here yearly donations, discounted 10% a year):

    >>> from precisemkt.clv import BGBB
    >>> from precisemkt.datasets import load_donations
    >>> d = load_donations()
    >>> bgbb = BGBB().fit(d, weights="count")
    >>> value = customer_lifetime_value(bgbb, None, 6, 6, 6, 50.0, horizon=5, discount_rate=0.1)
    >>> bool(value > 0)
    True
    """
    if not isinstance(transaction_model, PurchaseModel):
        raise InvalidParameterError(
            format_message(
                "transaction_model",
                "be a fitted BGNBD, MBGNBD, ParetoNBD or BGBB",
                type(transaction_model).__name__,
                "Fit one on the customers' summary first.",
            )
        )
    if spend_model is not None and not isinstance(spend_model, GammaGamma):
        raise InvalidParameterError(
            format_message(
                "spend_model", "be a fitted GammaGamma or None", type(spend_model).__name__, ""
            )
        )
    age = transaction_model._columns[2]  # T, or n_periods for BG/BB
    c = customer_inputs(
        {"frequency": frequency, "recency": recency, age: T, "monetary_value": monetary_value},
        {
            "frequency": frequency_col,
            "recency": recency_col,
            age: age if T_col is None else T_col,
            "monetary_value": monetary_value_col,
        },
    )
    step = transaction_model._period_length(freq, check_unit(transaction_model, c.time_unit))
    check_discounting(horizon, step, discount_rate)
    arrays, n, index, scalar = prediction_arrays(c.values, c.ids)
    x, tx, t_age, m = (arrays[k] for k in ("frequency", "recency", age, "monetary_value"))
    if spend_model is None:
        _check_spend_values(m, index if m.size == n else None)
        spend = m
    else:
        spend = np.asarray(spend_model.expected_spend(x, m))
    transactions = transaction_model.discounted_expected_transactions(
        x, tx, t_age, horizon=horizon, period_length=step, discount_rate=discount_rate
    )
    out = np.asarray(spend * np.asarray(transactions), dtype=np.float64)
    out = np.broadcast_to(out, (n,)).astype(np.float64)
    result = wrap(out, index, scalar, "clv")
    if isinstance(result, pd.Series):
        result.name = "clv"
    return result
