"""Item-item nearest neighbours: cosine, BM25, TF-IDF, Jaccard, asymmetric cosine."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_int, check_interval, check_options
from precisemkt.recommend import _knn_kernels
from precisemkt.recommend._base import Filters, Recommender, TopN, merge_interactions
from precisemkt.recommend._interactions import Interactions, InteractionsLike, as_interactions
from precisemkt.recommend._similar import similar_frame

__all__ = ["ItemKNN"]

_SIMILARITIES = ("cosine", "bm25", "tfidf", "jaccard", "asymmetric_cosine")

#: BM25 constants, those of implicit's ``BM25Recommender`` (K1 = 1.2, B = 0.75).
BM25_K1 = 1.2
BM25_B = 0.75


def _weighted(matrix: sp.csr_array, similarity: str) -> tuple[sp.csr_array, FloatArray, int]:
    """The user x item matrix whose column dot products are the similarity (kind 0), or
    the binary matrix (Jaccard, asymmetric cosine); the users per item; the kernel kind.

    The weightings are those of implicit 0.7.3 (``normalize``, ``bm25_weight``,
    ``tfidf_weight`` applied to the item x user matrix). The result shares ``matrix``'s
    index arrays (sorted, no duplicates: the ``Interactions`` contract) with new data.
    """
    n_users, n_items = matrix.shape
    cols = matrix.indices
    sizes = np.bincount(cols, minlength=n_items).astype(np.float64)
    data = matrix.data
    kind = _knn_kernels.KIND_DOT
    if similarity in ("jaccard", "asymmetric_cosine"):
        data = np.ones_like(data)
        kind = _knn_kernels.KIND_JACCARD
        if similarity == "asymmetric_cosine":
            kind = _knn_kernels.KIND_ASYMMETRIC
    elif similarity in ("bm25", "tfidf"):
        per_user = np.diff(matrix.indptr).astype(np.float64)
        idf = np.repeat(np.log(float(n_items)) - np.log1p(per_user), np.diff(matrix.indptr))
        if similarity == "bm25":
            lengths = np.bincount(cols, weights=data, minlength=n_items)
            norm = (1.0 - BM25_B) + BM25_B * lengths / lengths.mean()
            data = data * (BM25_K1 + 1.0) / (BM25_K1 * norm[cols] + data) * idf
        else:
            data = np.sqrt(data) * idf
    if similarity in ("cosine", "tfidf"):
        norms = np.sqrt(np.bincount(cols, weights=data**2, minlength=n_items))[cols]
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.where(norms > 0, data / norms, 0.0)
    w = sp.csr_array((data, cols, matrix.indptr), shape=(n_users, n_items))
    return w, sizes, kind


class ItemKNN(Recommender):
    """Item-based collaborative filtering from sparse co-occurrence.

    Each item keeps its ``k`` most similar items (itself included, as in implicit);
    a user's score for item ``i`` is ``sum_j r_uj * S[j, i]`` over the items ``j`` in
    the user's history, so the items behind a recommendation are exactly the history
    items with the largest terms. Similarities of items ``i, j`` (columns of the user x
    item matrix ``R``):

    * ``"cosine"``: ``r_i . r_j / (|r_i| |r_j|)``;
    * ``"bm25"``: dot product of BM25-weighted columns (K1 = 1.2, B = 0.75; users play
      the part of terms), as implicit's ``BM25Recommender``;
    * ``"tfidf"``: cosine of ``sqrt(r) * idf(user)`` columns, as implicit's
      ``TFIDFRecommender``;
    * ``"jaccard"``: ``|U_i & U_j| / |U_i | U_j|`` on user sets;
    * ``"asymmetric_cosine"``: ``|U_i & U_j| / (|U_i|**alpha * |U_j|**(1 - alpha))``
      (Aiolli 2013; ``alpha = 0.5`` is the binary cosine).

    With ``shrinkage > 0`` a similarity resting on ``n`` common users is multiplied by
    ``n / (n + shrinkage)`` (Koren 2008), which discounts pairs seen together by chance.

    Parameters
    ----------
    similarity : {"cosine", "bm25", "tfidf", "jaccard", "asymmetric_cosine"}
    k : int, default 100
        Neighbours kept per item.
    shrinkage : float, default 0
        Support shrinkage (0 = none).
    alpha : float, default 0.5
        Exponent of ``"asymmetric_cosine"`` (ignored by the others).

    Attributes
    ----------
    interactions_ : Interactions
    similarity_ : scipy.sparse.csr_array, shape (n_items, n_items)
        Row ``j`` holds item ``j``'s neighbours and similarities.
    item_popularity_ : ndarray

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import ItemKNN
    >>> log = pd.DataFrame(
    ...     {"user_id": [1, 1, 2, 2, 3], "item_id": ["tea", "cup", "tea", "cup", "tea"]}
    ... )
    >>> ItemKNN(k=10).fit(log).recommend(3)[["item_id", "because", "reason"]]
      item_id because                 reason
    0     cup  (tea,)  based on your history
    """

    similarity_: sp.csr_array

    def __init__(
        self,
        similarity: str = "cosine",
        k: int = 100,
        shrinkage: float = 0,
        *,
        alpha: float = 0.5,
    ) -> None:
        self.similarity = similarity
        self.k = k
        self.shrinkage = shrinkage
        self.alpha = alpha

    def _check_params(self) -> tuple[str, int, float, float]:
        return (
            check_options(self.similarity, "similarity", _SIMILARITIES),
            check_int(self.k, "k", low=1),
            check_interval(self.shrinkage, "shrinkage", low=0.0),
            check_interval(self.alpha, "alpha", low=0.0, high=1.0),
        )

    def _neighbours(self, inter: Interactions, rows: IntArray) -> sp.csr_array:
        """CSR (len(rows) x n_items) of the neighbourhoods of ``rows``."""
        similarity, k, shrinkage, alpha = self._check_params()
        w, sizes, kind = _weighted(inter.matrix, similarity)
        by_item = sp.csr_array(w.T)
        by_item.sort_indices()
        idx, val, cnt = _knn_kernels.knn_rows(
            rows,
            by_item.indptr,
            by_item.indices,
            by_item.data,
            w.indptr,
            w.indices,
            w.data,
            sizes,
            kind,
            alpha,
            shrinkage,
            k,
        )
        mask = np.arange(idx.shape[1])[None, :] < cnt[:, None]
        indptr = np.concatenate([[0], np.cumsum(cnt)])
        out = sp.csr_array((val[mask], idx[mask], indptr), shape=(rows.size, inter.n_items))
        out.sort_indices()
        return out

    def _fit(self, inter: Interactions) -> None:
        self.similarity_ = self._neighbours(inter, np.arange(inter.n_items, dtype=np.int64))

    def partial_fit(
        self,
        new_interactions: InteractionsLike,
        *,
        user_col: str = "user_id",
        item_col: str = "item_id",
        weight_col: str | None = None,
    ) -> Self:
        """Fold new interactions in without a full refit; returns self.

        Repeated (user, item) pairs are summed with the stored ones and new users and items
        are added. Only the neighbourhoods that can change are recomputed: for cosine,
        Jaccard and asymmetric cosine those of the items sharing a user with an item the new
        rows touch; BM25 and TF-IDF weights depend on every row (average item length,
        per-user idf), so they are recomputed in full. The result equals a fit on all the
        data.
        """
        if "interactions_" not in self.__dict__:
            return self.fit(
                new_interactions, user_col=user_col, item_col=item_col, weight_col=weight_col
            )
        similarity = self._check_params()[0]
        new = as_interactions(new_interactions, user_col, item_col, weight_col)
        merged = merge_interactions(self.interactions_, new)
        old_sim = self.similarity_
        self._set_data(merged)
        if similarity in ("bm25", "tfidf"):
            self._fit(merged)
            return self
        m = merged.matrix
        touched = np.zeros(merged.n_items, dtype=np.bool_)
        touched[merged.items.get_indexer(new.items)] = True
        users_of_touched = np.asarray(m[:, np.flatnonzero(touched)].sum(axis=1)).ravel() > 0
        rows = np.asarray(m[np.flatnonzero(users_of_touched)].sum(axis=0)).ravel() > 0
        rows |= touched
        rows_idx = np.flatnonzero(rows).astype(np.int64)
        fresh = self._neighbours(merged, rows_idx)
        n_old = old_sim.shape[0]
        keep = sp.csr_array(
            (old_sim.data, old_sim.indices, old_sim.indptr), shape=(n_old, merged.n_items)
        )
        keep = sp.vstack([keep, sp.csr_array((merged.n_items - n_old, merged.n_items))]).tocsr()
        select = sp.diags_array((~rows).astype(np.float64)).tocsr()
        place = sp.csr_array(
            (np.ones(rows_idx.size), (rows_idx, np.arange(rows_idx.size))),
            shape=(merged.n_items, rows_idx.size),
        )
        sim = sp.csr_array(select @ keep + place @ fresh)
        sim.sort_indices()
        self.similarity_ = sim
        return self

    def _top_n(self, codes: IntArray, filters: Filters) -> TopN:
        r = self.interactions_.matrix
        s = self.similarity_
        items, scores, counts, because = _knn_kernels.knn_recommend(
            codes,
            r.indptr.astype(np.int64),
            r.indices.astype(np.int64),
            r.data,
            s.indptr.astype(np.int64),
            s.indices.astype(np.int64),
            s.data,
            filters.exclude_seen,
            filters.allowed,
            filters.boost,
            filters.category,
            filters.cap,
            filters.n,
        )
        return TopN(items, scores, counts, because)

    def similar_items(self, items: Any, n: int = 10) -> pd.DataFrame:
        """The ``n`` most similar items of each item (the item itself left out).

        Returns
        -------
        DataFrame
            ``item_id, rank, similar_item_id, score``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.recommend import ItemKNN
        >>> log = pd.DataFrame({"user_id": [1, 1, 2], "item_id": ["tea", "cup", "tea"]})
        >>> ItemKNN().fit(log).similar_items("cup")
          item_id  rank similar_item_id     score
        0     cup     1             tea  0.707107
        """
        self._check_fitted()

        def row_scores(code: int) -> tuple[IntArray, FloatArray]:
            s = self.similarity_
            lo, hi = s.indptr[code], s.indptr[code + 1]
            return s.indices[lo:hi].astype(np.int64), s.data[lo:hi]

        return similar_frame(self.interactions_.items, items, n, row_scores)
