"""Naive references of the experiments kernels (slow, obvious, pure Python / numpy)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

M64 = (1 << 64) - 1


def _splitmix(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


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

    def indices(self, size: int, count: int) -> list[int]:
        """Unbiased integers in [0, size): Lemire on the two 32-bit halves of each output."""
        out: list[int] = []
        threshold = (2**32 - size) % size
        while len(out) < count:
            bits = self.next()
            for r in (bits >> 32, bits & 0xFFFFFFFF):
                m = r * size
                if (m & 0xFFFFFFFF) >= threshold and len(out) < count:
                    out.append(m >> 32)
        return out


def bootstrap_replicate(values: np.ndarray, seed: int, stream: int, median: bool) -> float:
    """One bootstrap statistic: block counts first, then positions within each block."""
    n = values.size
    rng = Xoshiro(seed, stream)
    block = 1 << 13
    nblocks = (n - 1) // block + 1
    per_block = [0] * nblocks
    for j in rng.indices(n, n):
        per_block[j // block] += 1
    drawn: list[int] = []
    for b in range(nblocks):
        start = b * block
        size = min(n - start, block)
        drawn.extend(start + j for j in rng.indices(size, per_block[b]))
    sample = values[np.array(drawn)]
    if median:
        return float(np.median(sample))
    total = 0.0
    for j in drawn:  # same summation order as the kernel
        total += float(values[j])
    return total / n


def bootstrap_reference(
    a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int, median: bool
) -> np.ndarray:
    """(n_resamples, 2) replicates for one experiment, as ``bootstrap_kernel`` defines them."""
    if median:
        a, b = np.sort(a), np.sort(b)
    out = np.empty((n_resamples, 2))
    for r in range(n_resamples):
        out[r, 0] = bootstrap_replicate(a, seed, 2 * r, median)
        out[r, 1] = bootstrap_replicate(b, seed, 2 * r + 1, median)
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
