"""One self-contained HTML page: inline CSS, figures as PNG data URIs, no network."""

from __future__ import annotations

import base64
import html
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError

if TYPE_CHECKING:
    from precisemkt.report._build import Report

__all__ = ["SECTIONS", "render_html", "write_atomically"]

#: (id, title) of every section, in page order.
SECTIONS = (
    ("data-quality", "1. Data quality"),
    ("kpis", "2. KPIs by month"),
    ("cohorts", "3. Cohorts"),
    ("segments", "4. RFM segments"),
    ("lifecycle", "5. Lifecycle and churn risk"),
    ("clv", "6. Customer lifetime value"),
    ("actions", "7. Actions"),
)

_CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#d8dee6; --accent:#2f6db3; --bg:#fbfcfd; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--line);
     padding-bottom: .3rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
nav ol { display: flex; flex-wrap: wrap; gap: .3rem 1rem; padding: 0; list-style: none;
         margin: .8rem 0; font-size: .95rem; }
nav a, a { color: var(--accent); }
.reading { background: #eef4fb; border-left: 4px solid var(--accent); padding: .6rem .9rem;
           margin: .6rem 0 1rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: .6rem; margin: 1rem 0; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.kpi b { display: block; font-size: 1.25rem; }
.kpi span { color: var(--muted); font-size: .85rem; }
figure { margin: 1rem 0; }
figure img { width: 100%; height: auto; display: block; border: 1px solid var(--line);
             background: #fff; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; min-width: 50%; background: #fff; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: right;
         white-space: nowrap; }
th { background: #f1f4f8; }
td:first-child, th:first-child { text-align: left; }
.notes li { color: var(--muted); font-size: .9rem; }
footer { color: var(--muted); font-size: .85rem; padding-bottom: 2rem; }
@media (max-width: 600px) {
  body { font-size: 15px; }
  h1 { font-size: 1.35rem; }
  th, td { padding: .2rem .35rem; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  nav { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  figure, table { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then move it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidParameterError(
            format_message(
                "path",
                "be in an existing folder",
                repr(str(path)),
                "Create the folder first.",
            )
        )
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp creates 0600; use the usual mode
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}" if np.isfinite(x) else "–"


def _pct(x: float) -> str:
    return f"{x:.1%}" if np.isfinite(x) else "–"


def _table(frame: pd.DataFrame | pd.Series, *, max_rows: int = 30, digits: int = 2) -> str:
    shown = frame.to_frame() if isinstance(frame, pd.Series) else frame
    if len(shown) > max_rows:
        shown = shown.head(max_rows)
    formatted = shown.copy()
    for col in formatted.columns:
        values = formatted[col]
        if pd.api.types.is_float_dtype(values.dtype):
            formatted[col] = values.map(lambda v: "–" if pd.isna(v) else f"{v:,.{digits}f}")
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            formatted[col] = values.dt.strftime("%Y-%m-%d")
    body = formatted.to_html(border=0, escape=True, na_rep="–")
    return f'<div class="table-wrap">{body}</div>'


def _figure(draw: Callable[[Any], Any], alt: str, caption: str, height: float = 3.6) -> str:
    from precisemkt.plotting._report import figure_png

    data = base64.b64encode(figure_png(draw, height=height)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(alt)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _section(ident: str, title: str, reading: str, *parts: str) -> str:
    return (
        f'<section id="{ident}"><h2>{_esc(title)}</h2>'
        f'<p class="reading">{_esc(reading)}</p>{"".join(parts)}</section>'
    )


def _quality(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    alerts = r.data_quality[r.data_quality["alert"].astype(bool)]
    excluded = int(r.exclusions["rows"].sum()) if len(r.exclusions) else 0
    reading = (
        f"The file has {int(r.overview['rows read']):,} rows for "
        f"{int(r.overview['customers']):,} customers, from {r.overview['first order']} to "
        f"{r.overview['last order']}. "
        + (
            f"{len(alerts)} check(s) exceed their threshold: "
            + "; ".join(str(i) for i in alerts.index)
            + ". "
            if len(alerts)
            else "No check exceeds its threshold. "
        )
        + (
            f"{excluded:,} row(s) were left out of the analysis (reasons below)."
            if excluded
            else "No row had to be left out."
        )
    )
    parts = [
        _figure(
            lambda ax: fig.plot_quality_checks(r.data_quality, ax=ax),
            "data-quality checks",
            "Share of rows failing each check; the bar is red "
            "when it passes the alert threshold (black tick).",
            height=3.4,
        ),
        "<h3>Checks</h3>",
        _table(r.data_quality, digits=4),
    ]
    if excluded:
        parts += ["<h3>Rows left out</h3>", _table(r.exclusions.set_index("reason"))]
    return _section("data-quality", SECTIONS[0][1], reading, *parts)


def _kpi_cards(r: Report) -> str:
    k = r.kpis
    cards = [
        ("customers", f"{k['customers']:,.0f}"),
        ("orders", f"{k['orders']:,.0f}"),
        ("revenue", _money(k["revenue"], r.currency)),
        ("average order value", f"{k['average order value']:,.2f} {r.currency}"),
        ("repeat-purchase rate", _pct(k["repeat-purchase rate"])),
        ("orders per customer", f"{k['orders per customer']:.2f}"),
        ("ARPU", f"{k['ARPU (revenue per customer)']:,.2f} {r.currency}"),
        ("ARPPU", f"{k['ARPPU (revenue per paying customer)']:,.2f} {r.currency}"),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><b>{_esc(v)}</b><span>{_esc(n)}</span></div>' for n, v in cards
        )
        + "</div>"
    )


def _kpis(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    m = r.kpis_monthly
    best = m["revenue"].idxmax() if len(m) else None
    last3 = m["revenue"].tail(3).mean() if len(m) else np.nan
    first3 = m["revenue"].head(3).mean() if len(m) else np.nan
    reading = (
        f"{r.kpis['customers']:,.0f} customers placed {r.kpis['orders']:,.0f} orders worth "
        f"{_money(r.kpis['revenue'], r.currency)}; "
        f"{_pct(r.kpis['repeat-purchase rate'])} of them bought more than once. "
        f"The best month was {best}. Revenue in the last three months averaged "
        f"{_money(last3, r.currency)} a month against {_money(first3, r.currency)} in the "
        "first three. ARPU divides revenue by all customers acquired so far, ARPPU by the "
        "customers who bought that month."
    )
    return _section(
        "kpis",
        SECTIONS[1][1],
        reading,
        _kpi_cards(r),
        _figure(
            lambda ax: fig.plot_kpi_trend(m, currency=r.currency, ax=ax),
            "revenue and customers by month",
            "Revenue (bars) and active customers (line) by calendar month.",
        ),
        _table(m, max_rows=120),
    )


def _cohorts(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    ret = r.cohort_retention
    month1 = ret[1].mean() if 1 in ret else np.nan
    month6 = ret[6].mean() if 6 in ret else np.nan
    reading = (
        f"Customers are grouped by the month of their first purchase ({len(ret)} cohorts). "
        f"On average {_pct(month1)} of a cohort buys again in the month after acquisition"
        + (f" and {_pct(month6)} six months later" if np.isfinite(month6) else "")
        + ". Read the heat map row by row: a row fading fast to dark is a cohort that did "
        "not stay; columns compare cohorts at the same age. Blank cells are not observed yet."
    )
    revenue = r.cohort_revenue.copy()
    revenue.insert(0, "customers", r.cohort_revenue.attrs.get("cohort_size"))
    revenue.insert(1, "total revenue", r.cohort_revenue.sum(axis=1))
    revenue = revenue[["customers", "total revenue"]]
    revenue["revenue per customer"] = revenue["total revenue"] / revenue["customers"]
    return _section(
        "cohorts",
        SECTIONS[2][1],
        reading,
        _figure(
            lambda ax: fig.plot_cohort_heatmap(ret, ax=ax),
            "retention heat map",
            "Share of each monthly cohort buying k months after its first purchase.",
            height=max(2.8, min(7.0, 0.25 * len(ret) + 1.5)),
        ),
        "<h3>Revenue per cohort</h3>",
        _table(revenue, max_rows=60),
    )


def _segments(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    s = r.segments
    top = s.index[0] if len(s) else "–"
    reading = (
        f"Customers are scored 1-5 on recency, frequency and average order value and named "
        f"by the standard RFM segment map. {top} bring the largest share of revenue "
        f"({_pct(float(s['revenue_share'].iloc[0]))}) while being "
        f"{_pct(float(s['customer_share'].iloc[0]))} of the customers."
        if len(s)
        else "No segment."
    )
    return _section(
        "segments",
        SECTIONS[3][1],
        reading,
        _figure(
            lambda ax: fig.plot_segment_bars(s, ax=ax),
            "RFM segments",
            "Share of customers and of revenue per RFM segment.",
        ),
        _table(s),
    )


def _lifecycle(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    c = r.customers
    n_risk = int(c["churn_risk"].sum())
    value = float(c.loc[c["churn_risk"], "total_spend"].sum())
    reading = (
        f"Each customer's silence is judged against their own purchase rhythm (lifecycle "
        f"stage) and against the CLV model's probability of still being a customer "
        f"(P(alive)). {n_risk:,} customers are flagged at risk of churning (stage at risk "
        f"or lapsed, or new/active with P(alive) below 50%); they have spent "
        f"{_money(value, r.currency)} so far. The list shows the most valuable of them: the "
        "first candidates for a win-back call."
    )
    return _section(
        "lifecycle",
        SECTIONS[4][1],
        reading,
        _figure(
            lambda ax: fig.plot_lifecycle(c, ax=ax),
            "P(alive) by recency and stage",
            "One dot per customer: days since the last purchase against P(alive), "
            "coloured by lifecycle stage.",
        ),
        _table(r.lifecycle),
        "<h3>Most valuable customers at risk</h3>",
        _table(r.at_risk),
    )


def _clv(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    c = r.customers
    if not r.clv_model:
        return _section("clv", SECTIONS[5][1], "No CLV model could be fitted; see the notes.")
    total = float(c["clv"].sum())
    tier_a = {
        k: float(r.value_tiers[k].to_dict().get("A", 0.0)) for k in ("customers", "clv_share")
    }
    if len(r.model_selection):
        sel = r.model_selection
        chosen = sel[sel["chosen"]].iloc[0]
        choice = (
            f"{r.clv_model} was chosen over the other model because it predicted the holdout "
            f"period's purchases per customer better (mean absolute error "
            f"{chosen['holdout_mae']:.3f}). In the holdout it predicted "
            f"{chosen['predicted_purchases']:,.0f} purchases against "
            f"{chosen['actual_purchases']:,.0f} actual, and "
            f"{_money(chosen['predicted_revenue'], r.currency)} of revenue against "
            f"{_money(chosen['actual_revenue'], r.currency)}. "
        )
    else:
        choice = (
            f"{r.clv_model} was used without a holdout check (the history is too short "
            "to set a period aside). "
        )
    reading = (
        choice + f"Over the next {r.horizon_months} months the customers are expected to bring "
        f"{_money(total, r.currency)} (discounted). "
        + (
            f"Tier A — {int(tier_a['customers']):,} customers — holds "
            f"{_pct(float(tier_a['clv_share']))} of it."
            if tier_a["customers"] > 0
            else ""
        )
    )
    parts = []
    if len(r.model_selection):
        parts += [
            "<h3>Model choice (calibration fit and holdout check)</h3>",
            _table(r.model_selection, digits=3),
            _figure(
                lambda ax: fig.plot_holdout(r.holdout_by_frequency, ax=ax),
                "holdout check",
                "Holdout check: mean actual and predicted purchases "
                "by number of repeat purchases in the calibration period.",
                height=3.2,
            ),
        ]
    parts += [
        "<h3>Model parameters</h3>",
        _table(r.parameters, digits=4),
        _figure(
            lambda ax: fig.plot_clv_distribution(
                c["clv"], c["value_tier"], currency=r.currency, ax=ax
            ),
            "CLV distribution",
            f"CLV over {r.horizon_months} months, by value tier "
            "(A: first 80% of the value, B: next 15%, C: the rest).",
            height=3.2,
        ),
        "<h3>Value tiers</h3>",
        _table(r.value_tiers),
        "<h3>Top customers</h3>",
        _table(r.top_customers),
    ]
    return _section("clv", SECTIONS[5][1], reading, *parts)


def _actions(r: Report) -> str:
    from precisemkt.plotting import _report as fig

    a = r.actions
    by_action = a.groupby("action")[["customers", "clv"]].sum().sort_values("clv", ascending=False)
    first = by_action.index[0] if len(by_action) else "–"
    reading = (
        f"Each segment × lifecycle stage gets the first matching rule of the action table "
        f"below (change it with build_report(actions=...) or --actions FILE.csv). The most "
        f"value is at stake in '{first}'"
        + (
            f": {int(by_action['customers'].iloc[0]):,} customers, "
            f"{_money(float(by_action['clv'].iloc[0]), r.currency)} of CLV."
            if len(by_action)
            else "."
        )
    )
    return _section(
        "actions",
        SECTIONS[6][1],
        reading,
        _figure(
            lambda ax: fig.plot_action_value(a, currency=r.currency, ax=ax),
            "value at stake per action",
            "CLV at stake and customers per suggested action.",
        ),
        _table(a, max_rows=60),
        "<h3>The action rules (first match wins)</h3>",
        _table(r.action_rules, max_rows=200),
    )


def render_html(report: Report) -> str:
    """The report as one HTML page."""
    from precisemkt._version import __version__

    cols = ", ".join(f"{k.replace('_col', '')}: {v}" for k, v in report.columns.items() if v)
    body = [
        _quality(report),
        _kpis(report),
        _cohorts(report),
        _segments(report),
        _lifecycle(report),
        _clv(report),
        _actions(report),
    ]
    nav = "".join(f'<li><a href="#{i}">{_esc(t)}</a></li>' for i, t in SECTIONS)
    notes = "".join(f"<li>{_esc(n)}</li>" for n in report.notes)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Customer report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<header><h1>Customer report</h1>"
        f"<p>{int(report.overview['customers']):,} customers, "
        f"{report.overview['first order']} to {report.overview['observation end']}. "
        f"Columns used: {_esc(cols)}.</p>"
        f'<nav aria-label="sections"><ol>{nav}</ol></nav></header>'
        f"<main>{''.join(body)}"
        f'<section id="notes"><h2>Notes</h2><ul class="notes">{notes}</ul></section>'
        "</main>"
        f"<footer>Made with precisemkt {_esc(__version__)}. The scored customer table "
        "is in customers.csv beside this file.</footer></body></html>\n"
    )
