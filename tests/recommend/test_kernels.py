"""Each recommend kernel against its naive reference (hypothesis property tests)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.recommend import _als_kernels, _eval_kernels, _knn_kernels, _topk_kernels
from tests.recommend.helpers import assert_same_ranking
from tests.reference import recommend as ref


@st.composite
def matrices(draw: st.DrawFn, max_users: int = 12, max_items: int = 10) -> np.ndarray:
    """A small user x item matrix of positive continuous weights (ties improbable)."""
    n_users = draw(st.integers(1, max_users))
    n_items = draw(st.integers(1, max_items))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.floats(0.1, 0.9))
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    return np.where(mask, rng.uniform(0.5, 3.0, (n_users, n_items)), 0.0)


def _csr(a: np.ndarray) -> sp.csr_array:
    m = sp.csr_array(a)
    m.sort_indices()
    return m


def _parts(m: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64)


def _knn(a: np.ndarray, kind: int, k: int, alpha: float, shrinkage: float):
    binary = (a > 0).astype(float)
    w = binary if kind else a
    wm = _csr(w)
    sizes = binary.sum(axis=0)
    return _knn_kernels.knn_rows(
        np.arange(a.shape[1], dtype=np.int64),
        *_parts(_csr(w.T)),
        *_parts(wm),
        sizes,
        kind,
        alpha,
        shrinkage,
        k,
    ), ref.knn_similarity(w, binary, kind, k, alpha, shrinkage)


@given(
    matrices(),
    st.sampled_from([0, 1, 2]),
    st.integers(1, 6),
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 2.5]),
)
def test_knn_rows_matches_reference(a, kind, k, alpha, shrinkage) -> None:
    (idx, val, cnt), expected = _knn(a, kind, k, alpha, shrinkage)
    for i, row in enumerate(expected):
        assert cnt[i] == len(row)
        assert_same_ranking(
            idx[i, : cnt[i]], val[i, : cnt[i]], [j for j, _ in row], [s for _, s in row]
        )


def _neighbours(a: np.ndarray, k: int) -> tuple[sp.csr_array, list[list[tuple[int, float]]]]:
    (idx, val, cnt), rows = _knn(a, 0, k, 0.5, 0.0)
    mask = np.arange(idx.shape[1])[None, :] < cnt[:, None]
    s = sp.csr_array(
        (val[mask], idx[mask], np.concatenate([[0], np.cumsum(cnt)])), shape=(a.shape[1],) * 2
    )
    s.sort_indices()
    # the reference recommends from the kernel's own neighbourhoods (tested above)
    rows = [
        list(zip(idx[i, : cnt[i]].tolist(), val[i, : cnt[i]].tolist(), strict=True))
        for i in range(a.shape[1])
    ]
    return s, rows


@st.composite
def filters(draw: st.DrawFn, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    allowed = np.array(draw(st.lists(st.booleans(), min_size=n_items, max_size=n_items)))
    boost = np.array(
        draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n_items, max_size=n_items))
    )
    category = np.array(
        draw(st.lists(st.integers(0, 2), min_size=n_items, max_size=n_items)), dtype=np.int64
    )
    cap = draw(st.sampled_from([0, 1, 2]))
    return allowed, boost, category, cap


@given(matrices(), st.integers(1, 5), st.integers(1, 6), st.booleans(), st.data())
def test_knn_recommend_matches_reference(a, k, n, exclude_seen, data) -> None:
    s, rows = _neighbours(a, k)
    allowed, boost, category, cap = data.draw(filters(a.shape[1]))
    users = np.arange(a.shape[0], dtype=np.int64)
    items, scores, counts, because = _knn_kernels.knn_recommend(
        users, *_parts(_csr(a)), *_parts(s), exclude_seen, allowed, boost, category, cap, n
    )
    for u in users:
        e_items, e_scores, _ = ref.knn_recommend(
            a, rows, int(u), n, exclude_seen, allowed, boost, category, cap
        )
        assert counts[u] == len(e_items)
        assert_same_ranking(items[u, : counts[u]], scores[u, : counts[u]], e_items, e_scores)
        for q, i in enumerate(items[u, : counts[u]]):
            got = [j for j in because[u, q] if j >= 0]
            want = ref.top3(
                {int(j): a[u, j] * dict(rows[j]).get(int(i), 0.0) for j in np.flatnonzero(a[u])}
            )
            np.testing.assert_allclose(
                [a[u, j] * dict(rows[j]).get(int(i), 0.0) for j in got],
                [a[u, j] * dict(rows[j]).get(int(i), 0.0) for j in want],
            )


@given(matrices(), st.integers(1, 6), st.booleans(), st.data())
def test_dense_select_matches_reference(a, n, exclude_seen, data) -> None:
    rng = np.random.default_rng(int(a.sum() * 1000) % 2**32)
    scores = rng.normal(size=a.shape)
    allowed, boost, category, cap = data.draw(filters(a.shape[1]))
    seen = _csr(a)
    users = np.arange(a.shape[0], dtype=np.int64) if exclude_seen else np.full(a.shape[0], -1)
    items, vals, counts = _topk_kernels.dense_select(
        scores,
        users,
        seen.indptr.astype(np.int64),
        seen.indices.astype(np.int64),
        allowed,
        boost,
        category,
        cap,
        n,
    )
    for u in range(a.shape[0]):
        banned = set(np.flatnonzero(a[u]).tolist()) if exclude_seen else set()
        e_items, e_vals = ref.select(
            dict(enumerate(scores[u])), banned, allowed, boost, category, cap, n
        )
        assert counts[u] == len(e_items)
        assert_same_ranking(items[u, : counts[u]], vals[u, : counts[u]], e_items, e_vals)


@given(matrices(), st.integers(1, 4))
def test_dense_because_matches_reference(a, n) -> None:
    rng = np.random.default_rng(7)
    w = rng.normal(size=(a.shape[1], a.shape[1]))
    items = rng.integers(0, a.shape[1], size=(a.shape[0], n))
    counts = np.full(a.shape[0], n, dtype=np.int64)
    m = _csr(a)
    got = _topk_kernels.dense_because(
        np.arange(a.shape[0], dtype=np.int64), items, counts, *_parts(m), w
    )
    for u in range(a.shape[0]):
        for q in range(n):
            want = ref.top3({int(j): a[u, j] * w[j, items[u, q]] for j in np.flatnonzero(a[u])})
            assert [j for j in got[u, q] if j >= 0] == want


@settings(max_examples=25)
@given(
    matrices(max_users=8, max_items=7),
    st.integers(1, 4),
    st.floats(0.01, 2.0),
    st.floats(0.0, 20.0),
)
def test_als_steps_match_reference(a, f, reg, alpha) -> None:
    rng = np.random.default_rng(3)
    x0 = rng.random((a.shape[0], f)) * 0.1
    y = rng.random((a.shape[1], f)) * 0.1
    m = _csr(a)
    gram = y.T @ y + reg * np.eye(f)
    conf = 1.0 + alpha * m.data
    x = x0.copy()
    _als_kernels.als_cg(m.indptr.astype(np.int64), m.indices.astype(np.int64), conf, x, y, gram, 3)
    np.testing.assert_allclose(x, ref.als_half_step(a, x0, y, reg, alpha, 3), rtol=1e-8, atol=1e-10)
    _als_kernels.als_exact(m.indptr.astype(np.int64), m.indices.astype(np.int64), conf, x, y, gram)
    np.testing.assert_allclose(x, ref.als_exact_users(a, y, reg, alpha), rtol=1e-8, atol=1e-10)
    partial = _als_kernels.als_loss(
        m.indptr.astype(np.int64), m.indices.astype(np.int64), conf, x, y
    ).sum()
    total = partial + np.sum((x.T @ x) * (y.T @ y)) + reg * (np.sum(x * x) + np.sum(y * y))
    np.testing.assert_allclose(total, ref.als_loss(a, x, y, reg, alpha), rtol=1e-9)


@settings(max_examples=25)
@given(
    matrices(max_users=8, max_items=7),
    st.integers(1, 4),
    st.floats(0.01, 2.0),
    st.floats(0.0, 20.0),
)
def test_factor_because_matches_reference(a, f, reg, alpha) -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(size=(a.shape[1], f))
    m = _csr(a)
    n = min(2, a.shape[1])
    items = np.tile(np.arange(n, dtype=np.int64), (a.shape[0], 1))
    counts = np.full(a.shape[0], n, dtype=np.int64)
    # the recommend path: the Cholesky factors of als_exact reused for the reasons
    x = np.zeros((a.shape[0], f))
    chol = _als_kernels.als_exact(
        m.indptr.astype(np.int64),
        m.indices.astype(np.int64),
        1.0 + alpha * m.data,
        x,
        y,
        y.T @ y + reg * np.eye(f),
    )
    got = _als_kernels.factor_because_from(
        items,
        counts,
        m.indptr.astype(np.int64),
        m.indices.astype(np.int64),
        1.0 + alpha * m.data,
        y,
        chol,
    )
    for u in range(a.shape[0]):
        for q in range(n):
            contrib = ref.als_contributions(a, y, reg, alpha, u, q)
            want = ref.top3(contrib)
            have = [j for j in got[u, q] if j >= 0]
            np.testing.assert_allclose(
                [contrib[j] for j in have], [contrib[j] for j in want], rtol=1e-8
            )


@given(st.integers(1, 8), st.integers(1, 6), st.integers(2, 9), st.integers(0, 2**31))
def test_hit_matrix_and_ild_match_reference(n_users, k, n_items, seed) -> None:
    rng = np.random.default_rng(seed)
    rec = np.array(
        [
            rng.permutation(n_items)[:k]
            if k <= n_items
            else np.r_[rng.permutation(n_items), [-1] * (k - n_items)]
            for _ in range(n_users)
        ],
        dtype=np.int64,
    )
    truth = rng.random((n_users, n_items)) < 0.3
    t = _csr(truth.astype(float))
    hits = _eval_kernels.hit_matrix(rec, t.indptr.astype(np.int64), t.indices.astype(np.int64))
    for u in range(n_users):
        assert hits[u].tolist() == [bool(i >= 0 and truth[u, i]) for i in rec[u]]
    binary = (rng.random((6, n_items)) < 0.5).astype(float)
    by_item = _csr(binary.T)
    ild = _eval_kernels.intra_list_distance(
        rec, k, by_item.indptr.astype(np.int64), by_item.indices.astype(np.int64)
    )
    for u in range(n_users):
        want = ref.intra_list_distance([int(i) for i in rec[u] if i >= 0], binary)
        np.testing.assert_allclose(ild[u], want, rtol=1e-12, equal_nan=True)
