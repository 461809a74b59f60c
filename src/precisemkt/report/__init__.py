"""The marketing report: from an orders table to who, worth, risk and action.

:func:`build_report` runs the whole loop on an orders table — data checks, KPIs by month,
acquisition cohorts, RFM segments, lifecycle stages and churn risk, CLV with a model chosen
on a holdout period, value tiers and an action per segment × lifecycle stage — and returns
a :class:`Report`: every table of the report, the scored customer table
(``Report.customers``) and ``Report.to_html(path)``, one self-contained HTML page.
``precisemkt report ORDERS --out DIR`` does the same from the command line.

This package sits above the domains and uses only their public API.
"""

from __future__ import annotations

from precisemkt.report._actions import DEFAULT_ACTIONS, action_table, suggest_actions
from precisemkt.report._build import Report, build_report
from precisemkt.report._columns import COLUMN_CANDIDATES, detect_columns, read_orders

__all__ = [
    "COLUMN_CANDIDATES",
    "DEFAULT_ACTIONS",
    "Report",
    "action_table",
    "build_report",
    "detect_columns",
    "read_orders",
    "suggest_actions",
]
