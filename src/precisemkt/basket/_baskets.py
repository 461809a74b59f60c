"""The compact basket form and the constructors from the forms people hold baskets in.

:class:`Baskets` is a CSR layout (one row per basket, items as integer codes, each item
at most once per basket) that keeps the item labels and the basket ids. It is built once
and reused by every analysis; no dense baskets × items matrix is ever made.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._typing import IntArray
from precisemkt._validation import format_message, require_columns, require_frame
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "Baskets",
    "BasketsLike",
    "as_baskets",
    "baskets_from_lists",
    "baskets_from_matrix",
    "baskets_from_onehot",
    "baskets_from_orders",
]


@dataclass(frozen=True, slots=True, eq=False)
class Baskets:
    """Baskets in compressed sparse row form, with item labels and basket ids.

    Build one with :func:`baskets_from_orders`, :func:`baskets_from_lists`,
    :func:`baskets_from_matrix` or :func:`baskets_from_onehot`; every basket function also
    accepts those inputs directly.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_baskets + 1,)
        Basket ``b`` holds the item codes ``indices[indptr[b]:indptr[b + 1]]``.
    indices : ndarray of int64, shape (n_entries,)
        Item codes, ascending and distinct within each basket.
    items : pandas.Index
        The label of each item code.
    basket_ids : pandas.Index
        The id of each basket.

    Examples
    --------
    >>> from precisemkt.basket import baskets_from_lists
    >>> b = baskets_from_lists([["milk", "bread"], ["bread"]])
    >>> b.n_baskets, b.n_items, list(b.items)
    (2, 2, ['bread', 'milk'])
    """

    indptr: IntArray
    indices: IntArray
    items: pd.Index
    basket_ids: pd.Index

    def __post_init__(self) -> None:
        self.indptr.setflags(write=False)
        self.indices.setflags(write=False)

    @property
    def n_baskets(self) -> int:
        """Number of baskets (including empty ones)."""
        return int(self.indptr.size - 1)

    @property
    def n_items(self) -> int:
        """Number of distinct items."""
        return len(self.items)

    @property
    def n_entries(self) -> int:
        """Number of (basket, item) pairs."""
        return int(self.indices.size)

    def item_counts(self) -> pd.Series:
        """Number of baskets holding each item, indexed by item label.

        Examples
        --------
        >>> from precisemkt.basket import baskets_from_lists
        >>> baskets_from_lists([["a", "b"], ["b"]]).item_counts().to_dict()
        {'a': 1, 'b': 2}
        """
        counts = np.bincount(self.indices, minlength=self.n_items).astype(np.int64)
        return pd.Series(counts, index=self.items, name="count")

    def to_lists(self) -> list[list[Hashable]]:
        """The baskets as lists of item labels.

        Examples
        --------
        >>> from precisemkt.basket import baskets_from_lists
        >>> baskets_from_lists([["b", "a"], []]).to_lists()
        [['a', 'b'], []]
        """
        labels = self.items.to_numpy(dtype=object)
        return [
            list(labels[self.indices[self.indptr[b] : self.indptr[b + 1]]])
            for b in range(self.n_baskets)
        ]

    def to_sparse(self) -> sp.csr_array:
        """The baskets × items indicator matrix as a scipy sparse CSR array.

        Examples
        --------
        >>> from precisemkt.basket import baskets_from_lists
        >>> baskets_from_lists([["a"], ["a", "b"]]).to_sparse().toarray()
        array([[1, 0],
               [1, 1]], dtype=int8)
        """
        data = np.ones(self.indices.size, dtype=np.int8)
        return sp.csr_array((data, self.indices, self.indptr), shape=(self.n_baskets, self.n_items))

    def __repr__(self) -> str:
        return (
            f"Baskets(n_baskets={self.n_baskets}, n_items={self.n_items}, "
            f"n_entries={self.n_entries})"
        )


#: Every input form the basket functions accept.
BasketsLike: TypeAlias = (
    Baskets | pd.DataFrame | sp.sparray | sp.spmatrix | Sequence[Iterable[Hashable]]
)


def _factorize(values: Any) -> tuple[IntArray, pd.Index]:
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # labels of mixed, unorderable types keep their first-seen order
        codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _from_pairs(
    basket_codes: IntArray, item_codes: IntArray, items: pd.Index, basket_ids: pd.Index
) -> Baskets:
    """CSR from (basket code, item code) pairs; duplicates of a pair count once."""
    order = np.lexsort((item_codes, basket_codes))
    b = basket_codes[order]
    i = item_codes[order]
    if b.size:
        keep = np.ones(b.size, dtype=bool)
        keep[1:] = (b[1:] != b[:-1]) | (i[1:] != i[:-1])
        b, i = b[keep], i[keep]
    indptr = np.zeros(len(basket_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(b, minlength=len(basket_ids)), out=indptr[1:])
    return Baskets(indptr, np.ascontiguousarray(i, dtype=np.int64), items, basket_ids)


def baskets_from_orders(
    orders: pd.DataFrame, *, basket_col: str = "basket_id", item_col: str = "item"
) -> Baskets:
    """Build baskets from a long table with one row per (basket, item) line.

    Parameters
    ----------
    orders : pandas.DataFrame
        An order log; other columns (customer, timestamp, quantity) are ignored. An item
        listed twice in a basket counts once.
    basket_col, item_col : str
        The basket id and item columns.

    Returns
    -------
    Baskets
        Basket ids and item labels in sorted order (first-seen order if they cannot be
        sorted).

    Raises
    ------
    ValidationError
        A column is missing or holds missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.basket import baskets_from_orders
    >>> orders = pd.DataFrame(
    ...     {"order": [7, 7, 9, 9, 9], "sku": ["tea", "jam", "tea", "tea", "milk"]}
    ... )
    >>> b = baskets_from_orders(orders, basket_col="order", item_col="sku")
    >>> b
    Baskets(n_baskets=2, n_items=3, n_entries=4)
    >>> b.to_lists()
    [['jam', 'tea'], ['milk', 'tea']]
    """
    frame = require_frame(orders, "orders")
    require_columns(frame, [basket_col, item_col], name="orders")
    for col in (basket_col, item_col):
        missing = frame[col].isna().to_numpy()
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            raise ValidationError(
                format_message(
                    f"orders column {col!r}",
                    "not contain missing values",
                    f"{int(missing.sum())} missing value(s) (first in row {frame.index[first]!r})",
                    "Drop those rows or fill them before building baskets.",
                )
            )
    basket_codes, basket_ids = _factorize(frame[basket_col].to_numpy())
    item_codes, items = _factorize(frame[item_col].to_numpy())
    return _from_pairs(basket_codes, item_codes, items, basket_ids.rename(basket_col))


def baskets_from_lists(
    baskets: Iterable[Iterable[Hashable]], *, basket_ids: Sequence[Hashable] | None = None
) -> Baskets:
    """Build baskets from a list of item lists (efficient-apriori's input).

    Parameters
    ----------
    baskets : iterable of iterables
        One iterable of item labels per basket; repeated items count once.
    basket_ids : sequence, optional
        An id per basket; default ``0..n-1``.

    Returns
    -------
    Baskets

    Examples
    --------
    >>> from precisemkt.basket import baskets_from_lists
    >>> baskets_from_lists([("beer", "diapers"), ("beer",), ()]).to_lists()
    [['beer', 'diapers'], ['beer'], []]
    """
    if isinstance(baskets, str | bytes) or not isinstance(baskets, Iterable):
        raise InvalidParameterError(
            format_message(
                "baskets",
                "be a list of item lists",
                type(baskets).__name__,
                "Wrap a single basket in a list: [['a', 'b']].",
            )
        )
    rows = [list(row) if not isinstance(row, str | bytes) else None for row in baskets]
    for b, row in enumerate(rows):
        if row is None:
            raise ValidationError(
                format_message(
                    f"basket {b}",
                    "be a list of items, not a string",
                    repr(baskets[b] if isinstance(baskets, Sequence) else "a string"),
                    "Split the string into items first.",
                )
            )
    lengths = np.array([len(r) for r in rows if r is not None], dtype=np.int64)
    flat = [item for row in rows if row is not None for item in row]
    values = np.empty(len(flat), dtype=object)
    values[:] = flat
    if pd.isna(values).any():
        raise ValidationError(
            format_message("baskets", "not contain missing items", "NaN or None", "Drop them.")
        )
    ids = pd.RangeIndex(len(rows)) if basket_ids is None else pd.Index(list(basket_ids))
    if len(ids) != len(rows):
        raise ValidationError(
            format_message(
                "basket_ids",
                "have one id per basket",
                f"{len(ids)} ids for {len(rows)} baskets",
                "Pass as many ids as baskets.",
            )
        )
    item_codes, items = _factorize(values)
    basket_codes = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    return _from_pairs(basket_codes, item_codes, items, ids)


def baskets_from_matrix(
    matrix: sp.sparray | sp.spmatrix,
    *,
    items: Sequence[Hashable] | pd.Index | None = None,
    basket_ids: Sequence[Hashable] | pd.Index | None = None,
) -> Baskets:
    """Build baskets from a scipy sparse baskets × items matrix.

    Parameters
    ----------
    matrix : scipy sparse array or matrix
        Any non-zero entry means the item is in the basket (so quantities work too).
    items : sequence, optional
        A label per column; default ``0..n_items-1``.
    basket_ids : sequence, optional
        An id per row; default ``0..n_baskets-1``.

    Returns
    -------
    Baskets

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> from precisemkt.basket import baskets_from_matrix
    >>> m = sp.csr_array([[1, 0, 2], [0, 1, 0]])
    >>> baskets_from_matrix(m, items=["a", "b", "c"]).to_lists()
    [['a', 'c'], ['b']]
    """
    if not sp.issparse(matrix):
        raise InvalidParameterError(
            format_message(
                "matrix",
                "be a scipy sparse matrix or array",
                type(matrix).__name__,
                "Convert with scipy.sparse.csr_array(...).",
            )
        )
    csr = sp.csr_array(cast(Any, matrix))
    csr.eliminate_zeros()
    if csr.data.size and not np.isfinite(csr.data).all():
        raise ValidationError(
            format_message("matrix", "hold finite entries", "NaN or inf", "Replace them first.")
        )
    n_baskets, n_items = csr.shape
    labels = pd.RangeIndex(n_items) if items is None else pd.Index(items)
    ids = pd.RangeIndex(n_baskets) if basket_ids is None else pd.Index(basket_ids)
    for name, index, size in (("items", labels, n_items), ("basket_ids", ids, n_baskets)):
        if len(index) != size:
            raise ValidationError(
                format_message(
                    name,
                    f"have one label per {'column' if name == 'items' else 'row'}",
                    f"{len(index)} labels for {size}",
                    "Pass labels matching the matrix shape.",
                )
            )
    if labels.has_duplicates:
        raise ValidationError(
            format_message(
                "items",
                "be distinct",
                f"duplicate label {labels[labels.duplicated()][0]!r}",
                "Merge duplicate columns first.",
            )
        )
    csr.sort_indices()
    indptr = np.asarray(csr.indptr, dtype=np.int64).copy()
    indices = np.asarray(csr.indices, dtype=np.int64).copy()
    return Baskets(indptr, indices, labels, ids)


def baskets_from_onehot(frame: pd.DataFrame) -> Baskets:
    """Build baskets from a one-hot frame (mlxtend's input: one bool column per item).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows are baskets (the index gives their ids), columns are items, values are
        True/False or 1/0; pandas sparse columns are read without densifying.

    Returns
    -------
    Baskets

    Raises
    ------
    ValidationError
        A value is missing or not 0/1.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.basket import baskets_from_onehot
    >>> onehot = pd.DataFrame({"tea": [True, False], "jam": [True, True]}, index=["o1", "o2"])
    >>> baskets_from_onehot(onehot).to_lists()
    [['tea', 'jam'], ['jam']]
    """
    frame = require_frame(frame, "frame")
    n = len(frame)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    for j, (name, column) in enumerate(frame.items()):
        if isinstance(column.dtype, pd.SparseDtype):
            values = column.array.sp_values
            positions = np.asarray(column.array.sp_index.indices, dtype=np.int64)
            fill = column.array.fill_value
            if pd.isna(fill) or fill not in (0, False):
                values = column.to_numpy()
                positions = np.arange(n, dtype=np.int64)
        else:
            values = column.to_numpy()
            positions = np.arange(n, dtype=np.int64)
        present = pd.isna(values)
        if np.any(present):
            raise ValidationError(
                format_message(
                    f"column {name!r}",
                    "not contain missing values",
                    f"{int(np.sum(present))} missing value(s)",
                    "Use False/0 for an absent item.",
                )
            )
        try:
            numeric = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                format_message(
                    f"column {name!r}",
                    "hold True/False or 1/0",
                    f"a value of type {type(values[0]).__name__}",
                    "A long (basket, item) table goes through baskets_from_orders.",
                )
            ) from exc
        bad = (numeric != 0) & (numeric != 1)
        if bad.any():
            raise ValidationError(
                format_message(
                    f"column {name!r}",
                    "hold True/False or 1/0",
                    f"{numeric[bad][0]:g}",
                    "A long (basket, item) table goes through baskets_from_orders.",
                )
            )
        hit = positions[numeric != 0]
        rows.append(hit)
        cols.append(np.full(hit.size, j, dtype=np.int64))
    basket_codes = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    item_codes = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    labels = pd.Index(frame.columns)
    if labels.has_duplicates:
        raise ValidationError(
            format_message(
                "frame columns",
                "be distinct",
                f"duplicate column {labels[labels.duplicated()][0]!r}",
                "Merge duplicate columns first.",
            )
        )
    return _from_pairs(basket_codes, item_codes, labels, pd.Index(frame.index))


def as_baskets(data: BasketsLike) -> Baskets:
    """Turn any accepted basket form into :class:`Baskets` (a no-op for ``Baskets``).

    A DataFrame is read as a one-hot frame; a long (basket, item) table must go through
    :func:`baskets_from_orders`, which names its columns.
    """
    if isinstance(data, Baskets):
        return data
    if isinstance(data, pd.DataFrame):
        return baskets_from_onehot(data)
    if sp.issparse(data):
        return baskets_from_matrix(cast(Any, data))
    if isinstance(data, str | bytes | np.ndarray | pd.Series) or not isinstance(data, Iterable):
        raise InvalidParameterError(
            format_message(
                "baskets",
                "be Baskets, a one-hot DataFrame, a scipy sparse matrix or a list of item lists",
                type(data).__name__,
                "Build Baskets with baskets_from_orders(orders, basket_col=..., item_col=...).",
            )
        )
    return baskets_from_lists(data)
