"""The report's input side: dates parsed, unusable rows left out and counted, KPIs by month."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["clean_orders", "monthly_kpis", "parse_times"]


def parse_times(column: pd.Series, name: str) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        naive: pd.Series = column.dt.tz_localize(None)
        return naive
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return column
    if pd.api.types.is_integer_dtype(column.dtype):
        digits = column.dropna().astype("int64")
        if len(digits) and digits.between(10_000_101, 99_991_231).all():
            return pd.to_datetime(column.astype("string"), format="%Y%m%d", errors="coerce")
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "hold dates",
                f"numbers such as {column.iloc[0]}",
                "Name the date column with --date-col (time_col= in Python).",
            )
        )
    text = column.astype("string")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if parsed.isna().sum() > text.isna().sum():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas: "could not infer format"
            other = pd.to_datetime(text, errors="coerce", format="mixed")
        parsed = parsed.fillna(other) if parsed.notna().any() else other
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    unparsed = parsed.isna() & text.notna()
    if unparsed.all() or (len(text) and unparsed.mean() > 0.5):
        first = text[unparsed].iloc[0]
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "hold dates",
                f"{int(unparsed.sum()):,} of {len(text):,} values are not dates (first: {first!r})",
                "Name the date column with --date-col (time_col= in Python), or fix the values.",
            )
        )
    return parsed


def clean_orders(
    frame: pd.DataFrame, cols: dict[str, str | None], observation_end: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Standard columns, parsed; rows that cannot be used left out and counted by reason."""
    c_col, t_col, a_col = (str(cols[k]) for k in ("customer_col", "time_col", "amount_col"))
    data = pd.DataFrame(
        {
            "customer_id": frame[c_col].to_numpy(),
            "timestamp": parse_times(frame[t_col], t_col).to_numpy(),
        }
    )
    amount = pd.to_numeric(frame[a_col], errors="coerce").astype("float64")
    if amount.notna().sum() == 0:
        raise ValidationError(
            format_message(
                f"column {a_col!r}",
                "hold order amounts (numbers)",
                f"values such as {frame[a_col].iloc[0]!r}",
                "Name the amount column with --amount-col (amount_col= in Python).",
            )
        )
    data["amount"] = amount.to_numpy()
    for role, name in (("order_col", "order_id"), ("channel_col", "channel")):
        if cols[role] is not None:
            data[name] = frame[cols[role]].to_numpy()
    reasons: list[tuple[str, int]] = []

    def drop(mask: Any, reason: str) -> None:
        nonlocal data
        n = int(np.asarray(mask).sum())
        if n:
            reasons.append((reason, n))
            data = data.loc[~np.asarray(mask)]

    drop(data["customer_id"].isna(), "missing customer id")
    drop(data["timestamp"].isna(), "missing or unparsable date")
    drop(~np.isfinite(data["amount"].to_numpy()), "missing or non-numeric amount")
    drop(data["amount"].to_numpy() < 0, "negative amount (refund or return)")
    if len(data) == 0:
        raise ValidationError(
            format_message(
                "ORDERS",
                "contain usable orders",
                "no row has a customer id, a date and a non-negative amount",
                "Check the columns chosen (printed above) and the file's content.",
            )
        )
    if observation_end is None:
        end = min(data["timestamp"].max(), pd.Timestamp.now().normalize() + pd.Timedelta("1D"))
        end = pd.Timestamp(end)
    else:
        try:
            end = pd.Timestamp(observation_end)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                format_message(
                    "observation_end", "be a date", repr(observation_end), "Use e.g. 1998-06-30."
                )
            ) from exc
        if pd.isna(end):
            raise InvalidParameterError(
                format_message("observation_end", "be a date", "NaT", "Use e.g. 1998-06-30.")
            )
    drop(data["timestamp"] > end, "after the observation end (future dates)")
    if "order_id" in data:
        drop(data.duplicated(), "exact duplicate of another row with the same order id")
    if len(data) == 0:
        raise ValidationError(
            format_message(
                "observation_end",
                "be on or after the first order",
                f"{end.date()}",
                "Choose a later date.",
            )
        )
    exclusions = pd.DataFrame(reasons, columns=["reason", "rows"])
    return data.reset_index(drop=True), exclusions, end


def monthly_kpis(
    data: pd.DataFrame, profile: pd.DataFrame, customers: pd.DataFrame, revenue: pd.DataFrame
) -> tuple[pd.Series, pd.DataFrame]:
    month = data["timestamp"].dt.to_period("M")
    orders_key = data["order_id"] if "order_id" in data else pd.Series(np.arange(len(data)))
    orders = (
        orders_key.groupby(month.to_numpy()).nunique()
        if "order_id" in data
        else (month.value_counts().sort_index())
    )
    # active customers and revenue by calendar month: the cohort tables' diagonals
    active: dict[pd.Period, float] = {}
    money: dict[pd.Period, float] = {}
    for cohort in customers.index:
        for k, value in customers.loc[cohort].items():
            if not np.isnan(value):
                key = cohort + int(k)
                active[key] = active.get(key, 0.0) + value
                money[key] = money.get(key, 0.0) + float(revenue.loc[cohort, k])
    new = customers[0] if 0 in customers else pd.Series(dtype=float)
    months = orders.index
    monthly = pd.DataFrame(index=pd.PeriodIndex(months, freq="M", name="month"))
    monthly["customers"] = [active.get(m, 0.0) for m in months]
    monthly["new_customers"] = [float(new.get(m, 0.0)) for m in months]
    monthly["orders"] = orders.to_numpy().astype(float)
    monthly["revenue"] = [money.get(m, 0.0) for m in months]
    monthly["average_order_value"] = monthly["revenue"] / monthly["orders"]
    monthly["repeat_customer_share"] = (monthly["customers"] - monthly["new_customers"]) / monthly[
        "customers"
    ]
    monthly["orders_per_customer"] = monthly["orders"] / monthly["customers"]
    base = monthly["new_customers"].cumsum()
    monthly["arpu"] = monthly["revenue"] / base
    monthly["arppu"] = monthly["revenue"] / monthly["customers"]
    n_customers = len(profile)
    n_orders = float(orders_key.nunique()) if "order_id" in data else float(len(data))
    total = float(data["amount"].sum())
    paying = int((profile["total_spend"] > 0).sum())
    kpis = pd.Series(
        {
            "customers": float(n_customers),
            "orders": n_orders,
            "revenue": total,
            "average order value": total / n_orders,
            "repeat-purchase rate": float((profile["n_orders"] > 1).mean()),
            "orders per customer": n_orders / n_customers,
            "ARPU (revenue per customer)": total / n_customers,
            "ARPPU (revenue per paying customer)": total / paying if paying else math.nan,
        },
        name="value",
    )
    return kpis, monthly.replace([np.inf, -np.inf], np.nan)
