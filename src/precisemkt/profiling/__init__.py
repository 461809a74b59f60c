"""Profiling: from a raw transaction log to one descriptive row per customer.

* :func:`data_quality_report` — what is missing, duplicated or implausible in the log.
* :func:`rfm_summary` — frequency / recency / T / monetary value per customer, the input of
  the CLV models (equal to lifetimes' summary, much faster).
* :func:`compress_summary` — the distinct (frequency, recency, T) patterns with counts, on
  any engine, for fits on millions of customers.
* :func:`profile_customers` — first/last purchase, spend, purchase rhythm, category,
  channel, weekday/hour preferences, discount share and lifecycle stage per customer.
* :func:`lifecycle_stage` — new / active / at risk / lapsed / churned, judged against each
  customer's own purchase rhythm.
* :func:`cohort_table` — acquisition cohorts: customers, revenue and retention by periods
  since the first purchase.
"""

from __future__ import annotations

from precisemkt.profiling._cohorts import cohort_table
from precisemkt.profiling._compress import compress_summary
from precisemkt.profiling._lifecycle import lifecycle_stage
from precisemkt.profiling._profile import profile_customers
from precisemkt.profiling._quality import DataQualityReport, data_quality_report
from precisemkt.profiling._rfm import rfm_summary

__all__ = [
    "DataQualityReport",
    "cohort_table",
    "compress_summary",
    "data_quality_report",
    "lifecycle_stage",
    "profile_customers",
    "rfm_summary",
]
