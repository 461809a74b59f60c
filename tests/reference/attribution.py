"""Naive, obviously-correct versions of the attribution kernels and models.

Everything here works on plain Python lists and dictionaries, one path at a time, with
dense matrices and explicit coalition enumeration. It is slow on purpose: the tests check
the compiled kernels and the public models against it.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np

Path = list[str]
Row = tuple[Path, float, float, float]  # (channels, conversions, nulls, value)


# --------------------------------------------------------------------------- kernels


def split_paths(paths: Sequence[str], sep: str) -> list[list[str]]:
    """Each path's names (ASCII white space trimmed)."""
    return [[raw.strip(" \t\n\r\x0b\x0c") for raw in path.split(sep)] for path in paths]


def collapse_repeats(path: Sequence[Any]) -> list[Any]:
    """Drop touches that repeat the previous channel."""
    out: list[Any] = []
    for c in path:
        if not out or out[-1] != c:
            out.append(c)
    return out


def windows(path: Sequence[Any], order: int) -> list[tuple[Any, ...]]:
    """The order-``order`` states of a path (the whole path if it is shorter)."""
    if len(path) <= order:
        return [tuple(path)]
    return [tuple(path[i : i + order]) for i in range(len(path) - order + 1)]


def touch_weights(
    path: Sequence[int],
    lags: Sequence[float],
    model: str,
    direct: int,
    position_weights: tuple[float, float, float],
    half_life: float,
) -> list[float]:
    """Share of one path's credit per touch under a heuristic model."""
    n = len(path)
    w = [0.0] * n
    if model == "first_touch":
        w[0] = 1.0
    elif model == "last_touch":
        w[-1] = 1.0
    elif model == "last_non_direct":
        candidates = [i for i in range(n) if path[i] != direct]
        w[candidates[-1] if candidates else n - 1] = 1.0
    elif model == "linear":
        w = [1.0 / n] * n
    elif model == "position_based":
        first, middle, last = position_weights
        if n == 1:
            w[0] = 1.0
        elif n == 2:
            w = [first / (first + last), last / (first + last)]
        else:
            w = [first] + [middle / (n - 2)] * (n - 2) + [last]
    elif model == "time_decay":
        # mpmath: 2**(-lag/h) for a lag of years and a half-life of hours underflows floats.
        raw = [mpmath.power(2, -mpmath.mpf(lag) / half_life) for lag in lags]
        w = [float(r / mpmath.fsum(raw)) for r in raw]
    return w


def path_mask(path: Sequence[int]) -> int:
    """Bit mask of the distinct channels of a path."""
    mask = 0
    for c in set(path):
        mask |= 1 << c
    return mask


def subset_sums(values: Sequence[float], n_bits: int) -> list[float]:
    """``out[S] = sum of values[T] for every T that is a subset of S`` (4**n loops)."""
    size = 1 << n_bits
    return [sum(values[t] for t in range(size) if t & s == t) for s in range(size)]


def shapley_from_game(v: Sequence[float], n: int) -> list[float]:
    """Shapley values of a game given on coalition masks, by the textbook formula."""
    phi = [0.0] * n
    for j in range(n):
        others = [i for i in range(n) if i != j]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for coalition in itertools.combinations(others, size):
                mask = sum(1 << i for i in coalition)
                phi[j] += weight * (v[mask | (1 << j)] - v[mask])
    return phi


def position_credits(path: Sequence[int]) -> list[float]:
    """Ordered-Shapley share of each touch: 1 / (distinct channels * occurrences)."""
    distinct = len(set(path))
    return [1.0 / (distinct * path.count(c)) for c in path]


# --------------------------------------------------------------------------- models


def heuristic(
    rows: Sequence[Row],
    model: str,
    *,
    lags: Sequence[Sequence[float]] | None = None,
    direct: str = "direct",
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
    half_life: float = 1.0,
) -> tuple[dict[str, float], dict[str, float]]:
    """Conversions and value per channel under a heuristic model, path by path."""
    conv: dict[str, float] = defaultdict(float)
    value: dict[str, float] = defaultdict(float)
    for i, (path, c, _, val) in enumerate(rows):
        names = sorted(set(path))
        codes = [names.index(p) for p in path]
        direct_code = names.index(direct) if direct in names else -1
        path_lags = lags[i] if lags is not None else [len(path) - 1 - k for k in range(len(path))]
        w = touch_weights(codes, path_lags, model, direct_code, position_weights, half_life)
        for name, share in zip(path, w, strict=True):
            conv[name] += share * c
            value[name] += share * val
    return dict(conv), dict(value)


def markov_states(
    rows: Sequence[Row], order: int, collapse: bool
) -> tuple[list[tuple[str, ...]], list[list[tuple[str, ...]]]]:
    """Distinct states (sorted) and the state sequence of every path."""
    sequences = []
    for path, *_ in rows:
        p = collapse_repeats(path) if collapse else list(path)
        sequences.append(windows(p, order))
    states = sorted({s for seq in sequences for s in seq})
    return states, sequences


def markov(rows: Sequence[Row], order: int = 1, collapse: bool = True) -> dict[str, object]:
    """Exact removal effects from a dense transition matrix and ``inv(I - Q)``.

    Returns P(conversion), expected value, and per channel the same with the channel
    removed (every state containing it sent to NULL), the removal effects and credits.
    """
    states, sequences = markov_states(rows, order, collapse)
    index = {s: i + 1 for i, s in enumerate(states)}
    n = len(states) + 1  # START + states
    counts = np.zeros((n, n + 2))  # columns: START..states, CONVERSION, NULL
    earned = np.zeros(n)
    for (_, c, nulls, val), seq in zip(rows, sequences, strict=True):
        previous = 0
        for s in seq:
            counts[previous, index[s]] += c + nulls
            previous = index[s]
        counts[previous, n] += c
        counts[previous, n + 1] += nulls
        earned[previous] += val
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(totals[:, None] > 0, counts / totals[:, None], 0.0)
        reward = np.where(totals > 0, earned / totals, 0.0)
    q, r = p[:, :n], p[:, n]

    def absorb(removed: set[int]) -> tuple[float, float]:
        keep = [i for i in range(n) if i not in removed]
        fundamental = np.linalg.inv(np.eye(len(keep)) - q[np.ix_(keep, keep)])
        return float((fundamental @ r[keep])[0]), float((fundamental @ reward[keep])[0])

    channels = sorted({c for path, *_ in rows for c in path})
    p_all, v_all = absorb(set())
    out: dict[str, object] = {"conversion_probability": p_all, "expected_value": v_all}
    effects, value_effects = {}, {}
    for ch in channels:
        removed = {index[s] for s in states if ch in s}
        p_without, v_without = absorb(removed)
        effects[ch] = 1 - p_without / p_all if p_all > 0 else 0.0
        value_effects[ch] = 1 - v_without / v_all if v_all > 0 else 0.0
    total_conv = sum(row[1] for row in rows)
    total_value = sum(row[3] for row in rows)
    out["removal_effects"] = effects
    out["value_removal_effects"] = value_effects
    mass_conv = sum(effects.values())
    out["conversions"] = {
        ch: (e / mass_conv * total_conv if mass_conv > 0 else 0.0) for ch, e in effects.items()
    }
    mass = sum(value_effects.values())
    out["value"] = {
        ch: (e / mass * total_value if mass > 0 else 0.0) for ch, e in value_effects.items()
    }
    return out


def coalition_worth(
    rows: Sequence[Row], coalition: frozenset[str], kind: str
) -> tuple[float, float]:
    """Worth of a coalition for conversions and for value, straight from the rows."""
    inside = [row for row in rows if set(row[0]) <= coalition]
    conv = sum(row[1] for row in inside)
    value = sum(row[3] for row in inside)
    if kind == "conversions":
        return conv, value
    journeys = sum(row[1] + row[2] for row in inside)
    return (conv / journeys, value / journeys) if journeys > 0 else (0.0, 0.0)


def shapley(
    rows: Sequence[Row], kind: str = "conversion_rate"
) -> tuple[dict[str, float], dict[str, float]]:
    """Exact Shapley credits by enumerating every coalition of the other channels."""
    channels = sorted({c for path, *_ in rows for c in path})
    n = len(channels)
    cache: dict[frozenset[str], tuple[float, float]] = {}

    def worth(coalition: frozenset[str]) -> tuple[float, float]:
        if coalition not in cache:
            cache[coalition] = coalition_worth(rows, coalition, kind)
        return cache[coalition]

    phi = {ch: [0.0, 0.0] for ch in channels}
    for ch in channels:
        others = [c for c in channels if c != ch]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for members in itertools.combinations(others, size):
                base = frozenset(members)
                with_ch, without = worth(base | {ch}), worth(base)
                phi[ch][0] += weight * (with_ch[0] - without[0])
                phi[ch][1] += weight * (with_ch[1] - without[1])
    grand = worth(frozenset(channels))
    totals = (sum(row[1] for row in rows), sum(row[3] for row in rows))
    out = []
    for k in range(2):
        scale = totals[k] / grand[k] if grand[k] > 0 else 0.0
        out.append({ch: phi[ch][k] * scale for ch in channels})
    return out[0], out[1]


def chain_removal_effects(table: np.ndarray) -> tuple[float, np.ndarray]:
    """P(conversion) and removal effects of a known order-1 chain.

    ``table`` has rows START, channels and columns channels, CONVERSION, NULL (the layout
    of ``make_journeys(...).chain``).
    """
    n = table.shape[0] - 1
    q = np.zeros((n + 1, n + 1))
    q[:, 1:] = table[:, :n]
    r = table[:, n]

    def absorb(keep: list[int]) -> float:
        return float(np.linalg.solve(np.eye(len(keep)) - q[np.ix_(keep, keep)], r[keep])[0])

    p = absorb(list(range(n + 1)))
    effects = np.array([1 - absorb([i for i in range(n + 1) if i != c + 1]) / p for c in range(n)])
    return p, effects
