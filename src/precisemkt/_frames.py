"""Frames beyond pandas: one narwhals code path for Polars, DuckDB, Spark, Dask, Arrow …

pandas input keeps the numba kernels (the fast exact path). Any other frame that narwhals
supports goes through expressions written once here and in each domain's ``_engine.py``:
they run where the data lives (lazy stays lazy) and only small summaries come back.

Dates are turned into integers with calendar arithmetic on the year/month/day/time
parts, because those are the operations every backend implements identically; there is
no engine-specific epoch function in the path.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import narwhals.stable.v2 as nw
import pandas as pd

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "US_PER_DAY",
    "EngineFrame",
    "as_engine_frame",
    "backend_name",
    "collect_pandas",
    "count_true",
    "divide_exactly",
    "epoch_microseconds",
    "is_engine_frame",
    "is_lazy",
    "period_number",
    "require_engine_columns",
]

EngineFrame: TypeAlias = nw.DataFrame[Any] | nw.LazyFrame[Any]

US_PER_DAY = 86_400_000_000
#: Years are shifted by this many 400-year eras so every division below has positive
#: operands (integer division rounds differently on different engines for negatives).
_ERAS = 10
#: Weeks are shifted by this many so the week number's division has a positive operand.
_WEEK_SHIFT = 10**6


def is_engine_frame(obj: object) -> bool:
    """True for a frame narwhals supports that is not a pandas DataFrame.

    Examples
    --------
    >>> is_engine_frame(pd.DataFrame({"a": [1]}))
    False
    """
    if isinstance(obj, pd.DataFrame):
        return False
    if isinstance(obj, nw.DataFrame | nw.LazyFrame):
        return True
    try:
        nw.from_native(obj)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def as_engine_frame(obj: object, name: str) -> EngineFrame:
    """``obj`` as a narwhals frame (eager or lazy), or a clear error.

    Examples
    --------
    >>> import polars as pl
    >>> type(as_engine_frame(pl.DataFrame({"a": [1]}), "data")).__name__
    'DataFrame'
    """
    if isinstance(obj, nw.DataFrame | nw.LazyFrame):
        return obj
    try:
        frame: EngineFrame = nw.from_native(obj)
    except TypeError as exc:
        raise InvalidParameterError(
            format_message(
                name,
                "be a pandas DataFrame or a frame narwhals supports (Polars, DuckDB, "
                "PySpark, SQLFrame, Dask, Ibis, PyArrow …)",
                type(obj).__name__,
                "Convert it with pandas.DataFrame(...) or pass the engine's own frame.",
            )
        ) from exc
    return frame


def is_lazy(frame: EngineFrame) -> bool:
    """True for lazy frames (Polars LazyFrame, DuckDB relation, Spark, Dask …)."""
    return isinstance(frame, nw.LazyFrame)


def backend_name(frame: EngineFrame) -> str:
    """The engine behind a narwhals frame, e.g. ``'polars'``, ``'duckdb'``, ``'pyspark'``."""
    return str(frame.implementation).lower().replace("implementation.", "")


def collect_pandas(frame: EngineFrame) -> pd.DataFrame:
    """Run ``frame`` on its engine and bring the (small) result back as pandas."""
    eager = frame.collect() if isinstance(frame, nw.LazyFrame) else frame
    return eager.to_pandas()


def require_engine_columns(frame: EngineFrame, columns: list[str], name: str) -> None:
    """Raise :class:`ValidationError` naming the missing columns of an engine frame."""
    present = list(frame.collect_schema().names())
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValidationError(
            format_message(
                f"{name} column(s) {', '.join(repr(c) for c in missing)}",
                "be present",
                f"columns {present[:12]}",
                "Pass the right name with the matching *_col argument.",
            )
        )


def _calendar_parts(column: str) -> tuple[nw.Expr, nw.Expr, nw.Expr, nw.Expr, nw.Expr]:
    """Days since 1970-01-01, hour, minute, second and microsecond of a datetime column.

    Only year/month/day/time parts and integer arithmetic on small positive operands
    (Hinnant's ``days_from_civil``): Spark-like engines evaluate ``//`` through floating
    point, which is exact only below 2**53, so no large number is ever divided.
    """

    def part(expr: nw.Expr) -> nw.Expr:
        return expr.cast(nw.Int64)

    t = nw.col(column)
    month = part(t.dt.month())
    year = part(t.dt.year()) - nw.when(month <= 2).then(1).otherwise(0) + 400 * _ERAS
    era = year // 400
    yoe = year - era * 400
    shifted_month = month + 9 - 12 * ((month + 9) // 12)
    doy = (153 * shifted_month + 2) // 5 + part(t.dt.day()) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146_097 + doe - 719_468 - _ERAS * 146_097
    # Some engines give the microsecond of an instant before 1970 as a negative number.
    micro = (part(t.dt.microsecond()) + 1_000_000) % 1_000_000
    return days, part(t.dt.hour()), part(t.dt.minute()), part(t.dt.second()), micro


def epoch_microseconds(column: str) -> nw.Expr:
    """Microseconds since 1970-01-01 of a datetime column, as an Int64 expression.

    Time-zone aware columns are read at their wall-clock time (as the pandas path does);
    every engine gives the same integers (see ``_calendar_parts``); years 1 to 9999.
    """
    days, hour, minute, second, micro = _calendar_parts(column)
    return (
        days * US_PER_DAY + hour * 3_600_000_000 + minute * 60_000_000 + second * 1_000_000 + micro
    ).cast(nw.Int64)


def period_number(column: str, freq: str) -> nw.Expr:
    """The period of each time: ``floor((t + offset) / period)`` with weeks starting on
    Monday, as the pandas path computes it, built from calendar parts without dividing any
    large number.
    """
    days, hour, minute, second, _ = _calendar_parts(column)
    if freq == "W":
        # 1970-01-01 is a Thursday: days + 3 counts from a Monday; shifted to stay positive
        return ((days + 3 + 7 * _WEEK_SHIFT) // 7 - _WEEK_SHIFT).cast(nw.Int64)
    periods = {
        "D": days,
        "h": days * 24 + hour,
        "min": (days * 24 + hour) * 60 + minute,
        "s": ((days * 24 + hour) * 60 + minute) * 60 + second,
    }
    return periods[freq].cast(nw.Int64)


def divide_exactly(numerator: nw.Expr, denominator: float) -> nw.Expr:
    """``numerator / denominator`` rounded as IEEE division, on every engine.

    Polars divides by a scalar by multiplying with its reciprocal, which is off by one ulp
    for some values (722 of 0..1999 divided by 7); dividing by a column is exact, so the
    constant is turned into one (``x * 0 + d`` is exactly ``d`` for finite ``x``).
    """
    return numerator / (numerator * 0.0 + denominator)


def count_true(condition: nw.Expr) -> nw.Expr:
    """Number of rows where a boolean expression holds (Spark cannot sum booleans)."""
    return condition.cast(nw.Int64).sum()
