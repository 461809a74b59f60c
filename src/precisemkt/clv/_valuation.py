"""What :func:`~precisemkt.clv.customer_lifetime_value` asks of a transaction model.

:class:`PurchaseModel` is the base of every model that predicts purchases (BG/NBD,
MBG/NBD, Pareto/NBD, BG/BB): it turns the model's conditional expectation ("expected
purchases in the next ``t`` time units of a customer with this history") into the
discounted expected transactions over a horizon of discount periods, with bounded work,
and says how long a discount period is in the model's time unit. A new model plugs into
``customer_lifetime_value`` by implementing the abstract methods below.
"""

from __future__ import annotations

import math
import numbers
from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._units import TimeUnit, resolve_time_unit
from precisemkt._validation import check_interval, format_message
from precisemkt.clv import _base
from precisemkt.clv._base import FittedModel
from precisemkt.errors import InvalidParameterError

__all__ = [
    "DEFAULT_UNIT",
    "UNITS_PER_MONTH",
    "PurchaseModel",
    "check_discounting",
    "units_per_month",
]

#: Data time units per month (the lifetimes convention, so results match it exactly): a
#: month is 30 days (720 hours …) but 4.345 weeks.
UNITS_PER_MONTH = {"W": 4.345, "D": 30.0, "h": 720.0, "min": 43_200.0, "s": 2_592_000.0}

#: The unit assumed when neither the data nor the model recorded one and freq is None.
DEFAULT_UNIT = TimeUnit("D")


def units_per_month(unit: TimeUnit) -> float:
    """Time units in one month, in lifetimes' convention (30 days, 4.345 weeks).

    A unit as long as one of the aliases (``TimeUnit("D", 7)`` is a week) takes that
    alias' value, so weeks measured to the day give lifetimes' weekly answer.

    Examples
    --------
    >>> units_per_month(TimeUnit("D", 7)), units_per_month(TimeUnit("h"))
    (4.345, 720.0)
    """
    for alias, per_month in UNITS_PER_MONTH.items():
        if unit.same_length(TimeUnit(alias)):
            return per_month
    return 30.0 / unit.days


def check_discounting(
    periods: Any, period_length: Any, discount_rate: Any
) -> tuple[float, float, float]:
    """(period length, discount rate, number of periods) after checking them.

    Examples
    --------
    >>> check_discounting(12, 4.345, 0.01)
    (4.345, 0.01, 12.0)
    """
    step = check_interval(period_length, "period_length", low=0, closed="neither")
    rate = check_interval(discount_rate, "discount_rate", low=0, closed="left")
    infinite = isinstance(periods, numbers.Real) and math.isinf(float(periods))
    if infinite:
        if rate <= 0:
            raise InvalidParameterError(
                format_message(
                    "discount_rate",
                    "be > 0 for an infinite horizon",
                    repr(rate),
                    "Undiscounted lifetime value is infinite.",
                )
            )
        return step, rate, math.inf
    horizon = check_interval(periods, "horizon", low=0, closed="neither")
    if horizon != math.floor(horizon):
        raise InvalidParameterError(
            format_message(
                "horizon",
                "be a whole number of discount periods or math.inf",
                repr(periods),
                "E.g. horizon=12 for a year of months.",
            )
        )
    return step, rate, horizon


class PurchaseModel(FittedModel):
    """Base of the transaction models: discounted expected transactions for the CLV.

    A subclass declares ``_columns`` (its three per-customer inputs: frequency, recency and
    the customer's age, ``T`` or ``n_periods``) and implements

    * ``_conditional_expectation(params, rows, t, n, index)``: expected purchases of each
      of ``n`` customers (``rows`` maps ``_columns`` to arrays of length 1 or ``n``) in the
      next ``t`` time units (length 1 or ``n``); it reports broken input rules;
    * ``discounted_expected_transactions(frequency, recency, T, *, horizon, period_length,
      discount_rate)``: the public method (validation, ids), calling :meth:`_discounted`;

    and may override ``_period_length`` (how many of its time units one discount period
    holds; the default reads calendar units, monthly periods) and
    ``_lifetime_transactions`` (a closed form for an infinite horizon).
    """

    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")

    @abstractmethod
    def _conditional_expectation(
        self,
        params: FloatArray,
        rows: dict[str, FloatArray],
        t: FloatArray,
        n: int,
        index: pd.Index | None,
    ) -> FloatArray:
        """Expected purchases in the next ``t`` time units of each of the ``n`` rows."""

    @abstractmethod
    def discounted_expected_transactions(
        self,
        frequency: Any,
        recency: Any = None,
        T: Any = None,
        /,
        *,
        horizon: float,
        period_length: float = 1.0,
        discount_rate: float = 0.0,
    ) -> float | FloatArray | pd.Series:
        """Expected purchases per customer over ``horizon`` discount periods, discounted."""

    def _period_length(self, freq: Any, recorded: TimeUnit | None) -> float:
        """Model time units per discount period: a month in the unit ``freq`` names (or
        the recorded one, else days), or ``freq`` itself when it is a number."""
        if freq is None or isinstance(freq, str):
            if freq == "M":
                raise InvalidParameterError(
                    format_message(
                        "freq",
                        "be a fixed-length period alias ('W', 'D', 'h', 'min', 's') or a number",
                        "'M'",
                        "For data in months pass freq=1.0 (data time units per discount period).",
                    )
                )
            unit = resolve_time_unit(recorded, freq, default=DEFAULT_UNIT) or DEFAULT_UNIT
            return units_per_month(unit)
        return check_interval(freq, "freq", low=0, closed="neither")

    def _finite(self, out: FloatArray, what: str) -> FloatArray:
        if not np.all(np.isfinite(out)):
            i = int(np.flatnonzero(~np.isfinite(out))[0])
            raise InvalidParameterError(
                format_message(
                    "t",
                    f"be short enough for {what} to be computed",
                    f"a series that did not settle at position {i}",
                    "The horizon is extremely long relative to alpha + T; use a shorter "
                    "horizon or a coarser time unit.",
                )
            )
        return out

    def _discounted(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        n: int,
        index: pd.Index | None,
        horizon: Any,
        period_length: Any,
        discount_rate: Any,
    ) -> FloatArray:
        """The discounted expected transactions of the ``n`` customers in ``a``."""
        step, rate, periods = check_discounting(horizon, period_length, discount_rate)
        if math.isinf(periods):
            out = self._lifetime_transactions(params, a, n, index, step, rate)
        else:
            out = self._discounted_sum(params, a, n, index, int(periods), step, rate)
        return self._finite(out, "the discounted expectation")

    def _lifetime_transactions(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        n: int,
        index: pd.Index | None,
        step: float,
        rate: float,
    ) -> FloatArray:
        """The infinite-horizon sum; models with a closed form override this."""
        raise InvalidParameterError(
            format_message(
                "horizon",
                "be finite for this transaction model",
                "math.inf",
                "The closed-form lifetime (DERT) exists for ParetoNBD; pass a finite "
                "horizon for the other models.",
            )
        )

    def _discounted_sum(
        self,
        params: FloatArray,
        a: dict[str, FloatArray],
        n: int,
        index: pd.Index | None,
        horizon: int,
        step: float,
        rate: float,
    ) -> FloatArray:
        """``sum_{i=1..H} [CE(i f) - CE((i-1) f)] / (1 + d)^i`` with bounded work.

        Without discounting the sum telescopes to ``CE(H f)``. With ``d > 0`` it stops
        after period ``i`` once ``Delta_i / ((1+d)^i d) <= 1e-16`` times the running sum
        for every customer: the expected purchases per period never increase (a
        customer's rate is constant while alive and being alive is ever less likely), so
        the remaining terms sum to at most ``Delta_i sum_{j>i} (1+d)^-j``. Periods are
        evaluated in blocks that double in size up to ``CHUNK_ROWS`` rows (Ctrl-C lands
        between blocks).
        """
        if rate == 0.0:  # the sum telescopes
            return self._conditional_expectation(params, a, np.array([horizon * step]), n, index)
        columns = {k: np.broadcast_to(a[k], (n,)) for k in self._columns}
        total = np.zeros(n)
        previous = np.zeros(n)
        first = 1
        block = 1  # the first period alone, so that a broken input rule names the customer
        while first <= horizon:
            last = min(horizon, first + block - 1)
            count = last - first + 1
            t = np.repeat(np.arange(first, last + 1, dtype=np.float64) * step, n)
            rows = {k: np.tile(v, count) for k, v in columns.items()}
            values = self._conditional_expectation(
                params, rows, t, n * count, index if count == 1 else None
            )
            values = self._finite(values, "the expectation").reshape(count, n)
            for j in range(count):
                i = first + j
                try:
                    factor = (1.0 + rate) ** i
                except OverflowError:  # (1 + d)^-i below 1e-308: nothing left to add
                    return total
                current = values[j]
                increment = current - previous
                total += increment / factor
                previous = current
                if np.all(np.abs(increment) / factor <= 1e-16 * rate * total):
                    return total
            _base.between_chunks()
            first = last + 1
            # blocks double (so the cut is overshot by at most a factor 2), up to the rows
            # of one chunk
            block = min(2 * block, max(1, _base.CHUNK_ROWS // max(n, 1)))
        return total
