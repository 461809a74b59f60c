"""Item-kNN kernels of :mod:`precisemkt.recommend`: neighbourhoods from sparse
co-occurrence and top-n lists with reasons (conventions as in
:mod:`precisemkt.recommend._topk_kernels`).
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit, prange
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt.recommend._topk_kernels import (
    BLOCKS,
    heap_push,
    heap_sort,
    select_top,
    top_contributors,
)

#: CSR index arrays as scipy builds them (int32 below 2**31 entries) or int64.
_IndexArray: TypeAlias = npt.NDArray[np.int32] | npt.NDArray[np.int64]

__all__ = ["KIND_ASYMMETRIC", "KIND_DOT", "KIND_JACCARD", "knn_recommend", "knn_rows"]

#: Similarity formulas of :func:`knn_rows`: the dot product of pre-weighted columns
#: (cosine, BM25, TF-IDF), Jaccard and asymmetric cosine on binary columns.
KIND_DOT, KIND_JACCARD, KIND_ASYMMETRIC = 0, 1, 2


# -- item-item neighbourhoods ---------------------------------------------------------------


@njit()
def _knn_block(
    start: int,
    stop: int,
    step: int,
    rows: IntArray,
    item_indptr: _IndexArray,
    item_indices: _IndexArray,
    item_data: FloatArray,
    user_indptr: _IndexArray,
    user_indices: _IndexArray,
    user_data: FloatArray,
    sizes: FloatArray,
    kind: int,
    alpha: float,
    shrinkage: float,
    k: int,
    out_idx: IntArray,
    out_val: FloatArray,
    out_cnt: IntArray,
) -> None:
    n_items = sizes.shape[0]
    acc = np.zeros(n_items)
    co = np.zeros(n_items, dtype=np.int64)
    touched = np.empty(n_items + 1, dtype=np.int64)
    mark = np.full(n_items, -1, dtype=np.int64)
    count = shrinkage > 0.0
    for p in range(start, stop, step):
        i = rows[p]
        n_touched = 0
        for a in range(item_indptr[i], item_indptr[i + 1]):
            u = item_indices[a]
            w1 = item_data[a]
            for b in range(user_indptr[u], user_indptr[u + 1]):
                j = user_indices[b]
                # branch-free append: j is kept only when first seen for this row
                touched[n_touched] = j
                n_touched += mark[j] != p
                mark[j] = p
                acc[j] += w1 * user_data[b]
                if count:
                    co[j] += 1
        size = 0
        row_val = out_val[p]
        row_idx = out_idx[p]
        for t in range(n_touched):
            j = touched[t]
            dot = acc[j]
            if kind == KIND_JACCARD:
                sim = dot / (sizes[i] + sizes[j] - dot)
            elif kind == KIND_ASYMMETRIC:
                sim = dot / (sizes[i] ** alpha * sizes[j] ** (1.0 - alpha))
            else:
                sim = dot
            if shrinkage > 0.0:
                sim *= co[j] / (co[j] + shrinkage)
            acc[j] = 0.0
            co[j] = 0
            # most items lose to a full heap's worst entry: test that here, not in a call
            if size == k and (sim < row_val[0] or (sim == row_val[0] and j > row_idx[0])):
                continue
            size = heap_push(row_val, row_idx, size, k, sim, j)
        heap_sort(row_val, row_idx, size)
        out_cnt[p] = size


@njit(parallel=True)
def knn_rows(
    rows: IntArray,
    item_indptr: _IndexArray,
    item_indices: _IndexArray,
    item_data: FloatArray,
    user_indptr: _IndexArray,
    user_indices: _IndexArray,
    user_data: FloatArray,
    sizes: FloatArray,
    kind: int,
    alpha: float,
    shrinkage: float,
    k: int,
) -> tuple[IntArray, FloatArray, IntArray]:
    """The ``k`` most similar items (the item itself included) of each item in ``rows``.

    ``item_*`` is the item x user CSR of the (weighted) interactions and ``user_*`` its
    user x item transpose; ``sizes`` holds each item's number of users (Jaccard and
    asymmetric cosine). For items ``i, j`` with dot product ``d`` of their columns and
    ``n`` common users the similarity is ``d`` (kind 0), ``d / (|i| + |j| - d)`` (kind 1)
    or ``d / (|i|**alpha * |j|**(1 - alpha))`` (kind 2), times ``n / (n + shrinkage)``
    when ``shrinkage > 0``. Every item sharing a user with ``i`` is a candidate.

    Returns neighbour ids and similarities, shape ``(len(rows), k)``, best first, and the
    number of neighbours found per row.
    """
    m = rows.shape[0]
    out_idx = np.full((m, k), -1, dtype=np.int64)
    out_val = np.zeros((m, k))
    out_cnt = np.zeros(m, dtype=np.int64)
    n_blocks = min(m, BLOCKS)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _knn_block(
            blk,
            m,
            n_blocks,
            rows,
            item_indptr,
            item_indices,
            item_data,
            user_indptr,
            user_indices,
            user_data,
            sizes,
            kind,
            alpha,
            shrinkage,
            k,
            out_idx,
            out_val,
            out_cnt,
        )
    return out_idx, out_val, out_cnt


@njit()
def _lookup(indptr: IntArray, indices: IntArray, data: FloatArray, row: int, col: int) -> float:
    """Entry (row, col) of a CSR matrix with sorted indices (0 when absent)."""
    lo = indptr[row]
    hi = indptr[row + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        c = indices[mid]
        if c == col:
            return float(data[mid])
        if c < col:
            lo = mid + 1
        else:
            hi = mid
    return 0.0


@njit()
def _knn_rec_block(
    start: int,
    stop: int,
    step: int,
    users: IntArray,
    r_indptr: IntArray,
    r_indices: IntArray,
    r_data: FloatArray,
    s_indptr: IntArray,
    s_indices: IntArray,
    s_data: FloatArray,
    exclude_seen: bool,
    allowed: BoolArray,
    boost: FloatArray,
    category: IntArray,
    cap: int,
    n: int,
    out_items: IntArray,
    out_scores: FloatArray,
    out_cnt: IntArray,
    out_because: IntArray,
) -> None:
    m = allowed.shape[0]
    acc = np.zeros(m)
    hit = np.zeros(m, dtype=np.bool_)
    touched = np.empty(m, dtype=np.int64)
    banned = np.full(m, -1, dtype=np.int64)
    cat_count = np.zeros(category.max() + 1 if m > 0 else 1, dtype=np.int64)
    heap_v = np.empty(n)
    heap_i = np.empty(n, dtype=np.int64)
    contrib = np.empty(m)
    for r in range(start, stop, step):
        u = users[r]
        n_touched = 0
        for a in range(r_indptr[u], r_indptr[u + 1]):
            j = r_indices[a]
            w = r_data[a]
            if exclude_seen:
                banned[j] = r
            for b in range(s_indptr[j], s_indptr[j + 1]):
                i = s_indices[b]
                if not hit[i]:
                    hit[i] = True
                    touched[n_touched] = i
                    n_touched += 1
                acc[i] += w * s_data[b]
        cnt = select_top(
            acc,
            touched,
            n_touched,
            banned,
            r,
            allowed,
            boost,
            category,
            cap,
            n,
            cat_count,
            heap_v,
            heap_i,
            out_items[r],
            out_scores[r],
        )
        out_cnt[r] = cnt
        for t in range(n_touched):
            acc[touched[t]] = 0.0
            hit[touched[t]] = False
        lo = r_indptr[u]
        h = r_indptr[u + 1] - lo
        for q in range(cnt):
            i = out_items[r, q]
            for t in range(h):
                contrib[t] = r_data[lo + t] * _lookup(
                    s_indptr, s_indices, s_data, r_indices[lo + t], i
                )
            top_contributors(contrib, r_indices[lo:], h, out_because[r, q])


@njit(parallel=True)
def knn_recommend(
    users: IntArray,
    r_indptr: IntArray,
    r_indices: IntArray,
    r_data: FloatArray,
    s_indptr: IntArray,
    s_indices: IntArray,
    s_data: FloatArray,
    exclude_seen: bool,
    allowed: BoolArray,
    boost: FloatArray,
    category: IntArray,
    cap: int,
    n: int,
) -> tuple[IntArray, FloatArray, IntArray, IntArray]:
    """Item-kNN top ``n`` with reasons for each user code in ``users``.

    The score of item ``i`` for user ``u`` is ``sum_j r[u, j] * S[j, i]`` over the user's
    items ``j`` (``r`` the user x item CSR, ``S`` the item x item neighbourhood CSR);
    items no history item reaches are not candidates. Filters as in :func:`select_top`.
    Returns items, scores, counts and the three largest contributors per item
    (shape ``(users, n, 3)``, -1 padded).
    """
    rows = users.shape[0]
    out_items = np.full((rows, n), -1, dtype=np.int64)
    out_scores = np.zeros((rows, n))
    out_cnt = np.zeros(rows, dtype=np.int64)
    out_because = np.full((rows, n, 3), -1, dtype=np.int64)
    n_blocks = min(rows, BLOCKS)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _knn_rec_block(
            blk,
            rows,
            n_blocks,
            users,
            r_indptr,
            r_indices,
            r_data,
            s_indptr,
            s_indices,
            s_data,
            exclude_seen,
            allowed,
            boost,
            category,
            cap,
            n,
            out_items,
            out_scores,
            out_cnt,
            out_because,
        )
    return out_items, out_scores, out_cnt, out_because
