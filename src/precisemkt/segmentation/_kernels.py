"""Compiled loops of k-means and the silhouette (ndarray in, ndarray out, no validation).

Rows are processed in fixed chunks of ``_CHUNK`` rows, in parallel; every chunk writes its
own partial sums and the partials are added in chunk order, so a result does not depend on
the number of threads. Distances are computed directly as sums of squared differences (no
``|x|^2 - 2 x.c + |c|^2`` cancellation); the loop over centres is innermost so that it
vectorises without re-ordering any floating-point sum.
"""

from __future__ import annotations

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray

__all__ = [
    "assign",
    "candidate_potentials",
    "distances_to_centers",
    "inertia",
    "lloyd_step",
    "silhouette_samples",
]


#: Rows per parallel work item, and rows per block inside it.
_CHUNK = 4096
_BLOCK = 256


@njit()
def _transpose_block(x: FloatArray, lo: int, hi: int, xt: FloatArray) -> None:
    """Copy rows ``lo:hi`` of ``x`` into the columns of ``xt`` (features x rows)."""
    for p in range(hi - lo):
        for f in range(x.shape[1]):
            xt[f, p] = x[lo + p, f]


@njit()
def _center_distances(
    xt: FloatArray, m: int, centers: FloatArray, j: int, row: FloatArray, n_features: int
) -> None:
    """``row[p]`` = squared distance of block row ``p < m`` to centre ``j`` over the first
    ``n_features`` features (0 when there are none).

    The innermost loop runs over contiguous block rows, so it vectorises while every sum is
    still taken feature by feature in order (no floating-point reassociation).
    """
    if n_features == 0:
        for p in range(m):
            row[p] = 0.0
        return
    c = centers[j, 0]
    col = xt[0]
    for p in range(m):
        diff = col[p] - c
        row[p] = diff * diff
    for f in range(1, n_features):
        c = centers[j, f]
        col = xt[f]
        for p in range(m):
            diff = col[p] - c
            row[p] += diff * diff


@njit()
def _block_nearest(
    xt: FloatArray, m: int, centers: FloatArray, row: FloatArray, best: FloatArray, idx: IntArray
) -> None:
    """``idx[p]`` = nearest centre of block row ``p < m`` (the first on ties).

    The last feature's pass also compares with the best distance so far (one pass fewer
    per centre); the sums are still taken in feature order.
    """
    last = xt.shape[0] - 1
    col = xt[last]
    for j in range(centers.shape[0]):
        _center_distances(xt, m, centers, j, row, last)
        c = centers[j, last]
        if j == 0:
            for p in range(m):
                diff = col[p] - c
                best[p] = row[p] + diff * diff
                idx[p] = 0
        else:
            for p in range(m):
                diff = col[p] - c
                v = row[p] + diff * diff
                closer = v < best[p]
                best[p] = v if closer else best[p]
                idx[p] = j if closer else idx[p]


@njit(parallel=True)
def lloyd_step(
    x: FloatArray, centers: FloatArray, labels: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Assign every row to its nearest centre (into ``labels``); return per chunk the sums
    of the rows assigned to each cluster ``(n_chunks, k, d)`` and their counts
    ``(n_chunks, k)`` (the caller adds the chunks up in order)."""
    n, d = x.shape
    k = centers.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    part_sums = np.empty((n_chunks, k, d))
    part_counts = np.empty((n_chunks, k))
    for ch_ in prange(n_chunks):
        ch = int(np.int64(ch_))  # prange indices are uint64 (a second compile)
        xt = np.empty((d, _BLOCK))
        row = np.empty(_BLOCK)
        best = np.empty(_BLOCK)
        idx = np.empty(_BLOCK, dtype=np.int64)
        sums = part_sums[ch]
        counts = part_counts[ch]
        for j in range(k):
            counts[j] = 0.0
            for f in range(d):
                sums[j, f] = 0.0
        end = min(n, (ch + 1) * _CHUNK)
        for lo in range(ch * _CHUNK, end, _BLOCK):
            m = min(end, lo + _BLOCK) - lo
            _transpose_block(x, lo, lo + m, xt)
            _block_nearest(xt, m, centers, row, best, idx)
            for p in range(m):
                j = idx[p]
                labels[lo + p] = j
                counts[j] += 1.0
                for f in range(d):
                    sums[j, f] += x[lo + p, f]
    return part_sums, part_counts


@njit(parallel=True)
def assign(x: FloatArray, centers: FloatArray, labels: IntArray) -> None:
    """Write the index of the nearest centre of every row into ``labels``."""
    n, d = x.shape
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for ch_ in prange(n_chunks):
        ch = int(np.int64(ch_))  # prange indices are uint64 (a second compile)
        xt = np.empty((d, _BLOCK))
        row = np.empty(_BLOCK)
        best = np.empty(_BLOCK)
        idx = np.empty(_BLOCK, dtype=np.int64)
        end = min(n, (ch + 1) * _CHUNK)
        for lo in range(ch * _CHUNK, end, _BLOCK):
            m = min(end, lo + _BLOCK) - lo
            _transpose_block(x, lo, lo + m, xt)
            _block_nearest(xt, m, centers, row, best, idx)
            for p in range(m):
                labels[lo + p] = idx[p]


@njit(parallel=True)
def distances_to_centers(x: FloatArray, centers: FloatArray, labels: IntArray) -> FloatArray:
    """Squared distance of every row to the centre it is assigned to."""
    n, d = x.shape
    out = np.empty(n)
    for i_ in prange(n):
        i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
        s = 0.0
        for f in range(d):
            diff = x[i, f] - centers[labels[i], f]
            s += diff * diff
        out[i] = s
    return out


@njit(parallel=True)
def inertia(x: FloatArray, centers: FloatArray, labels: IntArray) -> FloatArray:
    """Per chunk, the sum of squared distances of its rows to their centres."""
    n, d = x.shape
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    part = np.empty(n_chunks)
    for ch_ in prange(n_chunks):
        ch = int(np.int64(ch_))  # prange indices are uint64 (a second compile)
        s = 0.0
        for i in range(ch * _CHUNK, min(n, (ch + 1) * _CHUNK)):
            for f in range(d):
                diff = x[i, f] - centers[labels[i], f]
                s += diff * diff
        part[ch] = s
    return part


@njit(parallel=True)
def candidate_potentials(
    x: FloatArray, candidates: FloatArray, closest: FloatArray, update: bool
) -> FloatArray:
    """Per chunk and candidate centre c, ``sum_i min(closest[i], |x_i - c|^2)`` over the
    chunk's rows, shape ``(n_chunks, t)``. With ``update`` (one candidate) ``closest`` is
    also lowered in place to those minima."""
    n, d = x.shape
    t = candidates.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    part = np.empty((n_chunks, t))
    for ch_ in prange(n_chunks):
        ch = int(np.int64(ch_))  # prange indices are uint64 (a second compile)
        xt = np.empty((d, _BLOCK))
        row = np.empty(_BLOCK)
        for c in range(t):
            part[ch, c] = 0.0
        end = min(n, (ch + 1) * _CHUNK)
        for lo in range(ch * _CHUNK, end, _BLOCK):
            m = min(end, lo + _BLOCK) - lo
            _transpose_block(x, lo, lo + m, xt)
            for c in range(t):
                _center_distances(xt, m, candidates, c, row, d)
                total = 0.0
                for p in range(m):
                    nearest = min(row[p], closest[lo + p])
                    total += nearest
                    if update:
                        closest[lo + p] = nearest
                part[ch, c] += total
    return part


@njit(parallel=True)
def silhouette_samples(x: FloatArray, labels: IntArray, k: int) -> FloatArray:
    """Silhouette of every row: ``(b - a) / max(a, b)`` with ``a`` the mean distance to
    the other rows of its cluster and ``b`` the smallest mean distance to another cluster;
    0 for a row alone in its cluster (Rousseeuw 1987, as scikit-learn)."""
    n, d = x.shape
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    xt = np.ascontiguousarray(x.T)
    out = np.empty(n)
    for i_ in prange(n):
        i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
        dist = np.empty(n)
        for j in range(n):
            dist[j] = 0.0
        for f in range(d):
            v = x[i, f]
            col = xt[f]
            for j in range(n):
                diff = col[j] - v
                dist[j] += diff * diff
        totals = np.empty(k)
        for c in range(k):
            totals[c] = 0.0
        for j in range(n):
            totals[labels[j]] += np.sqrt(dist[j])
        own = labels[i]
        out[i] = 0.0
        if sizes[own] <= 1.0:
            continue
        a = totals[own] / (sizes[own] - 1.0)
        b = np.inf
        for c in range(k):
            if c != own and sizes[c] > 0:
                b = min(b, totals[c] / sizes[c])
        if b < np.inf and max(a, b) > 0:
            out[i] = (b - a) / max(a, b)
    return out
