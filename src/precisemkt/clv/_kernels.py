"""Compiled kernels of the CLV models (ndarray in, ndarray out; the callers validated).

Log-likelihood kernels return one vector ``[ll, g_0..g_{k-1}, h_00, h_01, ..., h_{k-1,k-1}]``
(the weighted log-likelihood summed over rows, its gradient and the upper triangle of its
Hessian, row by row) with respect to the *raw* model parameters. ``order`` selects how much
is computed: 0 value, 1 value and gradient, 2 everything.

Every likelihood is a sum of positive terms ``exp(h_j)``. Its derivatives are assembled with
one stable rule: with weights ``w_j = exp(h_j) / sum(exp(h))`` and a fixed reference
gradient ``g_ref`` (the gradient of one of the terms),

    d log L        = g_ref + sum_j w_j v_j,                 v_j = grad h_j - g_ref
    d^2 log L      = sum_j w_j (hess h_j + v_j v_j^T) - vbar vbar^T,

which is exact and keeps the large common part of the gradients out of the subtraction.

Special functions: differences of log-gamma, digamma and trigamma values at integer offsets
are tabulated as sums of ``log(v + j)``, ``1 / (v + j)`` and ``-1 / (v + j)**2``; the
hypergeometric quantities of the BG/NBD and Pareto/NBD models are evaluated as all-positive
series with an overflow-triggered log scale, so nothing cancels and nothing overflows.

Predictions run once per customer, millions at a time, so their loops are written to be
vectorised by LLVM (4 customers per AVX2 instruction, 8 with AVX-512): exp and log come
from ``vexp``, ``vlog`` and ``vlog_ratio`` (arithmetic and bit operations only, within 1-2
ulp), kernels that use them are compiled with ``vectorize=True``, and the Pareto/NBD series
advances a block of customers one term at a time, handing the rare customer it cannot
finish to the scalar series. Prediction kernels check the RFM rules themselves
(:func:`rfm_row_ok`) and report whether every row kept them.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._grouping import group_rows
from precisemkt._numba import float_bits, float_from_bits, njit, prange
from precisemkt._typing import FloatArray, IntArray

#: Rows per parallel chunk upper bound: the likelihood sum is split into at most this many
#: chunks whose partial sums are added at the end (deterministic for a given input size).
_N_CHUNKS = 64
#: Series stop once the bound on the remaining tail is below this fraction of the sum.
_SERIES_EPS = 1e-17
#: A series that needs more terms than this is reported as failed (NaN).
_SERIES_MAX_TERMS = 200_000_000
#: The Pareto/NBD series (likelihood, P(alive), pmf) runs at most this many terms; when its
#: length estimate (:func:`pnbd_series_terms`) is larger, the integral is taken by
#: quadrature instead (:func:`pnbd_quad`), which needs a few hundred evaluations at most.
_PNBD_TERMS = 20_000
#: A Pareto/NBD series whose estimate was too low stops here and hands over to quadrature.
_PNBD_MAX_TERMS = 100_000
#: Gauss-Legendre rule of the Pareto/NBD quadrature (nodes and weights on [-1, 1]).
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
#: Most quadrature panels (the rule above on each); more means NaN (never reached: the
#: panel count is bounded by the width of the log-interval plus about 60).
_QUAD_MAX_PANELS = 4096
#: Rescale a running series when its scaled value exceeds this.
_BIG = 1e250
#: Survival tables of the BG/NBD expectation cover frequencies up to this and this many
#: terms (beyond, the sums are carried forward term by term).
_TABLE_MAX_X = 2000
_TABLE_TERMS = 96


# --------------------------------------------------------------------------- helpers


@njit()
def n_out(k: int) -> int:
    """Length of a likelihood output vector for ``k`` parameters."""
    return 1 + k + k * (k + 1) // 2


@njit()
def tri(i: int, j: int, k: int) -> int:
    """Index of Hessian entry (i, j), i <= j, in a likelihood output vector."""
    return 1 + k + i * k - i * (i - 1) // 2 + (j - i)


@njit()
def cumlog(v: float, size: int) -> FloatArray:
    """Tables ``L[n] = sum_{j<n} log(v+j)`` and its first two derivatives in ``v``.

    ``L[n] = lgamma(v+n) - lgamma(v)``, ``D[n] = digamma(v+n) - digamma(v)`` and
    ``Q[n] = trigamma(v+n) - trigamma(v)`` for ``n = 0 .. size - 1``.
    """
    out = np.zeros((3, size))
    for n in range(1, size):
        u = v + (n - 1)
        out[0, n] = out[0, n - 1] + math.log(u)
        out[1, n] = out[1, n - 1] + 1.0 / u
        out[2, n] = out[2, n - 1] - 1.0 / (u * u)
    return out


@njit()
def digamma(x: float) -> float:
    """Digamma function for ``x > 0`` (recurrence to ``x >= 10``, then asymptotic series)."""
    acc = 0.0
    while x < 10.0:
        acc -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (
        1.0 / 12
        - f
        * (
            1.0 / 120
            - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760 - f / 12))))
        )
    )
    return acc + math.log(x) - 0.5 / x - series


@njit()
def trigamma(x: float) -> float:
    """Trigamma function for ``x > 0`` (recurrence to ``x >= 10``, then asymptotic series)."""
    acc = 0.0
    while x < 10.0:
        acc += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    series = (
        1.0
        + 0.5 / x
        + f
        * (
            1.0 / 6
            - f
            * (
                1.0 / 30
                - f
                * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66 - f * (691.0 / 2730 - f * 7.0 / 6))))
            )
        )
    )
    return acc + series / x


@njit()
def chunk_bounds(n: int) -> int:
    """Number of parallel chunks for ``n`` rows."""
    return max(1, min(n, _N_CHUNKS))


# --------------------------------------------------------------------------- vector math
# A loop over customers runs 4 rows per AVX2 instruction (8 with AVX-512) only when LLVM
# can vectorise its body, and numba's math.exp / math.log are calls into the scalar C
# library. The helpers below are fdlibm's exp and log (the algorithms behind most C
# libraries, < 1 ulp error) written with arithmetic and bit operations only, so loops that
# use them vectorise. They and their callers are compiled with ``vectorize=True`` (see
# ``precisemkt._numba.njit``).

#: 1.5 * 2**52: adding it rounds a double of magnitude < 2**51 to an integer, which then
#: sits in the low bits of the result's bit pattern (float <-> int64 conversion without the
#: AVX-512-only conversion instructions).
_ROUNDER = 6755399441055744.0
_ROUNDER_BITS = 0x4338000000000000
_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k * _LN2_HI is exact for |k| < 2**11
_LN2_LO = 1.90821492927058770002e-10
_LOG2_E = 1.44269504088896338700e00
_INV_FACTORIAL = tuple(1.0 / math.factorial(j) for j in range(14))


@njit(vectorize=True, inline=True)
def vexp(v: float) -> float:
    """``exp(v)`` with arithmetic only: Cody-Waite reduction ``v = k ln2 + y``, ``|y| <=
    ln2 / 2``, and the degree-13 Taylor polynomial of ``exp(y)`` (truncation below 4e-18
    relative; no division, which costs as much as ten multiply-adds in a vector loop).

    Overflow gives inf, underflow 0 (results below 2**-1022 are rounded twice), NaN stays
    NaN.
    """
    w = -746.0 if v < -746.0 else v
    w = 710.0 if w > 710.0 else w
    shifted = w * _LOG2_E + _ROUNDER
    k_bits = float_bits(shifted) - _ROUNDER_BITS  # round(w / ln 2)
    k = shifted - _ROUNDER
    y = (w - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0
    for j in range(12, 1, -1):  # Horner, coefficients 1/j! (the loop is unrolled)
        p = p * y + _INV_FACTORIAL[j]
    ey = 1.0 + y + y * y * p
    # 2**k in two factors, so that k = -1075 .. 1024 never leaves the exponent range
    half = k_bits >> 1
    s1 = float_from_bits((half + 1023) << 52)
    s2 = float_from_bits((k_bits - half + 1023) << 52)
    return ey * s1 * s2


#: fdlibm's coefficients of ``log(1+f) = 2s + s R(s^2)``, ``s = f / (2 + f)``.
_LG = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)
#: Bit pattern of sqrt(2)/2: subtracting it from a double's bits and shifting gives the
#: exponent ``k`` that puts the mantissa in [sqrt(2)/2, sqrt(2)) (musl's log reduction).
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD
_EXPONENT_MASK = -(1 << 52)  # 0xFFF0000000000000: sign and exponent bits
_MANTISSA_MASK = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
#: Smallest normal double, and 2**54: a subnormal times it is normal.
_MIN_NORMAL = 2.2250738585072014e-308
_TWO54 = 18014398509481984.0


@njit(vectorize=True, inline=True)
def log_series(s: float) -> float:
    """``R(s^2)`` of ``log(1+f) = 2s + s R(s^2)``, ``s = f / (2+f)``, for ``|s| <= 0.1716``
    (fdlibm's polynomial, its odd and even powers of ``s^2`` evaluated side by side)."""
    z = s * s
    z2 = z * z
    t1 = z2 * (_LG[1] + z2 * (_LG[3] + z2 * _LG[5]))
    t2 = z * (_LG[0] + z2 * (_LG[2] + z2 * (_LG[4] + z2 * _LG[6])))
    return t1 + t2


@njit(vectorize=True, inline=True)
def vlog(v: float) -> float:
    """``log(v)`` with arithmetic only (fdlibm's e_log.c); log(0) = -inf, log(v < 0) = NaN."""
    tiny = v < _MIN_NORMAL  # subnormal (or zero): scale up by 2**54 first
    w = v * _TWO54 if tiny else v
    bits = float_bits(w)
    e = (bits >> 52) - (1023 + 54 if tiny else 1023)
    m = float_from_bits((bits & _MANTISSA_MASK) | _ONE_BITS)
    big = m > 1.4142135623730951  # m in [sqrt(2)/2, sqrt(2)) keeps f small
    m = 0.5 * m if big else m
    e = e + 1 if big else e
    f = m - 1.0
    s = f / (2.0 + f)
    hfsq = 0.5 * f * f
    dk = float_from_bits(e + _ROUNDER_BITS) - _ROUNDER  # float(e)
    out = dk * _LN2_HI - ((hfsq - (s * (hfsq + log_series(s)) + dk * _LN2_LO)) - f)
    if v == 0.0:
        out = -np.inf
    if not v < np.inf:  # inf stays inf, NaN stays NaN
        out = v
    if v < 0.0:
        out = np.nan
    return out


@njit(vectorize=True, inline=True)
def vlog_ratio(u: float, v: float) -> float:
    """``log(u / v)`` for positive finite ``u, v`` with one division (``vlog(u / v)`` takes
    two), within 2 ulp.

    ``u = zu 2^ku`` with ``zu`` in [sqrt(2)/2, sqrt(2)) and ``v = mv 2^kv`` with ``mv`` in
    [1, 2); doubling ``zu`` when ``zu / mv < sqrt(2)/2`` puts the mantissa ratio ``q`` in
    [sqrt(2)/2, sqrt(2)), and ``log q = 2s + s R(s^2)`` with ``s = (zu - mv) / (zu + mv)``
    (the subtraction is exact: the two are within a factor of 2).

    When either input is subnormal both are scaled by 2^54, which leaves the ratio
    unchanged; this needs the other input below 2^969, i.e. ``u / v`` within 2^+-1990
    (scaling each input separately would lift that limit but costs 15% of a P(alive) pass).
    """
    tiny = min(u, v) < _MIN_NORMAL
    bu = float_bits(u * _TWO54 if tiny else u)
    bv = float_bits(v * _TWO54 if tiny else v)
    shifted = bu - _SQRT_HALF_BITS
    zu = float_from_bits(bu - (shifted & _EXPONENT_MASK))
    mv = float_from_bits((bv & _MANTISSA_MASK) | _ONE_BITS)
    e = (shifted >> 52) - ((bv >> 52) - 1023)
    low = zu < 0.7071067811865476 * mv
    zu = 2.0 * zu if low else zu
    e = e - 1 if low else e
    s = (zu - mv) / (zu + mv)
    dk = float_from_bits(e + _ROUNDER_BITS) - _ROUNDER  # float(e)
    return dk * _LN2_HI + (2.0 * s + (s * log_series(s) + dk * _LN2_LO))


@njit(vectorize=True, inline=True)
def vlog1p(v: float) -> float:
    """``log(1 + v)`` for ``v >= -1``, accurate for small ``v`` (the rounding of ``1 + v``
    is corrected to first order)."""
    w = 1.0 + v
    fix = ((w - 1.0) - v) / w if 0.0 < w < np.inf else 0.0
    return vlog(w) - fix


@njit(vectorize=True, inline=True)
def vexpm1(v: float) -> float:
    """``exp(v) - 1``, accurate for small ``v`` (Kahan's ``(u - 1) v / log u``, u = exp v)."""
    u = vexp(v)
    out = (u - 1.0) * v / vlog(u)
    if u == 1.0:
        out = v
    if u - 1.0 == -1.0:
        out = -1.0
    if u == np.inf:
        out = u
    return out


# --------------------------------------------------------------------------- BG/NBD, MBG/NBD


@njit()
def bg_row(
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
    ``w`` row weights; see :func:`bg_row`.
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    m = 1 if modified else 0
    n = x.size
    size = (int(np.max(x)) if n else 0) + 2
    tr = cumlog(r, size)
    tb = cumlog(b, size)
    tab = cumlog(a + b, size)
    lim = 1 if order == 0 else (5 if order == 1 else 15)
    nch = chunk_bounds(n)
    partial = np.zeros((nch, 15))
    for c in prange(nch):
        accumulate_bg(r, alpha, a, b, m, x, tx, T, w, tr, tb, tab, order, lim, c, nch, partial)
    total: FloatArray = partial.sum(axis=0)
    return total


@njit()
def accumulate_bg(
    r: float,
    alpha: float,
    a: float,
    b: float,
    m: int,
    x: IntArray,
    tx: FloatArray,
    T: FloatArray,
    w: FloatArray,
    tr: FloatArray,
    tb: FloatArray,
    tab: FloatArray,
    order: int,
    lim: int,
    c: int,
    nch: int,
    partial: FloatArray,
) -> None:
    """Add chunk ``c`` of ``nch`` rows' weighted :func:`bg_row` outputs to ``partial[c]``."""
    n = x.size
    row = np.zeros(15)
    for i in range(c * n // nch, (c + 1) * n // nch):
        bg_row(r, alpha, a, b, m, x[i], tx[i], T[i], tr, tb, tab, order, row)
        for j in range(lim):
            partial[c, j] += w[i] * row[j]


@njit(vectorize=True)
def bg_palive_rows(
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
def two_product(a: float, b: float) -> tuple[float, float]:
    """``a * b`` as ``(p, e)`` with ``p + e`` exact (Dekker's splitting, no FMA needed)."""
    p = a * b
    split = 134217729.0  # 2^27 + 1
    ah = split * a
    ah = ah - (ah - a)
    al = a - ah
    bh = split * b
    bh = bh - (bh - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit()
def bg_survival_tables(
    a: float, b: float, m: int, xmax: int, size: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Tables for :func:`bg_survival_sum`, for frequencies ``0 .. xmax`` and ``size`` terms.

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
def bg_survival_sum(
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

    The survival sums come from :func:`bg_survival_tables` while ``x`` and ``j`` are inside
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
    p_hi, p_lo = two_product(z, s_hi)
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
        if pmf > _BIG:
            pmf /= _BIG
            total /= _BIG
            moment /= _BIG
            log_scale += math.log(_BIG)
        if (j & 7) == 0 and ratio < 1.0:
            bound = max(ratio, z)
            if pmf * (cum_tab[xi, j] + 1.0 / (1.0 - bound)) <= _SERIES_EPS * total * (1.0 - bound):
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
        if pmf > _BIG or total > _BIG:
            pmf /= _BIG
            total /= _BIG
            moment /= _BIG
            log_scale += math.log(_BIG)
        if ratio < 1.0:
            # future pmf ratios are <= max(ratio, z); W grows at most by 1 per term
            bound = max(ratio, z)
            if pmf * (cum + 1.0 / (1.0 - bound)) / (1.0 - bound) <= _SERIES_EPS * total:
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
    1 or ``n``). The expectation is P(alive) times :func:`bg_survival_sum`, which depends on
    ``(x, T, t)`` only: it is evaluated once per distinct triple (grouped by
    :func:`precisemkt._grouping.group_rows`).
    """
    r, alpha, a, b = params[0], params[1], params[2], params[3]
    n = x.size
    out = np.empty(n)
    nch = chunk_bounds(n)
    ok = np.empty(nch, dtype=np.bool_)
    for c in prange(nch):
        ok[c] = bg_palive_rows(params, m, x, tx, T, c, nch, out)
    clean = bool(ok.all())
    if what == 0 or not clean:
        return out, clean
    slot, first = group_rows(_triples(x, T, t), max(n // 4, 64))
    surv, cum, inv = bg_survival_tables(a, b, m, table_rows(x), _TABLE_TERMS)
    series = np.empty(first.size)
    for g in prange(first.size):
        i = first[g]
        series[g] = bg_survival_sum(r, alpha, a, b, m, x[i], T[i], at(t, i), surv, cum, inv)
    for i in prange(n):
        out[i] *= series[slot[i]]
    return out, True


@njit()
def table_rows(x: FloatArray) -> int:
    """Largest whole frequency <= ``_TABLE_MAX_X`` in ``x`` (rows of the survival tables)."""
    top = 0
    for v in x:
        if v <= _TABLE_MAX_X and v > top:
            top = int(v)
    return top


# --------------------------------------------------------------------------- Pareto/NBD


@njit()
def pnbd_row(
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
            if t > _BIG:
                t /= _BIG
                ssum /= _BIG
                for j in range(20):
                    wk[j] /= _BIG
                log_scale += math.log(_BIG)
            bound = zz * max(1.0, (cc + nn) / (nn + 1.0)) * (k + nn + 1.0) / (k + nn)
            if bound < 1.0:
                poly = (1.0 + nn / d) ** 2  # the derivative sums carry factors up to n^2
                if t * e * poly / (1.0 - bound) <= _SERIES_EPS * ssum:
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
        return pnbd_row_quad(r, alpha, s, beta, x, tx, T, A0, g0, order, out, wk)
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
def pnbd_row_quad(
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
    """:func:`pnbd_row` for a row whose series would be long: ``ll = A0 + g0 +
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
    """Weighted Pareto/NBD log-likelihood (see :func:`pnbd_row`)."""
    n = x.size
    tr = cumlog(params[0], (int(np.max(x)) if n else 0) + 1)
    nch = chunk_bounds(n)
    lim = 1 if order == 0 else (5 if order == 1 else 15)
    partial = np.zeros((nch, 15))
    for c in prange(nch):
        accumulate_pnbd(params, x, tx, T, w, tr, order, lim, c, nch, partial)
    total: FloatArray = partial.sum(axis=0)
    return total


@njit()
def accumulate_pnbd(
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
    """Add chunk ``c`` of ``nch`` rows' weighted :func:`pnbd_row` outputs to ``partial[c]``."""
    r, alpha, s, beta = params[0], params[1], params[2], params[3]
    n = x.size
    row = np.zeros(15)
    wk = np.zeros(96)
    for i in range(c * n // nch, (c + 1) * n // nch):
        xi = x[i]
        pnbd_row(
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
        pnbd_predict_rows(params, x, tx, T, horizon, what, c, nch, out)
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
def pnbd_predict_rows(
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
        res[i] = alive_from_log_odds(res[i])
    if what == 1:
        for i in range(hi - lo):
            res[i] *= pnbd_rate(params, xs[i], ts[i], hs[i])


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
    ``_BLOCK_TERMS`` terms, or whose terms grow past ``_BIG``, are recomputed by
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
            done += pnbd_block_done(w, j, nn)
    log_s = math.log(s)
    for j in range(nb):
        value = log_s + vlog(w[_ACC + j]) + w[_POW + j]
        out[j] = value if T[j] - tx[j] > 1e-12 * (mm + T[j]) else -np.inf  # -inf: just bought
    if done < nb:
        for j in range(nb):
            if not pnbd_block_done(w, j, nn):
                out[j] = pnbd_log_odds(r, alpha, s, beta, x[j], tx[j], T[j])


@njit(vectorize=True, inline=True)
def pnbd_block_done(w: FloatArray, j: int, n: int) -> int:
    """1 when row ``j`` of :func:`pnbd_log_odds_block` has converged after term ``n``.

    The test ``term b / (1 - b) <= eps acc`` is multiplied out (no division, no branch).
    """
    z, u, acc, kn = w[_Z + j], w[_U + j], w[_ACC + j], w[_K + j] + n
    m = n + 1.0
    cn = w[_C + j] + n
    b = z * (cn if cn > m else m)  # times (n + 1)
    ok = (b < m) & (u < _BIG) & (u * w[_E + j] * b <= _SERIES_EPS * acc * (m - b) * kn)
    return 1 if ok else 0


@njit()
def pnbd_log_odds(
    r: float, alpha: float, s: float, beta: float, x: float, tx: float, T: float
) -> float:
    """Log odds of death, ``log(s I (alpha+T)^(r+x) (beta+T)^s)``, for one customer.

    ``P(alive) = 1 / (1 + exp(log_odds))`` (note 009 eq. 34) and the log-likelihood is
    ``lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta) + g0 + log1p(exp(log_odds))``.
    This is the value-only form of :func:`pnbd_row`'s series for ``I``, with the odds
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
        if t > _BIG:
            t /= _BIG
            ssum /= _BIG
            log_scale += math.log(_BIG)
        if (nn & 3) == 0:  # the tail bound costs two divisions: test every 4 terms
            bound = zz * max(1.0, (cc + nn) / (nn + 1.0)) * (k + nn + 1.0) / (k + nn)
            if bound < 1.0 and t * e <= _SERIES_EPS * ssum * (1.0 - bound):
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


@njit()
def pnbd_quad(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: float,
    tx: float,
    T: float,
    order: int,
    g: FloatArray,
    h: FloatArray,
) -> float:
    """Log odds of death ``log(s I (alpha+T)^(r+x) (beta+T)^s)`` by quadrature, for rows
    whose series would be long (``tx < T``); with ``order >= 1`` its gradient in ``(r,
    alpha, s, beta)`` goes to ``g`` (4) and with ``order == 2`` its Hessian to ``h`` (4 x 4,
    row-major, full).

    ``I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du`` is integrated in ``y = log(m0 +
    u)``, ``m0 = min(alpha, beta)``, where the integrand ``F(y) = p^(1-a0) (p+d)^-a1`` (``p
    = e^y``, ``d = |alpha - beta|``, ``a0, a1`` the exponents of the factors with ``m0``
    and the other parameter) is log-concave (``(log F)'' = -a1 d p / (p+d)^2 <= 0``) and
    analytic within ``pi`` of the real axis. Panels of 16-point Gauss-Legendre, at most one
    unit wide and narrow enough that ``log F`` changes by at most about 1.5 over each, march
    out from the mode; a side stops when the log-concave tail bound ``F(b) / |(log F)'(b)|``
    is below ``1e-17`` of the sum. Every node value is taken relative to ``u = T``
    (``p - p_T = p_T expm1(y - y_T)``), so the large powers cancel exactly and the result
    has the accuracy of the series (about 1e-15 relative on ``I``). NaN after
    ``_QUAD_MAX_PANELS`` panels.
    """
    m0 = min(alpha, beta)
    d = abs(alpha - beta)
    a_small = alpha <= beta  # the alpha factor is the one with m0
    a0 = r + x if a_small else s + 1.0
    a1 = s + 1.0 if a_small else r + x
    pT = m0 + T
    # y measured from y_T = log(m0 + T); the interval is [-L, 0]
    L = math.log1p((T - tx) / (m0 + tx))
    qT = pT / (pT + d)

    # slope of log F in y: (1 - a0) - a1 p / (p + d), decreasing; mode where it is 0
    if 1.0 - a0 - a1 * qT >= 0.0:
        mode = 0.0
    else:
        pm = (1.0 - a0) * d / (a0 + a1 - 1.0) if a0 < 1.0 else 0.0
        mode = math.log(pm / pT) if pm > 0.0 else -L
        mode = min(0.0, max(-L, mode))
    # log F(y) - log F(y_T) = (1 - a0) v - a1 log1p(qT expm1(v)), v = y - y_T
    ref = (1.0 - a0) * mode - a1 * math.log1p(qT * math.expm1(mode))
    ia_T = 1.0 / (alpha + T)
    ib_T = 1.0 / (beta + T)
    total = 0.0
    m1 = np.zeros(4)
    m2 = np.zeros(16)
    hh = np.zeros(4)  # weighted node Hessians: (r, alpha), (alpha, alpha), (s, beta), (beta, beta)
    dg = np.zeros(4)
    panels = 0
    for side in range(2):  # 0: from the mode to y_T (right), 1: from the mode to -L (left)
        edge = mode
        while (edge < 0.0) if side == 0 else (edge > -L):
            panels += 1
            if panels > _QUAD_MAX_PANELS:
                return np.nan
            # |slope| <= |1 - a0| + a1 q over a panel, and q = p / (p+d) grows at most by
            # e over one unit: the panel keeps the change of log F near 1.5 or less
            pe = pT * math.exp(edge)
            width = min(1.0, 1.5 / (abs(1.0 - a0) + math.e * a1 * pe / (pe + d)))
            if side == 0:
                lo, hi = edge, min(0.0, edge + width)
            else:
                lo, hi = max(-L, edge - width), edge
            half = 0.5 * (hi - lo)
            mid = 0.5 * (hi + lo)
            for j in range(_GL_NODES.size):
                v = mid + half * _GL_NODES[j]
                em = math.expm1(v)
                lf = (1.0 - a0) * v - a1 * math.log1p(qT * em)
                wgt = half * _GL_WEIGHTS[j] * math.exp(lf - ref)
                total += wgt
                if order > 0:
                    du = pT * em  # u - T (<= 0)
                    # node gradient minus the gradient at u = T, each part without cancelling
                    ia = 1.0 / (alpha + T + du)
                    ib = 1.0 / (beta + T + du)
                    dg[0] = -math.log1p(du * ia_T)
                    dg[1] = (r + x) * du * ia * ia_T
                    dg[2] = -math.log1p(du * ib_T)
                    dg[3] = (s + 1.0) * du * ib * ib_T
                    for a_ in range(4):
                        m1[a_] += wgt * dg[a_]
                    if order > 1:
                        for a_ in range(4):
                            for b_ in range(4):
                                m2[4 * a_ + b_] += wgt * dg[a_] * dg[b_]
                        hh[0] += wgt * -ia
                        hh[1] += wgt * (r + x) * ia * ia
                        hh[2] += wgt * -ib
                        hh[3] += wgt * (s + 1.0) * ib * ib
            edge = hi if side == 0 else lo
            # log-concave tail bound beyond the new edge
            pe = pT * math.exp(edge)
            slope = (1.0 - a0) - a1 * pe / (pe + d)
            lf_edge = (1.0 - a0) * edge - a1 * math.log1p(qT * math.expm1(edge)) - ref
            # the bound holds where log F falls away from the mode (slope < 0 to the
            # right, > 0 to the left)
            outward = (slope < 0.0) if side == 0 else (slope > 0.0)
            if outward and math.exp(lf_edge) / abs(slope) <= _SERIES_EPS * total:
                break
    # log I = log F(y_T) + ref + log total, log F(y_T) = log pT - (r+x) log(alpha+T) - (s+1)
    # log(beta+T); the odds add (r+x) log(alpha+T) + s log(beta+T) + log s
    value = math.log(s) + math.log(total) + ref + math.log(pT) - math.log(beta + T)
    if order == 0:
        return value
    # d log odds = [0, 0, 1/s, -1/(beta+T)] + mean of dg
    for a_ in range(4):
        m1[a_] /= total
    g[0] = m1[0]
    g[1] = m1[1]
    g[2] = 1.0 / s + m1[2]
    g[3] = -ib_T + m1[3]
    if order == 1:
        return value
    # Hessian of log I minus that of -(r+x) log(alpha+T) - s log(beta+T), minus 1/s^2
    for a_ in range(16):
        h[a_] = 0.0
    for a_ in range(4):
        for b_ in range(4):
            h[4 * a_ + b_] = m2[4 * a_ + b_] / total - m1[a_] * m1[b_]
    h[1] += hh[0] / total + ia_T
    h[4] += hh[0] / total + ia_T
    h[5] += hh[1] / total - (r + x) * ia_T * ia_T
    h[10] -= 1.0 / (s * s)
    h[11] += hh[2] / total + ib_T
    h[14] += hh[2] / total + ib_T
    h[15] += hh[3] / total - s * ib_T * ib_T
    return value


@njit()
def softplus(v: float) -> float:
    """``log(1 + exp(v))`` without overflow."""
    return v + math.log1p(math.exp(-v)) if v > 0.0 else math.log1p(math.exp(v))


@njit(vectorize=True, inline=True)
def pnbd_rate(params: FloatArray, x: float, T: float, t: float) -> float:
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
def alive_from_log_odds(v: float) -> float:
    """``1 / (1 + exp(v))`` without overflow, for ``v`` the log odds of death."""
    ev = vexp(-abs(v))
    return ev / (1.0 + ev) if v > 0.0 else 1.0 / (1.0 + ev)


@njit()
def log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow (either may be -inf)."""
    if a < b:
        a, b = b, a
    if b == -np.inf:
        return a
    return a + math.log1p(math.exp(b - a))


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
        out[i] = pnbd_pmf_one(at(r, i), at(alpha, i), at(s, i), at(beta, i), x[i], t[i], log_i0[i])
    return out


@njit()
def pnbd_pmf_one(
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
        if ratio < 1.0 and lt + lbeta + li - math.log(1.0 - ratio) <= total + math.log(_SERIES_EPS):
            break
        if nn > _PNBD_MAX_TERMS:
            return np.nan  # reported by the caller as a horizon too long for the pmf
    log_second = lc + ri * math.log(ai) + math.log(si) + si * math.log(bi) - rs * math.log(mm)
    value: float = first + math.exp(log_second + total)
    return value


# --------------------------------------------------------------------------- BG/BB


@njit()
def bgbb_row(
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
def bgbb_tables(
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
    """Weighted BG/BB log-likelihood over rows (x, tx, n) (see :func:`bgbb_row`)."""
    size = (int(np.max(n)) if n.size else 0) + 2
    ta, tb, tab, td, tgd = bgbb_tables(params, size)
    lg = math.log(params[2])
    acc = np.zeros(15)
    row = np.zeros(15)
    wk = np.zeros(24)
    lim = 1 if order == 0 else (5 if order == 1 else 15)
    for i in range(x.size):
        bgbb_row(x[i], tx[i], n[i], ta, tb, tab, td, tgd, lg, order, row, wk)
        for j in range(lim):
            acc[j] += w[i] * row[j]
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
    ta, tb, tab, td, tgd = bgbb_tables(params, size)
    lg = math.log(params[2])
    row = np.zeros(1)
    wk = np.zeros(24)
    out = np.empty(x.size)
    for i in range(x.size):
        xi, ni, ti = x[i], n[i], t[i]
        ll = bgbb_row(xi, tx[i], ni, ta, tb, tab, td, tgd, lg, 0, row, wk)
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


# --------------------------------------------------------------------------- Gamma-Gamma


@njit()
def gg_loglik(
    params: FloatArray, x: FloatArray, mv: FloatArray, w: FloatArray, order: int
) -> FloatArray:
    """Weighted Gamma-Gamma log-likelihood of average spends ``mv`` over ``x`` purchases.

    Per row (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie note 025)::

        lgamma(px+q) - lgamma(px) - lgamma(q) + q log(gamma) + (px-1) log(m)
        + px log(x) - (px+q) log(x m + gamma)

    Parameter order: p, q, gamma.
    """
    p, q, g = params[0], params[1], params[2]
    acc = np.zeros(10)
    lgq = math.lgamma(q)
    dq = digamma(q)
    tq = trigamma(q)
    lgg = math.log(g)
    for i in range(x.size):
        xi = x[i]
        mi = mv[i]
        wi = w[i]
        px = p * xi
        lx = math.log(xi)
        lm = math.log(mi)
        den = xi * mi + g
        lden = math.log(den)
        acc[0] += wi * (
            math.lgamma(px + q)
            - math.lgamma(px)
            - lgq
            + q * lgg
            + (px - 1.0) * lm
            + px * lx
            - (px + q) * lden
        )
        if order == 0:
            continue
        dpq = digamma(px + q)
        acc[1] += wi * xi * (dpq - digamma(px) + lm + lx - lden)
        acc[2] += wi * (dpq - dq + lgg - lden)
        acc[3] += wi * (q / g - (px + q) / den)
        if order == 1:
            continue
        tpq = trigamma(px + q)
        acc[4] += wi * xi * xi * (tpq - trigamma(px))
        acc[5] += wi * xi * tpq
        acc[6] += wi * (-xi / den)
        acc[7] += wi * (tpq - tq)
        acc[8] += wi * (1.0 / g - 1.0 / den)
        acc[9] += wi * (-q / (g * g) + (px + q) / (den * den))
    return acc


# --------------------------------------------------------------------------- input checks


@njit()
def at(arr: FloatArray, i: int) -> float:
    """``arr[i]``, or ``arr[0]`` for a length-1 array (scalar broadcast)."""
    value: float = arr[i] if arr.size > 1 else arr[0]
    return value


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
def rfm_chunk_ok(x: FloatArray, tx: FloatArray, T: FloatArray, c: int, nch: int) -> bool:
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
    for c in prange(nch):
        ok[c] = rfm_chunk_ok(x, tx, T, c, nch)
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
