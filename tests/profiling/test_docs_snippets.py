"""Every code block of docs/profiling.md runs top to bottom, and its comments are true."""

from __future__ import annotations

from tests.doc_blocks import run_page


def test_profiling_page_runs() -> None:
    ns = run_page("profiling.md")
    report = ns["report"]
    assert (report.duplicate_rows, report.zero_amounts, report.alerts) == (21, 8, [])  # type: ignore[attr-defined]
    stages = ns["profile"]["lifecycle_stage"].value_counts(sort=False).to_dict()  # type: ignore[index]
    assert stages == {"new": 0, "active": 515, "at_risk": 163, "lapsed": 1218, "churned": 461}
    row = ns["summary"].loc[1].round(2).to_dict()  # type: ignore[attr-defined]
    assert (row["frequency"], row["recency"], row["T"]) == (2, 30.43, 38.86)
