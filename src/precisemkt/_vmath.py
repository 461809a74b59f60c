"""Vectorised maths shared by the compiled kernels of every domain.

Scalar helpers that numba kernels call in their inner loops: exp and log written with
arithmetic and bit operations only (``vexp``, ``vlog``, ``vlog_ratio``, ``vlog1p``,
``vexpm1``, within 1-2 ulp), so that loops using them vectorise (4 rows per AVX2 instruction,
8 with AVX-512); Dekker's exact product (``two_product``); special functions (``digamma``,
``trigamma``, ``cumlog`` tables of log-gamma differences at integer offsets); stable
``softplus`` and ``log_add``; and the plumbing of likelihood kernels (``tri``, the index of
a Hessian entry in a ``[value, gradient, upper Hessian]`` vector; ``chunk_bounds``, the
number of parallel chunks; ``at``, length-1 broadcasting).

``SERIES_EPS`` is the relative size of the neglected tail at which every all-positive series
of the kernels stops, and ``BIG`` the value past which a running series is rescaled.

Functions marked ``vectorize=True`` must only be called from kernels compiled with it too
(see :func:`precisemkt._numba.njit`). numba's disk cache does not notice an edit to a
function called from another file: after changing this module, run with
``PRECISEMKT_NUMBA_CACHE=0`` or delete the ``__pycache__`` folders.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import float_bits, float_from_bits, njit
from precisemkt._typing import FloatArray

__all__ = [
    "BIG",
    "SERIES_EPS",
    "add_weighted",
    "at",
    "chunk_bounds",
    "cumlog",
    "digamma",
    "digamma_diff",
    "lgamma_ratio",
    "log_add",
    "loglik_len",
    "softplus",
    "tri",
    "trigamma",
    "two_product",
    "vexp",
    "vexpm1",
    "vlog",
    "vlog1p",
    "vlog_ratio",
]

#: Rows per parallel chunk upper bound: a sum over rows is split into at most this many
#: chunks whose partial sums are added at the end (deterministic for a given input size).
_N_CHUNKS = 64
#: Series stop once the bound on the remaining tail is below this fraction of the sum.
SERIES_EPS = 1e-17
#: Rescale a running series when its scaled value exceeds this.
BIG = 1e250


@njit()
def tri(i: int, j: int, k: int) -> int:
    """Index of Hessian entry (i, j), i <= j, in a likelihood output vector."""
    return 1 + k + i * k - i * (i - 1) // 2 + (j - i)


@njit()
def loglik_len(k: int, order: int) -> int:
    """Entries of a likelihood vector ``[value, gradient, upper Hessian]`` of ``k``
    parameters that ``order`` fills (0 value, 1 and gradient, 2 and Hessian)."""
    return 1 if order == 0 else (1 + k if order == 1 else 1 + k + k * (k + 1) // 2)


@njit()
def add_weighted(acc: FloatArray, weight: float, row: FloatArray, size: int) -> None:
    """``acc[:size] += weight * row[:size]`` (a row's likelihood vector into a total)."""
    for j in range(size):
        acc[j] += weight * row[j]


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
def digamma_diff(z: float, q: float) -> float:
    """``digamma(z + q) - digamma(z)`` for ``z, q > 0``, accurate also when ``z`` is large.

    From ``z >= 50`` the asymptotic series is differenced term by term: ``log1p(q/z) +
    q / (2 z (z+q)) - (d(z+q) - d(z))``, ``d(y) = 1/(12y^2) - 1/(120y^4) + 1/(252y^6) -
    1/(240y^8)`` (truncation below 1e-19 there), instead of subtracting two values near
    ``log z``.
    """
    if z < 50.0:
        return digamma(z + q) - digamma(z)
    y = z + q
    return math.log1p(q / z) + q / (2.0 * z * y) - (_digamma_tail(y) - _digamma_tail(z))


@njit()
def _digamma_tail(y: float) -> float:
    """``log y - 1/(2y) - digamma(y)`` for ``y >= 50`` (four terms)."""
    f = 1.0 / (y * y)
    return f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f / 240)))


@njit()
def lgamma_ratio(z: float, q: float) -> float:
    """``lgamma(z + q) - lgamma(z)`` for ``z, q > 0``, accurate also when ``z`` is large.

    The difference of two ``lgamma`` values loses their common magnitude (``z log z``: at
    ``z = 1e6`` about 8 digits); from ``z >= 50`` it is taken from Stirling's series as
    ``(z - 1/2) log1p(q/z) + q log(z+q) - q + c(z+q) - c(z)``, ``c(y) = 1/(12y) -
    1/(360y^3) + 1/(1260y^5) - 1/(1680y^7)`` (truncation below 1e-18 there).
    """
    if z < 50.0:
        return math.lgamma(z + q) - math.lgamma(z)
    y = z + q
    return (
        (z - 0.5) * math.log1p(q / z)
        + q * math.log(y)
        - q
        + (_stirling_tail(y) - _stirling_tail(z))
    )


@njit()
def _stirling_tail(y: float) -> float:
    """``lgamma(y) - ((y - 1/2) log y - y + log(2 pi) / 2)`` for ``y >= 50`` (four terms)."""
    f = 1.0 / (y * y)
    return (1.0 / 12 - f * (1.0 / 360 - f * (1.0 / 1260 - f / 1680))) / y


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
def _log_series(s: float) -> float:
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
    out = dk * _LN2_HI - ((hfsq - (s * (hfsq + _log_series(s)) + dk * _LN2_LO)) - f)
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
    return dk * _LN2_HI + (2.0 * s + (s * _log_series(s) + dk * _LN2_LO))


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
def softplus(v: float) -> float:
    """``log(1 + exp(v))`` without overflow."""
    return v + math.log1p(math.exp(-v)) if v > 0.0 else math.log1p(math.exp(v))


@njit()
def log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow (either may be -inf)."""
    if a < b:
        a, b = b, a
    if b == -np.inf:
        return a
    return a + math.log1p(math.exp(b - a))


@njit()
def at(arr: FloatArray, i: int) -> float:
    """``arr[i]``, or ``arr[0]`` for a length-1 array (scalar broadcast)."""
    value: float = arr[i] if arr.size > 1 else arr[0]
    return value
