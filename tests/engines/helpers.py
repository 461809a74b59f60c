"""Test tables shared by the engine tests (pandas; the fixtures move them to an engine)."""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd


def events(n: int = 3000, n_users: int = 400, seed: int = 0) -> pd.DataFrame:
    """A shuffled event log without ties: every timestamp is distinct.

    Conversion rows name a channel (the converting visit) about half the time; values are
    multiples of 0.25, so every sum is exact in any order.
    """
    rng = np.random.default_rng(seed)
    conversion = rng.random(n) < 0.12
    channel = rng.choice(np.array(["search", "email", "social", "direct", "tv"]), n).astype(object)
    channel[conversion & (rng.random(n) < 0.5)] = None
    seconds = rng.permutation(n).astype(np.int64) * 37 + 5
    return pd.DataFrame(
        {
            "user": np.char.add("u", rng.integers(0, n_users, n).astype(str)),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"),
            "channel": channel,
            "conversion": conversion,
            "value": np.where(conversion, rng.integers(1, 2000, n) * 0.25, 0.0),
        }
    )


def people(n: int = 4000, seed: int = 1) -> pd.DataFrame:
    """A released table with missing quasi-identifier values, a nominal and a numeric
    sensitive column; sorted by the nominal one (so first appearance is sorted order)."""
    rng = np.random.default_rng(seed)
    age = rng.choice(np.array(["20-29", "30-39", "40-49", "50+"], dtype=object), n)
    age[rng.random(n) < 0.03] = None
    frame = pd.DataFrame(
        {
            "age": age,
            "zip": rng.integers(0, 25, n) * 10 + 13000,
            "sex": rng.choice(["f", "m"], n),
            "disease": rng.choice(["cold", "flu", "hiv", "ulcer", "zoster"], n),
            "income": rng.integers(0, 15, n) * 1000,
        }
    )
    return frame.sort_values("disease", kind="stable").reset_index(drop=True)


def summary(n: int = 3000, seed: int = 2) -> pd.DataFrame:
    """An rfm_summary-like table with heavy ties (many one-time buyers) and string ids."""
    rng = np.random.default_rng(seed)
    frequency = rng.poisson(1.2, n).astype(np.float64)
    recency = np.where(frequency > 0, rng.integers(0, 300, n), 0).astype(np.float64)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in rng.permutation(n)],
            "frequency": frequency,
            "recency": recency,
            "T": recency + rng.integers(0, 200, n),
            "monetary_value": np.where(frequency > 0, np.round(rng.gamma(2.0, 25.0, n), 2), 0.0),
        }
    )


def collect(native: Any) -> pd.DataFrame:
    """Any native frame (eager or lazy) as pandas."""
    frame = nw.from_native(native)
    eager = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return eager.to_pandas()


def transactions(n: int = 5000, n_customers: int = 500, seed: int = 4) -> pd.DataFrame:
    """A purchase log over two years with integer amounts (exact sums in any order)."""
    rng = np.random.default_rng(seed)
    seconds = rng.integers(0, 2 * 365 * 86_400, n)
    return pd.DataFrame(
        {
            "customer_id": np.char.add("c", rng.integers(0, n_customers, n).astype(str)),
            "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, unit="s"),
            "amount": rng.integers(1, 500, n),
        }
    )
