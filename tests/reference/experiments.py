"""Naive references of the experiments kernels (slow, obvious, pure Python / numpy)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
from scipy import optimize, stats

M64 = (1 << 64) - 1
BLOCK = 4096  # rows per block, as in the kernel (positions are 12-bit fields)

# log(k!) - ((k + 1/2) log(k + 1) - (k + 1) + log(2π)/2), k = 0..15, from mpmath at 40 digits
with mpmath.workdps(40):
    LOG_FACTORIAL_TAIL = [
        float(
            mpmath.loggamma(k + 1)
            - ((k + mpmath.mpf(0.5)) * mpmath.log(k + 1) - (k + 1) + mpmath.log(2 * mpmath.pi) / 2)
        )
        for k in range(16)
    ]


def _splitmix(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def _log_factorial_tail(k: float) -> float:
    if k < 16:
        return LOG_FACTORIAL_TAIL[int(k)]
    x = k + 1.0
    x2 = x * x
    return (
        1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2
    ) / x


class Xoshiro:
    """xoshiro256** seeded like the kernel: SplitMix64 from seed ^ stream * constant."""

    def __init__(self, seed: int, stream: int) -> None:
        state = seed ^ ((stream * 0xD1B54A32D192ED03) & M64)
        self.s = []
        for _ in range(4):
            state, out = _splitmix(state)
            self.s.append(out)

    def next(self) -> int:
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M64  # noqa: E731
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self) -> float:
        """(top 53 bits + 1/2) / 2**53: a double strictly inside (0, 1)."""
        return ((self.next() >> 11) + 0.5) / 2.0**53

    def binomial(self, n: int, p: float) -> int:
        """Binomial(n, p): BTRS (Hörmann 1993) when n min(p, 1-p) >= 10, else geometric waits."""
        if n == 0 or p <= 0.0:
            return 0
        if p >= 1.0:
            return n
        q = min(p, 1.0 - p)
        if n * q >= 10.0:
            k = self._btrs(n, q)
        else:
            k, waited, log_1mq = 0, 0.0, math.log1p(-q)
            while True:
                waited += math.ceil(math.log(self.uniform()) / log_1mq)
                if waited > n:
                    break
                k += 1
        return n - k if p > 0.5 else k

    def _btrs(self, n: int, p: float) -> int:
        spq = math.sqrt(n * p * (1.0 - p))
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * p
        c = n * p + 0.5
        v_r = 0.92 - 4.2 / b
        r = p / (1.0 - p)
        alpha = (2.83 + 5.1 / b) * spq
        m = math.floor((n + 1.0) * p)
        tail = _log_factorial_tail
        while True:
            u = self.uniform() - 0.5
            v = self.uniform()
            us = 0.5 - abs(u)
            k = math.floor((2.0 * a / us + b) * u + c)
            if k < 0 or k > n:
                continue
            if us >= 0.07 and v <= v_r:
                return k
            # log f(k) - log f(m) of the binomial pmf, log factorials by Stirling + tail
            log_ratio = (
                (m + 0.5) * math.log((m + 1.0) / (r * (n - m + 1.0)))
                + (n + 1.0) * math.log1p((k - m) / (n - k + 1.0))
                + (k + 0.5) * math.log(r * (n - k + 1.0) / (k + 1.0))
                + tail(m)
                + tail(n - m)
                - tail(k)
                - tail(n - k)
            )
            if math.log(v * alpha / (a / (us * us) + b)) <= log_ratio:
                return k

    def positions(self, size: int, count: int) -> list[tuple[int, int]]:
        """``count`` uniform positions in [0, size), each with its accumulator number.

        ``size == BLOCK``: four 12-bit fields from the top of each output (accumulators
        0-3); otherwise Lemire's multiply-shift on the high then the low 32-bit half
        (accumulators 0 and 1), rejecting ``(r size) mod 2**32 < 2**32 mod size``.
        """
        out: list[tuple[int, int]] = []
        if size == BLOCK:
            while len(out) < count:
                bits = self.next()
                fields = [(bits >> (52 - 12 * f)) & 0xFFF for f in range(4)]
                out.extend((j, f) for f, j in enumerate(fields[: count - len(out)]))
            return out
        threshold = (2**32 - size) % size
        while len(out) < count:
            bits = self.next()
            for acc, r in enumerate((bits >> 32, bits & 0xFFFFFFFF)):
                m = r * size
                if (m & 0xFFFFFFFF) >= threshold and len(out) < count:
                    out.append((m >> 32, acc))
        return out


def block_counts(n: int, rng: Xoshiro) -> list[int]:
    """Multinomial counts of n uniform draws over blocks, by conditional binomials."""
    counts, left = [], n
    for start in range(0, n, BLOCK):
        rows_left = n - start
        c = left if rows_left <= BLOCK else rng.binomial(left, BLOCK / rows_left)
        counts.append(c)
        left -= c
    return counts


def bootstrap_replicate(values: np.ndarray, seed: int, stream: int, median: bool) -> float:
    """One bootstrap statistic from streams ``stream`` (block counts), ``stream + 1`` (positions).

    Mean: every block's positions in block order, each block summed as
    ``(acc0 + acc1) + (acc2 + acc3)`` and the block sums added in order (the kernel's
    rounding). Median (``values`` sorted): all block counts, then positions only for the
    block(s) holding ranks ``(n-1)//2`` and ``n//2``, whose drawn values are sorted.
    """
    n = values.size
    counts = block_counts(n, Xoshiro(seed, stream))
    pos_rng = Xoshiro(seed, stream + 1)
    if not median:
        total = 0.0
        for blk, count in enumerate(counts):
            start = blk * BLOCK
            acc = [0.0, 0.0, 0.0, 0.0]
            for j, a in pos_rng.positions(min(BLOCK, n - start), count):
                acc[a] += float(values[start + j])
            total += (acc[0] + acc[1]) + (acc[2] + acc[3])
        return total / n
    cum = np.concatenate([[0], np.cumsum(counts)])
    ranks = ((n - 1) // 2, n // 2)
    blocks = sorted({int(np.searchsorted(cum, rank, side="right")) - 1 for rank in ranks})
    drawn: list[float] = []
    for blk in blocks:
        start = blk * BLOCK
        drawn.extend(
            values[start + j] for j, _ in pos_rng.positions(min(BLOCK, n - start), counts[blk])
        )
    drawn.sort()
    first = int(cum[blocks[0]])
    lo, hi = drawn[ranks[0] - first], drawn[ranks[1] - first]
    return float(lo) if ranks[0] == ranks[1] else 0.5 * (lo + hi)


def bootstrap_reference(
    a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int, median: bool
) -> np.ndarray:
    """(n_resamples, 2) replicates for one experiment, as ``bootstrap_kernel`` defines them:
    resample ``r`` of arm ``k`` uses streams ``4 r + 2 k`` and ``4 r + 2 k + 1``."""
    if median:
        a, b = np.sort(a), np.sort(b)
    out = np.empty((n_resamples, 2))
    for r in range(n_resamples):
        out[r, 0] = bootstrap_replicate(a, seed, 4 * r, median)
        out[r, 1] = bootstrap_replicate(b, seed, 4 * r + 2, median)
    return out


def prob_greater_reference(a1: float, b1: float, a2: int, b2: float) -> float:
    """Evan Miller's sum term by term with ``scipy.special.betaln`` (no recurrence)."""
    from scipy.special import betaln

    total = 0.0
    for i in range(int(a2)):
        total += math.exp(
            betaln(a1 + i, b1 + b2) - math.log(b2 + i) - betaln(1 + i, b2) - betaln(a1, b1)
        )
    return total


def group_sequential_reference(fractions: np.ndarray, cumulative_alpha: np.ndarray) -> np.ndarray:
    """Two-sided boundaries by a plain trapezoid rule on 1501 Z-scale points per look.

    Written independently of the library: the sub-density of ``Z_k`` is propagated with
    the transition ``Z_k √t_k = Z_{k-1} √t_{k-1} + N(0, t_k - t_{k-1})``.
    """
    bounds = []
    grid = dens = None
    prev_alpha = 0.0
    for k, (t, cum) in enumerate(zip(fractions, cumulative_alpha, strict=False)):
        target = cum - prev_alpha
        if k == 0:
            c = stats.norm.isf(target / 2)
        else:
            tp = fractions[k - 1]
            sd = math.sqrt((t - tp) / t)
            scale = math.sqrt(tp / t)

            def cross(c, grid=grid, dens=dens, scale=scale, sd=sd, target=target):
                tail = stats.norm.cdf((-c - scale * grid) / sd) + stats.norm.sf(
                    (c - scale * grid) / sd
                )
                return float(np.trapezoid(dens * tail, grid)) - target

            c = optimize.brentq(cross, 0.01, 20, xtol=1e-12)
        bounds.append(c)
        new_grid = np.linspace(-c, c, 1501)
        if k == 0:
            new_dens = stats.norm.pdf(new_grid)
        else:
            kern = stats.norm.pdf((new_grid[:, None] - scale * grid[None, :]) / sd) / sd
            new_dens = np.trapezoid(kern * dens[None, :], grid, axis=1)
        grid, dens = new_grid, new_dens
        prev_alpha = cum
    return np.array(bounds)


def logit_normal_greater_reference(a1: float, b1: float, a2: float, b2: float) -> float:
    """``P(X2 > X1)`` with ``logit X ~ N(ψ(a) - ψ(b), ψ'(a) + ψ'(b))``, by scipy's
    digamma and trigamma (the kernel uses asymptotic series and log1p differences)."""
    from scipy.special import digamma, ndtr, polygamma

    shift = (digamma(a2) - digamma(b2)) - (digamma(a1) - digamma(b1))
    var = sum(float(polygamma(1, x)) for x in (a1, b1, a2, b2))
    return float(ndtr(shift / math.sqrt(var)))
