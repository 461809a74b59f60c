"""Exact samplers of the discrete Laplace and discrete Gaussian distributions.

Canonne, Kamath & Steinke (2020), "The discrete Gaussian for differential privacy",
Algorithms 1-3: rejection sampling that uses only uniform integers and integer or rational
arithmetic, so the output distribution is exactly the one the privacy proof assumes (no
floating-point rounding, hence no Mironov (2012) leak through the low-order bits).

* ``DiscreteLaplace(scale = t/s)``: ``P(z) ∝ exp(-|z| s / t)`` on the integers.
* ``DiscreteGaussian(sigma2 = a/b)``: ``P(z) ∝ exp(-z² / (2 sigma2))`` on the integers.

Randomness comes from :class:`Randomness`: the operating system's CSPRNG (``os.urandom``)
by default, or a seeded PCG64 stream when an ``insecure_seed`` is given (tests and
reproducible documentation only: whoever knows the seed can subtract the noise).

The discrete Laplace sampler is vectorised over draws with int64 arithmetic (the callers
keep ``t * 128 < 2**63``); the discrete Gaussian's acceptance step uses Python integers,
whose size is unbounded. Every loop has a cap; reaching it has probability below 1e-200 and
raises :class:`RuntimeError` rather than returning a draw from a different distribution.
"""

from __future__ import annotations

import math
import os
import random
from fractions import Fraction

import numpy as np

from precisemkt._typing import BoolArray, IntArray

__all__ = [
    "INT_LIMIT",
    "Randomness",
    "bernoulli_exp",
    "discrete_gaussian",
    "discrete_gaussian_pmf",
    "discrete_laplace",
    "discrete_laplace_pmf",
]

INT_LIMIT = 1 << 55
"""Largest ``t`` of a discrete Laplace scale ``t/s`` the vectorised sampler accepts."""
_MAX_K = 127  # Algorithm 1 stops by K <= 127 except with probability 1/127! < 1e-200
_MAX_ROUNDS = 2_000  # rejection rounds (each accepts with probability > 0.2)
_SCALAR_SIZE = 16


class Randomness:
    """Uniform integers from the OS CSPRNG, or from a seeded stream (insecure).

    Parameters
    ----------
    insecure_seed : int or None
        None (default): ``os.urandom``. An int: a PCG64 stream, reproducible and therefore
        predictable; for tests and documentation only.
    """

    __slots__ = ("_rng", "_scalar", "insecure")

    def __init__(self, insecure_seed: int | None = None) -> None:
        self.insecure = insecure_seed is not None
        self._rng = None if insecure_seed is None else np.random.default_rng(insecure_seed)
        self._scalar: random.Random = (
            random.SystemRandom() if insecure_seed is None else random.Random(insecure_seed)
        )

    def below(self, bounds: IntArray) -> IntArray:
        """One uniform integer in ``[0, b)`` for every ``b`` of ``bounds`` (all >= 1)."""
        b = np.asarray(bounds, dtype=np.int64)
        if self._rng is not None:
            out: IntArray = self._rng.integers(0, b, dtype=np.int64)
            return out
        ub = b.astype(np.uint64)
        # r % b is uniform on [0, b) when r is uniform on [2**64 mod b, 2**64)
        threshold = (np.uint64(0) - ub) % ub
        result = np.empty(b.shape, dtype=np.uint64)
        todo = np.ones(b.shape, dtype=np.bool_)
        for _ in range(_MAX_ROUNDS):
            m = int(todo.sum())
            if m == 0:
                return result.astype(np.int64)
            r = np.frombuffer(os.urandom(8 * m), dtype=np.uint64)
            ok = r >= threshold[todo]
            idx = np.flatnonzero(todo)
            result[idx[ok]] = r[ok] % ub[todo][ok]
            todo[idx[ok]] = False
        raise RuntimeError("uniform sampling did not finish")  # pragma: no cover

    def below_int(self, bound: int) -> int:
        """One uniform integer in ``[0, bound)`` for an arbitrarily large Python int.

        ``random.SystemRandom`` (os.urandom) or the seeded ``random.Random``: both draw
        whole bits and reject, so the result is exactly uniform.
        """
        return self._scalar.randrange(bound)


def _bernoulli_exp_unit(rand: Randomness, num: IntArray, den: IntArray) -> BoolArray:
    """Bernoulli(exp(-num/den)) for ``0 <= num <= den`` (CKS Algorithm 1, vectorised)."""
    k = np.ones(num.shape, dtype=np.int64)
    active = np.ones(num.shape, dtype=np.bool_)
    for _ in range(_MAX_K):
        if not active.any():
            odd: BoolArray = (k % 2) == 1
            return odd
        idx = np.flatnonzero(active)
        # A ~ Bernoulli(gamma / K) = [uniform(den * K) < num]
        a = rand.below(den[idx] * k[idx]) < num[idx]
        k[idx[a]] += 1
        active[idx[~a]] = False
    raise RuntimeError("Bernoulli(exp(-gamma)) did not finish")  # pragma: no cover


def bernoulli_exp(rand: Randomness, num: IntArray, den: IntArray) -> BoolArray:
    """Exact Bernoulli(exp(-num/den)) for ``num >= 0``, ``den >= 1`` (int64 arrays).

    For ``gamma > 1`` it is the AND of ``floor(gamma)`` Bernoulli(exp(-1)) draws and one
    Bernoulli(exp(-(gamma - floor(gamma)))) draw (CKS 2020, Algorithm 1).
    """
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    whole, frac = np.divmod(num, den)
    return _bernoulli_exp_parts(rand, whole, frac, den)


def _bernoulli_exp_parts(
    rand: Randomness, whole: IntArray, frac: IntArray, den: IntArray
) -> BoolArray:
    """Bernoulli(exp(-(whole + frac/den))) with ``0 <= frac < den``."""
    out = np.ones(whole.shape, dtype=np.bool_)
    for j in range(int(whole.max(initial=0))):
        idx = np.flatnonzero(out & (whole > j))
        if idx.size == 0:
            break
        one = np.ones(idx.size, dtype=np.int64)
        out[idx] = _bernoulli_exp_unit(rand, one, one)
    idx = np.flatnonzero(out)
    out[idx] = _bernoulli_exp_unit(rand, frac[idx], den[idx])
    return out


def discrete_laplace(rand: Randomness, s: int, t: int, size: int) -> IntArray:
    """``size`` exact draws with ``P(z) ∝ exp(-|z| s/t)`` (CKS 2020, Algorithm 2).

    ``s`` and ``t`` are positive ints with ``t <= INT_LIMIT``.
    """
    if not (s >= 1 and 1 <= t <= INT_LIMIT):
        raise ValueError(f"discrete Laplace needs 1 <= s and 1 <= t <= 2**55; got {s}, {t}")
    if size <= _SCALAR_SIZE:  # a few draws: Python integers beat numpy's per-call cost
        return np.array([_discrete_laplace_scalar(rand, s, t) for _ in range(size)], dtype=np.int64)
    out = np.zeros(size, dtype=np.int64)
    todo = np.arange(size)
    t_arr = np.int64(t)
    for _ in range(_MAX_ROUNDS):
        if todo.size == 0:
            return out
        m = todo.size
        u = rand.below(np.full(m, t, dtype=np.int64))
        d = bernoulli_exp(rand, u, np.full(m, t, dtype=np.int64))
        # V ~ Geometric(1 - exp(-1)): count Bernoulli(exp(-1)) successes before a failure
        v = np.zeros(m, dtype=np.int64)
        going = d.copy()
        for _ in range(_MAX_ROUNDS):
            if not going.any():
                break
            idx = np.flatnonzero(going)
            one = np.ones(idx.size, dtype=np.int64)
            a = bernoulli_exp(rand, one, one)
            v[idx[a]] += 1
            going[idx[~a]] = False
        x = u + t_arr * v
        y = x // np.int64(s)
        b = rand.below(np.full(m, 2, dtype=np.int64))
        accept = d & ~((b == 1) & (y == 0))
        out[todo[accept]] = ((1 - 2 * b) * y)[accept]
        todo = todo[~accept]
    raise RuntimeError("discrete Laplace sampling did not finish")  # pragma: no cover


def _bernoulli_exp_int(rand: Randomness, num: int, den: int) -> bool:
    """Bernoulli(exp(-num/den)) with Python integers (CKS Algorithm 1)."""
    whole, frac = divmod(num, den)
    for _ in range(whole):
        if not _bernoulli_exp_unit_int(rand, 1, 1):
            return False
    return _bernoulli_exp_unit_int(rand, frac, den)


def _bernoulli_exp_unit_int(rand: Randomness, num: int, den: int) -> bool:
    k = 1
    for _ in range(_MAX_K):
        if rand.below_int(den * k) < num:  # A ~ Bernoulli(num / (den k))
            k += 1
        else:
            return k % 2 == 1
    raise RuntimeError("Bernoulli(exp(-gamma)) did not finish")  # pragma: no cover


def _discrete_laplace_scalar(rand: Randomness, s: int, t: int) -> int:
    """One draw of CKS Algorithm 2 with Python integers."""
    for _ in range(_MAX_ROUNDS):
        u = rand.below_int(t)
        if not _bernoulli_exp_unit_int(rand, u, t):
            continue
        v = 0
        for _ in range(_MAX_ROUNDS):
            if not _bernoulli_exp_unit_int(rand, 1, 1):
                break
            v += 1
        y = (u + t * v) // s
        b = rand.below_int(2)
        if b == 1 and y == 0:
            continue
        return -y if b else y
    raise RuntimeError("discrete Laplace sampling did not finish")  # pragma: no cover


def discrete_gaussian(rand: Randomness, sigma2: Fraction, size: int) -> IntArray:
    """``size`` exact draws with ``P(z) ∝ exp(-z²/(2 sigma2))`` (CKS 2020, Algorithm 3).

    Proposals are discrete Laplace with scale ``t = floor(sigma) + 1``, drawn in batches;
    each is accepted with probability ``exp(-(|y| - sigma2/t)² / (2 sigma2))``, computed
    exactly with Python integers.
    """
    if sigma2 <= 0:
        raise ValueError("sigma2 must be positive")
    t = math.isqrt(sigma2.numerator // sigma2.denominator) + 1
    a, b = sigma2.numerator, sigma2.denominator
    # gamma = (|y| t b - a)^2 / (2 a b t^2): split into whole and fraction with Python
    # ints, then draw the Bernoulli vectorised when the denominator fits int64
    den = 2 * a * b * t * t
    if den <= INT_LIMIT and size > _SCALAR_SIZE:
        return _discrete_gaussian_vectorised(rand, t, a, b, den, size)
    out = np.zeros(size, dtype=np.int64)
    tb = t * b
    for i in range(size):
        for _ in range(_MAX_ROUNDS):
            y = _discrete_laplace_scalar(rand, 1, t)
            if _bernoulli_exp_int(rand, (abs(y) * tb - a) ** 2, den):
                out[i] = y
                break
        else:  # pragma: no cover - probability below 1e-200
            raise RuntimeError("discrete Gaussian sampling did not finish")
    return out


def _discrete_gaussian_vectorised(
    rand: Randomness, t: int, a: int, b: int, den: int, size: int
) -> IntArray:
    out = np.zeros(size, dtype=np.int64)
    filled = 0
    tb = t * b
    for _ in range(_MAX_ROUNDS):
        if filled == size:
            return out
        need = size - filled
        proposals = discrete_laplace(rand, 1, t, need + need // 2 + 4)
        parts = [divmod((abs(y) * tb - a) ** 2, den) for y in proposals.tolist()]
        whole = np.fromiter((w for w, _ in parts), dtype=np.int64, count=len(parts))
        frac = np.fromiter((f for _, f in parts), dtype=np.int64, count=len(parts))
        keep = proposals[
            _bernoulli_exp_parts(rand, whole, frac, np.full(len(parts), den, dtype=np.int64))
        ][:need]
        out[filled : filled + keep.size] = keep
        filled += keep.size
    raise RuntimeError("discrete Gaussian sampling did not finish")  # pragma: no cover


def discrete_laplace_pmf(z: IntArray, scale: float) -> np.ndarray:
    """Exact pmf ``(1 - p)/(1 + p) p^|z|`` with ``p = exp(-1/scale)`` (for tests and CIs)."""
    p = math.exp(-1.0 / scale)
    return (1 - p) / (1 + p) * np.power(p, np.abs(np.asarray(z, dtype=np.float64)))


def discrete_gaussian_pmf(z: IntArray, sigma2: float) -> np.ndarray:
    """Pmf of the discrete Gaussian, normalised by a sum over +-(12 sigma + 20)."""
    sigma = math.sqrt(sigma2)
    half = int(12 * sigma) + 20
    support = np.arange(-half, half + 1, dtype=np.float64)
    norm = float(np.exp(-(support**2) / (2 * sigma2)).sum())
    zz = np.asarray(z, dtype=np.float64)
    return np.exp(-(zz**2) / (2 * sigma2)) / norm
