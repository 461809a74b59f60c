"""Cross-sell suggestions from association rules, each with the rule that justifies it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._typing import IntArray
from precisemkt._validation import check_int, format_message, require_columns, require_frame
from precisemkt.basket._baskets import Baskets, baskets_from_lists
from precisemkt.errors import InvalidParameterError

__all__ = ["cross_sell"]

BasketInput: TypeAlias = Baskets | Iterable[Hashable] | Iterable[Iterable[Hashable]]


def _is_many(basket: object) -> bool:
    """A Baskets object or a list of (non-string) item collections means many baskets."""
    if isinstance(basket, Baskets):
        return True
    if isinstance(basket, list | tuple) and basket:
        return all(isinstance(x, list | tuple | set | frozenset) for x in basket)
    return False


def _indicator(rows: list[IntArray], n_cols: int, n_rows: int) -> sp.csr_array:
    lengths = np.fromiter((r.size for r in rows), dtype=np.int64, count=len(rows))
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    indices = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    data = np.ones(indices.size, dtype=np.int64)
    return sp.csr_array((data, indices, indptr), shape=(n_rows, n_cols))


def cross_sell(rules: pd.DataFrame, basket: BasketInput, *, n: int = 5) -> pd.DataFrame:
    """Suggest up to ``n`` items for each basket, each with the rule behind it.

    A rule applies to a basket when its whole antecedent is in the basket; it suggests the
    items of its consequent that the basket lacks. An item suggested by several rules is
    justified by the one with the highest confidence (then lift), and the items are
    ranked the same way. All baskets are handled at once with sparse matrix products.

    Parameters
    ----------
    rules : pandas.DataFrame
        Rules from :func:`association_rules` (columns ``antecedent``, ``consequent``,
        ``confidence``, ``lift``), already filtered to the ones you trust (e.g.
        ``significant_only=True``).
    basket : list of items, list of item lists, or Baskets
        One basket (a list, tuple or set of item labels) or many (a list of item
        collections, or :class:`Baskets`).
    n : int, default 5
        Most suggestions per basket.

    Returns
    -------
    pandas.DataFrame
        One row per suggestion: ``item``, ``rank`` (1 = best) and the reason
        ``antecedent``, ``confidence``, ``lift``; with many baskets also ``basket_id``
        (the basket's id, or its position in the list) as the first column.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.basket import cross_sell
    >>> rules = pd.DataFrame({
    ...     "antecedent": [("beer",), ("beer", "chips")],
    ...     "consequent": [("diapers",), ("salsa",)],
    ...     "confidence": [0.7, 0.9], "lift": [2.0, 3.0]})
    >>> cross_sell(rules, ["beer", "chips"])
          item  rank     antecedent  confidence  lift
    0    salsa     1  (beer, chips)         0.9   3.0
    1  diapers     2        (beer,)         0.7   2.0
    """
    frame = require_frame(rules, "rules")
    require_columns(frame, ["antecedent", "consequent", "confidence", "lift"], name="rules")
    top = check_int(n, "n", low=1)
    many = _is_many(basket)
    if many:
        baskets = basket if isinstance(basket, Baskets) else baskets_from_lists(basket)  # type: ignore[arg-type]
        contents = baskets.to_lists()
        ids = baskets.basket_ids
    else:
        if isinstance(basket, str | bytes) or not isinstance(basket, Iterable):
            raise InvalidParameterError(
                format_message(
                    "basket",
                    "be a list of items or a list of baskets",
                    type(basket).__name__,
                    "Wrap a single item in a list: ['tea'].",
                )
            )
        contents = [list(cast(Iterable[Hashable], basket))]
        ids = pd.RangeIndex(1)
    antecedents = frame["antecedent"].tolist()
    consequents = frame["consequent"].tolist()
    code: dict[Hashable, int] = {}
    for side in (antecedents, consequents):
        for itemset in side:
            for x in itemset:
                code.setdefault(x, len(code))
    n_items = len(code)
    label_arr = np.empty(n_items, dtype=object)
    label_arr[:] = list(code)
    ante_rows = [np.array([code[x] for x in a], dtype=np.int64) for a in antecedents]
    ante = _indicator(ante_rows, n_items, len(ante_rows))
    ante_len = np.diff(ante.indptr)
    bask_rows = [
        np.unique(np.array([code[x] for x in items if x in code], dtype=np.int64))
        for items in contents
    ]
    held = _indicator(bask_rows, n_items, len(bask_rows))
    hits = sp.coo_array(held @ ante.T)
    ok = hits.data == ante_len[hits.col]
    b_idx, r_idx = hits.row[ok].astype(np.int64), hits.col[ok].astype(np.int64)
    cons_rows = [np.array([code[x] for x in c], dtype=np.int64) for c in consequents]
    cons_len = np.fromiter((c.size for c in cons_rows), dtype=np.int64, count=len(cons_rows))
    cons_flat = np.concatenate(cons_rows) if cons_rows else np.empty(0, dtype=np.int64)
    cons_ptr = np.concatenate(([0], np.cumsum(cons_len))).astype(np.int64)
    reps = cons_len[r_idx]
    cand_b = np.repeat(b_idx, reps)
    cand_r = np.repeat(r_idx, reps)
    offsets = np.arange(cand_r.size) - np.repeat(np.cumsum(reps) - reps, reps)
    cand_i = cons_flat[cons_ptr[cand_r] + offsets]
    held_keys = np.repeat(np.arange(held.shape[0]), np.diff(held.indptr)) * n_items + held.indices
    fresh = ~np.isin(cand_b * n_items + cand_i, held_keys)
    cand_b, cand_r, cand_i = cand_b[fresh], cand_r[fresh], cand_i[fresh]
    conf = frame["confidence"].to_numpy(dtype=np.float64)
    lift = frame["lift"].to_numpy(dtype=np.float64)
    order = np.lexsort((cand_r, -lift[cand_r], -conf[cand_r], cand_i, cand_b))
    cand_b, cand_r, cand_i = cand_b[order], cand_r[order], cand_i[order]
    first = np.ones(cand_b.size, dtype=bool)
    first[1:] = (cand_b[1:] != cand_b[:-1]) | (cand_i[1:] != cand_i[:-1])
    cand_b, cand_r, cand_i = cand_b[first], cand_r[first], cand_i[first]
    order = np.lexsort((cand_i, cand_r, -lift[cand_r], -conf[cand_r], cand_b))
    cand_b, cand_r, cand_i = cand_b[order], cand_r[order], cand_i[order]
    start = np.searchsorted(cand_b, cand_b, side="left")
    rank = np.arange(cand_b.size) - start + 1
    keep = rank <= top
    cand_b, cand_r, cand_i, rank = cand_b[keep], cand_r[keep], cand_i[keep], rank[keep]
    out = pd.DataFrame(
        {
            "item": label_arr[cand_i] if cand_i.size else np.empty(0, dtype=object),
            "rank": rank.astype(np.int64),
            "antecedent": pd.Series([antecedents[r] for r in cand_r], dtype=object),
            "confidence": conf[cand_r],
            "lift": lift[cand_r],
        }
    )
    if many:
        out.insert(0, "basket_id", ids.to_numpy()[cand_b])
    return out
