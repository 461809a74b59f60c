"""Naive pure-Python references for the profiling kernels.

Slow and obvious on purpose: dictionaries of lists, ``sorted`` and ``math.fsum``. The
hypothesis tests check that the compiled kernels agree with these on random inputs.
"""

from __future__ import annotations

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


def group_order(keys: list[int]) -> list[int]:
    """Row indexes ordered by key, ties kept in row order (a stable sort)."""
    return sorted(range(len(keys)), key=lambda i: keys[i])


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
