"""The popularity baseline, global or per group: the cold-start fallback."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from precisemkt._typing import IntArray
from precisemkt._validation import format_message, require_columns
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.recommend._base import Filters, Recommender, TopN, merge_interactions
from precisemkt.recommend._interactions import Interactions, InteractionsLike, as_interactions

__all__ = ["Popularity"]


class Popularity(Recommender):
    """Recommend the items most users have, overall or within the user's group.

    The score of an item is the number of distinct users who interacted with it (in the
    user's group when ``by`` is set). It is the baseline every personalised model must
    beat, and the list shown to customers without history.

    Parameters
    ----------
    by : str, optional
        Column of the interactions frame holding each user's group (e.g. an RFM segment);
        a user must have one group.

    Attributes
    ----------
    interactions_ : Interactions
    item_popularity_ : ndarray
        Users per item over all users.
    user_groups_ : pandas.Series or None
        Group of each fitted user (when ``by`` is set).

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import Popularity
    >>> log = pd.DataFrame({"user_id": [1, 1, 2, 3, 3], "item_id": ["a", "b", "a", "a", "c"]})
    >>> Popularity().fit(log).recommend([2], n=2)[["user_id", "rank", "item_id", "score"]]
       user_id  rank item_id  score
    0        2     1       b    1.0
    1        2     2       c    1.0
    """

    user_groups_: pd.Series | None

    def __init__(self, by: str | None = None) -> None:
        self.by = by

    def fit(
        self,
        interactions: InteractionsLike,
        *,
        user_col: str = "user_id",
        item_col: str = "item_id",
        weight_col: str | None = None,
    ) -> Self:
        """Count the users of each item (per group when ``by`` is set); returns self."""
        inter = as_interactions(interactions, user_col, item_col, weight_col)
        groups = self._groups(interactions, user_col)
        self._set_data(inter)
        self.user_groups_ = None if groups is None else groups.reindex(inter.users)
        return self

    def _groups(self, interactions: Any, user_col: str) -> pd.Series | None:
        if self.by is None:
            return None
        if not isinstance(interactions, pd.DataFrame):
            raise InvalidParameterError(
                format_message(
                    "interactions",
                    "be a DataFrame with the group column when by is set",
                    type(interactions).__name__,
                    f"Add the column {self.by!r} to the interaction log.",
                )
            )
        require_columns(interactions, [self.by, user_col])
        per_user = interactions.groupby(user_col, sort=False)[self.by]
        n_groups = per_user.nunique(dropna=False)
        if (n_groups > 1).any():
            user = n_groups.index[np.flatnonzero(n_groups.to_numpy() > 1)[0]]
            raise ValidationError(
                format_message(
                    f"column {self.by!r}",
                    "hold one group per user",
                    f"{int((n_groups > 1).sum())} user(s) in several groups (first: user {user!r})",
                    "Use each user's current segment on every row.",
                )
            )
        return per_user.first()

    def partial_fit(
        self,
        new_interactions: InteractionsLike,
        *,
        user_col: str = "user_id",
        item_col: str = "item_id",
        weight_col: str | None = None,
    ) -> Self:
        """Fold new interactions into the counts without a refit; returns self.

        New users and items are added; the result equals a fit on all the data.
        """
        if "interactions_" not in self.__dict__:
            return self.fit(
                new_interactions, user_col=user_col, item_col=item_col, weight_col=weight_col
            )
        new = as_interactions(new_interactions, user_col, item_col, weight_col)
        groups = self._groups(new_interactions, user_col)
        merged = merge_interactions(self.interactions_, new)
        old_groups = self.user_groups_
        self._set_data(merged)
        if old_groups is not None and groups is not None:
            combined = pd.concat([old_groups, groups])
            self.user_groups_ = combined[~combined.index.duplicated(keep="last")].reindex(
                merged.users
            )
        return self

    def _fit(self, inter: Interactions) -> None:  # pragma: no cover - fit is overridden
        self._set_data(inter)

    def _known_reason(self, codes: IntArray) -> list[str]:
        if self.user_groups_ is None:
            return ["popular overall"] * codes.size
        labels = self.user_groups_.to_numpy()[codes]
        return [f"popular in group {g!r}" for g in labels]

    def _top_n(self, codes: IntArray, filters: Filters) -> TopN:
        if self.user_groups_ is None:
            return self._popular(None, filters, codes)
        labels = self.user_groups_.to_numpy()
        parts = pd.Series(labels[codes]).groupby(labels[codes], dropna=False).indices
        items = np.full((codes.size, filters.n), -1, dtype=np.int64)
        scores = np.zeros((codes.size, filters.n))
        counts = np.zeros(codes.size, dtype=np.int64)
        for label, idx in parts.items():
            members = labels == label if label == label else pd.isna(labels)
            top = self._popular(np.asarray(members), filters, codes[idx])
            items[idx], scores[idx], counts[idx] = top.items, top.scores, top.counts
        return TopN(items, scores, counts, np.full((codes.size, filters.n, 3), -1, dtype=np.int64))
