"""Journey paths and their counts, computed where the event log lives.

``path_counts`` turns an event log into the path table every attribution model reads
(one row per distinct path: conversions, nulls, value). On pandas it runs
:func:`paths_from_events`; on any other frame narwhals supports the journeys are cut with
window functions on the engine and only the (small) table of distinct paths comes back.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from precisemkt._frames import (
    EngineFrame,
    as_engine_frame,
    backend_name,
    collect_pandas,
    count_true,
    is_engine_frame,
    require_engine_columns,
)
from precisemkt._validation import check_bool, format_message
from precisemkt.attribution._events import paths_from_events
from precisemkt.attribution._paths import check_sep
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError

__all__ = ["path_counts"]

#: Order of the events of a journey on an engine (engines keep no row order): time, then
#: touches before conversion-only events, then channel, then non-converting first.
_ORDER = ["_t", "_tb", "_ch", "_cv"]
_KEYS = ["_j", "_seg"]
_ENGINES = ("polars", "duckdb", "pyspark", "pyspark_connect", "sqlframe")


def path_counts(
    events: Any,
    *,
    journey_col: str = "customer_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    conversion_col: str = "conversion",
    value_col: str | None = None,
    sep: str = " > ",
    collect: bool = False,
) -> Any:
    """Count converting and non-converting journeys per path, on any engine.

    The journeys are those of :func:`paths_from_events`: events are ordered by time within
    each journey; the touches up to and including a conversion form a converting path and
    the touches after the last conversion a non-converting (null) path. A pandas frame
    runs :func:`paths_from_events` itself. Any other frame narwhals supports (Polars,
    DuckDB, PySpark, SQLFrame …) is processed on its engine: a running count of conversions
    cuts the journeys, each path is joined in time order by the engine's own ordered
    aggregation, and only one row per distinct path comes back.

    Parameters
    ----------
    events : pandas.DataFrame or a frame narwhals supports
        One row per touch or conversion.
    journey_col, time_col, channel_col, conversion_col : str
        Columns as in :func:`paths_from_events`.
    value_col : str, optional
        Conversion value, read on conversion rows; summed per path into ``value``.
    sep : str, default " > "
        Separator written between channels.
    collect : bool, default False
        For a lazy engine frame: run the query and return pandas. Otherwise the engine's
        own (lazy) frame is returned. Ignored for pandas input and eager frames, which
        always give pandas.

    Returns
    -------
    pandas.DataFrame or the engine's frame
        One row per distinct path, sorted by path: ``path``, ``conversions``, ``nulls``
        (int64) and, with ``value_col``, ``value`` (float64). Pass it to
        :func:`markov_attribution`, :func:`heuristic_attribution` or
        :func:`shapley_attribution`, which solve locally.

    Warns
    -----
    DataQualityWarning
        When conversions without any touch before them are left out.

    Notes
    -----
    Ties: pandas keeps the input order of events at the same time (touches before
    conversion-only events). Engines have no row order, so there events at the same time
    are ordered by touch before conversion-only, then channel name, then non-converting
    before converting. Counts are exact on every engine; integer and decimal values are
    summed exactly, float values in the engine's own order (equal to a few ulp). Two
    small aggregate queries run at call time, also for lazy input: the validation of the
    log and the count of conversions without a touch (for the warning).

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import markov_attribution, path_counts
    >>> events = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2, 2, 3],
    ...     "timestamp": [1, 2, 3, 1, 2, 1],
    ...     "channel": ["search", "email", None, "search", "email", "social"],
    ...     "conversion": [0, 0, 1, 0, 0, 0],
    ... })
    >>> path_counts(events)
                 path  conversions  nulls
    0  search > email            1      1
    1          social            0      1
    >>> round(markov_attribution(path_counts(events)).conversion_probability, 6)
    0.333333
    """
    separator = check_sep(sep)
    check_bool(collect, "collect")
    if not is_engine_frame(events):
        return _pandas_counts(
            paths_from_events(
                events,
                journey_col=journey_col,
                time_col=time_col,
                channel_col=channel_col,
                conversion_col=conversion_col,
                value_col=value_col,
                sep=sep,
            ),
            value_col is not None,
        )
    frame = _supported(as_engine_frame(events, "events"))
    columns = [journey_col, time_col, channel_col, conversion_col]
    require_engine_columns(frame, columns + ([value_col] if value_col else []), "events")
    _check_events(frame, journey_col, time_col, channel_col, conversion_col, value_col, separator)
    out = _engine_counts(frame, journey_col, time_col, channel_col, conversion_col, value_col, sep)
    if not collect and isinstance(out, nw.LazyFrame):
        return out.to_native()
    result = collect_pandas(out).sort_values("path", kind="stable").reset_index(drop=True)
    for col in ("conversions", "nulls"):
        result[col] = result[col].astype(np.int64)
    if "value" in result:
        result["value"] = result["value"].astype(np.float64)
    return result


def _pandas_counts(paths: pd.DataFrame, with_value: bool) -> pd.DataFrame:
    sums = ["conversions", "nulls"] + (["value"] if with_value else [])
    out = paths.groupby("path", sort=True)[sums].sum().reset_index()
    for col in ("conversions", "nulls"):
        out[col] = out[col].astype(np.int64)
    return out


def _check_events(
    frame: EngineFrame,
    journey: str,
    time: str,
    channel: str,
    conversion: str,
    value: str | None,
    sep: str,
) -> None:
    """One aggregate query over the log; raise on the first rule broken."""
    flag = nw.col(conversion).cast(nw.Float64)
    is_conv = flag == 1.0
    name = nw.col(channel).cast(nw.String).str.strip_chars()
    checks = {
        "rows": nw.len(),
        "ids": count_true(nw.col(journey).is_null()),
        "times": count_true(nw.col(time).is_null()),
        "flags": count_true(flag.is_null() | ((flag != 0.0) & (flag != 1.0))),
        "unlabelled": count_true(nw.col(channel).is_null() & ~is_conv.fill_null(False)),
        "empty": count_true(name == ""),
        "sep": count_true(name.str.contains(sep, literal=True)),
    }
    if value is not None:
        money = nw.col(value)
        checks["nulls"] = count_true(is_conv & money.is_null())
        checks["negative"] = count_true(is_conv & (money < 0))
    counts = collect_pandas(frame.select(**checks)).iloc[0]
    seen = {key: int(0 if pd.isna(v) else v) for key, v in counts.items()}
    col = "events column "
    rules = [
        ("ids", f"{col}{journey!r}", "identify the journey of every event", "missing id(s)",
         "Drop events without an id."),
        ("times", f"{col}{time!r}", "have a time for every event", "missing time(s)",
         "Drop or fill events without a time."),
        ("flags", f"{col}{conversion!r}", "be True/False or 0/1 (is the event a conversion?)",
         "other or missing value(s)", "Turn counts into a flag, one row per conversion."),
        ("unlabelled", f"{col}{channel!r}", "name a channel on every event that is not a "
         "conversion", "touch(es) without one", "Label them (e.g. 'unknown') or drop them."),
        ("empty", f"{col}{channel!r}", "name a channel on every touch", "empty name(s)",
         "Label the channel or drop the event."),
        ("sep", f"{col}{channel!r}", f"not contain the separator {sep!r}",
         "channel name(s) with it", "Rename the channels or pass another sep=."),
        ("nulls", f"{col}{value!r}", "have a value on every conversion", "missing value(s)",
         "Fill the missing values (0 if none was earned)."),
        ("negative", f"{col}{value!r}", "be non-negative on conversions", "negative value(s)",
         "Drop refunds or net them out before attribution."),
    ]  # fmt: skip
    if seen["rows"] == 0:
        raise ValidationError(
            format_message("events", "have at least one row", "an empty frame", "")
        )
    for key, what, rule, noun, fix in rules:
        if seen.get(key, 0) > 0:
            raise ValidationError(format_message(what, rule, f"{seen[key]} {noun}", fix))


def _engine_counts(
    frame: EngineFrame,
    journey: str,
    time: str,
    channel: str,
    conversion: str,
    value: str | None,
    sep: str,
) -> EngineFrame:
    is_conv = nw.col(conversion).cast(nw.Float64) == 1.0
    money = nw.col(value) if value is not None else nw.lit(0)
    rows = frame.select(
        nw.col(journey).alias("_j"),
        nw.col(time).alias("_t"),
        nw.col(channel).cast(nw.String).str.strip_chars().alias("_ch"),
        is_conv.cast(nw.Int64).alias("_cv"),
        nw.col(channel).is_null().cast(nw.Int64).alias("_tb"),
        nw.when(is_conv).then(money).otherwise(0).alias("_v"),
    ).with_columns(
        (nw.col("_cv").cum_sum().over("_j", order_by=_ORDER) - nw.col("_cv")).alias("_seg")
    )
    touches = rows.filter(nw.col("_tb") == 0)
    segments = rows.group_by(*_KEYS).agg(
        nw.col("_cv").max().alias("_conv"),
        nw.col("_v").sum().alias("_val"),
        (1 - nw.col("_tb")).sum().alias("_n"),
    )
    lost = collect_pandas(
        segments.filter((nw.col("_conv") == 1) & (nw.col("_n") == 0)).select(nw.len())
    )
    n_lost = int(lost.to_numpy(np.int64)[0, 0])
    if n_lost:
        warnings.warn(
            f"{n_lost} conversion(s) have no touch before them and are left out; "
            "no channel can earn them.",
            DataQualityWarning,
            stacklevel=3,
        )
    paths = nw.from_native(_ordered_join(touches, sep))
    sums = [
        nw.col("_conv").sum().cast(nw.Int64).alias("conversions"),
        (1 - nw.col("_conv")).sum().cast(nw.Int64).alias("nulls"),
    ]
    if value is not None:
        sums.append(nw.col("_val").sum().cast(nw.Float64).alias("value"))
    joined: EngineFrame = paths.join(segments, on=_KEYS, how="inner")
    return joined.group_by("path").agg(*sums).sort("path")


def _supported(frame: EngineFrame) -> EngineFrame:
    """The frame on an engine with windows and ordered string aggregation.

    Eager frames of other libraries (PyArrow, Modin …) are in memory already and go to
    Polars; other lazy engines (Dask, Ibis) raise with a way out.
    """
    engine = backend_name(frame)
    if engine in _ENGINES:
        return frame
    if isinstance(frame, nw.DataFrame):
        converted: EngineFrame = nw.from_native(frame.to_polars())
        return converted
    raise InvalidParameterError(
        format_message(
            "events",
            "be a frame of an engine with ordered string aggregation "
            "(Polars, DuckDB, PySpark, SQLFrame) or an eager frame",
            f"a {engine} frame",
            "Convert it, e.g. with .to_polars(), or read it with DuckDB.",
        )
    )


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ordered_join(touches: EngineFrame, sep: str) -> Any:
    """``_j, _seg, path``: each segment's channels joined in event order, by the engine.

    narwhals has no ordered string aggregation, so this is the one engine-specific step:
    Polars ``sort_by(...).str.join``, DuckDB ``string_agg(... ORDER BY ...)``, Spark and
    SQLFrame ``array_sort(collect_list(struct(...)))`` then ``concat_ws``.
    """
    engine = backend_name(touches)
    native = touches.to_native()
    if engine == "polars":
        import polars as pl

        return native.group_by(_KEYS).agg(pl.col("_ch").sort_by(_ORDER).str.join(sep).alias("path"))
    if engine == "duckdb":
        order = ", ".join(_ORDER)
        return native.aggregate(
            f"_j, _seg, string_agg(_ch, {_sql_text(sep)} ORDER BY {order}) AS path", "_j, _seg"
        )
    module = (
        "pyspark.sql.functions"
        if engine.startswith("pyspark")
        else type(native).__module__.rsplit(".", 1)[0] + ".functions"  # sqlframe.<dialect>
    )
    functions = importlib.import_module(module)
    grouped = native.groupBy(*_KEYS).agg(
        functions.array_sort(functions.collect_list(functions.struct(*_ORDER))).alias("_a")
    )
    return grouped.select(
        *_KEYS,
        functions.concat_ws(sep, functions.transform("_a", lambda x: x["_ch"])).alias("path"),
    )
