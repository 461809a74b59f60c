"""Generalisation hierarchies: intervals, trees, masks and ARX-style tables.

A hierarchy maps every original value of a quasi-identifier (level 0) to ever coarser
labels, up to a single top label (``"*"``, full suppression of the attribute). Each level
must *nest*: a label at level ``L`` has exactly one parent at level ``L + 1``.

When a hierarchy is applied to a column it is *bound* (:class:`_Bound`): every row gets
the index of its leaf, and every level gets integer codes, string labels and the
normalised certainty penalty (NCP) of each code. The NCP follows Ghinita, Karras, Kalnis &
Mamoulis (2007): a generalised categorical value covering ``u`` leaves of a domain of
``|A|`` leaves costs ``u / |A|`` (0 when ``u = 1``); a numeric interval ``[lo, hi)`` costs
``(hi - lo) / (upper - lower)``; the top level costs 1.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_int, check_type, format_message, show_value
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["Hierarchy"]

TOP = "*"

ObjectArray = npt.NDArray[np.object_]


def format_number(x: float) -> str:
    """Shortest exact text of a number: ``17`` for whole numbers, ``repr`` otherwise."""
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


@dataclass(frozen=True, slots=True)
class _Bound:
    """A hierarchy materialised on one column (internal).

    ``codes[L][leaf]`` is the code of a leaf at level ``L`` (dense, ``0..card-1``);
    ``labels[L][code]`` and ``ncp[L][code]`` describe that code.
    """

    column: str
    leaf_of_row: IntArray
    codes: tuple[IntArray, ...]
    labels: tuple[ObjectArray, ...]
    ncp: tuple[FloatArray, ...]

    @property
    def n_levels(self) -> int:
        return len(self.codes)

    def row_codes(self, level: int) -> IntArray:
        """Code of every row at ``level``."""
        out: IntArray = self.codes[level][self.leaf_of_row]
        return out


def _leaf_count_ncp(codes: IntArray, n_codes: int, domain: int) -> FloatArray:
    """NCP of each code: covered leaves over domain size, 0 for a single leaf."""
    leaves = np.bincount(codes, minlength=n_codes).astype(np.float64)
    ncp: FloatArray = np.where(leaves > 1, leaves / max(domain, 1), 0.0)
    return ncp


def _missing_error(column: str, n_missing: int) -> ValidationError:
    return ValidationError(
        format_message(
            f"column {column!r}",
            "have no missing values to be generalised",
            f"{n_missing} missing value(s)",
            "Impute or drop them, or map them to an explicit label such as 'unknown' that "
            "the hierarchy covers.",
        )
    )


class Hierarchy:
    """A generalisation hierarchy for one quasi-identifier.

    Build one with :meth:`intervals` (numbers), :meth:`tree` (categories),
    :meth:`mask` (codes such as zip codes) or :meth:`from_table` (ARX's one-row-per-value
    CSV layout). Level 0 is the original value; the last level is a single label
    (``"*"``), i.e. the attribute fully suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.privacy import Hierarchy
    >>> h = Hierarchy.tree([{"flu": "resp", "asthma": "resp", "gastritis": "digestive"}])
    >>> h.generalize(pd.Series(["flu", "gastritis"]), 1).tolist()
    ['resp', 'digestive']
    >>> h.table().shape
    (3, 3)
    """

    __slots__ = ()

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def intervals(
        cls,
        edges: Sequence[Sequence[float]] | None = None,
        *,
        widths: Sequence[float] | None = None,
        lower: float | None = None,
        upper: float | None = None,
        n_levels: int = 3,
    ) -> Hierarchy:
        """Nested numeric intervals ``[lo, hi)`` (the last interval also holds ``upper``).

        Parameters
        ----------
        edges : sequence of sequences of float, optional
            One sorted list of bin edges per level, finest first. Every coarser level's
            edges must be a subset of the finer level's, and all levels share the outer
            edges (which bound the domain).
        widths : sequence of float, optional
            Equal-width bins instead of ``edges``, finest first; each width must be a
            whole multiple of the previous one so that bins nest. Bins start at
            ``lower`` (default: the data's minimum rounded down to the coarsest width).
        lower, upper : float, optional
            Domain bounds for ``widths`` (default: from the data).
        n_levels : int, default 3
            With neither ``edges`` nor ``widths``: the number of automatic interval
            levels; widths are a "nice" number (1, 2, 2.5 or 5 times a power of ten) near
            ``range / 2**(n_levels + 1)``, doubling at each level.

        Returns
        -------
        Hierarchy

        Examples
        --------
        >>> import pandas as pd
        >>> h = Hierarchy.intervals(widths=[5, 10, 20], lower=0, upper=100)
        >>> h.generalize(pd.Series([17, 42]), 2).tolist()
        ['[10, 20)', '[40, 50)']
        """
        return _IntervalHierarchy(edges, widths, lower, upper, n_levels)

    @classmethod
    def tree(cls, levels: Sequence[Mapping[Any, Any]], *, top: str = TOP) -> Hierarchy:
        """A category tree given as one child-to-parent mapping per level.

        Parameters
        ----------
        levels : sequence of mappings
            ``levels[0]`` maps every original value to its level-1 label, ``levels[1]``
            maps every level-1 label to its level-2 label, and so on. Each mapping must
            cover every label produced by the previous one.
        top : str, default "*"
            Label of the top level, added when the last mapping has several labels.

        Returns
        -------
        Hierarchy

        Examples
        --------
        >>> h = Hierarchy.tree([{"a": "ab", "b": "ab", "c": "c"}])
        >>> h.table()
           0   1  2
        0  a  ab  *
        1  b  ab  *
        2  c   c  *
        """
        check_type(levels, "levels", Sequence, "Pass a list of dicts, one per level.")
        if len(levels) == 0:
            raise InvalidParameterError(
                format_message("levels", "hold at least one mapping", "an empty list", "")
            )
        for i, mapping in enumerate(levels):
            check_type(mapping, f"levels[{i}]", Mapping, "Pass a dict from child to parent.")
        leaves = list(levels[0].keys())
        rows: list[list[str]] = []
        for leaf in leaves:
            path = [str(leaf)]
            value: Hashable = leaf
            for i, mapping in enumerate(levels):
                if value not in mapping:
                    raise ValidationError(
                        format_message(
                            f"levels[{i}]",
                            "map every label of the level below",
                            f"no entry for {show_value(value)} "
                            f"(reached from leaf {show_value(leaf)})",
                            "Add the missing label so that the levels nest.",
                        )
                    )
                value = mapping[value]
                path.append(str(value))
            rows.append(path)
        return _TableHierarchy(np.array(rows, dtype=object), top=top)

    @classmethod
    def mask(cls, *, step: int = 1, char: str = "*") -> Hierarchy:
        """Suppress trailing characters of codes (zip codes, phone prefixes).

        Level ``L`` replaces the last ``L * step`` characters by ``char``; the domain is
        the set of distinct values in the data (values are compared as text).

        Parameters
        ----------
        step : int, default 1
            Characters masked per level.
        char : str, default "*"
            Mask character.

        Returns
        -------
        Hierarchy

        Examples
        --------
        >>> import pandas as pd
        >>> h = Hierarchy.mask()
        >>> h.generalize(pd.Series(["13053", "13268"]), 2).tolist()
        ['130**', '132**']
        """
        check_int(step, "step", low=1)
        check_type(char, "char", str)
        if len(char) != 1:
            raise InvalidParameterError(
                format_message("char", "be a single character", repr(char), "Use e.g. '*'.")
            )
        return _MaskHierarchy(step, char)

    @classmethod
    def from_table(
        cls, table: pd.DataFrame | str | os.PathLike[str], *, sep: str = ";"
    ) -> Hierarchy:
        """A hierarchy from ARX's layout: one row per value, one column per level.

        Parameters
        ----------
        table : DataFrame or path
            The table, or the path of a header-less CSV file in that layout.
        sep : str, default ";"
            Field separator of the file.

        Returns
        -------
        Hierarchy

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame([["Male", "*"], ["Female", "*"]])
        >>> Hierarchy.from_table(t).generalize(pd.Series(["Female"]), 1).tolist()
        ['*']
        """
        if isinstance(table, pd.DataFrame):
            frame = table
        elif isinstance(table, str | os.PathLike):
            frame = pd.read_csv(table, sep=sep, header=None, dtype=str, keep_default_na=False)
        else:
            raise InvalidParameterError(
                format_message(
                    "table",
                    "be a DataFrame or a file path",
                    type(table).__name__,
                    "Pass pandas.read_csv(...) output or the CSV's path.",
                )
            )
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValidationError(
                format_message(
                    "table", "have at least one row and one column", f"shape {frame.shape}", ""
                )
            )
        if frame.isna().to_numpy().any():
            raise ValidationError(
                format_message(
                    "table",
                    "have no empty cells",
                    f"{int(frame.isna().to_numpy().sum())} empty cell(s)",
                    "Every value needs a label at every level.",
                )
            )
        return _TableHierarchy(frame.astype(str).to_numpy(dtype=object), top=TOP)

    # -- public helpers -----------------------------------------------------------------

    def table(self, values: pd.Series | Sequence[object] | None = None) -> pd.DataFrame:
        """The hierarchy as a table: one row per value, one column per level.

        Parameters
        ----------
        values : Series or sequence, optional
            Values to materialise it on (required for interval and mask hierarchies,
            whose domain comes from the data).

        Returns
        -------
        pandas.DataFrame
            Columns ``0 .. n_levels - 1`` of labels (ARX's layout, readable back with
            :meth:`from_table`).

        Examples
        --------
        >>> Hierarchy.mask().table(["123", "124"])
             0    1    2    3
        0  123  12*  1**  ***
        1  124  12*  1**  ***
        """
        if values is None and not isinstance(self, _TableHierarchy):
            raise InvalidParameterError(
                format_message(
                    "values",
                    "be given for interval and mask hierarchies",
                    "None",
                    "Pass the column the hierarchy will generalise.",
                )
            )
        bound = self._bind(self._as_series(values), "values")
        leaves = np.arange(len(bound.codes[0]))
        return pd.DataFrame(
            {
                level: bound.labels[level][bound.codes[level][leaves]]
                for level in range(bound.n_levels)
            }
        )

    def generalize(self, values: pd.Series | Sequence[object], level: int) -> pd.Series:
        """Labels of ``values`` at ``level`` (the index of a Series is kept).

        Parameters
        ----------
        values : Series or sequence
            Original values.
        level : int
            0 (original) to ``n_levels - 1`` (top).

        Returns
        -------
        pandas.Series
            String labels.

        Examples
        --------
        >>> Hierarchy.intervals(widths=[10], lower=0, upper=100).generalize([5, 99], 1).tolist()
        ['[0, 10)', '[90, 100]']
        """
        series = self._as_series(values)
        bound = self._bind(series, "values")
        check_int(level, "level", low=0, high=bound.n_levels - 1)
        labels = bound.labels[level][bound.row_codes(level)]
        return pd.Series(labels, index=series.index, name=series.name, dtype=str)

    # -- internal -----------------------------------------------------------------------

    @staticmethod
    def _as_series(values: pd.Series | Sequence[object] | None) -> pd.Series:
        if values is None:
            return pd.Series([], dtype=object)
        if isinstance(values, pd.Series):
            return values
        return pd.Series(list(values) if not isinstance(values, np.ndarray) else values)

    def _bind(self, values: pd.Series, column: str) -> _Bound:
        raise NotImplementedError  # pragma: no cover - every subclass overrides it


class _TableHierarchy(Hierarchy):
    """A materialised hierarchy: leaves x levels of string labels."""

    __slots__ = ("_codes", "_labels", "_leaves", "_ncp")

    def __init__(self, table: ObjectArray, *, top: str) -> None:
        leaves = pd.Index(table[:, 0])
        if leaves.has_duplicates:
            dup = leaves[leaves.duplicated()][0]
            raise ValidationError(
                format_message(
                    "hierarchy values (first column)",
                    "be unique",
                    f"{int(leaves.duplicated().sum())} duplicate(s) (first: {dup!r})",
                    "Keep one row per original value.",
                )
            )
        if len(pd.unique(table[:, -1])) > 1:
            table = np.column_stack([table, np.full(len(table), top, dtype=object)])
        d = len(table)
        codes: list[IntArray] = []
        labels: list[ObjectArray] = []
        for level in range(table.shape[1]):
            code, uniques = pd.factorize(table[:, level])
            codes.append(code.astype(np.int64))
            labels.append(np.asarray(uniques, dtype=object))
        for level in range(table.shape[1] - 1):
            _check_nesting(codes[level], codes[level + 1], labels[level], labels[level + 1], level)
        _check_label_meaning(codes, labels)
        self._leaves = leaves
        self._codes = tuple(codes)
        self._labels = tuple(labels)
        self._ncp = tuple(
            _leaf_count_ncp(c, len(lab), d) for c, lab in zip(codes, labels, strict=True)
        )

    def _bind(self, values: pd.Series, column: str) -> _Bound:
        if values.isna().any():
            raise _missing_error(column, int(values.isna().sum()))
        keys = values if pd.api.types.is_string_dtype(values.dtype) else values.astype(str)
        pos = self._leaves.get_indexer(pd.Index(keys.to_numpy(dtype=object)))
        if (pos < 0).any():
            missing = pd.unique(keys.to_numpy(dtype=object)[pos < 0])
            raise ValidationError(
                format_message(
                    f"every value of column {column!r}",
                    "be covered by its hierarchy",
                    f"{len(missing)} uncovered value(s) in {int((pos < 0).sum())} row(s) "
                    f"(first: {show_value(missing[0])})",
                    "Add a row for each value to the hierarchy table (values are compared "
                    "as text), or fix the data.",
                )
            )
        return _Bound(column, pos.astype(np.int64), self._codes, self._labels, self._ncp)


def _check_nesting(
    child: IntArray,
    parent: IntArray,
    child_labels: ObjectArray,
    parent_labels: ObjectArray,
    level: int,
) -> None:
    """Every label at ``level`` must have exactly one parent at ``level + 1``."""
    pairs = np.unique(np.column_stack([child, parent]), axis=0)
    counts = np.bincount(pairs[:, 0], minlength=len(child_labels))
    if (counts > 1).any():
        bad = int(np.flatnonzero(counts > 1)[0])
        parents = sorted(str(parent_labels[p]) for p in pairs[pairs[:, 0] == bad, 1])
        raise ValidationError(
            format_message(
                f"hierarchy level {level + 1}",
                f"nest within level {level} (one parent per label)",
                f"label {child_labels[bad]!r} with parents {parents}",
                "Give each label a single parent, or rename one of the duplicates.",
            )
        )


def _check_label_meaning(codes: list[IntArray], labels: list[ObjectArray]) -> None:
    """A label used at several levels must cover the same leaves everywhere."""
    seen: dict[str, tuple[int, frozenset[int]]] = {}
    for level, (code, lab) in enumerate(zip(codes, labels, strict=True)):
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(len(lab) + 1))
        for c, label in enumerate(lab):
            leaves = frozenset(order[bounds[c] : bounds[c + 1]].tolist())
            key = str(label)
            if key in seen and seen[key][1] != leaves:
                raise ValidationError(
                    format_message(
                        f"hierarchy label {key!r}",
                        "mean the same set of values at every level where it appears",
                        f"different values at levels {seen[key][0]} and {level}",
                        "Rename one of them.",
                    )
                )
            seen.setdefault(key, (level, leaves))


def _nice(x: float) -> float:
    """Smallest of 1, 2, 2.5, 5 times a power of ten that is >= x."""
    if x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10.0**exp >= x * (1 - 1e-12):
            return m * 10.0**exp
    return 10.0 ** (exp + 1)  # pragma: no cover - the loop always returns


class _IntervalHierarchy(Hierarchy):
    """Nested numeric intervals; bins come from edges, widths or the data."""

    __slots__ = ("_edges", "_lower", "_n_levels", "_upper", "_widths")

    def __init__(
        self,
        edges: Sequence[Sequence[float]] | None,
        widths: Sequence[float] | None,
        lower: float | None,
        upper: float | None,
        n_levels: int,
    ) -> None:
        self._n_levels = check_int(n_levels, "n_levels", low=1)
        if edges is not None and widths is not None:
            raise InvalidParameterError(
                format_message(
                    "edges and widths", "not both be given", "both", "Pass bin edges or bin widths."
                )
            )
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None and not (isinstance(bound, int | float) and math.isfinite(bound)):
                raise InvalidParameterError(
                    format_message(name, "be a finite number", repr(bound), "")
                )
        if lower is not None and upper is not None and not lower < upper:
            raise InvalidParameterError(
                format_message("lower", "be below upper", f"lower={lower}, upper={upper}", "")
            )
        self._lower = lower
        self._upper = upper
        self._edges = None if edges is None else _validate_edges(edges)
        self._widths = None if widths is None else _validate_widths(widths)

    def _resolve(self, values: FloatArray) -> list[FloatArray]:
        if self._edges is not None:
            return self._edges
        widths = self._widths
        lo_data = float(values.min()) if values.size else 0.0
        hi_data = float(values.max()) if values.size else 1.0
        if widths is None:
            base = _nice((hi_data - lo_data) / 2.0 ** (self._n_levels + 1))
            widths = [base * 2.0**i for i in range(self._n_levels)]
        top = widths[-1]
        lower = self._lower if self._lower is not None else math.floor(lo_data / top) * top
        upper = self._upper if self._upper is not None else max(hi_data, lower + top)
        n_top = max(1, math.ceil((upper - lower) / top - 1e-12))
        upper = lower + n_top * top
        return [
            np.asarray(lower + w * np.arange(round(n_top * top / w) + 1), dtype=np.float64)
            for w in widths
        ]

    def _bind(self, values: pd.Series, column: str) -> _Bound:
        if not (
            pd.api.types.is_numeric_dtype(values.dtype)
            and not pd.api.types.is_bool_dtype(values.dtype)
        ):
            raise ValidationError(
                format_message(
                    f"column {column!r}",
                    "be numeric for an interval hierarchy",
                    f"dtype {values.dtype}",
                    "Convert it with pandas.to_numeric, or use Hierarchy.tree/from_table.",
                )
            )
        x = values.to_numpy(dtype=np.float64)
        if np.isnan(x).any():
            raise _missing_error(column, int(np.isnan(x).sum()))
        edges = self._resolve(x)
        lower, upper = float(edges[0][0]), float(edges[0][-1])
        outside = (x < lower) | (x > upper) | ~np.isfinite(x)
        if outside.any():
            raise ValidationError(
                format_message(
                    f"every value of column {column!r}",
                    f"lie in the hierarchy's domain [{format_number(lower)}, "
                    f"{format_number(upper)}]",
                    f"{int(outside.sum())} value(s) outside (first: {show_value(x[outside][0])})",
                    "Widen lower/upper or the outer edges.",
                )
            )
        leaves, leaf_of_row = np.unique(x, return_inverse=True)
        span = upper - lower
        codes: list[IntArray] = [np.arange(len(leaves), dtype=np.int64)]
        labels: list[ObjectArray] = [np.array([format_number(v) for v in leaves], dtype=object)]
        ncps: list[FloatArray] = [np.zeros(len(leaves))]
        for e in edges:
            bin_of_leaf = np.clip(np.searchsorted(e, leaves, side="right") - 1, 0, len(e) - 2)
            used, code = np.unique(bin_of_leaf, return_inverse=True)
            last = len(e) - 2
            codes.append(code.astype(np.int64))
            labels.append(
                np.array(
                    [
                        f"[{format_number(e[b])}, {format_number(e[b + 1])}"
                        + ("]" if b == last else ")")
                        for b in used
                    ],
                    dtype=object,
                )
            )
            ncps.append((e[used + 1] - e[used]) / span)
        codes.append(np.zeros(len(leaves), dtype=np.int64))
        labels.append(np.array([TOP], dtype=object))
        ncps.append(np.ones(1))
        return _Bound(
            column, leaf_of_row.astype(np.int64), tuple(codes), tuple(labels), tuple(ncps)
        )


def _validate_edges(edges: Sequence[Sequence[float]]) -> list[FloatArray]:
    check_type(edges, "edges", Sequence, "Pass one list of edges per level, finest first.")
    if len(edges) == 0:
        raise InvalidParameterError(
            format_message("edges", "hold at least one level", "an empty list", "")
        )
    out: list[FloatArray] = []
    for i, e in enumerate(edges):
        arr = np.asarray(e, dtype=np.float64)
        if (
            arr.ndim != 1
            or arr.size < 2
            or not np.all(np.isfinite(arr))
            or not np.all(np.diff(arr) > 0)
        ):
            raise InvalidParameterError(
                format_message(
                    f"edges[{i}]",
                    "be at least two finite, strictly increasing numbers",
                    repr(list(e))[:80],
                    "",
                )
            )
        if out and (arr[0] != out[0][0] or arr[-1] != out[0][-1]):
            raise InvalidParameterError(
                format_message(
                    f"edges[{i}]",
                    "share the outer edges of edges[0]",
                    f"[{arr[0]}, {arr[-1]}] vs [{out[0][0]}, {out[0][-1]}]",
                    "",
                )
            )
        if out and not np.isin(arr, out[-1]).all():
            extra = arr[~np.isin(arr, out[-1])][0]
            raise InvalidParameterError(
                format_message(
                    f"edges[{i}]",
                    f"be a subset of edges[{i - 1}] so that bins nest",
                    f"edge {extra} not in the finer level",
                    "",
                )
            )
        out.append(arr)
    return out


def _validate_widths(widths: Sequence[float]) -> list[float]:
    check_type(widths, "widths", Sequence, "Pass a list of bin widths, finest first.")
    vals = [float(w) for w in widths]
    if not vals or not all(math.isfinite(w) and w > 0 for w in vals):
        raise InvalidParameterError(
            format_message("widths", "be a non-empty list of positive numbers", repr(widths), "")
        )
    for a, b in itertools.pairwise(vals):
        ratio = b / a
        if ratio < 1 or abs(ratio - round(ratio)) > 1e-9:
            raise InvalidParameterError(
                format_message(
                    "widths",
                    "grow by whole multiples so that bins nest",
                    f"{b} after {a}",
                    "Use e.g. [5, 10, 20].",
                )
            )
    return vals


class _MaskHierarchy(Hierarchy):
    """Trailing-character masking over the distinct values of the data."""

    __slots__ = ("_char", "_step")

    def __init__(self, step: int, char: str) -> None:
        self._step = step
        self._char = char

    def _bind(self, values: pd.Series, column: str) -> _Bound:
        if values.isna().any():
            raise _missing_error(column, int(values.isna().sum()))
        text = values.astype(str).to_numpy(dtype=object)
        leaf_of_row, leaves = pd.factorize(text)
        leaves = np.asarray(leaves, dtype=object)
        d = len(leaves)
        longest = max((len(s) for s in leaves), default=0)
        codes: list[IntArray] = [np.arange(d, dtype=np.int64)]
        labels: list[ObjectArray] = [leaves]
        n_masked = 0
        while n_masked < longest:
            n_masked = min(n_masked + self._step, longest)
            masked = np.array(
                [
                    s[: max(len(s) - n_masked, 0)] + self._char * min(n_masked, len(s))
                    for s in leaves
                ],
                dtype=object,
            )
            code, uniq = pd.factorize(masked)
            codes.append(code.astype(np.int64))
            labels.append(np.asarray(uniq, dtype=object))
        if len(labels[-1]) > 1 or len(codes) == 1:
            # a short value fully masked early may read "*": keep the top label distinct
            used = {str(label) for lab in labels for label in lab}
            top = TOP if TOP not in used else self._char * (longest + 1)
            codes.append(np.zeros(d, dtype=np.int64))
            labels.append(np.array([top], dtype=object))
        _check_label_meaning(codes, labels)
        ncps = tuple(_leaf_count_ncp(c, len(lab), d) for c, lab in zip(codes, labels, strict=True))
        return _Bound(column, leaf_of_row.astype(np.int64), tuple(codes), tuple(labels), ncps)
