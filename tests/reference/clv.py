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
    """FHL 2005 eq. 10 (BG/NBD) / Wagner & Hoppe 2008 (MBG/NBD) with mpmath's 2F1.

    ``1 - (1-z)^(r+x) 2F1(...)`` cancels to ~``z``, so the working precision grows with
    ``-log10(z)``. The removable singularities at ``a = 1`` (and at ``c = 0``) are taken
    as the mean of the two sides 1e-30 away.
    """
    z = t / (params[1] + T + t) if t > 0 else 0.0
    if z == 0.0:
        return 0.0
    with mp.workdps(DPS + 20 + int(max(0.0, -mp.log10(z)))):
        r, alpha, a, b = _mp(params)
        t, tx, T = mp.mpf(t), mp.mpf(tx), mp.mpf(T)
        eps = mp.mpf(10) ** -30
        if a == 1:
            return float(
                (
                    _bg_ce(r, alpha, a + eps, b, t, x, tx, T, modified)
                    + _bg_ce(r, alpha, a - eps, b, t, x, tx, T, modified)
                )
                / 2
            )
        if a + b + x + modified - 1 == 0:
            return float(
                (
                    _bg_ce(r, alpha, a, b + eps, t, x, tx, T, modified)
                    + _bg_ce(r, alpha, a, b - eps, t, x, tx, T, modified)
                )
                / 2
            )
        return float(_bg_ce(r, alpha, a, b, t, x, tx, T, modified))


def _bg_ce(r, alpha, a, b, t, x, tx, T, modified):  # type: ignore[no-untyped-def]
    bb = b + x + modified
    c = a + bb - 1
    z = t / (alpha + T + t)
    core = (
        c / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, bb, c, z))
    )
    if x == 0 and not modified:
        return core
    return core / (1 + a / (bb - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def bg_pmf(params: Sequence[float], n: int, t: float, modified: int) -> float:
    """P(X(t) = n): FHL 2005 eq. 8 (BG/NBD) and its MBG/NBD analogue, finite sums in mpmath.

    ``1 - p^r sum(...)`` cancels to ~``(t/(alpha+t))^n``; the precision grows to match.
    """
    ratio = t / (params[1] + t) if t > 0 else 1.0
    depth = int(n * max(0.0, -mp.log10(ratio))) if t > 0 else 0
    with mp.workdps(DPS + depth):
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
    a0 = (
        mp.hyp2f1(k, c, k + 1, d / (m + tx)) / (m + tx) ** k
        - mp.hyp2f1(k, c, k + 1, d / (m + T)) / (m + T) ** k
    )
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
        live = (
            mp.gamma(r + x)
            * alpha**r
            * beta**s
            / (mp.gamma(r) * (alpha + T) ** (r + x) * (beta + T) ** s)
        )
        return float(live / mp.exp(ll))


def pnbd_conditional_expectation(
    params: Sequence[float], t: float, x: int, tx: float, T: float
) -> float:
    """Note 009 eq. 41 (precision grows with the cancellation depth ``-log10(t/(beta+T))``)."""
    depth = int(max(0.0, -mp.log10(t / (params[3] + T)))) if t > 0 else 0
    with mp.workdps(DPS + depth):
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
        # the integrand peaks at u = t like u^n: split the interval for mpmath's quadrature
        dead = c * alpha**r * s * beta**s * mp.quad(integrand, mp.linspace(0, t, 9))
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


# --------------------------------------------------------------------------- BG/BB


def bgbb_loglik_row(params: Sequence[mp.mpf], x: int, tx: int, n: int) -> mp.mpf:
    """Fader, Hardie & Shang (2010) eq. 5."""
    alpha, beta, gamma, delta = params
    bab = mp.beta(alpha, beta)
    bgd = mp.beta(gamma, delta)
    total = mp.beta(alpha + x, beta + n - x) / bab * mp.beta(gamma, delta + n) / bgd
    for i in range(n - tx):
        total += (
            mp.beta(alpha + x, beta + tx - x + i) / bab * mp.beta(gamma + 1, delta + tx + i) / bgd
        )
    return mp.log(total)


def bgbb_loglik(params: Sequence[float], x, tx, n, w) -> mp.mpf:  # type: ignore[no-untyped-def]
    """Weighted sum of :func:`bgbb_loglik_row`."""
    with mp.workdps(DPS):
        p = _mp(params)
        return mp.fsum(
            float(wi) * bgbb_loglik_row(p, int(xi), int(ti), int(ni))
            for xi, ti, ni, wi in zip(x, tx, n, w, strict=True)
        )


def bgbb_conditional_expectation(params: Sequence[float], t: int, x: int, tx: int, n: int) -> float:
    """FHS (2010) eq. 13 (gamma != 1), in mpmath."""
    with mp.workdps(DPS):
        p = _mp(params)
        alpha, beta, gamma, delta = p
        ll = bgbb_loglik_row(p, x, tx, n)
        head = mp.beta(alpha + x + 1, beta + n - x) / mp.beta(alpha, beta)
        mid = delta / (gamma - 1) * mp.gamma(gamma + delta) / mp.gamma(1 + delta)
        tail = mp.gamma(1 + delta + n) / mp.gamma(gamma + delta + n) - mp.gamma(
            1 + delta + n + t
        ) / mp.gamma(gamma + delta + n + t)
        return float(head * mid * tail / mp.exp(ll))


def bgbb_palive(params: Sequence[float], t: int, x: int, tx: int, n: int) -> float:
    """FHS (2010) eq. A10: P(alive at opportunity n + t)."""
    with mp.workdps(DPS):
        p = _mp(params)
        alpha, beta, gamma, delta = p
        num = (
            mp.beta(alpha + x, beta + n - x)
            / mp.beta(alpha, beta)
            * mp.beta(gamma, delta + n + t)
            / mp.beta(gamma, delta)
        )
        return float(num / mp.exp(bgbb_loglik_row(p, x, tx, n)))


def bgbb_pmf(params: Sequence[float], x: int, n: int) -> float:
    """FHS (2010) eq. 7: P(X(n) = x)."""
    with mp.workdps(DPS):
        alpha, beta, gamma, delta = _mp(params)
        bab = mp.beta(alpha, beta)
        bgd = mp.beta(gamma, delta)
        out = (
            mp.binomial(n, x)
            * mp.beta(alpha + x, beta + n - x)
            / bab
            * mp.beta(gamma, delta + n)
            / bgd
        )
        for i in range(x, n):
            out += (
                mp.binomial(i, x)
                * mp.beta(alpha + x, beta + i - x)
                / bab
                * mp.beta(gamma + 1, delta + i)
                / bgd
            )
        return float(out)


# --------------------------------------------------------------------------- Gamma-Gamma


def gg_loglik_row(params: Sequence[mp.mpf], x: float, m: float) -> mp.mpf:
    """Density of the average of x Gamma(p, nu) spends, nu ~ Gamma(q, gamma) (note 025)."""
    p, q, g = params
    x, m = mp.mpf(x), mp.mpf(m)
    return (
        mp.loggamma(p * x + q)
        - mp.loggamma(p * x)
        - mp.loggamma(q)
        + q * mp.log(g)
        + (p * x - 1) * mp.log(m)
        + p * x * mp.log(x)
        - (p * x + q) * mp.log(x * m + g)
    )


def gg_loglik(params: Sequence[float], x, m, w) -> mp.mpf:  # type: ignore[no-untyped-def]
    """Weighted sum of :func:`gg_loglik_row`."""
    with mp.workdps(DPS):
        p = _mp(params)
        return mp.fsum(
            float(wi) * gg_loglik_row(p, float(xi), float(mi))
            for xi, mi, wi in zip(x, m, w, strict=True)
        )


# --------------------------------------------------------------------------- derivatives


def grad_hess(f: Callable[..., mp.mpf], params: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of ``f(*params)`` by central differences in 60-digit mpmath.

    Steps of 1e-15 relative: truncation ~1e-30, rounding ~1e-45, far below double precision.
    """
    k = len(params)
    with mp.workdps(60):
        p = _mp(params)
        h = [abs(v) * mp.mpf(10) ** -15 for v in p]

        def at(*shifts: tuple[int, int]) -> mp.mpf:
            q = list(p)
            for i, sgn in shifts:
                q[i] += sgn * h[i]
            return f(*q)

        f0 = f(*p)
        plus = [at((i, 1)) for i in range(k)]
        minus = [at((i, -1)) for i in range(k)]
        grad = np.array([float((plus[i] - minus[i]) / (2 * h[i])) for i in range(k)])
        hess = np.zeros((k, k))
        for i in range(k):
            hess[i, i] = float((plus[i] - 2 * f0 + minus[i]) / h[i] ** 2)
            for j in range(i + 1, k):
                mixed = (
                    at((i, 1), (j, 1))
                    - at((i, 1), (j, -1))
                    - at((i, -1), (j, 1))
                    + at((i, -1), (j, -1))
                ) / (4 * h[i] * h[j])
                hess[i, j] = hess[j, i] = float(mixed)
    return grad, hess
