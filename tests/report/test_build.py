"""build_report on CDNOW: every table, checked against the domain functions it uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import BGNBD, ParetoNBD
from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import cohort_table, profile_customers, rfm_summary
from precisemkt.report import Report, action_table, build_report, suggest_actions

SCORED = [
    "n_orders",
    "total_spend",
    "r_score",
    "f_score",
    "m_score",
    "segment",
    "lifecycle_stage",
    "p_alive",
    "expected_purchases",
    "clv",
    "value_tier",
    "churn_risk",
    "action",
]


def test_customer_table_has_one_scored_row_per_customer(demo: Report) -> None:
    tx = load_cdnow()
    c = demo.customers
    assert len(c) == tx["customer_id"].nunique() == 2357
    assert c.index.is_unique
    assert set(SCORED) <= set(c.columns)
    assert c[SCORED].notna().all().all()
    assert c["p_alive"].between(0, 1).all()
    assert (c["clv"] >= 0).all()
    # totals come from the log itself
    assert c["total_spend"].sum() == pytest.approx(tx["amount"].sum())
    assert c["n_orders"].sum() <= len(tx)


def test_kpis_equal_direct_computations(demo: Report) -> None:
    tx = load_cdnow()
    k = demo.kpis
    assert k["customers"] == 2357
    assert k["orders"] == len(tx)  # no order id column: every row is an order
    assert k["revenue"] == pytest.approx(tx["amount"].sum())
    assert k["average order value"] == pytest.approx(tx["amount"].mean())
    m = demo.kpis_monthly
    month = tx["timestamp"].dt.to_period("M")
    np.testing.assert_allclose(m["revenue"], tx.groupby(month)["amount"].sum())
    np.testing.assert_array_equal(m["orders"], tx.groupby(month).size())
    np.testing.assert_array_equal(m["customers"], tx.groupby(month)["customer_id"].nunique())
    assert m["new_customers"].sum() == 2357


def test_cohorts_are_the_public_cohort_table(demo: Report) -> None:
    pd.testing.assert_frame_equal(demo.cohort_retention, cohort_table(load_cdnow()))


def test_clv_model_choice_is_backed_by_its_evidence(demo: Report) -> None:
    sel = demo.model_selection
    assert list(sel.index) == ["BG/NBD", "Pareto/NBD"]
    assert sel["chosen"].sum() == 1
    chosen = sel.index[sel["chosen"]][0]
    assert chosen == demo.clv_model
    assert sel.loc[chosen, "holdout_mae"] == sel["holdout_mae"].min()
    # the holdout's actual purchases are those of the log after the calibration end
    tx = load_cdnow()
    cal_end = pd.Timestamp("1998-06-30") - pd.Timedelta(days=181)
    summary = rfm_summary(
        tx, freq="D", freq_multiplier=7, calibration_end=cal_end, observation_end="1998-06-30"
    )
    assert sel.loc[chosen, "actual_purchases"] == summary["frequency_holdout"].sum()
    held = tx[tx["timestamp"] > cal_end]
    assert sel.loc[chosen, "actual_revenue"] == pytest.approx(held["amount"].sum())
    # predicted within 15% of actual on CDNOW (the papers' models track this data well)
    ratio = sel.loc[chosen, "predicted_purchases"] / sel.loc[chosen, "actual_purchases"]
    assert 0.85 < ratio < 1.15


def test_p_alive_is_the_fitted_models(demo: Report) -> None:
    s = rfm_summary(load_cdnow(), freq="D", freq_multiplier=7)
    model = (BGNBD if demo.clv_model == "BG/NBD" else ParetoNBD)().fit(
        s["frequency"], s["recency"], s["T"]
    )
    expected = model.probability_alive(s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(demo.customers["p_alive"], expected, rtol=1e-5, atol=1e-6)


def test_segments_lifecycle_tiers_and_actions_add_up(demo: Report) -> None:
    c = demo.customers
    assert demo.segments["customers"].sum() == len(c)
    assert demo.segments["revenue_share"].sum() == pytest.approx(1.0)
    assert demo.lifecycle["customers"].sum() == len(c)
    assert demo.value_tiers["customers"].sum() == len(c)
    assert demo.value_tiers.loc["A", "clv_share"] >= 0.8 - 1e-9
    assert demo.actions["customers"].sum() == len(c)
    assert demo.actions["clv"].sum() == pytest.approx(c["clv"].sum())
    stages = profile_customers(load_cdnow())["lifecycle_stage"]
    assert (c["lifecycle_stage"].astype(str) == stages.astype(str).reindex(c.index)).all()
    risky = c["lifecycle_stage"].astype(str).isin(["at_risk", "lapsed"])
    assert c.loc[risky, "churn_risk"].all()
    assert demo.at_risk.index.isin(c.index[c["churn_risk"]]).all()
    assert demo.at_risk["total_spend"].is_monotonic_decreasing


def test_actions_follow_the_first_matching_rule() -> None:
    seg = pd.Series(["Champions", "Champions", "Lost", "Promising"], index=list("abcd"))
    # another order of the same ids: aligned on the index, never by position
    stage = pd.Series(["at_risk", "new", "lapsed", "active"], index=list("dcba"))
    got = suggest_actions(seg, stage)
    assert got.tolist() == [
        "Loyalty programme",
        "Win-back (high value)",
        "Onboarding",
        "Nurture",
    ]
    mine = pd.DataFrame(
        {
            "segment": ["Champions", "*"],
            "lifecycle_stage": ["*", "*"],
            "action": ["Say thanks", "Newsletter"],
        }
    )
    assert suggest_actions(seg, stage, mine).tolist() == [
        "Say thanks",
        "Say thanks",
        "Newsletter",
        "Newsletter",
    ]
    with pytest.raises(ValidationError, match="catch-all"):
        action_table(mine.head(1))
    with pytest.raises(ValidationError, match="action"):
        action_table(mine.drop(columns="action"))


def test_custom_actions_reach_the_report() -> None:
    rules = pd.DataFrame({"segment": ["*"], "lifecycle_stage": ["*"], "action": ["Call"]})
    report = build_report(load_cdnow().head(800), actions=rules, holdout_days=0)
    assert set(report.customers["action"]) == {"Call"}
    assert report.model_selection.empty


def test_other_column_names_string_ids_and_shuffled_rows() -> None:
    tx = load_cdnow().sample(frac=1.0, random_state=3)
    renamed = pd.DataFrame(
        {
            "Client": "C" + tx["customer_id"].astype(str),
            "Order Date": tx["timestamp"].dt.strftime("%d %b %Y"),
            "Revenue": tx["amount"].astype(str),
        }
    )
    before = renamed.copy()
    report = build_report(renamed)
    pd.testing.assert_frame_equal(renamed, before)  # never modified
    assert report.columns["customer_col"] == "Client"
    assert report.columns["time_col"] == "Order Date"
    assert report.columns["amount_col"] == "Revenue"
    assert report.kpis["revenue"] == pytest.approx(tx["amount"].sum())
    assert report.customers.index[0].startswith("C")


def test_dirty_rows_are_left_out_and_counted() -> None:
    tx = load_cdnow().head(2000).copy()
    tx["amount"] = tx["amount"].astype(object)
    tx.loc[tx.index[:3], "amount"] = -5.0
    tx.loc[tx.index[3:5], "amount"] = "n/a"
    tx.loc[tx.index[5], "customer_id"] = None
    tx["order_id"] = np.arange(len(tx))
    tx = pd.concat([tx, tx.tail(4)])  # exact duplicates of orders
    report = build_report(tx)
    reasons = dict(zip(report.exclusions["reason"], report.exclusions["rows"], strict=True))
    assert reasons == {
        "missing customer id": 1,
        "missing or non-numeric amount": 2,
        "negative amount (refund or return)": 3,
        "exact duplicate of another row with the same order id": 4,
    }
    assert report.overview["rows used"] == 2000 - 6


def test_bad_input_gets_one_clear_error() -> None:
    tx = load_cdnow().head(300)
    with pytest.raises(ValidationError, match="the amount column must be present"):
        build_report(tx.drop(columns="amount"))
    with pytest.raises(ValidationError, match="column 'timestamp' must hold dates"):
        build_report(tx.assign(timestamp="soon"))
    with pytest.raises(ValidationError, match="at least one row"):
        build_report(tx.head(0))
    with pytest.raises(ValidationError, match="2 columns match 'amount'"):
        build_report(tx.assign(Amount=1.0))
    with pytest.raises(ValidationError, match="amount_col must name a column"):
        build_report(tx, amount_col="price")
    with pytest.raises(ValidationError, match="order amounts"):
        build_report(tx.assign(amount="free"))
    with pytest.raises(InvalidParameterError, match="horizon_months"):
        build_report(tx, horizon_months=0)
    with pytest.raises(InvalidParameterError, match="observation_end"):
        build_report(tx, observation_end="not a date")


def test_short_history_skips_the_holdout() -> None:
    tx = load_cdnow()
    tx = tx[tx["timestamp"] < "1997-04-15"]
    report = build_report(tx)
    assert report.model_selection.empty
    assert report.clv_model in ("BG/NBD", "")


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".csv.gz", ".tsv"])
def test_read_orders_by_extension(suffix: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from precisemkt.report import read_orders

    tx = load_cdnow().head(50)
    path = tmp_path / f"orders{suffix}"
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
        tx.to_parquet(path)
    elif suffix == ".xlsx":
        pytest.importorskip("openpyxl")
        tx.to_excel(path, index=False)
    else:
        tx.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    got = read_orders(path)
    assert list(got.columns) == list(tx.columns)
    assert len(got) == 50
    report = build_report(got, holdout_days=0)
    assert report.kpis["revenue"] == pytest.approx(tx["amount"].sum())


def test_large_data_fits_and_checks_on_a_seeded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    from precisemkt.report import _build

    monkeypatch.setattr(_build, "MAX_FIT_CUSTOMERS", 1000)
    first = build_report(load_cdnow())
    again = build_report(load_cdnow())
    assert "holdout check on a random sample of 1,000 customers" in " ".join(first.notes)
    assert len(first.customers) == 2357  # predictions for everyone
    pd.testing.assert_frame_equal(first.model_selection, again.model_selection)
    pd.testing.assert_frame_equal(first.parameters, again.parameters)
