"""Compiled log-likelihood of the Gamma-Gamma spend model.

Returns ``[ll, gradient(3), upper Hessian(6)]`` in ``(p, q, gamma)``; ``order`` 0, 1, 2
as for the transaction models.

Per row (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie note 025)::

    lgamma(px+q) - lgamma(px) - lgamma(q) + q log(gamma) + (px-1) log(m)
    + px log(x) - (px+q) log(x m + gamma)

Writing ``log(x m + gamma) = log(x m) + u``, ``u = log1p(gamma / (x m))``, a row is
``lgamma(px+q) - lgamma(px) - lgamma(q) - log(m) - q log(x m / gamma) - (px+q) u``: only
``u`` involves a row's spend and the parameters together (and the large ``px log(x m)``
terms cancel exactly instead of in rounding, which matters when a fit drifts to a huge
``p``). What the parameters do not touch is computed once per fit by :func:`gg_prepare`,
which also collapses identical rows (sorted, so that a fit does not depend on the row
order): the weighted sums of ``log(x m)`` and ``log m``, and the total weight per distinct
frequency (the log-gamma terms depend on ``x`` alone, and repeat buyers have few distinct
frequencies). An evaluation is then one pass over the rows with one logarithm each
(``vlog1p``, so the pass vectorises) plus a few special functions per distinct frequency.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import digamma, digamma_diff, lgamma_ratio, trigamma, vlog1p

__all__ = ["gg_loglik", "gg_prepare"]


@njit()
def gg_prepare(
    x: FloatArray, m: FloatArray, w: FloatArray, order: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Unique rows and the parts of the Gamma-Gamma log-likelihood the parameters do not touch.

    Returns ``xs, ms, ws`` (the distinct ``(x, m)`` rows of positive weight, sorted by ``x``
    then ``m``, with their summed weights), ``freq`` (the distinct frequencies, ascending),
    ``freq_w`` (the total weight of the rows with each) and ``fixed = [sum w, sum w log(x m),
    sum w log m]``. ``order`` sorts the rows by ``x`` then ``m``
    (``numpy.lexsort((m, x))``, several times faster than numba's sort).
    """
    xs = np.empty(x.size)
    ms = np.empty(x.size)
    ws = np.empty(x.size)
    rows = 0
    for i in order:
        if w[i] <= 0.0:
            continue
        if rows > 0 and xs[rows - 1] == x[i] and ms[rows - 1] == m[i]:
            ws[rows - 1] += w[i]
            continue
        xs[rows] = x[i]
        ms[rows] = m[i]
        ws[rows] = w[i]
        rows += 1
    freq = np.empty(rows)
    freq_w = np.empty(rows)
    groups = 0
    fixed = np.zeros(3)
    for i in range(rows):
        xi = xs[i]
        wi = ws[i]
        if groups == 0 or freq[groups - 1] != xi:
            freq[groups] = xi
            freq_w[groups] = 0.0
            groups += 1
        freq_w[groups - 1] += wi
        lm = math.log(ms[i])
        fixed[0] += wi
        fixed[1] += wi * lm
        fixed[2] += wi * lm
    for j in range(groups):
        fixed[1] += freq_w[j] * math.log(freq[j])
    return (
        xs[:rows].copy(),
        ms[:rows].copy(),
        ws[:rows].copy(),
        freq[:groups].copy(),
        freq_w[:groups].copy(),
        fixed,
    )


@njit()
def gg_loglik(
    params: FloatArray,
    x: FloatArray,
    mv: FloatArray,
    w: FloatArray,
    freq: FloatArray,
    freq_w: FloatArray,
    fixed: FloatArray,
    order: int,
) -> FloatArray:
    """Weighted Gamma-Gamma log-likelihood of average spends ``mv`` over ``x`` purchases.

    ``freq, freq_w, fixed`` come from :func:`gg_prepare` on the same rows. With ``D = x m +
    gamma``, ``u = log1p(gamma / (x m))`` and ``W`` the total weight, the row sums are those
    of :func:`_gg_row_sums`; the log-gamma, digamma and trigamma terms are sums
    over the distinct frequencies. Parameter order: p, q, gamma.
    """
    p, q, g = params[0], params[1], params[2]
    rs = _gg_row_sums(x, mv, w, params, order)
    tot, lxm, lm = fixed[0], fixed[1], fixed[2]
    acc = np.zeros(10)
    rel = lxm - tot * math.log(g)  # sum w log(x m / gamma)
    acc[0] = -tot * math.lgamma(q) - lm - q * rel - p * rs[1] - q * rs[0]
    for j in range(freq.size):
        px = p * freq[j]
        acc[0] += freq_w[j] * lgamma_ratio(px, q)
    if order == 0:
        return acc
    acc[1] = -rs[1]
    acc[2] = -tot * digamma(q) - rel - rs[0]
    acc[3] = rs[2]
    for j in range(freq.size):
        xj = freq[j]
        acc[1] += freq_w[j] * xj * digamma_diff(p * xj, q)
        acc[2] += freq_w[j] * digamma(p * xj + q)
    if order == 1:
        return acc
    acc[6] = -rs[3]
    acc[7] = -tot * trigamma(q)
    acc[8] = rs[4]
    acc[9] = rs[5]
    for j in range(freq.size):
        xj = freq[j]
        tpq = trigamma(p * xj + q)
        acc[4] += freq_w[j] * xj * xj * (tpq - trigamma(p * xj))
        acc[5] += freq_w[j] * xj * tpq
        acc[7] += freq_w[j] * tpq
    return acc


@njit(vectorize=True)
def _gg_row_sums(
    x: FloatArray, mv: FloatArray, w: FloatArray, params: FloatArray, order: int
) -> FloatArray:
    """Sums over the rows, ``D = x m + gamma``, ``u = log1p(gamma / (x m))`` (as far as
    ``order`` needs): ``sum w u``, ``sum w x u``, the gamma-derivative ``sum w (q/gamma -
    (px+q)/D)``, ``sum w x / D``, ``sum w (1/gamma - 1/D)`` and the second gamma-derivative
    ``sum w ((px+q)/D^2 - q/gamma^2)``.

    The gamma-derivatives are summed row by row, as differences per row: at a fit's optimum
    they vanish, and forming them from the separate sums would cost digits. The logarithms
    (or reciprocals) go to a buffer in a loop LLVM vectorises; the sums are a second, cheap
    pass (a floating-point sum does not vectorise without re-ordering).
    """
    p, q, g = params[0], params[1], params[2]
    n = x.size
    out = np.zeros(6)
    buf = np.empty(n)
    for i in range(n):
        buf[i] = vlog1p(g / (x[i] * mv[i]))
    for i in range(n):
        v = w[i] * buf[i]
        out[0] += v
        out[1] += x[i] * v
    if order == 0:
        return out
    for i in range(n):
        buf[i] = 1.0 / (x[i] * mv[i] + g)
    qg = q / g
    ig = 1.0 / g
    qg2 = qg * ig
    for i in range(n):
        inv = buf[i]
        pxq = p * x[i] + q
        out[2] += w[i] * (qg - pxq * inv)
        out[3] += w[i] * x[i] * inv
        if order > 1:
            out[4] += w[i] * (ig - inv)
            out[5] += w[i] * (pxq * inv * inv - qg2)
    return out
