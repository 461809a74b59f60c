"""Column extraction and checks shared by the profiling functions.

Every helper reads one column of the caller's frame into a fresh numpy array (the caller's
data are never modified) and raises a house-style error naming the column when the data
cannot be used.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._units import PERIOD_DAYS
from precisemkt._validation import format_message, is_hashable, show_value
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "Clock",
    "CustomerKeys",
    "amounts",
    "customer_keys",
    "factorize",
    "read_times",
    "user_date",
]

_INT64_MIN = int(np.iinfo(np.int64).min)
_INT64_MAX = int(np.iinfo(np.int64).max)

#: Ticks per second of the resolutions a time column is read in, finest first.
_TICKS_PER_SECOND: dict[str, int] = {"ns": 10**9, "us": 10**6, "ms": 10**3, "s": 1}
#: Length of one period of each ``freq`` (the core vocabulary) in seconds. ``"W"`` weeks
#: start on Monday (pandas' ``"W"`` = ``"W-SUN"``: weeks that end on Sunday).
_PERIOD_SECONDS: dict[str, int] = {f: round(d * 86_400) for f, d in PERIOD_DAYS.items()}
#: Times are kept below this many ticks in absolute value, so that every difference of two
#: times (and a time plus a three-day week offset) fits in int64.
_FIT = 2**62


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
                f"column {show_value(name)}",
                "not contain missing customer ids",
                f"{int(missing.sum())} missing value(s) (first at row "
                f"{show_value(column.index[first])})",
                "Drop those rows or fill them with a placeholder id.",
            )
        )
    codes, uniques = factorize(column, name)
    return CustomerKeys(codes, 0, len(uniques), uniques, None)


def factorize(column: pd.Series[Any], name: str) -> tuple[IntArray, pd.Index[Any]]:
    """Sorted factor codes of a column (-1 where missing; values of mixed, unorderable
    types keep their order of appearance). Raises :class:`ValidationError` on values that
    cannot be compared for equality (lists, dicts)."""
    try:
        try:
            codes, uniques = pd.factorize(column, sort=True)
        except TypeError:
            codes, uniques = pd.factorize(column, sort=False)
    except TypeError as exc:
        bad = next((i for i, v in enumerate(column) if not is_hashable(v)), 0)
        raise ValidationError(
            format_message(
                f"column {show_value(name)}",
                "hold plain values (numbers or text) that can be compared",
                f"{type(column.iloc[bad]).__name__} {show_value(column.iloc[bad])} at row "
                f"{show_value(column.index[bad])}",
                "Turn such values into text or numbers first, e.g. col.astype(str).",
            )
        ) from exc
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _looks_like_yyyymmdd(column: pd.Series[Any]) -> bool:
    """True when every value of an integer column reads as a date written YYYYMMDD."""
    values = column.dropna()
    if values.empty or not pd.api.types.is_integer_dtype(values.dtype):
        return False
    if values.min() < 1000_01_01 or values.max() > 9999_12_31:
        return False
    parsed = pd.to_datetime(values.astype(str), format="%Y%m%d", errors="coerce")
    return bool(parsed.notna().all())


def _first_unparsable(column: pd.Series[Any], name: str) -> ValidationError:
    """The error for a text column pandas cannot parse: quote the first bad value, or say
    that the values mix time zones."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            utc = pd.to_datetime(column, errors="coerce", format="mixed", utc=True)
    except (TypeError, ValueError, OverflowError):
        utc = pd.Series(pd.NaT, index=column.index)
    bad = (utc.isna() & column.notna()).to_numpy()
    if not bad.any():
        return ValidationError(
            format_message(
                f"column {show_value(name)}",
                "hold times of one time zone (or none)",
                "times with different time zones or UTC offsets",
                "Convert them to one zone first, e.g. pandas.to_datetime(col, utc=True) "
                "(add .dt.tz_convert('Europe/Paris') for local times).",
            )
        )
    i = int(np.flatnonzero(bad)[0])
    return ValidationError(
        format_message(
            f"column {show_value(name)}",
            "hold datetimes or parsable date strings",
            f"{int(bad.sum())} unparsable value(s) (first: {show_value(column.iloc[i])} "
            f"at row {show_value(column.index[i])})",
            "Fix or drop those rows, or parse the column with "
            "pandas.to_datetime(col, format=...) first.",
        )
    )


def _as_datetime(column: pd.Series[Any], name: str) -> pd.Series[Any]:
    """The column as naive datetimes (time-zone aware values keep their wall-clock time)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        naive: pd.Series[Any] = column.dt.tz_localize(None)
        return naive
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return column
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        if _looks_like_yyyymmdd(column):
            hint = (
                "These look like dates written YYYYMMDD: parse them with "
                "pandas.to_datetime(col.astype(str), format='%Y%m%d')."
            )
        else:
            hint = (
                "Convert numbers explicitly, e.g. pandas.to_datetime(col, unit='s') for "
                "seconds since 1970 or pandas.to_datetime(col, unit='D', "
                "origin='1997-01-01') for day numbers."
            )
        raise ValidationError(
            format_message(
                f"column {show_value(name)}", "hold datetimes", f"dtype {column.dtype}", hint
            )
        )
    try:
        return pd.to_datetime(column, format="ISO8601")
    except (TypeError, ValueError, OverflowError):
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' "could not infer format" warning
            return pd.to_datetime(column)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _first_unparsable(column, name) from exc


def user_date(value: Any, name: str) -> np.datetime64:
    """A user-given date (string, datetime, Timestamp) as a naive numpy datetime64."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidParameterError(
            format_message(
                name,
                "be a date (string, datetime or pandas.Timestamp)",
                show_value(value),
                "Use e.g. '1997-09-30'.",
            )
        ) from exc
    if pd.isna(stamp):
        raise InvalidParameterError(
            format_message(name, "be a date", "NaT", "Pass a real date or None.")
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.asm8


def _ticks(values: Any, unit: str) -> Any:
    """datetime64 values (array or scalar) as int64 ticks of ``unit`` (floored)."""
    own = np.datetime_data(values.dtype)[0]
    raw = values.view(np.int64) if isinstance(values, np.ndarray) else int(values.view(np.int64))
    if own == unit:
        return raw
    if own not in _TICKS_PER_SECOND:  # numpy units such as "D": go through seconds
        seconds = values.astype("datetime64[s]")
        return _ticks(seconds, unit)
    up, down = _TICKS_PER_SECOND[unit], _TICKS_PER_SECOND[own]
    if up >= down:
        return raw * (up // down)
    return raw // (down // up)


class Clock(NamedTuple):
    """A time column as int64 ticks of one resolution, with the user's dates on that clock.

    The resolution is the finest of ns, us, ms, s in which every time and every date fits
    (nanoseconds for dates in 1677..2262, as pandas stores them; coarser for earlier or
    later dates, so nothing wraps around).
    """

    ticks: IntArray
    unit: str
    dates: dict[str, int]

    @property
    def per_day(self) -> int:
        """Ticks in one day."""
        return 86_400 * _TICKS_PER_SECOND[self.unit]

    def period(self, freq: str) -> tuple[int, int]:
        """``(length, offset)`` in ticks: the period of time ``t`` is ``(t + offset) // length``."""
        length = _PERIOD_SECONDS[freq] * _TICKS_PER_SECOND[self.unit]
        # 1970-01-01 is a Thursday; shifting by 3 days makes weeks start on Monday.
        return length, (3 * self.per_day if freq == "W" else 0)

    def period_of(self, ticks: int, freq: str) -> int:
        """Index of the period that contains ``ticks``; differences count whole periods."""
        length, offset = self.period(freq)
        return (ticks + offset) // length

    def stamp(self, ticks: int) -> pd.Timestamp:
        """The time of ``ticks`` as a Timestamp (for messages)."""
        return pd.Timestamp(np.array([int(ticks)]).view(f"datetime64[{self.unit}]")[0])

    def datetimes(self, ticks: IntArray) -> Any:
        """Ticks as a ``datetime64[unit]`` array."""
        return ticks.astype(np.int64, copy=False).view(f"datetime64[{self.unit}]")


def read_times(column: pd.Series[Any], name: str, dates: Mapping[str, Any]) -> Clock:
    """Read a time column and the user's dates (``None`` entries are skipped) onto one clock.

    Raises :class:`ValidationError` on missing or unparsable times and mixed time zones,
    :class:`InvalidParameterError` on a date that is not a date.
    """
    parsed = _as_datetime(column, name)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # parsed strings carried an offset
        parsed = parsed.dt.tz_localize(None)
    missing = parsed.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise ValidationError(
            format_message(
                f"column {show_value(name)}",
                "not contain missing timestamps",
                f"{int(missing.sum())} missing value(s) (first at row "
                f"{show_value(column.index[first])})",
                "Drop those rows first; data_quality_report lists them.",
            )
        )
    values = parsed.to_numpy()
    given = {k: user_date(v, k) for k, v in dates.items() if v is not None}
    extremes = [values.min(), values.max()] if values.size else []
    extremes += list(given.values())
    for unit in _TICKS_PER_SECOND:
        if all(abs(_ticks(e, unit)) < _FIT for e in extremes):
            break
    else:
        raise ValidationError(
            format_message(
                f"column {show_value(name)} and the dates given",
                "lie within about 146 billion years of 1970",
                f"times from {values.min()} to {values.max()}",
                "Check the column: such dates are not real purchase times.",
            )
        )
    return Clock(_ticks(values, unit), unit, {k: int(_ticks(v, unit)) for k, v in given.items()})


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
                f"column {show_value(name)}",
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
                f"column {show_value(name)}",
                "be finite (no NaN or inf)",
                f"{int(bad.sum())} non-finite value(s) (first at row "
                f"{show_value(column.index[first])}: {show_value(values[first])})",
                "Drop or impute them first; data_quality_report lists them.",
            )
        )
    return values
