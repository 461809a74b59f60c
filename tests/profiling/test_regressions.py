"""Issue 12 and 13 regressions for profiling: old dates, messages, column names, lifecycle,
data-quality alerts and the recorded time unit."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from precisemkt._units import TimeUnit, time_unit_of
from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import (
    data_quality_report,
    lifecycle_stage,
    profile_customers,
    rfm_summary,
)

OLD = np.array(["1500-01-01", "2023-01-01", "2000-01-01"], dtype="datetime64[s]")


def old_log() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 2], "timestamp": OLD, "amount": [1.0, 2.0, 3.0]})


def test_dates_before_1677_do_not_wrap_around() -> None:
    tx = old_log()
    before = tx.copy()
    s = rfm_summary(tx)
    # closed form: days between the dates, counted by numpy in the column's resolution
    span = int((OLD[1] - OLD[0]) // np.timedelta64(1, "D"))
    assert span == 191_022
    assert s.loc[1, "recency"] == s.loc[1, "T"] == span
    assert s.loc[2, "T"] == int((OLD[1] - OLD[2]) // np.timedelta64(1, "D"))
    pd.testing.assert_frame_equal(tx, before)


def test_profile_reports_the_true_first_purchase_of_old_dates() -> None:
    p = profile_customers(old_log())
    assert p.loc[1, "first_purchase"] == pd.Timestamp("1500-01-01")
    assert p.loc[1, "tenure_days"] == 191_022.0
    assert p.loc[1, "ipt_mean_days"] == 191_022.0
    # weekdays of the proleptic Gregorian calendar, as Python's datetime counts them
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    first = min(datetime.date(1500, 1, 1).weekday(), datetime.date(2023, 1, 1).weekday())
    assert p.loc[1, "preferred_weekday"] == days[first]  # a tie: the first weekday
    assert p.loc[2, "preferred_weekday"] == days[datetime.date(2000, 1, 1).weekday()]


def test_profile_on_dates_spanning_the_whole_nanosecond_range() -> None:
    stamps = np.array(["1677-09-22", "2262-04-10"], dtype="datetime64[s]")
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": stamps, "amount": [1.0, 2.0]})
    p = profile_customers(tx)
    assert p.loc[1, "tenure_days"] == int((stamps[1] - stamps[0]) // np.timedelta64(1, "D"))
    assert p.loc[1, "recency_days"] == 0.0


def test_old_observation_end_beside_nanosecond_data() -> None:
    tx = load_cdnow().head(50)
    s = rfm_summary(tx, observation_end="2300-01-01")
    first = tx["timestamp"].min().to_datetime64().astype("datetime64[D]")
    days = int((np.datetime64("2300-01-01", "D") - first) // np.timedelta64(1, "D"))
    assert s["T"].max() == days


def test_unparsable_date_error_quotes_the_bad_value() -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 1, 2], "timestamp": ["2020-01-01", "2020-01-02", "31/02/xx"]}
    )
    with pytest.raises(ValidationError, match=r"'31/02/xx' at row 2") as info:
        rfm_summary(tx, amount_col=None)
    assert "2020-01-01" not in str(info.value)


def test_integer_dates_get_the_format_hint() -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "timestamp": [19970101, 19970315]})
    with pytest.raises(ValidationError, match=r"format='%Y%m%d'") as info:
        rfm_summary(tx, amount_col=None)
    assert "unit='D'" not in str(info.value)
    day_numbers = pd.DataFrame({"customer_id": [1, 1], "timestamp": [3, 40]})
    with pytest.raises(ValidationError, match=r"unit="):
        profile_customers(day_numbers, amount_col=None)


def test_mixed_time_zones_raise_a_typed_error_in_the_summaries() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "timestamp": ["2020-01-01T00:00+00:00", "2020-01-01T00:00+05:00"],
            "amount": [1.0, 2.0],
        }
    )
    for func in (rfm_summary, profile_customers):
        with pytest.raises(ValidationError, match="one time zone"):
            func(tx)


@pytest.mark.parametrize("duplicate", ["amount", "customer_id", "timestamp"])
def test_duplicate_column_names_are_typed_errors(duplicate: str) -> None:
    tx = pd.DataFrame(
        [[1, "2020-01-01", 1.0, 2]], columns=["customer_id", "timestamp", "amount", duplicate]
    )
    for func in (rfm_summary, profile_customers, data_quality_report):
        with pytest.raises(ValidationError, match=rf"{duplicate}' must appear once"):
            func(tx)


def test_unused_duplicate_column_is_an_alert_of_the_quality_report() -> None:
    tx = pd.DataFrame(
        [[1, "2020-01-01", 1.0, 2, 3]], columns=["customer_id", "timestamp", "amount", "x", "x"]
    )
    report = data_quality_report(tx, now="2021-01-01")
    assert report.duplicate_column_names == 1
    assert any(a.startswith("duplicate column names") for a in report.alerts)


@pytest.mark.parametrize("func", [rfm_summary, profile_customers, data_quality_report])
def test_a_list_as_column_name_is_a_typed_error(func: object) -> None:
    tx = load_cdnow().head(5)
    with pytest.raises(InvalidParameterError, match=r"customer_col='customer_id'"):
        func(tx, customer_col=["customer_id"])  # type: ignore[operator]


@pytest.mark.parametrize(
    "timestamps",
    [
        ["2020-01-01T00:00+00:00", "2020-01-01T00:00+05:00", "2020-01-02T00:00+00:00"],
        [
            pd.Timestamp("2020-01-01", tz="UTC"),
            pd.Timestamp("2020-01-01", tz="US/Eastern"),
            pd.Timestamp("2020-01-02", tz="UTC"),
        ],
    ],
    ids=["text offsets", "timestamps"],
)
def test_quality_report_alerts_on_mixed_time_zones(timestamps: list[object]) -> None:
    tx = pd.DataFrame(
        {"customer_id": [1, 2, 3], "timestamp": pd.Series(timestamps, dtype=object)}
        | {"amount": [1.0, 2.0, 3.0]}
    )
    report = data_quality_report(tx, now="2021-01-01")
    assert report.mixed_time_zones == 1
    assert report.unparsable_timestamps == 0
    assert any(a.startswith("mixed time zones") for a in report.alerts)


def test_quality_report_now_must_be_a_date() -> None:
    with pytest.raises(InvalidParameterError, match="now must be a date"):
        data_quality_report(load_cdnow().head(5), now="garbage")


def test_quality_report_alerts_on_zero_value_repeat_buyers() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 3, 4, 4],
            # customer 1: two same-day rows of 0 after day one; customer 3: one-time buyer
            "timestamp": ["2020-01-01", "2020-01-05", "2020-01-05", "2020-01-01",
                          "2020-01-03", "2020-01-01", "2020-01-01", "2020-01-01"],
            "amount": [5.0, 0.0, 0.0, 3.0, 4.0, 0.0, 2.0, 0.0],
        }
    )  # fmt: skip
    report = data_quality_report(tx, now="2021-01-01")
    assert report.zero_value_repeat_buyers == 1  # customer 4 bought on one day only
    assert any("Gamma-Gamma" in a for a in report.alerts)
    # the CDNOW sample has none, the full log has the one that broke Gamma-Gamma
    assert data_quality_report(load_cdnow(), now="2000-01-01").zero_value_repeat_buyers == 0
    full = load_cdnow(sample=False)
    summary = rfm_summary(full)
    expected = int(((summary["frequency"] > 0) & (summary["monetary_value"] <= 0)).sum())
    assert expected >= 1
    assert data_quality_report(full, now="2000-01-01").zero_value_repeat_buyers == expected


def test_same_day_buyers_are_judged_like_one_time_buyers() -> None:
    profile = pd.DataFrame(
        {
            "recency_days": [45.0, 45.0, 10.0],
            "tenure_days": [45.0, 45.0, 200.0],
            # a: 3 orders on one day (gaps 0); b: one order; c: a 20-day rhythm
            "ipt_p90_days": [0.0, np.nan, 20.0],
        },
        index=["a", "b", "c"],
    )
    stages = lifecycle_stage(profile)
    # population rhythm: c's 20 days; 2 * 20 < 45 <= 4 * 20 (a 1-day rhythm made a "churned")
    assert stages["a"] == stages["b"] == "lapsed"
    assert stages["c"] == "active"


def test_same_day_buyers_on_cdnow_get_the_one_time_buyer_stage() -> None:
    p = profile_customers(load_cdnow(sample=False), observation_end="1998-06-30")
    same_day = (p["n_orders"] > 1) & (p["tenure_days"] == p["recency_days"])
    assert same_day.sum() > 100
    as_one_time = p.assign(ipt_p90_days=p["ipt_p90_days"].where(~same_day))
    expected = lifecycle_stage(as_one_time)
    pd.testing.assert_series_equal(p["lifecycle_stage"], expected)
    # before the fix every one of them was "churned" (a 1-day rhythm)
    assert (p.loc[same_day, "lifecycle_stage"] != "churned").sum() > 100


def test_rfm_summary_records_its_time_unit() -> None:
    tx = load_cdnow()
    s = rfm_summary(tx, freq="D", freq_multiplier=7)
    assert s.attrs["time_unit"] == {"freq": "D", "multiplier": 7.0}
    assert time_unit_of(s) == TimeUnit("D", 7)
    # the unit travels with the usual selections (what a CLV fit receives)
    assert time_unit_of(s[["frequency", "recency", "T"]]) == TimeUnit("D", 7)
    assert time_unit_of(s.loc[s["frequency"] > 0, "T"]) == TimeUnit("D", 7)
    with_holdout = rfm_summary(tx, freq="W", calibration_end="1997-09-30")
    assert with_holdout.attrs["time_unit"] == {"freq": "W", "multiplier": 1.0}
    assert rfm_summary(tx.head(0)).attrs["time_unit"] == {"freq": "D", "multiplier": 1.0}


@pytest.mark.parametrize(("wrong", "meant"), [("H", "h"), ("T", "min"), ("S", "s")])
def test_freq_uses_the_core_vocabulary(wrong: str, meant: str) -> None:
    with pytest.raises(InvalidParameterError, match=rf"Did you mean '{meant}'"):
        rfm_summary(load_cdnow(), freq=wrong)
    assert len(rfm_summary(load_cdnow().head(20), freq=meant)) > 0


def test_unhashable_values_are_typed_errors_or_counted() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([[1], 2, 2], dtype=object),
            "timestamp": ["2020-01-01", "2020-01-02", "2020-01-03"],
            "amount": pd.Series([1.0, [2.0], 3.0], dtype=object),
        }
    )
    with pytest.raises(ValidationError, match=r"got list \[1\] at row 0"):
        rfm_summary(tx.assign(amount=1.0))
    with pytest.raises(ValidationError, match=r"column 'customer_id' must hold plain values"):
        profile_customers(tx.assign(amount=1.0))
    report = data_quality_report(tx, now="2021-01-01")  # dirty data is counted, not raised on
    assert report.unparsable_amounts == 1
    assert report.n_customers == 2
