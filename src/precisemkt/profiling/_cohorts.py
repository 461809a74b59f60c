"""Acquisition cohorts: customers, revenue and retention by periods since the first purchase."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_options, format_message, require_columns, require_frame
from precisemkt.errors import InvalidParameterError
from precisemkt.profiling._input import Clock, amounts, customer_keys, read_times

__all__ = ["cohort_table"]

_MEASURES = ("retention", "customers", "revenue")
_FREQS = ("M", "Q", "W")
_PERIOD_ALIAS = {"M": "M", "Q": "Q", "W": "W-SUN"}


def _period(ticks: IntArray, freq: str, clock: Clock) -> IntArray:
    """Index of the calendar period of each time (months, quarters or Monday weeks)."""
    if freq == "W":  # 1970-01-01 is a Thursday: shift by 3 days so weeks start on Monday
        day = clock.per_day
        weeks: IntArray = (ticks + 3 * day) // (7 * day)
        return weeks
    months: IntArray = clock.datetimes(ticks).astype("datetime64[M]").astype(np.int64)
    return months // 3 if freq == "Q" else months


def _distinct(values: IntArray) -> tuple[IntArray, IntArray]:
    """Sorted distinct values and their counts (a sort: faster than np.unique's hashing)."""
    ordered = np.sort(values, kind="stable")
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, ordered.size])
    return ordered[starts], counts


def _labels(periods: IntArray, freq: str) -> pd.PeriodIndex:
    """The calendar periods of the given period indexes, as a PeriodIndex."""
    if freq == "W":
        starts = (periods * 7 - 3).astype("datetime64[D]")
    elif freq == "Q":
        starts = (periods * 3).astype("datetime64[M]").astype("datetime64[D]")
    else:
        starts = periods.astype("datetime64[M]").astype("datetime64[D]")
    return pd.DatetimeIndex(starts).to_period(_PERIOD_ALIAS[freq])


def cohort_table(
    transactions: pd.DataFrame,
    *,
    measure: str = "retention",
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    freq: str = "M",
    observation_end: Any = None,
) -> pd.DataFrame:
    """Acquisition cohorts: one row per cohort, one column per period since acquisition.

    A customer's cohort is the calendar period (month, quarter or week) of their first
    purchase. Column ``k`` describes the cohort's activity ``k`` periods later (``k = 0`` is
    the acquisition period itself):

    * ``"customers"``: number of the cohort's customers who bought in that period;
    * ``"retention"``: that number divided by the cohort's size (the share still buying;
      1.0 at ``k = 0``);
    * ``"revenue"``: the cohort's total amount in that period.

    Cells that lie after the observation end (the cohort has not reached that age yet) are
    NaN, so a NaN means "not observed", never "no purchase" (that is 0).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order. It is not modified.
    measure : {"retention", "customers", "revenue"}, default "retention"
        What each cell holds.
    customer_col, time_col : str
        Customer id column and purchase time column (datetimes or parsable strings).
    amount_col : str or None, default "amount"
        Order value column; only read (and required) for ``measure="revenue"``.
    freq : {"M", "Q", "W"}, default "M"
        Calendar period: month, quarter or week (weeks start on Monday), pandas' aliases.
    observation_end : date-like, optional
        End of the observation window (default: the last purchase). Purchases after it are
        left out; periods after its period are NaN.

    Returns
    -------
    pandas.DataFrame
        Indexed by cohort (a ``PeriodIndex`` named ``"cohort"``, sorted), columns
        ``0 .. K`` (named ``"periods_since_first"``), float64. ``attrs["cohort_size"]`` holds
        the number of customers of each cohort (a Series with the same index).

    Raises
    ------
    ValidationError
        A column is missing, or holds missing ids, unparsable times or non-finite amounts.
    InvalidParameterError
        ``measure`` or ``freq`` is not one of the options, or ``observation_end`` is before
        the first purchase.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.profiling import cohort_table
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c", "c"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20",
    ...                                  "2024-02-01", "2024-02-03"]),
    ...     "amount": [10.0, 20.0, 5.0, 7.0, 3.0],
    ... })
    >>> cohort_table(tx)  # doctest: +NORMALIZE_WHITESPACE
    periods_since_first    0    1
    cohort
    2024-01              1.0  0.5
    2024-02              1.0  NaN
    >>> cohort_table(tx, measure="revenue")  # doctest: +NORMALIZE_WHITESPACE
    periods_since_first     0     1
    cohort
    2024-01              15.0  20.0
    2024-02              10.0   NaN
    """
    frame = require_frame(transactions, "transactions")
    check_options(measure, "measure", _MEASURES)
    check_options(freq, "freq", _FREQS)
    revenue = measure == "revenue"
    if revenue and amount_col is None:
        raise InvalidParameterError(
            format_message(
                "amount_col",
                'be a column name when measure="revenue"',
                "None",
                'Name the order value column, or use measure="customers".',
            )
        )
    needed = [customer_col, time_col] + ([amount_col] if revenue and amount_col else [])
    require_columns(frame, needed, name="transactions")
    if len(frame) == 0:
        empty = pd.DataFrame(
            index=pd.PeriodIndex([], freq=_PERIOD_ALIAS[freq], name="cohort"),
            columns=pd.Index([], dtype=np.int64, name="periods_since_first"),
            dtype=np.float64,
        )
        empty.attrs["cohort_size"] = pd.Series(
            np.zeros(0, dtype=np.int64), index=empty.index, name="cohort_size"
        )
        return empty

    ck = customer_keys(frame[customer_col], customer_col)
    clock = read_times(frame[time_col], time_col, {"observation_end": observation_end})
    t = clock.ticks
    value = amounts(frame[amount_col], amount_col) if revenue and amount_col else None
    end_ns = clock.dates.get("observation_end", int(t.max()))
    inside = t <= end_ns
    if not inside.any():
        raise InvalidParameterError(
            format_message(
                "observation_end",
                "be on or after the first purchase",
                f"observation_end={clock.stamp(end_ns)}, first purchase "
                f"{clock.stamp(int(t.min()))}",
                "No purchase falls in the window; choose a later date.",
            )
        )
    keys = ck.keys - ck.low
    period = _period(t, freq, clock)
    if not inside.all():
        keys, period = keys[inside], period[inside]
        value = value[inside] if value is not None else None
    last = int(_period(np.array([end_ns], dtype=np.int64), freq, clock)[0])

    first = np.full(ck.span, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, keys, period)
    row_cohort = first[keys]
    age = period - row_cohort
    present = first[first != np.iinfo(np.int64).max]
    cohorts, cohort_size = _distinct(present)
    n_ages = int(last - cohorts[0]) + 1
    n_cells = len(cohorts) * n_ages
    table: FloatArray
    if value is not None:
        cell = np.searchsorted(cohorts, row_cohort) * n_ages + age
        table = np.bincount(cell, weights=value, minlength=n_cells).astype(np.float64)
    else:  # count each (customer, period) once
        visit, _ = _distinct(keys.astype(np.int64) * n_ages + age)
        cust, visit_age = np.divmod(visit, n_ages)
        visit_cell = np.searchsorted(cohorts, first[cust]) * n_ages + visit_age
        table = np.bincount(visit_cell, minlength=n_cells).astype(np.float64)
    table = table.reshape(len(cohorts), n_ages)
    if measure == "retention":
        table = table / cohort_size[:, None]
    unobserved = cohorts[:, None] + np.arange(n_ages)[None, :] > last
    table[unobserved] = np.nan

    index = _labels(cohorts, freq).rename("cohort")
    out = pd.DataFrame(
        table, index=index, columns=pd.RangeIndex(n_ages, name="periods_since_first")
    )
    out.attrs["cohort_size"] = pd.Series(cohort_size, index=index, name="cohort_size")
    return out
