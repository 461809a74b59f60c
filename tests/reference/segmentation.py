"""Naive pure-Python references for the segmentation kernels and rules.

Slow and obvious on purpose: explicit loops over rows, centres and features. The
hypothesis tests check that the compiled kernels and the vectorised rules agree.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def sq_dist(a: list[float], b: list[float]) -> float:
    return sum((u - v) ** 2 for u, v in zip(a, b, strict=True))


def nearest(x: np.ndarray, centers: np.ndarray) -> list[int]:
    """Index of the nearest centre of each row (the first on ties)."""
    out = []
    for row in x.tolist():
        d = [sq_dist(row, c) for c in centers.tolist()]
        out.append(d.index(min(d)))
    return out


def lloyd_sums(x: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per-cluster sums and counts of the rows assigned to their nearest centre."""
    labels = nearest(x, centers)
    sums = np.zeros_like(centers)
    counts = np.zeros(len(centers))
    for row, j in zip(x, labels, strict=True):
        sums[j] += row
        counts[j] += 1
    return sums, counts, labels


def potentials(x: np.ndarray, candidates: np.ndarray, closest: np.ndarray) -> list[float]:
    """``sum_i min(closest_i, |x_i - c|^2)`` for each candidate c (exactly rounded sums)."""
    return [
        math.fsum(
            min(cl, sq_dist(row, c)) for row, cl in zip(x.tolist(), closest.tolist(), strict=True)
        )
        for c in candidates.tolist()
    ]


def silhouette(x: np.ndarray, labels: list[int]) -> list[float]:
    """Rousseeuw's silhouette of every row; 0 for a row alone in its cluster."""
    rows = x.tolist()
    out = []
    for i, row in enumerate(rows):
        by_cluster: dict[int, list[float]] = {}
        for j, other in enumerate(rows):
            if j != i:
                by_cluster.setdefault(labels[j], []).append(math.sqrt(sq_dist(row, other)))
        own = by_cluster.get(labels[i], [])
        if not own:
            out.append(0.0)
            continue
        a = sum(own) / len(own)
        others = [sum(v) / len(v) for c, v in by_cluster.items() if c != labels[i]]
        if not others:
            out.append(0.0)
            continue
        b = min(others)
        out.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return out


def score(values: list[float], bins: int, higher_is_better: bool) -> list[int]:
    """1 + floor(bins * (number of strictly worse values) / n), by counting."""
    n = len(values)
    out = []
    for v in values:
        worse = sum((w < v) if higher_is_better else (w > v) for w in values)
        out.append(1 + (bins * worse) // n)
    return out


def tiers(values: list[float], cutoffs: tuple[float, ...]) -> list[int]:
    """Tier index: number of cutoffs <= share of value held by strictly larger values."""
    total = math.fsum(values)
    if total == 0:
        return [len(cutoffs)] * len(values)
    out = []
    for v in values:
        share = math.fsum(w for w in values if w > v) / total
        out.append(sum(c <= share for c in cutoffs))
    return out


def inertia(x: np.ndarray, centers: np.ndarray, labels: Any) -> float:
    return math.fsum(
        sq_dist(row, centers[j].tolist()) for row, j in zip(x.tolist(), labels, strict=True)
    )
