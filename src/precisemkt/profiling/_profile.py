"""One descriptive row per customer from a transaction log."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._grouping import group_order
from precisemkt._typing import IntArray
from precisemkt._validation import check_columns, format_message, require_frame, show_value
from precisemkt.errors import InvalidParameterError
from precisemkt.profiling import _kernels
from precisemkt.profiling._input import (
    CustomerKeys,
    amounts,
    customer_keys,
    factorize,
    read_times,
)
from precisemkt.profiling._lifecycle import lifecycle_stage

__all__ = ["profile_customers"]

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _flags(column: pd.Series[Any], name: str) -> IntArray:
    """1 where an order had a discount (a true value or a non-zero amount), else 0."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.fillna(False).to_numpy(dtype=np.int64)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values) & column.notna().to_numpy()
    if bad.any():
        raise InvalidParameterError(
            format_message(
                f"column {show_value(name)}",
                "hold booleans or discount amounts (numbers)",
                f"{int(bad.sum())} non-numeric value(s)",
                "Map it to True/False or to the discount amount first.",
            )
        )
    flags: IntArray = (np.nan_to_num(values) != 0).astype(np.int64)
    return flags


def _top_labels(top: IntArray, labels: pd.Index[Any]) -> Any:
    """Labels of the top codes (None where a customer has no non-missing value)."""
    values = np.asarray(labels, dtype=object)
    out = np.full(top.shape[0], None, dtype=object)
    found = top >= 0
    out[found] = values[top[found]]
    return out


def profile_customers(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    category_col: str | None = None,
    channel_col: str | None = None,
    discount_col: str | None = None,
    order_col: str | None = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Describe every customer of a transaction log in one row.

    Each row of ``transactions`` is an order, or, with ``order_col``, an order line (lines
    with the same order id form one order: its time is the earliest line's, its value the
    sum of the lines, it is discounted when any line is, and its channel is the first
    line's). Purchases after ``observation_end`` are ignored. Unlike :func:`rfm_summary`,
    orders on the same day stay separate orders.

    Columns (those that need an absent optional input are not produced):

    ============================  =============================================================
    ``first_purchase``            time of the first order
    ``last_purchase``             time of the last order
    ``n_orders``                  number of orders
    ``total_spend``               sum of order values (needs ``amount_col``)
    ``mean_spend``                ``total_spend / n_orders``
    ``recency_days``              days from the last order to ``observation_end``
    ``tenure_days``               days from the first order to ``observation_end``
    ``ipt_mean_days``             mean inter-purchase time (days between consecutive orders)
    ``ipt_std_days``              its standard deviation (divisor: number of gaps)
    ``ipt_cv``                    ``ipt_std_days / ipt_mean_days``
    ``ipt_p90_days``              90th percentile of the gaps (linear interpolation)
    ``orders_per_30d``            ``30 * n_orders / max(tenure_days, 30)``
    ``spend_trend``               least-squares slope of order value on order number 0, 1, …
    ``category_breadth``          distinct categories bought (rows = lines; ``category_col``)
    ``top_category``              most frequent category (ties: the first in sort order)
    ``top_category_share``        share of the customer's lines in ``top_category`` (0 when
                                  all their categories are missing)
    ``top_channel``               most frequent channel of the orders (``channel_col``)
    ``preferred_weekday``         most frequent weekday of the orders ("Monday" …)
    ``preferred_hour``            most frequent hour 0-23 (not produced when every time is
                                  midnight, i.e. the log has dates only)
    ``discount_share``            share of orders with a discount (``discount_col``: a true
                                  value or a non-zero discount amount)
    ``lifecycle_stage``           :func:`lifecycle_stage` of the profile with its defaults
    ============================  =============================================================

    The inter-purchase columns and ``spend_trend`` are NaN for one-time buyers (there is
    no gap) and ``ipt_cv`` is NaN when all of a customer's orders share one instant; every
    other column is always defined. Ties in time are ordered by amount, so the result does
    not depend on the order of the rows.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The log. It is not modified.
    customer_col, time_col : str
        Customer id and order time columns.
    amount_col : str or None, default "amount"
        Order (line) value column; ``None`` drops the spend columns.
    category_col, channel_col, discount_col, order_col : str, optional
        Product category, sales channel, discount (bool or amount) and order id columns.
        Missing categories and channels are ignored in their statistics.
    observation_end : date-like, optional
        The "now" of the profile (default: the last purchase in the log).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted when the ids sort), named ``customer_col``.

    Raises
    ------
    ValidationError
        A column is missing or holds missing ids, missing times or non-finite amounts.
    InvalidParameterError
        ``observation_end`` is not a date or is before the first purchase, or the discount
        column is neither boolean nor numeric.

    Examples
    --------
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import profile_customers
    >>> profile = profile_customers(load_cdnow(), observation_end="1998-06-30")
    >>> row = profile.loc[1]
    >>> int(row.n_orders), float(row.total_spend), float(row.recency_days), row.lifecycle_stage
    (4, 100.5, 200.0, 'at_risk')
    """
    frame = require_frame(transactions, "transactions")
    check_columns(
        frame,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "category_col": category_col,
            "channel_col": channel_col,
            "discount_col": discount_col,
            "order_col": order_col,
        },
        name="transactions",
    )
    ck = customer_keys(frame[customer_col], customer_col)
    clock = read_times(frame[time_col], time_col, {"observation_end": observation_end})
    t = clock.ticks
    n = len(t)
    value = amounts(frame[amount_col], amount_col) if amount_col is not None else np.zeros(n)
    end_ns = clock.dates.get("observation_end", int(t.max()) if n else 0)
    if n and int(t.min()) > end_ns:
        raise InvalidParameterError(
            format_message(
                "observation_end",
                "be on or after the first purchase",
                f"{clock.stamp(end_ns)} (first purchase {clock.stamp(int(t.min()))})",
                "Choose a later date.",
            )
        )
    keep_rows = t <= end_ns
    if not keep_rows.all():
        frame = frame.loc[keep_rows]
        ck = CustomerKeys(ck.keys[keep_rows], ck.low, ck.span, ck.uniques, ck.dtype)
        t = t[keep_rows]
        value = value[keep_rows]
        n = len(t)

    row_keys = ck.keys
    channel = np.zeros(n, np.int64)
    channel_labels: pd.Index[Any] = pd.Index([])
    if channel_col is not None:
        channel, channel_labels = factorize(frame[channel_col], channel_col)
    flags = np.zeros(n, np.int64)
    if discount_col is not None:
        flags = _flags(frame[discount_col], discount_col)
    if order_col is not None:
        order_codes, order_ids = factorize(frame[order_col], order_col)
        if (order_codes < 0).any():
            # lines without an order id are orders of their own
            missing = order_codes < 0
            order_codes = order_codes.copy()
            order_codes[missing] = len(order_ids) + np.arange(int(missing.sum()))
        _, o_starts, o_order = group_order(order_codes, 0, int(order_codes.max(initial=-1)) + 1)
        o_keys, o_t, o_value, o_flags, o_channel = _kernels.collapse_orders(
            o_starts, o_order, row_keys, t, value, flags, channel
        )
    else:
        o_keys, o_t, o_value, o_flags, o_channel = row_keys, t, value, flags, channel

    present, starts, order = group_order(o_keys, ck.low, ck.span)
    t_s = o_t[order]
    v_s = o_value[order]
    _kernels.sort_groups(starts, t_s, v_s, order)
    counts = np.diff(starts)
    first = t_s[starts[:-1]]
    last = t_s[starts[1:] - 1]
    stats = _kernels.order_stats(starts, t_s, v_s, clock.per_day)

    out: dict[str, Any] = {
        "first_purchase": clock.datetimes(first),
        "last_purchase": clock.datetimes(last),
        "n_orders": counts,
    }
    if amount_col is not None:
        out["total_spend"] = stats[:, 0]
        out["mean_spend"] = stats[:, 0] / counts
    tenure = (end_ns - first) / clock.per_day
    out["recency_days"] = (end_ns - last) / clock.per_day
    out["tenure_days"] = tenure
    out["ipt_mean_days"] = stats[:, 1]
    out["ipt_std_days"] = stats[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ipt_cv"] = np.where(stats[:, 1] > 0, stats[:, 2] / stats[:, 1], np.nan)
    out["ipt_p90_days"] = stats[:, 3]
    out["orders_per_30d"] = 30.0 * counts / np.maximum(tenure, 30.0)
    if amount_col is not None:
        out["spend_trend"] = stats[:, 4]

    if category_col is not None:
        cat_codes, cat_labels = factorize(frame[category_col], category_col)
        r_starts, r_order = starts, order  # without order lines, rows are the orders
        if order_col is not None:
            _, r_starts, r_order = group_order(row_keys, ck.low, ck.span)
        cats = _kernels.group_modes(r_starts, cat_codes[r_order], len(cat_labels))
        out["category_breadth"] = cats[:, 0]
        out["top_category"] = _top_labels(cats[:, 1], cat_labels)
        out["top_category_share"] = cats[:, 2] / np.maximum(cats[:, 3], 1)
    if channel_col is not None:
        channels = _kernels.group_modes(starts, o_channel[order], len(channel_labels))
        out["top_channel"] = _top_labels(channels[:, 1], channel_labels)
    weekday, hours, timed = _kernels.calendar_codes(t_s, clock.per_day)
    out["preferred_weekday"] = pd.Categorical.from_codes(
        _kernels.group_modes(starts, weekday, 7)[:, 1], categories=pd.Index(_WEEKDAYS)
    )
    if timed:
        out["preferred_hour"] = _kernels.group_modes(starts, hours, 24)[:, 1]
    if discount_col is not None and len(counts):
        out["discount_share"] = np.add.reduceat(o_flags[order], starts[:-1]) / counts
    elif discount_col is not None:
        out["discount_share"] = np.zeros(0)

    profile = pd.DataFrame(out, index=ck.ids_of(present, customer_col), copy=False)
    profile["lifecycle_stage"] = lifecycle_stage(profile)
    return profile
