"""The compact user x item form every recommender fits on."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._typing import IntArray
from precisemkt._validation import (
    as_float_array,
    check_options,
    format_message,
    require_columns,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["Interactions", "InteractionsLike", "as_interactions", "interactions_from_orders"]


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class Interactions:
    """Interactions as a user x item CSR matrix with the original labels.

    Build it with :func:`interactions_from_orders`. ``matrix[u, i]`` is the summed weight
    (or the count) of the rows of user ``users[u]`` and item ``items[i]``; every stored
    entry is positive, indices are sorted and there are no duplicates.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array of float64, shape (n_users, n_items)
    users : pandas.Index
        User label of each row.
    items : pandas.Index
        Item label of each column.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import interactions_from_orders
    >>> orders = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "x", "y"]})
    >>> inter = interactions_from_orders(orders)
    >>> inter
    Interactions(2 users x 2 items, 2 stored entries)
    >>> inter.matrix.toarray()
    array([[2., 0.],
           [0., 1.]])
    """

    matrix: sp.csr_array
    users: pd.Index
    items: pd.Index

    @property
    def n_users(self) -> int:
        """Number of users (rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        """Number of items (columns)."""
        return int(self.matrix.shape[1])

    def __repr__(self) -> str:
        return (
            f"Interactions({self.n_users:,} users x {self.n_items:,} items, "
            f"{self.matrix.nnz:,} stored entries)"
        )

    def to_frame(self) -> pd.DataFrame:
        """The stored entries as a long frame ``user_id, item_id, weight``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.recommend import interactions_from_orders
        >>> orders = pd.DataFrame({"user_id": [7, 7], "item_id": ["x", "y"]})
        >>> interactions_from_orders(orders).to_frame()
           user_id item_id  weight
        0        7       x     1.0
        1        7       y     1.0
        """
        coo = self.matrix.tocoo()
        return pd.DataFrame(
            {
                "user_id": self.users[coo.row],
                "item_id": self.items[coo.col],
                "weight": coo.data,
            }
        )


#: What the estimators accept as training data.
InteractionsLike = pd.DataFrame | Interactions | sp.sparray | sp.spmatrix


def _codes(values: pd.Series, name: str) -> tuple[IntArray, pd.Index]:
    """Integer codes of ``values`` (labels sorted when they can be, so row order does not
    change the codes) and the labels."""
    if values.isna().any():
        first = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise ValidationError(
            format_message(
                f"column {name!r}",
                "not contain missing values",
                f"{int(values.isna().sum())} missing (first at row {first})",
                "Drop the rows without an id first.",
            )
        )
    try:
        codes, labels = pd.factorize(values, sort=True)
    except TypeError:  # labels of mixed types cannot be sorted
        codes, labels = pd.factorize(values, sort=False)
    return codes.astype(np.int64), pd.Index(labels, name=None)


def _from_frame(
    data: pd.DataFrame,
    user_col: str,
    item_col: str,
    weight_col: str | None,
    aggregate: str,
) -> Interactions:
    require_columns(data, [user_col, item_col] + ([weight_col] if weight_col else []))
    u, users = _codes(data[user_col], user_col)
    i, items = _codes(data[item_col], item_col)
    if weight_col is None or aggregate == "count":
        w = np.ones(len(data))
    else:
        w = as_float_array(data[weight_col].to_numpy(), f"column {weight_col!r}")
        bad = np.flatnonzero(w <= 0)
        if bad.size:
            row = int(bad[0])
            raise ValidationError(
                format_message(
                    f"column {weight_col!r}",
                    "be positive",
                    f"{bad.size} row(s) <= 0 (first: user {data[user_col].iloc[row]!r}, "
                    f"item {data[item_col].iloc[row]!r}, value {float(w[row])!r})",
                    "Drop returns and zero rows, or leave weight_col=None to count rows.",
                )
            )
    matrix = sp.coo_array((w, (u, i)), shape=(len(users), len(items))).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return Interactions(matrix, users, items)


def _labels(labels: Any, n: int, name: str) -> pd.Index:
    if labels is None:
        return pd.RangeIndex(n)
    index: pd.Index = pd.Index(labels)
    if len(index) != n:
        raise ValidationError(
            format_message(
                name,
                f"have one label per {'row' if name == 'users' else 'column'} ({n})",
                f"{len(index)} labels",
                "Pass the labels in matrix order.",
            )
        )
    if index.has_duplicates:
        raise ValidationError(
            format_message(
                name,
                "be unique",
                f"duplicate label {index[index.duplicated()][0]!r}",
                "Merge the duplicated rows/columns first.",
            )
        )
    return index


def _from_sparse(matrix: Any, users: Any, items: Any, aggregate: str) -> Interactions:
    if matrix.ndim != 2:
        raise ValidationError(
            format_message("data", "be a 2-D user x item matrix", f"shape {matrix.shape}", "")
        )
    csr = sp.csr_array(matrix, dtype=np.float64, copy=True)
    csr.sum_duplicates()
    data = as_float_array(csr.data, "matrix entries")
    if (data < 0).any():
        raise ValidationError(
            format_message(
                "matrix entries",
                "be non-negative",
                f"{int((data < 0).sum())} negative entries",
                "Drop returns or negative feedback first.",
            )
        )
    if aggregate == "count":
        csr.data = np.ones_like(csr.data)
    csr.eliminate_zeros()
    csr.sort_indices()
    return Interactions(
        csr, _labels(users, csr.shape[0], "users"), _labels(items, csr.shape[1], "items")
    )


def interactions_from_orders(
    data: InteractionsLike,
    *,
    user_col: str = "user_id",
    item_col: str = "item_id",
    weight_col: str | None = None,
    aggregate: Literal["sum", "count"] = "sum",
    users: Any = None,
    items: Any = None,
) -> Interactions:
    """Build the compact user x item form of an interaction log, once.

    Parameters
    ----------
    data : DataFrame, scipy sparse matrix or Interactions
        A long frame with one row per interaction (an order log works as is), or a user x
        item sparse matrix (labels from ``users`` and ``items``, default ``0..n-1``). An
        :class:`Interactions` is returned unchanged.
    user_col, item_col : str
        Columns of the user and item ids (frames only).
    weight_col : str, optional
        Column of positive weights (quantity, spend); without it each row counts 1.
    aggregate : {"sum", "count"}, default "sum"
        Repeated (user, item) rows are summed (weights) or counted (rows).
    users, items : sequence, optional
        Labels of the rows and columns of a sparse ``data``.

    Returns
    -------
    Interactions

    Raises
    ------
    ValidationError
        A column is missing, an id is missing, or a weight is not positive.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import interactions_from_orders
    >>> orders = pd.DataFrame(
    ...     {"user_id": ["a", "a", "b"], "item_id": ["x", "x", "y"], "qty": [1, 3, 2]}
    ... )
    >>> interactions_from_orders(orders, weight_col="qty").matrix.toarray()
    array([[4., 0.],
           [0., 2.]])
    >>> interactions_from_orders(orders, aggregate="count").matrix.toarray()
    array([[2., 0.],
           [0., 1.]])
    """
    check_options(aggregate, "aggregate", ("sum", "count"))
    if isinstance(data, Interactions):
        return data
    if isinstance(data, pd.DataFrame):
        if weight_col is not None and aggregate == "count":
            raise InvalidParameterError(
                format_message(
                    "aggregate",
                    "be 'sum' when weight_col is given",
                    "'count'",
                    "Drop weight_col to count rows, or sum the weights.",
                )
            )
        return _from_frame(data, user_col, item_col, weight_col, aggregate)
    if sp.issparse(data):
        return _from_sparse(data, users, items, aggregate)
    raise InvalidParameterError(
        format_message(
            "interactions",
            "be a DataFrame, a scipy sparse matrix or an Interactions",
            type(data).__name__,
            "Pass the order log as a pandas DataFrame.",
        )
    )


def as_interactions(
    data: InteractionsLike, user_col: str, item_col: str, weight_col: str | None
) -> Interactions:
    """:func:`interactions_from_orders` with the estimators' column arguments."""
    return interactions_from_orders(
        data, user_col=user_col, item_col=item_col, weight_col=weight_col
    )
