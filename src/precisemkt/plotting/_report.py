"""Figures of the marketing report (used by :mod:`precisemkt.report`; each takes an ``ax``).

They draw from the report's tables only, so a notebook can redraw any figure of a
:class:`precisemkt.report.Report`. ``figure_png`` renders a drawing to PNG bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []

_STAGE_COLOURS = {
    "new": "#4c9be8",
    "active": "#2a9d5c",
    "at_risk": "#f2b134",
    "lapsed": "#e8743b",
    "churned": "#9e9e9e",
}


def figure_png(draw: Callable[[Any], Any], *, width: float = 8.0, height: float = 3.6) -> bytes:
    """Draw on a fresh figure's axes and return the figure as PNG bytes (no metadata)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    draw(ax)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def plot_quality_checks(checks: pd.DataFrame, *, ax: Any) -> Any:
    """Share of rows failing each data-quality check, with its alert threshold."""
    rates = checks["rate"].astype(float) * 100
    y = np.arange(len(rates))
    colours = ["#d1495b" if a else "#66a182" for a in checks["alert"].astype(bool)]
    ax.barh(y, rates, color=colours)
    ax.scatter(
        checks["threshold"].astype(float) * 100,
        y,
        marker="|",
        s=200,
        color="black",
        label="alert threshold",
    )
    ax.set_yticks(y, [str(i) for i in checks.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("rows (or customers) affected, %")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_kpi_trend(monthly: pd.DataFrame, *, currency: str = "USD", ax: Any) -> Any:
    """Revenue by month (bars) and active customers (line, right axis)."""
    labels = [str(m) for m in monthly.index]
    x = np.arange(len(labels))
    ax.bar(x, monthly["revenue"], color="#4c9be8", label="revenue")
    ax.set_ylabel(f"revenue ({currency})")
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=8)
    right = ax.twinx()
    right.plot(x, monthly["customers"], color="#d1495b", marker="o", ms=3, label="customers")
    right.set_ylabel("active customers")
    right.set_ylim(bottom=0)
    ax.set_title("Revenue and active customers by month", fontsize=10)
    return ax


def plot_cohort_heatmap(retention: pd.DataFrame, *, ax: Any) -> Any:
    """Retention heat map: share of each cohort buying k months after acquisition."""
    values = retention.to_numpy(dtype=float) * 100
    shown = values.copy()
    shown[:, 0] = np.nan  # month 0 is 100% by definition; leave it out of the colour scale
    image = ax.imshow(shown, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="% of cohort buying")
    ax.set_xlabel("months since first purchase")
    ax.set_ylabel("cohort (month of first purchase)")
    step = max(1, len(retention.index) // 15)
    ax.set_yticks(
        np.arange(len(retention.index))[::step],
        [str(c) for c in retention.index][::step],
        fontsize=8,
    )
    if values.shape[0] * values.shape[1] <= 120:
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v) and j > 0:
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=6, color="white")
    return ax


def plot_segment_bars(segments: pd.DataFrame, *, ax: Any) -> Any:
    """Share of customers and of revenue per RFM segment."""
    y = np.arange(len(segments))
    ax.barh(
        y - 0.2, segments["customer_share"] * 100, height=0.4, label="customers", color="#9e9e9e"
    )
    ax.barh(y + 0.2, segments["revenue_share"] * 100, height=0.4, label="revenue", color="#2a9d5c")
    ax.set_yticks(y, [str(s) for s in segments.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("% of total")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_lifecycle(customers: pd.DataFrame, *, ax: Any) -> Any:
    """P(alive) against days since the last purchase, one dot per customer, by stage."""
    sample = customers
    if len(sample) > 20_000:
        sample = sample.sample(20_000, random_state=0)
    counts = customers["lifecycle_stage"].astype(str).value_counts()
    for stage, colour in _STAGE_COLOURS.items():
        part = sample[sample["lifecycle_stage"].astype(str) == stage]
        if len(part):
            ax.scatter(
                part["recency_days"],
                part["p_alive"],
                s=6,
                alpha=0.5,
                color=colour,
                label=f"{stage} ({int(counts.get(stage, 0)):,})",
            )
    ax.set_xlabel("days since last purchase")
    ax.set_ylabel("P(alive)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, markerscale=2)
    return ax


def plot_holdout(by_frequency: pd.DataFrame, *, ax: Any) -> Any:
    """Mean actual and predicted holdout purchases by calibration frequency."""
    x = np.arange(len(by_frequency))
    ax.bar(x - 0.2, by_frequency["actual"], width=0.4, label="actual", color="#9e9e9e")
    ax.bar(x + 0.2, by_frequency["predicted"], width=0.4, label="predicted", color="#4c9be8")
    ax.set_xticks(x, [str(i) for i in by_frequency.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout")
    ax.legend(fontsize=8)
    return ax


def plot_clv_distribution(
    clv: pd.Series, tiers: pd.Series, *, currency: str = "USD", ax: Any
) -> Any:
    """Histogram of CLV (log scale), coloured by value tier."""
    values = clv.to_numpy(dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        ax.text(0.5, 0.5, "no positive CLV", ha="center", transform=ax.transAxes)
        return ax
    bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()) + 1e-9, 40)
    colours = ["#2a9d5c", "#f2b134", "#9e9e9e", "#4c9be8", "#d1495b"]
    for i, tier in enumerate(tiers.cat.categories if hasattr(tiers, "cat") else sorted(set(tiers))):
        part = values[(tiers.astype(str) == str(tier)).to_numpy() & (values > 0)]
        ax.hist(part, bins=bins, color=colours[i % len(colours)], label=f"tier {tier}", alpha=0.85)
    ax.set_xscale("log")
    ax.set_xlabel(f"CLV ({currency}, log scale)")
    ax.set_ylabel("customers")
    ax.legend(fontsize=8)
    return ax


def plot_action_value(actions: pd.DataFrame, *, currency: str = "USD", ax: Any) -> Any:
    """Value at stake (sum of CLV) and customers per suggested action."""
    by_action = actions.groupby("action")[["clv", "customers"]].sum().sort_values("clv")
    y = np.arange(len(by_action))
    ax.barh(y, by_action["clv"], color="#4c9be8")
    for i, n in enumerate(by_action["customers"]):
        ax.text(by_action["clv"].iloc[i], i, f"  {int(n):,} customers", va="center", fontsize=7)
    ax.set_yticks(y, [str(a) for a in by_action.index], fontsize=8)
    ax.set_xlabel(f"CLV at stake ({currency})")
    ax.margins(x=0.25)
    return ax
