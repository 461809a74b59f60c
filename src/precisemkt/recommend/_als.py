"""Implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import check_int, check_interval, check_options, check_random_state
from precisemkt.recommend import _als_kernels, _topk_kernels
from precisemkt.recommend._base import Filters, Recommender, TopN, score_batches
from precisemkt.recommend._interactions import Interactions
from precisemkt.recommend._similar import similar_frame

__all__ = ["ALS"]

#: Conjugate-gradient steps per row and half-iteration (implicit's ``cg_steps``).
CG_STEPS = 3

_DTYPES = ("float64", "float32")


#: Factor matrices in their storage type (``dtype``).
_Factors: TypeAlias = npt.NDArray[np.float64] | npt.NDArray[np.float32]


def _cross(a: _Factors) -> FloatArray:
    """``A'A`` in float64 (whatever the storage type of the factors)."""
    return np.asarray(a.T @ a, dtype=np.float64)


class ALS(Recommender):
    """Matrix factorisation for implicit feedback (Hu, Koren & Volinsky 2008).

    Minimises ``sum_{u,i} c_ui (p_ui - x_u'y_i)**2 + regularization * (sum |x_u|**2 +
    sum |y_i|**2)`` over all user-item pairs, with preference ``p_ui = 1`` and confidence
    ``c_ui = 1 + alpha * r_ui`` where the user has the item (``r_ui`` the summed weight)
    and ``p_ui = 0, c_ui = 1`` elsewhere. Each iteration updates every user, then every
    item, with three conjugate-gradient steps started at the current factors (Takács,
    Pilászy & Tikk 2011; the solver of the implicit library). Each CG step lowers the
    quadratic it solves, so the loss never rises. ``recommend`` solves each requested
    user's factors exactly (Cholesky) from the item factors (implicit's
    ``recalculate_user``), so that every score is exactly the paper's explanation
    (section 5): ``x_u'y_i = sum_j c_uj * y_i'W_u y_j`` over the user's items ``j`` with
    ``W_u = (Y'C_uY + regularization * I)^-1``; ``because`` lists the items with the
    largest terms.

    Rows are updated in parallel, each by one thread in a fixed order of operations, so a
    seed gives the same factors whatever the number of threads.

    Parameters
    ----------
    factors : int, default 64
    regularization : float, default 0.01
    alpha : float, default 40.0
        Confidence slope (Hu et al. found 40 best on their data).
    iterations : int, default 15
    random_state : int, numpy.random.Generator or None
        Seeds the initial factors (uniform on [0, 0.01), users then items).
    dtype : {"float64", "float32"}, default "float64"
        Storage type of the factors. ``"float32"`` (implicit's default) halves their
        memory and the memory traffic of the solver; the arithmetic inside each row's
        solve, the Gram matrices and the loss stay in float64. The default keeps the
        factors equal to a float64 numpy reference to 1e-8.

    Attributes
    ----------
    interactions_ : Interactions
    user_factors_ : ndarray of shape (n_users, factors)
    item_factors_ : ndarray of shape (n_items, factors)
    loss_history_ : ndarray of shape (iterations,)
        The loss after each iteration.
    item_popularity_ : ndarray

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import ALS
    >>> log = pd.DataFrame(
    ...     {
    ...         "user_id": [1, 1, 2, 2, 3, 4, 4],
    ...         "item_id": ["tea", "cup", "tea", "cup", "tea", "pen", "ink"],
    ...     }
    ... )
    >>> model = ALS(factors=2, iterations=5, random_state=0).fit(log)
    >>> model.recommend(3, n=1)[["item_id", "because"]]
      item_id because
    0     cup  (tea,)
    >>> bool((model.loss_history_[1:] <= model.loss_history_[:-1]).all())
    True
    """

    user_factors_: _Factors
    item_factors_: _Factors
    loss_history_: FloatArray

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 40.0,
        iterations: int = 15,
        random_state: SeedLike = None,
        *,
        dtype: str = "float64",
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self.dtype = dtype

    def _confidence(self, matrix: sp.csr_array) -> FloatArray:
        return 1.0 + float(self.alpha) * matrix.data

    def _gram(self, y: FloatArray) -> FloatArray:
        return y.T @ y + float(self.regularization) * np.eye(y.shape[1])

    def _fit(self, inter: Interactions) -> None:
        f = check_int(self.factors, "factors", low=1)
        reg = check_interval(self.regularization, "regularization", low=0.0, closed="neither")
        check_interval(self.alpha, "alpha", low=0.0)
        iterations = check_int(self.iterations, "iterations", low=1, high=10_000)
        single = check_options(self.dtype, "dtype", _DTYPES) == "float32"
        rng = check_random_state(self.random_state)
        r = inter.matrix
        rt = sp.csr_array(r.T)
        rt.sort_indices()
        conf_u = self._confidence(r)
        conf_i = self._confidence(rt)
        u_ptr, u_idx = r.indptr.astype(np.int64), r.indices.astype(np.int64)
        i_ptr, i_idx = rt.indptr.astype(np.int64), rt.indices.astype(np.int64)
        x0 = rng.random((inter.n_users, f)) * 0.01
        y0 = rng.random((inter.n_items, f)) * 0.01
        x: _Factors = x0.astype(np.float32) if single else x0
        y: _Factors = y0.astype(np.float32) if single else y0
        ridge = reg * np.eye(f)
        # Y'Y and X'X are formed once per half-iteration (float64) and serve both the next
        # solve and the loss: sum_{u,i} (x_u'y_i)**2 = sum(X'X * Y'Y), |X|**2 = trace(X'X).
        yty = _cross(y)
        losses = []
        for _ in range(iterations):
            _als_kernels.als_cg(u_ptr, u_idx, conf_u, x, y, yty + ridge, CG_STEPS)
            xtx = _cross(x)
            _als_kernels.als_cg(i_ptr, i_idx, conf_i, y, x, xtx + ridge, CG_STEPS)
            yty = _cross(y)
            observed = float(_als_kernels.als_loss(u_ptr, u_idx, conf_u, x, y).sum())
            everything = float(np.sum(xtx * yty))
            penalty = reg * (float(np.trace(xtx)) + float(np.trace(yty)))
            losses.append(observed + everything + penalty)
        self.user_factors_ = x
        self.item_factors_ = y
        self.loss_history_ = np.array(losses)

    def _top_n(self, codes: IntArray, filters: Filters) -> TopN:
        r = self.interactions_.matrix
        indptr = r.indptr.astype(np.int64)
        indices = r.indices.astype(np.int64)
        n = filters.n
        items = np.full((codes.size, n), -1, dtype=np.int64)
        scores = np.zeros((codes.size, n))
        counts = np.zeros(codes.size, dtype=np.int64)
        because = np.full((codes.size, n, 3), -1, dtype=np.int64)
        y = self.item_factors_
        f = y.shape[1]
        gram = self._gram(y.astype(np.float64))
        # a batch holds its dense scores and its users' Cholesky factors (f x f each)
        for lo, hi in score_batches(codes.size, max(self.interactions_.n_items, f * f)):
            sub = r[codes[lo:hi]]
            sub_ptr, sub_idx = sub.indptr.astype(np.int64), sub.indices.astype(np.int64)
            sub_conf = self._confidence(sub)
            x = np.zeros((hi - lo, f), dtype=y.dtype)
            chol = _als_kernels.als_exact(sub_ptr, sub_idx, sub_conf, x, y, gram)
            block = x @ y.T
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
            because[lo:hi] = _als_kernels.factor_because_from(
                items[lo:hi], counts[lo:hi], sub_ptr, sub_idx, sub_conf, y, chol
            )
        return TopN(items, scores, counts, because)

    def similar_items(self, items: Any, n: int = 10) -> pd.DataFrame:
        """Items whose factors have the largest cosine with each item's.

        Returns
        -------
        DataFrame
            ``item_id, rank, similar_item_id, score``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.recommend import ALS
        >>> log = pd.DataFrame({"user_id": [1, 1, 2], "item_id": ["tea", "cup", "tea"]})
        >>> ALS(factors=2, random_state=0).fit(log).similar_items("cup")["similar_item_id"].tolist()
        ['tea']
        """
        self._check_fitted()
        y = self.item_factors_
        norms = np.linalg.norm(y, axis=1)
        safe = np.where(norms > 0, norms, 1.0)
        every = np.arange(y.shape[0], dtype=np.int64)
        return similar_frame(
            self.interactions_.items,
            items,
            n,
            lambda code: (every, (y @ y[code]) / (safe * safe[code])),
        )
