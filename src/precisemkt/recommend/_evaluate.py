"""Offline evaluation over the full catalogue."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from precisemkt._results import ResultMixin
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt._validation import check_int, format_message, require_columns, require_frame
from precisemkt.errors import ValidationError
from precisemkt.recommend import _eval_kernels
from precisemkt.recommend._base import Recommender

__all__ = ["METRICS", "RecommendationMetrics", "evaluate", "metrics_from_lists", "ranking_metrics"]

#: The metric columns of :class:`RecommendationMetrics`, in order.
METRICS = (
    "precision",
    "recall",
    "ndcg",
    "map",
    "hit_rate",
    "mrr",
    "coverage",
    "novelty",
    "diversity",
)


@dataclasses.dataclass(frozen=True, slots=True)
class RecommendationMetrics(ResultMixin):
    """Offline metrics of a recommender at several list lengths.

    Attributes
    ----------
    model : str
        The evaluated estimator's repr.
    metrics : DataFrame
        One row per ``k``; columns ``precision, recall, ndcg, map, hit_rate, mrr`` (means
        over test users), ``coverage`` (share of the catalogue recommended to anyone),
        ``novelty`` (mean self-information ``-log2(share of users with the item)`` of the
        recommended items) and ``diversity`` (mean intra-list ``1 - cosine`` of item pairs).
    n_users : int
        Test users evaluated (those with a test item known to the model).
    n_items : int
        Items in the catalogue (the training items), all of them ranked.
    """

    model: str
    metrics: pd.DataFrame
    n_users: int
    n_items: int

    def to_frame(self) -> pd.DataFrame:
        """The metrics table (a copy), one row per k."""
        return self.metrics.copy()


def ranking_metrics(
    hits: BoolArray, n_relevant: FloatArray, ks: Iterable[int]
) -> dict[str, FloatArray]:
    """Per-k means of the accuracy metrics from a hit matrix (users x ranks)."""
    out: dict[str, list[float]] = {m: [] for m in METRICS[:6]}
    ranks = np.arange(1, hits.shape[1] + 1)
    discount = 1.0 / np.log2(ranks + 1.0)
    for k in ks:
        h = hits[:, :k].astype(np.float64)
        n_hits = h.sum(axis=1)
        ideal = np.cumsum(discount[:k])[np.minimum(n_relevant, k).astype(np.int64) - 1]
        prec_at = np.cumsum(h, axis=1) / ranks[:k]
        first = np.where(h.any(axis=1), h.argmax(axis=1) + 1.0, np.inf)
        out["precision"].append(float(np.mean(n_hits / k)))
        out["recall"].append(float(np.mean(n_hits / n_relevant)))
        out["ndcg"].append(float(np.mean((h @ discount[:k]) / ideal)))
        out["map"].append(float(np.mean((prec_at * h).sum(axis=1) / np.minimum(n_relevant, k))))
        out["hit_rate"].append(float(np.mean(n_hits > 0)))
        out["mrr"].append(float(np.mean(1.0 / first)))
    return {m: np.array(v) for m, v in out.items()}


def evaluate(
    model: Recommender,
    train: pd.DataFrame,
    test: pd.DataFrame,
    k: int | Iterable[int] = (5, 10, 20),
    *,
    user_col: str = "user_id",
    item_col: str = "item_id",
    weight_col: str | None = None,
) -> RecommendationMetrics:
    """Fit a copy of ``model`` on ``train`` and score its top-k lists against ``test``.

    Every test user gets a list ranked over the **full catalogue** (every training item
    the user does not already have), never over a sample of items: sampled metrics can
    rank models in the wrong order (Krichene & Rendle 2020). Test users unknown to the
    model get its popularity fallback, as in production. Test rows with items the model
    never saw are dropped (no model could recommend them); users left without test items
    are not evaluated.

    Parameters
    ----------
    model : Popularity, ItemKNN, EASE or ALS
        The estimator; it is copied (``type(model)(**model.get_params())``) and the copy
        is fitted, so ``model`` itself is left untouched.
    train, test : DataFrame
        Interaction logs (e.g. from :func:`split_by_time` or :func:`leave_last_out`).
    k : int or sequence of int, default (5, 10, 20)
        List lengths.
    user_col, item_col, weight_col : str
        Column names, as in ``fit``.

    Returns
    -------
    RecommendationMetrics
        Binary relevance (an item is relevant when it is in the user's test rows):
        ``precision@k = hits/k``, ``recall@k = hits/|T|``, ``ndcg@k`` with gain
        ``1/log2(rank+1)`` and the ideal list of ``min(k, |T|)`` hits, ``map@k`` the mean
        of precision at each hit over ``min(k, |T|)``, ``hit_rate@k`` and ``mrr@k``
        (reciprocal rank of the first hit, 0 beyond k).

    Examples
    --------
    >>> from precisemkt.datasets import make_interactions
    >>> from precisemkt.recommend import ItemKNN, evaluate, leave_last_out
    >>> log = make_interactions(n_users=300, n_items=100, random_state=0).interactions
    >>> train, test = leave_last_out(log)
    >>> res = evaluate(ItemKNN(k=50), train, test, k=(5, 10))
    >>> list(res.metrics.columns[:3]), res.n_users
    (['precision', 'recall', 'ndcg'], 300)
    """
    train = require_frame(train, "train")
    test = require_frame(test, "test")
    require_columns(test, [user_col, item_col], name="test")
    ks = sorted({check_int(v, "k", low=1) for v in ([k] if isinstance(k, int) else k)})
    if not ks:
        raise ValidationError(format_message("k", "name at least one list length", "[]", ""))
    fitted = type(model)(**model.get_params())
    fitted.fit(train, user_col=user_col, item_col=item_col, weight_col=weight_col)
    inter = fitted.interactions_
    item_codes = inter.items.get_indexer(pd.Index(test[item_col]))
    keep = item_codes >= 0
    if not keep.any():
        raise ValidationError(
            format_message(
                "test",
                "contain items seen in train",
                "no known item",
                "Check that train and test come from one log.",
            )
        )
    user_codes, test_users = pd.factorize(test[user_col].to_numpy()[keep])
    truth = sp.csr_array(
        (np.ones(user_codes.size), (user_codes, item_codes[keep])),
        shape=(len(test_users), inter.n_items),
    )
    truth.sum_duplicates()
    truth.sort_indices()
    kmax = ks[-1]
    recs = fitted.recommend(test_users, n=kmax)
    rec = np.full((len(test_users), kmax), -1, dtype=np.int64)
    row = pd.Index(test_users).get_indexer(pd.Index(recs["user_id"]))
    rec[row, recs["rank"].to_numpy() - 1] = inter.items.get_indexer(pd.Index(recs["item_id"]))
    metrics = metrics_from_lists(rec, truth, inter.matrix, ks)
    return RecommendationMetrics(repr(model), metrics, len(test_users), inter.n_items)


def metrics_from_lists(
    rec: IntArray, truth: sp.csr_array, train: sp.csr_array, ks: list[int]
) -> pd.DataFrame:
    """The metrics table of top-k lists ``rec`` (users x max k item codes, -1 padded)
    against the test CSR ``truth`` (same rows, sorted indices) and the training CSR."""
    hits = _eval_kernels.hit_matrix(
        rec, truth.indptr.astype(np.int64), truth.indices.astype(np.int64)
    )
    n_relevant = np.diff(truth.indptr).astype(np.float64)
    table = ranking_metrics(hits, n_relevant, ks)
    table.update(_beyond_accuracy(rec, train, ks))
    return pd.DataFrame(table, index=pd.Index(ks, name="k"))[list(METRICS)]


def _beyond_accuracy(rec: IntArray, train: sp.csr_array, ks: list[int]) -> dict[str, FloatArray]:
    n_users, n_items = train.shape
    by_item = sp.csr_array(train.T)
    by_item.sort_indices()
    share = np.diff(by_item.indptr) / n_users
    info = -np.log2(np.where(share > 0, share, 1.0))
    coverage, novelty, diversity = [], [], []
    for k in ks:
        top = rec[:, :k]
        valid = top >= 0
        coverage.append(np.unique(top[valid]).size / n_items)
        novelty.append(float(info[top[valid]].mean()) if valid.any() else np.nan)
        ild = _eval_kernels.intra_list_distance(
            top, k, by_item.indptr.astype(np.int64), by_item.indices.astype(np.int64)
        )
        diversity.append(float(np.nanmean(ild)) if np.isfinite(ild).any() else np.nan)
    return {
        "coverage": np.array(coverage),
        "novelty": np.array(novelty),
        "diversity": np.array(diversity),
    }
