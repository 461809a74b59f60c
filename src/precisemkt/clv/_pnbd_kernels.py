"""Compiled kernels of the Pareto/NBD model: log-likelihood, predictions and pmf.

The log-likelihood kernel returns ``[ll, gradient(4), upper Hessian(10)]`` in the raw
parameters ``(r, alpha, s, beta)`` (``order`` 0, 1, 2). The integral of the likelihood is
the all-positive series of :func:`pnbd_log_odds` (derivatives by the stable rule
``d log L = g_ref + sum_j w_j v_j``, ``d^2 log L = sum_j w_j (hess h_j + v_j v_j^T) - vbar
vbar^T`` over the positive terms ``exp(h_j)``, ``w_j`` their shares), with an
overflow-triggered log scale; long series go to :mod:`precisemkt.clv._pnbd_quadrature`.
Predictions advance a block of customers one series term at a time in a loop vectorised by
LLVM, handing the rare customer the block cannot finish to the scalar series.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit, prange
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import (
    BIG,
    SERIES_EPS,
    add_weighted,
    at,
    chunk_bounds,
    cumlog,
    log_add,
    loglik_len,
    softplus,
    tri,
    vexp,
    vexpm1,
    vlog,
    vlog1p,
)
from precisemkt.clv._pnbd_quadrature import pnbd_quad
from precisemkt.clv._rfm_kernels import rfm_clean

#: The columns of customers: (x, tx, T, w) for the likelihood, (x, tx, T, t) for
#: predictions; and a range of row positions.
FitRows = tuple[IntArray, FloatArray, FloatArray, FloatArray]
Rows = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
Span = tuple[int, int]

__all__ = [
    "pnbd_log_odds",
    "pnbd_log_odds_block",
    "pnbd_loglik",
    "pnbd_pmf",
    "pnbd_predict",
    "pnbd_series_terms",
]

#: The Pareto/NBD series (likelihood, P(alive), pmf) runs at most this many terms; when its
#: length estimate (:func:`pnbd_series_terms`) is larger, the integral is taken by
#: quadrature instead (:func:`~precisemkt.clv._pnbd_quadrature.pnbd_quad`), which needs a
#: few hundred evaluations at most.
_PNBD_TERMS = 20_000
#: A Pareto/NBD series whose estimate was too low stops here and hands over to quadrature.
_PNBD_MAX_TERMS = 100_000


# --------------------------------------------------------------------------- Pareto/NBD


#: Named parts of :func:`_pnbd_row`'s scratch buffer (offsets; 4 floats, or 16 for a 4 x 4
#: row-major matrix): the series' gradient and Hessian sums (the first ``_SERIES_SUMS``
#: floats, rescaled with the series), the Jacobian of the primitive coordinates (c, d, k,
#: m) in (r, alpha, s, beta), the gradients and Hessians of the leading factor and of the
#: no-death term, the reference gradient in primitive and in model coordinates, the mean
#: gradient difference and the no-death term's gradient difference.
_V, _P, _JAC, _G_LEAD, _G_ALIVE, _REF, _VBAR, _V0, _G_REF, _H_LEAD, _H_ALIVE = (
    0,
    4,
    20,
    36,
    40,
    44,
    48,
    52,
    56,
    60,
    76,
)
_SERIES_SUMS = 20
#: Floats in the scratch buffer of :func:`_pnbd_row`.
_ROW_WORK = 92


@njit()
def _pnbd_row(
    params: FloatArray,
    x: float,
    tx: float,
    T: float,
    lgamma_r: FloatArray,
    order: int,
    out: FloatArray,
    wk: FloatArray,
) -> float:
    """Pareto/NBD log-likelihood of one customer, and its derivatives into ``out``.

    ``params = (r, alpha, s, beta)``; ``lgamma_r`` holds ``lgamma(r+x)-lgamma(r)`` and its
    first two derivatives in ``r`` (a column of a :func:`~precisemkt._vmath.cumlog` table).
    ``out`` receives ``[ll, grad(4), hess upper triangle(10)]`` (unweighted); ``wk`` is a
    scratch buffer of ``_ROW_WORK`` floats. The likelihood (Fader & Hardie note 009, eq.
    18-22) is

        L = Gamma(r+x) alpha^r beta^s / Gamma(r) [(alpha+T)^-(r+x) (beta+T)^-s + s I],
        I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du,

    and ``I`` is evaluated as the all-positive series (m = max(alpha, beta), d = |alpha -
    beta|, k = r+s+x, c = s+1 if alpha >= beta else r+x, A = m+tx, B = m+T)

        I = sum_n (c)_n / n! d^n / (k+n) [A^-(k+n) - B^-(k+n)],

    each bracket being ``A^-(k+n) E_n`` with ``E_n = 1 - (A/B)^(k+n)`` accumulated by positive
    increments, so the difference of the two hypergeometric functions never cancels (see
    :func:`_pnbd_series`). Derivatives are taken in the primitive coordinates (c, d, k, m)
    and mapped to (r, alpha, s, beta) by the constant Jacobian of the branch. Returns the
    log-likelihood (NaN if the series fails). A row whose series would be long takes the
    log odds of death ``lo`` and its derivatives from :func:`pnbd_quad` instead: ``ll = A0 +
    g0 + softplus(lo)``.
    """
    r: float = params[0]
    alpha: float = params[1]
    s: float = params[2]
    beta: float = params[3]
    lr: float = lgamma_r[0]
    dr: float = lgamma_r[1]
    qr: float = lgamma_r[2]
    rx = r + x
    lat = math.log(alpha + T)
    lbt = math.log(beta + T)
    g0 = -rx * lat - s * lbt
    A0 = lr + r * math.log(alpha) + s * math.log(beta)
    if order == 0:
        value = A0 + g0 + softplus(_log_odds(r, alpha, s, beta, x, tx, T, wk))
        out[0] = value
        return value
    dt = T - tx
    mm = max(alpha, beta)
    has_series = dt > 1e-12 * (mm + T)
    e0 = 1.0
    e1 = 0.0
    tot = 1.0
    ll = A0 + g0
    for j in range(_G_LEAD):
        wk[j] = 0.0
    V = wk[_V : _V + 4]
    P = wk[_P : _P + 16]
    J = wk[_JAC : _JAC + 16]
    big_a = alpha >= beta
    d = max(abs(alpha - beta), 1e-14 * mm)
    k = r + s + x
    Aa = mm + tx
    lam = 0.0
    lam_m = 0.0
    u0 = 0.0
    ssum = 1.0
    cc = s + 1.0 if big_a else rx
    quad = has_series and pnbd_series_terms(d / Aa, cc) > _PNBD_TERMS
    if has_series and not quad:
        Bb = mm + T
        lam = vlog1p(dt / Aa)  # log(B/A)
        lam_m = -dt / (Aa * Bb)  # d lam / d m
        lam_mm = dt * (Aa + Bb) / (Aa * Aa * Bb * Bb)
        q, e = _series_start(k, lam, False)
        u0 = q / e
        ssum, log_scale, finished = _pnbd_series(
            k, cc, d / Aa, lam, Aa / Bb, dt / Bb, order, d, Aa, lam_m, lam_mm, wk
        )
        quad = not finished
        if finished:
            l_ser = math.log(s) - k * math.log(Aa) + math.log(ssum) + log_scale
            top = max(g0, l_ser)
            e0 = math.exp(g0 - top)
            e1 = math.exp(l_ser - top)
            tot = e0 + e1
            ll = A0 + top + math.log(tot)
    if quad:
        for j in range(_G_LEAD):
            wk[j] = 0.0
    out[0] = ll
    gA = wk[_G_LEAD : _G_LEAD + 4]
    gA[0] = dr + math.log(alpha)
    gA[1] = r / alpha
    gA[2] = math.log(beta)
    gA[3] = s / beta
    gg0 = wk[_G_ALIVE : _G_ALIVE + 4]
    gg0[0] = -lat
    gg0[1] = -rx / (alpha + T)
    gg0[2] = -lbt
    gg0[3] = -s / (beta + T)
    # Hessians of the leading factor (hA) and of the no-death term (h0), row-major 4 x 4
    hA = wk[_H_LEAD : _H_LEAD + 16]
    h0 = wk[_H_ALIVE : _H_ALIVE + 16]
    for j in range(16):
        hA[j] = 0.0
        h0[j] = 0.0
    hA[0] = qr
    hA[1] = 1.0 / alpha
    hA[5] = -r / (alpha * alpha)
    hA[11] = 1.0 / beta
    hA[15] = -s / (beta * beta)
    h0[1] = -1.0 / (alpha + T)
    h0[5] = rx / ((alpha + T) * (alpha + T))
    h0[11] = -1.0 / (beta + T)
    h0[15] = s / ((beta + T) * (beta + T))
    if quad:
        glo = wk[_V : _V + 4]
        hlo = wk[_P : _P + 16]
        lo = pnbd_quad(r, alpha, s, beta, x, tx, T, order, glo, hlo)
        ll = A0 + g0 + softplus(lo)
        out[0] = ll
        # 1 / (1 + exp(-lo)): the weight of the death term
        pi1 = 1.0 / (1.0 + math.exp(-lo)) if lo >= 0.0 else math.exp(lo) / (1.0 + math.exp(lo))
        for j in range(4):
            out[1 + j] = wk[_G_LEAD + j] + wk[_G_ALIVE + j] + pi1 * glo[j]
        if order > 1:
            for i in range(4):
                for j in range(i, 4):
                    out[tri(i, j, 4)] = (
                        wk[_H_LEAD + 4 * i + j]
                        + wk[_H_ALIVE + 4 * i + j]
                        + pi1 * hlo[4 * i + j]
                        + pi1 * (1.0 - pi1) * glo[i] * glo[j]
                    )
        return ll
    if not has_series:
        for j in range(4):
            out[1 + j] = gA[j] + gg0[j]
        if order > 1:
            for i in range(4):
                for j in range(i, 4):
                    out[tri(i, j, 4)] = hA[4 * i + j] + h0[4 * i + j]
        return ll
    pi0 = e0 / tot
    pi1 = e1 / tot
    J[2 * 4 + 0] = 1.0
    J[2 * 4 + 2] = 1.0
    if big_a:
        J[0 * 4 + 2] = 1.0
        J[1 * 4 + 1] = 1.0
        J[1 * 4 + 3] = -1.0
        J[3 * 4 + 1] = 1.0
    else:
        J[0 * 4 + 0] = 1.0
        J[1 * 4 + 1] = -1.0
        J[1 * 4 + 3] = 1.0
        J[3 * 4 + 3] = 1.0
    # reference gradient: the n = 0 series term, mapped to theta coordinates
    gu0 = wk[_G_REF : _G_REF + 4]
    gu0[0] = 0.0
    gu0[1] = 0.0
    gu0[2] = -1.0 / k - math.log(Aa) + lam * u0
    gu0[3] = -k / Aa + lam_m * k * u0
    ref = wk[_REF : _REF + 4]
    vbar = wk[_VBAR : _VBAR + 4]
    v0 = wk[_V0 : _V0 + 4]
    for j in range(4):
        rj = 0.0
        vj = 0.0
        for u_ in range(4):
            rj += J[4 * u_ + j] * gu0[u_]
            vj += J[4 * u_ + j] * V[u_] / ssum
        ref[j] = rj
        vbar[j] = vj
    ref[2] += 1.0 / s
    for j in range(4):
        v0[j] = gg0[j] - ref[j]
        vbar[j] = pi0 * v0[j] + pi1 * vbar[j]
        out[1 + j] = gA[j] + ref[j] + vbar[j]
    if order == 1:
        return ll
    for i in range(4):
        for j in range(i, 4):
            pij = 0.0
            for u_ in range(4):
                for v_ in range(4):
                    puv = P[4 * u_ + v_] if u_ <= v_ else P[4 * v_ + u_]
                    pij += J[4 * u_ + i] * puv * J[4 * v_ + j]
            ser = pij / ssum
            if i == 2 and j == 2:
                ser -= 1.0 / (s * s)
            h0ij = h0[4 * i + j] + v0[i] * v0[j]
            out[tri(i, j, 4)] = hA[4 * i + j] + pi0 * h0ij + pi1 * ser - vbar[i] * vbar[j]
    return ll


@njit(parallel=True)
def pnbd_loglik(
    params: FloatArray, x: IntArray, tx: FloatArray, T: FloatArray, w: FloatArray, order: int
) -> FloatArray:
    """Weighted Pareto/NBD log-likelihood (see :func:`_pnbd_row`)."""
    n = x.size
    tr = cumlog(params[0], (int(np.max(x)) if n else 0) + 1)
    nch = chunk_bounds(n)
    partial = np.zeros((nch, 15))
    for c_ in prange(nch):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        span = (c * n // nch, (c + 1) * n // nch)
        _accumulate_pnbd(params, (x, tx, T, w), tr, order, span, partial[c])
    total: FloatArray = partial.sum(axis=0)
    return total


@njit()
def _accumulate_pnbd(
    params: FloatArray, rows: FitRows, tr: FloatArray, order: int, span: Span, out: FloatArray
) -> None:
    """Add the weighted :func:`_pnbd_row` outputs of rows ``span[0] .. span[1]-1`` of
    ``rows = (x, tx, T, w)`` to ``out``."""
    x, tx, T, w = rows
    row = np.zeros(15)
    wk = np.zeros(_ROW_WORK)
    size = loglik_len(4, order)
    for i in range(span[0], span[1]):
        _pnbd_row(params, x[i], tx[i], T[i], tr[:, x[i]], order, row, wk)
        add_weighted(out, w[i], row, size)


@njit(parallel=True)
def pnbd_predict(
    params: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray, t: FloatArray, what: int
) -> tuple[FloatArray, bool]:
    """Pareto/NBD predictions for the customers ``x, tx, T`` (contiguous, one length), and
    whether every customer keeps the RFM rules (checked first; if not, nothing is computed).

    ``what``: 0 P(alive) = exp(g0) / (exp(g0) + s I) (note 009 eq. 34); 1 the conditional
    expectation, P(alive) times (r+x)(beta+T)/(alpha+T) [1 - ((beta+T)/(beta+T+t))^(s-1)]
    / (s-1) (eq. 41), written with expm1/log1p so that s = 1 is its limit (``t`` of length
    1 or ``n``). Rows are evaluated in blocks (see :func:`pnbd_log_odds_block`).
    """
    n = x.size
    out = np.empty(n)
    if not rfm_clean(x, tx, T):
        return out, False
    horizon = t if t.size == n or what == 0 else np.full(n, t[0])  # unused for P(alive)
    nch = chunk_bounds(n)
    for c_ in prange(nch):
        c = int(np.int64(c_))  # prange indices are uint64 (a second compile)
        lo, hi = (c * n) // nch, ((c + 1) * n) // nch
        rows = (x[lo:hi], tx[lo:hi], T[lo:hi], horizon[lo:hi])
        _pnbd_predict_rows(params, rows, what, out[lo:hi])
    return out, True


#: Rows per block of the vectorised Pareto/NBD series, and the most terms a block runs
#: before its unfinished rows are handed to the scalar :func:`pnbd_log_odds`.
_BLOCK = 64
_BLOCK_TERMS = 64
#: Offsets of the block's per-row state in one flat work array. One array with constant
#: offsets lets LLVM prove the rows' updates independent (a fixed distance of ``_BLOCK``
#: elements); with ten separate arrays it would need run-time overlap checks and gives up
#: vectorising.
_Z, _RHO, _OMR, _K, _C, _U, _E, _Q, _ACC, _POW = (i * _BLOCK for i in range(10))
_WORK = 10 * _BLOCK
#: The series tests its stopping rule after every this many terms.
_CHECK_EVERY = 4


@njit(vectorize=True)
def _pnbd_predict_rows(params: FloatArray, rows: Rows, what: int, out: FloatArray) -> None:
    """:func:`pnbd_predict` for ``rows = (x, tx, T, t)`` (slices of one chunk, ``t`` used
    when ``what`` is 1) into ``out``."""
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    # slices, so that indices start at 0 (see _bg_palive_rows)
    xs, txs, ts, hs = rows
    work = np.empty(_WORK)
    for b in range(0, xs.size, _BLOCK):
        e = min(b + _BLOCK, xs.size)
        pnbd_log_odds_block(r, alpha, s, beta, xs[b:e], txs[b:e], ts[b:e], work, out[b:e])
    for i in range(xs.size):
        out[i] = _alive_from_log_odds(out[i])
    if what == 1:
        for i in range(xs.size):
            out[i] *= _pnbd_rate(params, xs[i], ts[i], hs[i])


@njit(vectorize=True)
def pnbd_log_odds_block(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    w: FloatArray,
    out: FloatArray,
) -> None:
    """:func:`pnbd_log_odds` of the rows of ``x, tx, T`` (at most ``_BLOCK``) into ``out``.

    The series of :func:`_pnbd_series` (its start :func:`_series_start`, its term
    :func:`_series_step` and its stopping rule :func:`_series_done`), vectorised across the
    rows of the block (state in the flat work array ``w``): every row advances one term per
    pass. Rows not finished after ``_BLOCK_TERMS`` terms, or whose terms grow past ``BIG``,
    are recomputed by :func:`pnbd_log_odds`, which rescales and runs on.
    """
    mm = max(alpha, beta)
    d = abs(alpha - beta)
    ge = alpha >= beta
    nb = x.size
    for j in range(nb):
        dt = T[j] - tx[j]
        a_ = mm + tx[j]
        k = r + s + x[j]
        lam = vlog1p(dt / a_)  # log(B / A)
        q, e0 = _series_start(k, lam, True)
        w[_Z + j] = d / a_
        w[_RHO + j] = a_ / (mm + T[j])
        w[_OMR + j] = dt / (mm + T[j])
        w[_K + j] = k
        w[_C + j] = s + 1.0 if ge else r + x[j]
        w[_U + j] = 1.0
        w[_E + j] = e0
        w[_Q + j] = q
        w[_ACC + j] = e0 / k
        w[_POW + j] = _odds_power(r, s, x[j], ge, lam, vlog1p((dt - d) / a_))
    nn = 0
    done = 0
    while nn < _BLOCK_TERMS and done < nb:
        for _ in range(_CHECK_EVERY):
            nn += 1
            inv = 1.0 / nn
            for j in range(nb):
                u, e, q, term = _series_step(
                    w[_U + j],
                    w[_E + j],
                    w[_Q + j],
                    w[_Z + j],
                    w[_C + j],
                    w[_RHO + j],
                    w[_OMR + j],
                    w[_K + j],
                    nn,
                    inv,
                )
                w[_U + j] = u
                w[_E + j] = e
                w[_Q + j] = q
                w[_ACC + j] += term
        done = 0
        for j in range(nb):
            done += _block_row_done(w, j, nn)
    log_s = math.log(s)
    for j in range(nb):
        value = log_s + vlog(w[_ACC + j]) + w[_POW + j]
        out[j] = value if T[j] - tx[j] > 1e-12 * (mm + T[j]) else -np.inf  # -inf: just bought
    if done < nb:
        for j in range(nb):
            if not _block_row_done(w, j, nn):
                out[j] = pnbd_log_odds(r, alpha, s, beta, x[j], tx[j], T[j])


@njit(vectorize=True, inline=True)
def _block_row_done(w: FloatArray, j: int, n: int) -> int:
    """1 when row ``j`` of :func:`pnbd_log_odds_block` is finished after term ``n``."""
    u = w[_U + j]
    ok = _series_done(w[_Z + j], w[_C + j], w[_K + j], n, u, w[_E + j], w[_ACC + j], 1.0)
    return 1 if ok & (u < BIG) else 0


@njit(vectorize=True, inline=True)
def _series_start(k: float, lam: float, vector: bool) -> tuple[float, float]:
    """``(q_0, E_0)`` of the series: ``q_0 = rho^k = exp(-k lam)``, ``E_0 = 1 - q_0``
    (``lam = log(B/A)``; by ``expm1`` when ``q_0`` is near 1). ``vector``: evaluate both
    forms and select (a branch would stop a vectorised loop); else only the one needed."""
    q = vexp(-k * lam)
    em = -vexpm1(-k * lam) if vector or not q < 0.5 else 0.0
    return q, (1.0 - q if q < 0.5 else em)


@njit(vectorize=True, inline=True)
def _series_step(
    u: float,
    e: float,
    q: float,
    z: float,
    c: float,
    rho: float,
    omr: float,
    k: float,
    n: int,
    inv_n: float,
) -> tuple[float, float, float, float]:
    """One step of the series to term ``n``: ``(u_n, E_n, q_n, term_n)``.

    ``u_n = u_{n-1} z (c+n-1) / n`` (``inv_n = 1/n``), ``E_n = E_{n-1} + q_{n-1} (1 -
    rho)``, ``q_n = q_{n-1} rho`` and ``term_n = u_n E_n / (k+n)``: a chain of
    multiplications, the one division off the critical path.
    """
    u = u * z * (c + (n - 1)) * inv_n
    e = e + q * omr
    q = q * rho
    return u, e, q, u * e / (k + n)


@njit(vectorize=True, inline=True)
def _series_done(
    z: float, c: float, k: float, n: int, u: float, e: float, acc: float, poly: float
) -> bool:
    """The one stopping rule of the Pareto/NBD series, after adding term ``n``.

    Stop when ``b = z max(1, (c+n)/(n+1)) < 1`` and ``poly term_n b / (1 - b) <= SERIES_EPS
    acc``: later terms shrink at least by ``b`` each (``u_{m+1} / u_m <= b`` and
    ``E_m / (k+m)`` decreases, ``1 - rho^y`` being concave in ``y``), so the neglected tail
    is below ``SERIES_EPS`` of the sum. ``poly`` is 1 for the value and ``(1 + n/d)^2`` for
    the derivative sums, whose terms carry factors up to ``(n/d)^2``. Multiplied out: no
    division, no branch.
    """
    m = n + 1.0
    cn = c + n
    b = z * (cn if cn > m else m)  # times (n + 1)
    return bool((b < m) & (u * e * b * poly <= SERIES_EPS * acc * (m - b) * (k + n)))


@njit(vectorize=True, inline=True)
def _odds_power(r: float, s: float, x: float, ge: bool, lam: float, other: float) -> float:
    """``log((alpha+T)^(r+x) (beta+T)^s A^-(r+s+x))``, ``A = max(alpha, beta) + tx``, from
    ``lam = log(B/A)`` and ``other = log((min(alpha, beta) + T) / A)``."""
    return (r + x) * lam + s * other if ge else (r + x) * other + s * lam


@njit()
def _pnbd_series(
    k: float,
    c: float,
    z: float,
    lam: float,
    rho: float,
    omr: float,
    order: int,
    d: float,
    a_: float,
    lam_m: float,
    lam_mm: float,
    wk: FloatArray,
) -> tuple[float, float, bool]:
    """The Pareto/NBD series ``S = sum_n (c)_n / n! z^n E_n / (k+n)`` (scaled by
    ``exp(log_scale)``), and with ``order >= 1`` its derivative sums in the primitive
    coordinates ``(c, d, k, m)``: the gradient sums go to ``wk[_V]`` and, with ``order ==
    2``, the Hessian sums to ``wk[_P]`` (4 x 4 row-major, upper triangle).

    ``E_n = 1 - rho^(k+n)``, ``rho = A/B`` (``lam = log(B/A)``, ``omr = 1 - rho``); ``d``,
    ``a_ = A``, ``lam_m`` and ``lam_mm`` (derivatives of ``lam`` in ``m``) are used by the
    derivatives only. Terms come from :func:`_series_step`, the stop from
    :func:`_series_done` tested every ``_CHECK_EVERY`` terms; the running values are
    divided by ``BIG`` when a term passes it. Returns ``(S, log_scale, finished)``;
    ``finished`` is False after ``_PNBD_MAX_TERMS`` terms (the caller then integrates).
    """
    q, e = _series_start(k, lam, False)
    u = 1.0
    term = e / k
    u0 = q / e
    ssum = 0.0
    log_scale = 0.0
    s1 = 0.0
    s2 = 0.0
    V = wk[_V : _V + 4]
    P = wk[_P : _P + 16]
    poly = 1.0
    nn = 0
    while True:
        ssum += term
        if order > 0:
            p = k + nn
            qe = q / e
            vc = s1
            vd = nn / d
            vk = 1.0 / k - 1.0 / p + lam * (qe - u0)
            vm = -nn / a_ + lam_m * (p * qe - k * u0)
            V[0] += term * vc
            V[1] += term * vd
            V[2] += term * vk
            V[3] += term * vm
            if order > 1:
                uu = qe * (1.0 + qe)
                hkk = 1.0 / (p * p) - lam * lam * uu
                hmm = p / (a_ * a_) - p * p * uu * lam_m * lam_m + p * qe * lam_mm
                hkm = -1.0 / a_ + (qe - p * lam * uu) * lam_m
                P[0] += term * (vc * vc - s2)
                P[1] += term * vc * vd
                P[2] += term * vc * vk
                P[3] += term * vc * vm
                P[5] += term * (nn * (nn - 1.0) / (d * d))
                P[6] += term * vd * vk
                P[7] += term * vd * vm
                P[10] += term * (hkk + vk * vk)
                P[11] += term * (hkm + vk * vm)
                P[15] += term * (hmm + vm * vm)
            inv = 1.0 / (c + nn)
            s1 += inv
            s2 += inv * inv
            poly = (1.0 + nn / d) ** 2  # the derivative sums carry factors up to n^2
        if nn > 0 and nn % _CHECK_EVERY == 0 and _series_done(z, c, k, nn, u, e, ssum, poly):
            return ssum, log_scale, True
        if nn >= _PNBD_MAX_TERMS:
            return ssum, log_scale, False
        nn += 1
        u, e, q, term = _series_step(u, e, q, z, c, rho, omr, k, nn, 1.0 / nn)
        if u > BIG:
            u /= BIG
            term /= BIG
            ssum /= BIG
            for j in range(_SERIES_SUMS if order > 0 else 0):
                wk[j] /= BIG
            log_scale += math.log(BIG)


@njit()
def pnbd_log_odds(
    r: float, alpha: float, s: float, beta: float, x: float, tx: float, T: float
) -> float:
    """Log odds of death, ``log(s I (alpha+T)^(r+x) (beta+T)^s)``, for one customer.

    ``P(alive) = 1 / (1 + exp(log_odds))`` (note 009 eq. 34) and the log-likelihood is
    ``lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta) + g0 + log1p(exp(log_odds))``.
    ``I = A^-k S`` with the series ``S`` of :func:`_pnbd_series` (``A = m+tx``, ``B = m+T``,
    ``k = r+s+x``), the odds assembled from ``lam = log(B/A)`` and ``log((min+T)/A) =
    log1p((T - tx - d)/A)``. Long series are integrated instead (:func:`pnbd_quad`).
    ``-inf`` when ``tx = T``.
    """
    return _log_odds(r, alpha, s, beta, x, tx, T, np.empty(0))


@njit()
def _log_odds(
    r: float, alpha: float, s: float, beta: float, x: float, tx: float, T: float, wk: FloatArray
) -> float:
    """:func:`pnbd_log_odds` with the caller's scratch array (unused by the value-only
    series, but passing one saves an allocation per customer in the likelihood)."""
    dt = T - tx
    mm = max(alpha, beta)
    if not dt > 1e-12 * (mm + T):
        return -np.inf  # just bought: certainly alive
    d = abs(alpha - beta)
    k = r + s + x
    cc = s + 1.0 if alpha >= beta else r + x
    a_ = mm + tx
    if pnbd_series_terms(d / a_, cc) <= _PNBD_TERMS:
        lam = vlog1p(dt / a_)
        ssum, log_scale, finished = _pnbd_series(
            k, cc, d / a_, lam, a_ / (mm + T), dt / (mm + T), 0, d, a_, 0.0, 0.0, wk
        )
        if finished:
            power = _odds_power(r, s, x, alpha >= beta, lam, vlog1p((dt - d) / a_))
            return math.log(s) + math.log(ssum) + log_scale + power
    return pnbd_quad(r, alpha, s, beta, x, tx, T, 0, np.empty(0), np.empty(0))


@njit()
def pnbd_series_terms(z: float, c: float) -> float:
    """Estimated terms of the Pareto/NBD series ``sum_n (c)_n / n! z^n ...`` (``0 <= z <
    1``): its terms follow a negative binomial shape with mean ``c z / (1-z)`` and standard
    deviation ``sqrt(c z) / (1-z)``, then decay like ``z^n``."""
    if z <= 0.0:
        return 1.0
    gap = 1.0 - z
    return (c * z + 10.0 * math.sqrt(c * z) + 45.0) / gap


@njit(vectorize=True, inline=True)
def _pnbd_rate(params: FloatArray, x: float, T: float, t: float) -> float:
    """Expected purchases in ``(T, T+t]`` of a Pareto/NBD customer known to be alive at T.

    ``(r+x)(beta+T)/(alpha+T) [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1)`` (note 009 eq.
    41), with the bracket over ``s-1`` written ``lg expm1(z)/z``, ``lg = log1p(t/(beta+T))``,
    ``z = (1-s) lg``, whose limit at ``s = 1`` is ``lg``.
    """
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    bt = beta + T
    lg = vlog1p(t / bt)
    z = (1.0 - s) * lg
    frac = lg if z == 0.0 else lg * vexpm1(z) / z
    rate: float = (r + x) * bt / (alpha + T) * frac
    return rate


@njit(vectorize=True, inline=True)
def _alive_from_log_odds(v: float) -> float:
    """``1 / (1 + exp(v))`` without overflow, for ``v`` the log odds of death."""
    ev = vexp(-abs(v))
    return ev / (1.0 + ev) if v > 0.0 else 1.0 / (1.0 + ev)


@njit(parallel=True)
def pnbd_pmf(
    r: FloatArray,
    alpha: FloatArray,
    s: FloatArray,
    beta: FloatArray,
    x: FloatArray,
    t: FloatArray,
    log_i0: FloatArray,
) -> FloatArray:
    """Pareto/NBD ``P(X(t) = x)`` element-wise (parameters may be arrays, length-1 broadcast).

    Conditional on (lambda, mu), the customer either lives through ``t`` with ``x``
    purchases or dies at ``u < t`` after ``x`` purchases. Mixing over the gammas,

        P = NB(x; r, alpha, t) (beta/(beta+t))^s
            + C s beta^s int_0^t u^x (alpha+u)^-(r+x) (beta+u)^-(s+1) du,

    ``C = Gamma(r+x) alpha^r / (Gamma(r) x!)``, and with ``m = max(alpha, beta)``,
    ``d = |alpha - beta|``, ``c = s+1`` if ``alpha >= beta`` else ``r+x``, the integral is
    the all-positive series

        sum_n (c)_n / n! (d/m)^n m^-(r+s) B(x+1, r+s+n) I_w(x+1, r+s+n),   w = t/(m+t).

    ``B I`` (an incomplete beta integral) decreases in ``n``; ``I_w`` is carried from
    ``log_i0 = log I_w(x+1, r+s)`` (scipy's betainc) by positive increments.
    """
    n = x.size
    out = np.empty(n)
    for i_ in prange(n):
        i = int(np.int64(i_))  # prange indices are uint64 (a second compile)
        out[i] = _pnbd_pmf_one(at(r, i), at(alpha, i), at(s, i), at(beta, i), x[i], t[i], log_i0[i])
    return out


@njit()
def _pnbd_pmf_one(
    ri: float, ai: float, si: float, bi: float, xi: float, ti: float, li: float
) -> float:
    """One ``P(X(t) = x)`` of :func:`pnbd_pmf`; ``li = log I_w(x+1, r+s)``."""
    if ti == 0.0:
        return 1.0 if xi == 0 else 0.0
    lc = math.lgamma(ri + xi) - math.lgamma(ri) - math.lgamma(xi + 1.0)
    lnb = lc + ri * math.log(ai / (ai + ti)) + xi * math.log(ti / (ai + ti))
    first = math.exp(lnb + si * math.log(bi / (bi + ti)))
    mm = max(ai, bi)
    zz = abs(ai - bi) / mm
    cc = si + 1.0 if ai >= bi else ri + xi
    rs = ri + si
    lw = math.log(ti / (mm + ti))
    l1w = math.log(mm / (mm + ti))
    lbeta = math.lgamma(xi + 1.0) + math.lgamma(rs) - math.lgamma(xi + 1.0 + rs)
    lt = 0.0  # log((c)_n / n! zz^n)
    total = -np.inf  # log of the running sum
    nn = 0
    while True:
        total = log_add(total, lt + lbeta + li)
        if zz == 0.0:
            break
        b_ = rs + nn
        li = log_add(li, (xi + 1.0) * lw + b_ * l1w - math.log(b_) - lbeta)
        lbeta += math.log(b_) - math.log(xi + 1.0 + b_)
        lt += math.log((cc + nn) / (nn + 1.0) * zz)
        nn += 1
        ratio = zz * max(1.0, (cc + nn) / (nn + 1.0))
        if ratio < 1.0 and lt + lbeta + li - math.log(1.0 - ratio) <= total + math.log(SERIES_EPS):
            break
        if nn > _PNBD_MAX_TERMS:
            return np.nan  # reported by the caller as a horizon too long for the pmf
    log_second = lc + ri * math.log(ai) + math.log(si) + si * math.log(bi) - rs * math.log(mm)
    value: float = first + math.exp(log_second + total)
    return value


# --------------------------------------------------------------------------- BG/BB
