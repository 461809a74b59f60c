"""Profiling suite: rfm_summary against lifetimes, profile_customers time and peak memory.

Data: ``make_transactions`` (BG/NBD with CDNOW's parameters in days, 78 weeks, customers
acquired over 12 weeks, Gamma-Gamma spend), cut to exactly the target number of rows
(10M with ``--full``, 1M with ``--quick``; about 2.8 rows per customer) and put in time
order, as a real log is written (customers interleave; the rows of a customer are not
adjacent). Both libraries get the same frame.

* ``rfm_summary`` vs lifetimes 0.11.3 ``summary_data_from_transaction_data`` (daily
  periods, with amounts), and the calibration/holdout variant vs
  ``calibration_and_holdout_data``.
* ``profile_customers`` with every optional column (category, channel, discount), timed
  in this process, next to a pandas ``groupby`` that computes only a subset of its columns
  (first/last purchase, orders, total and mean spend). Its peak memory is measured in a
  fresh subprocess with ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the process loads
  the log from ``.npy`` files, records its peak RSS, profiles, and reports the increase of
  the peak (the memory the profile needs on top of the log).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case
from precisemkt.datasets import make_transactions
from precisemkt.profiling import profile_customers, rfm_summary

SUITE = "profiling"
CALIBRATION_END = "1997-12-31"
ROOT = Path(__file__).resolve().parents[1]

_MEMORY_SCRIPT = """
import json, resource, sys
import numpy as np, pandas as pd
from precisemkt.profiling import profile_customers
folder = sys.argv[1]
cols = {c: np.load(f"{folder}/{c}.npy", allow_pickle=False)
        for c in ("customer_id", "timestamp", "amount", "category", "channel", "discount")}
cols["timestamp"] = cols["timestamp"].view("datetime64[ns]")
tx = pd.DataFrame(cols)
profile_customers(tx.head(1000), category_col="category", channel_col="channel",
                  discount_col="discount")  # load the compiled kernels
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
profile_customers(tx, category_col="category", channel_col="channel", discount_col="discount")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"log_kib": before, "peak_kib": after}))
"""


def transaction_log(rows: int, seed: int = 0) -> pd.DataFrame:
    """A simulated log of exactly ``rows`` rows in time order, with optional columns."""
    customers = int(rows / 2.6) + 1000
    sim = make_transactions(
        customers,
        freq="D",
        periods=546,
        acquisition_periods=84,
        spend=(6.25, 3.74, 15.44),
        random_state=seed,
    )
    tx = sim.transactions.iloc[:rows]
    tx = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    tx["category"] = rng.choice(np.array(["music", "books", "video", "games", "toys"]), rows)
    tx["channel"] = rng.choice(np.array(["web", "app", "store"]), rows, p=[0.5, 0.3, 0.2])
    tx["discount"] = rng.random(rows) < 0.2
    return tx


def _lifetimes_summary(tx: pd.DataFrame) -> None:
    from lifetimes.utils import summary_data_from_transaction_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary_data_from_transaction_data(tx, "customer_id", "timestamp", "amount")


def _lifetimes_holdout(tx: pd.DataFrame) -> None:
    from lifetimes.utils import calibration_and_holdout_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calibration_and_holdout_data(
            tx, "customer_id", "timestamp", CALIBRATION_END, monetary_value_col="amount"
        )


def _pandas_subset(tx: pd.DataFrame) -> None:
    g = tx.groupby("customer_id")
    g.agg(
        first=("timestamp", "min"),
        last=("timestamp", "max"),
        n_orders=("amount", "size"),
        total=("amount", "sum"),
        mean=("amount", "mean"),
    )


def peak_memory(tx: pd.DataFrame) -> dict[str, Any]:
    """Peak RSS of profiling ``tx`` in a fresh process, on top of the loaded log."""
    with tempfile.TemporaryDirectory() as folder:
        for col in ("customer_id", "amount", "category", "channel", "discount"):
            values = tx[col].to_numpy()
            np.save(f"{folder}/{col}.npy", values.astype(str) if values.dtype == object else values)
        np.save(f"{folder}/timestamp.npy", tx["timestamp"].to_numpy().view(np.int64))
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_SCRIPT, folder],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def cases(quick: bool) -> list[Case]:
    rows = 1_000_000 if quick else 10_000_000
    tx = transaction_log(rows)
    size = f"{rows / 1e6:.0f}M rows, {tx['customer_id'].nunique() / 1e6:.2f}M customers"
    memory = peak_memory(tx)
    extra_gib = (memory["peak_kib"] - memory["log_kib"]) / 2**20
    log_gib = memory["log_kib"] / 2**20
    kwargs = {"category_col": "category", "channel_col": "channel", "discount_col": "discount"}
    return [
        Case(
            "rfm_summary (daily periods, amounts)",
            size,
            lambda: rfm_summary(tx),
            rival=lambda: _lifetimes_summary(tx),
            rival_name="lifetimes summary_data_from_transaction_data",
            repeats=3,
            rival_repeats=1 if not quick else 3,
            rival_warmup=quick,
        ),
        Case(
            "rfm_summary with calibration/holdout",
            size,
            lambda: rfm_summary(tx, calibration_end=CALIBRATION_END),
            rival=lambda: _lifetimes_holdout(tx),
            rival_name="lifetimes calibration_and_holdout_data",
            repeats=3,
            rival_repeats=1 if not quick else 3,
            rival_warmup=quick,
        ),
        Case(
            "profile_customers (all optional columns)",
            size,
            lambda: profile_customers(tx, **kwargs),
            rival=lambda: _pandas_subset(tx),
            rival_name="pandas groupby, 5 of its 21 columns",
            repeats=3,
            note=(
                f"peak RSS +{extra_gib:.2f} GiB over the {log_gib:.2f} GiB process holding "
                "the log (fresh subprocess, getrusage maxrss)"
            ),
        ),
    ]
