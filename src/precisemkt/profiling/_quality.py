"""A data-quality report of a transaction log: what is missing, duplicated or implausible."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._validation import (
    check_columns,
    check_int,
    check_interval,
    is_hashable,
    require_frame,
)
from precisemkt.profiling._input import user_date

__all__ = ["DataQualityReport", "data_quality_report"]

#: Scale factor that makes the MAD a consistent estimator of the normal standard deviation.
_MAD_TO_SD = 1.4826
#: The same for the mean absolute deviation (Iglewicz & Hoaglin 1993), used when MAD = 0.
_MEANAD_TO_SD = 1.2533


@dataclasses.dataclass(frozen=True, slots=True)
class DataQualityReport(ResultMixin):
    """What :func:`data_quality_report` found; ``to_frame()`` gives one row per check.

    Attributes
    ----------
    n_rows, n_customers : int
        Rows of the log and distinct (non-missing) customer ids.
    missing_rate : pandas.Series
        Share of missing values in every column of the log.
    duplicate_rows : int
        Rows identical to an earlier row in every column.
    duplicate_order_ids : int or None
        Rows whose order id already appeared on a row of another customer or at another
        time (``None`` without ``order_col``).
    negative_amounts, zero_amounts, unparsable_amounts : int
        Amounts below zero, equal to zero, and present but not numeric.
    unparsable_timestamps, future_timestamps : int
        Times present but not parsable as dates, and times after ``now``.
    mixed_time_zones : int
        Times whose time zone (or UTC offset) differs from the most common one in the
        column (they are read at their wall-clock time for the other checks).
    zero_value_repeat_buyers : int
        Customers with purchases on two or more days whose purchases after their first day
        sum to 0 or less: the Gamma-Gamma spend model needs a positive repeat value.
    duplicate_column_names : int
        Columns whose name repeats an earlier column's.
    amount_outliers : int
        Positive amounts whose log10 lies more than ``outlier_threshold`` robust standard
        deviations (1.4826 MAD; 1.2533 mean absolute deviation when the MAD is 0) from the
        median log10 amount.
    implausible_customers : pandas.Index
        Ids of customers with more than ``max_orders_per_day`` orders on one calendar day.
    checks : pandas.DataFrame
        One row per check: ``count``, ``rate`` (share of rows or customers), ``threshold``
        and ``alert`` (rate above threshold).
    alerts : list of str
        One sentence per check whose rate crossed its threshold.
    """

    n_rows: int
    n_customers: int
    missing_rate: pd.Series
    duplicate_rows: int
    duplicate_order_ids: int | None
    negative_amounts: int
    zero_amounts: int
    unparsable_amounts: int
    unparsable_timestamps: int
    future_timestamps: int
    mixed_time_zones: int
    zero_value_repeat_buyers: int
    duplicate_column_names: int
    amount_outliers: int
    implausible_customers: pd.Index
    checks: pd.DataFrame
    alerts: list[str]

    @property
    def ok(self) -> bool:
        """``True`` when no check raised an alert.

        Examples
        --------
        >>> from precisemkt.datasets import load_cdnow
        >>> data_quality_report(load_cdnow(), now="2000-01-01").ok
        True
        """
        return not self.alerts

    def to_frame(self) -> pd.DataFrame:
        """One row per check with its count, rate, threshold and alert flag.

        Examples
        --------
        >>> from precisemkt.datasets import load_cdnow
        >>> report = data_quality_report(load_cdnow(), now="2000-01-01")
        >>> report.to_frame().loc["missing: amount", "rate"]
        np.float64(0.0)
        """
        return self.checks.copy()


#: What to do about an alert, for the checks whose fix is not obvious from their name.
_NOTES = {
    "mixed time zones": " Convert the column to one zone first, e.g. "
    "pandas.to_datetime(col, utc=True).",
    "zero-value repeat buyers (customers)": " The Gamma-Gamma spend model needs a positive "
    "repeat value: leave these customers out of it (GammaGamma on a summary frame does).",
    "duplicate column names": " Rename or drop the copies before profiling.",
}


def _unit(check: str) -> str:
    if "customers" in check:
        return "customers"
    return "columns" if "column names" in check else "rows"


def _numeric(column: pd.Series[Any]) -> tuple[np.ndarray[Any, Any], int]:
    """Float values (NaN where missing or unparsable) and the number of unparsable values."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    unparsable = int((np.isnan(values) & column.notna().to_numpy()).sum())
    return values, unparsable


def _wall_clock_by_value(column: pd.Series[Any]) -> tuple[pd.Series[Any], pd.Series[Any]]:
    """Per row: the wall-clock time and the time-zone name of each value (parsed one
    distinct value at a time; used only when the column mixes time zones)."""
    naive: dict[Any, Any] = {}
    zones: dict[Any, str] = {}
    for value in dict.fromkeys(column.dropna()):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError, OverflowError):
            continue
        if pd.isna(stamp):
            continue
        zones[value] = "none" if stamp.tzinfo is None else str(stamp.tzinfo)
        naive[value] = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    mapped = column.map(lambda v: naive.get(v, pd.NaT))
    zone = column.map(lambda v: zones.get(v))
    return pd.to_datetime(mapped, errors="coerce"), zone


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with unhashable cells (lists, dicts) of object columns replaced by their
    text, so that counting duplicates and distinct values cannot fail (a new frame; the
    caller's is untouched). Columns without such cells are passed through."""
    columns: list[pd.Series[Any]] = []
    changed = False
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if pd.api.types.is_object_dtype(column.dtype) and not all(map(is_hashable, column)):
            column = column.map(lambda v: v if is_hashable(v) else repr(v))
            changed = True
        columns.append(column)
    return pd.concat(columns, axis=1) if changed else frame


def _datetimes(column: pd.Series[Any]) -> tuple[pd.Series[Any], int, int]:
    """Naive datetimes (NaT where missing or unparsable), the number of unparsable ones and
    the number of times in another time zone than the column's most common one."""
    mixed = 0
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        parsed: pd.Series[Any] = column.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(column.dtype):
        parsed = column
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(column, errors="coerce", format="mixed")
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                parsed = parsed.dt.tz_localize(None)
        except (TypeError, ValueError, OverflowError):  # e.g. mixed UTC offsets in text
            parsed = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns]")
        textual = pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(
            column.dtype
        )
        if textual and (parsed.isna() & column.notna()).any():
            by_value, zone = _wall_clock_by_value(column)
            if by_value.notna().sum() > parsed.notna().sum():
                parsed = by_value
            known = zone.dropna()
            if known.nunique() > 1:
                mixed = int((known != known.mode().iloc[0]).sum())
    unparsable = int((parsed.isna() & column.notna()).sum())
    return parsed, unparsable, mixed


def _zero_value_repeat_buyers(
    customers: pd.Series[Any], times: pd.Series[Any], values: np.ndarray[Any, Any]
) -> int:
    """Customers buying on 2+ days whose purchases after their first day sum to <= 0."""
    days = pd.DataFrame(
        {"customer": customers.to_numpy(), "day": times.dt.floor("D").to_numpy(), "v": values}
    ).dropna()
    if days.empty:
        return 0
    per_day = days.groupby(["customer", "day"], sort=True)["v"].sum().reset_index()
    repeat = per_day[per_day.duplicated("customer", keep="first")]
    if repeat.empty:
        return 0
    return int((repeat.groupby("customer")["v"].sum() <= 0).sum())


def _robust_outliers(amounts: np.ndarray[Any, Any], threshold: float) -> int:
    """Count positive amounts whose log10 is more than ``threshold`` robust SDs off."""
    positive = amounts[np.isfinite(amounts) & (amounts > 0)]
    if positive.size < 3:
        return 0
    logs = np.log10(positive)
    median = float(np.median(logs))
    deviation = np.abs(logs - median)
    scale = _MAD_TO_SD * float(np.median(deviation))
    if scale == 0.0:  # over half the amounts are equal: use the mean absolute deviation
        scale = _MEANAD_TO_SD * float(deviation.mean())
    if scale == 0.0:  # all amounts are equal
        return 0
    return int((deviation > threshold * scale).sum())


def data_quality_report(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    order_col: str | None = None,
    max_missing_rate: float = 0.05,
    max_issue_rate: float = 0.01,
    outlier_threshold: float = 3.5,
    max_orders_per_day: int = 20,
    now: Any = None,
) -> DataQualityReport:
    """Check a transaction log before profiling it; never raises on dirty data.

    Counted per row: missing values (every column), fully duplicated rows, duplicate order
    ids (with ``order_col``), negative / zero / non-numeric amounts, unparsable timestamps,
    timestamps after ``now`` and amount outliers. Counted per customer: implausible order
    rates (more than ``max_orders_per_day`` orders on one calendar day; with ``order_col``
    distinct orders are counted, otherwise rows).

    Amount outliers are found on the log scale with the median absolute deviation (MAD):
    an amount ``a > 0`` is an outlier when
    ``|log10(a) - median| > outlier_threshold * 1.4826 * MAD`` (amounts are right-skewed,
    so the log scale keeps ordinary large orders from being flagged).

    Parameters
    ----------
    transactions : pandas.DataFrame
        The log, one row per order (or order line, with ``order_col``). Not modified.
    customer_col, time_col : str
        Customer id and purchase time columns.
    amount_col : str or None, default "amount"
        Order value column; ``None`` skips the amount checks.
    order_col : str, optional
        Order id column; enables the duplicate-order-id check. An order id is a duplicate
        when it appears with more than one (customer, time) pair.
    max_missing_rate : float, default 0.05
        Alert when a column's missing rate is above this.
    max_issue_rate : float, default 0.01
        Alert when any other check's rate (share of rows, or of customers for implausible
        order rates) is above this.
    outlier_threshold : float, default 3.5
        Robust z-score above which a log amount is an outlier (3.5: Iglewicz & Hoaglin).
    max_orders_per_day : int, default 20
        More orders than this by one customer on one calendar day is implausible.
    now : date-like, optional
        Timestamps after this are "in the future" (default: the current time).

    Returns
    -------
    DataQualityReport
        Counts, rates, the checks table (``to_frame()``) and the ``alerts``.

    Raises
    ------
    InvalidParameterError
        ``transactions`` is not a DataFrame, or a threshold is out of range.
    ValidationError
        A named column does not exist.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 2, None],
    ...     "timestamp": ["2024-01-02", "2024-01-02", "not a date", "2024-01-03"],
    ...     "amount": [10.0, 10.0, -5.0, 3.0],
    ... })
    >>> report = data_quality_report(tx, now="2024-06-01")
    >>> report.duplicate_rows, report.negative_amounts, report.unparsable_timestamps
    (1, 1, 1)
    >>> report.alerts[0]
    'missing: customer_id: 25.0% of rows (1) is above the threshold 5.0%.'
    """
    frame = require_frame(transactions, "transactions")
    check_columns(
        frame,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "order_col": order_col,
        },
        name="transactions",
    )
    max_missing_rate = check_interval(max_missing_rate, "max_missing_rate", low=0, high=1)
    max_issue_rate = check_interval(max_issue_rate, "max_issue_rate", low=0, high=1)
    outlier_threshold = check_interval(
        outlier_threshold, "outlier_threshold", low=0, closed="neither"
    )
    max_orders_per_day = check_int(max_orders_per_day, "max_orders_per_day", low=1)
    now_ts = pd.Timestamp.now() if now is None else pd.Timestamp(user_date(now, "now"))
    if now_ts.tzinfo is not None:
        now_ts = now_ts.tz_localize(None)
    frame = _plain(frame)

    n = len(frame)
    rows: list[tuple[str, int, float, float]] = []  # check, count, rate, threshold

    def rate(count: int, total: int) -> float:
        return count / total if total else 0.0

    missing = frame.isna().sum()
    missing_rate = missing / n if n else missing.astype(float)
    repeated_names = frame.columns.duplicated()
    n_columns = len(frame.columns)
    for col, count, share, repeated in zip(
        frame.columns, missing, missing_rate, repeated_names, strict=True
    ):
        if not repeated:
            rows.append((f"missing: {col}", int(count), float(share), max_missing_rate))
    duplicate_columns = int(repeated_names.sum())
    if duplicate_columns:
        rows.append(
            ("duplicate column names", duplicate_columns, rate(duplicate_columns, n_columns), 0.0)
        )

    duplicate_rows = int(frame.duplicated().sum()) if n else 0
    rows.append(("duplicate rows", duplicate_rows, rate(duplicate_rows, n), max_issue_rate))

    times, unparsable_times, mixed_zones = _datetimes(frame[time_col])
    future = int((times > now_ts).sum())
    rows.append(
        ("unparsable timestamps", unparsable_times, rate(unparsable_times, n), max_issue_rate)
    )
    rows.append(("future timestamps", future, rate(future, n), max_issue_rate))
    rows.append(("mixed time zones", mixed_zones, rate(mixed_zones, n), 0.0))

    negative = zero = unparsable_amounts = outliers = zero_repeat = 0
    n_customers = int(frame[customer_col].nunique(dropna=True))
    if amount_col is not None:
        values, unparsable_amounts = _numeric(frame[amount_col])
        negative = int((values < 0).sum())
        zero = int((values == 0).sum())
        outliers = _robust_outliers(values, outlier_threshold)
        rows.append(("negative amounts", negative, rate(negative, n), max_issue_rate))
        rows.append(("zero amounts", zero, rate(zero, n), max_issue_rate))
        rows.append(
            ("unparsable amounts", unparsable_amounts, rate(unparsable_amounts, n), max_issue_rate)
        )
        rows.append(("amount outliers", outliers, rate(outliers, n), max_issue_rate))
        zero_repeat = _zero_value_repeat_buyers(frame[customer_col], times, values)
        rows.append(
            (
                "zero-value repeat buyers (customers)",
                zero_repeat,
                rate(zero_repeat, n_customers),
                0.0,
            )
        )

    duplicate_orders: int | None = None
    keys = pd.DataFrame({"customer": frame[customer_col].to_numpy(), "day": times.dt.floor("D")})
    if order_col is not None:
        pairs = pd.DataFrame(
            {
                "order": frame[order_col].to_numpy(),
                "customer": frame[customer_col].to_numpy(),
                "time": times.to_numpy(),
            }
        ).dropna(subset=["order"])
        distinct = pairs.drop_duplicates()
        duplicate_orders = int(distinct["order"].duplicated().sum())
        rows.append(
            ("duplicate order ids", duplicate_orders, rate(duplicate_orders, n), max_issue_rate)
        )
        keys["order"] = frame[order_col].to_numpy()
        keys = keys.drop_duplicates()
    valid = keys.dropna(subset=["customer", "day"])
    per_day = valid.groupby(["customer", "day"], sort=False).size()
    busy = per_day[per_day > max_orders_per_day]
    implausible = pd.Index(busy.index.get_level_values("customer").unique(), name=customer_col)
    rows.append(
        (
            "implausible order rates (customers)",
            len(implausible),
            rate(len(implausible), n_customers),
            max_issue_rate,
        )
    )

    checks = pd.DataFrame(rows, columns=["check", "count", "rate", "threshold"]).set_index("check")
    checks["alert"] = checks["rate"] > checks["threshold"]
    alerts = [
        f"{name}: {rate_:.1%} of {_unit(str(name))} ({count}) is above the threshold "
        f"{limit:.1%}." + _NOTES.get(str(name), "")
        for name, count, rate_, limit in checks.loc[
            checks["alert"], ["count", "rate", "threshold"]
        ].itertuples(index=True, name=None)
    ]
    return DataQualityReport(
        n_rows=n,
        n_customers=n_customers,
        missing_rate=missing_rate.astype(float),
        duplicate_rows=duplicate_rows,
        duplicate_order_ids=duplicate_orders,
        negative_amounts=negative,
        zero_amounts=zero,
        unparsable_amounts=unparsable_amounts,
        unparsable_timestamps=unparsable_times,
        future_timestamps=future,
        mixed_time_zones=mixed_zones,
        zero_value_repeat_buyers=zero_repeat,
        duplicate_column_names=duplicate_columns,
        amount_outliers=outliers,
        implausible_customers=implausible,
        checks=checks,
        alerts=alerts,
    )
