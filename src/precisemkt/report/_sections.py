"""The report's summary tables, each computed from the per-customer table."""

from __future__ import annotations

import pandas as pd

__all__ = [
    "action_summary",
    "at_risk_table",
    "lifecycle_table",
    "overview_table",
    "segment_table",
    "tier_table",
]


def overview_table(
    frame: pd.DataFrame, data: pd.DataFrame, end: pd.Timestamp, currency: str, horizon: int
) -> pd.Series:
    return pd.Series(
        {
            "rows read": len(frame),
            "rows used": len(data),
            "customers": int(data["customer_id"].nunique()),
            "first order": data["timestamp"].min().date().isoformat(),
            "last order": data["timestamp"].max().date().isoformat(),
            "observation end": end.date().isoformat(),
            "currency": currency,
            "CLV horizon (months)": horizon,
        },
        dtype=object,
    )


def segment_table(customers: pd.DataFrame) -> pd.DataFrame:
    grouped = customers.groupby("segment", observed=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "revenue": grouped["total_spend"].sum(),
            "orders_mean": grouped["n_orders"].mean(),
            "spend_mean": grouped["total_spend"].mean(),
            "recency_days_mean": grouped["recency_days"].mean(),
            "clv_mean": grouped["clv"].mean(),
        }
    )
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    out.insert(3, "revenue_share", out["revenue"] / out["revenue"].sum())
    return out.sort_values("revenue", ascending=False)


def lifecycle_table(customers: pd.DataFrame) -> pd.DataFrame:
    grouped = customers.groupby("lifecycle_stage", observed=False)
    return pd.DataFrame(
        {
            "customers": grouped.size(),
            "p_alive_mean": grouped["p_alive"].mean(),
            "churn_risk": grouped["churn_risk"].sum(),
            "revenue": grouped["total_spend"].sum(),
            "clv": grouped["clv"].sum(),
        }
    )


def at_risk_table(customers: pd.DataFrame) -> pd.DataFrame:
    risk = customers[customers["churn_risk"]]
    return risk.nlargest(20, "total_spend")[
        ["n_orders", "total_spend", "last_purchase", "segment", "lifecycle_stage", "p_alive", "clv"]
    ]


def tier_table(customers: pd.DataFrame) -> pd.DataFrame:
    grouped = customers.groupby("value_tier", observed=False)
    out = pd.DataFrame({"customers": grouped.size(), "clv": grouped["clv"].sum()})
    out["clv_share"] = out["clv"] / out["clv"].sum()
    out["revenue"] = grouped["total_spend"].sum()
    return out


def action_summary(customers: pd.DataFrame) -> pd.DataFrame:
    grouped = customers.groupby(["segment", "lifecycle_stage", "action"], observed=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "clv": grouped["clv"].sum(),
            "revenue": grouped["total_spend"].sum(),
        }
    ).reset_index()
    out = out[out["customers"] > 0]
    return out.sort_values("clv", ascending=False).reset_index(drop=True)
