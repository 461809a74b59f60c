"""Evaluation kernels of :mod:`precisemkt.recommend`: hits of a ranked list in a test
set and intra-list distance (ndarray in, ndarray out, no validation).
"""

from __future__ import annotations

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import BoolArray, FloatArray, IntArray

__all__ = ["hit_matrix", "intra_list_distance"]

# -- evaluation -----------------------------------------------------------------------------


@njit()
def hit_matrix(rec: IntArray, test_indptr: IntArray, test_indices: IntArray) -> BoolArray:
    """``hits[u, r]`` is True when the item at rank ``r + 1`` of row ``u`` is in the user's
    test set (row ``u`` of the test CSR, sorted indices); -1 entries are misses."""
    rows, k = rec.shape
    hits = np.zeros((rows, k), dtype=np.bool_)
    for u in range(rows):
        lo = test_indptr[u]
        hi = test_indptr[u + 1]
        for r in range(k):
            i = rec[u, r]
            if i < 0:
                continue
            a, b = lo, hi
            while a < b:
                mid = (a + b) // 2
                if test_indices[mid] < i:
                    a = mid + 1
                else:
                    b = mid
            hits[u, r] = a < hi and test_indices[a] == i
    return hits


@njit()
def _common(indptr: IntArray, indices: IntArray, i: int, j: int) -> int:
    a, a_end = indptr[i], indptr[i + 1]
    b, b_end = indptr[j], indptr[j + 1]
    n = 0
    while a < a_end and b < b_end:
        if indices[a] == indices[b]:
            n += 1
            a += 1
            b += 1
        elif indices[a] < indices[b]:
            a += 1
        else:
            b += 1
    return n


@njit(parallel=True)
def intra_list_distance(
    rec: IntArray, k: int, item_indptr: IntArray, item_indices: IntArray
) -> FloatArray:
    """Mean ``1 - cosine`` over the pairs of each row's first ``k`` items (NaN below two).

    Items are binary user vectors (item x user CSR, sorted indices); the cosine of two
    items is ``common users / sqrt(|users_i| |users_j|)``.
    """
    rows = rec.shape[0]
    out = np.full(rows, np.nan)
    for u_ in prange(rows):
        u = int(np.int64(u_))  # prange indices are uint64 (a second compile)
        total = 0.0
        pairs = 0
        for a in range(k):
            i = rec[u, a]
            if i < 0:
                continue
            for b in range(a + 1, k):
                j = rec[u, b]
                if j < 0:
                    continue
                ni = item_indptr[i + 1] - item_indptr[i]
                nj = item_indptr[j + 1] - item_indptr[j]
                cos = 0.0
                if ni > 0 and nj > 0:
                    cos = _common(item_indptr, item_indices, i, j) / np.sqrt(ni * nj)
                total += 1.0 - cos
                pairs += 1
        if pairs > 0:
            out[u] = total / pairs
    return out
