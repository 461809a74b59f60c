"""Compiled kernels of the BG/BB model (discrete-time transactions): log-likelihood and
predictions.

The log-likelihood kernel returns ``[ll, gradient(4), upper Hessian(10)]`` in the raw
parameters ``(alpha, beta, gamma, delta)`` (``order`` 0, 1, 2 as for the other models);
every Beta-function ratio is a sum of logs at integer offsets, read from
:func:`precisemkt._vmath.cumlog` tables.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import add_weighted, cumlog, loglik_len, tri

__all__ = ["bgbb_loglik", "bgbb_predict"]


@njit()
def _bgbb_row(
    x: int,
    tx: int,
    n: int,
    ta: FloatArray,
    tb: FloatArray,
    tab: FloatArray,
    td: FloatArray,
    tgd: FloatArray,
    lg: float,
    order: int,
    out: FloatArray,
    wk: FloatArray,
) -> float:
    """BG/BB log-likelihood of one customer (Fader, Hardie & Shang 2010, eq. 5).

    ``ta, tb, tab, td, tgd`` are :func:`cumlog` tables of alpha, beta, alpha+beta, delta
    and gamma+delta; ``lg = log(gamma)``. Terms (all positive): alive through ``n``,

        B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta),

    and dead after opportunity ``tx+i`` (i = 0 .. n-tx-1),

        B(alpha+x, beta+tx-x+i)/B(alpha, beta) B(gamma+1, delta+tx+i)/B(gamma, delta),

    every Beta ratio being a sum of logs at integer offsets. ``wk`` holds 24 floats.
    Parameter order: alpha, beta, gamma, delta.
    """
    for j in range(24):
        wk[j] = 0.0
    V = wk[0:4]
    P = wk[4:20]
    g = wk[20:24]
    # alive term (also the reference gradient)
    h_ref = ta[0, x] + tb[0, n - x] - tab[0, n] + td[0, n] - tgd[0, n]
    ref0 = ta[1, x] - tab[1, n]
    ref1 = tb[1, n - x] - tab[1, n]
    ref2 = -tgd[1, n]
    ref3 = td[1, n] - tgd[1, n]
    top = h_ref
    ssum = 1.0
    if order > 1:
        P[0] = ta[2, x] - tab[2, n]
        P[1] = -tab[2, n]
        P[5] = tb[2, n - x] - tab[2, n]
        P[10] = -tgd[2, n]
        P[11] = -tgd[2, n]
        P[15] = td[2, n] - tgd[2, n]
    gam = math.exp(lg)
    for i in range(n - tx):
        y = tx - x + i
        mm = tx + i
        h = ta[0, x] + tb[0, y] - tab[0, mm] + lg + td[0, mm] - tgd[0, mm + 1]
        if h > top:
            scale = math.exp(top - h)
            ssum *= scale
            for j in range(20):
                wk[j] *= scale
            top = h
        e = math.exp(h - top)
        ssum += e
        if order == 0:
            continue
        g[0] = ta[1, x] - tab[1, mm] - ref0
        g[1] = tb[1, y] - tab[1, mm] - ref1
        g[2] = 1.0 / gam - tgd[1, mm + 1] - ref2
        g[3] = td[1, mm] - tgd[1, mm + 1] - ref3
        for j in range(4):
            V[j] += e * g[j]
        if order > 1:
            P[0] += e * (ta[2, x] - tab[2, mm])
            P[1] += e * (-tab[2, mm])
            P[5] += e * (tb[2, y] - tab[2, mm])
            P[10] += e * (-1.0 / (gam * gam) - tgd[2, mm + 1])
            P[11] += e * (-tgd[2, mm + 1])
            P[15] += e * (td[2, mm] - tgd[2, mm + 1])
            for a_ in range(4):
                for b_ in range(a_, 4):
                    P[4 * a_ + b_] += e * g[a_] * g[b_]
    ll: float = top + math.log(ssum)
    out[0] = ll
    if order == 0:
        return ll
    out[1] = ref0 + V[0] / ssum
    out[2] = ref1 + V[1] / ssum
    out[3] = ref2 + V[2] / ssum
    out[4] = ref3 + V[3] / ssum
    if order > 1:
        # the alive term's Hessian entered P with weight exp(h_ref - top) at the start
        for a_ in range(4):
            for b_ in range(a_, 4):
                va = out[1 + a_] - (ref0, ref1, ref2, ref3)[a_]
                vb = out[1 + b_] - (ref0, ref1, ref2, ref3)[b_]
                out[tri(a_, b_, 4)] = P[4 * a_ + b_] / ssum - va * vb
    return ll


@njit()
def _bgbb_tables(
    params: FloatArray, size: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The five :func:`cumlog` tables BG/BB needs, for offsets ``0 .. size-1``."""
    al, be, ga, de = params[0], params[1], params[2], params[3]
    return (
        cumlog(al, size),
        cumlog(be, size),
        cumlog(al + be, size),
        cumlog(de, size),
        cumlog(ga + de, size),
    )


@njit()
def bgbb_loglik(
    params: FloatArray, x: IntArray, tx: IntArray, n: IntArray, w: FloatArray, order: int
) -> FloatArray:
    """Weighted BG/BB log-likelihood over rows (x, tx, n) (see :func:`_bgbb_row`)."""
    size = (int(np.max(n)) if n.size else 0) + 2
    ta, tb, tab, td, tgd = _bgbb_tables(params, size)
    lg = math.log(params[2])
    acc = np.zeros(15)
    row = np.zeros(15)
    wk = np.zeros(24)
    lim = loglik_len(4, order)
    for i in range(x.size):
        _bgbb_row(x[i], tx[i], n[i], ta, tb, tab, td, tgd, lg, order, row, wk)
        add_weighted(acc, w[i], row, lim)
    return acc


@njit()
def bgbb_predict(
    params: FloatArray, x: IntArray, tx: IntArray, n: IntArray, t: IntArray, what: int
) -> FloatArray:
    """BG/BB predictions per customer (int arrays, ``t`` periods ahead).

    ``what`` 0: P(alive at opportunity n+t) = B(alpha+x, beta+n-x)/B(alpha, beta)
    B(gamma, delta+n+t)/B(gamma, delta) / L (FHS 2010 eq. A10; t = 1 is Table 6).
    ``what`` 1: expected transactions in the next ``t`` opportunities,
    B(alpha+x+1, beta+n-x)/B(alpha, beta) / L sum_{i=1..t} B(gamma, delta+n+i)/B(gamma, delta)
    (the finite-sum form of FHS eq. 13, defined for every gamma > 0).
    """
    size = (int(np.max(n)) if n.size else 0) + (int(np.max(t)) if t.size else 0) + 3
    ta, tb, tab, td, tgd = _bgbb_tables(params, size)
    lg = math.log(params[2])
    row = np.zeros(1)
    wk = np.zeros(24)
    out = np.empty(x.size)
    for i in range(x.size):
        xi, ni, ti = x[i], n[i], t[i]
        ll = _bgbb_row(xi, tx[i], ni, ta, tb, tab, td, tgd, lg, 0, row, wk)
        if what == 0:
            lp = ta[0, xi] + tb[0, ni - xi] - tab[0, ni] + td[0, ni + ti] - tgd[0, ni + ti]
            out[i] = math.exp(lp - ll)
        else:
            lp = ta[0, xi + 1] + tb[0, ni - xi] - tab[0, ni + 1] - ll
            total = 0.0
            for j in range(1, ti + 1):
                total += math.exp(td[0, ni + j] - tgd[0, ni + j])
            out[i] = math.exp(lp) * total
    return out
