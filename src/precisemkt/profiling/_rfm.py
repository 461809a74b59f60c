"""Per-customer frequency / recency / T summary used by the CLV models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._frames import as_engine_frame, is_engine_frame
from precisemkt._grouping import bucket_split
from precisemkt._units import ATTRS_KEY, TimeUnit, check_freq
from precisemkt._validation import check_columns, check_interval, format_message, require_frame
from precisemkt.errors import InvalidParameterError
from precisemkt.profiling import _kernels
from precisemkt.profiling._input import amounts, customer_keys, read_times
from precisemkt.profiling._rfm_engine import rfm_summary_engine

__all__ = ["rfm_summary"]

_INT64_MAX = int(np.iinfo(np.int64).max)
_INT64_MIN = int(np.iinfo(np.int64).min)


def _columns(amount: bool, holdout: bool) -> list[str]:
    cols = ["frequency", "recency", "T"] + (["monetary_value"] if amount else [])
    if holdout:
        cols += ["frequency_holdout"]
        cols += ["monetary_value_holdout"] if amount else []
        cols += ["duration_holdout"]
    return cols


def _empty(customer_col: str, amount: bool, holdout: bool) -> pd.DataFrame:
    cols = _columns(amount, holdout)
    frame = pd.DataFrame({c: np.empty(0, dtype=np.float64) for c in cols})
    for c in ("frequency", "frequency_holdout"):
        if c in frame:
            frame[c] = frame[c].astype(np.int64)
    frame.index.name = customer_col
    return frame


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount",
    observation_end: Any = None,
    freq: str = "D",
    freq_multiplier: float = 1,
    calibration_end: Any = None,
    collect: bool = False,
) -> Any:
    """Summarise a transaction log into one (frequency, recency, T) row per customer.

    This is the summary the CLV models (BG/NBD, Pareto/NBD, Gamma-Gamma, ...) are fitted to,
    with exactly the meaning of lifetimes' ``summary_data_from_transaction_data`` and
    ``calibration_and_holdout_data``: on CDNOW the counts and durations are identical and
    the money columns agree to a few units in the last place.

    Time is cut into periods of length ``freq``; every timestamp is floored to the start of
    its period and **all purchases of one customer in one period count as one purchase**
    whose value is their sum (several CDNOW records on one day are one purchase with
    ``freq="D"``). Then, per customer:

    * ``frequency``: number of repeat purchase periods (distinct periods minus one);
    * ``recency``: time from the first to the last purchase period;
    * ``T``: time from the first purchase period to the (floored) observation end;
    * ``monetary_value``: mean value of the repeat purchases (0 for one-time buyers).

    Times are in units of ``freq`` divided by ``freq_multiplier`` (``freq="D",
    freq_multiplier=7`` gives weeks measured to the day, as in Fader, Hardie & Lee 2005).

    Parameters
    ----------
    transactions : pandas.DataFrame or any frame narwhals supports
        One row per order. It is not modified. A Polars, DuckDB, PySpark, SQLFrame, Dask,
        Ibis or PyArrow frame is summarised on its own engine (see "Beyond one machine"):
        the result is a frame of the same kind, with the customer id as a column (lazy
        stays lazy), unless ``collect=True``.
    customer_col, time_col : str
        Customer id column and purchase time column (datetimes or parsable strings;
        time-zone aware times are used at their wall-clock time).
    amount_col : str or None, default "amount"
        Order value column. ``None``: no monetary columns.
    observation_end : date-like, optional
        End of the observation window (default: the last purchase). Without
        ``calibration_end``, purchases in periods after the period of ``observation_end``
        are dropped (the whole period that contains it is kept, as in lifetimes).
    freq : {"W", "D", "h", "min", "s"}, default "D"
        Period length, as pandas' offset aliases (``"H"`` is refused with a hint: pandas
        spells hours ``"h"``). Weeks start on Monday (pandas' ``"W"``).
    freq_multiplier : float, default 1
        Divide all durations by this number (``freq="D", freq_multiplier=7``: weeks).
    calibration_end : date-like, optional
        Split the log into a calibration period (purchases at or before this instant) and a
        holdout period (after it, up to ``observation_end``). ``frequency``, ``recency``,
        ``T`` and ``monetary_value`` then describe the calibration period (``T`` runs to the
        period of ``calibration_end``), and the result gains ``frequency_holdout`` (distinct
        holdout purchase periods), ``monetary_value_holdout`` (mean amount of the holdout
        *rows*, not merged by period, as lifetimes computes it; 0 without holdout purchases)
        and ``duration_holdout`` (periods from ``calibration_end`` to ``observation_end``,
        divided by ``freq_multiplier``). Customers whose first purchase is in the holdout
        period are left out, as in lifetimes.
    collect : bool, default False
        For a non-pandas frame: bring the summary back as a pandas frame laid out as for
        pandas input (indexed by customer id, sorted). Ignored for pandas input.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted when the ids sort), named ``customer_col``; columns
        ``frequency`` (int64), ``recency``, ``T``, ``monetary_value`` and with
        ``calibration_end`` also ``frequency_holdout`` (int64), ``monetary_value_holdout``,
        ``duration_holdout`` (float64). ``attrs["time_unit"]`` records the unit of the
        durations, ``{"freq": freq, "multiplier": freq_multiplier}``, which the CLV
        functions read.

    Raises
    ------
    ValidationError
        A column is missing, or holds missing ids, missing/unparsable times or non-finite
        amounts.
    InvalidParameterError
        ``freq``, ``freq_multiplier`` or a date is invalid, ``calibration_end`` is not before
        ``observation_end``, or a window contains no purchase.

    Notes
    -----
    Negative amounts (refunds) are summed like any other amount; screen them with
    :func:`data_quality_report` first. Sums are compensated (Kahan) and taken in (time,
    amount) order within each customer, so the result does not depend on the order of the
    rows. Amount sums beyond the float64 range (about 1.8e308) become infinite.

    Times are read in the column's own resolution when they do not fit pandas'
    nanoseconds (dates before 1677 or after 2262 in a ``datetime64[s]`` column), so such
    dates are counted exactly instead of wrapping around.

    Examples
    --------
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> tx = load_cdnow()
    >>> s = rfm_summary(tx, freq="D", freq_multiplier=7, calibration_end="1997-09-30",
    ...                 observation_end="1998-06-30")
    >>> s.loc[1, ["frequency", "recency", "T", "frequency_holdout"]].round(2).tolist()
    [2.0, 30.43, 38.86, 1.0]
    """
    if is_engine_frame(transactions):
        return rfm_summary_engine(
            as_engine_frame(transactions, "transactions"),
            customer_col=customer_col,
            time_col=time_col,
            amount_col=amount_col,
            observation_end=observation_end,
            freq=freq,
            freq_multiplier=freq_multiplier,
            calibration_end=calibration_end,
            collect=collect,
        )
    frame = require_frame(transactions, "transactions")
    check_columns(
        frame,
        {"customer_col": customer_col, "time_col": time_col, "amount_col": amount_col},
        name="transactions",
    )
    freq = check_freq(freq)
    mult = check_interval(
        freq_multiplier, "freq_multiplier", low=0, closed="neither", hint="Use e.g. 7 for weeks."
    )
    unit_attrs = TimeUnit(freq, mult).to_attrs()
    holdout = calibration_end is not None
    has_amount = amount_col is not None
    if len(frame) == 0:
        empty = _empty(customer_col, has_amount, holdout)
        empty.attrs[ATTRS_KEY] = unit_attrs
        return empty

    ck = customer_keys(frame[customer_col], customer_col)
    clock = read_times(
        frame[time_col],
        time_col,
        {"observation_end": observation_end, "calibration_end": calibration_end},
    )
    t = clock.ticks
    value = amounts(frame[amount_col], amount_col) if amount_col is not None else np.zeros(len(t))
    obs_t = clock.dates.get("observation_end", int(t.max()))
    obs_p = int(clock.period_of(obs_t, freq))
    if holdout:
        cal_t = clock.dates["calibration_end"]
        if cal_t >= obs_t:
            raise InvalidParameterError(
                format_message(
                    "calibration_end",
                    "be before observation_end",
                    f"calibration_end={clock.stamp(cal_t)}, observation_end={clock.stamp(obs_t)}",
                    "Move calibration_end earlier or observation_end later.",
                )
            )
        cal_p = int(clock.period_of(cal_t, freq))
        cuts = (cal_t, cal_p, obs_t)
        end_p = cal_p
    else:
        cuts = (_INT64_MAX, obs_p, _INT64_MIN)
        end_p = obs_p
    first_t = int(t.min())
    if first_t > cuts[0] or int(clock.period_of(first_t, freq)) > cuts[1]:
        which = "calibration_end" if holdout else "observation_end"
        raise InvalidParameterError(
            format_message(
                which,
                "be on or after the first purchase",
                f"{which}={clock.stamp(cuts[0] if holdout else obs_t)}, first purchase "
                f"{clock.stamp(first_t)}",
                "No purchase falls in the window; choose a later date.",
            )
        )
    unit, offset = clock.period(freq)

    shift, bstart, k1, t1, a1 = bucket_split(ck.keys, ck.low, ck.span, t, value)
    ints, floats = _kernels.rfm_buckets(bstart, shift, ck.span, k1, t1, a1, unit, offset, *cuts)
    keep = np.flatnonzero(ints[:, 0] > 0)
    ints = ints[keep]
    first = ints[:, 1]
    frequency = ints[:, 0] - 1
    out: dict[str, Any] = {
        "frequency": frequency,
        "recency": (ints[:, 2] - first).astype(np.float64) / mult,
        "T": (end_p - first).astype(np.float64) / mult,
    }
    if has_amount:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, floats[keep, 0] / frequency, 0.0)
    if holdout:
        out["frequency_holdout"] = ints[:, 3]
        if has_amount:
            rows = ints[:, 4]
            with np.errstate(invalid="ignore", divide="ignore"):
                out["monetary_value_holdout"] = np.where(rows > 0, floats[keep, 1] / rows, 0.0)
        out["duration_holdout"] = np.full(keep.size, (obs_p - end_p) / mult)
    summary = pd.DataFrame(out, index=ck.ids_of(keep + ck.low, customer_col), copy=False)
    summary.attrs[ATTRS_KEY] = unit_attrs
    return summary
