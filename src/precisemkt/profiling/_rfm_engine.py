"""``rfm_summary`` on any engine narwhals supports: the summary is computed where the log
lives and only one row per customer comes back (or stays lazy)."""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from precisemkt._frames import (
    US_PER_DAY,
    EngineFrame,
    collect_pandas,
    count_true,
    divide_exactly,
    epoch_microseconds,
    is_lazy,
    period_number,
    require_engine_columns,
)
from precisemkt._units import PERIOD_DAYS, TimeUnit, check_freq
from precisemkt._validation import check_bool, format_message
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling._input import user_date

__all__ = ["rfm_summary_engine"]

_US_MAX = np.iinfo(np.int64).max


def _instant_us(value: Any, name: str) -> int:
    """A user-given date as microseconds since 1970 (validated by ``user_date``)."""
    micros: int = user_date(value, name).astype("datetime64[us]").astype(np.int64).item()
    return micros


def _check_rows(frame: EngineFrame, customer_col: str, time_col: str, amount: str | None) -> int:
    """One aggregate query: count missing ids/times/amounts and rows; raise on any."""
    checks = {
        "rows": nw.len(),
        "ids": count_true(nw.col(customer_col).is_null()),
        "times": count_true(nw.col(time_col).is_null()),
    }
    if amount is not None:
        checks["amounts"] = count_true(nw.col(amount).is_null())
    counts = collect_pandas(frame.select(**checks)).iloc[0]
    for key, col, fix in (
        ("ids", customer_col, "Drop rows without a customer id."),
        ("times", time_col, "Drop rows without a time."),
        ("amounts", amount, "Drop or impute the missing amounts."),
    ):
        if key in counts and int(counts[key]) > 0:
            raise ValidationError(
                format_message(
                    f"column {col!r}",
                    "not contain missing values",
                    f"{int(counts[key])} missing value(s)",
                    fix,
                )
            )
    return int(counts["rows"])


def rfm_summary_engine(
    frame: EngineFrame,
    *,
    customer_col: str,
    time_col: str,
    amount_col: str | None,
    observation_end: Any,
    freq: str,
    freq_multiplier: float,
    calibration_end: Any,
    collect: bool,
) -> Any:
    """The narwhals implementation behind :func:`precisemkt.profiling.rfm_summary`.

    Periods, recency and T are integer arithmetic on microseconds since 1970 (see
    :func:`precisemkt._frames.epoch_microseconds`), so counts and durations equal the
    pandas path's bit for bit. Money: integer and decimal amount columns are summed exactly
    and divided once at the end (bit-identical to the pandas path); float amounts are
    summed by the engine in its own order (equal to the pandas path to a few ulp).
    """
    check_bool(collect, "collect")
    unit = TimeUnit(check_freq(freq), freq_multiplier)
    needed = [customer_col, time_col] + ([amount_col] if amount_col is not None else [])
    require_engine_columns(frame, needed, "transactions")
    lazy = is_lazy(frame)
    if observation_end is None and lazy:
        raise InvalidParameterError(
            format_message(
                "observation_end",
                "be given for a lazy frame (finding the last purchase would run a query "
                "over the whole log just for that)",
                "None",
                "Pass the end of the observation window, e.g. observation_end='2024-12-31'.",
            )
        )
    n_rows = _check_rows(frame, customer_col, time_col, amount_col)
    period_us = round(PERIOD_DAYS[unit.freq] * US_PER_DAY)
    offset = 3 * US_PER_DAY if unit.freq == "W" else 0

    def period_of(us: int) -> int:
        return (us + offset) // period_us

    rows = frame.select(
        nw.col(customer_col).alias("_c"),
        epoch_microseconds(time_col).alias("_us"),
        period_number(time_col, unit.freq).alias("_p"),
        (nw.col(amount_col) if amount_col is not None else nw.lit(0)).alias("_a"),
    )

    if observation_end is None:
        if n_rows == 0:
            obs_us = 0
        else:
            obs_us = int(collect_pandas(rows.select(nw.col("_us").max()))["_us"].iloc[0])
    else:
        obs_us = _instant_us(observation_end, "observation_end")
    holdout = calibration_end is not None
    if holdout:
        cal_us = _instant_us(calibration_end, "calibration_end")
        if cal_us >= obs_us:
            raise InvalidParameterError(
                format_message(
                    "calibration_end",
                    "be before observation_end",
                    f"calibration_end={pd.Timestamp(cal_us, unit='us')}, "
                    f"observation_end={pd.Timestamp(obs_us, unit='us')}",
                    "Move calibration_end earlier or observation_end later.",
                )
            )
        cal_t, cal_p, hold_t = cal_us, period_of(cal_us), obs_us
    else:
        cal_t, cal_p, hold_t = int(_US_MAX), period_of(obs_us), None
    end_p = cal_p
    mult = unit.multiplier

    cal_rows = rows.filter((nw.col("_us") <= cal_t) & (nw.col("_p") <= cal_p))
    per_period = (
        cal_rows.group_by("_c", "_p")
        .agg(nw.col("_a").sum().alias("_s"))
        .with_columns(nw.col("_p").min().over("_c").alias("_p0"))
    )
    customers = per_period.group_by("_c").agg(
        nw.len().alias("_n"),
        nw.col("_p").min().alias("_first"),
        nw.col("_p").max().alias("_last"),
        nw.when(nw.col("_p") != nw.col("_p0")).then(nw.col("_s")).otherwise(0).sum().alias("_rs"),
    )
    frequency = (nw.col("_n") - 1).cast(nw.Int64)
    out = customers.with_columns(
        frequency.alias("frequency"),
        divide_exactly((nw.col("_last") - nw.col("_first")).cast(nw.Float64), mult).alias(
            "recency"
        ),
        divide_exactly((end_p - nw.col("_first")).cast(nw.Float64), mult).alias("T"),
    )
    columns = ["frequency", "recency", "T"]
    if amount_col is not None:
        out = out.with_columns(
            nw.when(nw.col("frequency") > 0)
            .then(nw.col("_rs").cast(nw.Float64) / nw.col("frequency").cast(nw.Float64))
            .otherwise(0.0)
            .alias("monetary_value")
        )
        columns.append("monetary_value")
    if holdout and hold_t is not None:
        held = (
            rows.filter((nw.col("_us") > cal_t) & (nw.col("_us") <= hold_t))
            .group_by("_c")
            .agg(
                nw.col("_p").n_unique().cast(nw.Int64).alias("_nhp"),
                nw.len().cast(nw.Int64).alias("_nh"),
                nw.col("_a").sum().alias("_hs"),
            )
        )
        out = out.join(held, on="_c", how="left")  # type: ignore[arg-type]
        out = out.with_columns(
            nw.col("_nhp").fill_null(0).cast(nw.Int64).alias("frequency_holdout"),
        )
        columns.append("frequency_holdout")
        if amount_col is not None:
            out = out.with_columns(
                nw.when(nw.col("_nh").fill_null(0) > 0)
                .then(nw.col("_hs").cast(nw.Float64) / nw.col("_nh").cast(nw.Float64))
                .otherwise(0.0)
                .alias("monetary_value_holdout")
            )
            columns.append("monetary_value_holdout")
        out = out.with_columns(
            nw.lit((period_of(obs_us) - end_p) / mult, dtype=nw.Float64).alias("duration_holdout")
        )
        columns.append("duration_holdout")
    out = out.select(nw.col("_c").alias(customer_col), *columns)
    if not collect:
        return out.to_native()
    result = collect_pandas(out).sort_values(customer_col, kind="stable")
    result = result.set_index(customer_col)
    for col in ("frequency", "frequency_holdout"):
        if col in result:
            result[col] = result[col].astype(np.int64)
    for col in result.columns.difference(["frequency", "frequency_holdout"]):
        result[col] = result[col].astype(np.float64)
    result.attrs["time_unit"] = unit.to_attrs()
    return result
