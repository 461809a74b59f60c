"""EASE: Steck's (2019) closed-form linear item-item model."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.linalg import lapack

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_interval, format_message
from precisemkt.errors import ValidationError
from precisemkt.recommend import _topk_kernels
from precisemkt.recommend._base import Filters, Recommender, TopN, score_batches
from precisemkt.recommend._interactions import Interactions
from precisemkt.recommend._similar import similar_frame

__all__ = ["EASE"]


class EASE(Recommender):
    """Embarrassingly Shallow Autoencoder (Steck 2019): a closed-form item-item model.

    With ``X`` the user x item matrix, ``G = X'X + l2 * I`` and ``P = G^-1``, the weights
    are ``B = I - P diag(1 / diag(P))``: the ridge regression of each item on all the
    others with a zero diagonal. A user's score for item ``i`` is ``sum_j x_uj B[j, i]``,
    a sum over the user's history, so the items behind a recommendation are those with the
    largest terms.

    ``B`` is a dense item x item matrix: the fit needs ``8 * n_items**2`` bytes (one matrix,
    inverted in place) and ``n_items**3 / 3`` multiply-adds. Catalogues larger than
    :attr:`MAX_ITEMS` (10,000 items, 800 MB) are refused; use :class:`ItemKNN` there.

    Parameters
    ----------
    l2 : float, default 500.0
        Ridge penalty (Steck tunes it on validation data; 500 suits MovieLens-sized data).

    Attributes
    ----------
    interactions_ : Interactions
    weights_ : ndarray of shape (n_items, n_items)
        ``B``; row ``j`` says how much having item ``j`` adds to every other item.
    item_popularity_ : ndarray

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import EASE
    >>> log = pd.DataFrame(
    ...     {"user_id": [1, 1, 2, 2, 3], "item_id": ["tea", "cup", "tea", "cup", "tea"]}
    ... )
    >>> EASE(l2=1.0).fit(log).recommend(3)[["item_id", "because"]]
      item_id because
    0     cup  (tea,)
    """

    #: Largest catalogue EASE fits (the dense weights take 8 * MAX_ITEMS**2 bytes).
    MAX_ITEMS: ClassVar[int] = 10_000

    weights_: FloatArray

    def __init__(self, l2: float = 500.0) -> None:
        self.l2 = l2

    def _fit(self, inter: Interactions) -> None:
        l2 = check_interval(self.l2, "l2", low=0.0, closed="neither")
        m = inter.n_items
        if m > self.MAX_ITEMS:
            raise ValidationError(
                format_message(
                    "the number of items",
                    f"be at most EASE.MAX_ITEMS = {self.MAX_ITEMS:,} (EASE holds a dense "
                    "item x item matrix)",
                    f"{m:,} items ({8 * m * m / 1e9:.1f} GB for one matrix)",
                    "Keep the most popular items, or use ItemKNN, which stays sparse.",
                )
            )
        x = inter.matrix
        gram = np.asarray((x.T @ x).toarray(), dtype=np.float64, order="F")
        gram[np.diag_indices(m)] += l2
        factor, info = lapack.dpotrf(gram, lower=False, overwrite_a=True)
        inverse, info2 = lapack.dpotri(factor, lower=False, overwrite_c=True)
        if info != 0 or info2 != 0:  # pragma: no cover - G is positive definite for l2 > 0
            raise ValidationError("EASE: the Gram matrix could not be inverted.")
        p = np.triu(inverse) + np.triu(inverse, 1).T
        diag = np.diag(p).copy()
        p /= -diag[None, :]
        p[np.diag_indices(m)] = 0.0
        self.weights_ = np.ascontiguousarray(p)

    def _top_n(self, codes: IntArray, filters: Filters) -> TopN:
        r = self.interactions_.matrix
        indptr = r.indptr.astype(np.int64)
        indices = r.indices.astype(np.int64)
        n = filters.n
        items = np.full((codes.size, n), -1, dtype=np.int64)
        scores = np.zeros((codes.size, n))
        counts = np.zeros(codes.size, dtype=np.int64)
        for lo, hi in score_batches(codes.size, self.interactions_.n_items):
            block = np.asarray(r[codes[lo:hi]] @ self.weights_)
            users = codes[lo:hi] if filters.exclude_seen else np.full(hi - lo, -1, np.int64)
            items[lo:hi], scores[lo:hi], counts[lo:hi] = _topk_kernels.dense_select(
                block,
                users,
                indptr,
                indices,
                filters.allowed,
                filters.boost,
                filters.category,
                filters.cap,
                n,
            )
        because = _topk_kernels.dense_because(
            codes, items, counts, indptr, indices, r.data, self.weights_
        )
        return TopN(items, scores, counts, because)

    def similar_items(self, items: Any, n: int = 10) -> pd.DataFrame:
        """Items with the largest weights ``B[j, i]`` from each item ``j``.

        Returns
        -------
        DataFrame
            ``item_id, rank, similar_item_id, score``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.recommend import EASE
        >>> log = pd.DataFrame({"user_id": [1, 1, 2], "item_id": ["tea", "cup", "tea"]})
        >>> EASE(l2=1.0).fit(log).similar_items("cup")["similar_item_id"].tolist()
        ['tea']
        """
        self._check_fitted()
        every = np.arange(self.interactions_.n_items, dtype=np.int64)
        return similar_frame(
            self.interactions_.items, items, n, lambda code: (every, self.weights_[code])
        )
