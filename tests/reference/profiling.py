"""Naive pure-Python references for the profiling kernels.

Slow and obvious on purpose: dictionaries of lists, ``sorted`` and ``math.fsum``. The
hypothesis tests check that the compiled kernels agree with these on random inputs.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Any

import pandas as pd

DAY_NS = 86_400 * 10**9
UNIT_NS = {"W": 7 * DAY_NS, "D": DAY_NS, "h": 3_600 * 10**9, "min": 60 * 10**9, "s": 10**9}


def period_of(t_ns: int, freq: str) -> int:
    """Index of the period containing ``t_ns`` (weeks start on Monday, as pandas' "W")."""
    if freq == "W":
        days = t_ns // DAY_NS
        monday = days - (days + 3) % 7  # 1970-01-01 was a Thursday
        return monday // 7
    return t_ns // UNIT_NS[freq]


def rfm_summary(
    customers: list[Any],
    times_ns: list[int],
    amounts: list[float],
    *,
    freq: str = "D",
    freq_multiplier: float = 1.0,
    observation_end_ns: int | None = None,
    calibration_end_ns: int | None = None,
) -> pd.DataFrame:
    """lifetimes' summary written out customer by customer (amounts summed exactly)."""
    end = max(times_ns) if observation_end_ns is None else observation_end_ns
    end_p = period_of(end, freq)
    rows: dict[Any, list[tuple[int, float]]] = defaultdict(list)
    for c, t, a in zip(customers, times_ns, amounts, strict=True):
        rows[c].append((t, a))
    out = {}
    for c in sorted(rows):
        if calibration_end_ns is None:
            cal = [(t, a) for t, a in rows[c] if period_of(t, freq) <= end_p]
            hold: list[tuple[int, float]] = []
            t_end_p = end_p
        else:
            cal = [(t, a) for t, a in rows[c] if t <= calibration_end_ns]
            hold = [(t, a) for t, a in rows[c] if calibration_end_ns < t <= end]
            t_end_p = period_of(calibration_end_ns, freq)
        if not cal:
            continue
        totals: dict[int, list[float]] = defaultdict(list)
        for t, a in cal:
            totals[period_of(t, freq)].append(a)
        periods = sorted(totals)
        repeat = [math.fsum(totals[p]) for p in periods[1:]]
        record = {
            "frequency": len(periods) - 1,
            "recency": (periods[-1] - periods[0]) / freq_multiplier,
            "T": (t_end_p - periods[0]) / freq_multiplier,
            "monetary_value": math.fsum(repeat) / len(repeat) if repeat else 0.0,
        }
        if calibration_end_ns is not None:
            record["frequency_holdout"] = len({period_of(t, freq) for t, _ in hold})
            record["monetary_value_holdout"] = (
                math.fsum(a for _, a in hold) / len(hold) if hold else 0.0
            )
            record["duration_holdout"] = (end_p - t_end_p) / freq_multiplier
        out[c] = record
    return pd.DataFrame.from_dict(out, orient="index")


def sort_index(idx: list[int], primary: list[Any], secondary: list[Any]) -> list[int]:
    """Rows ordered by (primary, secondary), ties kept in their given order."""
    return sorted(idx, key=lambda i: (primary[i], secondary[i]))


def mode(values: list[Any]) -> tuple[int, Any, int]:
    """(distinct count, most frequent value — the smallest on ties —, its count)."""
    counts: dict[Any, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    if not counts:
        return 0, None, 0
    best = min(counts, key=lambda v: (-counts[v], v))
    return len(counts), best, counts[best]


def percentile_linear(values: list[float], q: float) -> float:
    """The q-quantile with linear interpolation between order statistics (numpy's default)."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def profile_customers(
    tx: pd.DataFrame,
    *,
    end_ns: int | None = None,
    category: bool = False,
    channel: bool = False,
    discount: bool = False,
    order: bool = False,
) -> pd.DataFrame:
    """profile_customers written out customer by customer with plain Python."""
    t_all = tx["timestamp"].astype("int64").tolist()
    end = max(t_all) if end_ns is None else end_ns
    lines: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for k, (row, t) in enumerate(zip(tx.to_dict("records"), t_all, strict=True)):
        if t <= end:
            lines[row["customer_id"]].append(row | {"t": t, "row": k})
    out = {}
    for c in sorted(lines):
        rows = lines[c]
        if order:
            by_order: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                by_order[r["order_id"]].append(r)
            orders = [
                {
                    "t": min(r["t"] for r in rs),
                    "amount": math.fsum(r["amount"] for r in rs),
                    "discount": any(r["discount"] for r in rs),
                    "channel": rs[0]["channel"],
                }
                for rs in by_order.values()
            ]
        else:
            orders = [dict(r) for r in rows]
        orders.sort(key=lambda o: (o["t"], o["amount"]))
        n = len(orders)
        times = [o["t"] for o in orders]
        values = [o["amount"] for o in orders]
        gaps = [(b - a) / DAY_NS for a, b in itertools.pairwise(times)]
        tenure = (end - times[0]) / DAY_NS
        rec: dict[str, Any] = {
            "first_purchase": pd.Timestamp(times[0]),
            "last_purchase": pd.Timestamp(times[-1]),
            "n_orders": n,
            "total_spend": math.fsum(values),
            "mean_spend": math.fsum(values) / n,
            "recency_days": (end - times[-1]) / DAY_NS,
            "tenure_days": tenure,
            "ipt_mean_days": math.nan,
            "ipt_std_days": math.nan,
            "ipt_cv": math.nan,
            "ipt_p90_days": math.nan,
            "orders_per_30d": 30 * n / max(tenure, 30),
            "spend_trend": math.nan,
        }
        if gaps:
            mean = math.fsum(gaps) / len(gaps)
            std = math.sqrt(math.fsum((g - mean) ** 2 for g in gaps) / len(gaps))
            x_mean = (n - 1) / 2
            y_mean = math.fsum(values) / n
            rec |= {
                "ipt_mean_days": mean,
                "ipt_std_days": std,
                "ipt_cv": std / mean if mean > 0 else math.nan,
                "ipt_p90_days": percentile_linear(gaps, 0.9),
                "spend_trend": math.fsum((k - x_mean) * (v - y_mean) for k, v in enumerate(values))
                / math.fsum((k - x_mean) ** 2 for k in range(n)),
            }
        if category:
            cats = [r["category"] for r in rows if not pd.isna(r["category"])]
            breadth, top, top_n = mode(cats)
            rec |= {
                "category_breadth": breadth,
                "top_category": top,
                "top_category_share": top_n / len(cats) if cats else 0.0,
            }
        if channel:
            rec["top_channel"] = mode([o["channel"] for o in orders if not pd.isna(o["channel"])])[
                1
            ]
        weekday = [pd.Timestamp(t).day_name() for t in times]
        counts = {d: weekday.count(d) for d in set(weekday)}
        order_of_days = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ]
        rec["preferred_weekday"] = min(counts, key=lambda d: (-counts[d], order_of_days.index(d)))
        rec["preferred_hour"] = mode([pd.Timestamp(t).hour for t in times])[1]
        if discount:
            rec["discount_share"] = sum(bool(o["discount"]) for o in orders) / n
        out[c] = rec
    return pd.DataFrame.from_dict(out, orient="index")
