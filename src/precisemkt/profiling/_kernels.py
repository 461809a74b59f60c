"""Compiled loops of the profiling subpackage (ndarray in, ndarray out, no validation).

The public wrappers in ``_rfm.py`` and ``_profile.py`` validate the data and call these.
Rows are grouped by customer with the stable two-pass bucket sort of
:mod:`precisemkt._grouping` (``group_order``, ``bucket_split``); each customer's
rows are then ordered by (time, amount) (``sort_index``) and reduced on their own, in
parallel over customers. Sums are compensated (Kahan) and taken in (time, amount) order, so
a result does not depend on the order of the caller's rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray

__all__ = [
    "COUNT_CODES",
    "calendar_codes",
    "collapse_orders",
    "group_modes",
    "order_stats",
    "rfm_buckets",
    "sort_groups",
    "sort_index",
]


AnyArray = npt.NDArray[Any]


@njit()
def _kahan_add(total: float, comp: float, value: float) -> tuple[float, float]:
    """One step of Kahan's compensated summation; returns the new (total, compensation)."""
    y = value - comp
    t = total + y
    comp = t - total - y
    if not np.isfinite(comp):  # an infinite running sum would turn the total into NaN
        comp = 0.0
    return t, comp


@njit()
def _before(primary: AnyArray, secondary: AnyArray, i: int, j: int) -> bool:
    """Row ``i`` sorts strictly before row ``j`` by (primary, secondary)."""
    before: bool = primary[i] < primary[j] or (
        primary[i] == primary[j] and secondary[i] < secondary[j]
    )
    return before


@njit()
def _merge_sort_index(idx: IntArray, primary: AnyArray, secondary: AnyArray) -> None:
    """Bottom-up stable merge sort of the row numbers ``idx`` (no numpy sort: fast to compile)."""
    n = idx.shape[0]
    src = idx.copy()
    dst = np.empty_like(idx)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            for k in range(lo, hi):
                if j < hi and (i >= mid or _before(primary, secondary, src[j], src[i])):
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
        src, dst = dst, src
        width *= 2
    idx[:] = src


@njit()
def sort_index(idx: IntArray, primary: AnyArray, secondary: AnyArray) -> bool:
    """Stable-sort the row numbers ``idx`` in place by (primary, secondary) of those rows.

    Returns ``False`` (and touches nothing) when they are already in order, the common case
    of a log written in time order.
    """
    n = idx.shape[0]
    in_order = True
    for k in range(1, n):
        if _before(primary, secondary, idx[k], idx[k - 1]):
            in_order = False
            break
    if in_order:
        return False
    if n <= 32:  # insertion sort
        for k in range(1, n):
            row = idx[k]
            m = k - 1
            while m >= 0 and _before(primary, secondary, row, idx[m]):
                idx[m + 1] = idx[m]
                m -= 1
            idx[m + 1] = row
    else:
        _merge_sort_index(idx, primary, secondary)
    return True


@njit()
def _sort_slice(times: IntArray, amounts: FloatArray, lo: int, hi: int, rows: IntArray) -> None:
    """Sort ``times[lo:hi]`` and ``amounts[lo:hi]`` together in place by (time, amount),
    and ``rows[lo:hi]`` along with them unless ``rows`` is empty."""
    for k in range(lo + 1, hi):
        if _before(times, amounts, k, k - 1):
            break
    else:  # already in order (a log written in time order): no allocation
        return
    idx = np.arange(lo, hi)
    sort_index(idx, times, amounts)
    t_sorted = times[idx]
    a_sorted = amounts[idx]
    times[lo:hi] = t_sorted
    amounts[lo:hi] = a_sorted
    if rows.shape[0] > 0:
        r_sorted = rows[idx]
        rows[lo:hi] = r_sorted


@njit(parallel=True)
def sort_groups(starts: IntArray, times: IntArray, amounts: FloatArray, rows: IntArray) -> None:
    """Sort every group ``starts[g]:starts[g + 1]`` of the grouped columns by (time, amount)
    in place, carrying the row numbers ``rows`` along."""
    for g_ in prange(starts.shape[0] - 1):
        g = int(np.int64(g_))  # prange indices are uint64 (a second compile)
        _sort_slice(times, amounts, starts[g], starts[g + 1], rows)


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
    row: int,
) -> None:
    """Reduce customer ``c`` (rows ``starts[c]:starts[c + 1]``) into row ``row`` of
    ``out_i`` (5 int columns) and ``out_f`` (2 float columns)."""
    lo = starts[c]
    hi = starts[c + 1]
    _sort_slice(times, amounts, lo, hi, np.empty(0, dtype=np.int64))
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
                    rs, rc = _kahan_add(rs, rc, ps)
                n += 1
                cur = p
                ps = 0.0
                pc = 0.0
            ps, pc = _kahan_add(ps, pc, amounts[i])
        elif t > cal_t_end and t <= hold_t_end:
            if nhp == 0 or p != last_hold:
                nhp += 1
                last_hold = p
            nh += 1
            hs, hc = _kahan_add(hs, hc, amounts[i])
    if n == 1:
        first = cur
    elif n > 1:
        rs, rc = _kahan_add(rs, rc, ps)
    out_i[row, 0] = n
    out_i[row, 1] = first
    out_i[row, 2] = cur
    out_i[row, 3] = nhp
    out_i[row, 4] = nh
    out_f[row, 0] = rs
    out_f[row, 1] = hs


@njit(parallel=True)
def rfm_buckets(
    bstart: IntArray,
    shift: int,
    span: int,
    k1: IntArray,
    t1: IntArray,
    a1: FloatArray,
    unit: int,
    offset: int,
    cal_t_end: int,
    cal_p_end: int,
    hold_t_end: int,
) -> tuple[IntArray, FloatArray]:
    """The RFM reduction fused with pass 2 of the bucket sort (see
    :func:`precisemkt._grouping.bucket_split`).

    Each bucket's rows are counting-sorted by key into scratch arrays that stay in cache
    and every customer of the bucket is reduced at once, in parallel over buckets. The
    period of time ``t`` is ``(t + offset) // unit``; a row is a calibration row when
    ``t <= cal_t_end`` and its period is ``<= cal_p_end``, and a holdout row when
    ``cal_t_end < t <= hold_t_end``. Within a customer rows are ordered by (time, amount),
    so the sums do not depend on the caller's row order.

    Returns ``(ints, floats)`` indexed by key (minus ``low``): the number of distinct
    calibration periods (0 for keys without a calibration row; the other columns of such
    keys are undefined), the first and last calibration period, the number of distinct
    holdout periods and of holdout rows; the sum of the repeat (non-first) calibration
    period totals and of the holdout amounts.
    """
    out_i = np.empty((span, 5), dtype=np.int64)
    out_f = np.empty((span, 2), dtype=np.float64)
    for b_ in prange(bstart.shape[0] - 1):
        b = int(np.int64(b_))  # prange indices are uint64 (a second compile)
        lo = bstart[b]
        hi = bstart[b + 1]
        v_lo = b << shift
        width = min(span, (b + 1) << shift) - v_lo
        starts = np.zeros(width + 1, dtype=np.int64)
        for j in range(lo, hi):
            starts[k1[j] - v_lo + 1] += 1
        for v in range(width):
            starts[v + 1] += starts[v]
        fill = starts[:width].copy()
        t_loc = np.empty(hi - lo, dtype=np.int64)
        a_loc = np.empty(hi - lo, dtype=np.float64)
        for j in range(lo, hi):
            v = k1[j] - v_lo
            q = fill[v]
            t_loc[q] = t1[j]
            a_loc[q] = a1[j]
            fill[v] = q + 1
        for v in range(width):
            out_i[v_lo + v, 0] = 0
            if starts[v + 1] > starts[v]:
                _rfm_customer(
                    v,
                    starts,
                    t_loc,
                    a_loc,
                    unit,
                    offset,
                    cal_t_end,
                    cal_p_end,
                    hold_t_end,
                    out_i,
                    out_f,
                    v_lo + v,
                )
    return out_i, out_f


@njit()
def collapse_orders(
    starts: IntArray,
    order: IntArray,
    customer: IntArray,
    times: IntArray,
    amounts: FloatArray,
    flags: IntArray,
    channel: IntArray,
) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray]:
    """Merge order lines (grouped by order id in ``order``) into orders.

    An order takes the customer and channel of its first line (in row order), the earliest
    time of its lines, the compensated sum of their amounts and ``flags`` = 1 when any line
    has a flag (a discount).
    """
    n = starts.shape[0] - 1
    o_customer = np.empty(n, dtype=np.int64)
    o_time = np.empty(n, dtype=np.int64)
    o_amount = np.empty(n, dtype=np.float64)
    o_flag = np.zeros(n, dtype=np.int64)
    o_channel = np.empty(n, dtype=np.int64)
    for g in range(n):
        first = order[starts[g]]
        o_customer[g] = customer[first]
        o_channel[g] = channel[first]
        t_min = times[first]
        total = 0.0
        comp = 0.0
        for k in range(starts[g], starts[g + 1]):
            i = order[k]
            t_min = min(t_min, times[i])
            total, comp = _kahan_add(total, comp, amounts[i])
            if flags[i] != 0:
                o_flag[g] = 1
        o_time[g] = t_min
        o_amount[g] = total
    return o_customer, o_time, o_amount, o_flag, o_channel


@njit(parallel=True)
def order_stats(starts: IntArray, times: IntArray, amounts: FloatArray, per_day: int) -> FloatArray:
    """Per customer, from orders sorted by time within each group ``starts[c]:starts[c+1]``.

    Columns: 0 total amount (compensated), 1 mean gap, 2 gap standard deviation (divisor
    = number of gaps), 3 90th percentile of the gaps (linear interpolation), 4 least-squares
    slope of amount on order number 0, 1, ... . Gaps are in days of ``per_day`` time ticks.
    Columns 1-4 are NaN for a customer with one order.
    """
    n_cust = starts.shape[0] - 1
    out = np.full((n_cust, 5), np.nan)
    day = float(per_day)
    for c_ in prange(n_cust):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        lo = starts[c]
        hi = starts[c + 1]
        m = hi - lo
        total = 0.0
        comp = 0.0
        for i in range(lo, hi):
            total, comp = _kahan_add(total, comp, amounts[i])
        out[c, 0] = total
        if m < 2:
            continue
        gaps = np.empty(m - 1)
        for k in range(m - 1):
            gaps[k] = (times[lo + k + 1] - times[lo + k]) / day
        mean = gaps.mean()
        var = 0.0
        for k in range(m - 1):
            var += (gaps[k] - mean) ** 2
        out[c, 1] = mean
        out[c, 2] = np.sqrt(var / (m - 1))
        rank = np.arange(m - 1)
        sort_index(rank, gaps, gaps)
        pos = 0.9 * (m - 2)
        below = int(np.floor(pos))
        frac = pos - below
        low_gap = gaps[rank[below]]
        if below + 1 < m - 1:
            out[c, 3] = low_gap + (gaps[rank[below + 1]] - low_gap) * frac
        else:
            out[c, 3] = low_gap
        x_mean = (m - 1) / 2.0
        y_mean = total / m
        sxy = 0.0
        sxx = 0.0
        for k in range(m):
            dx = k - x_mean
            sxy += dx * (amounts[lo + k] - y_mean)
            sxx += dx * dx
        out[c, 4] = sxy / sxx
    return out


#: Groups per parallel work item of ``group_modes``; codes below ``COUNT_CODES`` are counted
#: in a per-item table, larger code spaces are sorted instead.
_MODE_CHUNK = 1024
COUNT_CODES = 1 << 16


@njit(parallel=True)
def group_modes(starts: IntArray, codes: IntArray, n_codes: int) -> IntArray:
    """Per group of integer codes in ``[-1, n_codes)`` (``-1`` = missing, ignored): columns
    0 the number of distinct codes, 1 the most frequent code (the smallest on ties; -1 when
    none), 2 its count, 3 the number of non-missing codes."""
    n = starts.shape[0] - 1
    out = np.empty((n, 4), dtype=np.int64)
    n_chunks = (n + _MODE_CHUNK - 1) // _MODE_CHUNK
    for ch_ in prange(n_chunks):
        ch = int(np.int64(ch_))  # prange indices are uint64 (a second compile)
        table = np.zeros(n_codes if n_codes <= COUNT_CODES else 0, dtype=np.int64)
        for g in range(ch * _MODE_CHUNK, min(n, (ch + 1) * _MODE_CHUNK)):
            lo = starts[g]
            hi = starts[g + 1]
            best = -1
            best_count = 0
            distinct = 0
            valid = 0
            if n_codes <= COUNT_CODES:
                for i in range(lo, hi):
                    v = codes[i]
                    if v < 0:
                        continue
                    valid += 1
                    if table[v] == 0:
                        distinct += 1
                    table[v] += 1
                    if table[v] > best_count or (table[v] == best_count and v < best):
                        best = v
                        best_count = table[v]
                for i in range(lo, hi):
                    if codes[i] >= 0:
                        table[codes[i]] = 0
            else:
                rows = np.arange(lo, hi)
                sort_index(rows, codes, codes)
                k = 0
                while k < rows.shape[0]:
                    v = codes[rows[k]]
                    run = 1
                    while k + run < rows.shape[0] and codes[rows[k + run]] == v:
                        run += 1
                    if v >= 0:
                        distinct += 1
                        valid += run
                        if run > best_count:
                            best = v
                            best_count = run
                    k += run
            out[g, 0] = distinct
            out[g, 1] = best
            out[g, 2] = best_count
            out[g, 3] = valid
    return out


#: Nanoseconds in a day: times read in pandas' default resolution.
_NS_DAY = 86_400 * 10**9


@njit(inline=True)
def _calendar(t: int, day: int, hour: int) -> tuple[int, int, int]:
    """Weekday (Monday = 0), hour and time within the day of tick ``t``."""
    d = t // day
    within = t - d * day
    return (d + 3) % 7, within // hour, within


@njit(parallel=True)
def calendar_codes(times: IntArray, per_day: int) -> tuple[IntArray, IntArray, bool]:
    """Weekday (Monday = 0) and hour of every time (ticks since 1970-01-01, a Thursday;
    ``per_day`` ticks a day), and whether any time is not at midnight. Nanosecond ticks
    take a loop with constant divisors (much faster than dividing by a variable)."""
    n = times.shape[0]
    weekday = np.empty(n, dtype=np.int64)
    hour = np.empty(n, dtype=np.int64)
    timed = 0
    if per_day == _NS_DAY:
        for i_ in prange(n):
            i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
            weekday[i], hour[i], within = _calendar(times[i], _NS_DAY, _NS_DAY // 24)
            if within != 0:
                timed += 1
    else:
        for i_ in prange(n):
            i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
            weekday[i], hour[i], within = _calendar(times[i], per_day, per_day // 24)
            if within != 0:
                timed += 1
    return weekday, hour, timed > 0
