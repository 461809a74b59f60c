"""data_quality_report: every check counts what it says, alerts fire, dirty data never raises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import DataQualityReport, data_quality_report


def dirty_log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", None, "c", "c", "d", "e"],
            "timestamp": [
                "2024-01-01", "2024-01-01", "garbage", "2024-01-02",
                "2030-01-01", "2024-01-03", None, "2024-01-04",
            ],
            "amount": [10.0, 10.0, -3.0, 0.0, "ten", 12.0, 11.0, 1e6],
            "order_id": [1, 1, 2, 3, 1, 4, 5, 6],
        }
    )  # fmt: skip


def test_counts_on_a_hand_made_dirty_log() -> None:
    tx = dirty_log()
    report = data_quality_report(tx, order_col="order_id", now="2025-01-01")
    assert isinstance(report, DataQualityReport)
    assert report.n_rows == 8
    assert report.n_customers == 5
    assert report.missing_rate["customer_id"] == pytest.approx(1 / 8)
    assert report.missing_rate["timestamp"] == pytest.approx(1 / 8)
    assert report.duplicate_rows == 1  # row 1 repeats row 0
    # order 1 appears for customer a on 2024-01-01 (twice: one order) and for customer c
    assert report.duplicate_order_ids == 1
    assert report.negative_amounts == 1
    assert report.zero_amounts == 1
    assert report.unparsable_amounts == 1
    assert report.unparsable_timestamps == 1
    assert report.future_timestamps == 1
    assert report.amount_outliers == 1  # 1e6 among amounts around 10 (log-MAD rule)
    assert report.implausible_customers.empty
    frame = report.to_frame()
    assert frame.loc["duplicate rows", "count"] == 1
    assert bool(frame.loc["missing: customer_id", "alert"])  # 12.5% > 5%
    assert any(a.startswith("missing: customer_id: 12.5% of rows (1)") for a in report.alerts)
    assert not report.ok


def test_clean_cdnow_has_no_alert() -> None:
    report = data_quality_report(load_cdnow(), now="2000-01-01")
    # the CDNOW sample: 21 rows repeat an earlier row exactly (same customer, day, quantity
    # and amount: plausible repeat orders) and 8 amounts are 0 (pandas counts them too)
    tx = load_cdnow()
    assert report.duplicate_rows == int(tx.duplicated().sum()) == 21
    assert report.zero_amounts == int((tx["amount"] == 0).sum()) == 8
    assert report.ok
    assert report.alerts == []


def test_implausible_order_rates() -> None:
    day = pd.Timestamp("2024-03-01")
    tx = pd.DataFrame(
        {
            "customer_id": ["bot"] * 25 + ["human"] * 3,
            "timestamp": [day + pd.Timedelta(minutes=i) for i in range(28)],
            "amount": 5.0,
            "order_id": [*list(range(25)), 100, 100, 101],
        }
    )
    report = data_quality_report(tx, now="2025-01-01")
    assert report.implausible_customers.tolist() == ["bot"]
    assert report.checks.loc["implausible order rates (customers)", "rate"] == 0.5
    # with order ids, 25 distinct orders are still > 20; the human's lines are 2 orders
    report = data_quality_report(tx, order_col="order_id", now="2025-01-01", max_orders_per_day=24)
    assert report.implausible_customers.tolist() == ["bot"]
    assert data_quality_report(
        tx, max_orders_per_day=25, now="2025-01-01"
    ).implausible_customers.empty


def test_thresholds_control_alerts() -> None:
    tx = load_cdnow()
    strict = data_quality_report(tx, now="2000-01-01", max_issue_rate=0.0)
    # zero amounts and exact duplicate rows exist in CDNOW, so a zero tolerance alerts
    assert any(a.startswith("zero amounts") for a in strict.alerts)
    assert strict.checks["alert"].sum() == len(strict.alerts)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 3)),
            st.one_of(st.none(), st.sampled_from(["2024-01-01", "x", "2024-13-45", "2099-01-01"])),
            st.one_of(
                st.none(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3)
            ),
        ),
        max_size=25,
    )
)
def test_never_raises_on_dirty_data_and_leaves_it_alone(rows: list[tuple[object, ...]]) -> None:
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"], dtype=object)
    before = tx.copy(deep=True)
    report = data_quality_report(tx, now="2025-01-01")
    pd.testing.assert_frame_equal(tx, before)
    frame = report.to_frame()
    assert ((frame["rate"] >= 0) & (frame["rate"] <= 1)).all()
    assert frame["count"].ge(0).all()
    assert len(report.alerts) == int(frame["alert"].sum())


def test_usage_errors_do_raise() -> None:
    tx = load_cdnow()
    with pytest.raises(ValidationError, match=r"column\(s\) 'order' must be present"):
        data_quality_report(tx, order_col="order")
    with pytest.raises(InvalidParameterError, match=r"max_missing_rate must be in \[0, 1\]"):
        data_quality_report(tx, max_missing_rate=1.5)
    with pytest.raises(InvalidParameterError, match=r"transactions must be a pandas DataFrame"):
        data_quality_report([1, 2])  # type: ignore[arg-type]


def test_empty_log() -> None:
    empty = pd.DataFrame({"customer_id": [], "timestamp": [], "amount": []})
    report = data_quality_report(empty)
    assert report.n_rows == 0
    assert report.ok
    assert np.all(report.to_frame()["count"] == 0)
