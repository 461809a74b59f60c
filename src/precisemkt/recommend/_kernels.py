"""Compiled kernels of :mod:`precisemkt.recommend` (ndarray in, ndarray out, no validation).

Sparse matrices are passed as their CSR parts ``indptr, indices, data`` with column
indices sorted inside each row. Rankings order by score, best first, and break ties by the
smaller item index, so every kernel is deterministic whatever the thread count.

Parallel kernels split their rows into :data:`BLOCKS` fixed interleaved blocks and give
each block to one call of a serial helper that allocates its own buffers once (see the rules in
:mod:`precisemkt._numba`); no result depends on which thread ran a block.
"""

from __future__ import annotations

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "BLOCKS",
    "als_cg",
    "als_exact",
    "als_loss",
    "dense_because",
    "dense_select",
    "factor_because",
    "hit_matrix",
    "intra_list_distance",
    "knn_recommend",
    "knn_rows",
]

#: Blocks of a parallel kernel: block ``b`` of ``B`` takes rows ``b, b + B, b + 2B, ...``
#: (interleaved, so popular items or heavy users spread over all threads).
BLOCKS = 64

#: Similarity formulas of :func:`knn_rows`: the dot product of pre-weighted columns
#: (cosine, BM25, TF-IDF), Jaccard and asymmetric cosine on binary columns.
KIND_DOT, KIND_JACCARD, KIND_ASYMMETRIC = 0, 1, 2


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
def _heap_push(vals: FloatArray, idx: IntArray, size: int, cap: int, v: float, i: int) -> int:
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
def _heap_sort(vals: FloatArray, idx: IntArray, size: int) -> None:
    """Sort a heap in place, best entry first."""
    end = size
    while end > 1:
        end -= 1
        vals[0], vals[end] = vals[end], vals[0]
        idx[0], idx[end] = idx[end], idx[0]
        _sift_down(vals, idx, end, 0)


# -- item-item neighbourhoods ---------------------------------------------------------------


@njit()
def _knn_block(
    start: int,
    stop: int,
    step: int,
    rows: IntArray,
    item_indptr: IntArray,
    item_indices: IntArray,
    item_data: FloatArray,
    user_indptr: IntArray,
    user_indices: IntArray,
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
    touched = np.empty(n_items, dtype=np.int64)
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
                if mark[j] != p:
                    mark[j] = p
                    touched[n_touched] = j
                    n_touched += 1
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
            size = _heap_push(row_val, row_idx, size, k, sim, j)
            acc[j] = 0.0
            co[j] = 0
        _heap_sort(row_val, row_idx, size)
        out_cnt[p] = size


@njit(parallel=True)
def knn_rows(
    rows: IntArray,
    item_indptr: IntArray,
    item_indices: IntArray,
    item_data: FloatArray,
    user_indptr: IntArray,
    user_indices: IntArray,
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
    for blk in prange(n_blocks):
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


# -- choosing the top n for a user ----------------------------------------------------------


@njit()
def _select(
    scores: FloatArray,
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
            size = _heap_push(heap_v, heap_i, size, n, scores[j] * boost[j], j)
        _heap_sort(heap_v, heap_i, size)
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
    scores: FloatArray,
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
        out_cnt[r] = _select(
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
    scores: FloatArray,
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
    for blk in prange(n_blocks):
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
def _top_contributors(contrib: FloatArray, hist: IntArray, h: int, out: IntArray) -> None:
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
        cnt = _select(
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
            _top_contributors(contrib, r_indices[lo:], h, out_because[r, q])


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
    items no history item reaches are not candidates. Filters as in :func:`_select`.
    Returns items, scores, counts and the three largest contributors per item
    (shape ``(users, n, 3)``, -1 padded).
    """
    rows = users.shape[0]
    out_items = np.full((rows, n), -1, dtype=np.int64)
    out_scores = np.zeros((rows, n))
    out_cnt = np.zeros(rows, dtype=np.int64)
    out_because = np.full((rows, n, 3), -1, dtype=np.int64)
    n_blocks = min(rows, BLOCKS)
    for blk in prange(n_blocks):
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
    for r in prange(rows):
        u = users[r]
        lo = r_indptr[u]
        h = r_indptr[u + 1] - lo
        contrib = np.empty(max(h, 1))
        for q in range(counts[r]):
            i = items[r, q]
            for t in range(h):
                contrib[t] = r_data[lo + t] * weights[r_indices[lo + t], i]
            _top_contributors(contrib, r_indices[lo:], h, out[r, q])
    return out


# -- implicit-feedback ALS ------------------------------------------------------------------


@njit(vectorize=True, inline=True)
def _dot(a: FloatArray, b: FloatArray) -> float:
    """Dot product with four running sums (so the loop vectorises without fast-math)."""
    f = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    q = 0
    while q + 4 <= f:
        s0 += a[q] * b[q]
        s1 += a[q + 1] * b[q + 1]
        s2 += a[q + 2] * b[q + 2]
        s3 += a[q + 3] * b[q + 3]
        q += 4
    while q < f:
        s0 += a[q] * b[q]
        q += 1
    return (s0 + s1) + (s2 + s3)


@njit(vectorize=True, inline=True)
def _axpy(coef: float, x: FloatArray, out: FloatArray) -> None:
    """``out += coef * x``."""
    for a in range(out.shape[0]):
        out[a] += coef * x[a]


@njit(vectorize=True, inline=True)
def _symv(gram: FloatArray, v: FloatArray, out: FloatArray, sign: float) -> None:
    """``out = sign * gram @ v`` for symmetric ``gram``, as column updates (vectorises)."""
    f = v.shape[0]
    for a in range(f):
        out[a] = 0.0
    for b in range(f):
        _axpy(sign * v[b], gram[b], out)


@njit(vectorize=True)
def _cg_block(
    start: int,
    stop: int,
    step: int,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: FloatArray,
    y: FloatArray,
    gram: FloatArray,
    steps: int,
) -> None:
    f = x.shape[1]
    r = np.empty(f)
    p = np.empty(f)
    ap = np.empty(f)
    for u in range(start, stop, step):
        xu = x[u]
        if indptr[u] == indptr[u + 1]:
            xu[:] = 0.0
            continue
        # residual r = Y'C_u p_u - (Y'Y + lambda I + Y'(C_u - I)Y) x_u
        _symv(gram, xu, r, -1.0)
        for t in range(indptr[u], indptr[u + 1]):
            yi = y[indices[t]]
            c = conf[t]
            _axpy(c - (c - 1.0) * _dot(yi, xu), yi, r)
        rs_old = _dot(r, r)
        p[:] = r
        if rs_old < 1e-20:
            continue
        for _ in range(steps):
            _symv(gram, p, ap, 1.0)
            for t in range(indptr[u], indptr[u + 1]):
                yi = y[indices[t]]
                _axpy((conf[t] - 1.0) * _dot(yi, p), yi, ap)
            length = rs_old / _dot(p, ap)
            _axpy(length, p, xu)
            _axpy(-length, ap, r)
            rs_new = _dot(r, r)
            if rs_new < 1e-20:
                break
            ratio = rs_new / rs_old
            for a in range(f):
                p[a] = r[a] + ratio * p[a]
            rs_old = rs_new


@njit(parallel=True)
def als_cg(
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: FloatArray,
    y: FloatArray,
    gram: FloatArray,
    steps: int,
) -> None:
    """One conjugate-gradient half-step of implicit ALS, updating ``x`` in place.

    Row ``u`` of ``x`` minimises ``sum_i c_ui (p_ui - x_u'y_i)**2 + lambda |x_u|**2`` with
    ``p_ui = 1`` and ``c_ui = conf`` on the CSR entries, ``c_ui = 1, p_ui = 0`` elsewhere;
    ``gram = Y'Y + lambda I``. ``steps`` CG steps start from the current ``x_u`` (Takács,
    Pilászy & Tikk 2011, the update of the implicit library); a row without entries is 0.
    """
    rows = x.shape[0]
    n_blocks = min(rows, BLOCKS)
    for blk in prange(n_blocks):
        _cg_block(blk, rows, n_blocks, indptr, indices, conf, x, y, gram, steps)


@njit()
def _user_system(
    lo: int,
    hi: int,
    indices: IntArray,
    conf: FloatArray,
    y: FloatArray,
    gram: FloatArray,
    a_mat: FloatArray,
    rhs: FloatArray,
) -> None:
    """``A = gram + Y_h'(C - I)Y_h`` (lower triangle factored in place) and ``b = Y_h'c``."""
    f = gram.shape[0]
    for a in range(f):
        rhs[a] = 0.0
        for b in range(f):
            a_mat[a, b] = gram[a, b]
    for t in range(lo, hi):
        i = indices[t]
        c = conf[t]
        for a in range(f):
            rhs[a] += c * y[i, a]
            w = (c - 1.0) * y[i, a]
            for b in range(a + 1):
                a_mat[a, b] += w * y[i, b]
    # Cholesky A = L L' in the lower triangle
    for j in range(f):
        s = a_mat[j, j]
        for q in range(j):
            s -= a_mat[j, q] * a_mat[j, q]
        a_mat[j, j] = np.sqrt(s)
        for i in range(j + 1, f):
            s = a_mat[i, j]
            for q in range(j):
                s -= a_mat[i, q] * a_mat[j, q]
            a_mat[i, j] = s / a_mat[j, j]


@njit()
def _chol_solve(a_mat: FloatArray, b: FloatArray, out: FloatArray) -> None:
    f = b.shape[0]
    for i in range(f):
        s = b[i]
        for q in range(i):
            s -= a_mat[i, q] * out[q]
        out[i] = s / a_mat[i, i]
    for i in range(f - 1, -1, -1):
        s = out[i]
        for q in range(i + 1, f):
            s -= a_mat[q, i] * out[q]
        out[i] = s / a_mat[i, i]


@njit()
def _exact_block(
    start: int,
    stop: int,
    step: int,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: FloatArray,
    y: FloatArray,
    gram: FloatArray,
) -> None:
    f = x.shape[1]
    a_mat = np.empty((f, f))
    rhs = np.empty(f)
    sol = np.empty(f)
    for u in range(start, stop, step):
        if indptr[u] == indptr[u + 1]:
            for a in range(f):
                x[u, a] = 0.0
            continue
        _user_system(indptr[u], indptr[u + 1], indices, conf, y, gram, a_mat, rhs)
        _chol_solve(a_mat, rhs, sol)
        for a in range(f):
            x[u, a] = sol[a]


@njit(parallel=True)
def als_exact(
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: FloatArray,
    y: FloatArray,
    gram: FloatArray,
) -> None:
    """The exact minimiser of each row's ALS problem (Cholesky), written into ``x``."""
    rows = x.shape[0]
    n_blocks = min(rows, BLOCKS)
    for blk in prange(n_blocks):
        _exact_block(blk, rows, n_blocks, indptr, indices, conf, x, y, gram)


@njit()
def _loss_block(
    start: int,
    stop: int,
    step: int,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: FloatArray,
    y: FloatArray,
) -> float:
    f = x.shape[1]
    total = 0.0
    for u in range(start, stop, step):
        for t in range(indptr[u], indptr[u + 1]):
            i = indices[t]
            s = 0.0
            for a in range(f):
                s += x[u, a] * y[i, a]
            total += conf[t] * (1.0 - s) ** 2 - s * s
    return total


@njit(parallel=True)
def als_loss(
    indptr: IntArray, indices: IntArray, conf: FloatArray, x: FloatArray, y: FloatArray
) -> FloatArray:
    """Per-block sums of ``c_ui (1 - s)**2 - s**2`` over the observed entries (``s = x'y``).

    The full loss adds ``sum_{u,i} s**2 = trace(X'X Y'Y)`` and the penalty (done in numpy).
    """
    rows = x.shape[0]
    n_blocks = min(rows, BLOCKS)
    out = np.zeros(n_blocks)
    for blk in prange(n_blocks):
        out[blk] = _loss_block(blk, rows, n_blocks, indptr, indices, conf, x, y)
    return out


@njit()
def _factor_because_block(
    start: int,
    stop: int,
    step: int,
    users: IntArray,
    items: IntArray,
    counts: IntArray,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    y: FloatArray,
    gram: FloatArray,
    out: IntArray,
) -> None:
    f = y.shape[1]
    a_mat = np.empty((f, f))
    rhs = np.empty(f)
    z = np.empty(f)
    longest = 1
    for r in range(start, stop, step):
        longest = max(longest, indptr[users[r] + 1] - indptr[users[r]])
    contrib = np.empty(longest)
    for r in range(start, stop, step):
        u = users[r]
        lo = indptr[u]
        hi = indptr[u + 1]
        if lo == hi:
            continue
        _user_system(lo, hi, indices, conf, y, gram, a_mat, rhs)
        for q in range(counts[r]):
            _chol_solve(a_mat, y[items[r, q]], z)
            for t in range(lo, hi):
                j = indices[t]
                d = 0.0
                for a in range(f):
                    d += z[a] * y[j, a]
                contrib[t - lo] = conf[t] * d
            _top_contributors(contrib, indices[lo:], hi - lo, out[r, q])


@njit(parallel=True)
def factor_because(
    users: IntArray,
    items: IntArray,
    counts: IntArray,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    y: FloatArray,
    gram: FloatArray,
) -> IntArray:
    """Top three contributors of each recommended item under ALS (Hu et al. 2008, sec. 5).

    With ``W_u = (Y'C_uY + lambda I)^-1`` the score is ``sum_j c_uj * y_i'W_u y_j`` over the
    user's items ``j``; contribution ``j`` is ``c_uj * y_j'(W_u y_i)``.
    """
    rows, n = items.shape
    out = np.full((rows, n, 3), -1, dtype=np.int64)
    n_blocks = min(rows, BLOCKS)
    for blk in prange(n_blocks):
        _factor_because_block(
            blk,
            rows,
            n_blocks,
            users,
            items,
            counts,
            indptr,
            indices,
            conf,
            y,
            gram,
            out,
        )
    return out


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
    for u in prange(rows):
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
