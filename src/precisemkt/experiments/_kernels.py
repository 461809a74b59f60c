"""Compiled loops of the experiments subpackage (ndarray in, ndarray out, no validation).

* ``bootstrap_kernel``: resampled means or medians of two arms, one independent
  xoshiro256** stream per (experiment, resample) so results do not depend on threads.
* ``beta_prob_greater``: exact ``P(X2 > X1)`` for two Beta variables (Evan Miller's sum)
  with the first term in log space and the rest by a ratio recurrence.
"""

from __future__ import annotations

import math

import numpy as np

from precisemkt._numba import njit, prange

__all__ = ["beta_prob_greater", "bootstrap_kernel"]

_MASK32 = np.uint64(0xFFFFFFFF)


@njit()
def _splitmix64(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    """One SplitMix64 step: returns (new state, output)."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit()
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit()
def _seed_stream(seed: np.uint64, stream: np.uint64) -> np.ndarray:
    """xoshiro256** state for one stream, filled by SplitMix64 from (seed, stream)."""
    s = np.empty(4, dtype=np.uint64)
    state = seed ^ (stream * np.uint64(0xD1B54A32D192ED03))
    for i in range(4):
        state, s[i] = _splitmix64(state)
    return s


@njit()
def _next(s: np.ndarray) -> np.uint64:
    """xoshiro256** (Blackman & Vigna 2018): next 64 random bits."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


_BLOCK_SHIFT = 13  # blocks of 8192 observations (64 KiB of float64) stay in cache
_HIST, _SUM, _COUNT = 0, 1, 2


@njit()
def _draws(
    s: np.ndarray,
    size: int,
    count: int,
    mode: int,
    values: np.ndarray,
    start: int,
    tally: np.ndarray,
) -> float:
    """Make ``count`` unbiased draws in [0, size) and use each one by ``mode``.

    Draws follow Lemire (2019) on 32-bit candidates (two per xoshiro output): ``r`` maps to
    ``(r * size) >> 32`` and is rejected when ``(r * size) mod 2**32 < 2**32 mod size``.
    ``_HIST`` counts draws per block in ``tally``; ``_SUM`` returns the sum of
    ``values[start + j]``; ``_COUNT`` adds one to ``tally[start + j]``.
    """
    un = np.uint64(size)
    threshold = (np.uint64(2**32) - un) % un
    total = 0.0
    done = 0
    while done < count:
        bits = _next(s)
        for half in range(2):
            r = (bits >> np.uint64(32)) if half == 0 else (bits & _MASK32)
            m = r * un
            if done < count and (m & _MASK32) >= threshold:
                j = np.int64(m >> np.uint64(32))
                if mode == _HIST:
                    tally[j >> _BLOCK_SHIFT] += 1
                elif mode == _SUM:
                    total += values[start + j]
                else:
                    tally[start + j] += 1
                done += 1
    return total


@njit()
def _resample_stat(
    values: np.ndarray, s: np.ndarray, median: bool, counts: np.ndarray, hist: np.ndarray
) -> float:
    """Mean or median of one bootstrap resample of ``values`` (sorted when ``median``).

    Two passes keep memory access local: first the number of draws falling in each block
    of 8192 observations (a multinomial count, from ``n`` uniform draws), then, block by
    block, that many uniform positions inside the block. The multiset of drawn indices has
    the law of ``n`` i.i.d. uniform indices, so the statistic is an exact bootstrap draw.
    """
    n = values.shape[0]
    nblocks = ((n - 1) >> _BLOCK_SHIFT) + 1
    hist[:nblocks] = 0
    _draws(s, n, n, _HIST, values, 0, hist)
    if median:
        counts[:n] = 0
    total = 0.0
    for blk in range(nblocks):
        start = blk << _BLOCK_SHIFT
        size = min(n - start, 1 << _BLOCK_SHIFT)
        total += _draws(s, size, hist[blk], _COUNT if median else _SUM, values, start, counts)
    if not median:
        return float(total / n)
    lo_rank = (n - 1) // 2
    hi_rank = n // 2
    seen = 0
    lo_val = 0.0
    for i in range(n):
        c = counts[i]
        if c == 0:
            continue
        if seen <= lo_rank < seen + c:
            lo_val = values[i]
        if seen <= hi_rank < seen + c:
            return float(0.5 * (lo_val + values[i]))
        seen += c
    return lo_val  # unreachable: the counts sum to n


@njit(parallel=True)
def bootstrap_kernel(
    a: np.ndarray, b: np.ndarray, n_resamples: int, seeds: np.ndarray, median: bool
) -> np.ndarray:
    """Bootstrap replicates of the statistic of each arm.

    ``a`` (m, n_a) and ``b`` (m, n_b) hold one experiment per row (sorted rows when
    ``median``); ``seeds`` (m,) uint64. Returns (m, n_resamples, 2): control, variant.
    Resample ``r`` of experiment ``i`` uses stream ``2 r`` (control) and ``2 r + 1``
    (variant) of seed ``seeds[i]``, so the answer is the same for any thread count.
    """
    m = a.shape[0]
    n_max = max(a.shape[1], b.shape[1])
    out = np.empty((m, n_resamples, 2))
    for task in prange(m * n_resamples):
        i = task // n_resamples
        r = task % n_resamples
        counts = np.empty(n_max if median else 1, dtype=np.int64)
        hist = np.empty((n_max >> _BLOCK_SHIFT) + 1, dtype=np.int64)
        sa = _seed_stream(seeds[i], np.uint64(2 * r))
        out[i, r, 0] = _resample_stat(a[i], sa, median, counts, hist)
        sb = _seed_stream(seeds[i], np.uint64(2 * r + 1))
        out[i, r, 1] = _resample_stat(b[i], sb, median, counts, hist)
    return out


@njit()
def _stirlerr(x: float) -> float:
    """``lgamma(x) - ((x - 0.5) log x - x + 0.5 log 2π)`` (accurate for large x)."""
    if x < 15.0:
        return math.lgamma(x) - ((x - 0.5) * math.log(x) - x + 0.5 * math.log(2.0 * math.pi))
    x2 = x * x
    return (
        1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2
    ) / x


@njit()
def _log_first_term(a1: float, b1: float, b2: float) -> float:
    """``log B(a1, b1 + b2) - log B(a1, b1)`` without cancelling large lgamma values.

    Equals ``lgamma(b1+a1) - lgamma(b1) - (lgamma(c+a1) - lgamma(c))`` with ``c = b1+b2``;
    the Stirling form keeps every large term as ``x log1p(h/x)``.
    """
    c = b1 + b2
    if b1 < 10.0:
        return math.lgamma(c) - math.lgamma(b1) - math.lgamma(a1 + c) + math.lgamma(a1 + b1)
    return (
        -a1 * math.log1p(b2 / (a1 + b1))
        + (b1 - 0.5) * math.log1p(a1 / b1)
        - (c - 0.5) * math.log1p(a1 / c)
        + _stirlerr(a1 + b1)
        - _stirlerr(b1)
        - _stirlerr(a1 + c)
        + _stirlerr(c)
    )


@njit()
def _miller_sum(a1: float, b1: float, a2: int, b2: float) -> float:
    """``P(X2 > X1)``, X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), integer a2 (Evan Miller).

    ``sum_{i<a2} B(a1+i, b1+b2) / ((b2+i) B(1+i, b2) B(a1, b1))``; term 0 in log space,
    term ratio ``(a1+i)(b2+i) / ((i+1)(a1+b1+b2+i))``, scaled to avoid under/overflow, and
    stopped once the (unimodal) terms fall below 1e-17 of the sum for the rest.
    """
    log_scale = _log_first_term(a1, b1, b2)
    term = 1.0
    total = 0.0
    for i in range(a2):
        total += term
        fi = float(i)
        ratio = (a1 + fi) * (b2 + fi) / ((fi + 1.0) * (a1 + b1 + b2 + fi))
        term *= ratio
        if term > 1e280:
            log_scale += math.log(term)
            total /= term
            term = 1.0
        if ratio < 1.0 and term * (a2 - i - 1) < 1e-17 * total:
            break
    if total == 0.0:
        return 0.0
    return math.exp(math.log(total) + log_scale)


@njit(parallel=True)
def beta_prob_greater(a1: np.ndarray, b1: np.ndarray, a2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Element-wise exact ``P(X2 > X1)`` for Beta posteriors with a whole-number parameter.

    Of the four equivalent sums (over ``a2``, ``a1``, ``b1`` or ``b2`` terms) the one
    with the fewest terms among the whole-number parameters is used. Elements without a
    whole-number parameter are returned as ``nan`` (the caller integrates them).
    """
    out = np.empty(a1.shape[0])
    for i in prange(a1.shape[0]):
        best = np.inf
        form = -1
        for k, v in enumerate((a2[i], a1[i], b1[i], b2[i])):
            if v == math.floor(v) and v < best:
                best = v
                form = k
        if form == 0:
            out[i] = _miller_sum(a1[i], b1[i], int(a2[i]), b2[i])
        elif form == 1:
            out[i] = 1.0 - _miller_sum(a2[i], b2[i], int(a1[i]), b1[i])
        elif form == 2:
            out[i] = _miller_sum(b2[i], a2[i], int(b1[i]), a1[i])
        elif form == 3:
            out[i] = 1.0 - _miller_sum(b1[i], a1[i], int(b2[i]), a2[i])
        else:
            out[i] = np.nan
    return out
