"""Datasets: real data shipped with the package and simulators with known truth.

Real data: :func:`load_cdnow` (CDNOW transactions) and :func:`load_donations` (BG/BB
donation patterns). Simulators: :func:`make_transactions` (BG/NBD or Pareto/NBD
purchase logs with per-customer truth).
"""

from __future__ import annotations

from precisemkt.datasets._loaders import load_cdnow, load_donations

__all__ = ["load_cdnow", "load_donations"]
