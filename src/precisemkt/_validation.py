"""Shared input checks with one message template.

Every message reads ``"<what> must <rule>; got <value>. <hint>"`` so that a user sees the
argument or column, the rule it broke, what was received and a way out. Public functions
validate here and then call unvalidated kernels.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Iterable, Mapping, Sequence, Sized
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "Aligned",
    "align_by_index",
    "as_float_array",
    "as_int_array",
    "check_bool",
    "check_columns",
    "check_finite",
    "check_int",
    "check_interval",
    "check_non_negative",
    "check_options",
    "check_random_state",
    "check_same_length",
    "check_type",
    "check_whole",
    "format_message",
    "is_default_index",
    "is_hashable",
    "require_columns",
    "require_frame",
    "show_value",
]


def show_value(value: Any) -> str:
    """A value as a person writes it, for an error message (short; numpy scalars unwrapped).

    Examples
    --------
    >>> show_value(np.int64(10244)), show_value(np.float64(0.0)), show_value("C17")
    ('10244', '0.0', "'C17'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_hashable(value: Any) -> bool:
    """True when ``value`` can be a dict key (lists and dicts cannot).

    Examples
    --------
    >>> is_hashable("C17"), is_hashable([1])
    (True, False)
    """
    try:
        hash(value)
    except TypeError:
        return False
    return True


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


def check_columns(frame: pd.DataFrame, columns: Mapping[str, Any], *, name: str = "data") -> None:
    """Check column-name arguments: hashable names, present in ``frame``, not duplicated.

    ``columns`` maps each argument (``"customer_col"``) to the column name it holds;
    ``None`` entries (an optional column not used) are skipped.

    Examples
    --------
    >>> check_columns(pd.DataFrame({"a": [1]}), {"amount_col": "a", "order_col": None})
    """
    for arg, col in columns.items():
        if col is None:
            continue
        try:
            hash(col)
        except TypeError:
            raise InvalidParameterError(
                format_message(
                    arg,
                    "be one column name (a string)",
                    f"{show_value(col)} ({type(col).__name__})",
                    f"Pass the name itself, e.g. {arg}={show_value(next(iter(col), col))}."
                    if isinstance(col, list | tuple) and col
                    else "Pass the name of one column.",
                )
            ) from None
    used = [c for c in columns.values() if c is not None]
    require_columns(frame, used, name=name)
    repeated = [c for c in dict.fromkeys(used) if int((frame.columns == c).sum()) > 1]
    if repeated:
        raise ValidationError(
            format_message(
                f"{name} column {show_value(repeated[0])}",
                "appear once (column names must be unique)",
                f"{int((frame.columns == repeated[0]).sum())} columns with that name",
                "Rename or drop the copies, e.g. "
                f"{name} = {name}.loc[:, ~{name}.columns.duplicated()].",
            )
        )


def _position(arr: FloatArray, flat: int) -> str:
    """Where the ``flat``-th entry (C order) of ``arr`` is: ``position 3`` or ``index (1, 0)``."""
    if arr.ndim <= 1:
        return f"position {flat}"
    return f"index {tuple(int(i) for i in np.unravel_index(flat, arr.shape))}"


def as_float_array(
    values: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = 1,
    allow_nan: bool = False,
    allow_inf: bool = False,
    copy: bool = True,
) -> FloatArray:
    """Convert ``values`` to a C-contiguous float64 array, checking its shape and finiteness.

    Parameters
    ----------
    values : array-like
        Numbers (a scalar becomes a length-1 array when ``ndim`` allows 1 but not 0).
    name : str
        Argument or column name used in error messages.
    ndim : int, tuple of int or None, default 1
        Allowed number(s) of dimensions; None allows any.
    allow_nan, allow_inf : bool, default False
        Accept NaN / infinite entries.
    copy : bool, default True
        Always return a new array. With False, an input that already is a C-contiguous
        float64 array is returned as is (the caller promises not to write to it).

    Examples
    --------
    >>> as_float_array([1, 2], "x")
    array([1., 2.])
    >>> as_float_array([[1, 2]], "x", ndim=(1, 2)).shape
    (1, 2)
    """
    try:
        if copy:
            arr = np.array(values, dtype=np.float64, copy=True)
        else:
            arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                name,
                "contain numbers",
                show_value(values),
                "Convert text with pandas.to_numeric and drop unparsable entries first.",
            )
        ) from exc
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and arr.ndim not in allowed:
        if arr.ndim == 0 and 1 in allowed:
            arr = arr.reshape(1)
        else:
            dims = " or ".join(str(d) for d in allowed)
            raise ValidationError(
                format_message(
                    name,
                    f"be {dims}-dimensional",
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
                f"{int(np.isnan(arr).sum())} NaN value(s) (first at {_position(arr, first)})",
                "Drop or impute missing values first.",
            )
        )
    if not allow_inf and np.isinf(arr).any():
        first = int(np.flatnonzero(np.isinf(arr.ravel()))[0])
        raise ValidationError(
            format_message(
                name,
                "be finite",
                f"{int(np.isinf(arr).sum())} infinite value(s) (first at {_position(arr, first)})",
                "Remove infinite values first.",
            )
        )
    return arr


def check_whole(
    arr: FloatArray,
    name: str,
    *,
    low: float | None = None,
    hint: str = "",
    ids: Sequence[Any] | pd.Index | None = None,
    error: type[ValueError] = ValidationError,
) -> None:
    """Raise unless every entry of ``arr`` is a whole number (and ``>= low`` when given).

    NaN and infinity are not whole numbers. The message names the first offender by
    position, or by id when ``ids`` (one per entry, e.g. the customers' index) is given,
    and the count of offenders. ``error`` is the exception class raised:
    :class:`ValidationError` for data, :class:`InvalidParameterError` for an argument.

    Examples
    --------
    >>> check_whole(np.array([0.0, 3.0]), "frequency", low=0)
    >>> check_whole(np.array([1.5]), "n")
    Traceback (most recent call last):
    ...
    precisemkt.errors.ValidationError: n must contain whole numbers; got 1 fractional ...
    >>> check_whole(np.array([2.0, -1.0]), "weights", low=0, ids=["C1", "C2"])
    Traceback (most recent call last):
    ...
    precisemkt.errors.ValidationError: weights must ... (first: customer 'C2', value -1.0). ...
    >>> check_whole(np.array([np.inf]), "n", error=InvalidParameterError)
    Traceback (most recent call last):
    ...
    precisemkt.errors.InvalidParameterError: n must contain whole numbers; got 1 invalid ...
    """
    finite = np.isfinite(arr)
    bad = ~finite | (arr != np.floor(arr))
    rule = "contain whole numbers"
    if low is not None:
        bad |= arr < low
        rule = f"contain whole numbers >= {show_value(low)}"
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        value = show_value(arr.ravel()[first])
        kind = "fractional" if low is None and finite.all() else "invalid"
        where = (
            f"customer {show_value(ids[first])}, value {value}"
            if ids is not None
            else f"{value} at {_position(arr, first)}"
        )
        raise error(
            format_message(
                name,
                rule,
                f"{int(bad.sum())} {kind} value(s) (first: {where})",
                hint or "Round or count the values before passing them.",
            )
        )


def as_int_array(values: Any, name: str, *, ndim: int | None = 1) -> IntArray:
    """Convert ``values`` to a new int64 array; floats must be whole numbers.

    Examples
    --------
    >>> as_int_array([1.0, 2.0], "n")
    array([1, 2])
    """
    arr = as_float_array(values, name, ndim=ndim)
    check_whole(arr, name)
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
        where = f"customer {show_value(ids[i])}" if ids is not None else f"position {i}"
        raise ValidationError(
            format_message(
                name,
                "be non-negative",
                f"{neg.size} negative value(s) (first: {where}, "
                f"value {show_value(np.asarray(arr)[i])})",
                "Remove refunds/returns or take absolute values if the sign is an artefact.",
            )
        )


def check_same_length(*, broadcast: bool = False, **arrays: Sized) -> int:
    """Check that all keyword arrays have the same length and return it.

    With ``broadcast=True`` a length-1 array stands for every row (it is broadcast), so only
    the lengths above one must agree. Indexed pandas inputs are paired by id with
    :func:`align_by_index` before this check.

    Examples
    --------
    >>> check_same_length(a=[1, 2], b=[3, 4])
    2
    >>> check_same_length(broadcast=True, x=[1, 2, 3], t=[10])
    3
    >>> check_same_length(broadcast=True, x=[1, 2, 3], t=[10, 20])
    Traceback (most recent call last):
    ...
    precisemkt.errors.ValidationError: x, t must be scalars or arrays of one common length; ...
    """
    lengths = {k: len(v) for k, v in arrays.items()}
    sizes = {n for n in lengths.values() if not (broadcast and n == 1)}
    if len(sizes) > 1:
        shown = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise ValidationError(
            format_message(
                ", ".join(lengths),
                "be scalars or arrays of one common length"
                if broadcast
                else "have the same length",
                f"lengths {shown}",
                "Pass one entry per row (or a scalar shared by all)."
                if broadcast
                else "Pass columns of one table, aligned row by row.",
            )
        )
    return next(iter(sizes), 1 if lengths else 0)


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
                name, f"be of type {names}", f"{show_value(value)} ({type(value).__name__})", hint
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
        raise InvalidParameterError(format_message(name, "be True or False", show_value(value), ""))
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
            format_message(
                name, "be an integer", f"{show_value(value)} ({type(value).__name__})", hint
            )
        )
    ivalue = int(value)
    if (low is not None and ivalue < low) or (high is not None and ivalue > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise InvalidParameterError(
            format_message(name, f"be an integer in [{lo}, {hi}]", show_value(value), hint)
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
                name, "be a real number", f"{show_value(value)} ({type(value).__name__})", hint
            )
        )
    x = float(value)
    left_ok = x >= low if closed in ("both", "left") else x > low
    right_ok = x <= high if closed in ("both", "right") else x < high
    if math.isnan(x) or not (left_ok and right_ok):
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        raise InvalidParameterError(
            format_message(name, f"be in {lb}{low:g}, {high:g}{rb}", show_value(value), hint)
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
            format_message(name, f"be one of {shown}", show_value(value), "Check the spelling.")
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
                format_message(
                    "random_state", "be a non-negative integer", show_value(random_state), ""
                )
            )
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise InvalidParameterError(
        format_message(
            "random_state",
            "be None, a non-negative int or a numpy.random.Generator",
            f"{show_value(random_state)} ({type(random_state).__name__})",
            "Pass an integer seed for reproducible results.",
        )
    )


class Aligned(NamedTuple):
    """Inputs paired row by row, and the ids of those rows.

    ``values`` maps each input's name to the input itself: pandas objects reordered to
    ``ids``; numpy arrays, lists and scalars as given. ``ids`` is the index of the first
    pandas input (the caller's ids and order, used for the output), or ``None`` when no
    input was a pandas object.
    """

    values: dict[str, Any]
    ids: pd.Index | None


def is_default_index(index: pd.Index) -> bool:
    """True for pandas' default row labels ``0 .. n-1`` (a ``RangeIndex`` from 0, step 1).

    Examples
    --------
    >>> is_default_index(pd.RangeIndex(3)), is_default_index(pd.Index([0, 1, 2]))
    (True, False)
    """
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )


def _ids(index: pd.Index, limit: int = 3) -> str:
    shown = ", ".join(show_value(v) for v in index[:limit])
    return shown + (", …" if len(index) > limit else "")


def align_by_index(values: Mapping[str, Any], *, what: str = "customer") -> Aligned:
    """Pair per-row inputs by their ids, never silently by position (the data contract).

    Rules, applied to the inputs that are not scalars (``numpy.ndim(v) == 0`` values and
    ``None`` are passed through untouched):

    * pandas Series and DataFrames are aligned on their index: the same ids in another
      order are reordered to the first pandas input's order; different id sets raise
      :class:`ValidationError` saying how many ids are missing on each side, with examples.
      Duplicate ids raise unless every pandas input has the very same index.
    * numpy arrays and lists are positional; their lengths must match the others.
    * an array next to a pandas input is positional only when that pandas input has the
      default index ``0 .. n-1``; otherwise it raises (its rows cannot be matched to ids).

    Nothing is copied unless a reorder is needed; inputs are never modified.

    Parameters
    ----------
    values : mapping of str to object
        The inputs by argument name, in the order the user passed them.
    what : str, default "customer"
        What one row is, for messages.

    Returns
    -------
    Aligned

    Examples
    --------
    >>> f = pd.Series([1.0, 2.0], index=["a", "b"])
    >>> m = pd.Series([20.0, 10.0], index=["b", "a"])
    >>> out = align_by_index({"frequency": f, "monetary_value": m})
    >>> out.values["monetary_value"].tolist(), list(out.ids)
    ([10.0, 20.0], ['a', 'b'])
    """
    present = {k: v for k, v in values.items() if v is not None and np.ndim(v) != 0}
    frames = {k: v for k, v in present.items() if isinstance(v, pd.Series | pd.DataFrame)}
    others = {k: v for k, v in present.items() if k not in frames}
    out = dict(values)
    if not frames:
        if len({len(v) for v in others.values()}) > 1:
            check_same_length(**others)
        return Aligned(out, None)
    first_name, first = next(iter(frames.items()))
    ref: pd.Index = first.index
    if others:
        lengths = {k: len(v) for k, v in present.items()}
        if len(set(lengths.values())) > 1:
            check_same_length(**present)
        labelled = [k for k, v in frames.items() if not is_default_index(v.index)]
        if labelled:
            raise ValidationError(
                format_message(
                    ", ".join(others),
                    f"be indexed by {what} id when {labelled[0]} is (arrays and lists carry "
                    "no ids, so their rows cannot be matched)",
                    f"a {type(next(iter(others.values()))).__name__} beside a pandas object "
                    f"indexed by {_ids(frames[labelled[0]].index)}",
                    "Pass pandas Series indexed by the same ids, or .to_numpy() every input "
                    "if they are already in the same row order.",
                )
            )
    for name, obj in frames.items():
        if obj.index.equals(ref) or name == first_name:
            continue
        if ref.has_duplicates or obj.index.has_duplicates:
            dup_name, dup = (first_name, ref) if ref.has_duplicates else (name, obj.index)
            other = name if dup is ref else first_name
            raise ValidationError(
                format_message(
                    f"the index of {dup_name}",
                    f"hold unique {what} ids to be aligned with {other}",
                    f"{int(dup.duplicated().sum())} repeated id(s) (first: "
                    f"{show_value(dup[dup.duplicated()][0])})",
                    "Aggregate to one row per id first, or pass arrays in the same row order.",
                )
            )
        missing = ref.difference(obj.index)
        extra = obj.index.difference(ref)
        if len(missing) or len(extra):
            raise ValidationError(
                format_message(
                    f"{first_name} and {name}",
                    f"be indexed by the same {what} ids",
                    f"{len(missing)} id(s) of {first_name} missing from {name}"
                    + (f" ({_ids(missing)})" if len(missing) else "")
                    + f" and {len(extra)} id(s) of {name} missing from {first_name}"
                    + (f" ({_ids(extra)})" if len(extra) else ""),
                    "Select the same customers in both, e.g. b = b.loc[a.index].",
                )
            )
        out[name] = obj.reindex(ref)
    return Aligned(out, ref)
