"""Customer lifetime value from a transaction model and a spend model."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._validation import check_interval, format_message
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._inputs import prediction_arrays, wrap
from precisemkt.clv._paretonbd import ParetoNBD
from precisemkt.clv._transaction import TransactionModel
from precisemkt.errors import InvalidParameterError

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

    Parameters
    ----------
    transaction_model : BGNBD, MBGNBD or ParetoNBD
        A fitted transaction model.
    spend_model : GammaGamma or None
        A fitted spend model; ``None`` uses ``monetary_value`` as the expected spend.
    frequency, recency, T : array-like
        The customers' RFM summary in the transaction model's time unit.
    monetary_value : array-like
        Average repeat-transaction value per customer.
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
    rate = check_interval(discount_rate, "discount_rate", low=0, closed="left")
    infinite = isinstance(horizon, numbers.Real) and math.isinf(float(horizon))
    if not infinite:
        periods = check_interval(horizon, "horizon", low=0, closed="neither")
        if periods != math.floor(periods):
            raise InvalidParameterError(
                format_message(
                    "horizon",
                    "be a whole number of discount periods or math.inf",
                    repr(horizon),
                    "E.g. horizon=12 for a year of months.",
                )
            )
    arrays, n, index, scalar = prediction_arrays(
        {"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary_value}
    )
    x, tx, age, m = (arrays[k] for k in ("frequency", "recency", "T", "monetary_value"))
    spend = m if spend_model is None else np.asarray(spend_model.expected_spend(x, m))
    if infinite:
        if not isinstance(transaction_model, ParetoNBD):
            raise InvalidParameterError(
                format_message(
                    "horizon",
                    "be finite for this transaction model",
                    "math.inf",
                    "The closed-form lifetime (DERT) exists for ParetoNBD; pass a finite "
                    "horizon for BG/NBD-type models.",
                )
            )
        if rate <= 0:
            raise InvalidParameterError(
                format_message(
                    "discount_rate",
                    "be > 0 for an infinite horizon",
                    repr(rate),
                    "Undiscounted lifetime value is infinite.",
                )
            )
        dert = transaction_model.expected_residual_transactions(
            x, tx, age, discount_rate=math.log1p(rate) / step
        )
        out = np.asarray(spend * np.asarray(dert), dtype=np.float64)
    else:
        total = np.zeros(n)
        previous = np.zeros(n) if n else np.zeros(0)
        for i in range(1, int(periods) + 1):
            current = np.asarray(transaction_model.predict_purchases(i * step, x, tx, age))
            total += (current - previous) / (1.0 + rate) ** i
            previous = current
        out = np.asarray(spend * total, dtype=np.float64)
    out = np.broadcast_to(out, (n,)).astype(np.float64)
    result = wrap(out, index, scalar, "clv")
    if isinstance(result, pd.Series):
        result.name = "clv"
    return result
