"""Shared input handling: quasi-identifier lists, sensitive columns, requested guarantees."""

from __future__ import annotations

import warnings
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
    show_value,
)
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError
from precisemkt.privacy._class_kernels import KernelRequirement

__all__ = [
    "L_KINDS",
    "NEAR_UNIQUE_SHARE",
    "Requirement",
    "check_quasi_identifier_values",
    "class_ids",
    "column_roles",
    "describe_near_unique",
    "encode_sensitive",
    "factorize_column",
    "make_requirement",
    "near_unique_columns",
    "quasi_identifier_list",
    "sensitive_column",
    "warn_near_unique",
]

L_KINDS = ("distinct", "entropy", "recursive")
_KEY_LIMIT = 1 << 61
NEAR_UNIQUE_SHARE = 0.9
"""A column is *nearly unique* when at least this share of the rows hold a value of it that
no other row holds: the column alone singles those people out."""


def _column_names(value: object, name: str) -> list[Hashable]:
    """A column name or a list of them (None = none)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        value = [value]
    out = list(value)
    for col in out:
        if not isinstance(col, Hashable):
            raise InvalidParameterError(
                format_message(
                    name,
                    "name columns (text or numbers)",
                    f"{type(col).__name__} {show_value(col)}",
                    "Pass a column name or a list of column names.",
                )
            )
    return out


def quasi_identifier_list(
    frame: object, quasi_identifiers: Hashable | Sequence[Hashable], *, name: str = "df"
) -> tuple[pd.DataFrame, list[Hashable]]:
    """Validate the table and its quasi-identifier columns (a single name is allowed)."""
    df = require_frame(frame, name)
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise ValidationError(
            format_message(
                f"{name} columns",
                "have unique names",
                f"{show_value(dup)} more than once",
                "Rename or drop the duplicate columns first.",
            )
        )
    qis = _column_names(quasi_identifiers, "quasi_identifiers")
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
        repeated = next(q for q in qis if qis.count(q) > 1)
        raise InvalidParameterError(
            format_message("quasi_identifiers", "not repeat a column", f"{repeated!r} twice", "")
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
    if not isinstance(sensitive, Hashable):
        raise InvalidParameterError(
            format_message(
                "sensitive",
                "name one column",
                f"{type(sensitive).__name__} {show_value(sensitive)}",
                "Pass the column name, e.g. sensitive='diagnosis'.",
            )
        )
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
    fcodes, uniques = factorize_column(series, column, use_na_sentinel=True)
    return fcodes.astype(np.int64), len(uniques), False


def factorize_column(
    series: pd.Series, column: Hashable, *, use_na_sentinel: bool
) -> tuple[IntArray, pd.Index]:
    """``pandas.factorize`` with a typed error for unhashable values (lists, dicts)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=use_na_sentinel)
    except TypeError:
        bad = next(v for v in series if not isinstance(v, Hashable))
        raise ValidationError(
            format_message(
                f"column {show_value(column)}",
                "hold single values (numbers, text, dates)",
                f"a {type(bad).__name__} {show_value(bad)}",
                "Turn lists and dicts into text or separate columns first.",
            )
        ) from None
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _dense(keys: IntArray) -> tuple[IntArray, int]:
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64), len(uniq)


def column_codes(series: pd.Series) -> tuple[IntArray, int]:
    """Codes of one quasi-identifier column; a missing value is a value of its own."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat_codes = np.asarray(series.cat.codes, dtype=np.int64) + 1
        return cat_codes, len(series.cat.categories) + 1
    codes, uniques = factorize_column(series, series.name, use_na_sentinel=False)
    return codes, max(len(uniques), 1)


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


def column_roles(
    df: pd.DataFrame,
    qis: list[Hashable],
    sensitive: Hashable | None,
    identifiers: object,
    insensitive: object,
) -> tuple[list[Hashable], list[Hashable], list[Hashable]]:
    """Validate the declared identifiers and insensitive columns.

    Returns ``(identifiers, insensitive, undeclared)``: every column has at most one role.
    """
    ids = _column_names(identifiers, "identifiers")
    keep = _column_names(insensitive, "insensitive")
    require_columns(df, cast("list[str]", ids + keep), name="df")
    roles: dict[Hashable, str] = {}
    for role, cols in (
        ("quasi_identifiers", qis),
        ("sensitive", [] if sensitive is None else [sensitive]),
        ("identifiers", ids),
        ("insensitive", keep),
    ):
        for col in cols:
            if col in roles:
                raise InvalidParameterError(
                    format_message(
                        f"column {show_value(col)}",
                        "have one role",
                        f"it in both {roles[col]} and {role}",
                        "Declare each column once.",
                    )
                )
            roles[col] = role
    undeclared: list[Hashable] = [col for col in df.columns if col not in roles]
    return ids, keep, undeclared


def near_unique_columns(df: pd.DataFrame, columns: list[Hashable]) -> list[tuple[Hashable, float]]:
    """The columns of ``columns`` that are nearly unique, with the share of rows they single out.

    A row is singled out by a column when no other row holds the same value (missing values
    count as one value). See :data:`NEAR_UNIQUE_SHARE`.
    """
    n = len(df)
    out: list[tuple[Hashable, float]] = []
    if n == 0:
        return out
    for col in columns:
        series = df[col]
        try:
            codes = pd.factorize(series, use_na_sentinel=False)[0]
        except TypeError:
            codes = pd.factorize(series.map(repr), use_na_sentinel=False)[0]
        counts = np.bincount(np.asarray(codes, dtype=np.int64))
        share = float((counts[codes] == 1).sum() / n)
        if share >= NEAR_UNIQUE_SHARE:
            out.append((col, share))
    return out


def describe_near_unique(found: list[tuple[Hashable, float]]) -> str:
    return ", ".join(f"{show_value(col)} ({share:.0%} of rows)" for col, share in found)


def warn_near_unique(df: pd.DataFrame, undeclared: list[Hashable]) -> None:
    """Warn (DataQualityWarning) about undeclared columns that single out people."""
    found = near_unique_columns(df, undeclared)
    if found:
        warnings.warn(
            f"undeclared column(s) {describe_near_unique(found)} single out the rows on "
            "their own: the k, l and t measured here ignore them. Drop them before a "
            "release, or declare them with identifiers=[...] (direct identifiers) or "
            "insensitive=[...] (safe to publish as they are).",
            DataQualityWarning,
            stacklevel=3,
        )


def check_quasi_identifier_values(df: pd.DataFrame, qis: list[Hashable]) -> None:
    """Values ``anonymize`` can generalise: no missing values, finite numbers."""
    for col in qis:
        series = df[col]
        missing = series.isna().to_numpy()
        if missing.any():
            first = df.index[int(np.flatnonzero(missing)[0])]
            raise ValidationError(
                format_message(
                    f"quasi-identifier column {show_value(col)}",
                    "have no missing values",
                    f"{int(missing.sum())} missing value(s) (first in row {show_value(first)})",
                    "Impute them, drop those rows, or replace them with an explicit label "
                    "such as 'unknown' (a hierarchy must then cover it).",
                )
            )
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            x = series.to_numpy(dtype=np.float64)
            bad = ~np.isfinite(x)
            if bad.any():
                at = int(np.flatnonzero(bad)[0])
                raise ValidationError(
                    format_message(
                        f"quasi-identifier column {show_value(col)}",
                        "have only finite numbers",
                        f"{int(bad.sum())} infinite value(s) (first: {show_value(x[at])} in row "
                        f"{show_value(df.index[at])})",
                        "Replace them with the largest real value, or cap the column "
                        "(e.g. df[col].clip(upper=...)) before anonymising.",
                    )
                )
        else:
            factorize_column(series, col, use_na_sentinel=True)


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

    def for_kernels(self, ordered: bool) -> KernelRequirement:
        """The requirement as the kernels take it (``ordered``: the EMD's ground distance)."""
        return KernelRequirement(
            int(self.k),
            self.l_code,
            0.0 if self.l is None else float(self.l),
            0.0 if self.c is None else float(self.c),
            -1.0 if self.t is None else float(self.t),
            bool(ordered),
        )

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
