"""Compiled log-likelihood of the Gamma-Gamma spend model.

Returns ``[ll, gradient(3), upper Hessian(6)]`` in ``(p, q, gamma)``; ``order`` 0, 1, 2
as for the transaction models.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray
from precisemkt._vmath import digamma, trigamma

__all__ = ["gg_loglik"]


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
