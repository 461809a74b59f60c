"""Shared input checks with one message template.

Every message reads ``"<what> must <rule>; got <value>. <hint>"`` so that a user sees the
argument or column, the rule it broke, what was received and a way out. Public functions
validate here and then call unvalidated kernels.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Iterable, Sequence, Sized
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "as_float_array",
    "as_int_array",
    "check_bool",
    "check_finite",
    "check_int",
    "check_interval",
    "check_non_negative",
    "check_options",
    "check_random_state",
    "check_same_length",
    "check_type",
    "format_message",
    "require_columns",
    "require_frame",
]


def _show(value: Any) -> str:
    """Short, readable repr of a received value for an error message."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_message(what: str, rule: str, got: str, hint: str) -> str:
    """Build the house error message ``"<what> must <rule>; got <got>. <hint>"``.

    Examples
    --------
    >>> format_message("alpha", "be in (0, 1)", "1.5", "Use e.g. 0.05.")
    'alpha must be in (0, 1); got 1.5. Use e.g. 0.05.'
    """
    hint = hint.strip()
    return f"{what} must {rule}; got {got}." + (f" {hint}" if hint else "")


def require_frame(obj: object, name: str) -> pd.DataFrame:
    """Check that ``obj`` is a pandas DataFrame and return it.

    Examples
    --------
    >>> require_frame(pd.DataFrame({"a": [1]}), "transactions").shape
    (1, 1)
    """
    if not isinstance(obj, pd.DataFrame):
        raise InvalidParameterError(
            format_message(
                name,
                "be a pandas DataFrame",
                type(obj).__name__,
                "Build one with pandas.DataFrame(...) or read it with pandas.read_csv.",
            )
        )
    return obj


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, name: str = "data") -> None:
    """Check that every column in ``columns`` is present in ``frame``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a"])
    """
    present = set(map(str, frame.columns))
    missing = [c for c in columns if c not in frame.columns and str(c) not in present]
    if missing:
        shown = ", ".join(repr(c) for c in missing)
        available = ", ".join(repr(c) for c in list(frame.columns)[:12])
        raise ValidationError(
            format_message(
                f"{name} column(s) {shown}",
                "be present",
                f"columns [{available}]",
                "Pass the right name with the matching *_col argument or rename the column.",
            )
        )


def as_float_array(
    values: Any,
    name: str,
    *,
    ndim: int | None = 1,
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> FloatArray:
    """Convert ``values`` to a new float64 array, checking its shape and finiteness.

    Examples
    --------
    >>> as_float_array([1, 2], "x")
    array([1., 2.])
    """
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                name,
                "contain numbers",
                _show(values),
                "Convert text with pandas.to_numeric and drop unparsable entries first.",
            )
        ) from exc
    if ndim is not None and arr.ndim != ndim:
        if ndim == 1 and arr.ndim == 0:
            arr = arr.reshape(1)
        else:
            raise ValidationError(
                format_message(
                    name,
                    f"be {ndim}-dimensional",
                    f"an array of shape {arr.shape}",
                    "Reshape or select the column you mean.",
                )
            )
    if not allow_nan and np.isnan(arr).any():
        first = int(np.flatnonzero(np.isnan(arr.ravel()))[0])
        raise ValidationError(
            format_message(
                name,
                "not contain NaN",
                f"{int(np.isnan(arr).sum())} NaN value(s) (first at position {first})",
                "Drop or impute missing values first.",
            )
        )
    if not allow_inf and np.isinf(arr).any():
        raise ValidationError(
            format_message(
                name,
                "be finite",
                f"{int(np.isinf(arr).sum())} infinite value(s)",
                "Remove infinite values first.",
            )
        )
    return arr


def as_int_array(values: Any, name: str, *, ndim: int | None = 1) -> IntArray:
    """Convert ``values`` to a new int64 array; floats must be whole numbers.

    Examples
    --------
    >>> as_int_array([1.0, 2.0], "n")
    array([1, 2])
    """
    arr = as_float_array(values, name, ndim=ndim)
    if not np.all(arr == np.round(arr)):
        bad = arr[arr != np.round(arr)]
        raise ValidationError(
            format_message(
                name,
                "contain whole numbers",
                f"{bad.size} fractional value(s) (first: {_show(bad.ravel()[0])})",
                "Round or count the values before passing them.",
            )
        )
    return arr.astype(np.int64)


def check_finite(arr: FloatArray, name: str) -> None:
    """Raise if ``arr`` has NaN or infinite entries.

    Examples
    --------
    >>> check_finite(np.array([1.0]), "x")
    """
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValidationError(
            format_message(
                name,
                "be finite (no NaN or inf)",
                f"{int(bad.sum())} non-finite value(s)",
                "Drop or impute them first.",
            )
        )


def check_non_negative(
    arr: FloatArray | IntArray, name: str, *, ids: Sequence[Any] | None = None
) -> None:
    """Raise if ``arr`` has a negative entry, naming the first offender.

    Examples
    --------
    >>> check_non_negative(np.array([0.0, 2.0]), "amount")
    """
    neg = np.flatnonzero(np.asarray(arr) < 0)
    if neg.size:
        i = int(neg[0])
        where = f"customer {ids[i]!r}" if ids is not None else f"position {i}"
        raise ValidationError(
            format_message(
                name,
                "be non-negative",
                f"{neg.size} negative value(s) (first: {where}, value {_show(np.asarray(arr)[i])})",
                "Remove refunds/returns or take absolute values if the sign is an artefact.",
            )
        )


def check_same_length(**arrays: Sized) -> int:
    """Check that all keyword arrays have the same length and return it.

    Examples
    --------
    >>> check_same_length(a=[1, 2], b=[3, 4])
    2
    """
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise ValidationError(
            format_message(
                ", ".join(lengths),
                "have the same length",
                f"lengths {shown}",
                "Pass columns of one table, aligned row by row.",
            )
        )
    return next(iter(lengths.values()), 0)


def check_type(value: Any, name: str, types: type | tuple[type, ...], hint: str = "") -> None:
    """Raise :class:`InvalidParameterError` unless ``value`` is an instance of ``types``.

    Examples
    --------
    >>> check_type("x", "sep", str)
    """
    if not isinstance(value, types):
        names = (
            " or ".join(t.__name__ for t in types) if isinstance(types, tuple) else types.__name__
        )
        raise InvalidParameterError(
            format_message(
                name, f"be of type {names}", f"{_show(value)} ({type(value).__name__})", hint
            )
        )


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool, otherwise raise.

    Examples
    --------
    >>> check_bool(True, "progress")
    True
    """
    if not isinstance(value, bool | np.bool_):
        raise InvalidParameterError(format_message(name, "be True or False", _show(value), ""))
    return bool(value)


def check_int(
    value: Any,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    hint: str = "",
) -> int:
    """Return ``value`` as an int after checking ``low <= value <= high``.

    Examples
    --------
    >>> check_int(5, "bins", low=2)
    5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            format_message(name, "be an integer", f"{_show(value)} ({type(value).__name__})", hint)
        )
    ivalue = int(value)
    if (low is not None and ivalue < low) or (high is not None and ivalue > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise InvalidParameterError(
            format_message(name, f"be an integer in [{lo}, {hi}]", _show(value), hint)
        )
    return ivalue


def check_interval(
    value: Any,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    closed: str = "both",
    hint: str = "",
) -> float:
    """Return ``value`` as a float after checking it lies in an interval.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``.

    Examples
    --------
    >>> check_interval(0.05, "alpha", low=0, high=1, closed="neither")
    0.05
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            format_message(
                name, "be a real number", f"{_show(value)} ({type(value).__name__})", hint
            )
        )
    x = float(value)
    left_ok = x >= low if closed in ("both", "left") else x > low
    right_ok = x <= high if closed in ("both", "right") else x < high
    if math.isnan(x) or not (left_ok and right_ok):
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        raise InvalidParameterError(
            format_message(name, f"be in {lb}{low:g}, {high:g}{rb}", _show(value), hint)
        )
    return x


def check_options(value: Any, name: str, options: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``options``, otherwise raise.

    Examples
    --------
    >>> check_options("z", "method", ("z", "chisq"))
    'z'
    """
    try:
        ok = value in options
    except TypeError:
        ok = False
    if not ok:
        shown = ", ".join(repr(o) for o in options)
        raise InvalidParameterError(
            format_message(name, f"be one of {shown}", _show(value), "Check the spelling.")
        )
    return value


def check_random_state(random_state: SeedLike) -> np.random.Generator:
    """Turn ``None``, an int seed or a Generator into a Generator.

    Examples
    --------
    >>> bool(check_random_state(0).integers(10) == check_random_state(0).integers(10))
    True
    """
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        if random_state is not None and int(random_state) < 0:
            raise InvalidParameterError(
                format_message("random_state", "be a non-negative integer", _show(random_state), "")
            )
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise InvalidParameterError(
        format_message(
            "random_state",
            "be None, a non-negative int or a numpy.random.Generator",
            f"{_show(random_state)} ({type(random_state).__name__})",
            "Pass an integer seed for reproducible results.",
        )
    )
