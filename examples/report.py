"""The whole loop on the bundled CDNOW data: profile, segment, CLV, actions, the report.

Run with ``python examples/report.py``; it writes ``report/report.html`` and
``report/customers.csv`` (the same as ``precisemkt report --demo --out report/``).
"""

from __future__ import annotations

from pathlib import Path

from precisemkt.datasets import load_cdnow
from precisemkt.report import build_report

report = build_report(load_cdnow(), currency="USD", horizon_months=12)
print(report)
print("\nKPIs:")
print(report.kpis.round(2).to_string())
print("\nCLV model choice (calibration fit, holdout check):")
print(report.model_selection.round(3).T.to_string())
print("\nActions by value at stake:")
by_action = report.actions.groupby("action")[["customers", "clv"]].sum()
print(by_action.sort_values("clv", ascending=False).round(0).to_string())

out = Path("report")
out.mkdir(exist_ok=True)
report.to_html(out / "report.html")
report.customers.to_csv(out / "customers.csv")
print(f"\nwrote {out / 'report.html'} and {out / 'customers.csv'}")
