"""Compiled checks of the RFM rules on the customers' (frequency, recency, T) columns.

The prediction kernels check the rules themselves (:func:`rfm_row_ok` inside their loop: a
separate validation pass would cost a third of a prediction); :func:`rfm_clean` answers the
usual "every row is fine" quickly and :func:`rfm_violations` finds the first offending row
of each rule for the error message.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import at, chunk_bounds

__all__ = ["rfm_clean", "rfm_row_ok", "rfm_violations"]


@njit(vectorize=True, inline=True)
def rfm_row_ok(x: float, tx: float, T: float) -> bool:
    """Whether one customer keeps the continuous-time RFM rules: finite values, frequency
    whole and >= 0, 0 <= recency <= T, recency 0 when frequency is 0 (branch-free)."""
    # v - v is 0 for finite v and NaN otherwise
    return bool(
        (x - x == 0.0)
        & (tx - tx == 0.0)
        & (T - T == 0.0)
        & (x >= 0.0)
        & (np.floor(x) == x)
        & (tx >= 0.0)
        & (tx <= T)
        & ((x != 0.0) | (tx == 0.0))
    )


@njit(vectorize=True)
def _rfm_chunk_ok(x: FloatArray, tx: FloatArray, T: FloatArray, c: int, nch: int) -> bool:
    """:func:`rfm_row_ok` over the rows of chunk ``c`` of ``nch``."""
    n = x.size
    lo, hi = (c * n) // nch, ((c + 1) * n) // nch
    xs, txs, ts = x[lo:hi], tx[lo:hi], T[lo:hi]  # slices: see bg_palive_rows
    broken = 0
    for i in range(hi - lo):
        broken |= 0 if rfm_row_ok(xs[i], txs[i], ts[i]) else 1
    return broken == 0


@njit(parallel=True)
def rfm_clean(x: FloatArray, tx: FloatArray, T: FloatArray) -> bool:
    """Whether every customer keeps the continuous-time RFM rules (arrays of one length);
    the usual answer is yes, and :func:`rfm_violations` then need not run."""
    nch = chunk_bounds(x.size)
    ok = np.empty(nch, dtype=np.bool_)
    for c_ in prange(nch):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        ok[c] = _rfm_chunk_ok(x, tx, T, c, nch)
    return bool(ok.all())


@njit()
def rfm_violations(
    x: FloatArray, tx: FloatArray, T: FloatArray, n: int, discrete: bool
) -> IntArray:
    """First row breaking each RFM rule, or -1, over ``n`` rows (length-1 inputs broadcast).

    Rules: 0 finite values; 1 frequency whole and >= 0; 2 recency >= 0 (and whole if
    discrete); 3 T >= 0 (and whole if discrete); 4 recency <= T; 5 recency = 0 when
    frequency = 0; 6 (discrete only) frequency <= recency.
    """
    first = np.full(7, -1, dtype=np.int64)
    for i in range(n):
        xi = at(x, i)
        ri = at(tx, i)
        ti = at(T, i)
        if not (math.isfinite(xi) and math.isfinite(ri) and math.isfinite(ti)):
            if first[0] < 0:
                first[0] = i
            continue
        if (xi < 0 or xi != math.floor(xi)) and first[1] < 0:
            first[1] = i
        if (ri < 0 or (discrete and ri != math.floor(ri))) and first[2] < 0:
            first[2] = i
        if (ti < 0 or (discrete and ti != math.floor(ti))) and first[3] < 0:
            first[3] = i
        if ri > ti and first[4] < 0:
            first[4] = i
        if xi == 0 and ri != 0 and first[5] < 0:
            first[5] = i
        if discrete and xi > ri and first[6] < 0:
            first[6] = i
    return first
