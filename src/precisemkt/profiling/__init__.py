"""Profiling: from a raw transaction log to one descriptive row per customer.

* :func:`rfm_summary` — frequency / recency / T / monetary value per customer, the input of
  the CLV models (equal to lifetimes' summary, much faster).
"""

from __future__ import annotations

from precisemkt.profiling._rfm import rfm_summary

__all__ = ["rfm_summary"]
