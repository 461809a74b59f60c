"""ItemKNN and ALS against implicit 0.7.3 run in the test (the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from precisemkt.recommend import ALS, ItemKNN, split_per_user
from precisemkt.recommend._evaluate import metrics_from_lists
from tests.recommend.helpers import assert_same_ranking, movielens

implicit_nn = pytest.importorskip("implicit.nearest_neighbours")
implicit_als = pytest.importorskip("implicit.als")

PEERS = {
    "cosine": implicit_nn.CosineRecommender,
    "bm25": implicit_nn.BM25Recommender,
    "tfidf": implicit_nn.TFIDFRecommender,
}


def _implicit(cls, matrix: sp.csr_array, **kwargs):
    with warnings.catch_warnings():  # implicit warns about its COO -> CSR and BLAS threads
        warnings.simplefilter("ignore")
        model = cls(**kwargs)
        model.fit(sp.csr_matrix(matrix), show_progress=False)
    return model


@pytest.fixture(scope="module")
def weighted() -> sp.csr_array:
    """300 users x 120 items, exponential weights: no tied similarities."""
    rng = np.random.default_rng(0)
    m = sp.random_array((300, 120), density=0.06, rng=1, format="csr")
    m.data = rng.exponential(size=m.nnz) + 0.1
    m.sort_indices()
    return sp.csr_array(m)


@pytest.mark.parametrize("similarity", ["cosine", "bm25", "tfidf"])
@pytest.mark.parametrize("k", [1, 5, 30, 500])
def test_neighbours_equal_implicit(weighted, similarity, k) -> None:
    peer = _implicit(PEERS[similarity], weighted, K=k)
    ours = ItemKNN(similarity, k=k).fit(weighted)
    theirs = sp.csr_array(peer.similarity)
    theirs.sort_indices()
    mine = ours.similarity_
    np.testing.assert_array_equal(np.diff(mine.indptr), np.diff(theirs.indptr))
    np.testing.assert_array_equal(mine.indices, theirs.indices)
    np.testing.assert_allclose(mine.data, theirs.data, rtol=1e-6)


@pytest.mark.parametrize("similarity", ["cosine", "bm25"])
def test_recommendations_equal_implicit(weighted, similarity) -> None:
    peer = _implicit(PEERS[similarity], weighted, K=20)
    ours = ItemKNN(similarity, k=20).fit(weighted)
    users = np.arange(50)
    ids, scores = peer.recommend(users, sp.csr_matrix(weighted[users]), N=10)
    rec = ours.recommend(users.tolist(), n=10)
    for u in users:
        mine = rec[rec["user_id"] == u]
        keep = scores[u] > -np.finfo(np.float64).max / 2  # implicit pads short lists
        assert_same_ranking(
            mine["item_id"], mine["score"], ids[u][keep], scores[u][keep], rtol=1e-6
        )


@pytest.mark.slow
@pytest.mark.parametrize("similarity", ["cosine", "bm25"])
def test_movielens_neighbourhoods_equal_implicit(similarity) -> None:
    """On MovieLens 100k (binary: many tied similarities) each item's K best similarity
    values are implicit's, and so are the neighbours above the K-th value (ties at the
    K-th value may be broken differently)."""
    ml = movielens()
    ours = ItemKNN(similarity, k=50).fit(ml)
    peer = _implicit(PEERS[similarity], ours.interactions_.matrix, K=50)
    theirs = sp.csr_array(peer.similarity)
    mine = ours.similarity_
    for i in range(mine.shape[0]):
        a = slice(mine.indptr[i], mine.indptr[i + 1])
        b = slice(theirs.indptr[i], theirs.indptr[i + 1])
        np.testing.assert_allclose(np.sort(mine.data[a]), np.sort(theirs.data[b]), rtol=1e-6)
        if a.stop == a.start:
            continue
        # every item above the row's smallest kept value is in both top-K lists
        floor = mine.data[a].min() * (1 + 1e-9)
        above_a = set(mine.indices[a][mine.data[a] > floor])
        above_b = set(theirs.indices[b][theirs.data[b] > floor])
        assert above_a == above_b


@pytest.mark.slow
def test_als_ndcg_on_movielens_agrees_with_implicit() -> None:
    """NDCG@10 on MovieLens 100k (20% of each user's ratings held out) within 2% of
    implicit's ALS at the same hyperparameters (factors 64, regularization 0.01,
    alpha 40, 15 iterations; implicit's confidence is alpha * r, so it is given
    1 + 40 r with alpha 1 to fit the same model). Initialisations differ."""
    ml = movielens()
    train, test = split_per_user(ml, test_size=0.2, random_state=0)
    ours = ALS(random_state=0).fit(train)
    inter = ours.interactions_
    codes = inter.items.get_indexer(test["item_id"])
    keep = codes >= 0
    rows = inter.users.get_indexer(test["user_id"].to_numpy()[keep])
    truth = sp.csr_array((np.ones(keep.sum()), (rows, codes[keep])), shape=inter.matrix.shape)
    truth.sum_duplicates()
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    truth = sp.csr_array(truth[users])
    truth.sort_indices()

    rec = ours.recommend(inter.users[users], n=10)
    mine = np.full((users.size, 10), -1, dtype=np.int64)
    mine[pd.Index(inter.users[users]).get_indexer(rec["user_id"]), rec["rank"] - 1] = (
        inter.items.get_indexer(rec["item_id"])
    )
    confidence = inter.matrix.copy()
    confidence.data = 1.0 + 40.0 * confidence.data
    peer = _implicit(
        implicit_als.AlternatingLeastSquares,
        confidence,
        factors=64,
        regularization=0.01,
        alpha=1.0,
        iterations=15,
        random_state=0,
        dtype=np.float64,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids, _ = peer.recommend(users, sp.csr_matrix(inter.matrix[users]), N=10)
    ndcg_ours = metrics_from_lists(mine, truth, inter.matrix, [10]).loc[10, "ndcg"]
    ndcg_peer = metrics_from_lists(ids.astype(np.int64), truth, inter.matrix, [10]).loc[10, "ndcg"]
    assert abs(ndcg_ours / ndcg_peer - 1) < 0.02, (ndcg_ours, ndcg_peer)
