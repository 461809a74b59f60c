"""Compiled loops of the profiling subpackage (ndarray in, ndarray out, no validation).

The public wrappers in ``_rfm.py`` and ``_profile.py`` validate the data and call these.
Rows are grouped by customer with a stable counting sort (``group_order``); each customer's
rows are then ordered by (time, amount) (``sort_slice``) and reduced on their own, in
parallel over customers. Sums are compensated (Kahan) and taken in (time, amount) order, so
a result does not depend on the order of the caller's rows.
"""

from __future__ import annotations

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray


@njit()
def key_offsets(keys: IntArray, low: int, span: int) -> tuple[IntArray, IntArray, IntArray]:
    """Counting-sort bookkeeping for integer keys in ``[low, low + span)``.

    Returns the k distinct keys in increasing order, ``starts`` (group ``g`` will own
    positions ``starts[g]:starts[g + 1]``) and ``fill``, indexed by ``key - low``, holding
    the next free position of each key's group.
    """
    fill = np.zeros(span, dtype=np.int64)
    for i in range(keys.shape[0]):
        fill[keys[i] - low] += 1
    k = 0
    for v in range(span):
        if fill[v] > 0:
            k += 1
    values = np.empty(k, dtype=np.int64)
    starts = np.empty(k + 1, dtype=np.int64)
    pos = 0
    g = 0
    for v in range(span):
        count = fill[v]
        if count > 0:
            values[g] = v + low
            starts[g] = pos
            fill[v] = pos
            pos += count
            g += 1
    starts[k] = pos
    return values, starts, fill


@njit()
def group_order(keys: IntArray, low: int, span: int) -> tuple[IntArray, IntArray, IntArray]:
    """Stable counting sort of rows by key: (distinct keys, starts, row order)."""
    values, starts, fill = key_offsets(keys, low, span)
    order = np.empty(keys.shape[0], dtype=np.int64)
    for i in range(keys.shape[0]):
        v = keys[i] - low
        order[fill[v]] = i
        fill[v] += 1
    return values, starts, order


@njit()
def group_pair(
    keys: IntArray, low: int, span: int, times: IntArray, amounts: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """``group_order`` fused with the gather of two columns: (keys, starts, times, amounts)."""
    values, starts, fill = key_offsets(keys, low, span)
    t_out = np.empty_like(times)
    a_out = np.empty_like(amounts)
    for i in range(keys.shape[0]):
        v = keys[i] - low
        j = fill[v]
        t_out[j] = times[i]
        a_out[j] = amounts[i]
        fill[v] = j + 1
    return values, starts, t_out, a_out


@njit()
def kahan_add(total: float, comp: float, value: float) -> tuple[float, float]:
    """One step of Kahan's compensated summation; returns the new (total, compensation)."""
    y = value - comp
    t = total + y
    comp = t - total - y
    if not np.isfinite(comp):  # an infinite running sum would turn the total into NaN
        comp = 0.0
    return t, comp


@njit()
def _before(times: IntArray, amounts: FloatArray, i: int, j: int) -> bool:
    """Element ``i`` sorts strictly before element ``j`` by (time, amount)."""
    before: bool = times[i] < times[j] or (times[i] == times[j] and amounts[i] < amounts[j])
    return before


@njit()
def sort_slice(times: IntArray, amounts: FloatArray) -> None:
    """Sort the pair of arrays in place by (time, amount)."""
    n = times.shape[0]
    in_order = True
    for k in range(1, n):
        if _before(times, amounts, k, k - 1):
            in_order = False
            break
    if in_order:
        return
    if n <= 32:
        for k in range(1, n):
            tk = times[k]
            ak = amounts[k]
            m = k - 1
            while m >= 0 and (times[m] > tk or (times[m] == tk and amounts[m] > ak)):
                times[m + 1] = times[m]
                amounts[m + 1] = amounts[m]
                m -= 1
            times[m + 1] = tk
            amounts[m + 1] = ak
        return
    by_amount = np.argsort(amounts, kind="mergesort")
    t1 = times[by_amount]
    a1 = amounts[by_amount]
    by_time = np.argsort(t1, kind="mergesort")
    times[:] = t1[by_time]
    amounts[:] = a1[by_time]


@njit()
def _rfm_customer(
    c: int,
    starts: IntArray,
    times: IntArray,
    amounts: FloatArray,
    unit: int,
    offset: int,
    cal_t_end: int,
    cal_p_end: int,
    hold_t_end: int,
    out_i: IntArray,
    out_f: FloatArray,
) -> None:
    """Reduce customer ``c`` into row ``c`` of ``out_i`` (5 int columns) and ``out_f`` (2)."""
    lo = starts[c]
    hi = starts[c + 1]
    sort_slice(times[lo:hi], amounts[lo:hi])
    n = 0
    first = 0
    cur = 0
    ps = 0.0  # compensated sum of the current calibration period
    pc = 0.0
    rs = 0.0  # compensated sum of the finished repeat periods
    rc = 0.0
    nhp = 0
    last_hold = 0
    nh = 0
    hs = 0.0  # compensated sum of the holdout rows
    hc = 0.0
    for i in range(lo, hi):
        t = times[i]
        p = (t + offset) // unit
        if t <= cal_t_end and p <= cal_p_end:
            if n == 0 or p != cur:
                if n == 1:
                    first = cur
                elif n > 1:
                    rs, rc = kahan_add(rs, rc, ps)
                n += 1
                cur = p
                ps = 0.0
                pc = 0.0
            ps, pc = kahan_add(ps, pc, amounts[i])
        elif t > cal_t_end and t <= hold_t_end:
            if nhp == 0 or p != last_hold:
                nhp += 1
                last_hold = p
            nh += 1
            hs, hc = kahan_add(hs, hc, amounts[i])
    if n == 1:
        first = cur
    elif n > 1:
        rs, rc = kahan_add(rs, rc, ps)
    out_i[c, 0] = n
    out_i[c, 1] = first
    out_i[c, 2] = cur
    out_i[c, 3] = nhp
    out_i[c, 4] = nh
    out_f[c, 0] = rs
    out_f[c, 1] = hs


@njit(parallel=True)
def rfm_reduce(
    starts: IntArray,
    times: IntArray,
    amounts: FloatArray,
    unit: int,
    offset: int,
    cal_t_end: int,
    cal_p_end: int,
    hold_t_end: int,
) -> tuple[IntArray, FloatArray]:
    """Per-customer period counts, first/last period and compensated sums.

    ``times`` and ``amounts`` are grouped by customer (customer ``c`` owns
    ``starts[c]:starts[c + 1]``) and are sorted in place by (time, amount) within each
    customer, so the sums do not depend on the caller's row order. The period of time ``t``
    is ``(t + offset) // unit``. A row is a calibration row when ``t <= cal_t_end`` and its
    period is ``<= cal_p_end``, and a holdout row when ``cal_t_end < t <= hold_t_end``.

    Returns ``(ints, floats)``: per customer the number of distinct calibration periods, the
    first and last calibration period, the number of distinct holdout periods and of holdout
    rows; and the sum of the repeat (non-first) calibration period totals and of the holdout
    amounts.
    """
    n_cust = starts.shape[0] - 1
    out_i = np.zeros((n_cust, 5), dtype=np.int64)
    out_f = np.zeros((n_cust, 2), dtype=np.float64)
    for c in prange(n_cust):
        _rfm_customer(
            c, starts, times, amounts, unit, offset, cal_t_end, cal_p_end, hold_t_end, out_i, out_f
        )
    return out_i, out_f


@njit()
def rfm_reduce_serial(
    starts: IntArray,
    times: IntArray,
    amounts: FloatArray,
    unit: int,
    offset: int,
    cal_t_end: int,
    cal_p_end: int,
    hold_t_end: int,
) -> tuple[IntArray, FloatArray]:
    """``rfm_reduce`` on one thread (small inputs, where starting threads costs more)."""
    n_cust = starts.shape[0] - 1
    out_i = np.zeros((n_cust, 5), dtype=np.int64)
    out_f = np.zeros((n_cust, 2), dtype=np.float64)
    for c in range(n_cust):
        _rfm_customer(
            c, starts, times, amounts, unit, offset, cal_t_end, cal_p_end, hold_t_end, out_i, out_f
        )
    return out_i, out_f
