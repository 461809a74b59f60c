"""Quickstart: load the bundled CDNOW purchase log, summarise it, simulate a look-alike.

Run with ``python examples/quickstart.py``.
"""

from __future__ import annotations

import precisemkt as pm

tx = pm.datasets.load_cdnow()
print(f"CDNOW sample: {len(tx):,} purchase records, {tx['customer_id'].nunique():,} customers")
print(f"period: {tx['timestamp'].min():%Y-%m-%d} to {tx['timestamp'].max():%Y-%m-%d}")

per_customer = tx.groupby("customer_id").agg(
    orders=("timestamp", "nunique"), spend=("amount", "sum")
)
print("\nPer-customer orders and spend:")
print(per_customer.describe().round(2).to_string())
one_timers = (per_customer["orders"] == 1).mean()
print(f"\n{one_timers:.1%} of customers bought on a single day only.")

sim = pm.datasets.make_transactions(
    2357,
    freq="W",
    periods=78,
    acquisition_periods=12,
    spend=(6.25, 3.74, 15.44),
    random_state=1,
)
print(
    f"\nA simulated BG/NBD cohort of the same size made {len(sim.transactions):,} purchases; "
    f"{sim.customers['alive'].mean():.1%} of its customers are still active after 78 weeks."
)
