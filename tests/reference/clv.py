"""Naive references for the CLV kernels: the papers' formulas, evaluated the obvious way.

Log-likelihoods and predictions are written straight from the published equations in
mpmath at 40 significant digits (so the textbook differences of hypergeometric functions
cannot cancel), one customer at a time. Derivatives come from ``mpmath.diff`` on those
functions. Everything here is slow on purpose; the kernels must agree with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath as mp
import numpy as np

DPS = 40


def _mp(values: Sequence[float]) -> list[mp.mpf]:
    return [mp.mpf(float(v)) for v in values]


# --------------------------------------------------------------------------- BG/NBD family


def bg_loglik_row(params: Sequence[mp.mpf], x: int, tx: float, T: float, modified: int) -> mp.mpf:
    """BG/NBD (FHL 2005 eq. 6) or MBG/NBD (Batislam et al. 2007) log-likelihood of one row."""
    r, alpha, a, b = params
    tx, T = mp.mpf(tx), mp.mpf(T)
    m = modified
    common = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    live = mp.beta(a, b + x + m) / mp.beta(a, b) / (alpha + T) ** (r + x)
    dead = 0
    if x > 0 or m:
        dead = mp.beta(a + 1, b + x + m - 1) / mp.beta(a, b) / (alpha + tx) ** (r + x)
    return mp.log(common * (live + dead))


def bg_loglik(params: Sequence[float], x, tx, T, w, modified: int) -> mp.mpf:  # type: ignore[no-untyped-def]
    """Weighted sum of :func:`bg_loglik_row`."""
    with mp.workdps(DPS):
        p = _mp(params)
        return mp.fsum(
            float(wi) * bg_loglik_row(p, int(xi), float(ti), float(Ti), modified)
            for xi, ti, Ti, wi in zip(x, tx, T, w, strict=True)
        )


def bg_palive(params: Sequence[float], x: int, tx: float, T: float, modified: int) -> float:
    """P(alive) = the 'live' part of the likelihood over the likelihood (FHL 2005 / note 021)."""
    with mp.workdps(DPS):
        r, alpha, a, b = _mp(params)
        m = modified
        if x == 0 and not m:
            return 1.0
        ratio = a / (b + x + m - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return float(1 / (1 + ratio))


def bg_conditional_expectation(
    params: Sequence[float], t: float, x: int, tx: float, T: float, modified: int
) -> float:
    """FHL 2005 eq. 10 (BG/NBD) / Wagner & Hoppe 2008 (MBG/NBD) with mpmath's 2F1."""
    with mp.workdps(DPS):
        r, alpha, a, b = _mp(params)
        t, tx, T = mp.mpf(t), mp.mpf(tx), mp.mpf(T)
        bb = b + x + modified
        c = a + bb - 1
        z = t / (alpha + T + t)
        if a == 1:  # removable singularity: take the limit numerically
            return float(mp.limit(lambda aa: _bg_ce(r, alpha, aa, b, t, x, tx, T, modified), 1))
        return float(_bg_ce(r, alpha, a, b, t, x, tx, T, modified)) if c else float(
            mp.limit(lambda bq: _bg_ce(r, alpha, a, bq, t, x, tx, T, modified), b)
        )


def _bg_ce(r, alpha, a, b, t, x, tx, T, modified):  # type: ignore[no-untyped-def]
    bb = b + x + modified
    c = a + bb - 1
    z = t / (alpha + T + t)
    core = c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, bb, c, z))
    if x == 0 and not modified:
        return core
    return core / (1 + a / (bb - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def bg_pmf(params: Sequence[float], n: int, t: float, modified: int) -> float:
    """P(X(t) = n): FHL 2005 eq. 8 (BG/NBD) and its MBG/NBD analogue, finite sums in mpmath."""
    with mp.workdps(DPS):
        r, alpha, a, b = _mp(params)
        t = mp.mpf(t)
        m = modified
        p = alpha / (alpha + t)
        nb = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * p**r * (1 - p) ** n
        out = mp.beta(a, b + n + m) / mp.beta(a, b) * nb
        if n > 0 or m:
            head = mp.fsum(
                mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * (1 - p) ** j for j in range(n)
            )
            out += mp.beta(a + 1, b + n + m - 1) / mp.beta(a, b) * (1 - p**r * head)
        return float(out)


# --------------------------------------------------------------------------- Pareto/NBD


def pnbd_loglik_row(params: Sequence[mp.mpf], x: int, tx: float, T: float) -> mp.mpf:
    """Fader & Hardie note 009 eq. 18-21: the textbook form with the difference of 2F1s."""
    r, alpha, s, beta = params
    tx, T = mp.mpf(tx), mp.mpf(T)
    k = r + s + x
    if alpha >= beta:
        c, m = s + 1, alpha
    else:
        c, m = r + x, beta
    d = abs(alpha - beta)
    a0 = mp.hyp2f1(k, c, k + 1, d / (m + tx)) / (m + tx) ** k - mp.hyp2f1(
        k, c, k + 1, d / (m + T)
    ) / (m + T) ** k
    common = mp.gamma(r + x) * alpha**r * beta**s / mp.gamma(r)
    return mp.log(common * (1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / k * a0))


def pnbd_loglik(params: Sequence[float], x, tx, T, w) -> mp.mpf:  # type: ignore[no-untyped-def]
    """Weighted sum of :func:`pnbd_loglik_row`."""
    with mp.workdps(DPS):
        p = _mp(params)
        return mp.fsum(
            float(wi) * pnbd_loglik_row(p, int(xi), float(ti), float(Ti))
            for xi, ti, Ti, wi in zip(x, tx, T, w, strict=True)
        )


def pnbd_palive(params: Sequence[float], x: int, tx: float, T: float) -> float:
    """Note 009 eq. 34: the no-death part of the likelihood over the likelihood."""
    with mp.workdps(DPS):
        p = _mp(params)
        r, alpha, s, beta = p
        ll = pnbd_loglik_row(p, x, tx, T)
        live = mp.gamma(r + x) * alpha**r * beta**s / (
            mp.gamma(r) * (alpha + T) ** (r + x) * (beta + T) ** s
        )
        return float(live / mp.exp(ll))


def pnbd_conditional_expectation(
    params: Sequence[float], t: float, x: int, tx: float, T: float
) -> float:
    """Note 009 eq. 41."""
    with mp.workdps(DPS):
        r, alpha, s, beta = _mp(params)
        pa = mp.mpf(pnbd_palive(params, x, tx, T))
        if s == 1:
            frac = mp.log((beta + T + t) / (beta + T))
        else:
            frac = (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1)
        return float(pa * (r + x) * (beta + T) / (alpha + T) * frac)


def pnbd_pmf(params: Sequence[float], n: int, t: float) -> float:
    """P(X(t) = n) by numerical integration over the death time (mpmath quadrature)."""
    with mp.workdps(30):
        r, alpha, s, beta = _mp(params)
        t = mp.mpf(t)
        c = mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n))
        live = c * (alpha / (alpha + t)) ** r * (t / (alpha + t)) ** n * (beta / (beta + t)) ** s
        integrand = lambda u: u**n * (alpha + u) ** (-(r + n)) * (beta + u) ** (-(s + 1))  # noqa: E731
        dead = c * alpha**r * s * beta**s * mp.quad(integrand, [0, t])
        return float(live + dead)


def pnbd_dert(params: Sequence[float], delta: float, x: int, tx: float, T: float) -> float:
    """FHL 2005 ("RFM and CLV") eq. 2 with mpmath's Tricomi U(s, s; z)."""
    with mp.workdps(DPS):
        r, alpha, s, beta = _mp(params)
        delta = mp.mpf(delta)
        pa = mp.mpf(pnbd_palive(params, x, tx, T))
        bt = beta + T
        return float(
            pa * (r + x) / (alpha + T) * bt**s * delta ** (s - 1) * mp.hyperu(s, s, delta * bt)
        )


# --------------------------------------------------------------------------- derivatives


def grad_hess(f: Callable[..., mp.mpf], params: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of ``f(*params)`` by mpmath's numerical differentiation."""
    k = len(params)
    with mp.workdps(DPS):
        p = _mp(params)
        grad = np.zeros(k)
        hess = np.zeros((k, k))
        for i in range(k):
            order = [0] * k
            order[i] = 1
            grad[i] = float(mp.diff(f, p, tuple(order)))
            for j in range(i, k):
                order2 = [0] * k
                order2[i] += 1
                order2[j] += 1
                hess[i, j] = hess[j, i] = float(mp.diff(f, p, tuple(order2)))
    return grad, hess
