"""Top-n selection kernels of :mod:`precisemkt.recommend`: bounded heaps, the filtered
choice of a user's best items, and the history items behind each choice.

Sparse matrices are passed as their CSR parts ``indptr, indices, data`` with column
indices sorted inside each row (ndarray in, ndarray out, no validation). Rankings order by
score, best first, and break ties by the smaller item index, so every kernel is
deterministic whatever the thread count.

Parallel kernels of the domain split their rows into :data:`BLOCKS` fixed interleaved
blocks and give each block to one call of a serial helper that allocates its own buffers
once (see the rules in :mod:`precisemkt._numba`); no result depends on which thread ran a
block.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit, prange
from precisemkt._typing import BoolArray, FloatArray, IntArray

#: Dense score blocks: float64, or float32 (ALS with float32 factors).
_Scores: TypeAlias = npt.NDArray[np.float64] | npt.NDArray[np.float32]

__all__ = [
    "BLOCKS",
    "dense_because",
    "dense_select",
    "heap_push",
    "heap_sort",
    "select_top",
    "top_contributors",
]

#: Blocks of a parallel kernel: block ``b`` of ``B`` takes rows ``b, b + B, b + 2B, ...``
#: (interleaved, so popular items or heavy users spread over all threads).
BLOCKS = 64


# -- bounded heaps of the best entries ------------------------------------------------------


@njit()
def _worse(v1: float, i1: int, v2: float, i2: int) -> bool:
    """True when entry (v1, i1) ranks below (v2, i2): lower score, or equal and larger id."""
    return v1 < v2 or (v1 == v2 and i1 > i2)


@njit()
def _sift_down(vals: FloatArray, idx: IntArray, size: int, pos: int) -> None:
    """Restore the heap (worst entry at the top) below ``pos``."""
    while True:
        left = 2 * pos + 1
        if left >= size:
            return
        child = left
        right = left + 1
        if right < size and _worse(vals[right], idx[right], vals[left], idx[left]):
            child = right
        if _worse(vals[child], idx[child], vals[pos], idx[pos]):
            vals[pos], vals[child] = vals[child], vals[pos]
            idx[pos], idx[child] = idx[child], idx[pos]
            pos = child
        else:
            return


@njit()
def heap_push(vals: FloatArray, idx: IntArray, size: int, cap: int, v: float, i: int) -> int:
    """Offer (v, i) to a heap holding the ``cap`` best entries; return the new size."""
    if size < cap:
        pos = size
        vals[pos] = v
        idx[pos] = i
        while pos > 0:
            parent = (pos - 1) // 2
            if _worse(vals[pos], idx[pos], vals[parent], idx[parent]):
                vals[pos], vals[parent] = vals[parent], vals[pos]
                idx[pos], idx[parent] = idx[parent], idx[pos]
                pos = parent
            else:
                break
        return size + 1
    if cap > 0 and _worse(vals[0], idx[0], v, i):
        vals[0] = v
        idx[0] = i
        _sift_down(vals, idx, size, 0)
    return size


@njit()
def heap_sort(vals: FloatArray, idx: IntArray, size: int) -> None:
    """Sort a heap in place, best entry first."""
    end = size
    while end > 1:
        end -= 1
        vals[0], vals[end] = vals[end], vals[0]
        idx[0], idx[end] = idx[end], idx[0]
        _sift_down(vals, idx, end, 0)


# -- choosing the top n for a user ----------------------------------------------------------


@njit()
def select_top(
    scores: _Scores,
    touched: IntArray,
    n_touched: int,
    banned: IntArray,
    stamp: int,
    allowed: BoolArray,
    boost: FloatArray,
    category: IntArray,
    cap: int,
    n: int,
    cat_count: IntArray,
    heap_v: FloatArray,
    heap_i: IntArray,
    out_items: IntArray,
    out_scores: FloatArray,
) -> int:
    """Write the ``n`` best items among ``touched`` into ``out_*``; return how many.

    An item is skipped when ``banned[item] == stamp`` or ``allowed[item]`` is False; its
    score is multiplied by ``boost[item]``. With ``cap > 0`` at most ``cap`` items of one
    ``category`` are kept (greedily, in score order).
    """
    if cap <= 0:
        size = 0
        for t in range(n_touched):
            j = touched[t]
            if banned[j] == stamp or not allowed[j]:
                continue
            v = scores[j] * boost[j]
            # most items lose to a full heap's worst entry: test that here, not in a call
            if size == n and (n == 0 or v < heap_v[0] or (v == heap_v[0] and j > heap_i[0])):
                continue
            size = heap_push(heap_v, heap_i, size, n, v, j)
        heap_sort(heap_v, heap_i, size)
        for r in range(size):
            out_items[r] = heap_i[r]
            out_scores[r] = heap_v[r]
        return size
    cand = np.empty(n_touched, dtype=np.int64)
    m = 0
    for t in range(n_touched):
        j = touched[t]
        if banned[j] != stamp and allowed[j]:
            cand[m] = j
            m += 1
    cand = np.sort(cand[:m])
    keys = np.empty(m)
    for t in range(m):
        keys[t] = -(scores[cand[t]] * boost[cand[t]])
    order = np.argsort(keys, kind="mergesort")
    size = 0
    for t in range(m):
        j = cand[order[t]]
        c = category[j]
        if cat_count[c] >= cap:
            continue
        cat_count[c] += 1
        out_items[size] = j
        out_scores[size] = -keys[order[t]]
        size += 1
        if size == n:
            break
    for r in range(size):
        cat_count[category[out_items[r]]] = 0
    return size


@njit()
def _dense_block(
    start: int,
    stop: int,
    step: int,
    scores: _Scores,
    users: IntArray,
    seen_indptr: IntArray,
    seen_indices: IntArray,
    allowed: BoolArray,
    boost: FloatArray,
    category: IntArray,
    cap: int,
    n: int,
    out_items: IntArray,
    out_scores: FloatArray,
    out_cnt: IntArray,
) -> None:
    m = scores.shape[1]
    banned = np.full(m, -1, dtype=np.int64)
    touched = np.arange(m)
    cat_count = np.zeros(category.max() + 1 if m > 0 else 1, dtype=np.int64)
    heap_v = np.empty(n)
    heap_i = np.empty(n, dtype=np.int64)
    for r in range(start, stop, step):
        u = users[r]
        if u >= 0:
            for a in range(seen_indptr[u], seen_indptr[u + 1]):
                banned[seen_indices[a]] = r
        out_cnt[r] = select_top(
            scores[r],
            touched,
            m,
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


@njit(parallel=True)
def dense_select(
    scores: _Scores,
    users: IntArray,
    seen_indptr: IntArray,
    seen_indices: IntArray,
    allowed: BoolArray,
    boost: FloatArray,
    category: IntArray,
    cap: int,
    n: int,
) -> tuple[IntArray, FloatArray, IntArray]:
    """Top ``n`` items of each row of a dense ``scores`` block (one row per user).

    Row ``r`` belongs to user code ``users[r]``; that user's items in the ``seen`` CSR are
    skipped (pass ``-1`` to skip nothing), as are items with ``allowed`` False. Scores are
    multiplied by ``boost``; ``cap > 0`` keeps at most ``cap`` items per ``category``.
    Returns item ids and scores of shape ``(rows, n)`` (padded with -1 and 0) and counts.
    """
    rows = scores.shape[0]
    out_items = np.full((rows, n), -1, dtype=np.int64)
    out_scores = np.zeros((rows, n))
    out_cnt = np.zeros(rows, dtype=np.int64)
    n_blocks = min(rows, BLOCKS)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _dense_block(
            blk,
            rows,
            n_blocks,
            scores,
            users,
            seen_indptr,
            seen_indices,
            allowed,
            boost,
            category,
            cap,
            n,
            out_items,
            out_scores,
            out_cnt,
        )
    return out_items, out_scores, out_cnt


@njit()
def top_contributors(contrib: FloatArray, hist: IntArray, h: int, out: IntArray) -> None:
    """The (up to) three history items with the largest positive contribution."""
    for s in range(3):
        out[s] = -1
    best_v = np.zeros(3)
    for t in range(h):
        v = contrib[t]
        if v <= 0.0:
            continue
        j = hist[t]
        for s in range(3):
            if out[s] < 0 or v > best_v[s] or (v == best_v[s] and j < out[s]):
                for q in range(2, s, -1):
                    best_v[q] = best_v[q - 1]
                    out[q] = out[q - 1]
                best_v[s] = v
                out[s] = j
                break


@njit(parallel=True)
def dense_because(
    users: IntArray,
    items: IntArray,
    counts: IntArray,
    r_indptr: IntArray,
    r_indices: IntArray,
    r_data: FloatArray,
    weights: FloatArray,
) -> IntArray:
    """Top three contributors ``r[u, j] * W[j, i]`` of each recommended item (EASE)."""
    rows, n = items.shape
    out = np.full((rows, n, 3), -1, dtype=np.int64)
    for r_ in prange(rows):
        r = int(np.int64(r_))  # prange indices are uint64 (a second compile)
        u = users[r]
        lo = r_indptr[u]
        h = r_indptr[u + 1] - lo
        contrib = np.empty(max(h, 1))
        for q in range(counts[r]):
            i = items[r, q]
            for t in range(h):
                contrib[t] = r_data[lo + t] * weights[r_indices[lo + t], i]
            top_contributors(contrib, r_indices[lo:], h, out[r, q])
    return out
