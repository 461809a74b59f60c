"""Implicit-feedback ALS kernels of :mod:`precisemkt.recommend`: conjugate-gradient and
exact (Cholesky) row updates, the loss, and the paper's explanation of a score
(conventions as in :mod:`precisemkt.recommend._topk_kernels`).
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray
from precisemkt.recommend._topk_kernels import BLOCKS, top_contributors

#: Factor matrices: float64, or float32 storage (the arithmetic stays in float64).
_Factors: TypeAlias = npt.NDArray[np.float64] | npt.NDArray[np.float32]

__all__ = ["als_cg", "als_exact", "als_loss", "factor_because_from"]

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
def _axpy(coef: float, x: _Factors, out: FloatArray) -> None:
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
    x: _Factors,
    y: _Factors,
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
    x: _Factors,
    y: _Factors,
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
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _cg_block(blk, rows, n_blocks, indptr, indices, conf, x, y, gram, steps)


@njit()
def _user_system(
    lo: int,
    hi: int,
    indices: IntArray,
    conf: FloatArray,
    y: _Factors,
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
    x: _Factors,
    y: _Factors,
    gram: FloatArray,
    chol: FloatArray,
) -> None:
    f = x.shape[1]
    rhs = np.empty(f)
    sol = np.empty(f)
    for u in range(start, stop, step):
        if indptr[u] == indptr[u + 1]:
            for a in range(f):
                x[u, a] = 0.0
            continue
        _user_system(indptr[u], indptr[u + 1], indices, conf, y, gram, chol[u], rhs)
        _chol_solve(chol[u], rhs, sol)
        for a in range(f):
            x[u, a] = sol[a]


@njit(parallel=True)
def als_exact(
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: _Factors,
    y: _Factors,
    gram: FloatArray,
) -> FloatArray:
    """The exact minimiser of each row's ALS problem (Cholesky), written into ``x``.

    Returns the Cholesky factors, shape ``(rows, f, f)`` (lower triangles of
    ``Y'C_uY + lambda I``; rows without entries are left unset), which
    :func:`factor_because_from` reuses.
    """
    rows, f = x.shape
    chol = np.empty((rows, f, f))
    n_blocks = min(rows, BLOCKS)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _exact_block(blk, rows, n_blocks, indptr, indices, conf, x, y, gram, chol)
    return chol


@njit()
def _loss_block(
    start: int,
    stop: int,
    step: int,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    x: _Factors,
    y: _Factors,
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
    indptr: IntArray, indices: IntArray, conf: FloatArray, x: _Factors, y: _Factors
) -> FloatArray:
    """Per-block sums of ``c_ui (1 - s)**2 - s**2`` over the observed entries (``s = x'y``).

    The full loss adds ``sum_{u,i} s**2 = trace(X'X Y'Y)`` and the penalty (done in numpy).
    """
    rows = x.shape[0]
    n_blocks = min(rows, BLOCKS)
    out = np.zeros(n_blocks)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        out[blk] = _loss_block(blk, rows, n_blocks, indptr, indices, conf, x, y)
    return out


@njit()
def _explain(
    chol: FloatArray,
    items: IntArray,
    count: int,
    lo: int,
    hi: int,
    indices: IntArray,
    conf: FloatArray,
    y: _Factors,
    z: FloatArray,
    contrib: FloatArray,
    out: IntArray,
) -> None:
    """Top three history items (CSR entries ``lo:hi``) behind each of ``items[:count]``."""
    f = y.shape[1]
    for q in range(count):
        _chol_solve(chol, y[items[q]], z)
        for t in range(lo, hi):
            j = indices[t]
            d = 0.0
            for a in range(f):
                d += z[a] * y[j, a]
            contrib[t - lo] = conf[t] * d
        top_contributors(contrib, indices[lo:], hi - lo, out[q])


@njit()
def _longest(start: int, stop: int, step: int, indptr: IntArray) -> int:
    """The longest history among CSR rows ``start, start + step, ...`` below ``stop``."""
    longest = 1
    for r in range(start, stop, step):
        longest = max(longest, indptr[r + 1] - indptr[r])
    return longest


@njit()
def _because_from_block(
    start: int,
    stop: int,
    step: int,
    items: IntArray,
    counts: IntArray,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    y: _Factors,
    chol: FloatArray,
    out: IntArray,
) -> None:
    z = np.empty(y.shape[1])
    contrib = np.empty(_longest(start, stop, step, indptr))
    for r in range(start, stop, step):
        lo = indptr[r]
        hi = indptr[r + 1]
        if lo < hi:
            _explain(chol[r], items[r], counts[r], lo, hi, indices, conf, y, z, contrib, out[r])


@njit(parallel=True)
def factor_because_from(
    items: IntArray,
    counts: IntArray,
    indptr: IntArray,
    indices: IntArray,
    conf: FloatArray,
    y: _Factors,
    chol: FloatArray,
) -> IntArray:
    """Top three contributors of each recommended item under ALS (Hu et al. 2008, sec. 5).

    With ``W_u = (Y'C_uY + lambda I)^-1`` the score is ``sum_j c_uj * y_i'W_u y_j`` over the
    user's items ``j``; contribution ``j`` is ``c_uj * y_j'(W_u y_i)``. ``chol`` holds the
    Cholesky factors of ``W_u^-1`` that :func:`als_exact` computed for the rows of the CSR
    (row ``r`` of ``items`` is CSR row ``r``), so no system is factored twice.
    """
    rows, n = items.shape
    out = np.full((rows, n, 3), -1, dtype=np.int64)
    n_blocks = min(rows, BLOCKS)
    for blk_ in prange(n_blocks):
        blk = int(np.int64(blk_))  # prange indices are uint64 (a second compile)
        _because_from_block(blk, rows, n_blocks, items, counts, indptr, indices, conf, y, chol, out)
    return out
