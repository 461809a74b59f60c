"""What every recommender shares: parameters, fitting state and ``recommend``."""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._estimator import check_fitted
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt._validation import as_float_array, check_bool, check_int, format_message
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.recommend import _topk_kernels
from precisemkt.recommend._interactions import Interactions, InteractionsLike, as_interactions

__all__ = ["Filters", "Recommender", "TopN", "merge_interactions", "score_batches"]

#: Scores of at most this many floats are held at once (dense models score in batches).
_BATCH_FLOATS = 8_000_000

#: The ``reason`` of a row from the model itself.
REASON_HISTORY = "based on your history"


class TopN:
    """Top-n items of a batch of users: codes, scores, counts and reasons (-1 padded)."""

    __slots__ = ("because", "counts", "items", "scores")

    def __init__(
        self, items: IntArray, scores: FloatArray, counts: IntArray, because: IntArray
    ) -> None:
        self.items = items
        self.scores = scores
        self.counts = counts
        self.because = because


class Filters:
    """Validated ``recommend`` filters as arrays over the model's item codes."""

    __slots__ = ("allowed", "boost", "cap", "category", "exclude_seen", "n")

    def __init__(
        self,
        n: int,
        exclude_seen: bool,
        allowed: BoolArray,
        boost: FloatArray,
        category: IntArray,
        cap: int,
    ) -> None:
        self.n = n
        self.exclude_seen = exclude_seen
        self.allowed = allowed
        self.boost = boost
        self.category = category
        self.cap = cap


def score_batches(n_rows: int, n_items: int) -> Iterable[tuple[int, int]]:
    """Row ranges whose dense score blocks stay under the batch budget."""
    step = max(1, _BATCH_FLOATS // max(n_items, 1))
    for start in range(0, n_rows, step):
        yield start, min(n_rows, start + step)


def _show_id(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def merge_interactions(old: Interactions, new: Interactions) -> Interactions:
    """The union of two interaction sets: new labels appended, shared entries summed."""
    users = old.users.append(new.users.difference(old.users, sort=False))
    items = old.items.append(new.items.difference(old.items, sort=False))
    u = users.get_indexer(new.users)
    i = items.get_indexer(new.items)
    coo = new.matrix.tocoo()
    shape = (len(users), len(items))
    grown = sp.csr_array(
        (old.matrix.data, old.matrix.indices, old.matrix.indptr), shape=(old.n_users, len(items))
    )
    grown = sp.vstack([grown, sp.csr_array((len(users) - old.n_users, len(items)))]).tocsr()
    added = sp.csr_array(sp.coo_array((coo.data, (u[coo.row], i[coo.col])), shape=shape))
    total = sp.csr_array(grown + added, dtype=np.float64)
    total.sum_duplicates()
    total.sort_indices()
    return Interactions(total, users, items)


class Recommender:
    """Base of the recommenders: the scikit-learn parameter protocol and ``recommend``.

    Subclasses implement ``_fit(interactions)`` and ``_top_n(codes, filters)``.
    """

    _label: ClassVar[str]

    interactions_: Interactions
    item_popularity_: FloatArray

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters (scikit-learn's protocol).

        Examples
        --------
        >>> from precisemkt.recommend import EASE
        >>> EASE(l2=50.0).get_params()
        {'l2': 50.0}
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set parameters by name and return the estimator (scikit-learn's protocol).

        Examples
        --------
        >>> from precisemkt.recommend import ItemKNN
        >>> ItemKNN().set_params(k=20)
        ItemKNN(k=20)
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise InvalidParameterError(
                    format_message(
                        "parameter name",
                        f"be one of {', '.join(map(repr, valid))}",
                        repr(name),
                        f"See help({type(self).__name__}).",
                    )
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            value = getattr(self, name)
            default = sig.parameters[name].default
            if not (value is default or (type(value) is type(default) and value == default)):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: a fitted attribute before fit
        if name.endswith("_") and not name.startswith("_"):
            check_fitted(self, name, "call fit(interactions) first")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_fitted(self) -> None:
        check_fitted(self, "interactions_", "call fit(interactions) first")

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        interactions: InteractionsLike,
        *,
        user_col: str = "user_id",
        item_col: str = "item_id",
        weight_col: str | None = None,
    ) -> Self:
        """Fit the model on an interaction log.

        Parameters
        ----------
        interactions : DataFrame, scipy sparse matrix or Interactions
            One row per interaction (see :func:`interactions_from_orders`).
        user_col, item_col : str
            Columns of the user and item ids.
        weight_col : str, optional
            Column of positive weights; repeated rows are summed. Without it each row
            counts 1.

        Returns
        -------
        self
        """
        inter = as_interactions(interactions, user_col, item_col, weight_col)
        self._set_data(inter)
        self._fit(inter)
        return self

    def _set_data(self, inter: Interactions) -> None:
        if inter.n_users == 0 or inter.n_items == 0:
            raise ValidationError(
                format_message(
                    "interactions",
                    "contain at least one user and one item",
                    "an empty table",
                    "Check the filters that produced the data.",
                )
            )
        self.interactions_ = inter
        self.item_popularity_ = np.diff(inter.matrix.tocsc().indptr).astype(np.float64)

    def _fit(self, inter: Interactions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _top_n(self, codes: IntArray, filters: Filters) -> TopN:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------------ recommending
    def _item_mask(self, values: Any, name: str) -> BoolArray | None:
        if values is None:
            return None
        if isinstance(values, str) or not isinstance(values, Iterable):
            values = [values]
        codes = self.interactions_.items.get_indexer(pd.Index(list(values)))
        mask = np.zeros(self.interactions_.n_items, dtype=np.bool_)
        mask[codes[codes >= 0]] = True
        return mask

    def _item_values(self, values: Any, name: str, default: float) -> FloatArray:
        """A per-item float array from a Series/Mapping indexed by item id."""
        if not isinstance(values, pd.Series | Mapping):
            raise InvalidParameterError(
                format_message(
                    name,
                    "be a pandas Series or a mapping indexed by item id",
                    type(values).__name__,
                    "Use e.g. pandas.Series(margins, index=item_ids).",
                )
            )
        series = pd.Series(values) if isinstance(values, Mapping) else values
        if series.index.has_duplicates:
            raise ValidationError(
                format_message(
                    f"{name} index",
                    "have one entry per item",
                    f"duplicate item {_show_id(series.index[series.index.duplicated()][0])}",
                    "Aggregate the duplicates first.",
                )
            )
        vals = as_float_array(series.to_numpy(), name)
        if (vals < 0).any():
            raise ValidationError(
                format_message(
                    name,
                    "be non-negative",
                    f"{int((vals < 0).sum())} negative value(s)",
                    "Use 0 to demote an item completely.",
                )
            )
        out = np.full(self.interactions_.n_items, default)
        codes = self.interactions_.items.get_indexer(series.index)
        out[codes[codes >= 0]] = vals[codes >= 0]
        return out

    def _filters(
        self,
        n: int,
        exclude_seen: bool,
        candidates: Any,
        exclude: Any,
        boost: Any,
        categories: Any,
        max_per_category: int | None,
    ) -> Filters:
        n_items = self.interactions_.n_items
        allowed = self._item_mask(candidates, "candidates")
        if allowed is None:
            allowed = np.ones(n_items, dtype=np.bool_)
        banned = self._item_mask(exclude, "exclude")
        if banned is not None:
            allowed &= ~banned
        factor = np.ones(n_items) if boost is None else self._item_values(boost, "boost", 1.0)
        category = np.arange(n_items, dtype=np.int64)  # one category per item: no cap
        cap = 0
        if max_per_category is not None:
            cap = check_int(max_per_category, "max_per_category", low=1)
            if categories is None:
                raise InvalidParameterError(
                    format_message(
                        "categories",
                        "be given with max_per_category",
                        "None",
                        "Pass a Series mapping each item id to its category.",
                    )
                )
            if not isinstance(categories, pd.Series | Mapping):
                raise InvalidParameterError(
                    format_message(
                        "categories",
                        "be a pandas Series or a mapping indexed by item id",
                        type(categories).__name__,
                        "",
                    )
                )
            series = pd.Series(categories) if isinstance(categories, Mapping) else categories
            series = series[~series.index.duplicated(keep="last")]
            codes = self.interactions_.items.get_indexer(series.index)
            known = codes >= 0
            cat_codes, _ = pd.factorize(series.to_numpy()[known])
            # items without a category keep a category of their own
            category = np.arange(n_items, dtype=np.int64) + int(cat_codes.max(initial=-1)) + 1
            category[codes[known]] = cat_codes
            category = pd.factorize(category)[0].astype(np.int64)
        return Filters(n, exclude_seen, allowed, factor, category, cap)

    def _popular(self, group_users: BoolArray | None, filters: Filters, codes: IntArray) -> TopN:
        """Most popular items (users per item, among ``group_users`` when given)."""
        if group_users is None:
            pop = self.item_popularity_
        else:
            sub = self.interactions_.matrix[group_users]
            pop = np.diff(sp.csc_array(sub).indptr).astype(np.float64)
        seen = self.interactions_.matrix
        items, scores, counts = _topk_kernels.dense_select(
            np.broadcast_to(pop, (codes.size, pop.size)),
            codes if filters.exclude_seen else np.full(codes.size, -1, dtype=np.int64),
            seen.indptr.astype(np.int64),
            seen.indices.astype(np.int64),
            filters.allowed,
            filters.boost,
            filters.category,
            filters.cap,
            filters.n,
        )
        because = np.full((codes.size, filters.n, 3), -1, dtype=np.int64)
        return TopN(items, scores, counts, because)

    def _known_reason(self, codes: IntArray) -> list[str]:
        return [REASON_HISTORY] * codes.size

    def recommend(
        self,
        users: Any,
        n: int = 10,
        *,
        exclude_seen: bool = True,
        candidates: Any = None,
        exclude: Any = None,
        boost: pd.Series | Mapping[Hashable, float] | None = None,
        categories: pd.Series | Mapping[Hashable, Hashable] | None = None,
        max_per_category: int | None = None,
        groups: pd.Series | Mapping[Hashable, Hashable] | None = None,
    ) -> pd.DataFrame:
        """Top-``n`` items for each user, with the history items that explain them.

        Parameters
        ----------
        users : user id or sequence of user ids
            Users not seen in ``fit`` get the most popular items (of their group when
            ``groups`` says which one).
        n : int, default 10
            Length of each list (shorter when fewer items qualify).
        exclude_seen : bool, default True
            Leave out items the user already has.
        candidates : sequence of item ids, optional
            Recommend only among these items (unknown ids are ignored).
        exclude : sequence of item ids, optional
            Never recommend these items (out of stock, recalled, ...).
        boost : Series or mapping item id -> float >= 0, optional
            Multiply each item's score by this factor (margin, stock); missing items get 1.
        categories : Series or mapping item id -> category, optional
            Categories for ``max_per_category``.
        max_per_category : int, optional
            Keep at most this many items of one category per list (greedily, by score).
        groups : Series or mapping user id -> group, optional
            Group of each user (e.g. an RFM segment), used for unknown users: they get the
            items most popular among the fitted users of their group.

        Returns
        -------
        DataFrame
            One row per recommendation: ``user_id, rank, item_id, score, because, reason``.
            ``rank`` 1 is best; ``because`` is a tuple of up to three item ids from the
            user's history that contributed most to the score (empty for popularity);
            ``reason`` says where the row comes from (``"based on your history"``,
            ``"popular overall"``, ``"new customer: popular in group 'A'"``, ...).
        """
        self._check_fitted()
        n = check_int(n, "n", low=1)
        exclude_seen = check_bool(exclude_seen, "exclude_seen")
        if isinstance(users, str) or not isinstance(users, Iterable):
            users = [users]
        user_index = pd.Index(list(users))
        filters = self._filters(
            n, exclude_seen, candidates, exclude, boost, categories, max_per_category
        )
        codes = self.interactions_.users.get_indexer(user_index).astype(np.int64)
        known = codes >= 0
        parts: list[tuple[IntArray, TopN, list[str]]] = []
        if known.any():
            rows = np.flatnonzero(known)
            parts.append((rows, self._top_n(codes[rows], filters), self._known_reason(codes[rows])))
        if (~known).any():
            rows = np.flatnonzero(~known)
            parts.extend(self._fallback(user_index[rows], rows, filters, groups))
        return self._frame(user_index, parts)

    def _fallback(
        self,
        new_users: pd.Index,
        rows: IntArray,
        filters: Filters,
        groups: pd.Series | Mapping[Hashable, Hashable] | None,
    ) -> list[tuple[IntArray, TopN, list[str]]]:
        no_codes = np.full(rows.size, -1, dtype=np.int64)
        if groups is None:
            top = self._popular(None, filters, no_codes)
            return [(rows, top, ["new customer: popular overall"] * rows.size)]
        series = pd.Series(groups) if isinstance(groups, Mapping) else groups
        if not isinstance(series, pd.Series):
            raise InvalidParameterError(
                format_message(
                    "groups",
                    "be a pandas Series or mapping indexed by user id",
                    type(groups).__name__,
                    "",
                )
            )
        series = series[~series.index.duplicated(keep="last")]
        train_groups = series.reindex(self.interactions_.users).to_numpy()
        new_groups = series.reindex(new_users)
        parts = []
        for label, idx in new_groups.groupby(new_groups.to_numpy(), dropna=False).indices.items():
            members = None if label is None or label != label else np.asarray(train_groups == label)
            sel = rows[idx]
            if members is None or not members.any():
                top = self._popular(None, filters, no_codes[: sel.size])
                reason = "new customer: popular overall"
            else:
                top = self._popular(members, filters, no_codes[: sel.size])
                reason = f"new customer: popular in group {_show_id(label)}"
            parts.append((sel, top, [reason] * sel.size))
        return parts

    def _frame(
        self, user_index: pd.Index, parts: list[tuple[IntArray, TopN, list[str]]]
    ) -> pd.DataFrame:
        labels = self.interactions_.items.to_numpy()
        pieces = []
        for rows, top, reasons in parts:
            counts = top.counts
            mask = np.arange(top.items.shape[1])[None, :] < counts[:, None]
            rep = np.nonzero(mask)[0]
            rank = np.nonzero(mask)[1] + 1
            b = top.because[mask]
            cols = [labels[np.maximum(b[:, s], 0)].tolist() for s in range(3)]
            valid = (b >= 0).sum(axis=1).tolist()
            because = [tuple(c[:v]) for v, *c in zip(valid, cols[0], cols[1], cols[2], strict=True)]
            pieces.append(
                pd.DataFrame(
                    {
                        "_row": rows[rep],
                        "rank": rank.astype(np.int64),
                        "item_id": labels[top.items[mask]],
                        "score": top.scores[mask],
                        "because": because,
                        "reason": np.asarray(reasons, dtype=object)[rep],
                    }
                )
            )
        columns = ["_row", "rank", "item_id", "score", "because", "reason"]
        out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns)
        out = out.sort_values(["_row", "rank"], kind="stable").reset_index(drop=True)
        out.insert(0, "user_id", user_index[out["_row"].to_numpy(dtype=np.int64)])
        return out.drop(columns="_row")
