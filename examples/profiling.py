"""Profiling: from a raw order log to one row per customer.

Check the CDNOW log, build the CLV summary (calibration and holdout), describe every
customer and name their lifecycle stage. Run with ``python examples/profiling.py``.
"""

from __future__ import annotations

from precisemkt.datasets import load_cdnow
from precisemkt.profiling import data_quality_report, profile_customers, rfm_summary

tx = load_cdnow()

# 1. Is the log usable? One row per check; alerts list what crossed a threshold.
report = data_quality_report(tx, now="2000-01-01")
print(report.to_frame().to_string(), "\n")
print("alerts:", report.alerts or "none", "\n")

# 2. The summary CLV models are fitted to, in weeks measured to the day (Fader, Hardie &
#    Lee 2005): 39 weeks of calibration, 39 weeks of holdout.
summary = rfm_summary(
    tx,
    freq="D",
    freq_multiplier=7,
    calibration_end="1997-09-30",
    observation_end="1998-06-30",
)
print(summary.head().round(2).to_string(), "\n")

# 3. One descriptive row per customer, with the lifecycle stage judged against each
#    customer's own purchase rhythm.
profile = profile_customers(tx, observation_end="1998-06-30")
columns = ["n_orders", "total_spend", "recency_days", "ipt_p90_days", "lifecycle_stage"]
print(profile[columns].head(8).round(1).to_string(), "\n")
print(profile["lifecycle_stage"].value_counts(sort=False).to_string())
