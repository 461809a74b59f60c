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
    at,
    chunk_bounds,
    cumlog,
    log_add,
    softplus,
    tri,
    vexp,
    vexpm1,
    vlog,
    vlog1p,
)
from precisemkt.clv._pnbd_quadrature import pnbd_quad
from precisemkt.clv._rfm_kernels import rfm_clean

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


@njit()
def _pnbd_row(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: float,
    tx: float,
    T: float,
    lr: float,
    dr: float,
    qr: float,
    order: int,
    out: FloatArray,
    wk: FloatArray,
) -> float:
    """Pareto/NBD log-likelihood of one customer, and its derivatives into ``out``.

    ``lr, dr, qr`` are ``lgamma(r+x)-lgamma(r)`` and its first two derivatives in ``r``.
    ``out`` receives ``[ll, grad(4), hess upper triangle(10)]`` (unweighted); ``wk`` is a
    scratch buffer of 96 floats. The likelihood (Fader & Hardie note 009, eq. 18-22) is

        L = Gamma(r+x) alpha^r beta^s / Gamma(r) [(alpha+T)^-(r+x) (beta+T)^-s + s I],
        I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du,

    and ``I`` is evaluated as the all-positive series (m = max(alpha, beta), d = |alpha -
    beta|, k = r+s+x, c = s+1 if alpha >= beta else r+x, A = m+tx, B = m+T)

        I = sum_n (c)_n / n! d^n / (k+n) [A^-(k+n) - B^-(k+n)],

    each bracket being ``A^-(k+n) E_n`` with ``E_n = 1 - (A/B)^(k+n)`` accumulated by positive
    increments, so the difference of the two hypergeometric functions never cancels.
    Derivatives are taken in the primitive coordinates (c, d, k, m) and mapped to
    (r, alpha, s, beta) by the constant Jacobian of the branch. Returns the
    log-likelihood (NaN if the series fails).
    """
    rx = r + x
    lat = math.log(alpha + T)
    lbt = math.log(beta + T)
    g0 = -rx * lat - s * lbt
    A0 = lr + r * math.log(alpha) + s * math.log(beta)
    if order == 0:
        value = A0 + g0 + softplus(pnbd_log_odds(r, alpha, s, beta, x, tx, T))
        out[0] = value
        return value
    dt = T - tx
    mm = max(alpha, beta)
    has_series = dt > 1e-12 * (mm + T)
    e0 = 1.0
    e1 = 0.0
    tot = 1.0
    ll = A0 + g0
    for j in range(36):
        wk[j] = 0.0
    V = wk[0:4]
    P = wk[4:20]  # 4 x 4, row-major, upper triangle used
    J = wk[20:36]  # primitive (c, d, k, m) x theta (r, alpha, s, beta)
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
        lam = math.log1p(dt / Aa)  # log(B/A)
        lam_m = -dt / (Aa * Bb)  # d lam / d m
        lam_mm = dt * (Aa + Bb) / (Aa * Aa * Bb * Bb)
        zz = d / Aa
        rho = Aa / Bb
        one_minus_rho = dt / Bb
        q = math.exp(-k * lam)  # rho^(k+n)
        e = -math.expm1(-k * lam)  # E_n
        t = 1.0 / k  # (c)_n / n! zz^n / (k+n), scaled by exp(log_scale)
        log_scale = 0.0
        ssum = 0.0
        s1 = 0.0
        s2 = 0.0
        u0 = q / e
        nn = 0
        while True:
            tau = t * e
            ssum += tau
            p = k + nn
            u = q / e
            uu = u * (1.0 + u)
            vc = s1
            vd = nn / d
            vk = 1.0 / k - 1.0 / p + lam * (u - u0)
            vm = -nn / Aa + lam_m * (p * u - k * u0)
            V[0] += tau * vc
            V[1] += tau * vd
            V[2] += tau * vk
            V[3] += tau * vm
            if order > 1:
                hkk = 1.0 / (p * p) - lam * lam * uu
                hmm = p / (Aa * Aa) - p * p * uu * lam_m * lam_m + p * u * lam_mm
                hkm = -1.0 / Aa + (u - p * lam * uu) * lam_m
                P[0] += tau * (vc * vc - s2)
                P[1] += tau * vc * vd
                P[2] += tau * vc * vk
                P[3] += tau * vc * vm
                P[5] += tau * (nn * (nn - 1.0) / (d * d))
                P[6] += tau * vd * vk
                P[7] += tau * vd * vm
                P[10] += tau * (hkk + vk * vk)
                P[11] += tau * (hkm + vk * vm)
                P[15] += tau * (hmm + vm * vm)
            inv = 1.0 / (cc + nn)
            s1 += inv
            s2 += inv * inv
            # next term
            t *= zz * ((cc + nn) * (k + nn)) / ((nn + 1.0) * (k + nn + 1.0))
            e += q * one_minus_rho
            q *= rho
            nn += 1
            if t > BIG:
                t /= BIG
                ssum /= BIG
                for j in range(20):
                    wk[j] /= BIG
                log_scale += math.log(BIG)
            bound = zz * max(1.0, (cc + nn) / (nn + 1.0)) * (k + nn + 1.0) / (k + nn)
            if bound < 1.0:
                poly = (1.0 + nn / d) ** 2  # the derivative sums carry factors up to n^2
                if t * e * poly / (1.0 - bound) <= SERIES_EPS * ssum:
                    break
            if nn > _PNBD_MAX_TERMS:
                quad = True
                break
    if quad:
        for j in range(36):
            wk[j] = 0.0
    elif has_series:
        l_ser = math.log(s) - k * math.log(Aa) + math.log(ssum) + log_scale
        top = max(g0, l_ser)
        e0 = math.exp(g0 - top)
        e1 = math.exp(l_ser - top)
        tot = e0 + e1
        ll = A0 + top + math.log(tot)
    out[0] = ll
    gA = wk[36:40]
    gA[0] = dr + math.log(alpha)
    gA[1] = r / alpha
    gA[2] = math.log(beta)
    gA[3] = s / beta
    gg0 = wk[40:44]
    gg0[0] = -lat
    gg0[1] = -rx / (alpha + T)
    gg0[2] = -lbt
    gg0[3] = -s / (beta + T)
    # Hessians of the leading factor (hA) and of the no-death term (h0), row-major 4 x 4
    hA = wk[60:76]
    h0 = wk[76:92]
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
        return _pnbd_row_quad(r, alpha, s, beta, x, tx, T, A0, g0, order, out, wk)
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
    gu0 = wk[56:60]
    gu0[0] = 0.0
    gu0[1] = 0.0
    gu0[2] = -1.0 / k - math.log(Aa) + lam * u0
    gu0[3] = -k / Aa + lam_m * k * u0
    ref = wk[44:48]
    vbar = wk[48:52]
    v0 = wk[52:56]
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


@njit()
def _pnbd_row_quad(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: float,
    tx: float,
    T: float,
    A0: float,
    g0: float,
    order: int,
    out: FloatArray,
    wk: FloatArray,
) -> float:
    """:func:`_pnbd_row` for a row whose series would be long: ``ll = A0 + g0 +
    softplus(lo)`` with the log odds ``lo`` and its derivatives from :func:`pnbd_quad`;
    ``wk[36:44]`` and ``wk[60:92]`` hold the leading and no-death gradients and Hessians."""
    glo = wk[0:4]
    hlo = wk[4:20]
    lo = pnbd_quad(r, alpha, s, beta, x, tx, T, order, glo, hlo)
    ll = A0 + g0 + softplus(lo)
    out[0] = ll
    # 1 / (1 + exp(-lo)): the weight of the death term
    pi1 = 1.0 / (1.0 + math.exp(-lo)) if lo >= 0.0 else math.exp(lo) / (1.0 + math.exp(lo))
    for j in range(4):
        out[1 + j] = wk[36 + j] + wk[40 + j] + pi1 * glo[j]
    if order > 1:
        for i in range(4):
            for j in range(i, 4):
                out[tri(i, j, 4)] = (
                    wk[60 + 4 * i + j]
                    + wk[76 + 4 * i + j]
                    + pi1 * hlo[4 * i + j]
                    + pi1 * (1.0 - pi1) * glo[i] * glo[j]
                )
    return ll


@njit(parallel=True)
def pnbd_loglik(
    params: FloatArray, x: IntArray, tx: FloatArray, T: FloatArray, w: FloatArray, order: int
) -> FloatArray:
    """Weighted Pareto/NBD log-likelihood (see :func:`_pnbd_row`)."""
    n = x.size
    tr = cumlog(params[0], (int(np.max(x)) if n else 0) + 1)
    nch = chunk_bounds(n)
    lim = 1 if order == 0 else (5 if order == 1 else 15)
    partial = np.zeros((nch, 15))
    for c in prange(nch):
        _accumulate_pnbd(params, x, tx, T, w, tr, order, lim, c, nch, partial)
    total: FloatArray = partial.sum(axis=0)
    return total


@njit()
def _accumulate_pnbd(
    params: FloatArray,
    x: IntArray,
    tx: FloatArray,
    T: FloatArray,
    w: FloatArray,
    tr: FloatArray,
    order: int,
    lim: int,
    c: int,
    nch: int,
    partial: FloatArray,
) -> None:
    """Add chunk ``c`` of ``nch`` rows' weighted :func:`_pnbd_row` outputs to ``partial[c]``."""
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    n = x.size
    row = np.zeros(15)
    wk = np.zeros(96)
    for i in range(c * n // nch, (c + 1) * n // nch):
        xi = x[i]
        _pnbd_row(
            r, alpha, s, beta, xi, tx[i], T[i], tr[0, xi], tr[1, xi], tr[2, xi], order, row, wk
        )
        for j in range(lim):
            partial[c, j] += w[i] * row[j]


@njit(parallel=True)
def pnbd_predict(
    params: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    t: FloatArray,
    what: int,
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
    for c in prange(nch):
        _pnbd_predict_rows(params, x, tx, T, horizon, what, c, nch, out)
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


@njit(vectorize=True)
def _pnbd_predict_rows(
    params: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    T: FloatArray,
    t: FloatArray,
    what: int,
    c: int,
    nch: int,
    out: FloatArray,
) -> None:
    """:func:`pnbd_predict` for the rows of chunk ``c`` of ``nch`` (``t`` of length ``n``
    when ``what`` is 1)."""
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    n = x.size
    lo, hi = (c * n) // nch, ((c + 1) * n) // nch
    # slices, so that indices start at 0 (see bg_palive_rows)
    xs, txs, ts, hs, res = x[lo:hi], tx[lo:hi], T[lo:hi], t[lo:hi], out[lo:hi]
    work = np.empty(_WORK)
    for b in range(0, hi - lo, _BLOCK):
        e = min(b + _BLOCK, hi - lo)
        pnbd_log_odds_block(r, alpha, s, beta, xs[b:e], txs[b:e], ts[b:e], work, res[b:e])
    for i in range(hi - lo):
        res[i] = _alive_from_log_odds(res[i])
    if what == 1:
        for i in range(hi - lo):
            res[i] *= _pnbd_rate(params, xs[i], ts[i], hs[i])


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

    The same series as the scalar kernel, vectorised across the rows of the block (state in
    the flat work array ``w``), with its term ratio telescoped: term ``n`` is ``u_n E_n /
    (k+n)`` with ``u_n = (c)_n z^n / n!``, so the recurrence is a chain of multiplications
    (the division is off the critical path) and every row advances one term per pass. The
    tail bound ``term_n b / (1 - b)``, ``b = z max(1, (c+n)/(n+1))``, uses ``E_m / (k+m) <=
    E_n / (k+n)`` for ``m > n`` (``1 - rho^y`` is concave in ``y``). Rows not finished after
    ``_BLOCK_TERMS`` terms, or whose terms grow past ``BIG``, are recomputed by
    :func:`pnbd_log_odds`, which rescales and runs on.
    """
    mm = max(alpha, beta)
    d = abs(alpha - beta)
    ge = alpha >= beta
    nb = x.size
    for j in range(nb):
        dt = T[j] - tx[j]
        a_ = mm + tx[j]
        b_ = mm + T[j]
        k = r + s + x[j]
        lam = vlog1p(dt / a_)  # log(B / A)
        q = vexp(-k * lam)  # rho^k
        em = -vexpm1(-k * lam)  # evaluated always: a branch would stop vectorisation
        e0 = 1.0 - q if q < 0.5 else em
        other = vlog1p((dt - d) / a_)  # log((min(alpha, beta) + T) / A)
        w[_Z + j] = d / a_
        w[_RHO + j] = a_ / b_
        w[_OMR + j] = dt / b_
        w[_K + j] = k
        w[_C + j] = s + 1.0 if ge else r + x[j]
        w[_U + j] = 1.0
        w[_E + j] = e0
        w[_Q + j] = q
        w[_ACC + j] = e0 / k
        w[_POW + j] = (r + x[j]) * lam + s * other if ge else (r + x[j]) * other + s * lam
    nn = 0
    done = 0
    while nn < _BLOCK_TERMS and done < nb:
        for _ in range(4):
            nn += 1
            inv = 1.0 / nn
            for j in range(nb):
                w[_U + j] *= w[_Z + j] * (w[_C + j] + (nn - 1)) * inv
                w[_E + j] += w[_Q + j] * w[_OMR + j]
                w[_Q + j] *= w[_RHO + j]
                w[_ACC + j] += w[_U + j] * w[_E + j] / (w[_K + j] + nn)
        done = 0
        for j in range(nb):
            done += _pnbd_block_done(w, j, nn)
    log_s = math.log(s)
    for j in range(nb):
        value = log_s + vlog(w[_ACC + j]) + w[_POW + j]
        out[j] = value if T[j] - tx[j] > 1e-12 * (mm + T[j]) else -np.inf  # -inf: just bought
    if done < nb:
        for j in range(nb):
            if not _pnbd_block_done(w, j, nn):
                out[j] = pnbd_log_odds(r, alpha, s, beta, x[j], tx[j], T[j])


@njit(vectorize=True, inline=True)
def _pnbd_block_done(w: FloatArray, j: int, n: int) -> int:
    """1 when row ``j`` of :func:`pnbd_log_odds_block` has converged after term ``n``.

    The test ``term b / (1 - b) <= eps acc`` is multiplied out (no division, no branch).
    """
    z, u, acc, kn = w[_Z + j], w[_U + j], w[_ACC + j], w[_K + j] + n
    m = n + 1.0
    cn = w[_C + j] + n
    b = z * (cn if cn > m else m)  # times (n + 1)
    ok = (b < m) & (u < BIG) & (u * w[_E + j] * b <= SERIES_EPS * acc * (m - b) * kn)
    return 1 if ok else 0


@njit()
def pnbd_log_odds(
    r: float, alpha: float, s: float, beta: float, x: float, tx: float, T: float
) -> float:
    """Log odds of death, ``log(s I (alpha+T)^(r+x) (beta+T)^s)``, for one customer.

    ``P(alive) = 1 / (1 + exp(log_odds))`` (note 009 eq. 34) and the log-likelihood is
    ``lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta) + g0 + log1p(exp(log_odds))``.
    This is the value-only form of :func:`_pnbd_row`'s series for ``I``, with the odds
    assembled from ``lam = log(B/A)`` and ``log((min+T)/A) = log1p((T - tx - d)/A)``
    (``A = m+tx``, ``B = m+T``): five transcendental calls. ``-inf`` when ``tx = T``.
    """
    dt = T - tx
    mm = max(alpha, beta)
    if not dt > 1e-12 * (mm + T):
        return -np.inf  # just bought: certainly alive
    d = abs(alpha - beta)
    k = r + s + x
    cc = s + 1.0 if alpha >= beta else r + x
    Aa = mm + tx
    if pnbd_series_terms(d / Aa, cc) > _PNBD_TERMS:
        return pnbd_quad(r, alpha, s, beta, x, tx, T, 0, np.empty(0), np.empty(0))
    Bb = mm + T
    lam = math.log1p(dt / Aa)
    q = math.exp(-k * lam)  # (A/B)^(k+n)
    e = 1.0 - q if q < 0.5 else -math.expm1(-k * lam)  # E_n
    zz = d / Aa
    rho = Aa / Bb
    one_minus_rho = dt / Bb
    t = 1.0 / k
    ssum = 0.0
    log_scale = 0.0
    nn = 0
    while True:
        ssum += t * e
        t *= zz * ((cc + nn) * (k + nn)) / ((nn + 1.0) * (k + nn + 1.0))
        e += q * one_minus_rho
        q *= rho
        nn += 1
        if t > BIG:
            t /= BIG
            ssum /= BIG
            log_scale += math.log(BIG)
        if (nn & 3) == 0:  # the tail bound costs two divisions: test every 4 terms
            bound = zz * max(1.0, (cc + nn) / (nn + 1.0)) * (k + nn + 1.0) / (k + nn)
            if bound < 1.0 and t * e <= SERIES_EPS * ssum * (1.0 - bound):
                break
            if nn > _PNBD_MAX_TERMS:
                return pnbd_quad(r, alpha, s, beta, x, tx, T, 0, np.empty(0), np.empty(0))
    other = math.log1p((dt - d) / Aa)  # log((min(alpha, beta) + T) / A)
    power = (r + x) * lam + s * other if alpha >= beta else (r + x) * other + s * lam
    return math.log(s) + math.log(ssum) + log_scale + power


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
    for i in prange(n):
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
