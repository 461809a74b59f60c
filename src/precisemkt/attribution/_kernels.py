"""Compiled loops of :mod:`precisemkt.attribution` (ndarray in, ndarray out).

The public functions validate their input and then call these kernels; nothing here
checks arguments. A set of journeys is stored flat: ``tokens`` holds the channel codes
of every touch one path after the other and path ``p`` is
``tokens[offsets[p]:offsets[p + 1]]``. Every kernel has a naive twin in
``tests/reference/attribution.py``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray

__all__ = [
    "collapse_repeats",
    "path_masks",
    "position_credits",
    "shapley_values",
    "split_paths",
    "subset_sums",
    "touch_weights",
    "transition_edges",
    "window_keys",
]

#: Codes of the heuristic models understood by :func:`touch_weights`.
FIRST_TOUCH, LAST_TOUCH, LAST_NON_DIRECT, LINEAR, POSITION_BASED, TIME_DECAY = range(6)


@njit()
def _is_space(byte: int) -> bool:
    return byte == 32 or 9 <= byte <= 13


@njit()
def split_paths(buffer: npt.NDArray[np.uint8], sep: int) -> tuple[IntArray, IntArray, IntArray]:
    """Split UTF-8 paths joined by NUL bytes into channel names at the byte ``sep``.

    Returns each name's byte range ``[starts, ends)`` with ASCII white space trimmed and
    the number of names per path (equal names are then grouped from their bytes by
    :func:`precisemkt._grouping.group_sequences`, without a Python string per touch).
    """
    n = buffer.size
    n_tokens = 1
    n_paths = 1
    for i in range(n):
        if buffer[i] == sep:
            n_tokens += 1
        elif buffer[i] == 0:
            n_tokens += 1
            n_paths += 1
    starts = np.empty(n_tokens, np.int64)
    ends = np.empty(n_tokens, np.int64)
    counts = np.zeros(n_paths, np.int64)
    t = 0
    p = 0
    begin = 0
    for i in range(n + 1):
        if i < n and buffer[i] != sep and buffer[i] != 0:
            continue
        a = begin
        b = i
        while a < b and _is_space(buffer[a]):
            a += 1
        while b > a and _is_space(buffer[b - 1]):
            b -= 1
        starts[t] = a
        ends[t] = b
        counts[p] += 1
        t += 1
        if i < n and buffer[i] == 0:
            p += 1
        begin = i + 1
    return starts, ends, counts


@njit()
def collapse_repeats(tokens: IntArray, offsets: IntArray) -> tuple[IntArray, IntArray]:
    """Drop every touch that repeats the channel just before it ("a>a>b" -> "a>b")."""
    n_paths = offsets.size - 1
    out = np.empty_like(tokens)
    new_offsets = np.empty_like(offsets)
    new_offsets[0] = 0
    k = 0
    for p in range(n_paths):
        previous = -1
        for i in range(offsets[p], offsets[p + 1]):
            if tokens[i] != previous:
                out[k] = tokens[i]
                k += 1
            previous = tokens[i]
        new_offsets[p + 1] = k
    return out[:k].copy(), new_offsets


@njit()
def window_keys(
    tokens: IntArray, offsets: IntArray, order: int, base: int
) -> tuple[IntArray, IntArray]:
    """The order-``order`` states of every path, as integer keys.

    A path of length ``L >= order`` visits the ``L - order + 1`` windows of ``order``
    consecutive touches; a shorter path is one state, the whole path. A window
    ``(c_1, ..., c_m)`` is encoded as the base-``base`` number with digits ``c_i + 1``
    (most significant first), so keys of windows of different lengths never collide.
    Returns the keys and their per-path offsets.
    """
    n_paths = offsets.size - 1
    window_offsets = np.empty(n_paths + 1, np.int64)
    window_offsets[0] = 0
    for p in range(n_paths):
        length = offsets[p + 1] - offsets[p]
        window_offsets[p + 1] = window_offsets[p] + max(length - order + 1, 1)
    keys = np.empty(window_offsets[n_paths], np.int64)
    for p in range(n_paths):
        start = offsets[p]
        width = min(order, offsets[p + 1] - start)
        for w in range(window_offsets[p + 1] - window_offsets[p]):
            key = 0
            for j in range(width):
                key = key * base + tokens[start + w + j] + 1
            keys[window_offsets[p] + w] = key
    return keys, window_offsets


@njit()
def transition_edges(
    states: IntArray, window_offsets: IntArray, n_states: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Every transition of every path, once per path, with its kind.

    States are numbered ``1..n_states`` (0 is START, ``n_states + 1`` CONVERSION,
    ``n_states + 2`` NULL). Path ``p`` with states ``s_1..s_m`` contributes
    START->s_1, s_i->s_{i+1} (kind 0, weighted by all its journeys), s_m->CONVERSION
    (kind 1, weighted by its conversions) and s_m->NULL (kind 2, by its nulls).
    Returns ``src, dst, path, kind``.
    """
    n_paths = window_offsets.size - 1
    n_edges = states.size + 2 * n_paths
    src = np.empty(n_edges, np.int64)
    dst = np.empty(n_edges, np.int64)
    path = np.empty(n_edges, np.int64)
    kind = np.empty(n_edges, np.int64)
    e = 0
    for p in range(n_paths):
        previous = 0
        for i in range(window_offsets[p], window_offsets[p + 1]):
            src[e] = previous
            dst[e] = states[i]
            path[e] = p
            kind[e] = 0
            previous = states[i]
            e += 1
        for end in range(2):
            src[e] = previous
            dst[e] = n_states + 1 + end
            path[e] = p
            kind[e] = 1 + end
            e += 1
    return src, dst, path, kind


@njit()
def touch_weights(
    tokens: IntArray,
    offsets: IntArray,
    lags: FloatArray,
    model: int,
    direct: int,
    w_first: float,
    w_middle: float,
    w_last: float,
    half_life: float,
) -> FloatArray:
    """The share of its path's credit each touch receives under a heuristic ``model``.

    ``model`` is one of the module's model codes; ``direct`` the channel code skipped by
    last-non-direct (-1: none); ``lags`` the time from each touch to the path's end, used
    by time decay with weight ``2 ** (-lag / half_life)``. Weights of a path sum to 1.
    """
    weights = np.zeros(tokens.size)
    n_paths = offsets.size - 1
    for p in range(n_paths):
        start = offsets[p]
        stop = offsets[p + 1]
        length = stop - start
        if model == FIRST_TOUCH:
            weights[start] = 1.0
        elif model == LAST_TOUCH:
            weights[stop - 1] = 1.0
        elif model == LAST_NON_DIRECT:
            chosen = stop - 1
            for i in range(stop - 1, start - 1, -1):
                if tokens[i] != direct:
                    chosen = i
                    break
            weights[chosen] = 1.0
        elif model == LINEAR:
            for i in range(start, stop):
                weights[i] = 1.0 / length
        elif model == POSITION_BASED:
            if length == 1:
                weights[start] = 1.0
            elif length == 2:
                weights[start] = w_first / (w_first + w_last)
                weights[start + 1] = w_last / (w_first + w_last)
            else:
                weights[start] = w_first
                weights[stop - 1] = w_last
                for i in range(start + 1, stop - 1):
                    weights[i] = w_middle / (length - 2)
        else:
            nearest = np.inf
            for i in range(start, stop):
                nearest = min(nearest, lags[i])
            total = 0.0
            for i in range(start, stop):
                weights[i] = 2.0 ** (-(lags[i] - nearest) / half_life)
                total += weights[i]
            for i in range(start, stop):
                weights[i] /= total
    return weights


@njit()
def path_masks(tokens: IntArray, offsets: IntArray) -> IntArray:
    """The set of distinct channels of every path as a bit mask (bit ``c`` = channel ``c``)."""
    n_paths = offsets.size - 1
    masks = np.zeros(n_paths, np.int64)
    for p in range(n_paths):
        mask = 0
        for i in range(offsets[p], offsets[p + 1]):
            mask |= np.int64(1) << tokens[i]
        masks[p] = mask
    return masks


@njit()
def subset_sums(values: FloatArray, n_bits: int) -> FloatArray:
    """Zeta transform of each column: ``out[S, g] = sum(values[T, g] for T subset of S)``.

    ``values`` has ``2**n_bits`` rows, indexed by mask; ``n_bits`` passes of additions.
    """
    out = values.copy()
    size = out.shape[0]
    for bit in range(n_bits):
        step = 1 << bit
        for high in range(0, size, 2 * step):
            for s in range(high + step, high + 2 * step):
                for g in range(out.shape[1]):
                    out[s, g] += out[s - step, g]
    return out


@njit()
def shapley_values(v: FloatArray, n_players: int) -> FloatArray:
    """Exact Shapley values of the games in the columns of ``v`` (rows: coalition masks).

    ``phi_j = sum over S without j of |S|! (n - |S| - 1)! / n! * (v[S + j] - v[S])``:
    each player visits the ``2**(n-1)`` coalitions without it in memory order, every term
    is bounded, so the sums carry no cancellation beyond that of the marginal
    differences themselves. Returns an array of shape ``(n_players, n_games)``.
    """
    n_masks = 1 << n_players
    n_games = v.shape[1]
    weight = np.empty(n_players)
    weight[0] = 1.0 / n_players
    for s in range(1, n_players):
        weight[s] = weight[s - 1] * s / (n_players - s)
    size = np.zeros(n_masks, np.int8)
    for s in range(1, n_masks):
        size[s] = size[s >> 1] + (s & 1)
    phi = np.zeros((n_players, n_games))
    for j in range(n_players):
        bit = 1 << j
        for high in range(0, n_masks, 2 * bit):
            for s in range(high, high + bit):
                w = weight[size[s]]
                for g in range(n_games):
                    phi[j, g] += w * (v[s + bit, g] - v[s, g])
    return phi


@njit()
def position_credits(tokens: IntArray, offsets: IntArray, n_channels: int) -> FloatArray:
    """Ordered-Shapley share of each touch: ``1 / (|D| * count)`` for a path whose distinct
    channels are ``D``, where ``count`` is how often the touch's channel occurs in it."""
    weights = np.zeros(tokens.size)
    counts = np.zeros(n_channels, np.int64)
    for p in range(offsets.size - 1):
        distinct = 0
        for i in range(offsets[p], offsets[p + 1]):
            if counts[tokens[i]] == 0:
                distinct += 1
            counts[tokens[i]] += 1
        for i in range(offsets[p], offsets[p + 1]):
            weights[i] = 1.0 / (distinct * counts[tokens[i]])
        for i in range(offsets[p], offsets[p + 1]):
            counts[tokens[i]] = 0
    return weights
