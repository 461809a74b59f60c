"""Customer lifetime value from a transaction model and a spend model."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._validation import check_interval, format_message
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._inputs import first_bad, prediction_arrays, wrap
from precisemkt.clv._transaction import TransactionModel, _check_discounting
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["customer_lifetime_value"]

#: Data time units per month (the lifetimes convention, so results match it exactly).
UNITS_PER_MONTH = {"H": 30.0 * 24.0, "D": 30.0, "W": 4.345, "M": 1.0}


def _period_length(freq: Any) -> float:
    if isinstance(freq, str):
        if freq not in UNITS_PER_MONTH:
            raise InvalidParameterError(
                format_message(
                    "freq",
                    f"be one of {sorted(UNITS_PER_MONTH)} (the unit of recency and T) or a "
                    "number of time units per discount period",
                    repr(freq),
                    "E.g. freq='W' for data in weeks with monthly discounting.",
                )
            )
        return UNITS_PER_MONTH[freq]
    return check_interval(freq, "freq", low=0, closed="neither")


def _check_spend_values(m: FloatArray, index: pd.Index | None) -> None:
    """Raise unless every monetary value used as the expected spend is finite and >= 0."""
    bad = ~np.isfinite(m) | (m < 0)
    if bad.any():
        count, label = first_bad(bad, index)
        raise ValidationError(
            format_message(
                "monetary_value",
                "be finite and >= 0 when spend_model is None (it is the expected spend)",
                f"{count} bad value(s) (first: {label}, value {float(m[bad][0])!r})",
                "Drop refunds and customers without a known spend, or pass a fitted "
                "GammaGamma as spend_model.",
            )
        )


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGamma | None,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    *,
    horizon: float = 12,
    discount_rate: float = 0.01,
    freq: str | float = "D",
) -> Any:
    """Discounted value of each customer's future purchases.

    With a finite ``horizon`` of ``H`` discount periods of length ``f`` data time units,

        CLV = E[spend] * sum_{i=1..H} [CE(i f) - CE((i-1) f)] / (1 + discount_rate)^i,

    where ``CE(t)`` is the model's expected purchases in the next ``t`` time units (the
    lifetimes definition, so both agree). With ``horizon=math.inf`` and a Pareto/NBD model,
    the closed-form discounted expected residual transactions (DERT, Fader, Hardie & Lee
    2005) is used with the equivalent continuous rate ``log(1 + discount_rate) / f``.
    The transaction part is the model's
    :meth:`~precisemkt.clv.BGNBD.discounted_expected_transactions`, whose work is bounded
    for any horizon (the sum telescopes without discounting and is cut, with a proven
    tail bound of 1e-16 relative, once discounting has made the remaining periods
    negligible).

    Parameters
    ----------
    transaction_model : BGNBD, MBGNBD or ParetoNBD
        A fitted transaction model.
    spend_model : GammaGamma or None
        A fitted spend model; ``None`` uses ``monetary_value`` as the expected spend.
    frequency, recency, T : array-like
        The customers' RFM summary in the transaction model's time unit.
    monetary_value : array-like
        Average repeat-transaction value per customer (finite and >= 0 when
        ``spend_model`` is None).
    horizon : float, default 12
        Number of discount periods (whole number), or ``math.inf`` (Pareto/NBD only).
    discount_rate : float, default 0.01
        Discount rate per discount period (>= 0; > 0 for an infinite horizon).
    freq : {"H", "D", "W", "M"} or float, default "D"
        Time unit of recency and T with monthly discount periods (a month is 720 hours,
        30 days or 4.345 weeks, as in lifetimes), or directly the number of data time
        units in one discount period.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The value per customer (a Series keeps the customer index).

    Examples
    --------
    >>> from precisemkt.clv import BGNBD, GammaGamma, customer_lifetime_value
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> gg = GammaGamma.from_params({"p": 6.25, "q": 3.74, "gamma": 15.44})
    >>> clv = customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 22.5, horizon=12,
    ...                               discount_rate=0.01, freq="W")
    >>> clv > 0
    True
    """
    if not isinstance(transaction_model, TransactionModel):
        raise InvalidParameterError(
            format_message(
                "transaction_model",
                "be a fitted BGNBD, MBGNBD or ParetoNBD",
                type(transaction_model).__name__,
                "BG/BB values discrete opportunities; use its predict_purchases directly.",
            )
        )
    if spend_model is not None and not isinstance(spend_model, GammaGamma):
        raise InvalidParameterError(
            format_message(
                "spend_model", "be a fitted GammaGamma or None", type(spend_model).__name__, ""
            )
        )
    step = _period_length(freq)
    _check_discounting(horizon, step, discount_rate)
    arrays, n, index, scalar = prediction_arrays(
        {"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary_value}
    )
    x, tx, age, m = (arrays[k] for k in ("frequency", "recency", "T", "monetary_value"))
    if spend_model is None:
        _check_spend_values(m, index if m.size == n else None)
        spend = m
    else:
        spend = np.asarray(spend_model.expected_spend(x, m))
    transactions = transaction_model.discounted_expected_transactions(
        x, tx, age, periods=horizon, period_length=step, discount_rate=discount_rate
    )
    out = np.asarray(spend * np.asarray(transactions), dtype=np.float64)
    out = np.broadcast_to(out, (n,)).astype(np.float64)
    result = wrap(out, index, scalar, "clv")
    if isinstance(result, pd.Series):
        result.name = "clv"
    return result
