"""Column extraction and checks shared by the profiling functions.

Every helper reads one column of the caller's frame into a fresh numpy array (the caller's
data are never modified) and raises a house-style error naming the column when the data
cannot be used.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_options, format_message
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "DAY_NS",
    "FREQ_NS",
    "CustomerKeys",
    "amounts",
    "check_freq",
    "customer_keys",
    "period_index",
    "times_ns",
    "to_timestamp_ns",
]

DAY_NS = 86_400 * 10**9
_INT64_MIN = int(np.iinfo(np.int64).min)
_INT64_MAX = int(np.iinfo(np.int64).max)

#: Length of one period of each supported ``freq`` in nanoseconds. ``"W"`` weeks start on
#: Monday (pandas' ``"W"`` = ``"W-SUN"``: weeks that end on Sunday).
FREQ_NS: dict[str, int] = {
    "W": 7 * DAY_NS,
    "D": DAY_NS,
    "h": 3_600 * 10**9,
    "min": 60 * 10**9,
    "s": 10**9,
}


class CustomerKeys(NamedTuple):
    """Integer keys in ``[low, low + span)`` standing for the customer ids of each row.

    ``uniques[k - low]`` is the id of key ``k`` when ``uniques`` is given; otherwise the
    keys are the (integer) ids themselves.
    """

    keys: IntArray
    low: int
    span: int
    uniques: pd.Index[Any] | None
    dtype: Any

    def ids_of(self, present: IntArray, name: str) -> pd.Index[Any]:
        """The customer ids of the given keys, as an index named ``name``."""
        if self.uniques is None:
            ids: pd.Index[Any] = pd.Index(present.astype(self.dtype), name=name)
        else:
            ids = pd.Index(self.uniques.take(present - self.low), name=name)
        return ids


def customer_keys(column: pd.Series[Any], name: str) -> CustomerKeys:
    """Integer keys for the customer id column (ids are sorted when they sort).

    Integer ids in a compact range are used as they are (no hashing); other ids are
    factorised. Raises :class:`ValidationError` when an id is missing.
    """
    if pd.api.types.is_integer_dtype(column.dtype) and isinstance(column.dtype, np.dtype):
        ids = column.to_numpy()
        if ids.size == 0:
            return CustomerKeys(np.zeros(0, dtype=np.int64), 0, 0, None, ids.dtype)
        low, high = int(ids.min()), int(ids.max())
        if high - low < 4 * ids.size + 1024 and low >= _INT64_MIN and high <= _INT64_MAX:
            return CustomerKeys(
                ids.astype(np.int64, copy=False), low, high - low + 1, None, ids.dtype
            )
    missing = column.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "not contain missing customer ids",
                f"{int(missing.sum())} missing value(s) (first at row {first})",
                "Drop those rows or fill them with a placeholder id.",
            )
        )
    try:
        codes, uniques = pd.factorize(column, sort=True)
    except TypeError:  # ids of mixed, unorderable types keep their order of appearance
        codes, uniques = pd.factorize(column, sort=False)
    return CustomerKeys(
        codes.astype(np.int64, copy=False), 0, len(uniques), pd.Index(uniques), None
    )


def _as_datetime(column: pd.Series[Any], name: str) -> pd.Series[Any]:
    """The column as naive datetimes (time-zone aware values keep their wall-clock time)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        naive: pd.Series[Any] = column.dt.tz_localize(None)
        return naive
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return column
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "hold datetimes",
                f"dtype {column.dtype}",
                "Convert numbers explicitly, e.g. pandas.to_datetime(col, unit='D', "
                "origin='1997-01-01').",
            )
        )
    try:
        return pd.to_datetime(column, format="ISO8601")
    except (TypeError, ValueError):
        pass
    try:
        return pd.to_datetime(column)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "hold datetimes or parsable date strings",
                f"values such as {column.iloc[0]!r}",
                "Parse it with pandas.to_datetime(col, format=...) first.",
            )
        ) from exc


def times_ns(column: pd.Series[Any], name: str) -> IntArray:
    """Nanoseconds since 1970-01-01 of a datetime column; raises on missing values."""
    parsed = _as_datetime(column, name)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # parsed strings carried an offset
        parsed = parsed.dt.tz_localize(None)
    missing = parsed.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "not contain missing timestamps",
                f"{int(missing.sum())} missing value(s) (first at row {first})",
                "Drop those rows first; data_quality_report lists them.",
            )
        )
    values = parsed.to_numpy(dtype="datetime64[ns]")
    # a view when the column already holds datetime64[ns]: the kernels never write to it
    return values.view(np.int64)


def to_timestamp_ns(value: Any, name: str) -> int:
    """A user-given date (string, datetime, Timestamp) as nanoseconds since the epoch."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            format_message(
                name,
                "be a date (string, datetime or pandas.Timestamp)",
                repr(value),
                "Use e.g. '1997-09-30'.",
            )
        ) from exc
    if pd.isna(stamp):
        raise InvalidParameterError(
            format_message(name, "be a date", "NaT", "Pass a real date or None.")
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(stamp.as_unit("ns").value)


def amounts(column: pd.Series[Any], name: str) -> FloatArray:
    """The amount column as a new finite float64 array; raises on missing or text values."""
    try:
        if column.dtype == np.float64:
            values = column.to_numpy(dtype=np.float64)  # read only by the kernels
        else:
            values = pd.to_numeric(column, errors="raise").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "hold numbers",
                f"dtype {column.dtype}",
                "Convert it with pandas.to_numeric(col, errors='coerce') and drop the gaps.",
            )
        ) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "be finite (no NaN or inf)",
                f"{int(bad.sum())} non-finite value(s) (first at row {first}: {values[first]!r})",
                "Drop or impute them first; data_quality_report lists them.",
            )
        )
    return values


def check_freq(freq: Any) -> tuple[int, int]:
    """Validate ``freq``; return ``(unit, offset)`` in ns with period ``(t + offset) // unit``."""
    check_options(freq, "freq", tuple(FREQ_NS))
    # 1970-01-01 is a Thursday; shifting by 3 days makes weeks start on Monday.
    return FREQ_NS[freq], (3 * DAY_NS if freq == "W" else 0)


def period_index(t_ns: int, freq: str) -> int:
    """Index of the period that contains ``t_ns``; differences count whole periods."""
    unit, offset = check_freq(freq)
    return (t_ns + offset) // unit
