"""build_report: from an orders table to every table of the marketing report."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from precisemkt import clv, profiling, segmentation
from precisemkt._validation import check_bool, check_int, format_message, require_frame
from precisemkt.errors import InvalidParameterError, PrecisemktError, ValidationError
from precisemkt.report._actions import action_table, suggest_actions
from precisemkt.report._columns import detect_columns
from precisemkt.report._prepare import clean_orders, monthly_kpis
from precisemkt.report._sections import (
    action_summary,
    at_risk_table,
    lifecycle_table,
    overview_table,
    segment_table,
    tier_table,
)

__all__ = ["Report", "build_report"]

#: Weeks in a month (the CLV module's convention: a month is 4.345 weeks).
_WEEKS_PER_MONTH = 4.345
_STEPS = (
    "checking the data",
    "cohorts",
    "profiles and KPIs by month",
    "RFM segments",
    "CLV models",
    "actions",
)
AT_RISK_STAGES = ("at_risk", "lapsed")
#: The CLV models are fitted on a seeded random sample of at most this many customers
#: (their parameters describe the population; predictions are made for everyone).
MAX_FIT_CUSTOMERS = 50_000


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """Everything the report shows: one attribute per table, and the customer table.

    Build it with :func:`build_report`; write it with :meth:`to_html`.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer (indexed by id): profile, RFM scores and segment, lifecycle
        stage, ``p_alive``, ``expected_purchases`` and ``clv`` for the horizon, ``value_tier``,
        ``churn_risk`` and ``action``.
    columns : dict
        The columns used for each role (``customer_col``, ``time_col``, ...).
    overview : pandas.Series
        Rows, customers, period, currency, horizon.
    data_quality : pandas.DataFrame
        The checks of :func:`precisemkt.profiling.data_quality_report` (count, rate,
        threshold, alert).
    exclusions : pandas.DataFrame
        Rows left out of the analysis, by reason.
    kpis : pandas.Series
        Customers, orders, revenue, average order value, repeat-purchase rate, orders per
        customer, ARPU, ARPPU over the whole period.
    kpis_monthly : pandas.DataFrame
        The same by calendar month.
    cohort_retention, cohort_revenue : pandas.DataFrame
        :func:`precisemkt.profiling.cohort_table` by month.
    segments : pandas.DataFrame
        Per RFM segment: customers, revenue share and mean profile.
    lifecycle : pandas.DataFrame
        Per lifecycle stage: customers, mean P(alive), revenue, CLV.
    at_risk : pandas.DataFrame
        The most valuable customers flagged at risk (up to 20).
    model_selection : pandas.DataFrame
        Per candidate CLV model: calibration fit and holdout errors; ``chosen`` marks the
        model used.
    holdout : pandas.DataFrame
        Predicted versus actual holdout purchases and revenue (empty without a holdout).
    holdout_by_frequency : pandas.DataFrame
        Mean predicted and actual holdout purchases by calibration frequency.
    clv_model : str
        The transaction model used ("BG/NBD" or "Pareto/NBD"), or "" when none could be fit.
    parameters : pandas.DataFrame
        Estimates of the transaction and spend models.
    top_customers : pandas.DataFrame
        The 20 customers with the highest CLV.
    value_tiers : pandas.DataFrame
        Per value tier (A: first 80% of CLV, B: next 15%, C: rest): customers and CLV.
    actions : pandas.DataFrame
        Per segment × lifecycle stage: the action, customers, CLV and historical revenue.
    action_rules : pandas.DataFrame
        The rule table that produced the actions.
    notes : list of str
        Warnings raised while building, and the decisions taken (e.g. model choice).
    """

    customers: pd.DataFrame
    columns: dict[str, str | None]
    overview: pd.Series
    data_quality: pd.DataFrame
    exclusions: pd.DataFrame
    kpis: pd.Series
    kpis_monthly: pd.DataFrame
    cohort_retention: pd.DataFrame
    cohort_revenue: pd.DataFrame
    segments: pd.DataFrame
    lifecycle: pd.DataFrame
    at_risk: pd.DataFrame
    model_selection: pd.DataFrame
    holdout: pd.DataFrame
    holdout_by_frequency: pd.DataFrame
    clv_model: str
    parameters: pd.DataFrame
    top_customers: pd.DataFrame
    value_tiers: pd.DataFrame
    actions: pd.DataFrame
    action_rules: pd.DataFrame
    notes: list[str]
    currency: str = "USD"
    horizon_months: int = 12

    def __repr__(self) -> str:
        return (
            f"Report({len(self.customers):,} customers, "
            f"{int(self.overview['rows used']):,} orders, model {self.clv_model or 'none'})"
        )

    def to_html(self, path: str | Path | None = None) -> str:
        """Render the report as one self-contained HTML page; write it when ``path`` is given.

        Figures are embedded as PNG data URIs, the CSS is inline, and nothing is fetched
        from the network. The file is written to a temporary name beside ``path`` and moved
        into place at the end, so a failure never leaves a half-written report.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            Where to write the page (its folder must exist).

        Returns
        -------
        str
            The HTML text.
        """
        from precisemkt.report._html import render_html, write_atomically

        html = render_html(self)
        if path is not None:
            write_atomically(Path(path), html.encode("utf-8"))
        return html


@contextmanager
def _notes(notes: list[str]) -> Iterator[None]:
    """Collect the warnings of the library calls into the report's notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = f"{w.category.__name__}: {w.message}"
        if text not in notes:
            notes.append(text)


def _compress(summary: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """Unique (frequency, recency, T) rows and their counts: the fits' sufficient data."""
    grouped = summary.groupby(["frequency", "recency", "T"], sort=False).size()
    rows = grouped.index.to_frame(index=False)
    return rows, grouped.to_numpy()


def _fit_sample(summary: pd.DataFrame) -> pd.DataFrame:
    """At most :data:`MAX_FIT_CUSTOMERS` customers, drawn with a fixed seed."""
    if len(summary) <= MAX_FIT_CUSTOMERS:
        return summary
    return summary.sample(MAX_FIT_CUSTOMERS, random_state=0)


def _fit(name: str, summary: pd.DataFrame) -> Any:
    model: Any = clv.BGNBD() if name == "BG/NBD" else clv.ParetoNBD()
    rows, weights = _compress(_fit_sample(summary))
    return model.fit(rows["frequency"], rows["recency"], rows["T"], weights=weights)


def _fit_spend(summary: pd.DataFrame) -> Any:
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < 10:
        raise ValidationError(
            format_message(
                "ORDERS",
                "have at least 10 repeat buyers with a positive spend to fit Gamma-Gamma",
                f"{len(repeat)}",
                "The CLV uses each customer's own average spend instead.",
            )
        )
    repeat = _fit_sample(repeat)
    return clv.GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])


def _select_model(
    data: pd.DataFrame, end: pd.Timestamp, holdout_days: int, notes: list[str]
) -> tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit both models on a calibration period; keep the one closer to the holdout."""
    cal_end = end - pd.Timedelta(days=holdout_days)
    summary = profiling.rfm_summary(
        data,
        freq="D",
        freq_multiplier=7,
        calibration_end=cal_end,
        observation_end=end,
    )
    if len(summary) > MAX_FIT_CUSTOMERS:
        summary = _fit_sample(summary)
        notes.append(
            f"model choice and holdout check on a random sample of {len(summary):,} customers"
        )
    in_cal = data["timestamp"] <= cal_end
    actual_revenue = (
        data.loc[~in_cal & data["customer_id"].isin(summary.index)]
        .groupby("customer_id")["amount"]
        .sum()
        .reindex(summary.index, fill_value=0.0)
    )
    try:
        spend = _fit_spend(summary)
        expected_spend = spend.expected_spend(summary["frequency"], summary["monetary_value"])
    except PrecisemktError as exc:
        notes.append(f"holdout revenue check skipped: {exc}")
        expected_spend = None
    rows = []
    by_frequency = pd.DataFrame()
    best: tuple[float, str] | None = None
    for name in ("BG/NBD", "Pareto/NBD"):
        try:
            model = _fit(name, summary)
            evaluation = clv.holdout_evaluation(model, summary)
        except PrecisemktError as exc:
            notes.append(f"{name} could not be fitted on the calibration period: {exc}")
            continue
        predicted = evaluation.customers["predicted"]
        row: dict[str, Any] = {
            "model": name,
            "log_likelihood": float(model.log_likelihood_),
            "aic": float(model.aic_),
            "holdout_mae": float(evaluation.mae),
            "holdout_rmse": float(evaluation.rmse),
            "holdout_correlation": float(evaluation.correlation),
            "actual_purchases": float(evaluation.actual_total),
            "predicted_purchases": float(evaluation.predicted_total),
            "actual_revenue": float(actual_revenue.sum()),
            "predicted_revenue": (
                float((predicted * expected_spend.reindex(predicted.index)).sum())
                if expected_spend is not None
                else math.nan
            ),
        }
        rows.append(row)
        mae = float(evaluation.mae)
        if best is None or mae < best[0]:
            best = (mae, name)
            by_frequency = evaluation.by_frequency
    if best is None:
        raise ValidationError(
            format_message(
                "the calibration period",
                "allow fitting BG/NBD or Pareto/NBD",
                "neither could be fitted",
                "Use a shorter holdout (--holdout-days) or none (0).",
            )
        )
    table = pd.DataFrame(rows).set_index("model")
    table["chosen"] = table.index == best[1]
    holdout = table.loc[
        [best[1]],
        ["actual_purchases", "predicted_purchases", "actual_revenue", "predicted_revenue"],
    ]
    notes.append(
        f"{best[1]} chosen: the lower mean absolute error of holdout purchases per customer "
        f"(calibration to {cal_end.date()}, holdout {holdout_days} days)."
    )
    return best[1], table, holdout, by_frequency


def build_report(
    orders: pd.DataFrame,
    *,
    customer_col: str | None = None,
    time_col: str | None = None,
    amount_col: str | None = None,
    order_col: str | None = None,
    channel_col: str | None = None,
    observation_end: Any = None,
    holdout_days: int | None = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    currency: str = "USD",
    actions: pd.DataFrame | None = None,
    progress: bool = False,
) -> Report:
    """Build the marketing report of an orders table: who, worth, risk and action.

    Steps: check and clean the data (:func:`~precisemkt.profiling.data_quality_report`),
    KPIs by month, monthly acquisition cohorts (:func:`~precisemkt.profiling.cohort_table`),
    customer profiles and lifecycle stages
    (:func:`~precisemkt.profiling.profile_customers`), RFM scores and segments
    (:func:`~precisemkt.segmentation.rfm_scores`), CLV (BG/NBD or Pareto/NBD chosen on a
    holdout period, Gamma-Gamma spend, :func:`~precisemkt.clv.customer_lifetime_value`),
    value tiers and the action of each segment × lifecycle stage.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (or order line). Not modified.
    customer_col, time_col, amount_col : str, optional
        The customer id, order date and order value columns. Default: found by their
        common names (see :func:`detect_columns`); the choice is in ``Report.columns``.
    order_col, channel_col : str, optional
        Order id (orders are counted by it; exact duplicate rows are dropped) and sales
        channel. Default: found by name when present.
    observation_end : date-like, optional
        End of the observation window. Default: the last order (or today, if orders lie in
        the future). Later rows are left out and counted.
    holdout_days : int, optional
        Length of the holdout period used to choose between BG/NBD and Pareto/NBD and to
        check the predictions. Default: a third of the history when it covers at least
        180 days, else no holdout (BG/NBD). ``0``: no holdout.
    horizon_months : int, default 12
        CLV and expected-purchase horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate of the CLV.
    currency : str, default "USD"
        Currency label used in the report.
    actions : pandas.DataFrame, optional
        Your action rules (see :func:`action_table`); default :data:`DEFAULT_ACTIONS`.
    progress : bool, default False
        Show a progress bar over the steps (tqdm, on stderr).

    Returns
    -------
    Report

    Notes
    -----
    Rows without a customer id, a parsable date or a numeric amount, with a negative amount
    (refunds), after the observation end, or (with an order id column) exact duplicates are
    left out and counted in ``Report.exclusions``. Every order row is a purchase; the CLV
    models merge a customer's purchases of one day, as in the papers. Time is in weeks
    (days / 7). The CLV models are fitted, and the model choice and holdout check made, on a
    seeded random sample of at most ``MAX_FIT_CUSTOMERS`` (50,000) customers (their
    parameters describe the population); the chosen model predicts for every customer.
    Warnings of the library calls go to ``Report.notes``.

    Raises
    ------
    ValidationError
        A needed column is missing or ambiguous, the date column holds no dates, the amount
        column no numbers, or no row is usable.
    InvalidParameterError
        An argument is out of range.

    Examples
    --------
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.report import build_report
    >>> report = build_report(load_cdnow())
    >>> report.clv_model, len(report.customers)
    ('Pareto/NBD', 2357)
    >>> report.model_selection["chosen"].to_dict()
    {'BG/NBD': False, 'Pareto/NBD': True}
    >>> report.customers.loc[1, ["segment", "lifecycle_stage", "action"]].tolist()
    ['Potential Loyalist', 'at_risk', 'Re-engagement reminder']
    """
    frame = require_frame(orders, "orders")
    check_bool(progress, "progress")
    horizon = check_int(horizon_months, "horizon_months", low=1)
    if not isinstance(discount_rate, int | float) or not 0 <= discount_rate < 1:
        raise InvalidParameterError(
            format_message("discount_rate", "be in [0, 1)", repr(discount_rate), "Use e.g. 0.01.")
        )
    if holdout_days is not None:
        check_int(holdout_days, "holdout_days", low=0)
    if len(frame) == 0:
        raise ValidationError(
            format_message("orders", "have at least one row", "an empty table", "")
        )
    cols = detect_columns(
        frame.columns,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "order_col": order_col,
            "channel_col": channel_col,
        },
    )
    rules = action_table(actions)
    notes: list[str] = []
    bar = _progress(progress)
    try:
        with _notes(notes):
            report = _build(
                frame,
                cols,
                observation_end,
                holdout_days,
                horizon,
                discount_rate,
                currency,
                rules,
                notes,
                bar,
            )
    finally:
        bar(None)
    return report


def _progress(enabled: bool) -> Callable[[str | None], None]:
    if not enabled:
        return lambda step: None
    from tqdm import tqdm

    bar = tqdm(total=len(_STEPS), desc="report", unit="step", leave=False)

    def advance(step: str | None) -> None:
        if step is None:
            bar.close()
            return
        bar.set_postfix_str(step)
        bar.update(1)

    return advance


def _build(
    frame: pd.DataFrame,
    cols: dict[str, str | None],
    observation_end: Any,
    holdout_days: int | None,
    horizon: int,
    discount_rate: float,
    currency: str,
    rules: pd.DataFrame,
    notes: list[str],
    step: Callable[[str | None], None],
) -> Report:
    data, exclusions, end = clean_orders(frame, cols, observation_end)
    has_order = "order_id" in data
    quality = profiling.data_quality_report(
        data, amount_col="amount", order_col="order_id" if has_order else None, now=end
    )
    notes.extend(a for a in quality.alerts if a not in notes)
    step(_STEPS[0])

    customers = profiling.cohort_table(data, measure="customers")
    revenue = profiling.cohort_table(data, measure="revenue")
    # the retention measure is customers / cohort size: no third pass over the log
    retention = customers.div(customers.attrs["cohort_size"], axis=0)
    retention.attrs["cohort_size"] = customers.attrs["cohort_size"]
    step(_STEPS[1])

    profile = profiling.profile_customers(
        data,
        order_col="order_id" if has_order else None,
        channel_col="channel" if "channel" in data else None,
        observation_end=end,
    )
    kpis, monthly = monthly_kpis(data, profile, customers, revenue)
    step(_STEPS[2])

    summary = profiling.rfm_summary(data, freq="D", freq_multiplier=7, observation_end=end)
    rfm_input = pd.DataFrame(
        {
            "frequency": summary["frequency"],
            "recency": summary["recency"],
            "T": summary["T"],
            "monetary_value": profile["mean_spend"].reindex(summary.index),
        }
    )
    scores = segmentation.rfm_scores(rfm_input)
    segment = segmentation.rfm_segments(scores)
    stage = profile["lifecycle_stage"].reindex(summary.index)
    step(_STEPS[3])

    span_days = (end - data["timestamp"].min()).days
    if holdout_days is None:
        holdout_days = span_days // 3 if span_days >= 180 else 0
    selection = pd.DataFrame()
    holdout = pd.DataFrame()
    by_frequency = pd.DataFrame()
    model_name = "BG/NBD"
    if holdout_days > 0:
        if holdout_days * 2 > span_days:
            notes.append(
                f"holdout of {holdout_days} days skipped: the history covers only {span_days} "
                "days (a holdout needs at most half of it); BG/NBD used."
            )
        else:
            try:
                model_name, selection, holdout, by_frequency = _select_model(
                    data, end, holdout_days, notes
                )
            except PrecisemktError as exc:
                notes.append(f"model choice skipped ({exc}); BG/NBD used.")
    horizon_weeks = horizon * _WEEKS_PER_MONTH
    table = pd.DataFrame(index=summary.index)
    parameters = pd.DataFrame()
    clv_model = ""
    try:
        model = _fit(model_name, summary)
        f, r, t = summary["frequency"], summary["recency"], summary["T"]
        table["p_alive"] = model.probability_alive(f, r, t)
        table["expected_purchases"] = model.predict_purchases(horizon_weeks, f, r, t)
        parameters = model.summary().assign(model=model_name)
        clv_model = model_name
        try:
            spend = _fit_spend(summary)
            parameters = pd.concat([parameters, spend.summary().assign(model="Gamma-Gamma")])
        except PrecisemktError as exc:
            notes.append(f"Gamma-Gamma not fitted: {exc}")
            spend = None
        monetary = summary["monetary_value"].where(
            summary["frequency"] > 0, profile["mean_spend"].reindex(summary.index)
        )
        table["expected_spend"] = (
            spend.expected_spend(summary["frequency"], summary["monetary_value"])
            if spend is not None
            else monetary
        )
        table["clv"] = clv.customer_lifetime_value(
            model,
            spend,
            f,
            r,
            t,
            summary["monetary_value"] if spend is not None else monetary,
            horizon=horizon,
            discount_rate=discount_rate,
            freq="W",
        )
    except PrecisemktError as exc:
        notes.append(f"CLV not computed: {exc}")
        for name in ("p_alive", "expected_purchases", "expected_spend", "clv"):
            table[name] = np.nan
    step(_STEPS[4])

    value = table["clv"] if table["clv"].notna().all() else profile["total_spend"]
    tiers = segmentation.value_tiers(value.clip(lower=0).reindex(summary.index))
    at_risk_stage = stage.astype(str).isin(AT_RISK_STAGES)
    low_alive = stage.astype(str).isin(("new", "active")) & (table["p_alive"] < 0.5)
    churn_risk = at_risk_stage | low_alive.fillna(False)
    action = suggest_actions(segment.astype(str), stage.astype(str), rules)

    customers_table = pd.concat(
        [
            profile.reindex(summary.index).drop(columns=["lifecycle_stage"]),
            summary[["frequency", "recency", "T"]].rename(
                columns={"recency": "recency_weeks", "T": "age_weeks"}
            ),
            scores,
            segment.rename("segment"),
            stage.rename("lifecycle_stage"),
            table,
            tiers.rename("value_tier"),
            churn_risk.rename("churn_risk"),
            action,
        ],
        axis=1,
    )
    step(_STEPS[5])
    return Report(
        customers=customers_table,
        columns=cols,
        overview=overview_table(frame, data, end, currency, horizon),
        data_quality=quality.checks,
        exclusions=exclusions,
        kpis=kpis,
        kpis_monthly=monthly,
        cohort_retention=retention,
        cohort_revenue=revenue,
        segments=segment_table(customers_table),
        lifecycle=lifecycle_table(customers_table),
        at_risk=at_risk_table(customers_table),
        model_selection=selection,
        holdout=holdout,
        holdout_by_frequency=by_frequency,
        clv_model=clv_model,
        parameters=parameters,
        top_customers=customers_table.nlargest(20, "clv")[
            ["n_orders", "total_spend", "segment", "lifecycle_stage", "p_alive", "clv"]
        ]
        if clv_model
        else customers_table.head(0),
        value_tiers=tier_table(customers_table),
        actions=action_summary(customers_table),
        action_rules=rules,
        notes=notes,
        currency=currency,
        horizon_months=horizon,
    )
