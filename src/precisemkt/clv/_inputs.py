"""Input checks shared by the CLV models: RFM columns, weights, prediction arguments.

Every public CLV function takes the customers either as separate columns (arrays, lists or
Series) or as the ``rfm_summary`` frame itself; :func:`customer_inputs` turns both forms
into the same aligned inputs (Series are paired by customer id, never by position, see
:func:`precisemkt._validation.align_by_index`) and reads the time unit the frame recorded.

Arrays are converted without copying when they already are contiguous float64 (inputs are
never modified), and the RFM rules are checked in one compiled parallel pass (predictions
check them inside their own kernels instead), so validating a million customers costs
well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import pandas as pd

from precisemkt._grouping import group_rows
from precisemkt._typing import FloatArray
from precisemkt._units import TimeUnit, time_unit_of
from precisemkt._validation import (
    align_by_index,
    as_float_array,
    check_same_length,
    check_whole,
    format_message,
    require_columns,
    show_value,
)
from precisemkt.clv import _rfm_kernels
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "Customers",
    "Patterns",
    "Scalar",
    "Vector",
    "check_rfm",
    "check_unit",
    "check_weights",
    "compress",
    "customer_inputs",
    "first_bad",
    "prediction_arrays",
    "raise_rfm_violation",
    "require_repeat_buyers",
    "rfm_length",
    "wrap",
]


#: A number for one customer (the prediction is then a float).
Scalar: TypeAlias = float | int | np.integer[Any] | np.floating[Any]
#: Values without customer ids, one per row (the prediction is then an ndarray).
Vector: TypeAlias = np.ndarray[Any, Any] | Sequence[float]


class Customers(NamedTuple):
    """Per-customer inputs paired by customer id, with their ids and recorded time unit."""

    values: dict[str, Any]
    ids: pd.Index | None
    time_unit: TimeUnit | None


def customer_inputs(
    values: Mapping[str, Any],
    columns: Mapping[str, str],
    *,
    frame_arg: str = "frequency",
    column_args: Collection[str] = ("weights",),
) -> Customers:
    """The customers' inputs from separate columns or from the ``rfm_summary`` frame.

    ``values`` holds every per-row argument by name in the user's order (scalars too);
    ``columns`` maps each summary role (``frequency``, ``recency``, ``T`` …) to its column
    name. When ``values[frame_arg]`` is a DataFrame, the roles are read from its columns
    (the other role arguments must then be left out) and arguments in ``column_args``
    given as a string name a column of it. Otherwise every role must be given. The inputs
    are then aligned by customer id (:func:`precisemkt._validation.align_by_index`) when
    any of them is a pandas object; the time unit is the first one recorded in a pandas
    input's ``attrs``.
    """
    first = values[frame_arg]
    out = dict(values)
    if isinstance(first, pd.DataFrame):
        given = [k for k in columns if k != frame_arg and values.get(k) is not None]
        if given:
            raise InvalidParameterError(
                format_message(
                    ", ".join(given),
                    f"be left out when {frame_arg} is the summary frame",
                    f"{frame_arg} as a DataFrame and {', '.join(given)} as well",
                    "Pass the frame alone (name its columns with the *_col arguments) or "
                    "pass every column separately.",
                )
            )
        wanted = list(columns.values()) + [
            v for k, v in values.items() if k in column_args and isinstance(v, str)
        ]
        require_columns(first, wanted, name="summary")
        for role, col in columns.items():
            out[role] = first[col]
        for k in column_args:
            if isinstance(values.get(k), str):
                out[k] = first[values[k]]
    else:
        missing = [k for k in columns if values.get(k) is None]
        if missing:
            raise InvalidParameterError(
                format_message(
                    ", ".join(missing),
                    f"be given unless {frame_arg} is the rfm_summary frame",
                    "None",
                    f"Pass {', '.join(columns)} (or the summary frame alone).",
                )
            )
    unit = next(
        (u for u in (time_unit_of(v) for v in out.values()) if isinstance(u, TimeUnit)),
        None,
    )
    present = [v for v in out.values() if v is not None and np.ndim(v) != 0]
    if not any(isinstance(v, pd.Series | pd.DataFrame) for v in present):
        return Customers(out, None, unit)
    # arrays beside the first Series: one length (the Series are paired by id below)
    pandas = pd.Series | pd.DataFrame
    reference = next(v for v in present if isinstance(v, pandas))
    sized = {k: v for k, v in out.items() if v is not None and np.ndim(v) != 0}
    check_same_length(
        broadcast=True,
        **{k: v for k, v in sized.items() if v is reference or not isinstance(v, pandas)},
    )
    aligned = align_by_index(out)
    return Customers(aligned.values, aligned.ids, unit)


def check_unit(model: object, data: TimeUnit | None) -> TimeUnit | None:
    """The model's time unit, checked against the data's; raise when they differ."""
    fitted = model.__dict__.get("time_unit_")
    if fitted is not None and data is not None and not fitted.same_length(data):
        raise ValidationError(
            format_message(
                "the customers' time unit",
                f"match the unit {type(model).__name__} was fitted in ({fitted})",
                f"data recorded in {data}",
                "Summarise the customers with rfm_summary in the model's unit.",
            )
        )
    return fitted if fitted is not None else data


class Patterns(NamedTuple):
    """Unique data rows with the number of customers sharing each one."""

    columns: tuple[FloatArray, ...]
    weights: FloatArray


def first_bad(mask: np.ndarray, index: pd.Index | None) -> tuple[int, str]:
    """Count of True entries in ``mask`` and a label of the first one."""
    where = np.flatnonzero(mask)
    i = int(where[0])
    label = f"customer {show_value(index[i])}" if index is not None else f"position {i}"
    return where.size, label


def _rule_error(
    rule: int, x: FloatArray, tx: FloatArray, T: FloatArray, i: int, label: str, t_name: str
) -> ValidationError:
    def pick(a: FloatArray) -> float:
        return float(a[i if a.size > 1 else 0])

    xi, ri, ti = pick(x), pick(tx), pick(T)
    where = f"first: {label}, frequency={xi!r}, recency={ri!r}, {t_name}={ti!r}"
    texts = {
        0: (
            "frequency, recency and " + t_name,
            "be finite numbers (no NaN or inf)",
            "Drop or impute customers with missing values.",
        ),
        1: (
            "frequency",
            "contain whole numbers >= 0 (repeat purchases)",
            "Count repeat purchases, e.g. with precisemkt.profiling.rfm_summary.",
        ),
        2: (
            "recency",
            "be >= 0 (and whole for discrete-time data)",
            "Measure time from each customer's first purchase.",
        ),
        3: (
            t_name,
            "be >= 0 (and whole for discrete-time data)",
            "Measure time from each customer's first purchase.",
        ),
        4: ("recency", f"be <= {t_name} for every customer", "Did you swap the columns?"),
        5: (
            "recency",
            "be 0 for customers without repeat purchases (frequency = 0)",
            "Recency is the time from the first to the last purchase.",
        ),
        6: (
            "frequency",
            "be <= recency (at most one transaction per period)",
            "frequency counts the periods with a repeat transaction.",
        ),
    }
    what, rule_text, hint = texts[rule]
    return ValidationError(format_message(what, rule_text, f"a row breaking this ({where})", hint))


def rfm_length(x: FloatArray, tx: FloatArray, T: FloatArray, t_name: str = "T") -> int:
    """Number of customers ``n`` of RFM arrays of length 1 or ``n``; raise if they do not
    share a length or are empty."""
    n = check_same_length(broadcast=True, frequency=x, recency=tx, **{t_name: T})
    if min(x.size, tx.size, T.size) == 0:
        raise ValidationError(
            format_message(
                "frequency, recency and " + t_name,
                "describe at least one customer",
                "empty arrays",
                "Pass the RFM summary of at least one customer.",
            )
        )
    return n


def check_rfm(
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    *,
    index: pd.Index | None = None,
    t_name: str = "T",
    discrete: bool = False,
) -> int:
    """Check the RFM rules on 1-D float arrays of length 1 or ``n``; return ``n``.

    Rules: finite; frequency whole and >= 0; recency >= 0; T >= 0; recency <= T;
    recency = 0 when frequency = 0; with ``discrete`` (BG/BB), recency and T are whole and
    frequency <= recency. Full-length continuous-time columns get a parallel pass that only
    answers "all clean?"; the row-by-row search for the first broken rule runs otherwise.
    """
    n = rfm_length(x, tx, T, t_name)
    full = x.size == tx.size == T.size == n
    if discrete or not full or not _rfm_kernels.rfm_clean(x, tx, T):
        raise_rfm_violation(x, tx, T, n, index=index, t_name=t_name, discrete=discrete)
    return n


def raise_rfm_violation(
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    n: int,
    *,
    index: pd.Index | None = None,
    t_name: str = "T",
    discrete: bool = False,
) -> None:
    """Raise a :class:`ValidationError` for the first of ``n`` rows (arrays of length 1 or
    ``n``, see :func:`rfm_length`) breaking an RFM rule (see :func:`check_rfm`); return if
    there is none."""
    first = _rfm_kernels.rfm_violations(x, tx, T, n, discrete)
    for rule, i in enumerate(first):
        if i >= 0:
            label = (
                f"customer {show_value(index[i])}"
                if index is not None and len(index) == n
                else (f"position {int(i)}")
            )
            raise _rule_error(rule, x, tx, T, int(i), label, t_name)


def require_repeat_buyers(x: FloatArray, weights: FloatArray, label: str) -> None:
    """Raise unless some customer (with positive weight) made a repeat purchase."""
    if not np.any((x > 0) & (weights > 0)):
        raise ValidationError(
            format_message(
                "frequency",
                "be > 0 for at least one customer",
                "no repeat purchases at all",
                f"The {label} model learns purchase rates from repeat purchases; use a "
                "longer calibration period.",
            )
        )


def check_weights(weights: Any, n: int, index: pd.Index | None = None) -> FloatArray:
    """Validate ``weights`` (whole numbers >= 0 counting customers per row); ones if None."""
    if weights is None:
        return np.ones(n)
    w = as_float_array(weights, "weights", ndim=1, copy=False, allow_nan=True, allow_inf=True)
    if w.size != n:
        raise ValidationError(
            format_message("weights", f"have one entry per row ({n})", f"{w.size} entries", "")
        )
    check_whole(
        w,
        "weights",
        low=0,
        ids=index if index is not None and len(index) == n else None,
        hint="Pass the count of customers with each (frequency, recency, T) pattern.",
    )
    if w.sum() <= 0:
        raise ValidationError(
            format_message("weights", "sum to at least 1", "all zeros", "Drop the weights.")
        )
    return w


def compress(columns: Sequence[FloatArray], weights: FloatArray) -> Patterns:
    """Collapse identical rows of two or three columns into patterns with summed weights.

    Rows with zero weight are dropped. Rows are grouped by hashing their exact bits
    (linear time; ``-0.0`` is made ``0.0`` first); the patterns then come out sorted
    lexicographically, so the result (and every fit on it) does not depend on the order of
    the input rows.
    """
    keep = weights > 0
    w = weights[keep]
    keys = np.empty((w.size, len(columns)))  # the rows' keys, filled in place
    for j, c in enumerate(columns):
        np.add(np.asarray(c, dtype=np.float64)[keep], 0.0, out=keys[:, j])
    slot, first = group_rows(keys.view(np.int64), w.size + 1)
    unique = [keys[first, j] for j in range(len(columns))]
    order = np.lexsort(unique[::-1])
    counts = np.asarray(np.bincount(slot, weights=w, minlength=first.size), dtype=np.float64)
    return Patterns(tuple(u[order] for u in unique), counts[order])


def prediction_arrays(
    values: dict[str, Any], ids: pd.Index | None = None
) -> tuple[dict[str, FloatArray], int, pd.Index | None, bool]:
    """Prediction inputs as 1-D float arrays of length 1 (broadcast) or ``n``.

    Returns the arrays, ``n``, the customer ids (``ids`` from :func:`customer_inputs`,
    else the index of the first Series of length ``n``) and whether every input was a
    scalar (the caller then returns a float).
    """
    arrays = {
        k: as_float_array(v, k, ndim=1, copy=False, allow_nan=True, allow_inf=True)
        for k, v in values.items()
    }
    n = check_same_length(broadcast=True, **arrays)
    index = ids if ids is not None and len(ids) == n else None
    for v in values.values() if index is None else ():
        if isinstance(v, pd.Series) and len(v) == n:
            index = v.index
            break
    scalar = all(np.ndim(v) == 0 for v in values.values())
    return arrays, n, index, scalar


def check_horizon(t: FloatArray, name: str = "t") -> None:
    """Raise unless every prediction horizon is finite and >= 0."""
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise InvalidParameterError(
            format_message(
                name,
                "be finite and >= 0 (a length of time in the data's unit)",
                show_value(t[bad][0]),
                "Express the horizon in the same unit as T.",
            )
        )


def wrap(
    values: FloatArray, index: pd.Index | None, scalar: bool, name: str
) -> float | FloatArray | pd.Series:
    """Return a float, a Series with the customers' index, or an array."""
    if scalar:
        return float(values[0])
    if index is not None:
        return pd.Series(values, index=index, name=name)
    return values
