"""Shared input handling: quasi-identifier lists, sensitive columns, requested guarantees."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from precisemkt._typing import IntArray
from precisemkt._validation import (
    check_int,
    check_interval,
    check_options,
    format_message,
    require_columns,
    require_frame,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "L_KINDS",
    "Requirement",
    "class_ids",
    "encode_sensitive",
    "make_requirement",
    "quasi_identifier_list",
    "sensitive_column",
]

L_KINDS = ("distinct", "entropy", "recursive")
_KEY_LIMIT = 1 << 61


def quasi_identifier_list(
    frame: object, quasi_identifiers: Hashable | Sequence[Hashable], *, name: str = "df"
) -> tuple[pd.DataFrame, list[Hashable]]:
    """Validate the table and its quasi-identifier columns (a single name is allowed)."""
    df = require_frame(frame, name)
    if isinstance(quasi_identifiers, str) or not isinstance(quasi_identifiers, Sequence):
        qis: list[Hashable] = [quasi_identifiers]
    else:
        qis = list(quasi_identifiers)
    if not qis:
        raise InvalidParameterError(
            format_message(
                "quasi_identifiers",
                "name at least one column",
                "an empty list",
                "List the columns an attacker could link, e.g. ['age', 'zip'].",
            )
        )
    if len(set(qis)) != len(qis):
        dup = next(q for q in qis if qis.count(q) > 1)
        raise InvalidParameterError(
            format_message("quasi_identifiers", "not repeat a column", f"{dup!r} twice", "")
        )
    require_columns(df, cast("list[str]", qis), name=name)
    if len(df) == 0:
        raise ValidationError(
            format_message(
                name,
                "have at least one row",
                "an empty table",
                "There is nothing to check or release.",
            )
        )
    return df, qis


def sensitive_column(
    df: pd.DataFrame, sensitive: Hashable | None, qis: list[Hashable], *, name: str = "df"
) -> Hashable | None:
    """Validate the sensitive column name (present, not a quasi-identifier)."""
    if sensitive is None:
        return None
    require_columns(df, cast("list[str]", [sensitive]), name=name)
    if sensitive in qis:
        raise InvalidParameterError(
            format_message(
                "sensitive",
                "not be one of the quasi_identifiers",
                repr(sensitive),
                "A column is either linkable or protected.",
            )
        )
    return sensitive


def encode_sensitive(series: pd.Series, column: Hashable) -> tuple[IntArray, int, bool]:
    """Integer codes of a sensitive column, their number, and whether they are ordered.

    Numbers (not booleans) and ordered categoricals use the ordered ground distance, with
    codes following the value order; anything else is nominal (equal distance).
    """
    if series.isna().any():
        raise ValidationError(
            format_message(
                f"sensitive column {column!r}",
                "have no missing values",
                f"{int(series.isna().sum())} missing value(s)",
                "Drop those rows or label them (e.g. 'unknown') before the check.",
            )
        )
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        raw = series.cat.codes.to_numpy(dtype=np.int64)
        used, codes = np.unique(raw, return_inverse=True)
        return codes.astype(np.int64), len(used), bool(dtype.ordered)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        used, codes = np.unique(series.to_numpy(), return_inverse=True)
        return codes.astype(np.int64), len(used), True
    fcodes, uniques = pd.factorize(series)
    return fcodes.astype(np.int64), len(uniques), False


def _dense(keys: IntArray) -> tuple[IntArray, int]:
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64), len(uniq)


def column_codes(series: pd.Series) -> tuple[IntArray, int]:
    """Codes of one quasi-identifier column; a missing value is a value of its own."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat_codes = np.asarray(series.cat.codes, dtype=np.int64) + 1
        return cat_codes, len(series.cat.categories) + 1
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def class_ids(df: pd.DataFrame, qis: list[Hashable]) -> tuple[IntArray, int]:
    """Equivalence-class id of every row (classes sorted by their code tuple)."""
    key, key_range = column_codes(df[qis[0]])
    for col in qis[1:]:
        codes, card = column_codes(df[col])
        if key_range > _KEY_LIMIT // card:
            key, key_range = _dense(key)
        key = key * card + codes
        key_range *= card
    return _dense(key)


@dataclass(frozen=True, slots=True)
class Requirement:
    """A validated privacy requirement (k, l of some kind, c, t)."""

    k: int
    l: float | None  # noqa: E741
    l_kind: str
    c: float | None
    t: float | None

    @property
    def l_code(self) -> int:
        return 0 if self.l is None else 1 + L_KINDS.index(self.l_kind)

    def kernel_args(self) -> tuple[int, int, float, float, float]:
        """``(k, l_kind, l, c, t)`` as the kernels take them."""
        return (
            self.k,
            self.l_code,
            0.0 if self.l is None else float(self.l),
            0.0 if self.c is None else float(self.c),
            -1.0 if self.t is None else float(self.t),
        )

    @property
    def needs_sensitive(self) -> bool:
        return self.l is not None or self.t is not None

    def describe(self) -> str:
        parts = [f"k={self.k}"]
        if self.l is not None:
            kind = {"distinct": "", "entropy": "entropy ", "recursive": "recursive "}[self.l_kind]
            parts.append(f"{kind}l={self.l:g}" + (f", c={self.c:g}" if self.c is not None else ""))
        if self.t is not None:
            parts.append(f"t={self.t:g}")
        return ", ".join(parts)


def make_requirement(
    k: object,
    l: object = None,  # noqa: E741
    t: object = None,
    *,
    l_kind: object = "distinct",
    c: object = None,
    sensitive: Hashable | None = None,
) -> Requirement:
    """Validate the requested k, l (distinct, entropy or recursive with c) and t."""
    k_val = check_int(k, "k", low=1, hint="k is the smallest class size you accept, e.g. 5.")
    kind = str(check_options(l_kind, "l_kind", L_KINDS))
    l_val: float | None = None
    if l is not None:
        if kind == "entropy":
            l_val = check_interval(l, "l", low=1.0, hint="Entropy l can be any real >= 1.")
        else:
            l_val = check_interval(l, "l", low=1.0)
            if not l_val.is_integer():
                raise InvalidParameterError(
                    format_message(
                        "l",
                        f"be a whole number for l_kind={kind!r}",
                        repr(l),
                        "Distinct and recursive l count sensitive values; "
                        "use l_kind='entropy' for a real l.",
                    )
                )
    c_val: float | None = None
    if kind == "recursive" and l is not None:
        if c is None:
            raise InvalidParameterError(
                format_message(
                    "c", "be given for recursive (c, l)-diversity", "None", "Pass e.g. c=2."
                )
            )
        c_val = check_interval(c, "c", low=0.0, closed="neither")
    elif c is not None:
        raise InvalidParameterError(
            format_message(
                "c",
                "only be given with l_kind='recursive' and l",
                repr(c),
                "Drop c or set l_kind='recursive'.",
            )
        )
    t_val = (
        None
        if t is None
        else check_interval(
            t, "t", low=0.0, high=1.0, hint="t is an earth mover's distance in [0, 1]."
        )
    )
    if (l_val is not None or t_val is not None) and sensitive is None:
        raise InvalidParameterError(
            format_message(
                "sensitive",
                "name the sensitive column when l or t is given",
                "None",
                "Pass sensitive='your_column'.",
            )
        )
    return Requirement(k_val, l_val, kind, c_val, t_val)
