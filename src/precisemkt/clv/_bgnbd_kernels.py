"""Compiled kernels of the BG/NBD and MBG/NBD models: log-likelihood and predictions.

The log-likelihood kernel returns one vector ``[ll, g_0..g_3, h_00, h_01, ..., h_33]`` (the
weighted log-likelihood summed over rows, its gradient and the upper triangle of its
Hessian) with respect to the raw parameters ``(r, alpha, a, b)``; ``order`` selects how much
is computed: 0 value, 1 value and gradient, 2 everything. Differences of log-gamma, digamma
and trigamma values at integer offsets come from :func:`precisemkt._vmath.cumlog` tables.

Predictions run once per customer, millions at a time: P(alive) is a loop vectorised by
LLVM with :func:`precisemkt._vmath.vexp` and :func:`~precisemkt._vmath.vlog_ratio`, which
also checks the RFM rules (:func:`precisemkt.clv._rfm_kernels.rfm_row_ok`); the expected
purchases are an all-positive series with an overflow-triggered log scale, evaluated once
per distinct ``(x, T, t)``.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt import _vmath
from precisemkt._grouping import group_rows
from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import add_weighted, at, chunk_bounds, cumlog, loglik_len, vexp, vlog_ratio
from precisemkt.clv._rfm_kernels import rfm_row_ok

__all__ = ["bg_loglik", "bg_predict"]

#: The columns of a chunk of customers, three :func:`cumlog` tables, a range of rows.
Rows = tuple[IntArray, FloatArray, FloatArray, FloatArray]
Tables = tuple[FloatArray, FloatArray, FloatArray]
Span = tuple[int, int]

#: A series that needs more terms than this is reported as failed (NaN).
_SERIES_MAX_TERMS = 200_000_000
#: Survival tables of the BG/NBD expectation cover frequencies up to this and this many
#: terms (beyond, the sums are carried forward term by term).
_TABLE_MAX_X = 2000
_TABLE_TERMS = 96


@njit()
def _bg_row(
    r: float,
    alpha: float,
    a: float,
    b: float,
    m: int,
    x: int,
    tx: float,
    T: float,
    tr: FloatArray,
    tb: FloatArray,
    tab: FloatArray,
    order: int,
    out: FloatArray,
) -> None:
    """BG/NBD (``m=0``) or MBG/NBD (``m=1``) log-likelihood of one customer into ``out``.

    ``tr, tb, tab`` are :func:`cumlog` tables of r, b and a+b. Per row (Fader, Hardie &
    Lee 2005, eq. 6; Batislam et al. 2007)::

        log L = lgamma(r+x) - lgamma(r) + r log(alpha) + log B(a, b+x+m) - log B(a, b)
                + log[(alpha+T)^-(r+x) + [x>0 or m] a/(b+x+m-1) (alpha+tx)^-(r+x)]

    ``out`` receives ``[ll, grad(4), hess upper triangle(10)]`` (as far as ``order``).
    """
    xs = x + m
    rx = r + x
    la = math.log(alpha)
    a_t = alpha + T
    l1 = math.log(a_t)
    g1 = -rx * l1
    A = tr[0, x] + r * la + tb[0, xs] - tab[0, xs]
    two = x > 0 or m == 1
    # second term (dropout after the last purchase); unused values when absent
    bx = b + (xs - 1.0) if two else 1.0  # exact integer first: b may be below 1e-16
    ax = alpha + tx
    w1 = 1.0
    w2 = 0.0
    l2 = l1
    if two:
        l2 = math.log(ax)
        g2 = math.log(a / bx) - rx * l2
        # log(e^g1 + e^g2) with one exp and one log1p; w1, w2 the two shares
        e = math.exp(-abs(g1 - g2))
        if g2 > g1:
            w1 = e / (1.0 + e)
            w2 = 1.0 / (1.0 + e)
            out[0] = A + g2 + math.log1p(e)
        else:
            w1 = 1.0 / (1.0 + e)
            w2 = e / (1.0 + e)
            out[0] = A + g1 + math.log1p(e)
    else:
        out[0] = A + g1
    if order == 0:
        return
    out[1] = tr[1, x] + la - w1 * l1 - w2 * l2
    out[2] = r / alpha - w1 * rx / a_t - w2 * rx / ax
    out[3] = -tab[1, xs] + w2 / a
    out[4] = tb[1, xs] - tab[1, xs] - w2 / bx
    if order == 1:
        return
    # Hessian of A, plus w1 H1 + w2 H2 + w1 w2 (g1' - g2')(g1' - g2')^T with the gradient
    # differences written without cancellation
    ww = w1 * w2
    v0 = l2 - l1
    v1 = rx * (T - tx) / (a_t * ax)
    v2 = -1.0 / a
    v3 = 1.0 / bx
    out[5] = tr[2, x] + ww * v0 * v0
    out[6] = 1.0 / alpha - w1 / a_t - w2 / ax + ww * v0 * v1
    out[7] = ww * v0 * v2
    out[8] = ww * v0 * v3
    out[9] = -r / (alpha * alpha) + w1 * rx / (a_t * a_t) + w2 * rx / (ax * ax) + ww * v1 * v1
    out[10] = ww * v1 * v2
    out[11] = ww * v1 * v3
    out[12] = -tab[2, xs] - w2 / (a * a) + ww * v2 * v2
    out[13] = -tab[2, xs] + ww * v2 * v3
    out[14] = tb[2, xs] - tab[2, xs] + w2 / (bx * bx) + ww * v3 * v3


@njit(parallel=True)
def bg_loglik(
    params: FloatArray,
    x: IntArray,
    tx: FloatArray,
    T: FloatArray,
    w: FloatArray,
    modified: int,
    order: int,
) -> FloatArray:
    """Weighted BG/NBD (``modified=0``) or MBG/NBD (``modified=1``) log-likelihood.

    ``params = (r, alpha, a, b)``; ``x`` int64 repeat purchases, ``tx`` recency, ``T`` age,
    ``w`` row weights; see :func:`_bg_row`.
    """
    r, a, b = params[0], params[2], params[3]
    m = 1 if modified else 0
    n = x.size
    size = (int(np.max(x)) if n else 0) + 2
    tr = cumlog(r, size)
    tb = cumlog(b, size)
    tab = cumlog(a + b, size)
    nch = chunk_bounds(n)
    partial = np.zeros((nch, 15))
    for c_ in prange(nch):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        span = (c * n // nch, (c + 1) * n // nch)
        _accumulate_bg(params, m, (x, tx, T, w), (tr, tb, tab), order, span, partial[c])
    total: FloatArray = partial.sum(axis=0)
    return total


@njit()
def _accumulate_bg(
    params: FloatArray, m: int, rows: Rows, tables: Tables, order: int, span: Span, out: FloatArray
) -> None:
    """Add the weighted :func:`_bg_row` outputs of rows ``span[0] .. span[1]-1`` of ``rows =
    (x, tx, T, w)`` to ``out``; ``tables`` are the :func:`cumlog` tables of r, b and a+b."""
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    x, tx, T, w = rows
    tr, tb, tab = tables
    out_row = np.zeros(15)
    for i in range(span[0], span[1]):
        _bg_row(r, alpha, a, b, m, x[i], tx[i], T[i], tr, tb, tab, order, out_row)
        add_weighted(out, w[i], out_row, loglik_len(4, order))


@njit(vectorize=True)
def _bg_palive_rows(
    params: FloatArray,
    m: int,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    c: int,
    nch: int,
    out: FloatArray,
) -> bool:
    """P(alive) of rows of chunk ``c`` of ``nch``: ``1 / (1 + a/(b+x+m-1) (B/A)^(r+x))``;
    returns whether every row keeps the RFM rules (:func:`rfm_row_ok`).

    ``A = alpha + tx``, ``B = alpha + T``; the power is ``exp((r+x) log(B/A))`` (the
    log's absolute error, about 2e-16, becomes a relative error of ``(r+x)`` 2e-16 in the
    power) and when it overflows the result is the correct limit 0. BG/NBD customers
    without repeat purchases (``x = 0``, ``m = 0``) cannot have died: 1. The rules are
    checked in the same pass because the pass is cheap enough for a separate validation
    pass over the data to cost a third of the prediction.
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    n = x.size
    # slices, so that indices start at 0: LLVM then knows they are never negative (no
    # wrap-around) and vectorises the loop
    lo, hi = (c * n) // nch, ((c + 1) * n) // nch
    xs, txs, ts, res = x[lo:hi], tx[lo:hi], T[lo:hi], out[lo:hi]
    broken = 0
    for i in range(hi - lo):
        xi, ri, ti = xs[i], txs[i], ts[i]
        broken |= 0 if rfm_row_ok(xi, ri, ti) else 1
        den = b + (xi + m - 1.0)
        power = vexp((r + xi) * vlog_ratio(alpha + ti, alpha + ri))
        p = den / (den + a * power) if power < np.inf else 0.0
        res[i] = 1.0 if xi == 0.0 and m == 0 else p
    return broken == 0


@njit()
def _bg_survival_tables(
    a: float, b: float, m: int, xmax: int, size: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Tables for :func:`_bg_survival_sum`, for frequencies ``0 .. xmax`` and ``size`` terms.

    ``surv[x, j] = (b+x+m)_j / (a+b+x+m)_j`` (survival through ``j`` more purchases),
    ``cum[x, j] = sum_{n<j} surv[x, n]`` and ``inv[j] = 1 / (j+1)``; they depend on the
    model and the frequency only, so customers share them.
    """
    surv = np.empty((xmax + 1, size + 1))
    cum = np.empty((xmax + 1, size + 1))
    for x in range(xmax + 1):
        bb = b + x + m
        ab = a + bb
        s_ = 1.0
        c_ = 0.0
        for j in range(size + 1):
            surv[x, j] = s_
            cum[x, j] = c_
            c_ += s_
            s_ *= (bb + j) / (ab + j)
    inv = 1.0 / np.arange(1.0, size + 2.0)
    return surv, cum, inv


@njit()
def _bg_survival_sum(
    r: float,
    alpha: float,
    a: float,
    b: float,
    m: int,
    x: float,
    T: float,
    t: float,
    surv_tab: FloatArray,
    cum_tab: FloatArray,
    inv_tab: FloatArray,
) -> float:
    """Expected purchases in ``(T, T+t]`` of a customer alive at ``T`` (BG/NBD family).

    ``sum_{j>=1} P(Y = j) W_j`` with ``Y ~ NB(r+x, z)``, ``z = t/(alpha+T+t)`` the purchases
    an immortal customer would make, and ``W_j = sum_{n<j} (b+x+m)_n / (a+b+x+m)_n`` the
    expected number of those made before dropout under the Beta posterior of ``p``. All
    terms are positive; this equals ``(c/(a-1)) [1 - (1-z)^(r+x) 2F1(r+x, b'; c; z)]`` with
    ``b' = b+x+m``, ``c = a+b'-1`` (FHL 2005 eq. 10), also when ``a = 1`` or ``a + b < 1``.

    The survival sums come from :func:`_bg_survival_tables` while ``x`` and ``j`` are inside
    them, and are carried forward past their end. Near ``z = 1`` the series runs over
    ~``1/(1-z)`` terms and the rounding of ``z`` itself would compound along the recursion,
    so it is corrected to first order: the exact residual ``delta`` of ``z`` is computed
    once and the sum gets ``delta sum (j-1) P(Y = j) W_j``. Returns NaN if the series does
    not settle within the term budget.
    """
    if t <= 0.0:
        return 0.0
    k = r + x
    bb = b + x + m
    ab = a + bb
    big = alpha + T
    s_hi = big + t
    s_b = s_hi - big
    s_lo = (big - (s_hi - s_b)) + (t - s_b)
    z = t / s_hi
    if z >= 1.0:  # t / (alpha + T) beyond 1e16: no double-precision answer
        return np.nan
    p_hi, p_lo = _vmath.two_product(z, s_hi)
    delta = ((t - p_hi) - p_lo - z * s_lo) / (z * s_hi)
    # log P(Y = 1) = log k + log z + k log(1-z), with both logs accurate near z = 1
    log_scale = math.log(k) - math.log1p(big / t) - k * math.log1p(t / big)
    xi = int(x)
    tabled = xi == x and xi < surv_tab.shape[0]
    size = surv_tab.shape[1] - 1 if tabled else 1
    pmf = 1.0
    total = 0.0
    moment = 0.0  # sum (j-1) P(Y=j) W_j, for the first-order correction in delta
    j = 1
    while j < size:  # tabled terms: no divisions, a stopping test every 8 terms
        term = pmf * cum_tab[xi, j]
        total += term
        moment += (j - 1.0) * term
        ratio = (1.0 + (k - 1.0) * inv_tab[j]) * z  # (k + j) / (j + 1) * z
        pmf *= ratio
        j += 1
        if pmf > _vmath.BIG:
            pmf /= _vmath.BIG
            total /= _vmath.BIG
            moment /= _vmath.BIG
            log_scale += math.log(_vmath.BIG)
        if (j & 7) == 0 and ratio < 1.0:
            bound = max(ratio, z)
            if pmf * (cum_tab[xi, j] + 1.0 / (1.0 - bound)) <= _vmath.SERIES_EPS * total * (
                1.0 - bound
            ):
                return math.exp(math.log(total + delta * moment) + log_scale)
    # survival quantities at term j: tabled, or W_1 = 1 and (bb)_1/(ab)_1
    cum = cum_tab[xi, j] if tabled else 1.0
    surv = surv_tab[xi, j] if tabled else bb / ab
    while True:
        term = pmf * cum
        total += term
        moment += (j - 1.0) * term
        cum += surv
        surv *= (bb + j) / (ab + j)
        ratio = (k + j) / (j + 1.0) * z
        pmf *= ratio
        j += 1
        if pmf > _vmath.BIG or total > _vmath.BIG:
            pmf /= _vmath.BIG
            total /= _vmath.BIG
            moment /= _vmath.BIG
            log_scale += math.log(_vmath.BIG)
        if ratio < 1.0:
            # future pmf ratios are <= max(ratio, z); W grows at most by 1 per term
            bound = max(ratio, z)
            if pmf * (cum + 1.0 / (1.0 - bound)) / (1.0 - bound) <= _vmath.SERIES_EPS * total:
                break
        if j > _SERIES_MAX_TERMS:
            return np.nan
    return math.exp(math.log(total + delta * moment) + log_scale)


@njit()
def _triples(x: FloatArray, T: FloatArray, t: FloatArray) -> IntArray:
    """The bit patterns of ``(x, T)``, and of ``t`` when it has one entry per row, as the
    ``(n, 2)`` or ``(n, 3)`` keys of :func:`precisemkt._grouping.group_rows`."""
    n = x.size
    keys = np.empty((n, 3 if t.size > 1 else 2), dtype=np.int64)
    keys[:, 0] = x.view(np.int64)
    keys[:, 1] = T.view(np.int64)
    if t.size > 1:
        keys[:, 2] = t.view(np.int64)
    return keys


@njit(parallel=True)
def bg_predict(
    params: FloatArray,
    m: int,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    t: FloatArray,
    what: int,
) -> tuple[FloatArray, bool]:
    """BG/NBD-family predictions for the customers ``x, tx, T`` (one length ``n``), and
    whether every customer keeps the RFM rules (if not, the predictions are unfinished).

    ``what``: 0 P(alive), 1 conditional expected purchases in ``(T, T+t]`` (``t`` of length
    1 or ``n``). The expectation is P(alive) times :func:`_bg_survival_sum`, which depends on
    ``(x, T, t)`` only: it is evaluated once per distinct triple (grouped by
    :func:`precisemkt._grouping.group_rows`).
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    n = x.size
    out = np.empty(n)
    nch = chunk_bounds(n)
    ok = np.empty(nch, dtype=np.bool_)
    for c_ in prange(nch):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        ok[c] = _bg_palive_rows(params, m, x, tx, T, c, nch, out)
    clean = bool(ok.all())
    if what == 0 or not clean:
        return out, clean
    slot, first = group_rows(_triples(x, T, t), max(n // 4, 64))
    surv, cum, inv = _bg_survival_tables(a, b, m, _table_rows(x), _TABLE_TERMS)
    series = np.empty(first.size)
    for g_ in prange(first.size):
        g = int(np.int64(g_))  # prange indices are uint64 (a second compile)
        i = first[g]
        series[g] = _bg_survival_sum(r, alpha, a, b, m, x[i], T[i], at(t, i), surv, cum, inv)
    for i_ in prange(n):
        i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
        out[i] *= series[slot[i]]
    return out, True


@njit()
def _table_rows(x: FloatArray) -> int:
    """Largest whole frequency <= ``_TABLE_MAX_X`` in ``x`` (rows of the survival tables)."""
    top = 0
    for v in x:
        if v <= _TABLE_MAX_X and v > top:
            top = int(v)
    return top
