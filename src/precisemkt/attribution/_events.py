"""From an event log of touches and conversions to one path per journey."""

from __future__ import annotations

import datetime
import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt._validation import (
    as_float_array,
    format_message,
    require_columns,
    require_frame,
    show_value,
)
from precisemkt.attribution._paths import check_sep, row_label
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError

__all__ = ["paths_from_events"]

_NS_PER_DAY = 86_400 * 10**9
ObjectArray = npt.NDArray[np.object_]
_BREAK = "\0"


def _times(events: pd.DataFrame, col: str) -> tuple[FloatArray, bool]:
    """Event times as floats (nanoseconds for datetimes) and whether they are datetimes."""
    column = events[col]
    if pd.api.types.is_datetime64_any_dtype(column):
        if column.isna().any():
            raise ValidationError(
                format_message(
                    f"events column {col!r}",
                    "have a time for every event",
                    f"{int(column.isna().sum())} missing time(s)",
                    "Drop or fill events without a time.",
                )
            )
        naive = column.dt.tz_convert(None) if column.dt.tz is not None else column
        return naive.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64), True
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return as_float_array(column, f"events column {col!r}"), False
    raise ValidationError(
        format_message(
            f"events column {col!r}",
            "hold datetimes or numbers",
            f"dtype {column.dtype}",
            "Parse it with pandas.to_datetime first.",
        )
    )


def _flags(events: pd.DataFrame, col: str) -> BoolArray:
    column = events[col]
    values = as_float_array(column, f"events column {col!r}")
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValidationError(
            format_message(
                f"events column {col!r}",
                "be True/False or 0/1 (is the event a conversion?)",
                f"values {np.unique(values[~np.isin(values, (0.0, 1.0))])[:5].tolist()}",
                "Turn counts into a flag, one row per conversion.",
            )
        )
    flags: BoolArray = np.equal(values, 1.0)
    return flags


def _duration(value: object, name: str, datetimes: bool) -> float | None:
    """A non-negative window in the time column's unit (nanoseconds for datetimes)."""
    if value is None:
        return None
    if isinstance(value, str | pd.Timedelta | datetime.timedelta | np.timedelta64):
        if not datetimes:
            raise InvalidParameterError(
                format_message(
                    name,
                    "be a number in the time column's unit when times are numeric",
                    show_value(value),
                    "Pass a number, or datetimes in the time column.",
                )
            )
        try:
            nanos = float(pd.Timedelta(value).value)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                format_message(name, "be a duration", show_value(value), "Use e.g. '30D'.")
            ) from exc
    elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
        nanos = float(value) * (_NS_PER_DAY if datetimes else 1.0)
    else:
        nanos = float("nan")
    if not np.isfinite(nanos) or nanos < 0:
        raise InvalidParameterError(
            format_message(
                name,
                "be a non-negative duration (days when a number and times are datetimes)",
                show_value(value),
                "Use e.g. lookback='30D'.",
            )
        )
    return nanos


def _channels(events: pd.DataFrame, col: str, touch: BoolArray, sep: str) -> ObjectArray:
    """The trimmed channel name of every event (``None`` where it is not a touch).

    Names are converted and trimmed once per distinct value, not once per event.
    """
    codes, uniques = pd.factorize(events[col], use_na_sentinel=True)
    stripped = np.array([str(u).strip() for u in uniques] + [None], dtype=object)
    names: ObjectArray = stripped[codes]  # code -1 (missing) picks the trailing None
    empty = np.flatnonzero(touch & (names == ""))
    if empty.size:
        raise ValidationError(
            format_message(
                f"events column {col!r}",
                "name a channel on every touch",
                f"an empty name at {row_label(events.index, int(empty[0]))}",
                "Label the channel or drop the event.",
            )
        )
    bad = [n for n in stripped[:-1] if sep in n or _BREAK in n]
    if bad:
        raise ValidationError(
            format_message(
                f"channel name {show_value(bad[0])}",
                f"not contain the separator {sep!r}",
                f"{len(bad)} such channel(s) in column {col!r}",
                "Rename the channels or pass another sep=.",
            )
        )
    return names


def _join_paths(names: ObjectArray, last: BoolArray, sep: str) -> list[str]:
    """Join consecutive names into one path per segment (``last`` marks each segment end)."""
    pieces = np.empty(2 * names.size, dtype=object)
    pieces[0::2] = names
    suffix = np.full(names.size, sep, dtype=object)
    suffix[last] = _BREAK  # (an object array: numpy strings would drop a trailing NUL)
    pieces[1::2] = suffix
    joined: list[str] = "".join(pieces.tolist()).split(_BREAK)[:-1]
    return joined


def paths_from_events(
    events: pd.DataFrame,
    *,
    journey_col: str = "customer_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    conversion_col: str = "conversion",
    value_col: str | None = None,
    lookback: float | str | datetime.timedelta | None = None,
    sep: str = " > ",
) -> pd.DataFrame:
    """Build one path per journey from touchpoints and conversions.

    Events are ordered by time within each ``journey_col`` (ties keep the input order,
    touches before conversion-only events). A journey's touches up to and including a
    conversion form a converting path; the touches after its last conversion form a
    non-converting (null) path. A conversion row that names a channel is also a touch
    (the converting visit); one with a missing channel is a conversion only.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per touch or conversion.
    journey_col, time_col, channel_col, conversion_col : str
        Columns: who (customer, user, cookie), when (datetimes or numbers), through which
        channel, and whether the event is a conversion (True/False or 1/0).
    value_col : str, optional
        Conversion value, read on conversion rows.
    lookback : float, str, timedelta or None
        Keep only touches at most this long before the conversion (for null paths:
        before their last touch). A duration or a number of days for datetime times; a
        number in the column's unit for numeric times. ``None`` keeps all.
    sep : str, default " > "
        Separator written between channels.

    Returns
    -------
    pandas.DataFrame
        One row per path: ``journey_col``, ``path``, ``conversions`` (1 or 0), ``nulls``
        (0 or 1), ``value`` (with ``value_col``), ``touch_lags`` (a tuple: time from each
        touch to the path's end, in days for datetimes, else in the time column's unit)
        and ``end_time`` (conversion time, or the last touch's). Every model reads it as
        it is; time decay uses ``touch_lags``.

    Warns
    -----
    DataQualityWarning
        When conversions without any touch before them (within ``lookback``) are left
        out, since no channel can earn them.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import paths_from_events
    >>> events = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 1, 2],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-04",
    ...                                  "2024-01-09", "2024-01-02"]),
    ...     "channel": ["social", "search", "email", "social", "email"],
    ...     "conversion": [False, False, True, False, False],
    ... })
    >>> paths_from_events(events)[["customer_id", "path", "conversions", "touch_lags"]]
       customer_id                     path  conversions       touch_lags
    0            1  social > search > email            1  (3.0, 1.0, 0.0)
    1            1                   social            0           (0.0,)
    2            2                    email            0           (0.0,)
    """
    frame = require_frame(events, "events")
    separator = check_sep(sep)
    columns = [journey_col, time_col, channel_col, conversion_col]
    if value_col is not None:
        columns.append(value_col)
    require_columns(frame, columns, name="events")
    if len(frame) == 0:
        raise ValidationError(
            format_message("events", "have at least one row", "an empty frame", "")
        )
    journey_codes, _ = pd.factorize(frame[journey_col], use_na_sentinel=True)
    if (journey_codes < 0).any():
        raise ValidationError(
            format_message(
                f"events column {journey_col!r}",
                "identify the journey of every event",
                f"{int((journey_codes < 0).sum())} missing id(s)",
                "Drop events without an id.",
            )
        )
    times, datetimes = _times(frame, time_col)
    conversion = _flags(frame, conversion_col)
    has_channel = frame[channel_col].notna().to_numpy()
    missing = ~has_channel & ~conversion
    if missing.any():
        raise ValidationError(
            format_message(
                f"events column {channel_col!r}",
                "name a channel on every event that is not a conversion",
                f"{int(missing.sum())} touch(es) without one "
                f"(first at {row_label(frame.index, int(np.argmax(missing)))})",
                "Label them (e.g. 'unknown') or drop them.",
            )
        )
    window = _duration(lookback, "lookback", datetimes)
    names = _channels(frame, channel_col, has_channel, separator)
    value = np.zeros(len(frame))
    if value_col is not None:
        value[conversion] = as_float_array(
            frame[value_col].to_numpy()[conversion], f"events column {value_col!r}"
        )
        if (value < 0).any():
            raise ValidationError(
                format_message(
                    f"events column {value_col!r}",
                    "be non-negative on conversions",
                    f"{int((value < 0).sum())} negative value(s)",
                    "Drop refunds or net them out before attribution.",
                )
            )
    order = np.lexsort((~has_channel, times, journey_codes))
    code, when, conv, touch = (
        journey_codes[order],
        times[order],
        conversion[order],
        has_channel[order],
    )
    starts = np.ones(order.size, bool)
    starts[1:] = (code[1:] != code[:-1]) | conv[:-1]
    segment: IntArray = np.cumsum(starts) - 1
    n_segments = int(segment[-1]) + 1
    converted = np.zeros(n_segments, bool)
    converted[segment[conv]] = True
    # A segment ends with its conversion, or (null paths) with its last touch.
    last_row = np.append(np.flatnonzero(starts)[1:] - 1, order.size - 1)
    end = when[last_row]
    earned = np.zeros(n_segments)
    earned[segment[conv]] = value[order][conv]
    lag = end[segment] - when
    keep = touch & (lag <= window if window is not None else True)
    touches = np.bincount(segment[keep], minlength=n_segments)
    lost = converted & (touches == 0)
    if lost.any():
        warnings.warn(
            f"{int(lost.sum())} conversion(s) have no touch before them"
            + (" within the lookback window" if window is not None else "")
            + " and are left out; no channel can earn them.",
            DataQualityWarning,
            stacklevel=2,
        )
    kept_segment = segment[keep]
    last = np.ones(kept_segment.size, bool)
    last[:-1] = kept_segment[1:] != kept_segment[:-1]
    kept_names = names[order[keep]]
    scale = _NS_PER_DAY if datetimes else 1.0
    lags = (lag[keep] / scale).tolist()
    bounds = (np.flatnonzero(last) + 1).tolist()
    lag_tuples = [tuple(lags[a:b]) for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
    present = np.flatnonzero(touches > 0)
    first_row = order[starts]
    result = pd.DataFrame(
        {
            journey_col: frame[journey_col].to_numpy()[first_row[present]],
            "path": _join_paths(kept_names, last, sep),
            "conversions": converted[present].astype(np.int64),
            "nulls": (~converted[present]).astype(np.int64),
        }
    )
    if value_col is not None:
        result["value"] = earned[present]
    result["touch_lags"] = lag_tuples
    result["end_time"] = frame[time_col].iloc[order[last_row[present]]].to_numpy()
    return result
