"""Pareto/NBD log odds of death by quadrature, for the rows whose series would be long.

The series of :mod:`precisemkt.clv._pnbd_kernels` needs about ``c z / (1 - z)`` terms; when
that estimate passes a cap (customers with a long history and ``alpha`` far from
``beta``), the integral is taken by Gauss-Legendre quadrature instead, which needs a few
hundred evaluations at most.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray
from precisemkt._vmath import SERIES_EPS

__all__ = ["pnbd_quad"]

#: Gauss-Legendre rule of the Pareto/NBD quadrature (nodes and weights on [-1, 1]).
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
#: Most quadrature panels (the rule above on each); more means NaN (never reached: the
#: panel count is bounded by the width of the log-interval plus about 60).
_QUAD_MAX_PANELS = 4096


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
            if outward and math.exp(lf_edge) / abs(slope) <= SERIES_EPS * total:
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
