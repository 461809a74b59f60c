"""Compiled log-likelihood of the Gamma-Gamma spend model.

Returns ``[ll, gradient(3), upper Hessian(6)]`` in ``(p, q, gamma)``; ``order`` 0, 1, 2
as for the transaction models.

Per row (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie note 025)::

    lgamma(px+q) - lgamma(px) - lgamma(q) + q log(gamma) + (px-1) log(m)
    + px log(x) - (px+q) log(x m + gamma)

Only ``log(x m + gamma)`` involves a row's spend and the parameters together. What the
parameters do not touch is computed once per fit by :func:`gg_prepare`, which also
collapses identical rows (sorted, so that a fit does not depend on the row order): the
weighted sums
of ``x (log m + log x)`` and ``log m``, and the total weight per distinct frequency (the
log-gamma terms depend on ``x`` alone, and repeat buyers have few distinct frequencies). An
evaluation is then one pass over the rows with one logarithm each (``vlog``, so the pass
vectorises) plus a few special functions per distinct frequency.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray
from precisemkt._vmath import digamma, trigamma, vlog

__all__ = ["gg_loglik", "gg_prepare"]


@njit()
def gg_prepare(
    x: FloatArray, m: FloatArray, w: FloatArray, order: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Unique rows and the parts of the Gamma-Gamma log-likelihood the parameters do not touch.

    Returns ``xs, ms, ws`` (the distinct ``(x, m)`` rows of positive weight, sorted by ``x``
    then ``m``, with their summed weights), ``freq`` (the distinct frequencies, ascending),
    ``freq_w`` (the total weight of the rows with each) and ``fixed = [sum w, sum w x (log m
    + log x), sum w log m]``. ``order`` sorts the rows by ``x`` then ``m``
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
        fixed[1] += wi * xi * lm
        fixed[2] += wi * lm
    for j in range(groups):
        fixed[1] += freq_w[j] * freq[j] * math.log(freq[j])
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
    gamma`` and ``W`` the total weight, the sums over rows are ``sum w log D``, ``sum w x log
    D``, ``sum w / D``, ``sum w x / D``, ``sum w / D^2`` and ``sum w x / D^2`` (as far as
    ``order`` needs); the log-gamma, digamma and trigamma terms are sums over the distinct
    frequencies. Parameter order: p, q, gamma.
    """
    p, q, g = params[0], params[1], params[2]
    rs = _gg_row_sums(x, mv, w, g, order)
    tot, lin, lm = fixed[0], fixed[1], fixed[2]
    acc = np.zeros(10)
    lgg = math.log(g)
    acc[0] = -tot * math.lgamma(q) + tot * q * lgg + p * lin - lm - p * rs[1] - q * rs[0]
    for j in range(freq.size):
        px = p * freq[j]
        acc[0] += freq_w[j] * (math.lgamma(px + q) - math.lgamma(px))
    if order == 0:
        return acc
    acc[1] = lin - rs[1]
    acc[2] = -tot * digamma(q) + tot * lgg - rs[0]
    acc[3] = tot * q / g - p * rs[3] - q * rs[2]
    for j in range(freq.size):
        xj = freq[j]
        dpq = digamma(p * xj + q)
        acc[1] += freq_w[j] * xj * (dpq - digamma(p * xj))
        acc[2] += freq_w[j] * dpq
    if order == 1:
        return acc
    acc[6] = -rs[3]
    acc[7] = -tot * trigamma(q)
    acc[8] = tot / g - rs[2]
    acc[9] = -tot * q / (g * g) + p * rs[5] + q * rs[4]
    for j in range(freq.size):
        xj = freq[j]
        tpq = trigamma(p * xj + q)
        acc[4] += freq_w[j] * xj * xj * (tpq - trigamma(p * xj))
        acc[5] += freq_w[j] * xj * tpq
        acc[7] += freq_w[j] * tpq
    return acc


@njit(vectorize=True)
def _gg_row_sums(x: FloatArray, mv: FloatArray, w: FloatArray, g: float, order: int) -> FloatArray:
    """``[sum w log D, sum w x log D, sum w / D, sum w x / D, sum w / D^2, sum w x / D^2]``
    over the rows, ``D = x m + gamma`` (as far as ``order`` needs).

    The logarithms (or reciprocals) go to a buffer in a loop LLVM vectorises; the sums
    are a second, cheap pass (a floating-point sum does not vectorise without re-ordering).
    """
    n = x.size
    out = np.zeros(6)
    buf = np.empty(n)
    for i in range(n):
        buf[i] = vlog(x[i] * mv[i] + g)
    for i in range(n):
        v = w[i] * buf[i]
        out[0] += v
        out[1] += x[i] * v
    if order == 0:
        return out
    for i in range(n):
        buf[i] = 1.0 / (x[i] * mv[i] + g)
    for i in range(n):
        v = w[i] * buf[i]
        out[2] += v
        out[3] += x[i] * v
        if order > 1:
            v2 = v * buf[i]
            out[4] += v2
            out[5] += x[i] * v2
    return out
